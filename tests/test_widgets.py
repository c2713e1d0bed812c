"""Tests of dlbook.widgets: the explorers, their figures and their numbers.

Every explorer is built without a kernel (ipywidgets then uses a dummy
comm), so these tests check what a saved notebook would hold: the initial
figure inside the Output, a redraw when a control changes, and the static
fallback without ipywidgets.  The numbers behind the learning-rate
explorer (the Hessian, the bound 2 / lambda_max, the regimes) are checked
against finite differences and against dlbook.linear.gradient_descent.
"""

import base64
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from dlbook import activations, data, gradcheck, linear, optim  # noqa: E402
from dlbook import widgets as W  # noqa: E402

BUILDERS = [W.learning_rate_explorer, W.activation_explorer,
            W.optimizer_explorer, W.decision_boundary_explorer]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def linear_data():
    return data.make_linear(rng=0)


def _png(box):
    """The PNG bytes and the text of the single output of an explorer."""
    (item,) = box.output.outputs
    assert item["output_type"] == "display_data"
    png = base64.b64decode(item["data"]["image/png"])
    return png, item["data"]["text/plain"]


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


CHANGES = {
    W.learning_rate_explorer: ("lr", 1.5, "diverges"),
    W.activation_explorer: ("name", "tanh", "tanh: f from -1 to 1"),
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
    box.controls["lr"].value = 0.01
    box.controls["surface"].value = "rosenbrock"
    assert calls == [(0.07, 80, "quadratic"), (0.01, 80, "quadratic"),
                     (0.01, 80, "rosenbrock")]


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
    assert fig.axes[0].get_title().startswith("relu: f from 0 to 6")


# -- 1. learning rate: the numbers ----------------------------------------

def test_hessian_matches_finite_differences(linear_data):
    X, y = linear_data
    H = linear.mse_hessian(X)
    theta = np.array([0.3, -0.7])

    def grad_component(i):
        def g(t):
            dw, db = linear.mse_gradient(X, y, t[:1], float(t[1]))
            return np.append(dw, db)[i]
        return g

    H_num = np.array([gradcheck.numerical_gradient(grad_component(i),
                                                   theta.copy())
                      for i in range(2)])
    assert gradcheck.relative_error(H, H_num) < 1e-6
    x = X[:, 0]
    np.testing.assert_allclose(H, 2 * np.array([[np.mean(x * x), x.mean()],
                                                [x.mean(), 1.0]]))
    # x ~ U(-1, 1): E[x^2] = 1/3 and E[x] = 0, so H ~ diag(2/3, 2); the
    # sample mean of x has standard error sqrt(1/3 / 1000) ~ 0.018
    np.testing.assert_allclose(H, [[2 / 3, 0], [0, 2]], atol=2 * 4 * 0.018)
    lambda_max, lr_max = linear.stability_bound(X)
    assert lambda_max == pytest.approx(np.linalg.eigvalsh(H_num)[-1],
                                       rel=1e-6)
    assert lr_max == pytest.approx(2 / lambda_max)
    assert 0.95 < lr_max < 1.05


def test_regimes_below_and_above_the_bound(linear_data):
    X, y = linear_data
    lambda_max, lr_max = linear.stability_bound(X)
    H = linear.mse_hessian(X)
    top = np.linalg.eigh(H)[1][:, -1]           # steepest direction
    w_opt, b_opt = linear.least_squares(X, y)
    opt = np.array([w_opt[0], b_opt])
    best = linear.mse(X, y, w_opt, b_opt)

    def run(lr, steps):
        path, losses = W.descent_path(X, y, lr, steps)
        # which side of the valley, over the first 20 steps (later the
        # distance to the optimum is down to rounding noise)
        side = np.sign((path[:21] - opt) @ top)
        return path, losses, np.count_nonzero(side[1:] != side[:-1])

    # below 1 / lambda_max: a monotone approach, no overshoot
    lr = 0.4 * lr_max
    assert linear.lr_regime(lr, X) == "converges"
    path, losses, flips = run(lr, 200)
    assert np.all(np.diff(losses) <= 1e-15)
    assert flips == 0
    assert losses[-1] == pytest.approx(best, rel=1e-9)

    # between 1 / lambda_max and 2 / lambda_max: overshoots, converges
    lr = 0.9 * lr_max
    assert linear.lr_regime(lr, X) == "oscillates"
    path, losses, flips = run(lr, 200)
    assert flips == 20                          # a flip at every step
    assert losses[-1] == pytest.approx(best, rel=1e-9)

    # above 2 / lambda_max: |1 - lr lambda_max| = 1.2 > 1, it blows up
    lr = 1.1 * lr_max
    assert linear.lr_regime(lr, X) == "diverges"
    path, losses, flips = run(lr, 200)
    assert losses[-1] > 1e6 * losses[0]
    assert len(path) < 201                      # stopped before overflow
    growth = losses[-1] / losses[-2]
    assert growth == pytest.approx((1 - lr * lambda_max) ** 2, rel=0.01)

    # just either side of the bound
    assert linear.lr_regime(0.999 * lr_max, X) == "oscillates"
    assert linear.lr_regime(1.001 * lr_max, X) == "diverges"


def test_descent_path_is_sgd_on_the_mse_gradient(linear_data):
    X, y = linear_data
    path, losses = W.descent_path(X, y, 0.3, 50, start=(0.5, -1.0))
    assert path.shape == (51, 2) and losses.shape == (51,)
    # the same run by another route: dlbook.optim.SGD stepping (w, b)
    # with dlbook.linear.mse_gradient
    params = {"w": np.array([0.5]), "b": np.array([-1.0])}
    sgd = optim.SGD(0.3)
    for k in range(50):
        np.testing.assert_allclose(path[k], [params["w"][0],
                                             params["b"][0]], rtol=1e-12)
        assert losses[k] == pytest.approx(
            linear.mse(X, y, params["w"], params["b"][0]), rel=1e-12)
        dw, db = linear.mse_gradient(X, y, params["w"], params["b"][0])
        sgd.step(params, {"w": dw, "b": np.array([db])})
    np.testing.assert_allclose(path[50], [params["w"][0], params["b"][0]],
                               rtol=1e-12)


def test_descent_path_is_cut_where_the_loss_blows_up(linear_data):
    X, y = linear_data
    # lr * lambda_max = 20: the loss grows ~ 19**2 = 361-fold per step and
    # would overflow float64 within 200 steps
    path, losses = W.descent_path(X, y, 10.0, 200)
    assert np.all(np.isfinite(path)) and np.all(np.isfinite(losses))
    assert losses[-1] > 1e6 * (losses[0] + 1) > losses[-2]
    assert len(path) == len(losses) < 10
    with pytest.raises(FloatingPointError, match="smaller learning rate"):
        linear.gradient_descent(X, y, lr=10.0, epochs=200)


def test_learning_rate_figure_states_the_regime(linear_data):
    X, y = linear_data
    _, lr_max = linear.stability_bound(X)
    for lr, words in ((0.2, "< 2/lambda_max = 0.998"),
                      (0.8, "oscillates"), (1.2, "> 2/lambda_max")):
        ax_surface, ax_loss = W.draw_learning_rate(lr, 20)
        title = ax_surface.figure._suptitle.get_text()
        assert words in title
        assert linear.lr_regime(lr, X).split()[0] in title
        plt.close(ax_surface.figure)
    # other data, other bound: x scaled by 3 multiplies E[x^2] by 9
    X3 = 3 * X
    _, lr_max3 = linear.stability_bound(X3)
    assert lr_max3 == pytest.approx(2 / np.linalg.eigvalsh(
        2 / len(X) * np.c_[X3, np.ones(len(X))].T
        @ np.c_[X3, np.ones(len(X))])[-1])
    assert lr_max3 < lr_max / 2
    assert linear.lr_regime(0.5, X3) == "diverges"
    assert linear.lr_regime(0.5, X) == "oscillates"


# -- 2. activations -------------------------------------------------------

def test_saturated_intervals_match_the_derivatives():
    step = 12 / 2000                            # grid spacing on (-6, 6)
    # sigmoid'(z) = 0.05  <=>  s = (1 + sqrt(0.8)) / 2
    s = (1 + np.sqrt(0.8)) / 2
    z_sig = np.log(s / (1 - s))
    (a, b), (c, d) = W.saturated_intervals("sigmoid")
    assert (a, d) == (-6.0, 6.0)
    assert abs(b + z_sig) <= step and abs(c - z_sig) <= step
    assert activations.sigmoid_prime(np.array([b, c])).max() < 0.05
    # tanh'(z) = 0.05  <=>  tanh(z) = sqrt(0.95)
    (_, b), (c, _) = W.saturated_intervals("tanh")
    assert abs(c - np.arctanh(np.sqrt(0.95))) <= step
    assert W.saturated_intervals("relu") == [(-6.0, 0.0)]
    assert W.saturated_intervals("leaky_relu", alpha=0.1) == []
    assert W.saturated_intervals("leaky_relu", alpha=0.01) == [(-6.0, 0.0)]


def test_activation_figure_shades_each_saturated_interval():
    ax = W.draw_activation("sigmoid", z_range=(-8, 3))
    assert len(ax.patches) == len(W.saturated_intervals("sigmoid", (-8, 3)))
    assert len(ax.patches) == 2
    assert ax.get_title().startswith("sigmoid: f from 0.000335 to 0.953")


# -- 3. optimizers --------------------------------------------------------

@pytest.mark.parametrize("surface", list(W.SURFACES))
def test_surface_gradients_match_finite_differences(surface):
    spec = W.SURFACES[surface]
    for point in ([0.3, -0.8], spec["start"], [1.7, 0.2]):
        err = gradcheck.check_function(lambda w: float(spec["f"](*w)),
                                       spec["grad"], np.array(point, float))
        assert err < 1e-7
    assert spec["f"](*spec["minimum"]) == 0
    np.testing.assert_allclose(spec["grad"](np.array(spec["minimum"])), 0)


def test_optimizer_paths_are_dlbook_optimizer_steps():
    spec = W.SURFACES["quadratic"]
    start = np.array(spec["start"])
    paths = W.optimizer_paths(lr=0.07, steps=80)
    assert list(paths) == ["SGD", "Momentum (0.9)", "Adam"]
    np.testing.assert_allclose(paths["SGD"][0][1],
                               start - 0.07 * spec["grad"](start))
    # Adam's first step moves every coordinate by lr (sign of the gradient)
    np.testing.assert_allclose(np.abs(paths["Adam"][0][1] - start), 0.07,
                               rtol=1e-5)
    for name, (path, diverged) in paths.items():
        assert path.shape == (81, 2) and not diverged
        assert spec["f"](*path[-1]) < spec["f"](*start) / 100, name
    # plain gradient descent is stable only for lr < 2 / 25 = 0.08
    paths = W.optimizer_paths(lr=0.1, steps=80)
    assert paths["SGD"][1] and len(paths["SGD"][0]) < 81
    assert not paths["Adam"][1]
    ax = W.draw_optimizers(lr=0.1, steps=80)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "SGD: diverged" in labels


# -- 4. decision boundary -------------------------------------------------

def test_a_hidden_layer_learns_what_a_linear_model_cannot():
    X, y = W.DATASETS["circles"]()
    _, linear_acc = W.train_classifier(X, y, depth=0)
    model, net_acc = W.train_classifier(X, y, depth=2, width=16)
    assert linear_acc < 0.75 < 0.95 < net_acc
    assert len(model.history_["loss"]) == 300
    assert model.history_["loss"][-1] < model.history_["loss"][0] / 10


def test_spirals_use_three_classes_and_the_title_reports_accuracy():
    ax = W.draw_decision_boundary("spirals", depth=2, width=16, lr=0.01)
    title = ax.get_title()
    assert title.startswith("2-16-16-3 relu net")
    accuracy = float(title.rsplit("train accuracy ", 1)[1])
    assert accuracy > 0.9


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
    (lambda: W.descent_path(np.ones((5, 1)), np.ones(4), 0.1, 3),
     "same number of samples"),
    (lambda: W.activation_explorer(name="softplus"), "softplus"),
    (lambda: W.draw_activation(z_range=(2, 1)), "low < high"),
    (lambda: W.optimizer_explorer(surface="bowl"), "surface='bowl'"),
    (lambda: W.optimizer_paths(start=(1.0, np.nan)), "start"),
    (lambda: W.decision_boundary_explorer(dataset="iris"), "iris"),
    (lambda: W.decision_boundary_explorer(depth=-1), "depth=-1"),
    (lambda: W.train_classifier(np.ones((4, 3)), [0, 1, 0, 1]),
     "received (4, 3)"),
])
def test_bad_input_is_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match="expected") as info:
        call()
    assert message in str(info.value)
