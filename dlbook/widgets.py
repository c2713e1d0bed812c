"""Interactive explorers: sliders that redraw the book's figures.

Each explorer is a function that returns an ``ipywidgets.VBox``: its
controls on top and, below them, an ``ipywidgets.Output`` holding the
figure as a PNG image.  The figure for the initial settings is drawn when
the explorer is built, so a notebook saved with its widget state (as the
static site is) shows a figure even where no Python kernel runs; moving a
control redraws it.  The returned box also carries three plain
attributes: ``controls`` (a dict of the control widgets by parameter
name), ``output`` (the ``Output``) and ``redraw()``.

Where no widget front end exists the explorers still give a figure:

* if ``ipywidgets`` cannot be imported, an explorer draws the static figure
  for its initial settings and returns the matplotlib ``Figure`` instead of
  a widget (a notebook displays it like any figure);
* ``static=True`` asks for that ``Figure`` even when ipywidgets is there
  (for a PDF build, say).

Every figure comes from a pure drawing function (``draw_learning_rate``,
``draw_activation``, ``draw_optimizers``, ``draw_decision_boundary``) that
notebooks and tests can call without widgets; the numbers behind the
figures come from small pure functions (``descent_path``,
``saturated_intervals``, ``optimizer_paths``, ``train_classifier``, and
``dlbook.linear``'s ``stability_bound`` and ``lr_regime``).  All
computing is done by dlbook (data, linear, activations, optim, zoo); each
figure is a ``dlbook.plots`` figure with paths, shading and a title added.

Importing this module imports matplotlib (through ``dlbook.plots``) but not
ipywidgets, which is imported when an explorer is built.

Taught in: chapter 2, "Core concepts" (activation and optimizer
explorers), chapter 3, "Algorithm steps" (decision boundary explorer) and
chapter 4, "The MSE gradient" (learning-rate explorer).
"""

import base64
import contextlib
import functools
import io

import matplotlib.pyplot as plt
import numpy as np

from dlbook import activations, data, linear, losses, optim, plots, zoo
from dlbook._checks import (
    as_float_array,
    check_int,
    check_labels,
    check_positive,
    check_range,
    check_same_n,
)

__all__ = [
    "DATASETS",
    "SURFACES",
    "activation_explorer",
    "decision_boundary_explorer",
    "descent_path",
    "draw_activation",
    "draw_decision_boundary",
    "draw_learning_rate",
    "draw_optimizers",
    "learning_rate_explorer",
    "optimizer_explorer",
    "optimizer_paths",
    "saturated_intervals",
    "train_classifier",
]

_BLOW_UP = 1e6          # a path stops once its loss grows by this factor


# -- widget plumbing -------------------------------------------------------

def _ipywidgets():
    """The ipywidgets module, or None where it cannot be imported."""
    try:
        import ipywidgets
    except ImportError:
        return None
    return ipywidgets


