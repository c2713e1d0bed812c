"""The book's figures: each function draws on ``ax`` and returns it.

Every function takes ``ax=None`` (a new figure is made with
``plt.subplots``) and returns the Axes it drew on, or the Figure for
grids of images, so a notebook can add titles or save the figure.
Nothing here calls ``plt.show``.  Importing this module imports
matplotlib; ``import dlbook`` alone does not.

Taught in: every chapter (the figures); the helpers themselves are not
taught.
"""


import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LinearSegmentedColormap, ListedColormap
from matplotlib.patches import Circle, Ellipse, FancyBboxPatch

from dlbook import activations
from dlbook._checks import (as_float_array, check_labels, check_range,
                             check_scalar)
from dlbook.autodiff import trace

__all__ = [
    "activation_curves",
    "computation_graph",
    "confusion_matrix",
    "decision_boundary",
    "image_grid",
    "loss_curves",
    "loss_surface",
    "nesting_diagram",
]

_CLASS_COLORS = plt.get_cmap("tab10").colors


def _axes(ax, figsize=(6, 4)):
    """``ax`` or the Axes of a new figure."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _check_callable(f, name, expected):
    is_function = callable(f)
    if not is_function:
        raise ValueError(f"expected {name} to be {expected}, received: "
                         f"{type(f).__name__}")


def _class_labels(y, name="y"):
    """Class labels as int (n,): one-hot or probability rows -> argmax."""
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] > 1:
        arr = as_float_array(arr, name, ndim=2).argmax(axis=1)
    return check_labels(arr, name=name)


# -- training ----------------------------------------------------------

def loss_curves(history, ax=None, keys=None, log_scale=False):
    """Plot per-epoch metrics, e.g. training and validation loss.

    Parameters
    ----------
    history : dict of str -> sequence of float
        Like ``{"loss": [...], "val_loss": [...]}``.  A model with a
        ``history_`` dict (dlbook) or a Keras ``History`` (its ``.history``)
        is accepted too.
    ax : matplotlib Axes, optional
    keys : sequence of str, optional
        Which entries to draw; default every key containing "loss" (or all
        keys if none does).
    log_scale : bool, default False
        Logarithmic y axis.

    Returns
    -------
    ax : matplotlib Axes
        One line per key, x = epoch 1, 2, ...

    Keras equivalent: plotting ``model.fit(...).history``.
    """
    for attr in ("history_", "history"):
        if not isinstance(history, dict) and isinstance(
                getattr(history, attr, None), dict):
            history = getattr(history, attr)
    if not isinstance(history, dict) or not history:
        raise ValueError(
            "expected history to be a non-empty dict like {'loss': [...]}, "
            f"received: {type(history).__name__}")
    if keys is None:
        keys = [k for k in history if "loss" in k] or list(history)
    elif isinstance(keys, str):
        keys = [keys]
    missing = [k for k in keys if k not in history]
    if missing:
        raise ValueError(
            f"expected keys among {sorted(history)}, received: {missing}")
    ax = _axes(ax)
    for key in keys:
        values = as_float_array(history[key], f"history[{key!r}]", ndim=1)
        epochs = np.arange(1, len(values) + 1)
        ax.plot(epochs, values, marker="o" if len(values) <= 30 else None,
                markersize=3, label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel(", ".join(keys) if len(keys) <= 2 else "value")
    if log_scale:
        ax.set_yscale("log")
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


# -- 2-D classifiers -----------------------------------------------------

def decision_boundary(predict, X, y, ax=None, resolution=200, padding=0.5):
    """Colour the plane by a classifier's prediction; overlay the data.

    ``predict`` is called once on a ``resolution x resolution`` grid of
    points (an array of shape (resolution**2, 2)).  It may return

    * class labels, shape (m,): each region is coloured by class;
    * class probabilities, shape (m, k) with k > 1: coloured by argmax;
    * one score per point, shape (m,) or (m, 1): read as the probability
      of class 1 if every value is in [0, 1] (boundary at 0.5), otherwise
      as a logit (boundary at 0); shaded continuously with the boundary
      drawn as a black line.

    Parameters
    ----------
    predict : callable
        ``predict(points) -> array``, e.g. ``model.predict``.
    X : array_like of shape (n_samples, 2)
    y : array_like of int, shape (n_samples,) (one-hot rows accepted)
    ax : matplotlib Axes, optional
    resolution : int, default 200
        Grid points per axis.
    padding : float, default 0.5
        Margin around the data, in data units.

    Returns
    -------
    ax : matplotlib Axes
    """
    _check_callable(predict, "predict", "a function of an (m, 2) array")
    X = as_float_array(X, "X", ndim=2)
    if X.shape[1] != 2:
        raise ValueError(
            "expected X with 2 features (a plane), received shape "
            f"{X.shape}")
    y = _class_labels(y)
    if len(y) != len(X):
        raise ValueError(
            f"expected X and y to have the same number of samples, "
            f"received X with {len(X)} and y with {len(y)}")
    resolution = check_scalar(resolution, "resolution", int, min_val=2)
    padding = check_scalar(padding, "padding", float, min_val=0)
    lo = X.min(axis=0) - padding
    hi = X.max(axis=0) + padding
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    grid = np.column_stack([xx.ravel(), yy.ravel()])       # (m, 2)
    Z = np.asarray(predict(grid), dtype=np.float64)
    m = len(grid)
    if Z.ndim == 2 and Z.shape[0] == m and Z.shape[1] > 1:
        Z = Z.argmax(axis=1).astype(np.float64)
        discrete = True
    elif Z.size == m and Z.ndim in (1, 2):
        Z = Z.reshape(m)
        discrete = bool(np.all(Z == np.round(Z)))
    else:
        raise ValueError(
            f"expected predict to return shape ({m},), ({m}, 1) or "
            f"({m}, n_classes) for {m} grid points, received shape "
            f"{Z.shape}")
    if not np.all(np.isfinite(Z)):
        raise ValueError("expected finite predictions, received NaN or inf")
    Z = Z.reshape(xx.shape)
    n_classes = int(max(y.max(), Z.max() if discrete else 1)) + 1
    colors = [_CLASS_COLORS[k % 10] for k in range(n_classes)]
    ax = _axes(ax, figsize=(5, 5))
    if discrete:
        ax.contourf(xx, yy, Z, levels=np.arange(n_classes + 1) - 0.5,
                    cmap=ListedColormap(colors), alpha=0.3)
    else:
        probability = Z.min() >= 0 and Z.max() <= 1
        threshold = 0.5 if probability else 0.0
        span = np.abs(Z - threshold).max() or 1.0
        cmap = LinearSegmentedColormap.from_list(
            "binary", [colors[0], "white", colors[1]])
        ax.contourf(xx, yy, Z, levels=21, cmap=cmap, alpha=0.5,
                    vmin=threshold - span, vmax=threshold + span)
        if Z.min() < threshold < Z.max():
            ax.contour(xx, yy, Z, levels=[threshold], colors="k",
                       linewidths=1.5)
    ax.scatter(X[:, 0], X[:, 1], c=[colors[k] for k in y], s=20,
               edgecolors="k", linewidths=0.5)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax


def confusion_matrix(y_true, y_pred, ax=None, n_classes=None,
                     normalize=False, cmap="Blues", colorbar=True):
    """Draw the confusion matrix: row = true class, column = prediction.

    Parameters
    ----------
    y_true, y_pred : array_like of shape (n_samples,)
        Integer labels; one-hot or probability rows (n_samples, k) are
        turned into labels by argmax.
    ax : matplotlib Axes, optional
    n_classes : int, optional
        Default: one more than the largest label seen.
    normalize : bool, default False
        Show each row as fractions of that true class instead of counts.
    cmap : str, default "Blues"
    colorbar : bool, default True

    Returns
    -------
    ax : matplotlib Axes
        The matrix is ``ax.images[0].get_array()``; cells are annotated
        when there are at most 20 classes.

    Equivalent: ``sklearn.metrics.ConfusionMatrixDisplay``.
    """
    y_true = _class_labels(y_true, "y_true")
    y_pred = _class_labels(y_pred, "y_pred")
    if len(y_true) != len(y_pred):
        raise ValueError(
            "expected y_true and y_pred to have the same number of samples, "
            f"received {len(y_true)} and {len(y_pred)}")
    k_seen = int(max(y_true.max(), y_pred.max())) + 1
    if n_classes is None:
        n_classes = k_seen
    n_classes = check_scalar(n_classes, "n_classes", int, min_val=1)
    if k_seen > n_classes:
        raise ValueError(
            f"expected labels in [0, {n_classes - 1}] for n_classes="
            f"{n_classes}, received a label {k_seen - 1}")
    counts = np.bincount(n_classes * y_true + y_pred,
                         minlength=n_classes ** 2)
    M = counts.reshape(n_classes, n_classes).astype(np.float64)  # (k, k)
    if normalize:
        M = M / np.maximum(M.sum(axis=1, keepdims=True), 1)
    ax = _axes(ax, figsize=(5, 5))
    image = ax.imshow(M, cmap=cmap, vmin=0)
    if n_classes <= 20:
        threshold = M.max() / 2
        for i in range(n_classes):
            for j in range(n_classes):
                text = f"{M[i, j]:.2f}" if normalize else f"{M[i, j]:.0f}"
                ax.text(j, i, text, ha="center", va="center", fontsize=8,
                        color="white" if M[i, j] > threshold else "black")
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(n_classes))
    ax.set_yticks(range(n_classes))
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    accuracy = np.trace(counts.reshape(n_classes, n_classes)) / len(y_true)
    ax.set_title(f"accuracy {accuracy:.3f}")
    return ax


# -- optimisation ----------------------------------------------------------

def loss_surface(f, w_range, b_range, path=None, ax=None, resolution=80,
                 levels=30, vectorized=False, colorbar=True):
    """Contour plot of a loss ``f(w, b)`` with an optional descent path.

    Parameters
    ----------
    f : callable
        ``f(w, b) -> float`` for two scalars (or, with ``vectorized=True``,
        ``f(W, B) -> Z`` for two grids of the same shape).
    w_range, b_range : (float, float)
        The window, ``(low, high)`` on each axis.
    path : array_like of shape (n_steps, 2), optional
        Successive ``(w, b)`` points, e.g. the ``path`` that
        :func:`dlbook.linear.gradient_descent` returns with
        ``return_path=True``; drawn as a line from a circle (start) to a
        star (end).
    ax : matplotlib Axes, optional
    resolution : int, default 80
        Grid points per axis.
    levels : int, default 30
        Number of contour levels; they are spaced logarithmically when the
        loss is positive, so the valley floor stays visible.
    vectorized : bool, default False
    colorbar : bool, default True
        Add a colour bar for the loss (turn off when redrawing into the
        same figure, which would add one bar per call).

    Returns
    -------
    ax : matplotlib Axes
    """
    _check_callable(f, "f", "a function f(w, b)")
    w_lo, w_hi = check_range(w_range, "w_range")
    b_lo, b_hi = check_range(b_range, "b_range")
    resolution = check_scalar(resolution, "resolution", int, min_val=2)
    levels = check_scalar(levels, "levels", int, min_val=2)
    W, B = np.meshgrid(np.linspace(w_lo, w_hi, resolution),
                       np.linspace(b_lo, b_hi, resolution))
    if vectorized:
        Z = np.asarray(f(W, B), dtype=np.float64)
        if Z.shape != W.shape:
            raise ValueError(
                f"expected f(W, B) to return shape {W.shape} with "
                f"vectorized=True, received shape {Z.shape}")
    else:
        Z = np.array([[float(f(w, b)) for w, b in zip(w_row, b_row)]
                      for w_row, b_row in zip(W, B)])
    Z = as_float_array(Z, "f(w, b) on the grid")
    if path is not None:
        path = as_float_array(path, "path", ndim=2)
        if path.shape[1] != 2:
            raise ValueError(
                "expected path of shape (n_steps, 2) holding (w, b) "
                f"points, received shape {path.shape}")
    ax = _axes(ax, figsize=(6, 5))
    if Z.min() > 0 and Z.max() / Z.min() > 10:
        lv = np.geomspace(Z.min(), Z.max(), levels)
    else:
        lv = np.linspace(Z.min(), Z.max(), levels)
    filled = ax.contourf(W, B, Z, levels=lv, cmap="viridis", alpha=0.8)
    ax.contour(W, B, Z, levels=lv, colors="k", linewidths=0.3, alpha=0.5)
    if colorbar:
        # "%.2g": log-spaced levels near a zero minimum read 0.0001, not 0.00
        ax.figure.colorbar(filled, ax=ax, label="loss", format="%.2g")
    if path is not None:
        ax.plot(path[:, 0], path[:, 1], "-", color="tab:red", lw=1.5,
                marker=".", markersize=4, label="gradient descent")
        ax.plot(*path[0], "o", color="tab:red", markersize=7)
        ax.plot(*path[-1], "*", color="white", markeredgecolor="tab:red",
                markersize=14)
        ax.legend(loc="upper right")
    ax.set_xlim(w_lo, w_hi)
    ax.set_ylim(b_lo, b_hi)
    ax.set_xlabel("w")
    ax.set_ylabel("b")
    return ax


# -- activations -----------------------------------------------------------

def activation_curves(names=("sigmoid", "tanh", "relu", "leaky_relu"),
                      derivatives=False, ax=None, z_range=(-5, 5),
                      leaky_alpha=0.1):
    """Plot activation functions from :mod:`dlbook.activations`.

    Parameters
    ----------
    names : str or sequence of str
        Any of "sigmoid", "tanh", "relu", "leaky_relu".
    derivatives : bool, default False
        Also draw each derivative ``name_prime`` as a dashed line of the
        same colour.
    ax : matplotlib Axes, optional
    z_range : (float, float), default (-5, 5)
    leaky_alpha : float, default 0.1
        Slope of leaky ReLU for z < 0 (larger than the 0.01 default of
        :func:`dlbook.activations.leaky_relu` so the slope is visible).

    Returns
    -------
    ax : matplotlib Axes
    """
    known = ("sigmoid", "tanh", "relu", "leaky_relu")
    names = (names,) if isinstance(names, str) else tuple(names)
    unknown = [n for n in names if n not in known]
    if not names or unknown:
        raise ValueError(
            f"expected activation names among {known}, received: "
            f"{list(names)}")
    lo, hi = check_range(z_range, "z_range")
    z = np.linspace(lo, hi, 401)
    ax = _axes(ax)
    for i, name in enumerate(names):
        f = getattr(activations, name)
        f_prime = getattr(activations, name + "_prime")
        kwargs = {"alpha": leaky_alpha} if name == "leaky_relu" else {}
        label = f"{name} (alpha={leaky_alpha:g})" if kwargs else name
        color = _CLASS_COLORS[i % 10]
        ax.plot(z, f(z, **kwargs), color=color, label=label)
        if derivatives:
            ax.plot(z, f_prime(z, **kwargs), color=color, ls="--",
                    label=f"{name}'")
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(0, color="grey", lw=0.5)
    ax.set_xlabel("z")
    ax.set_ylabel("φ(z)" + (" and φ'(z)" if derivatives else ""))
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


# -- autodiff --------------------------------------------------------------

def computation_graph(root, ax=None):
    """Draw the graph that computed an autodiff ``Value``.

    Inputs are on the left and ``root`` on the right; a node's column is
    the length of the longest path from an input to it.  Each value is a
    box showing its label, ``data`` and ``grad``; each operation is a
    circle feeding the box of its result.

    Parameters
    ----------
    root : dlbook.autodiff.Value
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes
    """
    nodes, edges = trace(root)
    column = {}
    for node in nodes:                       # inputs come first
        column[id(node)] = 1 + max((column[id(c)] for c in node._prev),
                                   default=-1)
    rows = {}
    position = {}
    for node in nodes:
        c = column[id(node)]
        position[id(node)] = (c, rows.get(c, 0))
        rows[c] = rows.get(c, 0) + 1
    n_cols, n_rows = max(rows) + 1, max(rows.values())
    dx, dy, w, h, r = 3.0, 1.3, 1.7, 1.0, 0.35

    def xy(node):
        c, k = position[id(node)]
        return c * dx, (rows[c] - 1) / 2 * dy - k * dy   # centred column

    if ax is None:
        _, ax = plt.subplots(figsize=(max(4, 2.3 * n_cols),
                                      max(2, 1.2 * n_rows)))
    for node in nodes:
        x, y = xy(node)
        ax.add_patch(FancyBboxPatch(
            (x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02",
            facecolor="tab:orange" if node is root else "white",
            edgecolor="k", alpha=0.9 if node is root else 1.0))
        lines = [node.label] if node.label else []
        lines += [f"data {node.data:.4g}", f"grad {node.grad:.4g}"]
        ax.text(x, y, "\n".join(lines), ha="center", va="center",
                fontsize=8)
        if node._op:                         # the op that produced it
            ox = x - w / 2 - 0.6
            ax.add_patch(Circle((ox, y), r, facecolor="tab:blue",
                                alpha=0.25, edgecolor="k"))
            ax.text(ox, y, node._op, ha="center", va="center", fontsize=8)
            ax.annotate("", xy=(x - w / 2, y), xytext=(ox + r, y),
                        arrowprops={"arrowstyle": "->"})
    for child, parent in edges:
        (cx, cy), (px, py) = xy(child), xy(parent)
        ax.annotate("", xy=(px - w / 2 - 0.6 - r, py),
                    xytext=(cx + w / 2, cy),
                    arrowprops={"arrowstyle": "->", "color": "0.3",
                                "shrinkA": 0, "shrinkB": 0})
    top = (n_rows - 1) / 2 * dy + h
    ax.set_xlim(-w / 2 - 1.2, (n_cols - 1) * dx + w / 2 + 0.3)
    ax.set_ylim(-top, top)
    ax.set_axis_off()
    return ax


# -- images ----------------------------------------------------------------

def image_grid(images, labels=None, predictions=None, ncols=8, fig=None,
               cmap="gray_r"):
    """Show images in a grid, titled with labels and predictions.

    Parameters
    ----------
    images : array_like
        Shape (n, h, w), (n, h, w, 1), (n, h, w, 3), or (n, h * w) with a
        square number of pixels (the flattened digits, 64 = 8 x 8).
    labels, predictions : array_like of int, shape (n,), optional
        A wrong prediction gets a red title "true t, pred p".
    ncols : int, default 8
    fig : matplotlib Figure, optional
        Drawn into (its existing axes are cleared); default a new figure.
    cmap : str, default "gray_r" (dark ink on white)

    Returns
    -------
    fig : matplotlib Figure
    """
    images = as_float_array(images, "images", ndim=(2, 3, 4))
    n = len(images)
    if images.ndim == 2:
        side = round(np.sqrt(images.shape[1]))
        if side * side != images.shape[1]:
            raise ValueError(
                "expected flattened images with a square number of pixels,"
                f" received shape {images.shape}")
        images = images.reshape(n, side, side)
    elif images.ndim == 4:
        if images.shape[3] == 1:
            images = images[..., 0]
        elif images.shape[3] != 3:
            raise ValueError(
                "expected images with 1 or 3 channels (n, h, w, c), "
                f"received shape {images.shape}")
    labels, predictions = (
        None if values is None else _class_labels(values, name)
        for name, values in (("labels", labels),
                             ("predictions", predictions)))
    for name, values in (("labels", labels), ("predictions", predictions)):
        if values is not None and len(values) != n:
            raise ValueError(
                f"expected {name} for each of the {n} images, received "
                f"{len(values)}")
    ncols = min(check_scalar(ncols, "ncols", int, min_val=1), n)
    nrows = -(-n // ncols)
    if fig is None:
        fig = plt.figure(figsize=(1.2 * ncols, 1.35 * nrows))
    else:
        fig.clear()
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i >= n:
            continue
        ax.imshow(images[i], cmap=cmap)
        title, color = [], "black"
        if labels is not None:
            title.append(f"true {labels[i]}" if predictions is not None
                         else f"{labels[i]}")
        if predictions is not None:
            title.append(f"pred {predictions[i]}")
            if labels is not None and labels[i] != predictions[i]:
                color = "tab:red"
        if title:
            ax.set_title(", ".join(title), fontsize=8, color=color)
    return fig


# -- chapter 1 -------------------------------------------------------------

def nesting_diagram(ax=None):
    """AI contains machine learning, which contains deep learning.

    Three nested ellipses, largest (artificial intelligence) to smallest
    (deep learning), each labelled.

    Returns
    -------
    ax : matplotlib Axes

    Taught in: chapter 1, "Background".
    """
    ax = _axes(ax, figsize=(6, 4))
    rings = [
        ("Artificial intelligence", (0.0, 0.0), 9.0, 6.0, "tab:blue"),
        ("Machine learning", (0.6, -0.6), 6.4, 4.0, "tab:green"),
        ("Deep learning", (1.1, -1.1), 3.6, 2.0, "tab:orange"),
    ]
    for i, (name, (x, y), width, height, color) in enumerate(rings):
        ax.add_patch(Ellipse((x, y), width, height, facecolor=color,
                             alpha=0.25, edgecolor=color, lw=2))
        inner = i == len(rings) - 1          # innermost: label centred
        ax.text(x, y if inner else y + height / 2 - 0.45, name,
                ha="center", va="center", fontsize=11, fontweight="bold")
    ax.set_xlim(-4.8, 4.8)
    ax.set_ylim(-3.2, 3.2)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return ax
