"""Chapter 3's derivations in "Learning-rate schedules and the noise of
SGD" and "Batch normalisation", as the two notebooks check them.

The schedules against Keras are in test_training_controls.py and the
layer's gradient and twin in test_batchnorm.py; this file checks the
book's own formulas: SGD's noise floor (first order and exact), the
compact batch-norm gradient and its two sums over the batch, and the
claims the pages build on them.
"""

import numpy as np
import pytest

from dlbook import SGD, Dense, ReLU, Sequential, linear
from dlbook.gradcheck import numerical_gradient, relative_error
from dlbook.losses import MeanSquaredError
from dlbook.normalization import BatchNormalization
from dlbook.optim import CosineDecay


# -- SGD's noise floor ------------------------------------------------------
def _regression(n=2000, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = (X @ np.array([1.0, -2.0, 0.5, 3.0])[:d] + 1.0
         + 0.5 * rng.standard_normal(n))[:, None]
    w, b = linear.least_squares(X, y)
    X1 = np.hstack([X, np.ones((n, 1))])
    r = X1 @ np.append(w, b) - y[:, 0]
    g = 2 * r[:, None] * X1                        # per-sample gradients
    C = g.T @ g / n - np.outer(g.mean(0), g.mean(0))
    H_L = 2 / n * X1.T @ X1
    return X, y, linear.mse(X, y, w, b), C, H_L


def _exact_floor(lr, batch_size, C, H_L):
    """0.5 tr(H_L S) for S = M S M + lr^2 C / B, M = I - lr H_L."""
    k = len(H_L)
    M = np.eye(k) - lr * H_L
    S = np.linalg.solve(np.eye(k * k) - np.kron(M, M),
                        (lr ** 2 * C / batch_size).ravel())
    return 0.5 * np.trace(H_L @ S.reshape(k, k))


def _first_order_floor(lr, batch_size, C):        # (eq-ch3-noise-floor)
    return lr * np.trace(C) / (4 * batch_size)


def test_exact_floor_tends_to_the_first_order_formula():
    _, _, _, C, H_L = _regression()
    for lr, tol in ((0.05, 0.1), (0.005, 0.01), (0.0005, 0.001)):
        ratio = _exact_floor(lr, 8, C, H_L) / _first_order_floor(lr, 8, C)
        assert 1.0 < ratio < 1.0 + tol
    # proportional to lr / B to first order: B only divides
    assert _exact_floor(0.05, 32, C, H_L) == pytest.approx(
        _exact_floor(0.05, 8, C, H_L) / 4, rel=1e-12)


def test_one_dimensional_floor_closed_form():
    """Estimating a mean: the exact floor is lr Var(y) / (B (1 - lr))."""
    y = np.random.default_rng(3).normal(2.0, 1.5, size=500)
    lr, batch_size = 0.1, 4
    C = np.array([[4 * y.var()]])
    H_L = np.array([[2.0]])
    assert _exact_floor(lr, batch_size, C, H_L) == pytest.approx(
        lr * y.var() / (batch_size * (1 - lr)), rel=1e-12)
    theta = np.zeros(4000)                          # 4000 SGD runs at once
    rng = np.random.default_rng(0)
    for _ in range(200):
        rows = rng.integers(0, len(y), size=(len(theta), batch_size))
        theta -= lr * 2 * (theta - y[rows].mean(axis=1))
    measured = np.mean((theta - y.mean()) ** 2)
    assert measured == pytest.approx(lr * y.var() / (batch_size * (1 - lr)),
                                     rel=0.06)


def _sgd_excess(X, y, L_star, lr, batch_size, steps, seed=1):
    model = Sequential([Dense(X.shape[1], 1, rng=0)])
    model.compile(optimizer=SGD(lr), loss="mse")
    draw = np.random.default_rng(seed)
    mse = MeanSquaredError()
    excess = np.empty(steps)
    for t in range(steps):
        rows = draw.integers(0, len(X), size=batch_size)
        model.train_step(X[rows], y[rows])
        excess[t] = mse(y, model.forward(X)) - L_star
    return excess


def test_sgd_plateaus_at_the_predicted_floor_and_decay_goes_below():
    X, y, L_star, C, _ = _regression()
    T = 3000
    floors = {}
    for name, lr, batch_size in (("A", 0.05, 8), ("B", 0.0125, 8),
                                 ("E", 0.05, 32)):
        steps = T if batch_size == 8 else T // 4    # E: A's samples
        e = _sgd_excess(X, y, L_star, lr, batch_size, steps)
        floors[name] = e[steps // 2:].mean()
        predicted = _first_order_floor(lr, batch_size, C)
        assert 0.75 < floors[name] / predicted < 1.33, name
    assert 2.5 < floors["A"] / floors["B"] < 6
    assert 2.5 < floors["A"] / floors["E"] < 6
    cosine = _sgd_excess(X, y, L_star, CosineDecay(0.05, T), 8, T)
    assert cosine[-100:].mean() < floors["A"] / 10


def test_linear_scaling_breaks_near_the_stability_bound():
    """lr = 0.05 B / 8 keeps lr / B, hence the first-order floor; the exact
    floor grows by about 2 / (2 - lr lam) per direction and stops existing
    past lr = 2 / lam_max."""
    _, _, _, C, H_L = _regression()
    lam_max = np.linalg.eigvalsh(H_L)[-1]
    first = _first_order_floor(0.05, 8, C)
    for batch_size in (32, 64, 128):
        lr = 0.05 * batch_size / 8
        assert _first_order_floor(lr, batch_size, C) == pytest.approx(first)
    assert _exact_floor(0.05, 8, C, H_L) < 1.1 * first
    assert 0.8 * lam_max < 2 < 1.6 * lam_max       # B = 128 stable, 256 not
    assert _exact_floor(0.8, 128, C, H_L) > 4 * first


def test_network_loss_is_not_convex():
    """Swapping two hidden units keeps the loss; the midpoint of the two
    parameter vectors can be several times worse."""
    from dlbook import Tanh, data
    X, y = data.make_moons(n_samples=200, noise=0.2, rng=0)
    y = y.astype(float)[:, None]
    net = Sequential([Dense(2, 4, rng=0), Tanh(), Dense(4, 1, rng=1)])
    net.compile(optimizer=SGD(0.3), loss="mse").fit(X, y, epochs=100,
                                                    batch_size=20, rng=0)
    W1, b1, W2, b2 = theta_a = net.get_weights()
    L_a = net.evaluate(X, y)["loss"]
    worst = 0.0
    for i in range(4):
        for j in range(i + 1, 4):
            p = np.arange(4)
            p[[i, j]] = j, i
            theta_b = [W1[:, p], b1[p], W2[p], b2]
            assert net.set_weights(theta_b).evaluate(X, y)["loss"] == \
                pytest.approx(L_a, abs=1e-12)
            mid = [(a + b) / 2 for a, b in zip(theta_a, theta_b)]
            worst = max(worst, net.set_weights(mid).evaluate(X, y)["loss"])
    assert worst > 2 * L_a


def test_saddle_stable_line_and_noise():
    def descend(start, noise=0.0, seed=0, lr=0.1, steps=300):
        rng = np.random.default_rng(seed)
        p = np.array(start, dtype=float)
        for _ in range(steps):
            grad = np.array([p[0], p[1] ** 3 - p[1]])
            p = p - lr * (grad + noise * rng.standard_normal(2))
        return p

    u, v = descend((2.0, 0.0))
    assert v == 0.0 and abs(u) < 1e-12            # converged to the saddle
    u, v = descend((2.0, 1e-6), steps=130)         # off the line: a plateau,
    assert abs(v) < 0.5                            # ln(1e6) / ln(1.1) = 145
    u, v = descend((2.0, 1e-6), steps=160)         # steps to leave it
    assert abs(v - 1) < 0.1
    for seed in range(5):                          # noise finds a minimum
        assert abs(abs(descend((2.0, 0.0), 0.01, seed)[1]) - 1) < 0.1


# -- batch normalisation ---------------------------------------------------
def _bn(seed=0):
    rng = np.random.default_rng(seed)
    bn = BatchNormalization(3)
    bn.params["gamma"][:] = rng.uniform(0.5, 2.0, 3)
    bn.params["beta"][:] = rng.standard_normal(3)
    bn.moving_mean[:] = rng.standard_normal(3)
    bn.moving_variance[:] = rng.uniform(0.5, 2.0, 3)
    return bn


def _book_backward(g, X, gamma, epsilon, mean=None, var=None):
    """(eq-ch3-bn-grad-params) and (eq-ch3-bn-grad-x), as the page writes
    them; given moving statistics it is inference mode."""
    training = mean is None
    if training:
        mean, var = X.mean(0), X.var(0)
    s = 1 / np.sqrt(var + epsilon)
    x_hat = (X - mean) * s
    dbeta, dgamma = g.sum(0), (g * x_hat).sum(0)
    if not training:
        return gamma * s * g, dgamma, dbeta
    m = len(X)
    return gamma * s / m * (m * g - dbeta - x_hat * dgamma), dgamma, dbeta


@pytest.mark.parametrize("training", [True, False])
def test_book_gradient_formula_fd_and_tf(training, tf):
    from dlbook import twins
    bn = _bn()
    rng = np.random.default_rng(1)
    X = rng.standard_normal((6, 3)) * [2.0, 0.5, 1.0] + [1.0, -1.0, 3.0]
    R = rng.standard_normal((6, 3))
    klayer = twins.keras_layer(bn, dtype="float64", input_shape=(3,))
    stats = {} if training else {"mean": bn.moving_mean.copy(),
                                 "var": bn.moving_variance.copy()}
    dX, dgamma, dbeta = _book_backward(R, X, bn.params["gamma"],
                                       bn.epsilon, **stats)
    ours = np.concatenate([dX.ravel(), dgamma, dbeta])

    X_t = tf.constant(X)
    with tf.GradientTape() as tape:
        tape.watch(X_t)
        value = tf.reduce_sum(klayer(X_t, training=training) * R)
    via_tf = np.concatenate([t.numpy().ravel() for t in tape.gradient(
        value, [X_t, klayer.gamma, klayer.beta])])

    def objective(_):
        return float(np.sum(bn.forward(X, training=training) * R))
    numeric = np.concatenate([numerical_gradient(objective, X).ravel()] + [
        numerical_gradient(objective, bn.params[k]) for k in ("gamma",
                                                               "beta")])
    assert relative_error(ours, numeric) <= 1e-6
    assert relative_error(ours, via_tf) <= 1e-6
    if training:                                   # (eq-ch3-bn-orthogonal)
        var = X.var(0)
        x_hat = (X - X.mean(0)) / np.sqrt(var + bn.epsilon)
        np.testing.assert_allclose(dX.sum(0), 0, atol=1e-12)
        remainder = (bn.params["gamma"] / np.sqrt(var + bn.epsilon)
                     * bn.epsilon / (var + bn.epsilon) * dgamma)
        assert relative_error((x_hat * dX).sum(0), remainder) <= 1e-6


def test_batch_of_one_gives_beta_in_training_mode_in_both_libraries(tf):
    from dlbook import twins
    bn = _bn()
    x = np.array([[0.3, -1.2, 4.0]])
    assert np.array_equal(bn.forward(x, training=True)[0],
                          bn.params["beta"])
    klayer = twins.keras_layer(bn, dtype="float64", input_shape=(3,))
    np.testing.assert_allclose(klayer(x, training=True).numpy()[0],
                               bn.params["beta"], atol=1e-12)
    assert not np.allclose(bn.forward(x)[0], bn.params["beta"])
    bn.forward(x, training=True)                    # and no input gradient
    np.testing.assert_allclose(bn.backward(np.array([[0.7, -1.3, 2.0]])), 0,
                               atol=1e-12)


def test_batch_of_two_gives_beta_plus_or_minus_gamma():
    bn = BatchNormalization(5)
    pair = np.random.default_rng(2).standard_normal((2, 5)) * 3
    delta = np.abs(pair[0] - pair[1]) / 2
    out = bn.forward(pair, training=True)           # gamma 1, beta 0
    for row in out:
        np.testing.assert_allclose(np.abs(row),
                                   delta / np.sqrt(delta ** 2 + 1e-3))
    np.testing.assert_allclose(out[0], -out[1])


def test_bias_before_batch_norm_has_no_effect_and_no_gradient():
    rng = np.random.default_rng(3)
    net = Sequential([Dense(5, 4, rng=0), BatchNormalization(4), ReLU(),
                      Dense(4, 2, rng=1)])
    X, y = rng.standard_normal((16, 5)), rng.standard_normal((16, 2))
    out_0 = net.forward(X, training=True)
    net.backward(MeanSquaredError().gradient(y, out_0))
    assert np.abs(net.grads["0.b"]).max() < 1e-12
    net.layers[0].params["b"][:] = 5.0
    assert relative_error(out_0, net.forward(X, training=True)) < 1e-12


def test_batch_norm_output_ignores_the_scale_of_the_weights_below():
    """Scaling the Dense layer that feeds a BN layer changes its
    training-mode output only through epsilon; without BN it does."""
    rng = np.random.default_rng(4)
    X = rng.standard_normal((32, 5))
    for use_bn in (True, False):
        layers = [Dense(5, 8, rng=0)]
        layers += [BatchNormalization(8)] if use_bn else []
        net = Sequential(layers + [ReLU(), Dense(8, 3, rng=1)])
        out = net.forward(X, training=True)
        net.layers[0].params["W"] *= 10
        net.layers[0].params["b"] *= 10
        change = relative_error(out, net.forward(X, training=True))
        if use_bn:
            assert change < 1e-3
        else:
            assert change > 0.3


@pytest.mark.parametrize("momentum, steps", [(0.99, 459), (0.9, 44)])
def test_moving_mean_forgets_its_start_after_log_steps(momentum, steps):
    layer = BatchNormalization(1, momentum=momentum)
    batch = np.array([[2.0], [4.0]])
    taken = 0
    while abs(layer.moving_mean[0] - 3.0) > 0.03:
        layer.forward(batch, training=True)
        taken += 1
    assert taken == steps == int(np.ceil(np.log(0.01) / np.log(momentum)))
