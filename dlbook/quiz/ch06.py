"""Quick self-test of chapter 6, "Applications"; see ``dlbook.quiz``."""

from . import Question

QUESTIONS = (
    Question(
        "In the vision section, three copies of one CNN train on sets of"
        " the same size: the original digits, noisy copies, and shifted"
        " noisy copies. Only the last still gets about 0.9 of the digits"
        " moved by one pixel right. Why do the other two get only about"
        " half of them right?",
        (("A CNN is invariant to shifts by construction, since its"
          " filters slide over the whole image; they lost accuracy"
          " because they saw fewer distinct training images.",
          False,
          "The noise-only control saw as many, and as varied, images and"
          " took as many steps, and still lost about half. Convolutions"
          " are equivariant (the feature maps move with the image), but"
          " `Flatten` and `Dense` give every position its own weights, so"
          " the network as a whole is not invariant."),
         ("The dense layers after the convolutions give each position its"
          " own weights, and only the shifted copies taught them that a"
          " moved digit keeps its label.",
          True,
          "Right: the moved feature maps meet different dense weights, and"
          " the noise-only control, just as large and just as altered,"
          " gains only a few points. The tolerance came from the shifts"
          " in the training data."),
         ("They stopped training too early: with more epochs they would"
          " have learned the moved digits too.",
          False,
          "Their curves on the moved validation digits are flat over the"
          " last epochs while they fit their training images almost"
          " perfectly: more steps would not have helped, since nothing in"
          " their data shows a moved digit."))),
    Question(
        "A mean-embedding model reads \"Not good, really bad.\" and \"Not"
        " bad, really good.\" What does it output?",
        (("The same logits for both sentences.", True,
          "Right: both hold the same words, so both average to the same"
          " vector, exactly as both have the same bag of words. Bigrams"
          " or models that read sequences (recurrent networks,"
          " Transformers) can tell them apart."),
         ("Different logits: the embeddings were trained on sentences, so"
          " they encode which words came before them.",
          False,
          "Each word has one vector, whatever its neighbours; the model"
          " averages the vectors, and an average does not depend on the"
          " order of the words."),
         ("Logits that differ only by the padding, since the two"
          " sentences are padded differently.",
          False,
          "Both sentences have the same number of words, and the padding"
          " id is left out of the mean anyway: the two averages are"
          " identical."))),
    Question(
        "Matrix factorisation predicts $\\hat r_{ui} = P_u \\cdot Q_i + b_u"
        " + b_i + \\mu$. What happens if $P$ and $Q$ start at zero?",
        (("Nothing much: Adam rescales the steps, so the factors grow from"
          " zero as fast as from small random values.",
          False,
          "Adam rescales gradients it has seen, and every gradient of $P$"
          " and $Q$ is zero there, so its step is zero too."),
         ("They stay zero: the gradient for $P_u$ is a sum of $Q_i$ terms"
          " and that for $Q_i$ a sum of $P_u$ terms, so only the biases"
          " learn.",
          True,
          "Right: $P = Q = 0$ is a fixed point of gradient descent; that"
          " is how the biases-only control is made, and why the factors"
          " start at small random values."),
         ("Training fails with a division by zero in the dot product.",
          False,
          "There is no division in the model; the dot product of two zero"
          " vectors is simply 0, a valid prediction of $b_u + b_i + \\mu$."
          ))),
    Question(
        "In the speech section an MLP on raw samples stays near chance,"
        " while on spectrograms it is almost always right. With control"
        " words whose onset, pitch and phase do not vary, the same MLP on"
        " raw samples is almost always right. What does the control show?",
        (("Raw samples lack the information needed to tell the words"
          " apart; the spectrogram adds it by measuring the frequencies.",
          False,
          "The spectrogram is computed from the samples, so it cannot add"
          " information, and the control shows the samples suffice once"
          " the variation is gone."),
         ("A convolutional network is needed for audio, since its"
          " filters find a sound wherever it starts; the MLP is the"
          " problem.",
          False,
          "On the spectrogram the MLP is as good as the CNN within two"
          " standard errors, and on the control it succeeds on raw"
          " samples: the representation made most of the difference."),
         ("The variation between utterances defeats the dense layer on"
          " raw samples; the spectrogram removes much of it.",
          True,
          "Right: the magnitudes discard the phase, and pitch and onset"
          " become positions along the frequency and time axes, so the"
          " same word puts similar values in similar places."))),
    Question(
        "A screening model has 90 % sensitivity and 90 % specificity, and"
        " 1 % of the screened population has the disease. About what"
        " share of the flagged patients is sick?",
        (("About 90 %, the model's sensitivity.", False,
          "Sensitivity is $P(\\text{flagged} \\mid \\text{sick})$; the"
          " question asks for $P(\\text{sick} \\mid \\text{flagged})$, and"
          " Bayes' rule brings in the prevalence."),
         ("About 50 %: the errors on the sick and on the healthy"
          " balance.",
          False,
          "That would hold at a prevalence of 50 %, where the sick and"
          " the healthy are equally many. Here the healthy are 99 times"
          " as many, and so are their false alarms."),
         ("About 8 %.", True,
          "Right: $0.9 \\cdot 0.01 / (0.9 \\cdot 0.01 + 0.1 \\cdot 0.99)"
          " \\approx 0.083$. The 10 % false alarms on the many healthy"
          " patients outnumber the correct flags."))),
    Question(
        "The source articles say that driving works through image and"
        " speech recognition, and that networks in games generate"
        " characters. Which statement is accurate?",
        (("Driving relies on speech recognition to understand the"
          " traffic around the car.",
          False,
          "Speech recognition serves the car's voice interface. Driving"
          " relies on perceiving the surroundings with cameras, lidar and"
          " radar, predicting other road users, and planning."),
         ("The landmark game results, Atari and Go, are networks that"
          " choose actions, learned from the game's reward.",
          True,
          "Right: the deep Q-network and AlphaGo play, and the reward is"
          " what they learn to win. The Atari network learned from pixels"
          " and score alone; AlphaGo's policy network started from human"
          " experts' moves and was then improved by reinforcement learning"
          " in self-play. Generating game content is a use, not the"
          " landmark."),
         ("Game networks learn from labelled examples of good moves"
          " only, the same way image classifiers learn from labelled"
          " photos.",
          False,
          "The Atari network learned from the screen pixels and the score"
          " alone, by reinforcement learning; AlphaGo's networks were"
          " improved by play and combined with tree search."))),
)