def _figure_output(fig, dpi=80):
    """An nbformat ``display_data`` output holding ``fig`` as a PNG.

    The figure is closed afterwards, so a notebook's inline backend does
    not show it a second time.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    title = fig._suptitle.get_text() if fig._suptitle is not None else ""
    title = title or "; ".join(
        ax.get_title().replace("\n", ", ") for ax in fig.axes
        if ax.get_title())
    plt.close(fig)
    png = base64.b64encode(buffer.getvalue()).decode("ascii")
    return {"output_type": "display_data", "metadata": {},
            "data": {"image/png": png,
                     "text/plain": f"<Figure: {title or 'figure'}>"}}


def _text_output(text):
    return {"output_type": "stream", "name": "stdout", "text": text + "\n"}


def _explorer(draw, controls):
    """A VBox of ``controls`` above an Output that shows ``draw(**values)``.

    ``draw`` returns a Figure.  A ``ValueError`` or ``FloatingPointError``
    while drawing (an impossible setting, a training run that diverged) is
    shown as text in the Output instead of a figure.
    """
    widgets = _ipywidgets()
    output = widgets.Output(layout=widgets.Layout(min_height="300px"))

    def redraw(change=None):
        values = {name: c.value for name, c in controls.items()}
        before = set(plt.get_fignums())
        try:
            item = _figure_output(draw(**values))
        except (ValueError, FloatingPointError) as err:
            for number in set(plt.get_fignums()) - before:
                plt.close(number)
            item = _text_output(f"{type(err).__name__}: {err}")
        output.outputs = (item,)

    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()
    bar = widgets.HBox(list(controls.values()),
                       layout=widgets.Layout(flex_flow="row wrap"))
    box = widgets.VBox([bar, output])
    box.controls, box.output, box.redraw = controls, output, redraw
    return box


def _static(fig):
    """Close ``fig`` (so it is not shown twice) and return it."""
    plt.close(fig)
    return fig


def _style():
    return {"description_width": "initial"}


def _log_slider(widgets, value, low, high, description):
    """A FloatLogSlider over [low, high] (widened to contain ``value``)."""
    low = min(np.log10(low), np.log10(value))
    high = max(np.log10(high), np.log10(value))
    return widgets.FloatLogSlider(
        value=value, base=10, min=low, max=high, step=0.01,
        description=description, readout_format=".3g",
        continuous_update=False, style=_style())


def _int_slider(widgets, value, low, high, description, step=1):
    return widgets.IntSlider(
        value=value, min=min(low, value), max=max(high, value), step=step,
        description=description, continuous_update=False, style=_style())


def _check_choice(value, name, choices):
    if value not in choices:
        raise ValueError(f"expected {name} in {sorted(choices)}, "
                         f"received: {name}={value!r}")
    return value


def _check_point(value, name):
    try:
        point = np.array([float(v) for v in value])
    except (TypeError, ValueError):
        point = np.array([])
    if point.shape != (2,) or not np.all(np.isfinite(point)):
        raise ValueError(f"expected {name} to be a pair of finite numbers, "
                         f"received: {name}={value!r}")
    return point


# -- 1. learning rate and gradient descent ----------------------------------

@functools.lru_cache(maxsize=1)
def _linear_data():
    X, y = data.make_linear(rng=0)                       # (1000, 1), (1000,)
    X.flags.writeable = y.flags.writeable = False
    return X, y


def _regression_data(X, y):
    if X is None and y is None:
        return _linear_data()
    if X is None or y is None:
        raise ValueError("expected both X and y, or neither (the book's "
                         "linear data), received only one of them")
    X = as_float_array(X, "X", ndim=2)
    if X.shape[1] != 1:
        raise ValueError("expected X of shape (n_samples, 1), one feature "
                         f"so that (w, b) is a plane, received {X.shape}")
    y = as_float_array(y, "y", ndim=(1, 2)).reshape(len(y), -1)
    if y.shape[1] != 1:
        raise ValueError("expected y of shape (n_samples,), received "
                         f"{y.shape}")
    check_same_n(X, y)
    return X, y[:, 0]


def descent_path(X, y, lr, steps, start=(0.0, 0.0)):
    """Gradient descent on the MSE of ``y_hat = w x + b``, keeping the path.

    The run is :func:`dlbook.linear.gradient_descent` with
    ``return_path=True``: ``steps`` updates
    ``theta <- theta - lr * dL/dtheta`` from ``start``.  A diverging run is
    cut where its loss first exceeds a million times the initial loss
    (plus one), so the figure stays readable and nothing overflows; if
    the loss would overflow within ``steps`` the run is shortened (halved
    until it stays finite) before it is cut.

    Parameters
    ----------
    X : array_like of shape (n_samples, 1)
    y : array_like of shape (n_samples,)
    lr : float > 0
    steps : int > 0
        Number of updates.
    start : (float, float), default (0, 0)
        The initial ``(w, b)``.

    Returns
    -------
    path : ndarray of shape (k + 1, 2)
        The points ``(w, b)`` visited, ``k = steps`` unless cut early.
    losses : ndarray of shape (k + 1,)
        The loss at each point of ``path``.

    Keras equivalent: ``Dense(1)`` with ``SGD(lr)`` and ``"mse"``, fitted
    full-batch, recording the weights after every epoch.
    Taught in: chapter 4, "The MSE gradient".
    """
    X, y = _regression_data(X, y)
    lr = check_positive(lr, "lr")
    epochs = check_int(steps, "steps")
    w0, b0 = _check_point(start, "start")
    while True:
        try:
            _, _, losses, path = linear.gradient_descent(
                X, y, lr=lr, epochs=epochs, w0=[w0], b0=b0,
                return_path=True)           # path: (epochs + 1, 2)
            break
        except FloatingPointError:
            if epochs == 1:
                raise
            epochs //= 2                    # overflowed: a shorter run
    losses = np.asarray(losses)             # loss before each update
    limit = _BLOW_UP * (losses[0] + 1.0)
    over = np.flatnonzero(losses > limit)
    if over.size:
        k = over[0]                         # first blown-up point
        return path[:k + 1], losses[:k + 1]
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            final = linear.mse(X, y, path[-1, :1], path[-1, 1])
    except ValueError:                      # the last step overflowed
        final = np.inf
    if not final <= limit:
        return path[:-1], losses
    return path, np.append(losses, final)


_REGIME_TEXT = {
    "converges": "converges",
    "oscillates": "oscillates (still converging)",
    "diverges": "diverges",
}


def draw_learning_rate(lr=0.1, steps=30, X=None, y=None, start=(0.0, 0.0),
                       axes=None):
    """Gradient descent on linear regression's loss surface, and its loss.

    Left: the contour of ``L(w, b) = 1/n sum (w x_i + b - y_i)^2`` with
    the path of :func:`descent_path`.  Right: the loss at every step on a
    log scale, with the least-squares minimum dotted.  The figure title
    states the regime (:func:`dlbook.linear.lr_regime`) and the bound
    ``2 / lambda_max`` computed from the data.

    Parameters
    ----------
    lr : float > 0, default 0.1
    steps : int > 0, default 30
    X : array_like of shape (n_samples, 1), optional
        Default: ``dlbook.data.make_linear(rng=0)`` (y = 2x + 1 + noise,
        1000 samples), whose ``lambda_max`` is about 2, so the bound is
        about 1.
    y : array_like of shape (n_samples,), optional
    start : (float, float), default (0, 0)
    axes : pair of matplotlib Axes, optional
        Where to draw the surface and the loss curve; default a new
        figure.

    Returns
    -------
    (ax_surface, ax_loss) : tuple of matplotlib Axes

    Taught in: chapter 4, "The MSE gradient".
    """
    X, y = _regression_data(X, y)
    path, history = descent_path(X, y, lr, steps, start)
    w_opt, b_opt = linear.least_squares(X, y)
    opt = np.array([w_opt[0], b_opt])
    lambda_max, lr_max = linear.stability_bound(X)
    regime = linear.lr_regime(lr, X)
    radius = 1.25 * max(np.abs(path[0] - opt).max(), 0.5)
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained",
                               gridspec_kw={"width_ratios": [1.2, 1]})
    ax_surface, ax_loss = axes
    plots.loss_surface(lambda w, b: linear.mse(X, y, [w], b),
                       (opt[0] - radius, opt[0] + radius),
                       (opt[1] - radius, opt[1] + radius),
                       path=path, ax=ax_surface, resolution=60)
    ax_surface.plot(*opt, "P", color="white", markeredgecolor="k",
                    markersize=9, label="least squares")
    ax_surface.legend(loc="upper right", fontsize=8)
    plots.loss_curves({"loss": list(history)}, ax=ax_loss, log_scale=True)
    ax_loss.lines[-1].set_xdata(np.arange(len(history)))
    ax_loss.relim()
    ax_loss.autoscale_view()
    ax_loss.axhline(linear.mse(X, y, w_opt, b_opt), color="k", ls=":",
                    label="least-squares minimum")
    ax_loss.set_xlabel("step")
    ax_loss.legend(fontsize=8)
    stopped = ("" if len(history) == steps + 1 else
               f", stopped after {len(history) - 1} steps")
    ax_loss.set_title(f"final loss {history[-1]:.4g}{stopped}",
                      fontsize=10)
    side = "<" if lr < lr_max else (">" if lr > lr_max else "=")
    ax_surface.figure.suptitle(
        f"lr = {lr:.3g} {side} 2/lambda_max = {lr_max:.3g} "
        f"(lambda_max = {lambda_max:.3g}): {_REGIME_TEXT[regime]}")
    return ax_surface, ax_loss


def learning_rate_explorer(X=None, y=None, lr=0.1, steps=30, static=False):
    """Explore how the learning rate makes gradient descent converge,
    oscillate or diverge on linear regression's loss surface.

    Controls: a log-scale slider for ``lr`` (from a thousandth of the
    stability bound ``2 / lambda_max`` to about three times it) and a
    slider for the number of steps.  The figure is
    :func:`draw_learning_rate`.

    Parameters
    ----------
    X, y : array_like, optional
        One-feature regression data; default the book's linear data.
    lr : float > 0, default 0.1
    steps : int > 0, default 30
    static : bool, default False
        Return the static Figure instead of a widget.

    Returns
    -------
    ipywidgets.VBox
        With ``.controls`` (``"lr"``, ``"steps"``), ``.output``,
        ``.redraw()``.  Without ipywidgets (or with ``static=True``): the
        matplotlib Figure for the initial settings.

    Taught in: chapter 4, "The MSE gradient".
    """
    X, y = _regression_data(X, y)
    lr = check_positive(lr, "lr")
    steps = check_int(steps, "steps")
    widgets = _ipywidgets()
    if static or widgets is None:
        return _static(draw_learning_rate(lr, steps, X, y)[0].figure)
    _, lr_max = linear.stability_bound(X)
    controls = {
        "lr": _log_slider(widgets, lr, lr_max / 1000, lr_max * 3,
                          "learning rate"),
        "steps": _int_slider(widgets, steps, 1, 200, "steps"),
    }
    return _explorer(
        lambda lr, steps: draw_learning_rate(lr, steps, X, y)[0].figure,
        controls)


# -- 2. activations and their derivatives -----------------------------------

_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")


def _activation_pair(name, alpha):
    _check_choice(name, "name", _ACTIVATIONS)
    f = getattr(activations, name)
    f_prime = getattr(activations, name + "_prime")
    if name == "leaky_relu":
        alpha = check_positive(alpha, "alpha")
        return (lambda z: f(z, alpha)), (lambda z: f_prime(z, alpha))
    return f, f_prime


def saturated_intervals(name, z_range=(-6.0, 6.0), alpha=0.1,
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
    n_points : int, default 2001
        Resolution of the grid on which ``f'`` is evaluated.

    Returns
    -------
    list of (float, float)
        The intervals, in increasing order, to within the grid spacing.

    Taught in: chapter 2, "Core concepts" (saturation).
    """
    _, f_prime = _activation_pair(name, alpha)
    low, high = check_range(z_range, "z_range")
    threshold = check_positive(threshold, "threshold")
    z = np.linspace(low, high, check_int(n_points, "n_points", minimum=2))
    flat = np.concatenate([[False], np.abs(f_prime(z)) < threshold,
                           [False]])
    edges = np.flatnonzero(np.diff(flat.astype(np.int8)))   # starts, ends
    return [(float(z[i]), float(z[j - 1]))
            for i, j in zip(edges[::2], edges[1::2])]


