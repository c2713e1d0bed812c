"""Quick self-test of chapter 2, "Core concepts"; see ``dlbook.quiz``."""

from . import Question

QUESTIONS = (
    Question(
        "A network stacks three dense layers with biases and no activation "
        "functions. What can it compute?",
        (("More than one dense layer, since every layer adds its own "
          "weights and biases to learn.", False,
          "The weights multiply out: $(XW_1 + b_1)W_2 + b_2 = X(W_1 W_2) + "
          "(b_1 W_2 + b_2)$, one linear layer however many are stacked."),
         ("Exactly what a single dense layer computes: an affine map of "
          "its input.", True,
          "Without a non-linearity the layers collapse into one; the "
          "chapter's cell checked it, and a ReLU in between broke the "
          "equality."),
         ("More than a linear map, because the biases make it "
          "non-linear.", False,
          "A bias shifts the output: $XW + b$ is still affine, and "
          "composing affine maps gives an affine map."))),
    Question(
        "Which statement about ReLU, $\\max(0, z)$, is right?",
        (("It limits a unit's output to a range, like every activation.",
          False,
          "ReLU has no upper bound ($10^6$ passed through unchanged); an "
          "activation's job is to make the network non-linear, not to "
          "bound it."),
         ("It is the natural output activation when all targets are "
          "positive, since it can never predict a negative value.", False,
          "The output activation follows the task: none for regression. "
          "A ReLU output whose input is negative for every sample passes "
          "no gradient, and the chapter's model never learned."),
         ("It is the usual hidden-layer choice because its derivative is "
          "1 for every positive input.", True,
          "Unlike the sigmoid, whose derivative is at most 0.25, it does "
          "not shrink the gradients that flow back through active units; "
          "units whose input is always negative are dead, though."))),
    Question(
        "A binary classifier with a sigmoid output is confidently wrong: "
        "$y = 1$, logit $z = -6$, $p \\approx 0.0025$. Why train it with "
        "the cross-entropy rather than the squared error?",
        (("The squared error is not defined for probabilities, only for "
          "real-valued targets, so it cannot score a sigmoid's output.",
          False,
          "It can: $(p - y)^2$ is a number like any other. The problem is "
          "its gradient, not its value."),
         ("The gradient reaching the logit is $p - y \\approx -1$ with "
          "the cross-entropy, but almost 0 with the squared error.", True,
          "With the squared error the sigmoid's flat tail multiplies the "
          "gradient by $p(1 - p)$, so the model learns slowest exactly "
          "when it is most wrong."),
         ("The cross-entropy is always the smaller of the two, so "
          "training ends sooner.", False,
          "The size of a loss value says nothing about how fast it is "
          "minimised; what matters is the gradient it sends back."))),
    Question(
        "What happens to the softmax of a sample's logits when 100 is "
        "added to every one of them?",
        (("Nothing: the probabilities stay the same.", True,
          "$e^{z_i + c} / \\sum_j e^{z_j + c} = e^{z_i} / \\sum_j "
          "e^{z_j}$. This shift invariance is what a stable softmax uses: "
          "it subtracts each row's maximum before `np.exp`."),
         ("The largest probability moves towards 1.", False,
          "That is what multiplying the logits by a factor above 1 does; "
          "adding a constant to all of them cancels between numerator and "
          "denominator."),
         ("All the probabilities grow, since every logit grew.", False,
          "They always sum to 1, so they cannot all grow; and the common "
          "shift cancels, leaving every one of them unchanged."))),
    Question(
        "Gradient descent, momentum and Adam are compared with one "
        "learning rate, 0.1, shared by all three. What does the "
        "comparison measure?",
        (("Which optimizer is best, since all three had the same "
          "setting.", False,
          "The same rate is not the same setting: Adam's steps are about "
          "the size of the rate, momentum multiplies it by up to "
          "$1/(1 - \\mu)$. At 0.1 Adam looked worse than gradient descent "
          "and, tuned, needed under a third of its steps."),
         ("How well that one rate suits each optimizer.", True,
          "A fair comparison gives each method its own tuned rate, and "
          "even then a ranking holds for one surface and one measure."),
         ("Nothing at all: optimizers can only be compared on real "
          "data.", False,
          "A loss surface is a fair test bed; the chapter compared the "
          "optimizers on a line-fitting loss and on two classic test "
          "surfaces, each at its own best rate."))),
)
