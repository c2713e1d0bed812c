"""Tests for dlbook.plots: each helper returns its Axes and draws data."""

import itertools
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Ellipse, FancyBboxPatch
from matplotlib.text import Annotation

from dlbook import activations, data, linear, plots
from dlbook.autodiff import Value

plt.switch_backend("Agg")                  # no display needed


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# -- loss_curves -------------------------------------------------------------

def test_loss_curves_draws_one_line_per_loss_key():
    history = {"loss": [1.0, 0.5, 0.25], "val_loss": [1.1, 0.7, 0.6],
               "accuracy": [0.2, 0.5, 0.9]}
    ax = plots.loss_curves(history)
    assert isinstance(ax, Axes)
    assert [line.get_label() for line in ax.lines] == ["loss", "val_loss"]
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [1.1, 0.7, 0.6])
    ax2 = plots.loss_curves(history, keys="accuracy", log_scale=True)
    assert len(ax2.lines) == 1 and ax2.get_yscale() == "log"


def test_loss_curves_accepts_a_model_and_an_existing_axes():
    model = SimpleNamespace(history_={"loss": [3.0, 2.0]})      # dlbook
    keras_history = SimpleNamespace(history={"loss": [4.0, 1.0]})
    _, ax = plt.subplots()
    assert plots.loss_curves(model, ax=ax) is ax
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [3.0, 2.0])
    ax = plots.loss_curves(keras_history)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [4.0, 1.0])


@pytest.mark.parametrize("history, keys, match", [
    ({}, None, "non-empty dict"),
    ([1, 2], None, "dict"),
    ({"loss": [1.0]}, ["val_loss"], "val_loss"),
    ({"loss": []}, None, "non-empty"),
    ({"loss": [1.0, np.nan]}, None, "NaN"),
])
def test_loss_curves_errors(history, keys, match):
    with pytest.raises(ValueError, match=match):
        plots.loss_curves(history, keys=keys)


# -- decision_boundary ------------------------------------------------------

def test_decision_boundary_with_labels_probabilities_and_scores():
    X, y = data.make_moons(60, rng=0)

    def labels(P):
        return (P[:, 1] < 0.25).astype(int)

    def probability(P):
        return (1 / (1 + np.exp(-3 * (P[:, 0] - 0.5))))[:, None]

    def scores(P):
        return 3 * (P[:, 0] - 0.5)

    for predict, n_lines in ((labels, 0), (probability, 1), (scores, 1)):
        ax = plots.decision_boundary(predict, X, y, resolution=40)
        assert isinstance(ax, Axes)
        points = [c for c in ax.collections if c.get_offsets().shape ==
                  (60, 2)]
        assert len(points) == 1, "the data were not scattered"
        np.testing.assert_array_equal(points[0].get_offsets(), X)
        assert len(ax.collections) >= 2 + n_lines, "no regions drawn"


def test_decision_boundary_multiclass_probabilities():
    X, y = data.make_spirals(90, 3, rng=0)
    seen = []

    def predict(P):
        seen.append(P.shape)
        return np.stack([P[:, 0], P[:, 1], -P[:, 0]], axis=1)

    ax = plots.decision_boundary(predict, X, y, resolution=30)
    assert seen == [(900, 2)], "predict should be called once on the grid"
    regions = ax.collections[0]
    assert len(regions.get_paths()) >= 2


@pytest.mark.parametrize("predict, X, y, match", [
    (lambda P: P[:, 0], np.zeros((5, 3)), np.zeros(5), "2 features"),
    (lambda P: P[:5], np.eye(2), [0, 1], "to return shape"),
    ("model", np.eye(2), [0, 1], "predict"),
    (lambda P: P[:, 0], np.eye(2), [0, 1, 1], "same number of samples"),
    (lambda P: P[:, 0], np.eye(2), [0, -1], "non-negative"),
])
def test_decision_boundary_errors(predict, X, y, match):
    with pytest.raises(ValueError, match=match):
        plots.decision_boundary(predict, X, y, resolution=10)


# -- loss_surface ------------------------------------------------------------

