"""Loss surfaces for comparing optimizers, and the paths they take there.

Two functions of a point ``w = (w1, w2)`` whose minimum is known:

* :func:`quadratic`, ``(w1^2 + 25 w2^2) / 2``: ill-conditioned (Hessian
  eigenvalues 1 and 25), so plain gradient descent is stable only for
  ``lr < 2/25`` and then crawls along ``w1``;
* :func:`rosenbrock`, ``(1 - w1)^2 + 10 (w2 - w1^2)^2``: a curved valley
  (Rosenbrock's function with 10 in place of the usual 100).

:func:`optimizer_paths` runs dlbook's SGD (here full-batch gradient
descent, "GD": the gradient is exact), Momentum and Adam on one of them,
with one learning rate for all three or one each;
:func:`tuned_learning_rates` picks each optimizer's rate from a grid, so
that a comparison does not favour the optimizer the rate happens to suit.
``dlbook.widgets.optimizer_explorer`` draws the paths.

Taught in: chapter 2, "Core concepts" (optimizers compared).
"""

import numpy as np

from . import optim
from ._checks import as_float_array, check_scalar

__all__ = ["LEARNING_RATES", "SURFACES", "optimizer_paths", "quadratic",
           "quadratic_gradient", "rosenbrock", "rosenbrock_gradient",
           "tuned_learning_rates"]

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
    "GD": lambda lr: optim.SGD(lr),
    "Momentum (0.9)": lambda lr: optim.Momentum(lr, momentum=0.9),
    "Adam": lambda lr: optim.Adam(lr),
}

LEARNING_RATES = tuple(float(f"{10 ** (k / 4):.3g}") for k in range(-12, 3))
"""The grid :func:`tuned_learning_rates` searches: 15 rates, four per
decade, from 0.001 to 3.16."""


def _rates(lr):
    """``{optimizer name: learning rate}`` from one rate or a dict."""
    if isinstance(lr, dict):
        if set(lr) != set(_OPTIMIZERS):
            raise ValueError(f"expected a learning rate for each of "
                             f"{list(_OPTIMIZERS)}, received: "
                             f"lr with keys {list(lr)}")
        return {name: check_scalar(lr[name], f"lr[{name!r}]", float,
                                   min_val=0, include_boundaries="neither")
                for name in _OPTIMIZERS}
    lr = check_scalar(lr, "lr", float, min_val=0,
                      include_boundaries="neither")
    return dict.fromkeys(_OPTIMIZERS, lr)


def optimizer_paths(surface="quadratic", *, lr=0.07, steps=80, start=None):
    """Run gradient descent, Momentum and Adam from one start on one loss
    surface.

    Each optimizer from ``dlbook.optim`` steps the parameter dict
    ``{"w": w}`` (``w`` of shape (2,)) in place with the surface's exact
    gradient, ``optimizer.step(params, {"w": grad(w)})``, ``steps`` times.
    With the exact gradient, ``optim.SGD`` is plain (full-batch) gradient
    descent, so its path is named "GD".  A run whose loss grows a
    million-fold stops early (it diverged).

    Parameters
    ----------
    surface : {"quadratic", "rosenbrock"}, default "quadratic"
        See :data:`SURFACES`.
    lr : float > 0 or dict, default 0.07
        One learning rate for all three, or a dict giving each its own
        (keys "GD", "Momentum (0.9)", "Adam"; see
        :func:`tuned_learning_rates`).
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
    rates = _rates(lr)
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
        optimizer = make(rates[name])
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


def tuned_learning_rates(surface="quadratic", *, steps=80,
                         grid=LEARNING_RATES, start=None):
    """Each optimizer's learning rate from ``grid`` that ends lowest.

    Every rate of the grid is run for ``steps`` steps
    (:func:`optimizer_paths`); for each optimizer the rate whose final
    loss is smallest among the runs that did not diverge is kept (the
    smaller rate on a tie).  This is how a comparison of optimizers gives
    each its own setting instead of one rate that suits one of them.

    Parameters
    ----------
    surface : {"quadratic", "rosenbrock"}, default "quadratic"
    steps : int > 0, default 80
    grid : sequence of float > 0, default :data:`LEARNING_RATES`
    start : array_like of shape (2,), optional

    Returns
    -------
    dict of str -> float
        ``{"GD": ..., "Momentum (0.9)": ..., "Adam": ...}``, ready to pass
        as ``optimizer_paths(lr=...)``.

    Raises
    ------
    ValueError
        If an optimizer diverges at every rate of the grid.

    Taught in: chapter 2, "Core concepts" (optimizers compared).
    """
    if surface not in SURFACES:
        raise ValueError(f"expected surface in {sorted(SURFACES)}, "
                         f"received: surface={surface!r}")
    grid = sorted(check_scalar(rate, "grid", float, min_val=0,
                               include_boundaries="neither")
                  for rate in grid)
    if not grid:
        raise ValueError("expected at least one learning rate in grid, "
                         "received: grid=[]")
    f = SURFACES[surface]["f"]
    best = {}
    for rate in grid:
        paths = optimizer_paths(surface, lr=rate, steps=steps, start=start)
        for name, (path, diverged) in paths.items():
            final = f(*path[-1])
            if not diverged and (name not in best or final < best[name][0]):
                best[name] = (final, rate)
    missing = [name for name in _OPTIMIZERS if name not in best]
    if missing:
        raise ValueError(f"expected a grid with a rate at which each "
                         f"optimizer converges, received: grid={grid}, on "
                         f"which {missing} diverged every time")
    return {name: best[name][1] for name in _OPTIMIZERS}
