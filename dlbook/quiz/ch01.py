"""Quick self-test of chapter 1, "Background"; see ``dlbook.quiz``."""

from . import Question

QUESTIONS = (
    Question(
        "Some texts list machine learning among the fields in which deep "
        "learning has succeeded, next to vision and speech. How do the "
        "two relate?",
        (("Deep learning is a part of machine learning, which is a part "
          "of artificial intelligence.", True,
          "Deep learning is machine learning with networks of several "
          "learned layers; its successes in vision, speech and language "
          "are successes of machine learning."),
         ("Machine learning is an application area of deep learning, like "
          "vision: one more task that deep networks have been applied to.",
          False,
          "This reverses the nesting. Vision and speech are tasks; machine "
          "learning is the family of methods that learn from data, and "
          "deep learning is one of its members."),
         ("They are separate fields that share only the use of neural "
          "networks.", False,
          "Neural networks are themselves a machine-learning method: deep "
          "learning lies inside machine learning, not beside it."),
         ("Artificial intelligence is a part of deep learning.", False,
          "The nesting runs the other way: much of artificial "
          "intelligence (planning, rule-based systems, search) learns "
          "nothing from data."))),
    Question(
        "On the two-input circles, a least-squares read-out of the trained "
        "network's first layer recovered $x_1^2 + x_2^2$ with $R^2$ above "
        "0.9. What did the control, the same layer before training, show?",
        (("That training had found the radius: the read-out from the "
          "layer before training held no trace of the bowl $x_1^2 + x_2^2$.",
          False,
          "That is the conclusion the control was there to test, and it "
          "failed: the untrained layer gave the radius just as well."),
         ("That the probe could not tell trained from random features on "
          "that task, so it showed nothing about learning there.", True,
          "Sixteen ReLUs of random directions already fit the bowl "
          "$x_1^2 + x_2^2$ on two inputs; only on the task with eight "
          "noise inputs did the learned features measurably win."),
         ("That random features can never represent a curved boundary.",
          False,
          "The opposite: on two inputs 16 random ReLU features held the "
          "radius, and 256 of them recovered most of the gap on the "
          "ten-input task."),
         ("That the network had been given the radius as an input.", False,
          "It received only the raw coordinates $(x_1, x_2)$; the "
          "hand-made feature went only to the second logistic "
          "regression."))),
    Question(
        "The chapter counted the multiply-adds of one training step of a "
        "dense network. How did the backward pass compare with the "
        "forward pass?",
        (("About the same: backward only retraces the forward "
          "computations.", False,
          "Each layer does two products in the backward pass, one for the "
          "gradient of its weights and one for the gradient it passes "
          "back, each as large as its forward product."),
         ("About twice as many, so a step costs about three forward "
          "passes.", True,
          "$X^\\top G$ and $G W^\\top$ each cost $n\\,d_{in} d_{out}$ "
          "multiply-adds, like $XW$; a layer that need not pass a "
          "gradient back (the first) can skip one of them."),
         ("Negligible compared with the forward pass, since gradients are "
          "computed once per step.", False,
          "Once per step is as often as the forward pass; and its cost, "
          "counted, was exactly twice the forward pass's."),
         ("It grows with the square of the number of layers.", False,
          "Backpropagation reuses each layer's gradient for the layer "
          "below, so its cost is a sum over the layers, like the forward "
          "pass, not a product."))),
    Question(
        "How many training examples does a network need?",
        (("At least as many as it has parameters.", False,
          "The 337-parameter 2-16-16-1 network classified the rings from "
          "a few dozen points, and the 2-64-64-1 one, with 4417 "
          "parameters, from 32."),
         ("A fixed number, about a thousand, whatever the task.", False,
          "The chapter's networks needed from a few dozen to a few hundred "
          "points, and the ImageNet network of 2012 learned from about "
          "1.2 million images: there is no fixed number."),
         ("The same number for every network of the same size, since "
          "its parameters are what the data must determine.", False,
          "The 10-16-16-1 network and the 2-16-16-1 one differ by 128 "
          "parameters, yet one needs several times the data of the "
          "other: what the task demands matters more than the size."),
         ("It depends on the task more than on the parameter count.", True,
          "Adding eight useless inputs raised the need from a few dozen "
          "points to between 128 and 256, while a much larger network on "
          "the two useful inputs still needed only 32."))),
    Question(
        "Deep learning is sometimes called a supervised learning method. "
        "Is it?",
        (("Yes: backpropagation needs a human label for every training "
          "example.", False,
          "Backpropagation needs a loss, not human labels: a "
          "self-supervised loss takes its targets from the data itself, "
          "as the next-character pairs of the chapter did."),
         ("Yes, apart from reinforcement learning, which learns from "
          "the rewards its environment gives instead of from labels.",
          False,
          "Reinforcement learning is not the only exception: unsupervised "
          "and self-supervised training are the others, and most of the "
          "text that language models learn from carries no labels."),
         ("No: the same networks and backpropagation are also trained "
          "unsupervised, self-supervised and by reinforcement.", True,
          "Autoencoders and GANs learn without labels, language models "
          "predict hidden or next words of raw text, and game-playing "
          "networks learn from rewards."))),
)
