"""Residual connections: ``Y = X + f(X)``, forward and backward.

A residual block adds its input to the output of a small stack of layers
``f``.  Backward, the gradient reaching ``X`` is ``dout + (df/dX)^T dout``:
the identity term carries the gradient past ``f`` unchanged, so in a deep
stack of blocks it no longer has to pass through every layer's Jacobian
and does not vanish (He et al., 2016).

Taught in: chapter 8, "Deeper networks".
"""

import numpy as np

from .layers import Layer


class Residual(Layer):
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

    The branch's layers own their arrays; ``Sequential(dtype=...)`` casts
    them like its own layers'.

    Keras equivalent: in the functional API,
    ``keras.layers.Add()([x, f(x)])``.
    Taught in: chapter 8, "Deeper networks".
    """

    def __init__(self, layers):
        super().__init__()
        layers = list(layers)
        if not layers or not all(isinstance(la, Layer) for la in layers):
            raise ValueError("expected a non-empty list of dlbook layers "
                             f"for the residual branch, received: {layers!r}")
        self.layers = layers

    @property
    def params(self):
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers)
                for k, v in layer.params.items()}

    @params.setter
    def params(self, value):
        # Layer.__init__ assigns {}; the branch's layers own the arrays.
        if value:
            raise AttributeError("set the branch layers' params instead")

    @property
    def grads(self):
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers)
                for k, v in layer.grads.items()}

    @grads.setter
    def grads(self, value):
        if value:
            raise AttributeError("the branch layers own their grads")

    def forward(self, X, training=False):
        """``X + f(X)``, same shape as ``X``."""
        out = X
        for layer in self.layers:
            out = layer.forward(out, training=training)
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
        d_branch = dout
        for layer in reversed(self.layers):
            d_branch = layer.backward(d_branch)
        return dout + d_branch

    @property
    def n_params(self):
        return int(sum(la.n_params for la in self.layers))

    def __repr__(self):
        inner = ", ".join(repr(la) for la in self.layers)
        return f"Residual([{inner}])"


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
