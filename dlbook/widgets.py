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
notebooks and tests can call without widgets.  This module only draws:
the numbers behind the figures come from the modules where their math
lives, which import without matplotlib or ipywidgets:

* ``dlbook.linear``: ``descent_path``, ``stability_bound``, ``lr_regime``;
* ``dlbook.activations``: ``saturated_intervals``;
* ``dlbook.surfaces``: the test surfaces and ``optimizer_paths``;
* ``dlbook.zoo``: ``train_classifier``;
* ``dlbook.data``: ``load_example``, the explorers' data sets.

Each figure is a ``dlbook.plots`` figure with paths, shading and a title
added.

Importing this module imports matplotlib (through ``dlbook.plots``) but not
ipywidgets, which is imported when an explorer is built.

Taught in: chapter 2, "Core concepts" (activation and optimizer
explorers), chapter 3, "Algorithm steps" (decision boundary explorer) and
chapter 4, "The MSE gradient" (learning-rate explorer).
"""

import base64
import io

import matplotlib.pyplot as plt
import numpy as np

from dlbook import activations, data, linear, plots, surfaces, zoo
from dlbook._checks import (as_float_array, check_labels, check_range,
                            check_same_n, check_scalar)

__all__ = [
    "activation_explorer",
    "decision_boundary_explorer",
    "draw_activation",
    "draw_decision_boundary",
    "draw_learning_rate",
    "draw_optimizers",
    "learning_rate_explorer",
    "optimizer_explorer",
]


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



# -- 1. learning rate and gradient descent ----------------------------------

def _given_X(X, y, default, n_features, meaning):
    """``X`` of shape (n_samples, n_features), or the default example's
    ``(X, y)`` when neither ``X`` nor ``y`` is given."""
    if X is None and y is None:
        return default, None
    if X is None or y is None:
        raise ValueError("expected both X and y, or neither (the book's "
                         "example data), received only one of them")
    X = as_float_array(X, "X", ndim=2)
    if X.shape[1] != n_features:
        raise ValueError(f"expected X of shape (n_samples, {n_features}), "
                         f"{meaning}, received {X.shape}")
    return None, X


def _regression_data(X, y):
    """The book's linear data, or the given ``X`` with one feature."""
    default, X = _given_X(X, y, data.load_example("linear"), 1,
                          "one feature so that (w, b) is a plane")
    if default is not None:
        return default
    y = as_float_array(y, "y", ndim=(1, 2)).reshape(len(y), -1)
    if y.shape[1] != 1:
        raise ValueError("expected y of shape (n_samples,), received "
                         f"{y.shape}")
    check_same_n(X, y)
    return X, y[:, 0]


_REGIME_TEXT = {
    "converges": "converges",
    "oscillates": "oscillates (still converging)",
    "diverges": "diverges",
}


def draw_learning_rate(lr=0.1, steps=30, X=None, y=None, start=(0.0, 0.0),
                       axes=None):
    """Gradient descent on linear regression's loss surface, and its loss.

    Left: the contour of ``L(w, b) = 1/n sum (w x_i + b - y_i)^2`` with
    the path of :func:`dlbook.linear.descent_path`.  Right: the loss at
    every step on a log scale, with the least-squares minimum dotted.  The
    figure title states the regime (:func:`dlbook.linear.lr_regime`) and
    the bound ``2 / lambda_max`` computed from the data.

    Parameters
    ----------
    lr : float > 0, default 0.1
    steps : int > 0, default 30
    X : array_like of shape (n_samples, 1), optional
        Default: ``dlbook.data.load_example("linear")`` (y = 2x + 1 +
        noise, 1000 samples), whose ``lambda_max`` is about 2, so the
        bound is about 1.
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
    path, history = linear.descent_path(X, y, lr=lr, steps=steps,
                                        start=start)
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
        Return the Figure, not a widget.

    Returns the explorer box described in the module docstring, with
    ``controls`` ``"lr"``, ``"steps"``, or its Figure.

    Taught in: chapter 4, "The MSE gradient".
    """
    X, y = _regression_data(X, y)
    lr = check_scalar(lr, "lr", float, min_val=0,
                      include_boundaries="neither")
    steps = check_scalar(steps, "steps", int, min_val=1)
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

_ACTIVATIONS = tuple(activations.ACTIVATIONS)


def _activation_pair(name, alpha):
    """``f`` and ``f'`` of activation ``name``, with ``alpha`` bound."""
    _check_choice(name, "name", _ACTIVATIONS)
    f, f_prime = activations.ACTIVATIONS[name]
    if name == "leaky_relu":
        alpha = check_scalar(alpha, "alpha", float, min_val=0,
                             include_boundaries="neither")
        return (lambda z: f(z, alpha)), (lambda z: f_prime(z, alpha))
    return f, f_prime


def draw_activation(name="sigmoid", z_range=(-6.0, 6.0), alpha=0.1,
                    threshold=0.05, ax=None):
    """Plot an activation ``f`` and its derivative ``f'``; shade saturation.

    The curves are :func:`dlbook.plots.activation_curves` (from
    ``dlbook.activations``); the shaded bands are
    :func:`dlbook.activations.saturated_intervals`, where
    ``|f'(z)| < threshold``.  The title
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
    intervals = activations.saturated_intervals(
        name, z_range=(low, high), alpha=alpha, threshold=threshold)
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
        Return the Figure, not a widget.

    Returns the explorer box described in the module docstring, with
    ``controls`` ``"name"``, ``"z_range"``, ``"alpha"``, or its Figure.

    Taught in: chapter 2, "Core concepts".
    """
    _activation_pair(name, alpha)
    low, high = check_range(z_range, "z_range")
    alpha = check_scalar(alpha, "alpha", float, min_val=0,
                         include_boundaries="neither")
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

