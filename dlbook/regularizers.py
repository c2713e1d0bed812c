"""Weight penalties added to the loss: L2 (and L1), in Keras's convention.

A regularizer is a callable ``penalty = r(W)`` with its gradient
``r.gradient(W)`` beside it.  A layer given ``kernel_regularizer=L2(0.01)``
adds ``0.01 * sum(W**2)`` to the training loss and ``2 * 0.01 * W`` to
``dL/dW``; ``Sequential`` sums the penalties of all its layers, as Keras
adds ``model.losses`` to the loss it reports.

Taught in: chapter 3, "Generalization".
"""

import numpy as np

from ._checks import check_scalar


class L2:
    """``penalty(W) = l2 * sum(W**2)``; ``gradient = 2 * l2 * W``.

    Under plain SGD the gradient step ``W <- W - lr * 2 l2 W`` shrinks
    the weights by the factor ``1 - 2 lr l2`` each step ("weight decay");
    under Adam the same penalty gradient is rescaled per parameter, which
    is why decoupled weight decay (``optim.AdamW``) is a different method.

    Keras equivalent: ``keras.regularizers.L2(l2)`` (default 0.01).
    """

    def __init__(self, l2=0.01):
        self.l2 = check_scalar(l2, "l2", float, min_val=0)

    def __call__(self, W):
        return self.l2 * float(np.sum(W * W))

    def gradient(self, W):
        return (2 * self.l2) * W

    def __repr__(self):
        return f"L2(l2={self.l2})"


class L1:
    """``penalty(W) = l1 * sum(|W|)``; ``gradient = l1 * sign(W)`` (0 at
    0, TensorFlow's convention for the kink).

    Keras equivalent: ``keras.regularizers.L1(l1)`` (default 0.01).
    """

    def __init__(self, l1=0.01):
        self.l1 = check_scalar(l1, "l1", float, min_val=0)

    def __call__(self, W):
        return self.l1 * float(np.sum(np.abs(W)))

    def gradient(self, W):
        return self.l1 * np.sign(W)

    def __repr__(self):
        return f"L1(l1={self.l1})"


_BY_NAME = {"l2": L2, "l1": L1}


def get_regularizer(regularizer):
    """``None``, a regularizer, or its name (``"l2"``: ``L2(0.01)``)."""
    if regularizer is None or isinstance(regularizer, (L1, L2)):
        return regularizer
    if isinstance(regularizer, str) and regularizer in _BY_NAME:
        return _BY_NAME[regularizer]()
    raise ValueError("expected None, L1, L2 or one of "
                     f"{sorted(_BY_NAME)}, received: {regularizer!r}")
