"""Quick self-test of chapter 4, "The math of learning"; see dlbook.quiz."""

from . import Question

QUESTIONS = (
    Question(
        "The MSE is $L = \\frac1n\\sum_i r_i^2$ with $r_i = \\hat y_i - y_i$."
        " What happens to its gradient when every sample is counted twice"
        " (the data set duplicated)?",
        (("It doubles, since every squared residual now appears twice in"
          " the sum.", False,
          "The sum doubles, but so does $n$: the mean, and therefore its "
          "gradient, stay the same."),
         ("It stays the same.", True,
          "The loss is a mean over samples; duplicating every sample "
          "leaves the mean and its gradient unchanged."),
         ("It halves.", False,
          "Nothing in the mean shrinks: the numerator and $n$ both "
          "double."))),
    Question(
        "A binary classifier ends with a sigmoid layer, and its loss is"
        " `BinaryCrossentropy(from_logits=True)` applied to the plain"
        " array of probabilities $p = \\sigma(z)$ (as dlbook's loss sees"
        " it). What does training minimise?",
        (("The right loss: `from_logits` only chooses a more stable way"
          " to compute the same number.", False,
          "With `from_logits=True` the loss applies a sigmoid itself, so"
          " the probability is squashed a second time: the number"
          " computed is a different loss, not the same one more stably."),
         ("Nothing: the loss raises an error, because probabilities are"
          " not logits.", False,
          "Any number is a valid logit, so nothing can tell that these"
          " are probabilities: the wrong loss is computed silently."),
         ("The loss of $\\sigma(\\sigma(z))$, in $(0.5, 0.73)$, with"
          " under half the right gradients.", True,
          "Right. The loss cannot reach 0 even for perfect predictions,"
          " and for every sample the gradient points the right way but"
          " is less than half as large as $(p - y)/n$."),
         ("The right loss, because the framework finds the logits that"
          " the sigmoid was computed from.", False,
          "Keras 3 on TensorFlow does this only for the direct output of"
          " its own sigmoid, with a warning that is easy to miss, and"
          " the repair is lost after any further operation; a loss that"
          " sees plain arrays, as dlbook's does, never repairs it."))),
    Question(
        "Trained with the same learning rate $\\eta$, momentum"
        " ($\\mu = 0.9$) reaches a low validation loss far sooner than"
        " plain SGD. What does this comparison show?",
        (("Mostly that its steps are larger: $\\eta/(1-\\mu) = 10\\eta$"
          " along a steady gradient.", True,
          "Right. The chapter's control: SGD with $10\\eta$ came within"
          " a factor of about 1.15 of momentum in the median, where SGD"
          " with the same $\\eta$ was a factor of about 2.6 apart."),
         ("That momentum is the better optimizer for this problem, at"
          " least at this learning rate.", False,
          "A shared rate ranks step sizes, not optimizers. In the"
          " chapter, with each rate tuned on validation data, SGD was"
          " even first at one budget and last at another."),
         ("That averaging past gradients removes minibatch noise, which"
          " SGD cannot do at any learning rate.", False,
          "The control that isolates the mechanism says otherwise: SGD"
          " with momentum's effective step $10\\eta$ nearly matched it,"
          " so on this problem the step size explained most of the gap."),
         ("Nothing yet: optimizers can only be compared on the test"
          " split, never on the validation split.", False,
          "It is the other way round: choices (optimizer, learning rate,"
          " budget) are made on the validation split, and the test split"
          " is used once, for the final choice."))),
    Question(
        "A sigmoid output $p = \\sigma(z)$ is confidently wrong: $y = 1$"
        " and $z \\ll 0$. Why does it learn slowly under the squared error"
        " $(p - y)^2$ but not under binary cross-entropy?",
        (("The squared error is already small there, since"
          " $(\\sigma(z) - y)^2 \\le 1$ for every $z$.", False,
          "The loss is close to its largest value, 1. It is the"
          " gradient, not the loss, that nearly vanishes there."),
         ("Its gradient there points the wrong way, away from the"
          " label, on the sigmoid's flat tail.", False,
          "The sign is right: $2(\\sigma(z) - 1)\\sigma(z)(1 -"
          " \\sigma(z))$ is negative, so a step raises $z$. The step is"
          " just tiny."),
         ("Only its learning rate is too small: scaling it by"
          " $1/(2\\sigma(1 - \\sigma))$ makes both runs identical.",
          False,
          "The factor differs from sample to sample: a rate large enough"
          " for the saturated samples is too large near the boundary. In"
          " the chapter's run the squared error still needed over ten"
          " times the steps at its best rate."),
         ("The squared error's gradient carries $2\\sigma(1 - \\sigma)"
          " \\approx 2e^{-|z|}$; cross-entropy's log cancels it.", True,
          "Right. Cross-entropy's gradient is $\\sigma(z) - y$, close to"
          " its largest size exactly where the model is confidently"
          " wrong: this is why probabilities are trained with it."))),
    Question(
        "A network has ten million weights and one scalar loss. Why is"
        " its gradient computed in reverse mode (backpropagation) and not"
        " in forward mode?",
        (("Forward mode only approximates derivatives, as finite"
          " differences do; reverse mode is exact.", False,
          "Both are exact up to rounding: dual numbers carry the exact"
          " derivative of every operation. The modes differ in cost."),
         ("Reverse mode needs less memory, because it does not have to"
          " keep the forward pass.", False,
          "The opposite: a backward pass needs every layer's stored"
          " activations, memory linear in the batch size. That is"
          " reverse mode's price."),
         ("One backward pass, about two forward passes of time, gives"
          " every partial derivative; forward mode gets one per pass.",
          True,
          "Right. Forward mode builds one column of the Jacobian per"
          " pass ($N$ = ten million passes); reverse mode one row per"
          " backward pass, and a loss has one row."),
         ("Forward mode cannot handle a value that is used several"
          " times, such as a weight shared by the whole batch.", False,
          "Both modes handle fan-out: forward mode's product and sum"
          " rules add the tangents of every path, as `Dual` does for"
          " $x \\cdot x \\cdot x$."))),
    Question(
        "A dense layer's inputs are ReLU outputs (mean above 0), and its"
        " weights are drawn independently with mean 0 and variance"
        " $\\mathrm{Var}(w)$. What is the variance of a pre-activation"
        " $z = \\sum_i w_i x_i$?",
        (("$d_\\text{in}\\,\\mathrm{Var}(w)\\,\\mathrm{E}[x^2]$: the"
          " inputs' mean square, mean included.", True,
          "Right. $\\mathrm{E}[w_i w_k] = 0$ for $i \\ne k$ removes the"
          " cross terms, whatever the inputs' mean, and leaves"
          " $\\sum_i \\mathrm{Var}(w)\\,\\mathrm{E}[x_i^2]$."),
         ("$d_\\text{in}\\,\\mathrm{Var}(w)\\,\\mathrm{Var}(x)$: the inputs'"
          " mean only shifts $z$.", False,
          "Multiplied by zero-mean random weights, the inputs' mean"
          " spreads $z$ like any other part of their size; the chapter's"
          " Monte Carlo puts this formula off by more than 25%."),
         ("$d_\\text{out}\\,\\mathrm{Var}(w)\\,\\mathrm{E}[x^2]$: each"
          " input is used by $d_\\text{out}$ units.", False,
          "That count belongs to the backward pass: the gradient of an"
          " input sums over the $d_\\text{out}$ units it feeds. A"
          " pre-activation sums over its $d_\\text{in}$ inputs."),
         ("$d_\\text{in}^2\\,\\mathrm{Var}(w)\\,\\mathrm{E}[x]^2$: the"
          " inputs' common mean adds up coherently.", False,
          "The weights are independent with mean 0, so the terms add"
          " like independent noise, in squares, not coherently: the"
          " count is $d_\\text{in}$, not $d_\\text{in}^2$."))),
)
