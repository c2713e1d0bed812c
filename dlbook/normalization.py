"""Normalisation layers: standardise activations, then rescale them.

Every normalisation layer computes the same thing over different axes:
subtract the mean, divide by the standard deviation, then apply a learned
scale ``gamma`` and shift ``beta``::

    x_hat = (x - mean) / sqrt(var + epsilon);   y = gamma * x_hat + beta

Layer normalisation takes the mean and variance of each sample's own
feature vector (the last axis), so it behaves the same for a batch of one
and at inference; batch normalisation takes them over the batch.
``standardize`` and ``standardize_backward`` hold the shared formulas.

Taught in: chapter 8, "The Transformer from the ground up".
"""

import numpy as np

from ._checks import check_scalar
from .layers import Layer


def standardize(X, axes, epsilon):
    """``x_hat = (X - mean) / sqrt(var + epsilon)`` over ``axes``.

    Returns ``x_hat`` (the shape of ``X``) and ``inv_std =
    1 / sqrt(var + epsilon)`` (the shape of ``X`` with ``axes`` of size
    1), what ``standardize_backward`` needs.
    """
    mean = X.mean(axis=axes, keepdims=True)
    centred = X - mean
    var = np.mean(centred * centred, axis=axes, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + epsilon)
    return centred * inv_std, inv_std


def standardize_backward(dx_hat, x_hat, inv_std, axes):
    """``dL/dX`` from ``dL/dx_hat`` for ``x_hat = standardize(X, axes)``.

    With ``m`` the number of entries averaged over and ``mean`` taken over
    ``axes``::

        dX = inv_std * (dx_hat - mean(dx_hat) - x_hat * mean(dx_hat * x_hat))

    The two subtracted terms are the paths through the mean and through
    the variance: shifting all of a sample's inputs, or scaling them
    about their mean, leaves ``x_hat`` unchanged, so those directions get
    no gradient.
    """
    mean_d = dx_hat.mean(axis=axes, keepdims=True)
    mean_dx = np.mean(dx_hat * x_hat, axis=axes, keepdims=True)
    return inv_std * (dx_hat - mean_d - x_hat * mean_dx)


class LayerNormalization(Layer):
    """Layer normalisation (Ba et al., 2016) over the last axis.

    ``y = gamma * (x - mean(x)) / sqrt(var(x) + epsilon) + beta``, with the
    mean and the (biased) variance of each vector ``x`` along the last
    axis.

    Parameters
    ----------
    n_features : int
        Size of the last axis.
    epsilon : float, default 1e-3
        Added to the variance (Keras's default).
    dtype : numpy dtype, default float64

    Shapes
    ------
    ``X`` (n, ..., n_features) -> ``Y`` of the same shape;
    ``gamma`` (n_features,) starts at 1, ``beta`` (n_features,) at 0.

    Backward (sums over every axis but the last)::

        dgamma = sum(dout * x_hat);   dbeta = sum(dout)
        dX = standardize_backward(dout * gamma, x_hat, inv_std, -1)

    Gradients are overwritten, not accumulated.

    Keras equivalent: ``keras.layers.LayerNormalization(epsilon=1e-3)``,
    weights ``[gamma, beta]``.
    Taught in: chapter 8, "The Transformer from the ground up".
    """

    def __init__(self, n_features, *, epsilon=1e-3, dtype=np.float64):
        super().__init__()
        self.n_features = check_scalar(n_features, "n_features", int,
                                       min_val=1)
        self.epsilon = check_scalar(epsilon, "epsilon", float, min_val=0,
                                    include_boundaries="neither")
        self.params = {"gamma": np.ones(self.n_features, dtype=dtype),
                       "beta": np.zeros(self.n_features, dtype=dtype)}

    def forward(self, X, training=False):
        """(n, ..., n_features) -> same shape; caches x_hat, inv_std."""
        if X.ndim < 2 or X.shape[-1] != self.n_features:
            raise ValueError(
                "expected X of shape (n_samples, ..., "
                f"{self.n_features}), received shape {X.shape}")
        x_hat, inv_std = standardize(X, -1, self.epsilon)
        self._cache = (x_hat, inv_std)
        return self.params["gamma"] * x_hat + self.params["beta"]

    def backward(self, dout):
        """Store dL/dgamma, dL/dbeta; return dL/dX, the shape of X."""
        x_hat, inv_std = self._cached()
        self._check_dout(dout, x_hat.shape)
        over = tuple(range(dout.ndim - 1))           # all but the last
        self.grads["gamma"] = np.sum(dout * x_hat, axis=over)  # (n_feat,)
        self.grads["beta"] = dout.sum(axis=over)               # (n_feat,)
        return standardize_backward(dout * self.params["gamma"], x_hat,
                                    inv_std, -1)

    def __repr__(self):
        return f"LayerNormalization({self.n_features})"


