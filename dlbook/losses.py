"""Loss functions, each with its gradient beside it.

Every loss averages over the batch and says so; its ``gradient`` includes
the ``1/n``.  A loss object is stateless and is called as Keras calls its
losses, targets first: ``loss(y_true, y_pred)`` returns a float and
``loss.gradient(y_true, y_pred)`` returns ``dL/dy_pred`` with the shape of
``y_pred``.  Both check their inputs; ``value_and_gradient(y_true,
y_pred)`` returns the two at once (what ``Sequential`` uses in its
training loop).

The order matters: most losses are not symmetric, and a swapped call
would return a wrong number without complaint.  Where a loss can tell
that its arguments were swapped (class indices that are not whole
numbers, label rows that are not probability rows, probabilities outside
[0, 1]) it raises a ``ValueError`` that says so.

Taught in: chapter 2, "Core concepts", and chapter 4, "The MSE gradient"
and "Activations, softmax and cross-entropy".
"""

import numpy as np

from ._checks import as_float_array, check_labels
from .activations import log_softmax

EPSILON = 1e-7
"""Probabilities are clipped to ``[EPSILON, 1 - EPSILON]``, as in Keras."""

ROW_SUM_TOL = 1e-3
"""How far from 1 a row of ``CategoricalCrossentropy`` targets may sum
(float32 label smoothing sums to 1 only up to rounding)."""

ORDER = "losses are called as loss(y_true, y_pred), like Keras"
"""The sentence every error about a possibly swapped call ends with."""


class Loss:
    """Base class: subclasses define ``_value`` and ``_gradient`` on
    checked arrays, and override ``_targets`` when their targets are not
    already shaped like ``y_pred`` (sparse labels, say).  ``fit`` checks
    through ``_targets`` once and then calls ``_value_and_gradient``."""

    name = "loss"
    _on_probabilities = False
    """True when ``y_pred`` must hold probabilities (not logits)."""

    def __call__(self, y_true, y_pred):
        """The loss, a float averaged over the batch."""
        y_true, y_pred = self._prepare(y_true, y_pred)
        return float(self._value(y_true, y_pred))

    def gradient(self, y_true, y_pred):
        """``dL/dy_pred``, same shape as ``y_pred``."""
        y_true, y_pred = self._prepare(y_true, y_pred)
        return self._gradient(y_true, y_pred)

    def value_and_gradient(self, y_true, y_pred, check_finite=True):
        """``(L, dL/dy_pred)`` in one call.

        ``check_finite=False`` lets a diverging training loop see the
        NaN or infinite loss itself (and name the step) instead of a
        ValueError about ``y_pred``.
        """
        y_true, y_pred = self._prepare(y_true, y_pred, check_finite)
        return self._value_and_gradient(y_true, y_pred)

    def _value_and_gradient(self, y_true, y_pred):
        """``(L, dL/dy_pred)`` on arrays already checked: ``y_true`` is the
        dense target of ``y_pred``'s shape (what ``_targets`` returns).
        ``Sequential.fit`` checks its data once and calls this per batch;
        a loss on probabilities still checks that ``y_pred`` holds
        probabilities (a model without its output activation, say).
        """
        if self._on_probabilities:
            _check_probabilities(y_pred)
        return (float(self._value(y_true, y_pred)),
                self._gradient(y_true, y_pred))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"

    # -- checks shared by every loss --------------------------------------
    def _prepare(self, y_true, y_pred, check_finite=True):
        """Both arguments checked: ``(dense y_true, y_pred)``."""
        y_pred = _predictions(y_pred, check_finite)
        if self._on_probabilities:
            _check_probabilities(y_pred)
        y_true = self._targets(y_true, y_pred.shape, y_pred.dtype)
        self._check_pair(y_true, y_pred)
        return y_true, y_pred

    def _targets(self, y_true, shape, dtype):
        """``y_true`` checked and shaped as the target of a ``y_pred`` of
        ``shape``: a float array of that same shape."""
        y_true = as_float_array(y_true, "y_true", dtype, ndim=(1, 2))
        if y_true.ndim == 1 and shape[1:] == (1,):
            y_true = y_true[:, None]        # (n,) vs (n, 1): on purpose
        if y_true.shape != tuple(shape):
            raise ValueError(
                f"expected y_true with the shape of y_pred {tuple(shape)}, "
                f"received y_true of shape {y_true.shape}; y_true of shape "
                "(n,) is accepted only when y_pred has shape (n, 1), it is "
                f"never broadcast ({ORDER})")
        return y_true

    def _check_pair(self, y_true, y_pred):
        """Checks that need both arrays; none by default."""


