"""Input validation at dlbook's public boundary.

Every public function converts its inputs once, here, and raises a
``ValueError`` that says what was expected and what was received.  Inner
code then trusts its arrays.
"""

import numbers

import numpy as np


def as_rng(rng):
    """Return a ``numpy.random.Generator`` from None, an int seed or one.

    Randomness is always injected; dlbook never touches the global seed.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, numbers.Integral)
                       and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise ValueError(
        "expected rng to be None, an int seed or a numpy.random.Generator, "
        f"received: {type(rng).__name__}")


def _describe(shape):
    return "shape " + str(tuple(shape))


def as_float_array(x, name, dtype=np.float64, ndim=None, allow_empty=False,
                   check_finite=True):
    """Convert ``x`` to a finite floating array, checking its rank.

    Parameters
    ----------
    x : array_like
    name : str
        The argument's name, used in error messages.
    dtype : numpy dtype, default float64
    ndim : int or tuple of int, optional
        Allowed numbers of dimensions.
    """
    try:
        arr = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"expected {name} to be a numeric array, received: "
            f"{type(x).__name__} ({err})") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(a) for a in allowed)
            raise ValueError(
                f"expected {name} with {want} dimensions, received "
                f"{_describe(arr.shape)} ({arr.ndim} dimensions)")
    if arr.size == 0 and not allow_empty:
        raise ValueError(
            f"expected a non-empty {name}, received {_describe(arr.shape)}")
    if check_finite and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"expected finite values in {name}, received {bad} NaN or "
            f"infinite value(s) in an array of {_describe(arr.shape)}")
    return arr


def check_int(value, name, minimum=1):
    """Return ``value`` as int if it is an integer >= ``minimum``."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Integral)
            or value < minimum):
        kind = "a positive integer" if minimum == 1 else \
            f"an integer >= {minimum}"
        raise ValueError(f"expected {kind}, received: {name}={value!r}")
    return int(value)


def check_finite(value, name):
    """Return ``value`` as float if it is a finite real number."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not np.isfinite(value)):
        raise ValueError(
            f"expected a finite number, received: {name}={value!r}")
    return float(value)


def check_positive(value, name):
    """Return ``value`` as float if it is a finite real number > 0."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not np.isfinite(value) or value <= 0):
        raise ValueError(
            f"expected a positive number, received: {name}={value!r}")
    return float(value)


def check_fraction(value, name):
    """Return ``value`` as float if 0 <= value < 1."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not 0 <= value < 1):
        raise ValueError(
            f"expected a number in [0, 1), received: {name}={value!r}")
    return float(value)


def check_nonnegative(value, name):
    """Return ``value`` as float if it is a finite number >= 0."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not np.isfinite(value) or value < 0):
        raise ValueError(
            f"expected a non-negative number, received: {name}={value!r}")
    return float(value)


def check_range(value, name):
    """Return ``value`` as a pair of floats ``(low, high)`` with low < high."""
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(
            f"expected {name} to be a pair (low, high) of numbers, "
            f"received: {name}={value!r}") from None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(
            f"expected {name} = (low, high) with finite low < high, "
            f"received: {name}={value!r}")
    return low, high


def check_same_n(X, y, x_name="X", y_name="y"):
    """Raise unless ``X`` and ``y`` have the same number of samples."""
    if len(X) != len(y):
        raise ValueError(
            f"expected {x_name} and {y_name} to have the same number of "
            f"samples, received {x_name} with {len(X)} and {y_name} with "
            f"{len(y)}")


def check_labels(y, n_classes=None, name="y"):
    """Return integer class labels in ``range(n_classes)`` as an int array.

    ``y`` must have shape (n,) or (n, 1) and hold whole numbers; with
    ``n_classes=None`` any label >= 0 is accepted.
    """
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(
            f"expected integer labels {name} of shape (n_samples,), "
            f"received {_describe(arr.shape)}")
    if arr.size == 0:
        raise ValueError(f"expected non-empty labels {name}, received "
                         f"{_describe(arr.shape)}")
    if not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"expected numeric labels {name}, received dtype "
                         f"{arr.dtype}")
    if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
        raise ValueError(f"expected whole-number labels in {name}, received "
                         "non-integer values")
    labels = arr.astype(np.int64)
    lo, hi = labels.min(), labels.max()
    if n_classes is None:
        if lo < 0:
            raise ValueError(f"expected non-negative integer labels {name}, "
                             f"received a minimum of {lo}")
        return labels
    if lo < 0 or hi >= n_classes:
        raise ValueError(
            f"expected labels {name} in [0, {n_classes - 1}] for "
            f"{n_classes} classes, received values from {lo} to {hi}")
    return labels
