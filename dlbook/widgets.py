"""Interactive explorers: sliders that redraw the book's figures.

Each explorer is a function that returns an ``ipywidgets.VBox``: a note,
its controls and, below them, an ``ipywidgets.Output`` holding the figure
as a PNG image in an HTML ``<img>`` with alt text that describes it.  The
figure for the initial settings is drawn when the explorer is built, so a
notebook saved with its widget state (as the static site is) shows a
figure even where no Python kernel runs; moving a control redraws it.  The
note says so plainly: on a static page the figure is a snapshot of the
settings shown and the controls do nothing; it also says what a change of
the controls does when the notebook runs.  The returned box also carries
plain attributes: ``controls`` (a dict of the control widgets by
parameter name), ``output`` (the ``Output``), ``note`` (the note's
``HTML`` widget) and ``redraw()``.

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
* ``dlbook.surfaces``: the test surfaces, ``optimizer_paths`` and
  ``tuned_learning_rates``;
* ``dlbook.zoo``: ``train_classifier``;
* ``dlbook.data``: ``load_example``, the explorers' data sets, and
  ``train_test_split`` (the decision boundary's validation points).

Each figure is a ``dlbook.plots`` figure with paths, shading and a title
added.

Importing this module imports matplotlib (through ``dlbook.plots``) but not
ipywidgets, which is imported when an explorer is built.

Taught in: chapter 2, "Core concepts" (activation and optimizer
explorers), chapter 3, "Algorithm steps" (decision boundary explorer) and
chapter 4, "The MSE gradient" (learning-rate explorer).
"""

import base64
import html
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


def _figure_title(fig):
    """The figure's suptitle, or its axes' titles joined by "; "."""
    title = fig._suptitle.get_text() if fig._suptitle is not None else ""
    return title or "; ".join(
        ax.get_title().replace("\n", ", ") for ax in fig.axes
        if ax.get_title())