def draw_activation(name="sigmoid", z_range=(-6.0, 6.0), alpha=0.1,
                    threshold=0.05, ax=None):
    """Plot an activation ``f`` and its derivative ``f'``; shade saturation.

    The curves are :func:`dlbook.plots.activation_curves` (from
    ``dlbook.activations``); the shaded bands are
    :func:`saturated_intervals`, where ``|f'(z)| < threshold``.  The title
    gives the range of ``f`` and the largest ``f'`` on ``z_range``.

    Parameters
    ----------
    name : {"sigmoid", "tanh", "relu", "leaky_relu"}, default "sigmoid"
    z_range : (float, float), default (-6, 6)
    alpha : float > 0, default 0.1
        Leaky ReLU's slope for z < 0.
    threshold : float > 0, default 0.05
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes

    Taught in: chapter 2, "Core concepts".
    """
    f, f_prime = _activation_pair(name, alpha)
    low, high = check_range(z_range, "z_range")
    intervals = saturated_intervals(name, (low, high), alpha, threshold)
    ax = plots.activation_curves(name, derivatives=True, ax=ax,
                                 z_range=(low, high), leaky_alpha=alpha)
    for i, (a, b) in enumerate(intervals):
        ax.axvspan(a, b, color="tab:red", alpha=0.12, lw=0,
                   label=f"saturated: |f'| < {threshold:g}" if i == 0
                   else None)
    ax.legend(loc="best", fontsize=8)
    z = np.linspace(low, high, 2001)
    values = f(z)
    ax.set_title(f"{name}: f from {values.min():.3g} to {values.max():.3g}"
                 f", max f' = {np.max(f_prime(z)):.3g}", fontsize=10)
    return ax


