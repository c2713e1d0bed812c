"""Tests for dlbook.linear: exact solution, gradients, gradient descent,
the Hessian and the stability bound, and the descent path the learning-rate
explorer draws."""

import numpy as np
import pytest

from dlbook import gradcheck, linear, optim
from dlbook.data import make_linear
from dlbook.gradcheck import numerical_gradient, relative_error


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_least_squares_recovers_the_articles_line(seed):
    X, y = make_linear(rng=seed)                      # y = 2x + 1 + noise
    w, b = linear.least_squares(X, y)
    assert w.shape == (1,) and isinstance(b, float)
    assert abs(w[0] - 2.0) < 0.05, w
    assert abs(b - 1.0) < 0.05, b


def test_least_squares_exact_on_noiseless_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    y = X @ np.array([1.0, -2.0, 3.0]) + 0.5
    w, b = linear.least_squares(X, y)
    np.testing.assert_allclose(w, [1.0, -2.0, 3.0], atol=1e-12)
    assert abs(b - 0.5) < 1e-12
    w2, b2 = linear.least_squares(X, y[:, None])      # (n, 1) accepted
    np.testing.assert_array_equal(w2, w)
    assert b2 == b


def test_mse_gradient_hand_case():
    X = np.array([[1.0], [2.0]])
    y = np.array([1.0, 2.0])
    # residual r = [0 - 1, 0 - 2]; dw = 2/2 (1*-1 + 2*-2); db = 2/2 (-3)
    dw, db = linear.mse_gradient(X, y, np.array([0.0]), 0.0)
    np.testing.assert_allclose(dw, [-5.0])
    assert db == -3.0
    dw_half, db_half = linear.mse_gradient(X, y, np.array([0.0]), 0.0,
                                           half=True)
    np.testing.assert_allclose(dw_half, [-2.5])
    assert db_half == -1.5
    assert linear.mse(X, y, [0.0], 0.0) == 2.5        # (1 + 4) / 2
    assert linear.mse(X, y, [0.0], 0.0, half=True) == 1.25


@pytest.mark.parametrize("half", [False, True])
@pytest.mark.parametrize("n, d", [(1, 1), (7, 1), (20, 3), (5, 8)])
def test_mse_gradient_matches_central_differences(n, d, half):
    rng = np.random.default_rng(n * 10 + d)
    X = rng.normal(size=(n, d))
    y = rng.normal(size=n)
    w = rng.normal(size=d)
    b = np.array([rng.normal()])
    dw, db = linear.mse_gradient(X, y, w, float(b[0]), half=half)
    assert dw.shape == (d,) and isinstance(db, float)
    num_dw = numerical_gradient(
        lambda v: linear.mse(X, y, v, float(b[0]), half=half), w)
    num_db = numerical_gradient(
        lambda v: linear.mse(X, y, w, float(v[0]), half=half), b)
    assert relative_error(dw, num_dw) <= 1e-6, (dw, num_dw)
    assert relative_error(np.array([db]), num_db) <= 1e-6, (db, num_db)


def test_gradient_descent_converges_to_least_squares():
    X, y = make_linear(rng=0)
    w_ls, b_ls = linear.least_squares(X, y)
    w, b, losses = linear.gradient_descent(X, y, lr=0.5, epochs=300)
    np.testing.assert_allclose(w, w_ls, atol=1e-8)
    assert abs(b - b_ls) < 1e-8
    assert len(losses) == 300
    assert all(isinstance(v, float) for v in losses)
    assert np.all(np.diff(losses) <= 1e-15), "loss went up"
    assert losses[0] == linear.mse(X, y, [0.0], 0.0)   # loss before step 1
    assert abs(losses[-1] - linear.mse(X, y, w_ls, b_ls)) < 1e-12


def test_gradient_descent_multifeature_and_start_point():
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, size=(300, 3))
    y = X @ np.array([0.5, -1.0, 2.0]) - 0.25 + 0.05 * rng.normal(size=300)
    w_ls, b_ls = linear.least_squares(X, y)
    w0 = np.array([3.0, 3.0, 3.0])
    w, b, _ = linear.gradient_descent(X, y, lr=0.4, epochs=2000, w0=w0,
                                      b0=-2.0)
    np.testing.assert_allclose(w, w_ls, atol=1e-8)
    assert abs(b - b_ls) < 1e-8
    np.testing.assert_array_equal(w0, [3.0, 3.0, 3.0],
                                  err_msg="w0 was modified")


def test_gradient_descent_path():
    X, y = make_linear(100, rng=2)
    w, b, losses, path = linear.gradient_descent(X, y, lr=0.3, epochs=20,
                                                 b0=0.5, return_path=True)
    assert path.shape == (21, 2)
    np.testing.assert_array_equal(path[0], [0.0, 0.5])
    np.testing.assert_array_equal(path[-1], [w[0], b])
    for k in (0, 7, 19):
        assert losses[k] == linear.mse(X, y, path[k, :1], path[k, 1])


def test_divergence_raises_naming_the_epoch_and_the_fix():
    X, y = make_linear(100, rng=0)
    with pytest.raises(FloatingPointError,
                       match=r"epoch \d+ of 5000.*smaller learning rate"):
        linear.gradient_descent(X, y, lr=10.0, epochs=5000)