def _figure_output(fig, alt=None, dpi=80):
    """An nbformat ``display_data`` output holding ``fig`` as a PNG.

    The PNG sits in an HTML ``<img>`` whose ``alt`` is ``alt`` (default:
    the figure's titles), because a saved ``image/png`` output reaches a
    static page as an ``<img>`` with no alt text at all.  The figure is
    closed afterwards, so a notebook's inline backend does not show it a
    second time.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    title = _figure_title(fig)
    plt.close(fig)
    alt = alt or f"Figure: {title or 'no title'}"
    png = base64.b64encode(buffer.getvalue()).decode("ascii")
    img = (f'<img src="data:image/png;base64,{png}" '
           f'alt="{html.escape(alt, quote=True)}"/>')
    return {"output_type": "display_data", "metadata": {},
            "data": {"text/html": img,
                     "text/plain": f"<Figure: {title or 'figure'}>"}}


def _text_output(text):
    return {"output_type": "stream", "name": "stdout", "text": text + "\n"}


_NOTE = (
    '<p style="font-size: 0.9em; line-height: 1.35; margin: 0 0 0.5em 0">'
    "<b>Snapshot.</b> On the static web page this figure was drawn when "
    "the page was built, for the settings shown, and the controls do not "
    "respond. Run the notebook live (the launch button at the top of the "
    "page) and {live}</p>")


def _with_alt(fig, describe, *args):
    """``(fig, describe(fig, *args))``: a figure and its alt text."""
    return fig, describe(fig, *args)


def _explorer(draw, controls, live="a change of a control redraws it."):
    """A VBox of a note, ``controls`` and an Output showing ``draw``.

    ``draw(**values)`` returns a Figure, or a pair ``(figure, alt)`` where
    ``alt`` describes the figure for a reader who cannot see it.  A
    ``ValueError`` or ``FloatingPointError`` while drawing (an impossible
    setting, a training run that diverged) is shown as text in the Output
    instead of a figure.  ``live`` ends the note: what a change of the
    controls does when the notebook runs.
    """
    widgets = _ipywidgets()
    output = widgets.Output(layout=widgets.Layout(min_height="300px"))

    def redraw(change=None):
        values = {name: c.value for name, c in controls.items()}
        before = set(plt.get_fignums())
        try:
            drawn = draw(**values)
            fig, alt = drawn if isinstance(drawn, tuple) else (drawn, None)
            item = _figure_output(fig, alt)
        except (ValueError, FloatingPointError) as err:
            for number in set(plt.get_fignums()) - before:
                plt.close(number)
            item = _text_output(f"{type(err).__name__}: {err}")
        output.outputs = (item,)

    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()
    note = widgets.HTML(_NOTE.format(live=html.escape(live)))
    bar = widgets.HBox(list(controls.values()),
                       layout=widgets.Layout(flex_flow="row wrap"))
    box = widgets.VBox([note, bar, output])
    box.controls, box.output, box.note = controls, output, note
    box.redraw = redraw
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


def _learning_rate_alt(fig, lr, steps):
    """Alt text for :func:`draw_learning_rate`'s figure."""
    ax_loss = fig.axes[-1]
    return (f"Two panels. Left: contour lines of linear regression's mean "
            f"squared error over the weight w and the bias b, with the path "
            f"of gradient descent at learning rate {lr:.3g} for up to "
            f"{steps} steps and the least-squares minimum marked. Right: "
            f"the loss at each step on a log scale, the minimum dotted. "
            f"{fig._suptitle.get_text()}; {ax_loss.get_title()}.")


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

    def draw(lr, steps):
        return _with_alt(draw_learning_rate(lr, steps, X, y)[0].figure,
                         _learning_rate_alt, lr, steps)

    return _explorer(draw, controls, live=(
        "moving a slider reruns gradient descent with that learning rate "
        "and number of steps and redraws both panels: find the rate at "
        "which the path starts to zig-zag, and the one at which it "
        "diverges."))


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
    """Plot an activation ``phi`` and its derivative ``phi'``; shade
    saturation.

    The curves are :func:`dlbook.plots.activation_curves` (from
    ``dlbook.activations``); the shaded bands are
    :func:`dlbook.activations.saturated_intervals`, where
    ``|phi'(z)| < threshold``.  The title gives the range of ``phi`` and
    the largest ``phi'`` on ``z_range`` (written with the Greek letter, as
    the book writes a generic activation).

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
                   label=f"saturated: |φ'| < {threshold:g}" if i == 0
                   else None)
    ax.legend(loc="best", fontsize=8)
    z = np.linspace(low, high, 2001)
    values = f(z)
    ax.set_title(f"{name}: φ from {values.min():.3g} to {values.max():.3g}"
                 f", max φ' = {np.max(f_prime(z)):.3g}", fontsize=10)
    return ax


def _activation_alt(fig, name, z_range):
    """Alt text for :func:`draw_activation`'s figure."""
    low, high = z_range
    return (f"The {name} activation φ(z) as a solid line and its derivative "
            f"φ'(z) dashed, for z from {low:g} to {high:g}, with the ranges "
            f"where |φ'(z)| < 0.05 (saturated) shaded red. "
            f"{fig.axes[0].get_title()}.")


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

    def draw(name, z_range, alpha):
        fig = draw_activation(name, z_range, alpha).figure
        return fig, _activation_alt(fig, name, z_range)

    return _explorer(draw, controls, live=(
        "choosing an activation or moving a slider redraws the curves and "
        "shades where the derivative, and with it the gradient, nearly "
        "vanishes."))


# -- 3. optimizers on one surface -------------------------------------------