def activation_explorer(name="sigmoid", z_range=(-6.0, 6.0), alpha=0.1,
                        static=False):
    """Explore activation functions, their derivatives and saturation.

    Controls: a dropdown of activation, a range slider for the inputs
    ``z`` and a slider for leaky ReLU's ``alpha`` (active only for leaky
    ReLU).  The figure is :func:`draw_activation`.

    Parameters
    ----------
    name : {"sigmoid", "tanh", "relu", "leaky_relu"}, default "sigmoid"
    z_range : (float, float), default (-6, 6)
    alpha : float > 0, default 0.1
    static : bool, default False
        Return the static Figure instead of a widget.

    Returns
    -------
    ipywidgets.VBox
        With ``.controls`` (``"name"``, ``"z_range"``, ``"alpha"``),
        ``.output``, ``.redraw()``.  Without ipywidgets (or with
        ``static=True``): the matplotlib Figure for the initial settings.

    Taught in: chapter 2, "Core concepts".
    """
    _activation_pair(name, alpha)
    low, high = check_range(z_range, "z_range")
    alpha = check_positive(alpha, "alpha")
    widgets = _ipywidgets()
    if static or widgets is None:
        return _static(draw_activation(name, (low, high), alpha).figure)
    limit = max(20.0, abs(low), abs(high))
    controls = {
        "name": widgets.Dropdown(options=list(_ACTIVATIONS), value=name,
                                 description="activation", style=_style()),
        "z_range": widgets.FloatRangeSlider(
            value=(low, high), min=-limit, max=limit, step=0.5,
            description="z range", continuous_update=False,
            style=_style()),
        "alpha": widgets.FloatSlider(
            value=alpha, min=0.001, max=max(0.5, alpha), step=0.001,
            readout_format=".3f", description="leaky alpha",
            continuous_update=False, disabled=name != "leaky_relu",
            style=_style()),
    }

    def toggle_alpha(change):
        controls["alpha"].disabled = change["new"] != "leaky_relu"

    controls["name"].observe(toggle_alpha, names="value")
    return _explorer(
        lambda name, z_range, alpha:
            draw_activation(name, z_range, alpha).figure,
        controls)


