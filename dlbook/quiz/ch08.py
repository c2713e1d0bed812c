"""Quick self-test of chapter 8, "Outlook and challenges"; see dlbook.quiz."""

from . import Question

QUESTIONS = (
    Question(
        "A self-attention layer with no positional encoding reads a"
        " sequence, then the same tokens in another order. What happens to"
        " its outputs?",
        (("They are permuted in the same way as the tokens.", True,
          "Scores and weighted sums depend only on the vectors, not on"
          " where they stand: the layer is permutation equivariant. After"
          " a mean over the positions the result does not change at all,"
          " which is why a model of order needs a positional encoding."),
         ("They stay exactly the same at every position.", False,
          "That is invariance, which only a pooling over the positions"
          " gives: each position's output follows its own token, so the"
          " outputs move with the tokens."),
         ("They change in a way the layer has learned from the order"
          " of its training sequences.", False,
          "Nothing in the layer knows the positions: the queries, keys and"
          " values are computed from the vectors alone, so reordering"
          " them just reorders the outputs."))),
    Question(
        "A residual block computes $h_l = h_{l-1} + f(h_{l-1})$. What does"
        " its backward pass do with the gradient $g$ that arrives from"
        " above?",
        (("It passes $g$ on unchanged, whatever the branch $f$ is.", False,
          "Only when $J_f = 0$. The block's Jacobian is $I + J_f$, so the"
          " branch adds its own term; with ReLU branches the gradient grew"
          " in every block and exploded over 49 of them."),
         ("It passes on $g (I + J_f)$, a copy of $g$ plus the branch's"
          " term.", True,
          "The identity gives a path on which the gradient is not forced"
          " through every branch; it stays level over many blocks only"
          " while the branches' Jacobians stay small."),
         ("It passes on $g J_f$ only, since the skip has no weights and"
          " acts only in the forward pass.", False,
          "The skip is part of the function, so it has a Jacobian too,"
          " the identity: backward, it contributes a copy of $g$ next to"
          " the branch's $g J_f$."))),
    Question(
        "Blanking the 8 pixels with the largest saliency"
        " $|\\partial z_c / \\partial x_i|$ lowered the class logit of the"
        " digits no more than blanking 8 random inked pixels. Why?",
        (("The saliency maps are noise that does not depend on the learned"
          " weights.", False,
          "The model-randomisation control says otherwise: the maps of two"
          " trained networks agreed, and an untrained network's maps did"
          " not resemble them."),
         ("Blanking a pixel is too large a change for any first-order"
          " prediction, which holds only for tiny changes.", False,
          "The first-order prediction of a deletion, gradient × input,"
          " matched single-pixel deletions closely and, as a ranking,"
          " lowered the logit several times more than saliency."),
         ("Half of the salient pixels are blank paper, where setting the"
          " pixel to 0 changes nothing.", True,
          "The size of the gradient ignores the size of the change"
          " ($x_i$) and its direction; it says where a small change"
          " matters, not which pixels the model used. Gradient × input"
          " accounts for both."))),
    Question(
        "DP-SGD clips each example's gradient to norm $C$ and adds Gaussian"
        " noise of standard deviation $\\nu C$ to their sum. Which of the"
        " two hides a single example from the gradient attack?",
        (("The clipping: no example can move the model by more than"
          " $C$.", False,
          "Clipping only rescales: the section's attack recovered the input"
          " exactly from a clipped gradient. It bounds each example's"
          " influence, which gives the noise a known scale, but hides"
          " nothing on its own."),
         ("The noise, whose scale the clipping makes sufficient for every"
          " example.", True,
          "With $\\nu = 1$ the reconstruction's error exceeded the input's"
          " own norm. The guarantee comes from the noise calibrated to"
          " $C$, and its $\\varepsilon$ from an accountant."),
         ("Neither: averaging over the batch is what protects each"
          " example, whose gradient is mixed with all the others.", False,
          "A batch blurs the exact one-example reconstruction, but"
          " optimisation-based attacks recover inputs from whole batches'"
          " gradients; averaging gives no guarantee."))),
    Question(
        "Adversarial training with FGSM raised the digits CNN's test"
        " accuracy under FGSM at $\\varepsilon = 0.2$ by a wide margin."
        " What did the section conclude?",
        (("The model is now robust to every change of at most 0.2 per"
          " pixel, since FGSM finds the worst such change.", False,
          "The stronger PGD attack took much of that accuracy away, and"
          " even PGD is one attack: what survives it is an upper bound on"
          " robust accuracy, not a guarantee."),
         ("The gain comes from seeing perturbed images: random signs of the"
          " same size would do as well.", False,
          "That was the control, and it gained almost nothing under either"
          " attack: it is the adversarial direction, not noise of that"
          " size, that buys the robustness."),
         ("Part of the gain is real, but FGSM overstates it; a stronger"
          " attack finds much of what FGSM misses.", True,
          "Under PGD-10 the trained model kept more than the standard one,"
          " yet far less than FGSM suggested: training on FGSM partly"
          " taught the model to resist FGSM itself."))),
    Question(
        "A digit model is never given the writer's group (thin or thick pen)"
        " as an input. What follows for its errors on the two groups?",
        (("They can differ, and only per-group error rates show by how"
          " much.", True,
          "Leaving the attribute out ('fairness through unawareness') does"
          " not make the groups equal when other features encode it or"
          " when one group is rare in the data; measuring per group needs"
          " the attribute."),
         ("Nothing can differ: the model cannot use what it never"
          " sees.", False,
          "The group is written all over the input: a linear model"
          " recovered it from the pixels, and the total ink alone gave it"
          " away. The baseline's error on the minority was several times"
          " the majority's."),
         ("They differ only while the groups are of unequal size in the"
          " training data.", False,
          "At a 50 % share a gap remained, about the control's: thick-pen"
          " digits were harder for this network, and equal representation"
          " did not remove that part."))),
)
