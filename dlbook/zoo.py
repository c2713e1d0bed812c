"""The models the book trains, built from scratch (one place for each).

Each builder returns an uncompiled ``Sequential``; ``dlbook.twins`` turns
any of them into the equivalent Keras model with the same weights
(``twins.to_keras``), so the scratch model and its Keras twin are always
defined once, here.
"""

import numpy as np

from ._checks import as_rng, check_int
from .layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU, Sigmoid, Tanh
from .model import Sequential

_ACTIVATION_LAYERS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}


def linear_regression(n_in=1, rng=None, dtype=np.float64):
    """``y_hat = X w + b``: one Dense unit, no activation (chapter 4/5)."""
    return Sequential([Dense(n_in, 1, rng=rng)], dtype=dtype)


def mlp(sizes, activation="relu", rng=None, dtype=np.float64):
    """A multilayer perceptron, e.g. ``sizes=(64, 128, 10)``.

    Dense layers of the given widths with ``activation`` between them and
    no activation after the last: the output is logits (pair it with a
    loss ``from_logits=True``) or a regression value.
    """
    sizes = [check_int(s, "sizes") for s in sizes]
    if len(sizes) < 2:
        raise ValueError("expected at least two sizes (inputs, outputs), "
                         f"received: sizes={sizes}")
    if activation not in _ACTIVATION_LAYERS:
        raise ValueError(f"expected activation in "
                         f"{sorted(_ACTIVATION_LAYERS)}, received: "
                         f"activation={activation!r}")
    rng = as_rng(rng)
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [Dense(n_in, n_out, rng=rng),
                   _ACTIVATION_LAYERS[activation]()]
    return Sequential(layers[:-1], dtype=dtype)


def xor_net(hidden=8, activation="tanh", rng=None, dtype=np.float64):
    """The 2-``hidden``-1 network for XOR (chapter 5).

    One output logit (use ``BinaryCrossentropy(from_logits=True)``).  The
    articles' 2-3-2 ReLU net can lose all its hidden units for some seeds;
    a tanh layer of 8 units solves XOR from every seed the book tries.
    """
    return mlp((2, hidden, 1), activation=activation, rng=rng, dtype=dtype)


def digits_cnn(filters=(32, 64, 64), dense=64, n_classes=10, rng=None,
               dtype=np.float64):
    """Article 003's CNN adapted to 8x8x1 digits (chapter 5).

    Conv(3x3, same) -> ReLU -> MaxPool(2) -> Conv -> ReLU -> MaxPool(2) ->
    Conv -> ReLU -> Flatten -> Dense(``dense``) -> ReLU -> Dense(10)
    (logits).  'same' padding keeps 8x8 maps from shrinking below the
    3x3 kernel: 8x8 -> 4x4 -> 2x2.
    """
    f1, f2, f3 = (check_int(f, "filters") for f in filters)
    rng = as_rng(rng)
    return Sequential([
        Conv2D(1, f1, 3, padding="same", rng=rng), ReLU(), MaxPool2D(2),
        Conv2D(f1, f2, 3, padding="same", rng=rng), ReLU(), MaxPool2D(2),
        Conv2D(f2, f3, 3, padding="same", rng=rng), ReLU(),
        Flatten(),
        Dense(2 * 2 * f3, dense, rng=rng), ReLU(),
        Dense(dense, n_classes, rng=rng),
    ], dtype=dtype)
