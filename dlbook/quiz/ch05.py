"""Quick self-test of chapter 5, "Practice"; see ``dlbook.quiz``."""

from . import Question

QUESTIONS = (
    Question(
        "A network ends in a sigmoid layer, and its loss is built with "
        "`BinaryCrossentropy(from_logits=True)`. Computed plainly (in "
        "`dlbook`, or on tensors run eagerly), what goes wrong?",
        (("Nothing: `from_logits` only changes how precisely the same "
          "loss is computed.", False,
          "`from_logits=True` tells the loss to apply its own sigmoid to "
          "what it receives. Given probabilities, it squashes them a "
          "second time: a different, wrong loss."),
         ("The sigmoid is applied twice, and a confidently wrong output "
          "gets almost no gradient.", True,
          "Right. $\\partial L/\\partial z$ picks up the factor "
          "$p(1-p)$, which vanishes when $p$ is near 0 or 1, right or "
          "wrong; the correct pairing gives $p - y$. (Keras with "
          "TensorFlow may rescue its own sigmoid layer, with a warning, "
          "but one extra operation in between breaks the rescue.)"),
         ("The loss raises an error: it checks its inputs, and "
          "probabilities in $(0, 1)$ are not logits.", False,
          "Every real number is a valid logit, so nothing can tell the "
          "loss that it was given probabilities: the program runs, "
          "silently wrong."))),
    Question(
        "A network for XOR has a hidden layer $H = XW_1 + b_1$ with no "
        "activation function, then a sigmoid output. Why can it not "
        "solve XOR?",
        (("Its hidden layer is too narrow; with enough units it "
          "could separate the two diagonals.", False,
          "Width does not help: however many units, $H$ is a linear "
          "function of $X$, and so is everything the output sees."),
         ("It can: it only needs more epochs or a better learning "
          "rate.", False,
          "No training fixes it, because no setting of the weights "
          "separates XOR with one straight line, and this network can "
          "only draw one."),
         ("Two linear layers make one linear map: its boundary is a "
          "straight line.", True,
          "Right: $(XW_1 + b_1)W_2 + b_2 = X(W_1W_2) + (b_1W_2 + b_2)$. "
          "The nonlinearity $\\varphi$ in $H = \\varphi(XW_1 + b_1)$ is "
          "what the hidden layer is for."))),
    Question(
        "You train a classifier with five learning rates and report the "
        "test accuracy of the best of the five, chosen by test "
        "accuracy. What is that number?",
        (("An honest estimate: the test set was never used for "
          "training, only to evaluate each run.", False,
          "It was used for the choice. Picking the best of several runs "
          "on the same test samples uses them to select the model."),
         ("An optimistic one: part of the winner's lead is luck on "
          "those samples.", True,
          "Right. Choose the learning rate (and the number of epochs) on "
          "a validation split, and evaluate on the test set once, at the "
          "end."),
         ("A pessimistic estimate, since the other four runs were "
          "wasted.", False,
          "The other runs cost time, not accuracy. The bias goes the "
          "other way: the maximum of several noisy scores overstates "
          "the score to expect on new data."))),
    Question(
        "How many parameters does a Keras `Conv2D(64, (3, 3))` layer "
        "have when its input has 32 channels?",
        (("640", False,
          "That is $3\\cdot3\\cdot64 + 64$: it forgets that each filter "
          "spans all 32 input channels, so its kernel is "
          "$3\\times3\\times32$."),
         ("18,432", False,
          "That is the kernel $3\\cdot3\\cdot32\\cdot64$ alone: each of "
          "the 64 filters also has a bias."),
         ("18,496", True,
          "Right: $k_h k_w c_\\text{in} f + f = 3\\cdot3\\cdot32\\cdot64 "
          "+ 64$, whatever the size of the image: a convolution's "
          "weights do not grow with the number of pixels."),
         ("It depends on the height and width of the input image.",
          False,
          "The same 64 filters of $3\\times3\\times32$ weights slide "
          "over every position, so the count is the same for any image "
          "size; only the output's size depends on it."))),
    Question(
        "After training, some first-layer filters of the digits CNN look "
        "like stroke or edge detectors. What does the chapter conclude "
        "from its measurements?",
        (("Their norms grew, and each kept much of its initial random "
          "pattern.", True,
          "Right: the trained filters stay clearly correlated with their "
          "own initial values, while two initialisations are not. Compare "
          "a trained filter with its start before reading anything into "
          "its picture."),
         ("The network learned edge detectors in its first layer, as "
          "image CNNs are known to do.", False,
          "The look is no evidence: each trained filter is highly "
          "correlated with the random pattern it started from, so the "
          "pattern was mostly there at initialisation."),
         ("Training left the filters unchanged; only the dense layers "
          "learned.", False,
          "The filters did change: their norms grew clearly in "
          "training. What training mostly kept is their pattern, not "
          "their size."))),
    Question(
        "On a CPU, one epoch of the 64-128-10 digits classifier took a "
        "plain NumPy loop many times less time than Keras `fit`. Why?",
        (("Fixed costs per operation, step and epoch dominate the "
          "small arithmetic.", True,
          "Right: `fit` pays for its loop, callbacks, metrics and data "
          "iterator at every step, and a fixed cost per epoch. As the "
          "model grows, the arithmetic takes over and the gap closes."),
         ("NumPy multiplies small matrices faster than TensorFlow "
          "does, since it calls the BLAS library directly.", False,
          "The matrix products are a small part of every version's "
          "step; the versions differ in what they do around them."),
         ("Keras computes more precise gradients, which costs more "
          "time.", False,
          "All four versions compute the same numbers: started from the "
          "same weights on the same batches, they end with the same "
          "weights to float32 rounding."))),
)
