"""Tests for dlbook.linear: exact solution, gradients, gradient descent."""

import numpy as np
import pytest

from dlbook import linear
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
                 lambda: linear.mse_gradient(X, y, np.zeros(1), 0.0)):
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
