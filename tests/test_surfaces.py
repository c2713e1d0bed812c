"""Tests for dlbook.surfaces: the test surfaces, their gradients, and the
paths dlbook's optimizers take on them."""

import numpy as np
import pytest

from dlbook import gradcheck, optim, surfaces


@pytest.mark.parametrize("surface", list(surfaces.SURFACES))
def test_surface_gradients_match_finite_differences(surface):
    spec = surfaces.SURFACES[surface]
    for point in ([0.3, -0.8], spec["start"], [1.7, 0.2]):
        err = gradcheck.check_function(lambda w: float(spec["f"](*w)),
                                       spec["grad"], np.array(point, float))
        assert err < 1e-7
    assert spec["f"](*spec["minimum"]) == 0
    np.testing.assert_allclose(spec["grad"](np.array(spec["minimum"])), 0)


def test_surfaces_hand_values_and_vectorised():
    assert surfaces.quadratic(2.0, 1.0) == 0.5 * (4 + 25)
    assert surfaces.rosenbrock(0.0, 1.0) == 1 + 10
    W1, W2 = np.meshgrid([-1.0, 0.0, 2.0], [0.5, 1.5])
    for name in surfaces.SURFACES:
        f = surfaces.SURFACES[name]["f"]
        Z = f(W1, W2)
        assert Z.shape == (2, 3)
        assert Z[1, 2] == f(2.0, 1.5)


def test_optimizer_paths_are_dlbook_optimizer_steps():
    spec = surfaces.SURFACES["quadratic"]
    start = np.array(spec["start"])
    paths = surfaces.optimizer_paths(lr=0.07, steps=80)
    assert list(paths) == ["GD", "Momentum (0.9)", "Adam"]
    np.testing.assert_allclose(paths["GD"][0][1],
                               start - 0.07 * spec["grad"](start))
    # Adam's first step moves every coordinate by lr (sign of the gradient)
    np.testing.assert_allclose(np.abs(paths["Adam"][0][1] - start), 0.07,
                               rtol=1e-5)
    for name, (path, diverged) in paths.items():
        assert path.shape == (81, 2) and not diverged
        assert spec["f"](*path[-1]) < spec["f"](*start) / 100, name
    # the whole Momentum path, by hand with dlbook.optim.Momentum
    params, momentum = {"w": start.copy()}, optim.Momentum(0.07, 0.9)
    for k in range(80):
        np.testing.assert_array_equal(paths["Momentum (0.9)"][0][k],
                                      params["w"])
        momentum.step(params, {"w": spec["grad"](params["w"])})


def test_plain_descent_diverges_above_two_over_the_top_curvature():
    # the quadratic's Hessian is diag(1, 25): GD is stable for lr < 0.08
    paths = surfaces.optimizer_paths("quadratic", lr=0.1, steps=80)
    path, diverged = paths["GD"]
    assert diverged and len(path) < 81
    f = surfaces.quadratic
    assert f(*path[-1]) >= 1e6 * (f(*path[0]) + 1) > f(*path[-2])
    assert not paths["Adam"][1]
    stable = surfaces.optimizer_paths("quadratic", lr=0.079, steps=80)
    assert not stable["GD"][1]


def test_rosenbrock_from_a_given_start():
    paths = surfaces.optimizer_paths("rosenbrock", lr=0.01, steps=300,
                                     start=(0.0, 0.0))
    for name, (path, diverged) in paths.items():
        np.testing.assert_array_equal(path[0], [0.0, 0.0])
        assert not diverged
        assert surfaces.rosenbrock(*path[-1]) < 1.0 / 2, name  # f(0, 0) = 1


@pytest.mark.parametrize("kwargs, match", [
    ({"surface": "bowl"}, "surface='bowl'"),
    ({"lr": 0}, "lr=0"),
    ({"steps": 0}, "steps=0"),
    ({"start": (1.0, np.nan)}, "start"),
    ({"start": (1.0, 2.0, 3.0)}, r"start of shape \(2,\)"),
])
def test_optimizer_paths_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        surfaces.optimizer_paths(**kwargs)
    with pytest.raises(TypeError):
        surfaces.optimizer_paths("quadratic", 0.07)     # keywords only


def test_each_optimizer_can_have_its_own_rate():
    rates = {"GD": 0.05, "Momentum (0.9)": 0.01, "Adam": 0.3}
    paths = surfaces.optimizer_paths("quadratic", lr=rates, steps=5)
    for name, rate in rates.items():
        alone = surfaces.optimizer_paths("quadratic", lr=rate, steps=5)
        np.testing.assert_array_equal(paths[name][0], alone[name][0])
    with pytest.raises(ValueError, match="a learning rate for each"):
        surfaces.optimizer_paths(lr={"GD": 0.1})
    with pytest.raises(ValueError, match="lr\\['Adam'\\]=0"):
        surfaces.optimizer_paths(lr=dict(rates, Adam=0))


@pytest.mark.parametrize("surface", list(surfaces.SURFACES))
def test_tuned_rates_are_each_optimizers_best_on_the_grid(surface):
    grid = (0.003, 0.01, 0.03, 0.1, 0.3)
    rates = surfaces.tuned_learning_rates(surface, steps=40, grid=grid)
    f = surfaces.SURFACES[surface]["f"]
    final = {}                          # (name, rate) -> final loss
    for rate in grid:
        for name, (path, diverged) in surfaces.optimizer_paths(
                surface, lr=rate, steps=40).items():
            final[name, rate] = np.inf if diverged else f(*path[-1])
    for name, best in rates.items():
        assert best in grid and np.isfinite(final[name, best])
        assert all(final[name, best] <= final[name, r] for r in grid)


def test_tuned_rates_on_the_explorer_surfaces():
    # the book's reading of the default grid: on the quadratic (curvatures
    # 1 and 25) tuned gradient descent ends lowest after 80 steps; on the
    # curved Rosenbrock valley momentum and Adam end far below it
    assert surfaces.LEARNING_RATES[0] == 0.001
    assert surfaces.LEARNING_RATES[-1] == 3.16
    assert len(surfaces.LEARNING_RATES) == 15
    final = {}
    for surface in surfaces.SURFACES:
        rates = surfaces.tuned_learning_rates(surface, steps=80)
        f = surfaces.SURFACES[surface]["f"]
        final[surface] = {
            name: f(*path[-1]) for name, (path, _) in
            surfaces.optimizer_paths(surface, lr=rates, steps=80).items()}
    quadratic, rosenbrock = final["quadratic"], final["rosenbrock"]
    assert quadratic["GD"] < min(quadratic["Momentum (0.9)"],
                                 quadratic["Adam"])
    assert 100 * max(rosenbrock["Momentum (0.9)"],
                     rosenbrock["Adam"]) < rosenbrock["GD"]


@pytest.mark.parametrize("kwargs, match", [
    ({"surface": "bowl"}, "surface='bowl'"),
    ({"grid": ()}, "grid=\\[\\]"),
    ({"grid": (0.01, -1.0)}, "grid=-1"),
    ({"grid": (50.0, 100.0)}, "diverged every time"),
])
def test_tuned_learning_rates_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        surfaces.tuned_learning_rates(**kwargs)
