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


def _dimensions(counts):
    """'dimension' after 1 (and only 1), else 'dimensions'."""
    return "dimension" if list(counts) == [1] else "dimensions"


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
                f"expected {name} with {want} {_dimensions(allowed)}, "
                f"received {_describe(arr.shape)} ({arr.ndim} "
                f"{_dimensions([arr.ndim])})")
    if arr.size == 0 and not allow_empty:
        raise ValueError(
            f"expected a non-empty {name}, received {_describe(arr.shape)}")
    if check_finite and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"expected finite values in {name}, received {bad} NaN or "
            f"infinite value(s) in an array of {_describe(arr.shape)}")
    return arr


def check_scalar(value, name, target_type, *, min_val=None, max_val=None,
                 include_boundaries="both"):
    """Return ``value`` converted to ``target_type`` if it is a finite
    scalar of that type within the bounds; else raise a ValueError that
    names the argument and says what was expected.

    The one check for every scalar argument in dlbook (as scikit-learn's
    ``check_scalar``).

    Parameters
    ----------
    value : object
    name : str
        The argument's name, for the message (``"lr"``, ``"n_in"``).
    target_type : int or float
        ``int`` accepts integers only; ``float`` accepts any real number.
        Booleans are refused either way.
    min_val, max_val : number, optional
        Bounds; ``None`` means unbounded on that side.
    include_boundaries : "both", "left", "right" or "neither"
        Which bounds are allowed values.

    Examples
    --------
    >>> check_scalar(3, "n_in", int, min_val=1)
    3
    >>> check_scalar(0.0, "lr", float, min_val=0,
    ...              include_boundaries="neither")
    Traceback (most recent call last):
    ...
    ValueError: expected a positive number, received: lr=0.0
    """
    if include_boundaries not in ("both", "left", "right", "neither"):
        raise ValueError(
            "expected include_boundaries in ('both', 'left', 'right', "
            f"'neither'), received: {include_boundaries!r}")
    closed_lo = include_boundaries in ("both", "left")
    closed_hi = include_boundaries in ("both", "right")
    kind = numbers.Integral if target_type is int else numbers.Real
    ok = (not isinstance(value, bool) and isinstance(value, kind)
          and bool(np.isfinite(value)))
    if ok and min_val is not None:
        ok = value >= min_val if closed_lo else value > min_val
    if ok and max_val is not None:
        ok = value <= max_val if closed_hi else value < max_val
    if not ok:
        kind = _scalar_kind(target_type, min_val, max_val, closed_lo,
                            closed_hi)
        raise ValueError(f"expected {kind}, received: {name}={value!r}")
    return target_type(value)


def _scalar_kind(target_type, lo, hi, closed_lo, closed_hi):
    """Words for the values ``check_scalar`` accepts."""
    noun = "integer" if target_type is int else "number"
    article = "an" if noun == "integer" else "a"
    if lo is not None and hi is not None:
        left, right = "[(" [not closed_lo], "])"[not closed_hi]
        return f"a {noun} in {left}{lo}, {hi}{right}"
    if hi is not None:
        return f"{article} {noun} {'<=' if closed_hi else '<'} {hi}"
    if lo is None:
        return f"a finite {noun}" if noun == "number" else "an integer"
    if lo == 0:
        return f"a {'non-negative' if closed_lo else 'positive'} {noun}"
    if noun == "integer" and lo == 1 and closed_lo:
        return "a positive integer"
    return f"{article} {noun} {'>=' if closed_lo else '>'} {lo}"


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

