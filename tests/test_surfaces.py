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
    assert list(paths) == ["SGD", "Momentum (0.9)", "Adam"]
    np.testing.assert_allclose(paths["SGD"][0][1],
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
    # the quadratic's Hessian is diag(1, 25): SGD is stable for lr < 0.08
    paths = surfaces.optimizer_paths("quadratic", lr=0.1, steps=80)
    path, diverged = paths["SGD"]
    assert diverged and len(path) < 81
    f = surfaces.quadratic
    assert f(*path[-1]) >= 1e6 * (f(*path[0]) + 1) > f(*path[-2])
    assert not paths["Adam"][1]
    stable = surfaces.optimizer_paths("quadratic", lr=0.079, steps=80)
    assert not stable["SGD"][1]


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