def test_loss_surface_with_gradient_descent_path():
    X, y = data.make_linear(200, rng=0)

    def loss(w, b):
        return linear.mse(X, y, [w], b)

    *_, path = linear.gradient_descent(X, y, lr=0.3, epochs=15,
                                       return_path=True)
    ax = plots.loss_surface(loss, (-1, 4), (-1, 3), path=path,
                            resolution=20)
    assert isinstance(ax, Axes)
    assert len(ax.collections) >= 2                  # filled + lines
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), path[:, 0])
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), path[:, 1])
    assert ax.get_xlabel() == "w" and ax.get_ylabel() == "b"


def test_loss_surface_vectorized_gives_the_same_levels():
    def f(w, b):
        return (w - 1) ** 2 + 3 * (b + 0.5) ** 2 + 0.1

    a = plots.loss_surface(f, (-2, 3), (-2, 2), resolution=15)
    b = plots.loss_surface(f, (-2, 3), (-2, 2), resolution=15,
                           vectorized=True)
    levels_a = a.collections[0].levels
    np.testing.assert_allclose(levels_a, b.collections[0].levels)
    W, B = np.meshgrid(np.linspace(-2, 3, 15), np.linspace(-2, 2, 15))
    Z = f(W, B)
    assert levels_a[0] == pytest.approx(Z.min())
    assert levels_a[-1] == pytest.approx(Z.max())
    assert len(a.lines) == 0
    assert len(a.figure.axes) == 2                   # the plot + colour bar
    _, ax = plt.subplots()
    plots.loss_surface(f, (-2, 3), (-2, 2), ax=ax, resolution=5,
                       colorbar=False)
    assert len(ax.figure.axes) == 1


@pytest.mark.parametrize("kwargs, match", [
    ({"w_range": (1, 1)}, "w_range"),
    ({"b_range": "ab"}, "b_range"),
    ({"path": np.zeros((4, 3))}, "path"),
    ({"vectorized": True}, "vectorized"),
    ({"resolution": 1}, "resolution"),
])
def test_loss_surface_errors(kwargs, match):
    args = {"w_range": (0, 1), "b_range": (0, 1)}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        plots.loss_surface(lambda w, b: 1.0, **args)


# -- activation_curves -------------------------------------------------------

def curves(ax):
    """The labelled lines (axis lines at 0 have no label)."""
    return [line for line in ax.lines
            if not line.get_label().startswith("_")]


def test_activation_curves_plot_the_package_functions():
    ax = plots.activation_curves()
    assert isinstance(ax, Axes)
    lines = curves(ax)
    assert [line.get_label() for line in lines] == [
        "sigmoid", "tanh", "relu", "leaky_relu (alpha=0.1)"]
    z = lines[0].get_xdata()
    assert z.min() == -5 and z.max() == 5
    np.testing.assert_array_equal(lines[0].get_ydata(),
                                  activations.sigmoid(z))
    ax2 = plots.activation_curves(("tanh", "leaky_relu"), derivatives=True)
    lines = curves(ax2)
    assert len(lines) == 4
    np.testing.assert_array_equal(lines[1].get_ydata(),
                                  activations.tanh_prime(z))
    np.testing.assert_array_equal(
        lines[3].get_ydata(), activations.leaky_relu_prime(z, alpha=0.1))
    assert len(curves(plots.activation_curves("relu"))) == 1


def test_activation_curves_errors():
    with pytest.raises(ValueError, match="softplus"):
        plots.activation_curves(("relu", "softplus"))
    with pytest.raises(ValueError, match="z_range"):
        plots.activation_curves(z_range=(2, -2))


# -- computation_graph -------------------------------------------------------

def test_computation_graph_shows_every_node_with_data_and_grad():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    L = (a * b + a ** 2).tanh()
    L.label = "L"
    L.backward()
    ax = plots.computation_graph(L)
    assert isinstance(ax, Axes)
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    assert len(boxes) == 6                    # a, b, a*b, a**2, +, tanh
    assert len(circles) == 4                  # *, **2, +, tanh
    arrows = [t for t in ax.texts if isinstance(t, Annotation)]
    texts = [t.get_text() for t in ax.texts if t not in arrows]
    assert f"a\ndata 2\ngrad {a.grad:.4g}" in texts
    assert f"b\ndata -3\ngrad {b.grad:.4g}" in texts
    assert "L\ndata -0.964\ngrad 1" in texts
    assert {"*", "+", "tanh", "**2"} <= set(texts)
    assert len(texts) == 6 + 4
    assert len(arrows) == 4 + 6               # op -> result, input -> op
    with pytest.raises(ValueError, match="Value"):
        plots.computation_graph(1.0)