# -- 3. optimizers on one surface -------------------------------------------

def _quadratic(W1, W2):
    return 0.5 * (W1 ** 2 + 25.0 * W2 ** 2)


def _quadratic_gradient(w):
    return np.array([w[0], 25.0 * w[1]])


def _rosenbrock(W1, W2):
    return (1.0 - W1) ** 2 + 10.0 * (W2 - W1 ** 2) ** 2


def _rosenbrock_gradient(w):
    w1, w2 = w
    return np.array([-2.0 * (1.0 - w1) - 40.0 * w1 * (w2 - w1 ** 2),
                     20.0 * (w2 - w1 ** 2)])


SURFACES = {
    "quadratic": {
        "f": _quadratic, "grad": _quadratic_gradient,
        "formula": "(w1^2 + 25 w2^2) / 2", "minimum": (0.0, 0.0),
        "start": (-4.0, 1.5), "w1": (-5.0, 5.0), "w2": (-2.0, 2.0)},
    "rosenbrock": {
        "f": _rosenbrock, "grad": _rosenbrock_gradient,
        "formula": "(1 - w1)^2 + 10 (w2 - w1^2)^2", "minimum": (1.0, 1.0),
        "start": (-1.5, 2.0), "w1": (-2.0, 2.0), "w2": (-1.0, 3.0)},
}
"""The optimizer explorer's loss surfaces.

``"quadratic"`` is ill-conditioned (Hessian eigenvalues 1 and 25: plain
gradient descent is stable only for lr < 2/25 and crawls along w1);
``"rosenbrock"`` is a curved valley (Rosenbrock's function with 10 in
place of the usual 100).  Each entry holds ``f(W1, W2)`` (vectorised),
``grad(w)`` for ``w`` of shape (2,), the formula, the minimum, the start
point and the plotting window.
"""

