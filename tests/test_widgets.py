"""Tests of dlbook.widgets: the explorers and their figures.

Every explorer is built without a kernel (ipywidgets then uses a dummy
comm), so these tests check what a saved notebook would hold: the initial
figure inside the Output, a redraw when a control changes, and the static
fallback without ipywidgets.  The widgets only draw: the numbers behind
the figures are tested where they are computed (test_linear.py,
test_activations.py, test_surfaces.py, test_zoo.py, test_data.py); here a
figure is checked to show exactly those numbers.
"""

import base64
import html
import re
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from dlbook import activations, data, linear, surfaces, zoo  # noqa: E402
from dlbook import widgets as W  # noqa: E402

BUILDERS = [W.learning_rate_explorer, W.activation_explorer,
            W.optimizer_explorer, W.decision_boundary_explorer]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


_IMG = re.compile(r'^<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" '
                  r'alt="([^"]+)"/>$')


def _img(box):
    """The PNG bytes, the alt text and the plain text of the single output
    of an explorer: an HTML <img> (a bare image/png output would reach the
    static site with no alt text)."""
    (item,) = box.output.outputs
    assert item["output_type"] == "display_data"
    assert set(item["data"]) == {"text/html", "text/plain"}
    match = _IMG.match(item["data"]["text/html"])
    assert match, item["data"]["text/html"][:80]
    png = base64.b64decode(match.group(1))
    return png, html.unescape(match.group(2)), item["data"]["text/plain"]


def _png(box):
    """The PNG bytes and the text of the single output of an explorer."""
    png, _, text = _img(box)
    return png, text


# -- the package boundary -------------------------------------------------

def test_importing_widgets_does_not_import_ipywidgets():
    code = ("import sys, dlbook\n"
            "assert 'matplotlib' not in sys.modules\n"
            "assert 'ipywidgets' not in sys.modules\n"
            "import dlbook.widgets\n"
            "assert 'ipywidgets' not in sys.modules\n")
    result = subprocess.run([sys.executable, "-c", code],
                            capture_output=True, text=True,
                            env={"MPLBACKEND": "Agg"})
    assert result.returncode == 0, result.stderr


def test_widgets_only_draw():
    """Every public name is a drawing function or an explorer; the
    numerics live in the NumPy modules (no aliases left here)."""
    assert W.__all__ and all(
        name.startswith("draw_") or name.endswith("_explorer")
        for name in W.__all__)
    public = {name for name in vars(W) if not name.startswith("_")}
    moved = {"descent_path", "saturated_intervals", "optimizer_paths",
             "train_classifier", "SURFACES", "DATASETS"}
    assert not public & moved


# -- every explorer: widget, initial figure, redraw, fallback ---------------

@pytest.mark.parametrize("build", BUILDERS, ids=lambda f: f.__name__)
def test_explorer_is_a_widget_showing_a_figure(build):
    box = build()
    assert isinstance(box, ipywidgets.VBox)
    assert box.output in box.children
    assert isinstance(box.output, ipywidgets.Output)
    assert all(isinstance(c, ipywidgets.ValueWidget)
               for c in box.controls.values())
    png, text = _png(box)
    assert png.startswith(PNG_MAGIC) and len(png) > 5000
    assert text.startswith("<Figure: ")
    assert plt.get_fignums() == []          # drawn, rendered and closed
    assert box.children[0] is box.note


ALT_WORDS = {
    W.learning_rate_explorer: ("contour lines", "gradient descent",
                               "2/lambda_max"),
    W.activation_explorer: ("sigmoid activation", "derivative", "shaded"),
    W.optimizer_explorer: ("gradient descent (GD), momentum and Adam",
                           "Legend: GD, lr"),
    W.decision_boundary_explorer: ("moons data", "validation points",
                                   "accuracy: training"),
}


