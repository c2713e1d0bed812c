"""Loss functions, each with its gradient beside it.

Every loss averages over the batch and says so; its ``gradient`` includes
the ``1/n``.  A loss object is stateless: ``loss(y_hat, y)`` returns a
float and ``loss.gradient(y_hat, y)`` returns ``dL/dy_hat`` with the shape
of ``y_hat``.  Both check their inputs; ``value_and_gradient`` returns the
two at once (what ``Sequential`` uses in its training loop).

Taught in: chapter 2, "Core concepts", and chapter 4, "The MSE gradient"
and "Activations, softmax and cross-entropy".
"""

import numpy as np

from ._checks import as_float_array, check_labels
from .activations import log_softmax

EPSILON = 1e-7
"""Probabilities are clipped to ``[EPSILON, 1 - EPSILON]``, as in Keras."""


class Loss:
    """Base class: subclasses define ``_value`` and ``_gradient`` on
    checked arrays, and override ``_targets`` when their labels are not
    already shaped like ``y_hat`` (sparse labels, say).  ``fit`` checks
    through ``_targets`` once and then calls ``_value_and_gradient``."""

    name = "loss"

    def __call__(self, y_hat, y):
        y_hat, y = self._prepare(y_hat, y)
        return float(self._value(y_hat, y))

    def gradient(self, y_hat, y):
        """``dL/dy_hat``, same shape as ``y_hat``."""
        y_hat, y = self._prepare(y_hat, y)
        return self._gradient(y_hat, y)

    def value_and_gradient(self, y_hat, y, check_finite=True):
        """``(L, dL/dy_hat)`` in one call.

        ``check_finite=False`` lets a diverging training loop see the
        NaN or infinite loss itself (and name the step) instead of a
        ValueError about ``y_hat``.
        """
        y_hat, y = self._prepare(y_hat, y, check_finite)
        return self._value_and_gradient(y_hat, y)

    def _value_and_gradient(self, y_hat, y):
        """``(L, dL/dy_hat)`` on arrays already checked: ``y`` is the
        dense target of ``y_hat``'s shape (what ``_targets`` returns).
        ``Sequential.fit`` checks its data once and calls this per batch.
        """
        return float(self._value(y_hat, y)), self._gradient(y_hat, y)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"

    # -- shape handling shared by the dense-target losses -----------------
    def _prepare(self, y_hat, y, check_finite=True):
        y_hat = _predictions(y_hat, check_finite)
        return y_hat, self._targets(y, y_hat.shape, y_hat.dtype)

    def _targets(self, y, shape, dtype):
        """``y`` checked and shaped as the target of a ``y_hat`` of
        ``shape``: a float array of that same shape."""
        y = as_float_array(y, "y", dtype, ndim=(1, 2))
        if y.ndim == 1 and shape[1:] == (1,):
            y = y[:, None]                # (n,) vs (n, 1): on purpose
        if y.shape != tuple(shape):
            raise ValueError(
                f"expected y with the shape of y_hat {tuple(shape)}, "
                f"received y of shape {y.shape}; y of shape (n,) is "
                "accepted only when y_hat has shape (n, 1), it is never "
                "broadcast")
        return y


def _predictions(y_hat, check_finite=True):
    """``y_hat`` as a float array of shape (n_samples, n_out)."""
    y_hat = np.asarray(y_hat)
    dtype = y_hat.dtype if np.issubdtype(y_hat.dtype, np.floating) \
        else np.float64
    return as_float_array(y_hat, "y_hat", dtype, ndim=2,
                          check_finite=check_finite)


class MeanSquaredError(Loss):
    """Mean squared error ``L = 1/(n k) sum (y_hat - y)**2``.

    With ``half=True`` it is ``1/(2 n k) sum (y_hat - y)**2``, the
    convention of some texts, whose gradient has no factor 2: it only
    rescales the gradient (by 1/2), which a learning rate twice as large
    undoes.

    Shapes: ``y_hat`` (n_samples, n_out); ``y`` the same, or (n_samples,)
    when n_out is 1.  ``dL/dy_hat = 2 (y_hat - y) / (n k)`` (or without the
    2 when ``half``).

    Keras equivalent: ``keras.losses.MeanSquaredError()`` (``half=False``).
    Taught in: chapter 4, "The MSE gradient".
    """

    name = "mse"

    def __init__(self, half=False):
        self.half = bool(half)

    def _value(self, y_hat, y):
        scale = 0.5 if self.half else 1.0
        return scale * np.mean((y_hat - y) ** 2)

    def _gradient(self, y_hat, y):
        scale = 1.0 if self.half else 2.0
        return scale * (y_hat - y) / y_hat.size


