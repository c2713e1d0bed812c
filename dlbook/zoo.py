"""The models the book trains, built from scratch (one place for each).

Each builder returns an uncompiled ``Sequential``; ``dlbook.twins`` turns
any of them into the equivalent Keras model with the same weights
(``twins.to_keras``), so the scratch model and its Keras twin are always
defined once, here.  :func:`train_classifier` builds, compiles and trains
the small MLP of the decision-boundary explorer.
"""

import contextlib

import numpy as np

from ._checks import (as_float_array, as_rng, check_labels, check_same_n,
                      check_scalar)
from .layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU, Sigmoid, Tanh
from .losses import SparseCategoricalCrossentropy
from .model import Sequential
from .optim import Adam

_ACTIVATION_LAYERS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}


def linear_regression(n_in=1, *, rng=None, dtype=np.float64):
    """``y_hat = X w + b``: one Dense unit, no activation (chapter 4/5)."""
    return Sequential([Dense(n_in, 1, rng=rng)], dtype=dtype)


def mlp(sizes, *, activation="relu", rng=None, dtype=np.float64):
    """A multilayer perceptron, e.g. ``sizes=(64, 128, 10)``.

    Dense layers of the given widths with ``activation`` between them and
    no activation after the last: the output is logits (pair it with a
    loss ``from_logits=True``) or a regression value.
    """
    sizes = [check_scalar(s, "sizes", int, min_val=1) for s in sizes]
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


def xor_net(hidden=8, *, activation="tanh", rng=None,
            dtype=np.float64):
    """The 2-``hidden``-1 network for XOR (chapter 5).

    One output logit (use ``BinaryCrossentropy(from_logits=True)``).  The
    articles' 2-3-2 ReLU net can lose all its hidden units for some seeds;
    a tanh layer of 8 units solves XOR from every seed the book tries.
    """
    return mlp((2, hidden, 1), activation=activation, rng=rng, dtype=dtype)


def digits_cnn(*, filters=(32, 64, 64), dense=64, n_classes=10, rng=None,
               dtype=np.float64):
    """Article 003's CNN adapted to 8x8x1 digits (chapter 5).

    Conv(3x3, same) -> ReLU -> MaxPool(2) -> Conv -> ReLU -> MaxPool(2) ->
    Conv -> ReLU -> Flatten -> Dense(``dense``) -> ReLU -> Dense(10)
    (logits).  'same' padding keeps 8x8 maps from shrinking below the
    3x3 kernel: 8x8 -> 4x4 -> 2x2.
    """
    f1, f2, f3 = (check_scalar(f, "filters", int, min_val=1) for f in filters)
    rng = as_rng(rng)
    return Sequential([
        Conv2D(1, f1, 3, padding="same", rng=rng), ReLU(), MaxPool2D(2),
        Conv2D(f1, f2, 3, padding="same", rng=rng), ReLU(), MaxPool2D(2),
        Conv2D(f2, f3, 3, padding="same", rng=rng), ReLU(),
        Flatten(),
        Dense(2 * 2 * f3, dense, rng=rng), ReLU(),
        Dense(dense, n_classes, rng=rng),
    ], dtype=dtype)


def _one_blas_thread():
    """Limit BLAS to one thread while training (where threadpoolctl is).

    The matrices here are tiny (a few hundred rows, at most 64 columns):
    a second BLAS thread makes each product about twice as slow on an idle
    2-core machine and ten times as slow on a busy one.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:                     # e.g. in a Pyodide kernel
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def train_classifier(X, y, *, depth=2, width=16, lr=0.01, steps=300,
                     activation="relu", rng=0, validation_data=None):
    """Train a small MLP classifier with full-batch Adam.

    The network is ``mlp((n_features,) + (width,) * depth + (k,))`` with
    ``k`` classes, ``activation`` between layers and logits out, trained
    with ``SparseCategoricalCrossentropy(from_logits=True)`` and
    ``Adam(lr)`` on the whole set for ``steps`` epochs (one step each).
    ``depth=0`` is multinomial logistic regression: a linear boundary.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,)
    depth : int >= 0, default 2
        Number of hidden layers.
    width : int > 0, default 16
        Units per hidden layer.
    lr : float > 0, default 0.01
    steps : int > 0, default 300
    activation : {"relu", "tanh", "sigmoid"}, default "relu"
    rng : None, int or numpy.random.Generator, default 0
        Seed of the initial weights.
    validation_data : (X_val, y_val), optional
        Held-out points, scored after every step (as ``fit`` does after
        every epoch): ``model.history_["val_loss"]`` and
        ``model.history_["val_accuracy"]``, whose last entries are the
        trained model's.

    Returns
    -------
    model : dlbook.Sequential
        Trained; ``model.history_["loss"]`` holds the loss per step.
    accuracy : float
        Training accuracy of the trained model.

    Raises
    ------
    FloatingPointError
        If the loss becomes NaN or infinite (lower ``lr``).

    Keras equivalent: ``dlbook.twins.mlp_model`` compiled with
    ``Adam(lr)`` and ``SparseCategoricalCrossentropy(from_logits=True)``,
    fitted with ``batch_size=len(X)``.
    Taught in: chapter 3, "Algorithm steps" (the decision boundary
    explorer).
    """
    X = as_float_array(X, "X", ndim=2)
    y = check_labels(y)
    check_same_n(X, y)
    depth = check_scalar(depth, "depth", int, min_val=0)
    width = check_scalar(width, "width", int, min_val=1)
    steps = check_scalar(steps, "steps", int, min_val=1)
    n_classes = max(int(y.max()) + 1, 2)
    metrics = ()
    if validation_data is not None:
        X_val, y_val = validation_data
        X_val = as_float_array(X_val, "X_val", ndim=2)
        y_val = check_labels(y_val)
        check_same_n(X_val, y_val)
        if X_val.shape[1] != X.shape[1]:
            raise ValueError(
                f"expected X_val with {X.shape[1]} features like X, "
                f"received shape {X_val.shape}")
        n_classes = max(n_classes, int(y_val.max()) + 1)
        validation_data, metrics = (X_val, y_val), ("accuracy",)
    model = mlp((X.shape[1],) + (width,) * depth + (n_classes,),
                activation=activation, rng=rng)
    model.compile(
        loss=SparseCategoricalCrossentropy(from_logits=True),
        optimizer=Adam(lr), metrics=metrics)
    with _one_blas_thread():
        model.fit(X, y, epochs=steps, batch_size=len(X), shuffle=False,
                  validation_data=validation_data)
        accuracy = float(np.mean(model.predict(X).argmax(axis=1) == y))
    return model, accuracy
