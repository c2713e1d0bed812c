"""Activation functions and their derivatives, side by side.

Each ``f`` comes with ``f_prime``, its derivative with respect to the
pre-activation ``z``, evaluated at ``z``.  All of them work elementwise on
arrays of any shape except softmax, which normalises along an axis.  They
are written to stay finite for inputs as large as ``+-1e4``.

Taught in: chapter 2, "Core concepts", and chapter 4, "Activations, softmax
and cross-entropy".
"""

import numpy as np

from ._checks import check_range, check_scalar


def _float(z):
    """Return ``z`` as a floating array, keeping float32 as float32."""
    z = np.asarray(z)
    return z if z.dtype.kind == "f" else z.astype(float)


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
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


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
"""Name -> ``(f, f_prime)`` for the elementwise activations."""


def saturated_intervals(name, *, z_range=(-6.0, 6.0), alpha=0.1,
                        threshold=0.05, n_points=2001):
    """Where an activation's derivative is below ``threshold``.

    There the gradient that flows back through the unit is multiplied by
    less than ``threshold``: the unit is saturated (sigmoid, tanh) or dead
    (ReLU for z < 0), and learning through it stalls.

    Parameters
    ----------
    name : {"sigmoid", "tanh", "relu", "leaky_relu"}
    z_range : (float, float), default (-6, 6)
    alpha : float > 0, default 0.1
        Leaky ReLU's slope for z < 0 (ignored for the others).
    threshold : float > 0, default 0.05
    n_points : int >= 2, default 2001
        Resolution of the grid on which ``f'`` is evaluated.

    Returns
    -------
    list of (float, float)
        The intervals, in increasing order, to within the grid spacing.

    Taught in: chapter 2, "Core concepts" (saturation).
    """
    if name not in ACTIVATIONS:
        raise ValueError(f"expected name in {sorted(ACTIVATIONS)}, "
                         f"received: name={name!r}")
    f_prime = ACTIVATIONS[name][1]
    options = ({"alpha": check_scalar(alpha, "alpha", float, min_val=0,
                                      include_boundaries="neither")}
               if name == "leaky_relu" else {})
    low, high = check_range(z_range, "z_range")
    threshold = check_scalar(threshold, "threshold", float, min_val=0,
                             include_boundaries="neither")
    n_points = check_scalar(n_points, "n_points", int, min_val=2)
    z = np.linspace(low, high, n_points)
    flat = np.concatenate([[False], np.abs(f_prime(z, **options))
                           < threshold, [False]])
    edges = np.flatnonzero(np.diff(flat.astype(np.int8)))   # starts, ends
    return [(float(z[i]), float(z[j - 1]))
            for i, j in zip(edges[::2], edges[1::2])]