@pytest.mark.parametrize("build", BUILDERS, ids=lambda f: f.__name__)
def test_the_figure_has_alt_text_that_follows_the_drawing(build):
    box = build()
    _, alt, _ = _img(box)
    for words in ALT_WORDS[build]:
        assert words in alt, (words, alt)
    name, value, expected = CHANGES[build]
    box.controls[name].value = value
    _, alt_after, _ = _img(box)
    assert expected in alt_after and expected not in alt


@pytest.mark.parametrize("build", BUILDERS, ids=lambda f: f.__name__)
def test_the_note_says_it_is_a_snapshot_and_what_running_it_does(build):
    note = build().note
    assert isinstance(note, ipywidgets.HTML)
    text = re.sub(r"<[^>]+>", "", note.value)
    assert text.startswith("Snapshot. On the static web page")
    assert "controls do not respond" in text
    assert "Run the notebook live" in text
    live = text.split("top of the page) and ", 1)[1]
    assert len(live.split()) >= 12        # says what a change does


CHANGES = {
    W.learning_rate_explorer: ("lr", 1.5, "diverges"),
    W.activation_explorer: ("name", "tanh", "tanh: φ from -1 to 1"),
    W.optimizer_explorer: ("steps", 7, "7 steps"),
    W.decision_boundary_explorer: ("depth", 3, "2-16-16-16-2 relu net"),
}


@pytest.mark.parametrize("build", BUILDERS, ids=lambda f: f.__name__)
def test_changing_a_control_redraws(build):
    box = build()
    png_before, text_before = _png(box)
    name, value, expected = CHANGES[build]
    assert expected not in text_before
    box.controls[name].value = value
    png_after, text_after = _png(box)
    assert expected in text_after
    assert png_after != png_before


