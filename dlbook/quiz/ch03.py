"""Quick self-test of chapter 3, "Algorithm steps"; see ``dlbook.quiz``."""

from . import Question

QUESTIONS = (
    Question(
        "Before splitting the digits into training and test sets, you"
        " standardise all 1797 images with their common mean and standard"
        " deviation. What is wrong with that?",
        (("The test images helped set the preprocessing, so the test score"
          " no longer measures data the model never saw.", True,
          "Right. Split first, then fit every preprocessing step on the"
          " training split and apply it, unchanged, to the test data and"
          " to every future input."),
         ("Nothing: standardisation uses no labels, so nothing about the"
          " test set leaks into the model.", False,
          "Labels are not the only information. The test images' pixel"
          " values moved the means and standard deviations, which are part"
          " of the model: the test set helped shape its input."),
         ("The test set should have been standardised with its own mean"
          " and standard deviation instead.", False,
          "That is a second error, not the fix: new data must go through"
          " the same transformation as the training data, with the"
          " training statistics (a single new image has no statistics of"
          " its own)."),
         ("On the digits it inflates the test accuracy by several"
          " percentage points.", False,
          "The chapter measured it: on the digits the two test scores are"
          " close. The pipeline is wrong in principle, and the same"
          " mistake does inflate scores on data where the leak is"
          " large."))),
    Question(
        "He initialisation gives ReLU layers twice Glorot's variance for a"
        " square layer, $2/n_\\text{in}$ instead of $1/n_\\text{in}$. What"
        " does the factor 2 make up for?",
        (("ReLU halves the variance of a symmetric input.", False,
          "For a Gaussian input the variance falls further, to"
          " $\\frac12 - \\frac1{2\\pi} \\approx 0.34$ of the input's,"
          " because ReLU's output no longer has mean zero. What halves is"
          " the mean square, and that is what the next layer's sum"
          " carries."),
         ("ReLU halves the mean square $\\mathrm{E}[z^2]$ of a symmetric"
          " input.", True,
          "Right. ReLU zeroes the negative half, which holds exactly half"
          " of the second moment, and the next layer's weights multiply"
          " the whole activation, mean included; with Glorot's variance"
          " the signal loses a factor of about $\\sqrt2$ per layer."),
         ("ReLU sets about half of the layer's weights to zero.", False,
          "ReLU acts on the pre-activations, not on the weights: every"
          " weight stays, and for a symmetric input about half of the"
          " units output 0."),
         ("Glorot averages $n_\\text{in}$ and $n_\\text{out}$, He uses"
          " $n_\\text{in}$ alone.", False,
          "For a square layer $n_\\text{in} = n_\\text{out}$, and the two"
          " rules still differ by the factor 2: it comes from the"
          " activation, not from the fans."))),
    Question(
        "You choose the stopping epoch and the L2 strength on the"
        " validation set, then pick the best of four trained candidates by"
        " their validation loss. Which number estimates the chosen model's"
        " error on new data without bias?",
        (("Its validation loss: it never trained on the validation"
          " points.", False,
          "It never trained on them, but it was chosen on them. The best"
          " of several validation scores is partly luck on those"
          " particular points, so it is optimistic."),
         ("The lowest test loss among the four candidates.", False,
          "Choosing by the test set turns it into a second validation"
          " set: the best of four test losses is optimistic in the same"
          " way."),
         ("Its loss on the test set, computed once, after every choice is"
          " made.", True,
          "Right. The test set took part in no choice, so its number is"
          " the honest one to report, whether it comes out a little above"
          " or below the validation loss."),
         ("Its training loss at the chosen epoch, which the optimizer"
          " minimised directly.", False,
          "The training loss is the most optimistic of all: the chapter's"
          " network drove it below the noise variance, an error no model"
          " can beat on new data, by fitting the noise of its points."))),
    Question(
        "A model is trained with Adam and `kernel_regularizer=L2(lam)`."
        " How does that compare with `AdamW(lr, weight_decay=2 * lam)`"
        " and no penalty?",
        (("The two take the same steps, since $2\\lambda W$ is the"
          " penalty's gradient either way.", False,
          "That holds under plain SGD, where both steps are"
          " $(1 - 2\\eta\\lambda)W - \\eta\\,\\partial L/\\partial W$."
          " Adam divides the penalty's gradient, with the data gradient,"
          " by $\\sqrt{\\hat v}$; decoupled decay is applied outside that"
          " rescaling."),
         ("They differ only in that the L2 penalty also decays the"
          " biases.", False,
          "The other way round: Keras's `kernel_regularizer` leaves the"
          " biases alone, while decoupled `weight_decay` decays every"
          " parameter. And the main difference under Adam is the"
          " rescaling, not the biases."),
         ("Adam rescales the penalty's gradient, so weights with large"
          " data gradients hardly decay.", True,
          "Right. The penalty enters Adam's running averages and is"
          " divided by $\\sqrt{\\hat v}$: weights with large gradients"
          " hardly decay, weights with tiny ones move by up to a full"
          " step. AdamW shrinks every weight by the same factor."))),
    Question(
        "SGD with a constant learning rate $\\eta$ and batch size $B$ on a"
        " convex quadratic loss stops improving: the excess loss hovers"
        " around a noise floor. To first order in $\\eta$, which change"
        " halves that floor?",
        (("Training for twice as many steps.", False,
          "The floor is a stationary level: once reached, the excess loss"
          " only fluctuates around it, and more steps at the same $\\eta$"
          " and $B$ do not lower it."),
         ("Halving $B$, so that more updates are averaged.", False,
          "A smaller batch gives a noisier gradient: the floor"
          " $\\eta\\operatorname{tr}(C)/(4B)$ is proportional to $1/B$,"
          " so halving $B$ doubles it."),
         ("Doubling both $\\eta$ and $B$, as the linear scaling rule"
          " does.", False,
          "That keeps $\\eta/B$ and with it the floor, and only while"
          " $\\eta\\lambda_{\\max}$ stays well below 2; past that the floor"
          " rises and SGD can diverge."),
         ("Halving $\\eta$, or doubling $B$.", True,
          "Right. The floor is $\\eta\\operatorname{tr}(C)/(4B)$,"
          " proportional to $\\eta/B$; a decaying schedule lowers it"
          " during training the same way."))),
    Question(
        "A model with batch normalisation is run on one image at a time"
        " in training mode (batch statistics). What does each"
        " batch-normalisation layer output?",
        (("NaN: the variance of a single sample is zero.", False,
          "The $\\epsilon$ added to the variance ($10^{-3}$ in Keras)"
          " keeps the division finite. The numerator $x - \\mu$ is zero,"
          " so the output is $\\beta$."),
         ("Its input, unchanged: the statistics of one sample are"
          " exact.", False,
          "A batch of one has $\\mu = x$, so $x - \\mu = 0$ for every"
          " feature: the standardised value is 0 whatever the input."),
         ("$\\beta$, whatever the image, and no gradient for its"
          " input.", True,
          "Right. With $x - \\mu = 0$ the layer forgets its input. In"
          " inference mode it uses the moving averages instead and gives"
          " a sample the same output alone as inside a batch: never"
          " evaluate a model in training mode."),
         ("The same as in inference mode, up to $\\epsilon$.", False,
          "Inference mode uses the moving averages, fixed numbers learned"
          " over training; training mode uses the batch's own mean and"
          " variance, which for one sample erase the input."))),
)
