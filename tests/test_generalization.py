"""The derivations of chapter 3, "Generalization", checked outside the book:
the L2 penalty's gradient (finite differences and GradientTape), L2 vs
decoupled weight decay under SGD and Adam (one step, exactly), Adam's first
step, the bias-variance decomposition of least squares, the optimism of the
training error, and early stopping's restored weights."""

import numpy as np
import pytest

from dlbook import SGD, Adam, Dense, Sequential, Tanh
from dlbook.callbacks import EarlyStopping
from dlbook.gradcheck import numerical_gradient, relative_error
from dlbook.losses import MeanSquaredError
from dlbook.optim import AdamW
from dlbook.regularizers import L2

LEG = np.polynomial.legendre
SIGMA = 0.3


def _f(x):
    return np.sin(4 * x + 0.5)


def _data(n=30, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 1))
    return X, _f(X) + SIGMA * rng.normal(size=(n, 1))


def _net(width=8, l2=None, n_in=1, dtype=np.float64):
    reg = None if l2 is None else L2(l2)
    return Sequential([
        Dense(n_in, width, rng=0, kernel_regularizer=reg), Tanh(),
        Dense(width, width, rng=1, kernel_regularizer=reg), Tanh(),
        Dense(width, 1, rng=2, kernel_regularizer=reg)], dtype=dtype)


def test_l2_gradient_matches_finite_differences_and_tf(tf):
    lam = 0.05
    X, y = _data(5)
    model, mse = _net(l2=lam), MeanSquaredError()

    def objective(_):
        return mse(y, model.forward(X)) + model.penalty()

    model.backward(mse.gradient(y, model.forward(X)))
    data_grads = {k: g.copy() for k, g in model.grads.items()}
    model.add_penalty_gradients()
    ours = {k: g.copy() for k, g in model.grads.items()}
    variables = {k: tf.Variable(p) for k, p in model.params.items()}
    with tf.GradientTape() as tape:
        h = tf.constant(X)
        for i in (0, 2, 4):
            h = h @ variables[f"{i}.W"] + variables[f"{i}.b"]
            h = tf.tanh(h) if i < 4 else h
        loss = tf.reduce_mean((h - y) ** 2) + lam * sum(
            tf.reduce_sum(variables[f"{i}.W"] ** 2) for i in (0, 2, 4))
    theirs = dict(zip(variables, tape.gradient(loss, list(
        variables.values()))))
    for key, p in model.params.items():
        assert relative_error(ours[key], numerical_gradient(objective, p)) \
            < 1e-6, key
        assert relative_error(ours[key], theirs[key].numpy()) < 1e-6, key
        penalty_part = 2 * lam * p if key.endswith("W") else 0 * p
        assert relative_error(ours[key] - data_grads[key], penalty_part) \
            < 1e-12, key


def _one_step(optimizer, X, y, l2=None):
    model = _net(64, l2=l2).compile(optimizer=optimizer, loss="mse")
    start = model.get_weights()
    model.train_step(X, y)
    return [w - w0 for w, w0 in zip(model.get_weights(), start)], start


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_l2_and_decoupled_decay_one_step(name):
    """Under SGD, L2(lam) and weight_decay=2*lam change a kernel by the
    same -2 lr lam W; under Adam only the decoupled decay does."""
    lam, lr = 1e-3, 0.05
    make = SGD if name == "sgd" else Adam
    X, y = _data()
    without, start = _one_step(make(lr), X, y)
    with_l2, _ = _one_step(make(lr), X, y, l2=lam)
    with_wd, _ = _one_step(make(lr, weight_decay=2 * lam), X, y)

    def decay(step):
        return np.concatenate([(step[k] - without[k]).ravel()
                               for k in (0, 2, 4)])

    expected = -lr * 2 * lam * np.concatenate(
        [start[k].ravel() for k in (0, 2, 4)])
    assert relative_error(decay(with_wd), expected) < 1e-9
    if name == "sgd":
        assert relative_error(decay(with_l2), expected) < 1e-9
    else:
        assert relative_error(decay(with_l2), expected) > 0.1


def test_adam_first_step_with_l2_on_a_weight_without_data_gradient():
    """First Adam step: -lr g / (|g| + eps / sqrt(1 - beta_2)); with a
    zero data gradient, g = 2 lam W, a near-full step whatever lam is,
    while AdamW moves the weight by -lr wd W."""
    X, y = _data()
    X_aug = np.hstack([X, np.zeros_like(X)])
    lr, eps_hat = 0.01, 1e-7 / np.sqrt(1 - 0.999)
    for lam in (1e-4, 1e-2):
        net = _net(l2=lam, n_in=2).compile(optimizer=Adam(lr), loss="mse")
        W = net.params["0.W"][1].copy()
        net.train_step(X_aug, y)
        g = 2 * lam * W
        assert relative_error(net.params["0.W"][1] - W,
                              -lr * g / (np.abs(g) + eps_hat)) < 1e-9
        decoupled = _net(n_in=2).compile(
            optimizer=AdamW(lr, weight_decay=2 * lam), loss="mse")
        decoupled.train_step(X_aug, y)
        assert relative_error(decoupled.params["0.W"][1] - W,
                              -lr * 2 * lam * W) < 1e-9


def _fits(x, Y, degree, x_eval):
    V = LEG.legvander(x, degree)
    return LEG.legvander(x_eval, degree) @ np.linalg.lstsq(V, Y,
                                                           rcond=None)[0]


