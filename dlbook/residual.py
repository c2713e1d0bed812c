"""Residual connections: ``Y = X + f(X)``, forward and backward.

A residual block adds its input to the output of a small stack of layers
``f``.  Its Jacobian is ``I + df/dX``, so backward the gradient reaching
``X`` is ``dout + (df/dX)^T dout``: the identity adds an unchanged copy of
``dout`` and the branch adds its own term.  In a deep stack the gradient
no longer has to pass through every branch's Jacobian; it stays level when
the branches' Jacobians are small, and can still grow or shrink otherwise
(He et al., 2016).

Taught in: chapter 8, "Deeper networks".
"""

import numpy as np

from .layers import Container


class Residual(Container):
    """``Y = X + f(X)`` for a list of layers ``f`` that keeps the shape.

    Parameters
    ----------
    layers : list of Layer
        The residual branch, applied in order, e.g. ``[Dense(d, d),
        Tanh()]``; its output must have the shape of its input.

    Shapes
    ------
    ``X`` (n, ...) -> ``Y`` of the same shape.  ``params`` and ``grads``
    are flat dicts keyed ``"<index>.<name>"`` like ``Sequential``'s.

    Backward: ``dX = dout + f.backward(dout)``.

    The branch's layers own their arrays (``Container`` holds the list and
    the flat views); ``Sequential(dtype=...)`` casts them like its own.

    Keras equivalent: in the functional API,
    ``keras.layers.Add()([x, f(x)])``.
    Taught in: chapter 8, "Deeper networks".
    """

    def forward(self, X, training=False):
        """``X + f(X)``, same shape as ``X``."""
        out = self._forward_layers(X, training)
        if out.shape != X.shape:
            raise ValueError(
                "expected the residual branch to keep the shape of its "
                f"input {X.shape}, received an output of shape {out.shape}")
        self._cache = X.shape
        return X + out

    def backward(self, dout):
        """Backward through the branch, plus the identity path."""
        shape = self._cached()
        self._check_dout(dout, shape)
        return dout + self._backward_layers(dout)

    def output_shape(self, input_shape):
        inner = super().output_shape(input_shape)
        if tuple(inner) != tuple(input_shape):
            raise ValueError(
                "expected the residual branch to keep the shape of its "
                f"input {tuple(input_shape)}, received an output of shape "
                f"{tuple(inner)}")
        return tuple(input_shape)


def first_layer_gradient_norm(model, X, rng=0):
    """Norm of ``dL/dW`` of the first parameterised layer after one
    backward pass of ``L = sum(Y * R)``, ``R`` standard normal with seed
    ``rng``: how much gradient reaches the bottom of a deep stack.
    """
    Y = model.forward(X)
    R = np.random.default_rng(rng).standard_normal(Y.shape)
    model.backward(R)
    for key, g in model.grads.items():
        if key.endswith("W"):
            return float(np.linalg.norm(g))
    raise ValueError("expected a model with at least one weight matrix "
                     "'W', received none")
