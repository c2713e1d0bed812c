"""Loss surfaces for comparing optimizers, and the paths they take there.

Two functions of a point ``w = (w1, w2)`` whose minimum is known:

* :func:`quadratic`, ``(w1^2 + 25 w2^2) / 2``: ill-conditioned (Hessian
  eigenvalues 1 and 25), so plain gradient descent is stable only for
  ``lr < 2/25`` and then crawls along ``w1``;
* :func:`rosenbrock`, ``(1 - w1)^2 + 10 (w2 - w1^2)^2``: a curved valley
  (Rosenbrock's function with 10 in place of the usual 100).

:func:`optimizer_paths` runs dlbook's SGD, Momentum and Adam on one of
them with the exact gradient; ``dlbook.widgets.optimizer_explorer`` draws
the paths.

Taught in: chapter 2, "Core concepts" (optimizers compared).
"""

import numpy as np

from . import optim
from ._checks import as_float_array, check_scalar

__all__ = ["SURFACES", "optimizer_paths", "quadratic", "quadratic_gradient",
           "rosenbrock", "rosenbrock_gradient"]

_BLOW_UP = 1e6          # a path stops once its loss grows by this factor


def quadratic(W1, W2):
    """``(W1^2 + 25 W2^2) / 2``, elementwise; minimum 0 at (0, 0)."""
    return 0.5 * (W1 ** 2 + 25.0 * W2 ** 2)


def quadratic_gradient(w):
    """Gradient of :func:`quadratic` at ``w`` of shape (2,)."""
    return np.array([w[0], 25.0 * w[1]])


def rosenbrock(W1, W2):
    """``(1 - W1)^2 + 10 (W2 - W1^2)^2``, elementwise; minimum 0 at (1, 1).
    """
    return (1.0 - W1) ** 2 + 10.0 * (W2 - W1 ** 2) ** 2


def rosenbrock_gradient(w):
    """Gradient of :func:`rosenbrock` at ``w`` of shape (2,)."""
    w1, w2 = w
    return np.array([-2.0 * (1.0 - w1) - 40.0 * w1 * (w2 - w1 ** 2),
                     20.0 * (w2 - w1 ** 2)])


SURFACES = {
    "quadratic": {
        "f": quadratic, "grad": quadratic_gradient,
        "formula": "(w1^2 + 25 w2^2) / 2", "minimum": (0.0, 0.0),
        "start": (-4.0, 1.5), "w1": (-5.0, 5.0), "w2": (-2.0, 2.0)},
    "rosenbrock": {
        "f": rosenbrock, "grad": rosenbrock_gradient,
        "formula": "(1 - w1)^2 + 10 (w2 - w1^2)^2", "minimum": (1.0, 1.0),
        "start": (-1.5, 2.0), "w1": (-2.0, 2.0), "w2": (-1.0, 3.0)},
}
"""The surfaces by name.

Each entry holds ``f(W1, W2)`` (vectorised), ``grad(w)`` for ``w`` of
shape (2,), the formula, the minimum, the start point and the window to
draw.
"""

_OPTIMIZERS = {
    "SGD": lambda lr: optim.SGD(lr),
    "Momentum (0.9)": lambda lr: optim.Momentum(lr, momentum=0.9),
    "Adam": lambda lr: optim.Adam(lr),
}


def optimizer_paths(surface="quadratic", *, lr=0.07, steps=80, start=None):
    """Run SGD, Momentum and Adam from one start on one loss surface.

    Each optimizer from ``dlbook.optim`` steps the parameter dict
    ``{"w": w}`` (``w`` of shape (2,)) in place with the surface's exact
    gradient, ``optimizer.step(params, {"w": grad(w)})``, ``steps`` times.
    A run whose loss grows a million-fold stops early (it diverged).

    Parameters
    ----------
    surface : {"quadratic", "rosenbrock"}, default "quadratic"
        See :data:`SURFACES`.
    lr : float > 0, default 0.07
        The same learning rate for all three.
    steps : int > 0, default 80
    start : array_like of shape (2,), optional
        Default: the surface's start point.

    Returns
    -------
    dict of str -> (ndarray of shape (k + 1, 2), bool)
        For each optimizer, its path and whether it diverged.

    Keras equivalent: ``keras.optimizers.SGD(lr)``,
    ``SGD(lr, momentum=0.9)`` and ``Adam(lr)`` applied to a
    ``keras.Variable`` of shape (2,).
    Taught in: chapter 2, "Core concepts" (optimizers compared).
    """
    if surface not in SURFACES:
        raise ValueError(f"expected surface in {sorted(SURFACES)}, "
                         f"received: surface={surface!r}")
    lr = check_scalar(lr, "lr", float, min_val=0,
                      include_boundaries="neither")
    steps = check_scalar(steps, "steps", int, min_val=1)
    spec = SURFACES[surface]
    start = as_float_array(spec["start"] if start is None else start,
                           "start", ndim=1)
    if start.shape != (2,):
        raise ValueError("expected start of shape (2,), a point (w1, w2), "
                         f"received shape {start.shape}")
    f, grad = spec["f"], spec["grad"]
    limit = _BLOW_UP * (f(*start) + 1.0)
    paths = {}
    for name, make in _OPTIMIZERS.items():
        optimizer = make(lr)
        params = {"w": start.copy()}
        path, diverged = [start.copy()], False
        for _ in range(steps):
            optimizer.step(params, {"w": grad(params["w"])})
            path.append(params["w"].copy())
            if not f(*params["w"]) < limit:
                diverged = True
                break
        paths[name] = (np.array(path), diverged)
    return paths