def _predictions(y_pred, check_finite=True):
    """``y_pred`` as a float array of shape (n_samples, n_out)."""
    y_pred = np.asarray(y_pred)
    dtype = y_pred.dtype if np.issubdtype(y_pred.dtype, np.floating) \
        else np.float64
    if y_pred.ndim != 2:
        raise ValueError(
            "expected y_pred of shape (n_samples, n_out), received shape "
            f"{y_pred.shape}; {ORDER}")
    return as_float_array(y_pred, "y_pred", dtype, ndim=2,
                          check_finite=check_finite)


def _check_probabilities(y_pred):
    """Raise unless every ``y_pred`` is in [0, 1] (NaN passes through, so
    a diverging ``fit`` can name its step)."""
    low, high = np.min(y_pred), np.max(y_pred)
    if low < 0 or high > 1:
        raise ValueError(
            "expected probabilities in [0, 1] as y_pred (from_logits=False)"
            f", received y_pred with values from {low:.4g} to {high:.4g}; "
            "pass from_logits=True for raw scores (logits), and note that "
            f"{ORDER}")


def _check_unit_interval(y_true):
    """Raise unless every target is in [0, 1]."""
    low, high = np.min(y_true), np.max(y_true)
    if low < 0 or high > 1:
        raise ValueError(
            "expected targets y_true in [0, 1] (labels or probabilities), "
            f"received y_true with values from {low:.4g} to {high:.4g}; "
            f"{ORDER}")


def _is_hard(a):
    """True if every entry of ``a`` is exactly 0 or 1."""
    return bool(np.all((a == 0) | (a == 1)))


def _is_one_hot(a):
    """True if every row of ``a`` is exactly one-hot."""
    return _is_hard(a) and bool(np.all(np.sum(a, axis=1) == 1))


def _swapped(expected, received):
    """The error for arguments that look swapped."""
    return ValueError(f"expected {expected}, received {received}; {ORDER}")


class MeanSquaredError(Loss):
    """Mean squared error ``L = 1/(n k) sum (y_pred - y_true)**2``.

    With ``half=True`` it is ``1/(2 n k) sum (y_pred - y_true)**2``, the
    convention of some texts, whose gradient has no factor 2: it only
    rescales the gradient (by 1/2), which a learning rate twice as large
    undoes.

    Shapes
    ------
    ``y_pred`` (n_samples, n_out); ``y_true`` the same, or
    (n_samples,) when n_out is 1.  ``dL/dy_pred = 2 (y_pred - y_true) /
    (n k)`` (or without the 2 when ``half``).  The value is symmetric in
    its arguments, the gradient is not: a swapped call cannot be detected
    and returns the gradient with the wrong sign.

    Keras equivalent: ``keras.losses.MeanSquaredError()`` (``half=False``).
    Taught in: chapter 4, "The MSE gradient".
    """

    name = "mse"

    def __init__(self, half=False):
        self.half = bool(half)

    def _value(self, y_true, y_pred):
        scale = 0.5 if self.half else 1.0
        return scale * np.mean((y_pred - y_true) ** 2)

    def _gradient(self, y_true, y_pred):
        scale = 1.0 if self.half else 2.0
        return scale * (y_pred - y_true) / y_pred.size


class _Crossentropy(Loss):
    """What the cross-entropies share: ``from_logits``, targets in
    [0, 1], and from logits one computation for the value and the
    gradient (``_logits_value_and_gradient``); from probabilities they
    define ``_probs_value`` and ``_probs_gradient``."""

    def __init__(self, from_logits=False):
        self.from_logits = bool(from_logits)

    @property
    def _on_probabilities(self):
        return not self.from_logits

    def _targets(self, y_true, shape, dtype):
        y_true = super()._targets(y_true, shape, dtype)
        _check_unit_interval(y_true)
        return y_true

    def _value(self, y_true, y_pred):
        if self.from_logits:
            return self._logits_value_and_gradient(y_true, y_pred)[0]
        return self._probs_value(y_true, y_pred)

    def _gradient(self, y_true, y_pred):
        if self.from_logits:
            return self._logits_value_and_gradient(y_true, y_pred)[1]
        return self._probs_gradient(y_true, y_pred)

    def _value_and_gradient(self, y_true, y_pred):
        if self.from_logits:
            value, grad = self._logits_value_and_gradient(y_true, y_pred)
            return float(value), grad
        return super()._value_and_gradient(y_true, y_pred)