_OPTIMIZERS = {
    "SGD": lambda lr: optim.SGD(lr),
    "Momentum (0.9)": lambda lr: optim.Momentum(lr, momentum=0.9),
    "Adam": lambda lr: optim.Adam(lr),
}


def optimizer_paths(lr=0.07, steps=80, surface="quadratic", start=None):
    """Run SGD, Momentum and Adam from one start on one loss surface.

    Each optimizer from ``dlbook.optim`` steps the parameter dict
    ``{"w": w}`` (``w`` of shape (2,)) in place with the surface's exact
    gradient, ``optimizer.step(params, {"w": grad(w)})``, ``steps`` times.
    A run whose loss grows a million-fold stops early (it diverged).

    Parameters
    ----------
    lr : float > 0, default 0.07
        The same learning rate for all three.
    steps : int > 0, default 80
    surface : {"quadratic", "rosenbrock"}, default "quadratic"
        See :data:`SURFACES`.
    start : (float, float), optional
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
    lr = check_positive(lr, "lr")
    steps = check_int(steps, "steps")
    spec = SURFACES[_check_choice(surface, "surface", SURFACES)]
    start = _check_point(spec["start"] if start is None else start, "start")
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


def draw_optimizers(lr=0.07, steps=80, surface="quadratic", ax=None):
    """SGD, Momentum and Adam paths on one contour plot.

    The contour is :func:`dlbook.plots.loss_surface`; the legend gives each
    optimizer's final loss (or says it diverged).

    Parameters
    ----------
    lr : float > 0, default 0.07
    steps : int > 0, default 80
    surface : {"quadratic", "rosenbrock"}, default "quadratic"
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes

    Taught in: chapter 2, "Core concepts".
    """
    paths = optimizer_paths(lr, steps, surface)
    spec = SURFACES[surface]
    ax = plots.loss_surface(spec["f"], spec["w1"], spec["w2"], ax=ax,
                            vectorized=True)
    colors = ("tab:red", "tab:orange", "white")
    for (name, (path, diverged)), color in zip(paths.items(), colors):
        end = ("diverged" if diverged else
               f"final loss {spec['f'](*path[-1]):.2g}")
        ax.plot(path[:, 0], path[:, 1], "-", color=color, lw=1.5,
                marker=".", markersize=3, label=f"{name}: {end}")
    ax.plot(*paths["SGD"][0][0], "o", color="k", markersize=6)
    ax.plot(*spec["minimum"], "*", color="k", markersize=12,
            label="minimum")
    ax.legend(loc="lower right", fontsize=8, framealpha=0.8)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_title(f"L = {spec['formula']}, lr = {lr:.3g}, {steps} steps",
                 fontsize=10)
    return ax


def optimizer_explorer(lr=0.07, steps=80, surface="quadratic",
                       static=False):
    """Compare SGD, Momentum and Adam on the same loss surface.

    Controls: a dropdown of surface (see :data:`SURFACES`), a log-scale
    slider for the learning rate shared by the three optimizers and a
    slider for the number of steps.  The figure is :func:`draw_optimizers`.

    Parameters
    ----------
    lr : float > 0, default 0.07
    steps : int > 0, default 80
    surface : {"quadratic", "rosenbrock"}, default "quadratic"
    static : bool, default False
        Return the static Figure instead of a widget.

    Returns
    -------
    ipywidgets.VBox
        With ``.controls`` (``"surface"``, ``"lr"``, ``"steps"``),
        ``.output``, ``.redraw()``.  Without ipywidgets (or with
        ``static=True``): the matplotlib Figure for the initial settings.

    Taught in: chapter 2, "Core concepts".
    """
    lr = check_positive(lr, "lr")
    steps = check_int(steps, "steps")
    _check_choice(surface, "surface", SURFACES)
    widgets = _ipywidgets()
    if static or widgets is None:
        return _static(draw_optimizers(lr, steps, surface).figure)
    controls = {
        "surface": widgets.Dropdown(options=list(SURFACES), value=surface,
                                    description="surface", style=_style()),
        "lr": _log_slider(widgets, lr, 1e-3, 1.0, "learning rate"),
        "steps": _int_slider(widgets, steps, 5, 300, "steps"),
    }
    return _explorer(
        lambda surface, lr, steps:
            draw_optimizers(lr, steps, surface).figure,
        controls)


# -- 4. a small network's decision boundary ----------------------------------

DATASETS = {
    "moons": lambda: data.make_moons(n_samples=200, noise=0.15, rng=0),
    "circles": lambda: data.make_circles(n_samples=200, noise=0.08, rng=0),
    "spirals": lambda: data.make_spirals(n_samples=300, rng=0),
}
"""The decision boundary explorer's data sets: name -> ``() -> (X, y)``."""


