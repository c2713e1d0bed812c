"""Weight initialisers, with the same formulas as Keras.

For a dense kernel of shape (n_in, n_out), ``fan_in = n_in`` and
``fan_out = n_out``; for a convolution kernel (kh, kw, c_in, c_out) each
fan is multiplied by the receptive field ``kh * kw``.

Taught in: chapter 3, "Algorithm steps" (weight initialisation).
"""

import numpy as np

from ._checks import as_rng


def fans(shape):
    """Return ``(fan_in, fan_out)`` for a kernel shape, as Keras does."""
    if len(shape) < 2:
        raise ValueError(f"expected a kernel shape with at least 2 "
                         f"dimensions, received shape {tuple(shape)}")
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


def glorot_uniform(shape, rng=None):
    """Glorot (Xavier) uniform: ``U(-a, a)``, ``a = sqrt(6 / (fan_in +
    fan_out))``.  Keeps the variance of activations and gradients about
    constant across layers.  Keras equivalent: ``"glorot_uniform"`` (the
    default kernel initialiser of ``Dense`` and ``Conv2D``).
    """
    fan_in, fan_out = fans(shape)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return as_rng(rng).uniform(-limit, limit, size=shape)


def he_uniform(shape, rng=None):
    """He uniform: ``U(-a, a)``, ``a = sqrt(6 / fan_in)``, for ReLU layers.
    Keras equivalent: ``"he_uniform"``.
    """
    fan_in, _ = fans(shape)
    limit = np.sqrt(6.0 / fan_in)
    return as_rng(rng).uniform(-limit, limit, size=shape)


def he_normal(shape, rng=None):
    """He normal: a normal of standard deviation ``sqrt(2 / fan_in)``,
    truncated at two standard deviations (redrawn beyond), as Keras does:
    the untruncated draw has std ``sqrt(2 / fan_in) / 0.87962566``.
    Keras equivalent: ``"he_normal"``.
    """
    fan_in, _ = fans(shape)
    std = np.sqrt(2.0 / fan_in) / 0.87962566103423978
    rng = as_rng(rng)
    w = rng.standard_normal(shape)
    bad = np.abs(w) > 2
    while np.any(bad):
        w[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(w) > 2
    return std * w


def zeros(shape, rng=None):
    """All zeros: fine for biases, fatal for kernels (every unit of a layer
    then computes the same thing and gets the same gradient: the symmetry
    problem of chapter 3)."""
    return np.zeros(shape)


def orthogonal(shape, rng=None):
    """A random orthogonal matrix (rows or columns orthonormal): the QR
    factor of a standard normal draw, signs fixed so that it is uniformly
    distributed.  Multiplying by it keeps vector norms, so a recurrent
    state neither grows nor shrinks through the kernel alone.  Keras
    equivalent: ``"orthogonal"`` (the default ``recurrent_initializer``).
    """
    if len(shape) < 2:
        raise ValueError(f"expected a kernel shape with at least 2 "
                         f"dimensions, received shape {tuple(shape)}")
    rows, cols = int(np.prod(shape[:-1])), shape[-1]
    a = as_rng(rng).standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))
    return (q if rows >= cols else q.T).reshape(shape)


INITIALIZERS = {
    "glorot_uniform": glorot_uniform,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
    "zeros": zeros,
    "orthogonal": orthogonal,
}


def get_initializer(init):
    """Return an initialiser function from its name or the function."""
    if callable(init):
        return init
    if init in INITIALIZERS:
        return INITIALIZERS[init]
    raise ValueError(f"expected one of {sorted(INITIALIZERS)} or a "
                     f"function, received: init={init!r}")