def test_bias_variance_decomposition_of_least_squares():
    rng = np.random.default_rng(1)
    x, x_fine, R = np.linspace(-1, 1, 20), np.linspace(-1, 1, 401), 2000
    Y = _f(x)[:, None] + SIGMA * rng.normal(size=(20, R))
    f_fine = _f(x_fine)[:, None]
    for degree in (1, 5, 9):
        P = _fits(x, Y, degree, x_fine)                    # (401, R)
        bias2 = np.mean((P.mean(axis=1, keepdims=True) - f_fine) ** 2)
        variance = np.mean(P.var(axis=1))
        # the empirical identity, exactly
        assert relative_error(np.mean((P - f_fine) ** 2),
                              bias2 + variance) < 1e-12
        # with fresh noisy targets, up to Monte Carlo error
        y_new = f_fine + SIGMA * rng.normal(size=P.shape)
        assert np.mean((y_new - P) ** 2) == pytest.approx(
            bias2 + variance + SIGMA**2, rel=0.01)
        # least squares is linear: the mean fit is the fit to f
        exact = np.mean((_fits(x, _f(x), degree, x_fine) - f_fine[:, 0])
                        ** 2)
        mc = variance / R + 2 * np.sqrt(exact * variance / R)
        assert abs(bias2 - exact) < 5 * mc


def test_least_squares_training_error_is_optimistic():
    """Mean variance of the fit at the inputs: sigma^2 p / n; expected
    training error: in-sample bias^2 + sigma^2 (1 - p / n)."""
    rng = np.random.default_rng(2)
    n, R = 20, 4000
    x = np.linspace(-1, 1, n)
    Y = _f(x)[:, None] + SIGMA * rng.normal(size=(n, R))
    for degree in (3, 8, 14):
        p = degree + 1
        V = LEG.legvander(x, degree)
        S = V @ np.linalg.solve(V.T @ V, V.T)
        assert np.trace(S) == pytest.approx(p)
        fitted = _fits(x, Y, degree, x)
        assert np.mean(fitted.var(axis=1)) == pytest.approx(
            SIGMA**2 * p / n, rel=0.05)
        bias_in = np.mean(((np.eye(n) - S) @ _f(x)) ** 2)
        assert np.mean((fitted - Y) ** 2) == pytest.approx(
            bias_in + SIGMA**2 * (1 - p / n), rel=0.02)


def test_early_stopping_restores_the_weights_of_its_best_epoch():
    X, y = _data(30)
    X_val, y_val = _data(100, seed=1)

    def fit(epochs, callbacks=()):
        model = _net(32, dtype=np.float32).compile(optimizer=Adam(0.01),
                                                   loss="mse")
        return model.fit(X, y, epochs=epochs, batch_size=30, rng=0,
                         validation_data=(X_val, y_val),
                         callbacks=callbacks)

    stopper = EarlyStopping(patience=20, restore_best_weights=True)
    stopped = fit(1000, [stopper])
    assert len(stopped.history_["loss"]) < 1000
    fresh = fit(stopper.best_epoch_ + 1)
    for a, b in zip(stopped.get_weights(), fresh.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_gap_grows_with_the_degree_and_shrinks_with_the_data():
    """The page's grid: gap = exact error on new points - training error,
    averaged over redraws of the noise; degree 1 underfits instead."""
    rng = np.random.default_rng(1)
    x_fine = np.linspace(-1, 1, 401)
    degrees, sizes, R = (1, 3, 5, 9), (15, 30, 60, 120), 1000
    gap = np.zeros((len(degrees), len(sizes)))
    train_err = np.zeros_like(gap)
    for j, n in enumerate(sizes):
        x = np.linspace(-1, 1, n)
        Y = _f(x)[:, None] + SIGMA * rng.normal(size=(n, R))
        for i, d in enumerate(degrees):
            train_err[i, j] = np.mean((_fits(x, Y, d, x) - Y) ** 2)
            new = np.mean((_fits(x, Y, d, x_fine) - _f(x_fine)[:, None])
                          ** 2) + SIGMA**2
            gap[i, j] = new - train_err[i, j]
    assert np.all(np.diff(gap, axis=0) > 0)
    assert np.all(np.diff(gap[1:], axis=1) < 0)
    assert np.all(np.abs(gap[0]) < 0.02)
    assert np.all(train_err[0] > 5 * SIGMA**2)


def test_adam_l2_decay_depends_on_the_size_of_the_data_gradient():
    """First step under Adam + L2: weights whose data gradient dominates
    are decayed less than by decoupled decay, weights whose data gradient
    is smaller than the penalty's move by most of a full step."""
    lam, lr = 1e-3, 0.05
    X, y = _data()
    sgd_step, start = _one_step(SGD(lr), X, y)
    without, _ = _one_step(Adam(lr), X, y)
    with_l2, _ = _one_step(Adam(lr), X, y, l2=lam)
    kernels = (0, 2, 4)
    W = np.concatenate([start[k].ravel() for k in kernels])
    g_data = -np.concatenate([sgd_step[k].ravel() for k in kernels]) / lr
    decay = np.abs(np.concatenate([(with_l2[k] - without[k]).ravel()
                                   for k in kernels]))
    decoupled = lr * 2 * lam * np.abs(W)
    large = np.abs(g_data) > 10 * 2 * lam * np.abs(W)
    small = np.abs(g_data) < 2 * lam * np.abs(W)
    assert large.sum() > 100 and small.sum() > 10
    assert decay[large].mean() < 0.5 * decoupled[large].mean()
    assert decay[small].mean() > 0.5 * lr > 1000 * decoupled[small].max()