class BinaryCrossentropy(_Crossentropy):
    """Binary cross-entropy for labels in {0, 1} (or probabilities).

    ``L = -1/n sum [y log p + (1 - y) log(1 - p)]`` with ``y = y_true`` and
    ``p = y_pred``, or ``p = sigmoid(y_pred)`` when ``from_logits``.  From
    logits it is computed as ``max(z, 0) - z y + log(1 + exp(-|z|))``,
    finite for any ``z``, and the gradient is ``(sigmoid(z) - y) / n``.
    From probabilities, ``p`` is clipped to ``[1e-7, 1 - 1e-7]`` as Keras
    does.

    Shapes
    ------
    ``y_pred`` (n_samples, n_out); ``y_true`` the same, or
    (n_samples,) when n_out is 1.

    Raises ``ValueError`` for what a swapped call looks like: ``y_true``
    outside [0, 1]; with ``from_logits=False``, ``y_pred`` outside [0, 1],
    or ``y_pred`` exactly 0 or 1 everywhere while ``y_true`` is not.

    Keras equivalent: ``keras.losses.BinaryCrossentropy(from_logits=...)``.
    Taught in: chapter 4, "Activations, softmax and cross-entropy".
    """

    name = "binary_crossentropy"

    def _check_pair(self, y_true, y_pred):
        # not from logits: an untrained model's logits are often all 0
        if (not self.from_logits and _is_hard(y_pred)
                and not _is_hard(y_true)):
            raise _swapped("predicted probabilities y_pred and labels "
                           "y_true", "y_pred that is exactly 0 or 1 "
                           "everywhere and y_true that is not")

    def _probs_value(self, y_true, y_pred):
        p = np.clip(y_pred, EPSILON, 1 - EPSILON)
        return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))

    def _probs_gradient(self, y_true, y_pred):
        inside = (y_pred > EPSILON) & (y_pred < 1 - EPSILON)
        p = np.clip(y_pred, EPSILON, 1 - EPSILON)
        return inside * (p - y_true) / (p * (1 - p)) / y_pred.size

    @staticmethod
    def _logits_value_and_gradient(y, z):
        """From logits ``z``: the value and the gradient share
        ``exp(-|z|)``."""
        e = np.exp(-np.abs(z))                    # in (0, 1]: no overflow
        value = np.mean(np.maximum(z, 0) - z * y + np.log1p(e))
        p = np.where(z >= 0, 1 / (1 + e), e / (1 + e))     # sigmoid(z)
        return value, (p - y) / z.size