def draw_optimizers(lr=0.07, steps=80, surface="quadratic", ax=None):
    """SGD, Momentum and Adam paths on one contour plot.

    The paths are :func:`dlbook.surfaces.optimizer_paths`; the contour is
    :func:`dlbook.plots.loss_surface`; the legend gives each optimizer's
    final loss (or says it diverged).

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
    paths = surfaces.optimizer_paths(surface, lr=lr, steps=steps)
    spec = surfaces.SURFACES[surface]
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

    Controls: a dropdown of surface (see :data:`dlbook.surfaces.SURFACES`),
    a log-scale
    slider for the learning rate shared by the three optimizers and a
    slider for the number of steps.  The figure is :func:`draw_optimizers`.

    Parameters
    ----------
    lr : float > 0, default 0.07
    steps : int > 0, default 80
    surface : {"quadratic", "rosenbrock"}, default "quadratic"
    static : bool, default False
        Return the Figure, not a widget.

    Returns the explorer box described in the module docstring, with
    ``controls`` ``"surface"``, ``"lr"``, ``"steps"``, or its Figure.

    Taught in: chapter 2, "Core concepts".
    """
    lr = check_scalar(lr, "lr", float, min_val=0,
                      include_boundaries="neither")
    steps = check_scalar(steps, "steps", int, min_val=1)
    _check_choice(surface, "surface", surfaces.SURFACES)
    widgets = _ipywidgets()
    if static or widgets is None:
        return _static(draw_optimizers(lr, steps, surface).figure)
    controls = {
        "surface": widgets.Dropdown(
            options=list(surfaces.SURFACES), value=surface,
            description="surface", style=_style()),
        "lr": _log_slider(widgets, lr, 1e-3, 1.0, "learning rate"),
        "steps": _int_slider(widgets, steps, 5, 300, "steps"),
    }
    return _explorer(
        lambda surface, lr, steps:
            draw_optimizers(lr, steps, surface).figure,
        controls)


# -- 4. a small network's decision boundary ----------------------------------

_DATASETS = ("moons", "circles", "spirals")    # dlbook.data.load_example


def _classification_data(dataset, X, y):
    """A built-in data set, or the given ``X`` of points in the plane."""
    default = None
    if X is None and y is None:
        default = data.load_example(_check_choice(dataset, "dataset",
                                                  _DATASETS))
    default, X = _given_X(X, y, default, 2, "points in the plane")
    if default is not None:
        return default
    y = check_labels(y)
    check_same_n(X, y)
    return X, y


def draw_decision_boundary(dataset="moons", depth=2, width=16, lr=0.01,
                           steps=300, activation="relu", X=None, y=None,
                           ax=None):
    """Train :func:`dlbook.zoo.train_classifier`; draw its decision boundary.

    The regions are :func:`dlbook.plots.decision_boundary` of the trained
    model's logits; the title reports the architecture, the final loss and
    the training accuracy.

    Parameters
    ----------
    dataset : {"moons", "circles", "spirals"}, default "moons"
        Used when ``X`` and ``y`` are not given (see
        :func:`dlbook.data.load_example`).
    depth, width, lr, steps, activation
        As in :func:`dlbook.zoo.train_classifier`.
    X : array_like of shape (n_samples, 2), optional
    y : array_like of int, shape (n_samples,), optional
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes

    Taught in: chapter 3, "Algorithm steps".
    """
    X, y = _classification_data(dataset, X, y)
    model, accuracy = zoo.train_classifier(
        X, y, depth=depth, width=width, lr=lr, steps=steps,
        activation=activation)
    with zoo._one_blas_thread():            # the grid is 150 x 150 points
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
        Initial settings, as in :func:`dlbook.zoo.train_classifier`.
    static : bool, default False
        Return the Figure, not a widget.

    Returns the explorer box described in the module docstring, with
    ``controls`` ``"dataset"``, ``"depth"``, ``"width"``, ``"lr"``,
    ``"steps"``, ``"activation"``, or its Figure.

    Taught in: chapter 3, "Algorithm steps".
    """
    own = X is not None or y is not None
    if own:
        X, y = _classification_data(None, X, y)
        dataset = "your data"
    else:
        _check_choice(dataset, "dataset", _DATASETS)
    depth = check_scalar(depth, "depth", int, min_val=0)
    width = check_scalar(width, "width", int, min_val=1)
    lr = check_scalar(lr, "lr", float, min_val=0,
                      include_boundaries="neither")
    steps = check_scalar(steps, "steps", int, min_val=1)
    _check_choice(activation, "activation", ("relu", "tanh", "sigmoid"))
    widgets = _ipywidgets()

    def draw(dataset, depth, width, lr, steps, activation):
        data_X, data_y = (X, y) if dataset == "your data" else \
            data.load_example(dataset)
        return draw_decision_boundary(dataset, depth, width, lr, steps,
                                      activation, data_X, data_y).figure

    if static or widgets is None:
        return _static(draw(dataset, depth, width, lr, steps, activation))
    options = (["your data"] if own else []) + list(_DATASETS)
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
