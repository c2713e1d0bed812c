"""Numerical gradient checks: the book's way of proving a derivation.

The central difference ``(f(x + eps) - f(x - eps)) / (2 eps)`` has error
O(eps**2); with eps = 1e-6 in float64 it agrees with a correct analytic
gradient to a relative error around 1e-9, and with a wrong one to
nothing like it.

Taught in: chapter 4, "The MSE gradient" (first use) and every section
after it.
"""

import numpy as np

from ._checks import as_float_array, as_rng
from .losses import get_loss


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of a scalar function at ``x``.

    Parameters
    ----------
    f : callable
        ``f(x)`` returning a float; ``x`` is perturbed in place, one entry
        at a time, and restored afterwards, so ``f`` may also read it
        through a closure (a layer's own weights, say).
    x : ndarray of floats
        Perturbed in place (so ``f`` may read it through a closure).
    eps : float

    Returns
    -------
    ndarray, shape of ``x``
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype,
                                                         np.floating):
        raise ValueError("expected x to be a floating numpy array (it is "
                         f"perturbed in place), received: {type(x).__name__}"
                         f" {getattr(x, 'dtype', '')}")
    if not x.flags.c_contiguous:
        raise ValueError("expected a C-contiguous array x (it is perturbed "
                         "in place through a flat view), received a "
                         "non-contiguous view")
    grad = np.zeros_like(x, dtype=np.float64)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        f_plus = f(x)
        flat[i] = old - eps
        f_minus = f(x)
        flat[i] = old
        gflat[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b):
    """``max|a - b| / max(max|a| + max|b|, 1e-12)``, a scale-free error.

    0 for equal arrays; about 1 for unrelated ones.  The book's threshold
    for a correct float64 gradient is 1e-6.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"expected arrays of the same shape, received "
                         f"{a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    scale = max(np.max(np.abs(a)) + np.max(np.abs(b)), 1e-12)
    return float(np.max(np.abs(a - b)) / scale)


class GradCheckResult:
    """Relative errors of analytic against numerical gradients.

    ``errors`` maps a name (``"X"``, ``"W"``, ``"0.b"``...) to the relative
    error; ``ok(tol)`` is True when all are at most ``tol``.
    """

    def __init__(self, errors, tol=1e-6):
        self.errors = dict(errors)
        self.tol = tol

    def ok(self, tol=None):
        tol = self.tol if tol is None else tol
        return all(e <= tol for e in self.errors.values())

    @property
    def max_error(self):
        return max(self.errors.values())

    def __str__(self):
        width = max(len(k) for k in self.errors)
        lines = [f"{'gradient':<{width}}  relative error"]
        for k, e in self.errors.items():
            mark = "ok" if e <= self.tol else "FAILED"
            lines.append(f"{k:<{width}}  {e:.2e}  {mark}")
        return "\n".join(lines)

    __repr__ = __str__


def check_gradients(layer, X, y=None, loss=None, rng=0, eps=1e-6,
                    tol=1e-6, training=False):
    """Check a layer's (or model's) backward against central differences.

    With ``loss`` (a ``Loss`` or its name) and ``y``, the scalar checked
    is ``loss(y, layer.forward(X))`` (targets first, as in Keras);
    without, it is ``sum(out * R)`` for a fixed random ``R``, so every
    output entry contributes.  Both ``dL/dX`` and every parameter's
    gradient are compared.

    Parameters
    ----------
    layer : a dlbook Layer or Sequential, in float64
    X : array_like
    y : array_like, optional
    loss : Loss or str, optional
    rng : seed for ``R``
    training : bool
        Passed to ``forward`` (use with ``Dropout(fixed_mask=True)``).

    Returns
    -------
    GradCheckResult
    """
    X = as_float_array(X, "X", np.float64)
    if loss is not None:
        loss = get_loss(loss)
        if y is None:
            raise ValueError("expected y together with loss, received "
                             "y=None")
        out = layer.forward(X, training=training)

        def objective(_):
            return loss(y, layer.forward(X, training=training))

        dout = loss.gradient(y, out)
    else:
        out = layer.forward(X, training=training)
        R = as_rng(rng).standard_normal(out.shape)

        def objective(_):
            return float(np.sum(layer.forward(X, training=training) * R))

        dout = R
    dX = layer.backward(dout)
    analytic = {k: g.copy() for k, g in layer.grads.items()}
    errors = {"X": relative_error(dX, numerical_gradient(objective, X, eps))}
    for key, p in layer.params.items():
        errors[key] = relative_error(analytic[key],
                                     numerical_gradient(objective, p, eps))
    return GradCheckResult(errors, tol)


def check_function(f, grad, x, eps=1e-6):
    """Relative error of ``grad(x)`` against central differences of ``f``.

    ``f(x)`` returns a float; ``grad(x)`` an array shaped like ``x``.
    """
    x = np.array(as_float_array(x, "x", np.float64), copy=True)
    analytic = np.asarray(grad(x.copy()), dtype=np.float64)
    numeric = numerical_gradient(f, x, eps)
    return relative_error(analytic, numeric)