def draw_optimizers(lr="tuned", steps=80, surface="quadratic", ax=None):
    """Gradient descent, Momentum and Adam paths on one contour plot.

    The paths are :func:`dlbook.surfaces.optimizer_paths` (plain
    full-batch gradient descent, "GD", since the gradient is exact); the
    contour is :func:`dlbook.plots.loss_surface`; the legend gives each
    optimizer's learning rate and final loss (or says it diverged).

    Parameters
    ----------
    lr : "tuned", float > 0 or dict, default "tuned"
        "tuned": each optimizer at its own best rate from a grid
        (:func:`dlbook.surfaces.tuned_learning_rates`), so that the
        comparison favours none of them; a float: one rate for all three;
        a dict: one rate each.
    steps : int > 0, default 80
    surface : {"quadratic", "rosenbrock"}, default "quadratic"
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes

    Taught in: chapter 2, "Core concepts".
    """
    tuned = isinstance(lr, str)
    if tuned:
        _check_choice(lr, "lr", ("tuned",))
        _check_choice(surface, "surface", surfaces.SURFACES)
        steps = check_scalar(steps, "steps", int, min_val=1)
        lr = surfaces.tuned_learning_rates(surface, steps=steps)
    paths = surfaces.optimizer_paths(surface, lr=lr, steps=steps)
    rates = lr if isinstance(lr, dict) else dict.fromkeys(paths, lr)
    spec = surfaces.SURFACES[surface]
    ax = plots.loss_surface(spec["f"], spec["w1"], spec["w2"], ax=ax,
                            vectorized=True)
    colors = ("tab:red", "white", "tab:cyan")
    for (name, (path, diverged)), color in zip(paths.items(), colors):
        end = ("diverged" if diverged else
               f"final loss {spec['f'](*path[-1]):.2g}")
        ax.plot(path[:, 0], path[:, 1], "-", color=color, lw=1.5,
                marker=".", markersize=3,
                label=f"{name}, lr {rates[name]:.3g}: {end}")
    ax.plot(*paths["GD"][0][0], "o", color="k", markersize=6)
    ax.plot(*spec["minimum"], "*", color="k", markersize=12,
            label="minimum")
    ax.legend(loc="lower right", fontsize=8, framealpha=0.8)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    how = ("each at its best rate on a grid" if tuned else
           "one rate for all" if len(set(rates.values())) == 1 else
           "rates as given")
    ax.set_title(f"L = {spec['formula']}, {steps} steps, {how}",
                 fontsize=10)
    return ax


def _optimizers_alt(fig, surface, steps):
    """Alt text for :func:`draw_optimizers`'s figure."""
    ax = fig.axes[0]
    legend = "; ".join(t.get_text() for t in ax.get_legend().get_texts()
                       if t.get_text() != "minimum")
    return (f"Contour plot of the {surface} loss surface over the weights "
            f"w1 and w2, with the paths of gradient descent (GD), momentum "
            f"and Adam from a common start (a black dot) towards the "
            f"minimum (a star), {steps} steps each. {ax.get_title()}. "
            f"Legend: {legend}.")


def optimizer_explorer(lr="tuned", steps=80, surface="quadratic",
                       static=False):
    """Compare gradient descent, Momentum and Adam on one loss surface.

    Controls: a dropdown of surface (see :data:`dlbook.surfaces.SURFACES`),
    a dropdown of how the learning rates are set (each optimizer's best
    on a grid, or one rate shared by the three), a log-scale slider for
    the shared rate (active only when shared) and a slider for the number
    of steps.  The figure is :func:`draw_optimizers`.

    Parameters
    ----------
    lr : "tuned" or float > 0, default "tuned"
        The initial setting: each optimizer at its own best rate, or one
        rate for all three.
    steps : int > 0, default 80
    surface : {"quadratic", "rosenbrock"}, default "quadratic"
    static : bool, default False
        Return the Figure, not a widget.

    Returns the explorer box described in the module docstring, with
    ``controls`` ``"surface"``, ``"rates"``, ``"lr"``, ``"steps"``, or its
    Figure.

    Taught in: chapter 2, "Core concepts".
    """
    tuned = isinstance(lr, str)
    if tuned:
        _check_choice(lr, "lr", ("tuned",))
    else:
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
        "rates": widgets.Dropdown(
            options=[("best on a grid, each its own", "tuned"),
                     ("one rate shared by all", "shared")],
            value="tuned" if tuned else "shared",
            description="learning rates", style=_style()),
        "lr": _log_slider(widgets, 0.07 if tuned else lr, 1e-3, 1.0,
                          "shared learning rate"),
        "steps": _int_slider(widgets, steps, 5, 300, "steps"),
    }
    controls["lr"].disabled = tuned

    def toggle_lr(change):
        controls["lr"].disabled = change["new"] == "tuned"

    controls["rates"].observe(toggle_lr, names="value")

    def draw(surface, rates, lr, steps):
        rate = "tuned" if rates == "tuned" else lr
        return _with_alt(draw_optimizers(rate, steps, surface).figure,
                         _optimizers_alt, surface, steps)

    return _explorer(draw, controls, live=(
        "changing a control reruns the three optimizers: choose the "
        "surface and the number of steps, and let each optimizer have its "
        "best learning rate from a grid or give all three the same rate "
        "(try one at which gradient descent diverges)."))


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