@functools.cache
def _dataset(name):
    X, y = DATASETS[name]()
    X.flags.writeable = y.flags.writeable = False
    return X, y


def _classification_data(dataset, X, y):
    if X is None and y is None:
        return _dataset(_check_choice(dataset, "dataset", DATASETS))
    if X is None or y is None:
        raise ValueError("expected both X and y, or neither (a built-in "
                         "data set), received only one of them")
    X = as_float_array(X, "X", ndim=2)
    if X.shape[1] != 2:
        raise ValueError("expected X of shape (n_samples, 2), points in "
                         f"the plane, received {X.shape}")
    y = check_labels(y, np.iinfo(np.int64).max)
    check_same_n(X, y)
    return X, y


def _one_blas_thread():
    """Limit BLAS to one thread while training (where threadpoolctl is).

    The matrices here are tiny (a few hundred rows, at most 64 columns):
    a second BLAS thread makes each product about twice as slow on an idle
    2-core machine and ten times as slow on a busy one.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:                     # e.g. in a Pyodide kernel
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def train_classifier(X, y, depth=2, width=16, lr=0.01, steps=300,
                     activation="relu", rng=0):
    """Train a small MLP on 2-D points with full-batch Adam.

    The network is ``dlbook.zoo.mlp((2,) + (width,) * depth + (k,))``
    with ``k`` classes, ``activation`` between layers and logits out,
    trained with ``SparseCategoricalCrossentropy(from_logits=True)`` and
    ``Adam(lr)`` on the whole set for ``steps`` epochs (one step each).
    ``depth=0`` is multinomial logistic regression: a linear boundary.

    Parameters
    ----------
    X : array_like of shape (n_samples, 2)
    y : array_like of int, shape (n_samples,)
    depth : int >= 0, default 2
        Number of hidden layers.
    width : int > 0, default 16
        Units per hidden layer.
    lr : float > 0, default 0.01
    steps : int > 0, default 300
    activation : {"relu", "tanh", "sigmoid"}, default "relu"
    rng : None, int or numpy.random.Generator, default 0
        Seed of the initial weights.

    Returns
    -------
    model : dlbook.Sequential
        Trained; ``model.history_["loss"]`` holds the loss per step.
    accuracy : float
        Training accuracy.

    Raises
    ------
    FloatingPointError
        If the loss becomes NaN or infinite (lower ``lr``).

    Keras equivalent: ``dlbook.twins.mlp`` compiled with
    ``Adam(lr)`` and ``SparseCategoricalCrossentropy(from_logits=True)``,
    fitted with ``batch_size=len(X)``.
    Taught in: chapter 3, "Algorithm steps".
    """
    X, y = _classification_data(None, X, y)
    depth = check_int(depth, "depth", minimum=0)
    width = check_int(width, "width")
    n_classes = max(int(y.max()) + 1, 2)
    model = zoo.mlp((2,) + (width,) * depth + (n_classes,),
                    activation=activation, rng=rng)
    model.compile(
        loss=losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=optim.Adam(lr))
    steps = check_int(steps, "steps")
    with _one_blas_thread():
        model.fit(X, y, epochs=steps, batch_size=len(X), shuffle=False)
        accuracy = float(np.mean(model.predict(X).argmax(axis=1) == y))
    return model, accuracy


def draw_decision_boundary(dataset="moons", depth=2, width=16, lr=0.01,
                           steps=300, activation="relu", X=None, y=None,
                           ax=None):
    """Train :func:`train_classifier` and draw its decision boundary.

    The regions are :func:`dlbook.plots.decision_boundary` of the trained
    model's logits; the title reports the architecture, the final loss and
    the training accuracy.

    Parameters
    ----------
    dataset : {"moons", "circles", "spirals"}, default "moons"
        Used when ``X`` and ``y`` are not given (see :data:`DATASETS`).
    depth, width, lr, steps, activation
        As in :func:`train_classifier`.
    X : array_like of shape (n_samples, 2), optional
    y : array_like of int, shape (n_samples,), optional
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes

    Taught in: chapter 3, "Algorithm steps".
    """
    X, y = _classification_data(dataset, X, y)
    model, accuracy = train_classifier(X, y, depth, width, lr, steps,
                                       activation)
    with _one_blas_thread():
        ax = plots.decision_boundary(model.predict, X, y, ax=ax,
                                     resolution=150)
    sizes = "-".join(str(s) for s in (2,) + (width,) * depth
                     + (model.layers[-1].n_out,))
    ax.set_title(f"{sizes} {activation} net, {steps} Adam steps, "
                 f"lr {lr:.3g}\nloss {model.history_['loss'][-1]:.3f}, "
                 f"train accuracy {accuracy:.3f}", fontsize=10)
    return ax


def decision_boundary_explorer(X=None, y=None, dataset="moons", depth=2,
                               width=16, lr=0.01, steps=300,
                               activation="relu", static=False):
    """Train a small network on 2-D data and redraw its decision boundary.

    Controls: a dropdown of data set (moons, circles, spirals; "your data"
    when ``X`` and ``y`` are given), sliders for depth (hidden layers, 0 to
    4), width (2 to 64 units), learning rate and steps, and a dropdown of
    hidden activation.  Releasing a slider retrains from the same initial
    weights and redraws :func:`draw_decision_boundary`: about 0.1 s for
    the initial 2-16-16-2 net and 300 steps, about 1 s for the largest
    (4 hidden layers of 64 units, 500 steps, 300 points).

    Parameters
    ----------
    X : array_like of shape (n_samples, 2), optional
    y : array_like of int, shape (n_samples,), optional
    dataset : {"moons", "circles", "spirals"}, default "moons"
    depth, width, lr, steps, activation
        Initial settings, as in :func:`train_classifier`.
    static : bool, default False
        Return the static Figure instead of a widget.

    Returns
    -------
    ipywidgets.VBox
        With ``.controls`` (``"dataset"``, ``"depth"``, ``"width"``,
        ``"lr"``, ``"steps"``, ``"activation"``), ``.output``,
        ``.redraw()``.  Without ipywidgets (or with ``static=True``): the
        matplotlib Figure for the initial settings.

    Taught in: chapter 3, "Algorithm steps".
    """
    own = X is not None or y is not None
    if own:
        X, y = _classification_data(None, X, y)
        dataset = "your data"
    else:
        _check_choice(dataset, "dataset", DATASETS)
    depth = check_int(depth, "depth", minimum=0)
    width = check_int(width, "width")
    lr = check_positive(lr, "lr")
    steps = check_int(steps, "steps")
    _check_choice(activation, "activation", ("relu", "tanh", "sigmoid"))
    widgets = _ipywidgets()

    def draw(dataset, depth, width, lr, steps, activation):
        data_X, data_y = (X, y) if dataset == "your data" else \
            _dataset(dataset)
        return draw_decision_boundary(dataset, depth, width, lr, steps,
                                      activation, data_X, data_y).figure

    if static or widgets is None:
        return _static(draw(dataset, depth, width, lr, steps, activation))
    options = (["your data"] if own else []) + list(DATASETS)
    controls = {
        "dataset": widgets.Dropdown(options=options, value=dataset,
                                    description="data", style=_style()),
        "depth": _int_slider(widgets, depth, 0, 4, "hidden layers"),
        "width": _int_slider(widgets, width, 2, 64, "units per layer"),
        "lr": _log_slider(widgets, lr, 1e-3, 0.3, "learning rate"),
        "steps": _int_slider(widgets, steps, 50, 500, "Adam steps",
                             step=50),
        "activation": widgets.Dropdown(
            options=["relu", "tanh", "sigmoid"], value=activation,
            description="activation", style=_style()),
    }
    return _explorer(draw, controls)