class BatchNormalization(Layer):
    """Batch normalisation (Ioffe and Szegedy, 2015) over the last axis.

    Training (``forward(X, training=True)``): each feature is standardised
    with the mean and (biased) variance of the batch, taken over every
    axis but the last, and the moving statistics are updated::

        moving_mean <- momentum * moving_mean + (1 - momentum) * mean
        moving_variance <- momentum * moving_variance + (1 - momentum) * var

    Inference (``training=False``): the moving statistics replace the
    batch's, so a sample's output no longer depends on its batch.

    Parameters
    ----------
    n_features : int
        Size of the last axis (units of a Dense layer, channels of a
        Conv2D layer).
    momentum : float in [0, 1), default 0.99
    epsilon : float > 0, default 1e-3
        Keras's defaults for both.
    dtype : numpy dtype, default float64

    Shapes
    ------
    ``X`` (n, ..., n_features) -> ``Y`` of the same shape.  ``params``:
    ``gamma`` (starts at 1) and ``beta`` (at 0), shape (n_features,);
    ``moving_mean`` (0) and ``moving_variance`` (1) are state, not
    parameters: no gradient, the optimizer never touches them.

    Backward in training mode (sums and means over every axis but the
    last, ``m`` entries per feature)::

        dgamma = sum(dout * x_hat);   dbeta = sum(dout)
        dX = standardize_backward(dout * gamma, x_hat, inv_std, axes)

    In inference mode the layer is affine: ``dX = dout * gamma * inv_std``
    with ``inv_std = 1 / sqrt(moving_variance + epsilon)``.

    Keras equivalent: ``keras.layers.BatchNormalization(momentum=0.99,
    epsilon=1e-3)``, weights ``[gamma, beta, moving_mean,
    moving_variance]`` (``get_weights`` order).
    Taught in: chapter 3, "Batch normalisation".
    """

    def __init__(self, n_features, *, momentum=0.99, epsilon=1e-3,
                 dtype=np.float64):
        super().__init__()
        self.n_features = check_scalar(n_features, "n_features", int,
                                       min_val=1)
        self.momentum = check_scalar(momentum, "momentum", float, min_val=0,
                                     max_val=1, include_boundaries="left")
        self.epsilon = check_scalar(epsilon, "epsilon", float, min_val=0,
                                    include_boundaries="neither")
        self.params = {"gamma": np.ones(self.n_features, dtype=dtype),
                       "beta": np.zeros(self.n_features, dtype=dtype)}
        self.moving_mean = np.zeros(self.n_features, dtype=dtype)
        self.moving_variance = np.ones(self.n_features, dtype=dtype)

    def forward(self, X, training=False):
        """(n, ..., n_features) -> same shape; training mode uses and
        updates the batch statistics."""
        if X.ndim < 2 or X.shape[-1] != self.n_features:
            raise ValueError(
                "expected X of shape (n_samples, ..., "
                f"{self.n_features}), received shape {X.shape}")
        axes = tuple(range(X.ndim - 1))                # all but the last
        if training:
            mean, var = X.mean(axis=axes), X.var(axis=axes)   # (n_f,) each
            m = self.momentum
            self.moving_mean = m * self.moving_mean + (1 - m) * mean
            self.moving_variance = m * self.moving_variance + (1 - m) * var
        else:
            mean, var = self.moving_mean, self.moving_variance
        inv_std = 1.0 / np.sqrt(var + self.epsilon)           # (n_f,)
        x_hat = (X - mean) * inv_std                          # X's shape
        self._cache = (x_hat, inv_std, axes, training)
        return self.params["gamma"] * x_hat + self.params["beta"]

    def backward(self, dout):
        """Store dL/dgamma, dL/dbeta; return dL/dX, the shape of X."""
        x_hat, inv_std, axes, training = self._cached()
        self._check_dout(dout, x_hat.shape)
        self.grads["gamma"] = np.sum(dout * x_hat, axis=axes)   # (n_f,)
        self.grads["beta"] = dout.sum(axis=axes)                # (n_f,)
        dx_hat = dout * self.params["gamma"]
        if not training:
            return dx_hat * inv_std
        return standardize_backward(dx_hat, x_hat, inv_std, axes)

    def cast(self, dtype):
        """Convert gamma, beta and the moving statistics to ``dtype``."""
        self.moving_mean = self.moving_mean.astype(dtype, copy=False)
        self.moving_variance = self.moving_variance.astype(dtype,
                                                           copy=False)
        return super().cast(dtype)

    def get_state(self):
        """``[moving_mean, moving_variance]``, copies."""
        return [self.moving_mean.copy(), self.moving_variance.copy()]

    def __repr__(self):
        return f"BatchNormalization({self.n_features})"