# -- image_grid and confusion_matrix ---------------------------------------

def test_image_grid_digits_with_labels_and_predictions():
    X, y = data.load_digits()
    predictions = y[:10].copy()
    predictions[3] = (predictions[3] + 1) % 10
    fig = plots.image_grid(X[:10], labels=y[:10], predictions=predictions,
                           ncols=4)
    assert isinstance(fig, Figure)
    axes = fig.axes
    assert len(axes) == 12                           # 3 rows x 4 columns
    shown = [ax for ax in axes if ax.images]
    assert len(shown) == 10
    np.testing.assert_array_equal(shown[0].images[0].get_array(),
                                  X[0].reshape(8, 8))
    titles = [ax.title for ax in shown]
    assert titles[3].get_text() == f"true {y[3]}, pred {predictions[3]}"
    assert titles[3].get_color() == "tab:red"
    assert titles[0].get_color() == "black"


def test_image_grid_shapes_and_errors():
    images, _ = data.load_digits(images=True)
    fig = plots.image_grid(images[:3])
    assert sum(bool(ax.images) for ax in fig.axes) == 3
    with pytest.raises(ValueError, match="square number of pixels"):
        plots.image_grid(np.zeros((2, 63)))
    with pytest.raises(ValueError, match="1 or 3 channels"):
        plots.image_grid(np.zeros((2, 8, 8, 2)))
    with pytest.raises(ValueError, match="labels for each of the 3"):
        plots.image_grid(images[:3], labels=[1, 2])
    with pytest.raises(ValueError, match="ncols"):
        plots.image_grid(images[:3], ncols=0)


def test_confusion_matrix_hand_case():
    y_true = [0, 0, 1, 1, 2, 2]
    y_pred = [0, 1, 1, 1, 2, 0]
    ax = plots.confusion_matrix(y_true, y_pred)
    assert isinstance(ax, Axes)
    expected = [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    np.testing.assert_array_equal(ax.images[0].get_array(), expected)
    assert [t.get_text() for t in ax.texts] == \
        [str(v) for row in expected for v in row]
    assert ax.get_title() == "accuracy 0.667"
    probabilities = np.eye(3)[y_pred]                # argmax is taken
    ax2 = plots.confusion_matrix(y_true, probabilities, normalize=True,
                                 n_classes=4)
    np.testing.assert_allclose(ax2.images[0].get_array()[:3, :3],
                               np.array(expected) / 2)
    assert ax2.images[0].get_array().shape == (4, 4)


def test_confusion_matrix_errors():
    with pytest.raises(ValueError, match="same number of samples"):
        plots.confusion_matrix([0, 1], [0])
    with pytest.raises(ValueError, match="n_classes=2"):
        plots.confusion_matrix([0, 1, 2], [0, 1, 1], n_classes=2)


# -- nesting_diagram ---------------------------------------------------------

def test_nesting_diagram_three_nested_ellipses():
    ax = plots.nesting_diagram()
    assert isinstance(ax, Axes)
    ellipses = [p for p in ax.patches if isinstance(p, Ellipse)]
    assert len(ellipses) == 3
    names = [t.get_text() for t in ax.texts]
    assert names == ["Artificial intelligence", "Machine learning",
                     "Deep learning"]
    # each ellipse lies inside the previous one: test 64 boundary points
    t = np.linspace(0, 2 * np.pi, 64)
    for outer, inner in itertools.pairwise(ellipses):
        (cx, cy), w, h = inner.center, inner.width, inner.height
        x, y = cx + w / 2 * np.cos(t), cy + h / 2 * np.sin(t)
        (ox, oy), ow, oh = outer.center, outer.width, outer.height
        assert np.all(((x - ox) / (ow / 2)) ** 2
                      + ((y - oy) / (oh / 2)) ** 2 < 1)