class CategoricalCrossentropy(_Crossentropy):
    """Categorical cross-entropy for one-hot (or probability) targets.

    ``L = -1/n sum_i sum_k y_ik log p_ik`` with ``y = y_true`` and ``p =
    y_pred`` (rows are renormalised to sum to 1 and clipped to ``[1e-7,
    1 - 1e-7]``, as Keras does) or ``p = softmax(y_pred)`` when
    ``from_logits``.  From logits it uses log-softmax (the log-sum-exp
    trick) and its gradient is ``(softmax(z) - y) / n``.

    Shapes
    ------
    ``y_true`` and ``y_pred`` (n_samples, n_classes).

    Raises ``ValueError`` for what a swapped call looks like: rows of
    ``y_true`` that are not probability rows (a negative entry, one above
    1, or a sum other than 1); ``y_pred`` exactly one-hot while ``y_true``
    is not; with ``from_logits=False``, ``y_pred`` outside [0, 1].

    Keras equivalent: ``keras.losses.CategoricalCrossentropy(...)``.
    Taught in: chapter 4, "Activations, softmax and cross-entropy".
    """

    name = "categorical_crossentropy"

    def _targets(self, y_true, shape, dtype):
        y_true = super()._targets(y_true, shape, dtype)
        sums = np.sum(y_true, axis=1)
        bad = np.flatnonzero(np.abs(sums - 1) > ROW_SUM_TOL)
        if bad.size:
            raise ValueError(
                "expected rows of y_true that sum to 1 (one-hot labels or "
                f"probabilities), received {bad.size} row(s) that do not, "
                f"row {bad[0]} sums to {sums[bad[0]]:.4g}; {ORDER}")
        return y_true

    def _check_pair(self, y_true, y_pred):
        if _is_one_hot(y_pred) and not _is_one_hot(y_true):
            raise _swapped("one-hot labels (or probabilities) y_true and "
                           "predictions y_pred", "y_pred that is exactly "
                           "one-hot and y_true that is not")

    def _probs_value(self, y_true, y_pred):
        q = y_pred / np.sum(y_pred, axis=1, keepdims=True)
        return -np.sum(y_true * np.log(np.clip(q, EPSILON, 1 - EPSILON))) \
            / len(q)

    def _probs_gradient(self, y_true, y_pred):
        n = y_pred.shape[0]
        s = np.sum(y_pred, axis=1, keepdims=True)
        q = y_pred / s
        inside = (q > EPSILON) & (q < 1 - EPSILON)
        dq = -(inside * y_true) / np.clip(q, EPSILON, 1 - EPSILON) / n
        # q = y_pred / s: dL/dy_pred_j = (dq_j - sum_k dq_k q_k) / s
        return (dq - np.sum(dq * q, axis=1, keepdims=True)) / s

    @staticmethod
    def _logits_value_and_gradient(y, z):
        """From logits ``z``: one log-softmax serves the value and the
        gradient.

        d/dz of ``-sum_k y_k log softmax(z)_k`` is ``p sum_k y_k - y``,
        which is ``p - y`` for one-hot (or any probability) rows ``y``.
        """
        n = z.shape[0]
        log_p = log_softmax(z)
        value = -(y * log_p).sum() / n
        grad = (np.exp(log_p) * y.sum(axis=1, keepdims=True) - y) / n
        return value, grad


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """Categorical cross-entropy with integer labels of shape (n_samples,).

    The same loss as ``CategoricalCrossentropy`` on ``one_hot(y_true)``.
    Shapes
    ------
    ``y_true`` (n_samples,) (or (n_samples, 1)) class indices,
    ``y_pred`` (n_samples, n_classes).

    Raises ``ValueError`` for what a swapped call looks like: ``y_true``
    that is not a vector of whole numbers (a matrix of probabilities or
    logits); with ``from_logits=False``, ``y_pred`` outside [0, 1].

    Keras equivalent: ``keras.losses.SparseCategoricalCrossentropy(...)``.
    Taught in: chapter 3, "Step 5: the loss".
    """

    name = "sparse_categorical_crossentropy"

    def _prepare(self, y_true, y_pred, check_finite=True):
        _check_label_vector(y_true)     # first: a swapped call shows here
        return super()._prepare(y_true, y_pred, check_finite)

    def _targets(self, y_true, shape, dtype):
        """The integer labels ``y_true`` checked and one-hot encoded."""
        _check_label_vector(y_true)
        labels = check_labels(y_true, shape[1], name="y_true")
        if len(labels) != shape[0]:
            raise ValueError(
                "expected one label per sample, received "
                f"{len(labels)} labels y_true for {shape[0]} samples")
        onehot = np.zeros(shape, dtype=dtype)
        onehot[np.arange(len(labels)), labels] = 1
        return onehot

    def _check_pair(self, y_true, y_pred):
        """Targets built from labels are one-hot: nothing to compare."""


def _check_label_vector(y_true):
    """Raise, naming the argument order, if ``y_true`` looks like
    predictions: a matrix, or values that are not whole numbers."""
    arr = np.asarray(y_true)
    if not np.issubdtype(arr.dtype, np.number):
        return                               # check_labels says why
    matrix = arr.ndim == 2 and arr.shape[1] > 1 or arr.ndim > 2
    fractional = bool(np.any(np.isfinite(arr) & (arr != np.round(arr))))
    if matrix or fractional:
        what = " with non-integer values" if fractional else ""
        hint = (" (for one-hot rows use CategoricalCrossentropy)"
                if matrix and not fractional else "")
        raise ValueError(
            "expected integer class labels y_true of shape (n_samples,), "
            f"received y_true of shape {arr.shape}{what}; {ORDER}{hint}")


_BY_NAME = {
    "mse": MeanSquaredError,
    "mean_squared_error": MeanSquaredError,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}


def get_loss(loss):
    """Return a ``Loss`` from a name such as ``"mse"`` or a ``Loss``."""
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, str) and loss in _BY_NAME:
        return _BY_NAME[loss]()
    raise ValueError(
        f"expected a Loss or one of {sorted(_BY_NAME)}, received: {loss!r}")