@pytest.mark.parametrize("X, y, match", [
    (np.zeros(5), np.zeros(5), "2 dimensions"),
    (np.zeros((5, 1)), np.zeros(4), "same number of samples"),
    (np.zeros((5, 1)), np.zeros((5, 2)), r"\(n_samples, 1\)"),
    (np.zeros((0, 1)), np.zeros(0), "non-empty"),
    (np.array([[1.0], [np.nan]]), np.zeros(2), "NaN"),
    (np.zeros((2, 1)), np.array([1.0, np.inf]), "NaN or infinite"),
    ([["a"], ["b"]], [1, 2], "numeric"),
])
def test_bad_arrays(X, y, match):
    for call in (lambda: linear.least_squares(X, y),
                 lambda: linear.gradient_descent(X, y),
                 lambda: linear.mse_gradient(X, y, np.zeros(1), 0.0),
                 lambda: linear.descent_path(X, y, lr=0.1, steps=3)):
        with pytest.raises(ValueError, match=match):
            call()


@pytest.mark.parametrize("kwargs, match", [
    ({"lr": 0}, "lr=0"),
    ({"lr": -0.1}, "lr=-0.1"),
    ({"lr": np.nan}, "lr=nan"),
    ({"epochs": 0}, "epochs=0"),
    ({"epochs": 2.5}, "epochs=2.5"),
    ({"w0": np.zeros(3)}, r"w of shape \(1,\)"),
    ({"b0": np.inf}, "b=inf"),
])
def test_gradient_descent_bad_arguments(kwargs, match):
    X, y = make_linear(20, rng=0)
    with pytest.raises(ValueError, match=match):
        linear.gradient_descent(X, y, **kwargs)


# -- the Hessian, the stability bound and the regimes ------------------------

@pytest.fixture(scope="module")
def linear_data():
    return make_linear(rng=0)


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


def test_the_bound_scales_with_the_data(linear_data):
    X, _ = linear_data
    _, lr_max = linear.stability_bound(X)
    # x scaled by 3 multiplies E[x^2] by 9
    X3 = 3 * X
    _, lr_max3 = linear.stability_bound(X3)
    assert lr_max3 == pytest.approx(2 / np.linalg.eigvalsh(
        2 / len(X) * np.c_[X3, np.ones(len(X))].T
        @ np.c_[X3, np.ones(len(X))])[-1])
    assert lr_max3 < lr_max / 2
    assert linear.lr_regime(0.5, X3) == "diverges"
    assert linear.lr_regime(0.5, X) == "oscillates"


def test_regimes_below_and_above_the_bound(linear_data):
    X, y = linear_data
    lambda_max, lr_max = linear.stability_bound(X)
    H = linear.mse_hessian(X)
    top = np.linalg.eigh(H)[1][:, -1]           # steepest direction
    w_opt, b_opt = linear.least_squares(X, y)
    opt = np.array([w_opt[0], b_opt])
    best = linear.mse(X, y, w_opt, b_opt)

    def run(lr, steps):
        path, losses = linear.descent_path(X, y, lr=lr, steps=steps)
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


# -- descent_path ------------------------------------------------------------

def test_descent_path_is_sgd_on_the_mse_gradient(linear_data):
    X, y = linear_data
    path, losses = linear.descent_path(X, y, lr=0.3, steps=50,
                                       start=(0.5, -1.0))
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


def test_descent_path_with_several_features_is_gradient_descent():
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, size=(200, 3))
    y = X @ np.array([0.5, -1.0, 2.0]) - 0.25
    start = np.array([1.0, 2.0, 3.0, -1.0])
    path, losses = linear.descent_path(X, y, lr=0.2, steps=30, start=start)
    w, b, gd_losses, gd_path = linear.gradient_descent(
        X, y, lr=0.2, epochs=30, w0=start[:3], b0=start[3],
        return_path=True)
    assert path.shape == (31, 4) and losses.shape == (31,)
    np.testing.assert_array_equal(path, gd_path)
    np.testing.assert_array_equal(losses[:-1], gd_losses)
    assert losses[-1] == pytest.approx(linear.mse(X, y, w, b), rel=1e-12)
    # the default start is the origin
    path0, _ = linear.descent_path(X, y, lr=0.2, steps=1)
    np.testing.assert_array_equal(path0[0], np.zeros(4))


def test_descent_path_is_cut_where_the_loss_blows_up(linear_data):
    X, y = linear_data
    # lr * lambda_max = 20: the loss grows ~ 19**2 = 361-fold per step and
    # would overflow float64 within 200 steps
    path, losses = linear.descent_path(X, y, lr=10.0, steps=200)
    assert np.all(np.isfinite(path)) and np.all(np.isfinite(losses))
    assert losses[-1] > 1e6 * (losses[0] + 1) > losses[-2]
    assert len(path) == len(losses) < 10
    with pytest.raises(FloatingPointError, match="smaller learning rate"):
        linear.gradient_descent(X, y, lr=10.0, epochs=200)


@pytest.mark.parametrize("kwargs, match", [
    ({"lr": 0, "steps": 3}, "lr=0"),
    ({"lr": 0.1, "steps": 0}, "steps=0"),
    ({"lr": 0.1, "steps": 3, "start": (1.0, np.nan)}, "start"),
    ({"lr": 0.1, "steps": 3, "start": (1.0, 2.0, 3.0)},
     r"start of shape \(2,\).*received shape \(3,\)"),
])
def test_descent_path_bad_arguments(kwargs, match):
    X, y = make_linear(20, rng=0)
    with pytest.raises(ValueError, match=match):
        linear.descent_path(X, y, **kwargs)
    with pytest.raises(TypeError):
        linear.descent_path(X, y, 0.1, 3)       # options are keywords
