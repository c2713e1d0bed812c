"""Activation functions and their derivatives, side by side.

Each ``f`` comes with ``f_prime``, its derivative with respect to the
pre-activation ``z``, evaluated at ``z``.  All of them work elementwise on
arrays of any shape except softmax, which normalises along an axis.  They
are written to stay finite for inputs as large as ``+-1e4``.

Taught in: chapter 2, "Core concepts", and chapter 4, "Activations, softmax
and cross-entropy".
"""

import numpy as np


def _float(z):
    """Return ``z`` as a floating array, keeping float32 as float32."""
    z = np.asarray(z)
    return z if np.issubdtype(z.dtype, np.floating) else z.astype(float)


def sigmoid(z):
    """Logistic sigmoid ``1 / (1 + exp(-z))``, range (0, 1).

    Computed as ``exp(z) / (1 + exp(z))`` for negative ``z`` so that
    ``exp`` never overflows.  Keras equivalent: ``keras.activations.sigmoid``.
    """
    z = _float(z)
    e = np.exp(-np.abs(z))                    # in (0, 1]: never overflows
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype)


def sigmoid_prime(z):
    """``sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z))``, at most 1/4."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    """Hyperbolic tangent, range (-1, 1).  ``tanh(z) = 2 sigmoid(2z) - 1``."""
    return np.tanh(_float(z))


def tanh_prime(z):
    """``tanh'(z) = 1 - tanh(z)**2``, at most 1 (at z = 0)."""
    return 1.0 - np.tanh(_float(z)) ** 2


def relu(z):
    """Rectified linear unit ``max(0, z)``, range [0, inf): unbounded."""
    return np.maximum(_float(z), 0)


def relu_prime(z):
    """``relu'(z)``: 1 where z > 0, else 0 (the value 0 is used at z = 0,
    as TensorFlow does)."""
    z = _float(z)
    return (z > 0).astype(z.dtype)


def leaky_relu(z, alpha=0.01):
    """``z`` for z > 0, ``alpha * z`` otherwise.

    Keras equivalent: ``keras.layers.LeakyReLU(negative_slope=alpha)``.
    """
    z = _float(z)
    return np.where(z > 0, z, alpha * z)


def leaky_relu_prime(z, alpha=0.01):
    """1 for z > 0, ``alpha`` otherwise."""
    z = _float(z)
    return np.where(z > 0, 1.0, alpha).astype(z.dtype)


def softmax(z, axis=-1):
    """``softmax(z)_k = exp(z_k) / sum_j exp(z_j)`` along ``axis``.

    The maximum is subtracted first (softmax is shift-invariant), so no
    ``exp`` overflows; every output lies in [0, 1] and they sum to 1.
    Keras equivalent: ``keras.activations.softmax``.
    """
    z = _float(z)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(z, axis=-1):
    """``log softmax(z) = z - logsumexp(z)``, computed without overflow."""
    z = _float(z)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis,
                                   keepdims=True))


def softmax_jacobian(z):
    """Jacobian of softmax for each row of ``z``.

    ``J[n, i, j] = d p_i / d z_j = p_i (delta_ij - p_j)``.

    Parameters
    ----------
    z : ndarray, shape (n_samples, n_classes)

    Returns
    -------
    ndarray, shape (n_samples, n_classes, n_classes)
    """
    p = softmax(z, axis=-1)
    return p[:, :, None] * (np.eye(p.shape[-1]) - p[:, None, :])


ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (tanh, tanh_prime),
    "relu": (relu, relu_prime),
    "leaky_relu": (leaky_relu, leaky_relu_prime),
}