class BinaryCrossentropy(Loss):
    """Binary cross-entropy for labels in {0, 1} (or probabilities).

    ``L = -1/n sum [y log p + (1 - y) log(1 - p)]`` with ``p = y_hat``, or
    ``p = sigmoid(y_hat)`` when ``from_logits``.  From logits it is
    computed as ``max(z, 0) - z y + log(1 + exp(-|z|))``, finite for any
    ``z``, and the gradient is ``(sigmoid(z) - y) / n``.  From
    probabilities, ``p`` is clipped to ``[1e-7, 1 - 1e-7]`` as Keras does.

    Keras equivalent: ``keras.losses.BinaryCrossentropy(from_logits=...)``.
    Taught in: chapter 4, "Activations, softmax and cross-entropy".
    """

    name = "binary_crossentropy"

    def __init__(self, from_logits=False):
        self.from_logits = bool(from_logits)

    def _value(self, y_hat, y):
        if self.from_logits:
            return self._logits_value_and_gradient(y_hat, y)[0]
        p = np.clip(y_hat, EPSILON, 1 - EPSILON)
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))

    def _gradient(self, y_hat, y):
        if self.from_logits:
            return self._logits_value_and_gradient(y_hat, y)[1]
        inside = (y_hat > EPSILON) & (y_hat < 1 - EPSILON)
        p = np.clip(y_hat, EPSILON, 1 - EPSILON)
        return inside * (p - y) / (p * (1 - p)) / y_hat.size

    def _value_and_gradient(self, y_hat, y):
        if self.from_logits:
            value, grad = self._logits_value_and_gradient(y_hat, y)
            return float(value), grad
        return super()._value_and_gradient(y_hat, y)

    @staticmethod
    def _logits_value_and_gradient(z, y):
        """From logits: the value and the gradient share ``exp(-|z|)``."""
        e = np.exp(-np.abs(z))                    # in (0, 1]: no overflow
        value = np.mean(np.maximum(z, 0) - z * y + np.log1p(e))
        p = np.where(z >= 0, 1 / (1 + e), e / (1 + e))     # sigmoid(z)
        return value, (p - y) / z.size


class CategoricalCrossentropy(Loss):
    """Categorical cross-entropy for one-hot labels.

    ``L = -1/n sum_i sum_k y_ik log p_ik`` with ``p = y_hat`` (rows are
    renormalised to sum to 1 and clipped to ``[1e-7, 1 - 1e-7]``, as Keras
    does) or ``p = softmax(y_hat)`` when ``from_logits``.  From logits it
    uses log-softmax (the log-sum-exp trick) and its gradient is
    ``(softmax(z) - y) / n`` for one-hot rows ``y``.

    Shapes: ``y_hat`` and ``y`` (n_samples, n_classes).
    Keras equivalent: ``keras.losses.CategoricalCrossentropy(...)``.
    Taught in: chapter 4, "Activations, softmax and cross-entropy".
    """

    name = "categorical_crossentropy"

    def __init__(self, from_logits=False):
        self.from_logits = bool(from_logits)

    def _value(self, y_hat, y):
        if self.from_logits:
            return self._logits_value_and_gradient(y_hat, y)[0]
        q = y_hat / np.sum(y_hat, axis=1, keepdims=True)
        return -np.sum(y * np.log(np.clip(q, EPSILON, 1 - EPSILON))) / len(q)

    def _gradient(self, y_hat, y):
        if self.from_logits:
            return self._logits_value_and_gradient(y_hat, y)[1]
        n = y_hat.shape[0]
        s = np.sum(y_hat, axis=1, keepdims=True)
        q = y_hat / s
        inside = (q > EPSILON) & (q < 1 - EPSILON)
        dq = -(inside * y) / np.clip(q, EPSILON, 1 - EPSILON) / n
        # q = y_hat / s: dL/dy_hat_j = (dq_j - sum_k dq_k q_k) / s
        return (dq - np.sum(dq * q, axis=1, keepdims=True)) / s

    def _value_and_gradient(self, y_hat, y):
        if self.from_logits:
            value, grad = self._logits_value_and_gradient(y_hat, y)
            return float(value), grad
        return super()._value_and_gradient(y_hat, y)

    @staticmethod
    def _logits_value_and_gradient(z, y):
        """From logits: one log-softmax serves the value and the gradient.

        d/dz of ``-sum_k y_k log softmax(z)_k`` is ``p sum_k y_k - y``,
        which is ``p - y`` for one-hot (or any probability) rows ``y``.
        """
        n = z.shape[0]
        log_p = log_softmax(z)
        value = -np.sum(y * log_p) / n
        grad = (np.exp(log_p) * np.sum(y, axis=1, keepdims=True) - y) / n
        return value, grad


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """Categorical cross-entropy with integer labels of shape (n_samples,).

    The same loss as ``CategoricalCrossentropy`` on ``one_hot(y)``.
    Keras equivalent: ``keras.losses.SparseCategoricalCrossentropy(...)``.
    """

    name = "sparse_categorical_crossentropy"

    def _targets(self, y, shape, dtype):
        """The integer labels ``y`` checked and one-hot encoded."""
        labels = check_labels(y, shape[1])
        if len(labels) != shape[0]:
            raise ValueError(
                "expected one label per sample, received "
                f"{len(labels)} labels for {shape[0]} samples")
        onehot = np.zeros(shape, dtype=dtype)
        onehot[np.arange(len(labels)), labels] = 1
        return onehot


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