_VAL_SIZE = 0.3      # share of the points held out for validation


def draw_decision_boundary(dataset="moons", depth=2, width=16, lr=0.01,
                           steps=300, activation="relu", X=None, y=None,
                           ax=None):
    """Train :func:`dlbook.zoo.train_classifier`; draw its decision boundary.

    The points are split (stratified, ``rng=0``) into 70 % for training
    and 30 % held out for validation
    (:func:`dlbook.data.train_test_split`); the network is trained on the
    first part only.  The regions are :func:`dlbook.plots.decision_boundary`
    of the trained model's logits, drawn with all the points, the
    validation points circled.  The title reports the architecture, the
    final training loss and the accuracy on the training points and on
    the validation points: a boundary that wraps itself around single
    training points shows up as a gap between the two.

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
    X_train, X_val, y_train, y_val = data.train_test_split(
        X, y, test_size=_VAL_SIZE, rng=0, stratify=True)
    model, accuracy = zoo.train_classifier(
        X_train, y_train, depth=depth, width=width, lr=lr, steps=steps,
        activation=activation, validation_data=(X_val, y_val))
    val_accuracy = model.history_["val_accuracy"][-1]
    with zoo._one_blas_thread():            # the grid is 150 x 150 points
        ax = plots.decision_boundary(model.predict, X, y, ax=ax,
                                     resolution=150)
    ax.scatter(X_val[:, 0], X_val[:, 1], s=70, facecolors="none",
               edgecolors="k", linewidths=1.0, label="validation points")
    ax.legend(loc="lower right", fontsize=8, framealpha=0.8)
    sizes = "-".join(str(s) for s in (2,) + (width,) * depth
                     + (model.layers[-1].n_out,))
    ax.set_title(f"{sizes} {activation} net, {steps} Adam steps, "
                 f"lr {lr:.3g}\nloss {model.history_['loss'][-1]:.3f}, "
                 f"accuracy: training {accuracy:.3f}, "
                 f"validation {val_accuracy:.3f}", fontsize=10)
    return ax


def _decision_boundary_alt(fig, dataset):
    """Alt text for :func:`draw_decision_boundary`'s figure."""
    return (f"Points of the {dataset} data in the plane, coloured by class, "
            f"over the regions that the trained network assigns to each "
            f"class; the validation points, not used in training, are "
            f"circled. {fig.axes[0].get_title().replace(chr(10), ', ')}.")


def decision_boundary_explorer(X=None, y=None, dataset="moons", depth=2,
                               width=16, lr=0.01, steps=300,
                               activation="relu", static=False):
    """Train a small network on 2-D data and redraw its decision boundary.

    Controls: a dropdown of data set (moons, circles, spirals; "your data"
    when ``X`` and ``y`` are given), sliders for depth (hidden layers, 0 to
    4), width (2 to 64 units), learning rate and steps, and a dropdown of
    hidden activation.  Releasing a slider retrains from the same initial
    weights on the same 70 % of the points and redraws
    :func:`draw_decision_boundary`, which reports training and validation
    accuracy: about 0.1 s for the initial 2-16-16-2 net and 300 steps,
    about 1 s for the largest (4 hidden layers of 64 units, 500 steps,
    300 points).

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
        fig = draw_decision_boundary(dataset, depth, width, lr, steps,
                                     activation, data_X, data_y).figure
        return fig, _decision_boundary_alt(fig, dataset)

    if static or widgets is None:
        return _static(draw(dataset, depth, width, lr, steps,
                            activation)[0])
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
    return _explorer(draw, controls, live=(
        "changing a control retrains the network from the same initial "
        "weights on the same training points (longer for more layers, "
        "units and steps) and redraws its boundary, with its accuracy on "
        "the training points "
        "and on the circled validation points it never trained on."))