def test_redraw_calls_the_drawing_function(monkeypatch):
    calls = []
    original = W.draw_optimizers

    def spy(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(W, "draw_optimizers", spy)
    box = W.optimizer_explorer()
    assert box.controls["lr"].disabled          # rates tuned: no shared lr
    box.controls["rates"].value = "shared"
    assert not box.controls["lr"].disabled
    box.controls["lr"].value = 0.01
    box.controls["surface"].value = "rosenbrock"
    assert calls == [("tuned", 80, "quadratic"), (0.07, 80, "quadratic"),
                     (0.01, 80, "quadratic"), (0.01, 80, "rosenbrock")]


def test_leaky_alpha_is_enabled_only_for_leaky_relu():
    box = W.activation_explorer()
    alpha = box.controls["alpha"]
    assert alpha.disabled
    box.controls["name"].value = "leaky_relu"
    assert not alpha.disabled
    _, text = _png(box)
    assert "leaky_relu" in text
    box.controls["name"].value = "relu"
    assert alpha.disabled


def test_a_failing_draw_is_reported_in_the_output():
    def draw(x):
        if x > 1:
            raise ValueError(f"expected x <= 1, received: x={x}")
        fig, ax = plt.subplots()
        ax.plot([0, x])
        return fig

    slider = ipywidgets.FloatSlider(value=0.5, min=0, max=2)
    box = W._explorer(draw, {"x": slider})
    assert _png(box)[0].startswith(PNG_MAGIC)
    slider.value = 1.5
    (item,) = box.output.outputs
    assert item["output_type"] == "stream"
    assert "ValueError: expected x <= 1, received: x=1.5" in item["text"]
    assert plt.get_fignums() == []


@pytest.mark.parametrize("build", BUILDERS, ids=lambda f: f.__name__)
def test_without_ipywidgets_a_static_figure_is_returned(build, monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import fails
    with pytest.raises(ImportError):
        import ipywidgets  # noqa: F401
    fig = build()
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.lines or ax.collections
    assert (fig._suptitle is not None) or ax.get_title()


def test_static_true_returns_the_figure_with_ipywidgets_present():
    fig = W.activation_explorer(name="relu", static=True)
    assert isinstance(fig, Figure)
    assert fig.axes[0].get_title().startswith("relu: φ from 0 to 6")


# -- 1. learning rate ------------------------------------------------------

def test_learning_rate_figure_states_the_regime():
    X, y = data.load_example("linear")
    for lr, words in ((0.2, "< 2/lambda_max = 0.998"),
                      (0.8, "oscillates"), (1.2, "> 2/lambda_max")):
        ax_surface, ax_loss = W.draw_learning_rate(lr, 20)
        title = ax_surface.figure._suptitle.get_text()
        assert words in title
        assert linear.lr_regime(lr, X).split()[0] in title
        plt.close(ax_surface.figure)
    # other data, other bound: the title follows the data it is given
    ax_surface, _ = W.draw_learning_rate(0.5, 20, X=3 * X, y=y)
    assert "diverges" in ax_surface.figure._suptitle.get_text()


def test_learning_rate_figure_draws_the_descent_path():
    X, y = data.load_example("linear")
    ax_surface, ax_loss = W.draw_learning_rate(0.3, 25, start=(0.5, -1.0))
    path, losses = linear.descent_path(X, y, lr=0.3, steps=25,
                                       start=(0.5, -1.0))
    (line,) = [ln for ln in ax_surface.lines
               if ln.get_label() == "gradient descent"]
    np.testing.assert_array_equal(line.get_xydata(), path)
    np.testing.assert_array_equal(ax_loss.lines[0].get_ydata(), losses)
    # a diverging run is drawn up to where descent_path cut it
    _, ax_loss = W.draw_learning_rate(10.0, 200)
    assert "stopped after 3 steps" in ax_loss.get_title()


# -- 2. activations -------------------------------------------------------

def test_activation_figure_shades_each_saturated_interval():
    ax = W.draw_activation("sigmoid", z_range=(-8, 3))
    intervals = activations.saturated_intervals("sigmoid", z_range=(-8, 3))
    assert len(ax.patches) == len(intervals) == 2
    for patch, (a, b) in zip(ax.patches, intervals):
        left, right = patch.get_x(), patch.get_x() + patch.get_width()
        assert (left, right) == pytest.approx((a, b))
    assert ax.get_title().startswith("sigmoid: φ from 0.000335 to 0.953")


# -- 3. optimizers --------------------------------------------------------

def test_optimizer_figure_draws_the_paths_and_says_which_diverged():
    ax = W.draw_optimizers(lr=0.1, steps=80)
    paths = surfaces.optimizer_paths("quadratic", lr=0.1, steps=80)
    drawn = {ln.get_label().split(",")[0]: ln.get_xydata()
             for ln in ax.lines if ":" in ln.get_label()}
    assert list(drawn) == list(paths)
    for name, (path, _) in paths.items():
        np.testing.assert_array_equal(drawn[name], path)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "GD, lr 0.1: diverged" in labels   # lr > 2/25 on this surface
    assert any(label.startswith("Adam, lr 0.1: final loss")
               for label in labels)
    assert ax.get_title().endswith("one rate for all")


@pytest.mark.parametrize("surface", list(surfaces.SURFACES))
def test_by_default_each_optimizer_gets_its_own_tuned_rate(surface):
    ax = W.draw_optimizers(steps=60, surface=surface)
    rates = surfaces.tuned_learning_rates(surface, steps=60)
    paths = surfaces.optimizer_paths(surface, lr=rates, steps=60)
    f = surfaces.SURFACES[surface]["f"]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    for name, (path, _) in paths.items():
        assert (f"{name}, lr {rates[name]:.3g}: final loss "
                f"{f(*path[-1]):.2g}") in labels
    assert ax.get_title().endswith("each at its best rate on a grid")


# -- 4. decision boundary -------------------------------------------------

def test_spirals_use_three_classes_and_the_title_reports_accuracy():
    ax = W.draw_decision_boundary("spirals", depth=2, width=16, lr=0.01)
    title = ax.get_title()
    assert title.startswith("2-16-16-3 relu net")
    found = re.search(r"accuracy: training ([0-9.]+), validation ([0-9.]+)",
                      title)
    train_acc, val_acc = float(found.group(1)), float(found.group(2))
    # the same split and training, spelled out
    X, y = data.load_example("spirals")
    X_tr, X_val, y_tr, y_val = data.train_test_split(
        X, y, test_size=0.3, rng=0, stratify=True)
    model, trained = zoo.train_classifier(X_tr, y_tr, depth=2, width=16,
                                          lr=0.01)
    held_out = np.mean(model.predict(X_val).argmax(axis=1) == y_val)
    assert train_acc == round(trained, 3) > 0.9
    assert val_acc == round(held_out, 3)
    # the validation points are drawn circled, apart from the training ones
    (ring,) = [c for c in ax.collections
               if c.get_label() == "validation points"]
    np.testing.assert_array_equal(ring.get_offsets(), X_val)


def test_validation_accuracy_shows_overfitting_that_training_hides():
    # a wide net trained long on the 30 % noisiest-looking split: the
    # training accuracy is perfect, the held-out one is not
    X, y = data.make_moons(n_samples=60, noise=0.35, rng=0)
    ax = W.draw_decision_boundary(depth=3, width=64, lr=0.03, steps=500,
                                  X=X, y=y)
    found = re.search(r"accuracy: training ([0-9.]+), validation ([0-9.]+)",
                      ax.get_title())
    train_acc, val_acc = float(found.group(1)), float(found.group(2))
    assert train_acc == 1.0 and val_acc < 0.9


def test_explorer_on_given_data():
    X, y = data.make_moons(n_samples=60, noise=0.1, rng=3)
    box = W.decision_boundary_explorer(X, y, depth=1, width=8, steps=100)
    assert box.controls["dataset"].value == "your data"
    _, text = _png(box)
    assert "2-8-2 relu net, 100 Adam steps" in text
    box.controls["dataset"].value = "spirals"
    assert "-3 relu net" in _png(box)[1]


# -- bad input --------------------------------------------------------------

@pytest.mark.parametrize("call, message", [
    (lambda: W.learning_rate_explorer(lr=0), "lr=0"),
    (lambda: W.draw_learning_rate(0.1, 0), "steps=0"),
    (lambda: W.draw_learning_rate(X=np.ones((5, 2)), y=np.ones(5)),
     "received (5, 2)"),
    (lambda: W.draw_learning_rate(X=np.ones((5, 1))), "only one"),
    (lambda: W.draw_learning_rate(X=np.ones((5, 1)), y=np.ones(4)),
     "same number of samples"),
    (lambda: W.draw_learning_rate(start=(1.0, np.nan)), "start"),
    (lambda: W.learning_rate_explorer(np.ones((5, 1)), np.ones(4)),
     "same number of samples"),
    (lambda: W.learning_rate_explorer(np.ones((5, 1)), np.ones((5, 2))),
     "received (5, 2)"),
    (lambda: W.activation_explorer(name="softplus"), "softplus"),
    (lambda: W.draw_activation(z_range=(2, 1)), "low < high"),
    (lambda: W.optimizer_explorer(surface="bowl"), "surface='bowl'"),
    (lambda: W.draw_optimizers(lr=-1), "lr=-1"),
    (lambda: W.decision_boundary_explorer(dataset="iris"), "iris"),
    (lambda: W.decision_boundary_explorer(depth=-1), "depth=-1"),
    (lambda: W.draw_decision_boundary(X=np.ones((4, 3)), y=[0, 1, 0, 1]),
     "received (4, 3)"),
    (lambda: W.draw_decision_boundary(X=np.ones((4, 2))), "only one"),
    (lambda: W.decision_boundary_explorer(np.ones((4, 2)), [0, 1, 0]),
     "same number of samples"),
    (lambda: W.decision_boundary_explorer(np.ones((4, 2)), [0, 1, 0, 0.5]),
     "whole-number"),
])
def test_bad_input_is_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match="expected") as info:
        call()
    assert message in str(info.value)
