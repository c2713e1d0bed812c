"""Chapter 4's derivations, each formula against finite differences and
tf.GradientTape (float64, <= 1e-6), as the chapter's notebooks check them.

tests/test_gradients.py covers every layer, loss and activation
generically; this file checks the chapter's specific formulas and claims,
so a change to dlbook that breaks a derivation of the book fails here.
"""

import warnings

import numpy as np
import pytest

from dlbook import (Adam, Dense, Momentum, SGD, Sequential, Sigmoid, Tanh,
                    linear, losses)
from dlbook import activations as act
from dlbook.data import make_linear, make_xor, one_hot
from dlbook.gradcheck import check_function, numerical_gradient, \
    relative_error

TOL = 1e-6


@pytest.fixture(scope="module")
def line():
    return make_linear(n_samples=1000, rng=0)


def _regression(rng, n=40, d=3):
    X = rng.normal(size=(n, d))
    y = X @ rng.normal(size=d) + 0.5 + 0.1 * rng.normal(size=n)
    return X, y, rng.normal(size=d), 0.7


# -- section 1: least squares and gradient descent -------------------------
def test_least_squares_solves_normal_equations_and_matches_tf(line, tf):
    X, y = line
    w, b = linear.least_squares(X, y)
    assert w.shape == (1,)                         # a vector, not a matrix
    A = np.hstack([X, np.ones((len(X), 1))])
    theta = np.append(w, b)
    assert np.max(np.abs(A.T @ (A @ theta - y))) < 1e-9 * len(X)
    theta_tf = tf.linalg.lstsq(tf.constant(A), tf.constant(y[:, None]),
                               fast=False).numpy()[:, 0]
    assert relative_error(theta, theta_tf) <= TOL
    assert abs(w[0] - 2) < 0.05 and abs(b - 1) < 0.05


def test_lstsq_beats_the_inverse_on_ill_conditioned_data():
    X, y = make_linear(n_samples=1000, x_range=(1e4, 1e4 + 1), rng=1)
    A = np.hstack([X, np.ones((len(X), 1))])
    xc = X[:, 0] - X[:, 0].mean()
    w_ref = xc @ (y - y.mean()) / (xc @ xc)
    ref = np.array([w_ref, y.mean() - w_ref * X[:, 0].mean()])
    inv = np.linalg.inv(A.T @ A) @ A.T @ y
    w, b = linear.least_squares(X, y)
    assert relative_error(np.append(w, b), ref) < \
        relative_error(inv, ref) / 100


def test_mean_loss_keeps_the_learning_rate_across_n(line):
    """A mean's gradient keeps its size as n grows; a sum's grows with n, so
    a rate that works on the sum for 100 samples diverges for 1000."""
    X, y = line
    for m in (100, 1000):
        w, _, _ = linear.gradient_descent(X[:m], y[:m], lr=0.5, epochs=100)
        assert abs(w[0] - 2) < 0.05
    end = {}
    for m in (100, 1000):   # GD on the sum at eta = on the mean at n * eta
        w, b, losses_ = linear.gradient_descent(X[:m], y[:m], lr=0.005 * m,
                                                epochs=100)
        end[m] = linear.mse(X[:m], y[:m], w, b) / losses_[0]
    assert end[100] < 0.01 and end[1000] > 1e6


def test_forming_AtA_is_the_problem_not_the_inverse():
    """Chapter 4.1's exercise: solve() on A^T A is no better than inv(),
    QR of A is as accurate as lstsq."""
    X, y = make_linear(n_samples=1000, x_range=(1e4, 1e4 + 1), rng=1)
    A = np.hstack([X, np.ones((len(X), 1))])
    xc = X[:, 0] - X[:, 0].mean()
    w_ref = xc @ (y - y.mean()) / (xc @ xc)
    ref = np.array([w_ref, y.mean() - w_ref * X[:, 0].mean()])
    err_inv = relative_error(np.linalg.inv(A.T @ A) @ A.T @ y, ref)
    err_solve = relative_error(np.linalg.solve(A.T @ A, A.T @ y), ref)
    Q, R = np.linalg.qr(A)
    err_qr = relative_error(np.linalg.solve(R, Q.T @ y), ref)
    err_lstsq = relative_error(np.append(*linear.least_squares(X, y)), ref)
    assert err_solve > 0.1 * err_inv
    assert err_qr < 10 * err_lstsq and err_solve > 1e3 * err_qr


def test_gradient_descent_reaches_least_squares(line):
    X, y = line
    w_ls, b_ls = linear.least_squares(X, y)
    w, b, losses_ = linear.gradient_descent(X, y, lr=0.5, epochs=100)
    assert abs(w[0] - w_ls[0]) < 1e-8 and abs(b - b_ls) < 1e-8
    assert np.all(np.diff(losses_) <= 1e-12)


# -- section 2: the MSE gradient, 1/(2n), Hessian, stability bound ----------
@pytest.mark.parametrize("half", [False, True])
def test_mse_gradient_formula_fd_and_tf(half, rng, tf):
    X, y, w, b = _regression(rng)
    n = len(X)
    r = X @ w + b - y
    scale = (1 if half else 2) / n
    formula = np.append(scale * X.T @ r, scale * r.sum())
    dw, db = linear.mse_gradient(X, y, w, b, half=half)
    assert relative_error(formula, np.append(dw, db)) <= TOL
    theta = np.append(w, b)
    fd = numerical_gradient(
        lambda t: linear.mse(X, y, t[:-1], t[-1], half=half), theta.copy())
    assert relative_error(formula, fd) <= TOL
    tv = tf.Variable(theta)
    with tf.GradientTape() as tape:
        pred = tf.linalg.matvec(tf.constant(X), tv[:-1]) + tv[-1]
        L = tf.reduce_mean((pred - y) ** 2) * (0.5 if half else 1.0)
    assert relative_error(formula, tape.gradient(L, tv).numpy()) <= TOL


def test_half_convention_with_double_lr_gives_the_same_path(line):
    X, y = line
    *_, loss1, path1 = linear.gradient_descent(X, y, lr=0.2, epochs=30,
                                               return_path=True)
    *_, loss2, path2 = linear.gradient_descent(X, y, lr=0.4, epochs=30,
                                               half=True, return_path=True)
    assert np.max(np.abs(path1 - path2)) < 1e-12
    np.testing.assert_allclose(loss1, 2 * np.array(loss2), rtol=1e-12)


def test_mse_hessian_and_stability_bound(line, tf):
    X, y = line
    n = len(X)
    A = np.hstack([X, np.ones((n, 1))])
    H_L = 2 / n * A.T @ A
    assert relative_error(H_L, linear.mse_hessian(X)) <= TOL
    tt = tf.Variable([0.3, -0.2], dtype=tf.float64)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            L = tf.reduce_mean((tf.constant(A) @ tt[:, None]
                                - y[:, None]) ** 2)
        g = inner.gradient(L, tt)
    assert relative_error(H_L, outer.jacobian(g, tt).numpy()) <= TOL
    lam_max, lr_max = linear.stability_bound(X)
    assert np.isclose(lr_max, 2 / np.linalg.eigvalsh(H_L)[-1])
    theta_star = np.append(*linear.least_squares(X, y))
    for factor in (0.95, 1.05):
        *_, path = linear.gradient_descent(X, y, lr=factor * lr_max,
                                           epochs=300, return_path=True)
        e = np.linalg.norm(path - theta_star, axis=1)
        measured = (e[-1] / e[-101]) ** (1 / 100)
        assert abs(measured - abs(1 - factor * lr_max * lam_max)) < 1e-3
        assert e[-1] < 1e-3 * e[0] if factor < 1 else e[-1] > 1e3 * e[0]


def test_optimal_rate_two_over_lambda_sum_is_fastest(line):
    """rho(eta) = max|1 - eta lambda_i|; eta* = 2/(lambda_min + lambda_max)
    gives (kappa - 1)/(kappa + 1) and beats every other stable rate."""
    X, y = line
    lam_min, lam_max = np.linalg.eigvalsh(linear.mse_hessian(X))
    theta_star = np.append(*linear.least_squares(X, y))

    def rho(eta):
        return max(abs(1 - eta * lam_min), abs(1 - eta * lam_max))

    def steps_to(eta, tol=1e-8):
        *_, path = linear.gradient_descent(X, y, lr=eta, epochs=600,
                                           return_path=True)
        e = np.linalg.norm(path - theta_star, axis=1)
        return int(np.argmax(e < tol * e[0])), e

    eta_opt = 2 / (lam_min + lam_max)
    kappa = lam_max / lam_min
    assert np.isclose(rho(eta_opt), (kappa - 1) / (kappa + 1))
    for eta in (0.3 * 2 / lam_max, 0.9 * 2 / lam_max, eta_opt):
        _, e = steps_to(eta)
        assert abs((e[40] / e[20]) ** (1 / 20) - rho(eta)) < 1e-4
        # ||e_t|| <= rho^t ||e_0|| for every t (H_L is symmetric)
        assert np.all(e[:41] <= e[0] * rho(eta) ** np.arange(41) + 1e-14)
    # the two rates of the book's figure: almost the same factor
    assert abs(rho(0.6 / lam_max) - rho(1.8 / lam_max)) < 0.01
    grid = np.linspace(0.1, 0.98, 45) * 2 / lam_max
    needed = np.array([steps_to(eta)[0] for eta in grid])
    assert np.all(needed > 0)
    assert abs(grid[needed.argmin()] - eta_opt) <= grid[1] - grid[0]
    # about a third of the steps of either rate of the figure
    assert steps_to(eta_opt)[0] < 0.4 * min(steps_to(0.6 / lam_max)[0],
                                            steps_to(1.8 / lam_max)[0])


def test_standardised_input_makes_one_step_enough(line):
    """Standardised x: H_L = 2 I, eta* = 1/2, rho = 0, one step."""
    X, y = line
    xs = (X - X.mean()) / X.std()
    np.testing.assert_allclose(linear.mse_hessian(xs), 2 * np.eye(2),
                               rtol=0, atol=1e-12)
    *_, path = linear.gradient_descent(xs, y, lr=0.5, epochs=1,
                                       return_path=True)
    theta = np.append(*linear.least_squares(xs, y))
    assert np.abs(path[1] - theta).max() < 1e-12


# -- section 3: a layer in matrix form ---------------------------------------
def _xor_layer(rng):
    X, y = make_xor()
    Y = one_hot(y, 2)
    W1, b1 = rng.normal(size=(2, 3)), rng.normal(size=3)
    W2, b2 = rng.normal(size=(3, 2)), rng.normal(size=2)
    return X, Y, W1, b1, W2, b2


def test_row_and_column_forms_agree(rng):
    X, _, W1, b1, *_ = _xor_layer(rng)
    np.testing.assert_allclose(W1.T @ X.T + b1[:, None], (X @ W1 + b1).T,
                               rtol=0, atol=1e-14)


def test_layer_gradient_article_convention(rng, tf):
    """dL/dW = A^T (H - Y)/n is exact for 1/(2n) sum_i ||H_i - Y_i||^2."""
    import keras
    X, Y, W1, b1, W2, b2 = _xor_layer(rng)
    A = np.tanh(X @ W1 + b1)
    n, k = Y.shape
    H = A @ W2 + b2
    dW, db = A.T @ (H - Y) / n, (H - Y).sum(axis=0) / n

    def L_art(W, b):
        return float(np.sum((A @ W + b - Y) ** 2) / (2 * n))
    assert relative_error(dW, numerical_gradient(lambda W: L_art(W, b2),
                                                 W2.copy())) <= TOL
    assert relative_error(db, numerical_gradient(lambda b: L_art(W2, b),
                                                 b2.copy())) <= TOL
    Wt, bt = tf.Variable(W2), tf.Variable(b2)
    with tf.GradientTape(persistent=True) as tape:
        L_tf = tf.reduce_sum((A @ Wt + bt - Y) ** 2) / (2 * n)
        L_keras = keras.losses.MeanSquaredError(dtype="float64")(
            Y, A @ Wt + bt)
    assert relative_error(dW, tape.gradient(L_tf, Wt).numpy()) <= TOL
    assert relative_error(db, tape.gradient(L_tf, bt).numpy()) <= TOL
    assert relative_error(2 / (n * k) * A.T @ (H - Y),
                          tape.gradient(L_keras, Wt).numpy()) <= TOL
    # with the article's k = 2 outputs, Keras's MSE is the article's loss
    assert k == 2
    assert relative_error(dW, tape.gradient(L_keras, Wt).numpy()) <= TOL
    layer = Dense(3, 2)
    layer.params["W"][...], layer.params["b"][...] = W2, b2
    layer.forward(A)
    dA = layer.backward((H - Y) / n)
    assert relative_error(dW, layer.grads["W"]) <= TOL
    assert relative_error(db, layer.grads["b"]) <= TOL
    assert relative_error(dA, (H - Y) / n @ W2.T) <= TOL
    # and the half-MSE of dlbook is the article's loss divided by k
    half = losses.MeanSquaredError(half=True)
    assert abs(half(Y, H) * k - L_art(W2, b2)) < 1e-12


# -- section 4: chain rule and the two-layer backward pass -------------------
def test_autodiff_neuron_node_by_node_matches_tf(tf):
    from dlbook.autodiff import Value
    x, t = 1.5, 1.0
    w, b = Value(-0.8), Value(0.3)
    z = w * x + b
    a = z.sigmoid()
    L = (a - t) ** 2
    L.backward()
    s = act.sigmoid(np.array(z.data))
    hand = {"a": 2 * (a.data - t)}
    hand["z"] = hand["a"] * s * (1 - s)
    hand.update(w=hand["z"] * x, b=hand["z"])
    wt = tf.Variable(-0.8, dtype=tf.float64)
    bt = tf.Variable(0.3, dtype=tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        zt = wt * x + bt
        at = tf.sigmoid(zt)
        Lt = (at - t) ** 2
    nodes = {"a": (a, at), "z": (z, zt), "w": (w, wt), "b": (b, bt)}
    for key, (node, tensor) in nodes.items():
        assert relative_error(hand[key], node.grad) <= TOL, key
        assert relative_error(hand[key], tape.gradient(Lt, tensor)) <= TOL


def test_two_layer_hand_deltas(rng, twins):
    X, Y, W1, b1, W2, b2 = _xor_layer(rng)
    n, k = Y.shape

    def loss(W1, b1, W2, b2, X=X):
        return np.mean((np.tanh(X @ W1 + b1) @ W2 + b2 - Y) ** 2)
    A1 = np.tanh(X @ W1 + b1)
    delta2 = 2 * (A1 @ W2 + b2 - Y) / (n * k)
    delta1 = delta2 @ W2.T * (1 - A1 ** 2)
    hand = {"0.W": X.T @ delta1, "0.b": delta1.sum(0),
            "2.W": A1.T @ delta2, "2.b": delta2.sum(0),
            "X": delta1 @ W1.T}
    params = {"0.W": W1, "0.b": b1, "2.W": W2, "2.b": b2}
    for key, p in params.items():
        fd = numerical_gradient(lambda _: loss(W1, b1, W2, b2), p)
        assert relative_error(hand[key], fd) <= TOL, key
    Xc = X.copy()
    assert relative_error(hand["X"], numerical_gradient(
        lambda v: loss(W1, b1, W2, b2, X=v), Xc)) <= TOL
    model = Sequential([Dense(2, 3), Tanh(), Dense(3, 2)]).compile(loss="mse")
    model.set_weights([W1, b1, W2, b2])
    _, tf_grads = twins.keras_gradients(model, X, Y)
    dX = model.backward(model.loss.gradient(Y, model.forward(X)))
    ours = dict(model.grads, X=dX)
    for key in hand:
        assert relative_error(hand[key], tf_grads[key]) <= TOL, key
        assert relative_error(hand[key], ours[key]) <= TOL, key


def test_sigmoid_gradients_vanish_with_depth(rng):
    X, Y = rng.normal(size=(32, 16)), rng.normal(size=(32, 1))
    first = []
    for depth in (2, 8, 14):
        layers = []
        for i in range(depth):
            layers.append(Dense(16, 16 if i < depth - 1 else 1, rng=i))
            if i < depth - 1:
                layers.append(Sigmoid())
        net = Sequential(layers).compile(loss="mse")
        net.backward(net.loss.gradient(Y, net.forward(X)))
        first.append(np.linalg.norm(net.grads["0.W"]))
    assert first[0] > 100 * first[1] > 1e4 * first[2]


def _first_layer_norm(X, Y, depth, activation, init="glorot_uniform"):
    layers = []
    for i in range(depth):
        layers.append(Dense(X.shape[1], X.shape[1] if i < depth - 1 else 1,
                            rng=i, init=init))
        if i < depth - 1 and activation is not None:
            layers.append(activation())
    net = Sequential(layers).compile(loss="mse")
    net.backward(net.loss.gradient(Y, net.forward(X)))
    return np.linalg.norm(net.grads["0.W"]), net


def test_vanishing_comes_from_the_sigmoid_factor():
    """Chapter 4.4's control: the same weights without the sigmoids do not
    vanish; with them the factor per layer is 1 / mean(sigma')."""
    from dlbook import ReLU
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(64, 32)), rng.normal(size=(64, 1))
    depths = np.arange(2, 21)
    sig = np.array([_first_layer_norm(X, Y, D, Sigmoid)[0] for D in depths])
    ident = np.array([_first_layer_norm(X, Y, D, None)[0] for D in depths])
    slope, intercept = np.polyfit(depths, np.log(sig), 1)
    resid = np.log(sig) - (slope * depths + intercept)
    assert 1 - resid.var() / np.log(sig).var() > 0.99      # geometric
    assert ident.max() < 10 * ident.min()                  # control: flat
    _, net = _first_layer_norm(X, Y, 20, Sigmoid)
    h, sp = X, []
    for layer in net.layers:
        h = layer.forward(h)
        if isinstance(layer, Sigmoid):
            sp.append(np.mean(h * (1 - h)))
    assert min(sp) > 0.2                                   # not saturated
    assert abs(1 / np.mean(sp) - np.exp(-slope)) < 0.1 * np.exp(-slope)
    relu_glorot = (_first_layer_norm(X, Y, 20, ReLU)[0]
                   / _first_layer_norm(X, Y, 2, ReLU)[0])
    assert abs(relu_glorot ** (1 / 18) - 2 ** -0.5) < 0.05
    # tanh (derivative near 1 here): a factor of a few, not 1e11
    tanh_ratio = (_first_layer_norm(X, Y, 20, Tanh)[0]
                  / _first_layer_norm(X, Y, 2, Tanh)[0])
    assert 0.05 < tanh_ratio < 1


# -- section 5: softmax-CE and BCE-sigmoid, from_logits ----------------------
def test_softmax_cross_entropy_is_p_minus_y_over_n_via_jacobian(rng, tf):
    Z = rng.normal(size=(5, 4)) * 2
    Y = one_hot(rng.integers(0, 4, 5), 4)
    n = len(Z)
    P = act.softmax(Z)
    grad = (P - Y) / n
    via_jacobian = np.einsum("ni,nij->nj", -Y / (n * P),
                             act.softmax_jacobian(Z))
    assert relative_error(grad, via_jacobian) <= TOL
    assert check_function(lambda v: -np.sum(Y * act.log_softmax(v)) / n,
                          lambda v: (act.softmax(v) - Y) / n, Z) <= TOL
    import keras
    Zt = tf.constant(Z)
    with tf.GradientTape() as tape:
        tape.watch(Zt)
        L = keras.losses.CategoricalCrossentropy(
            from_logits=True, dtype="float64")(Y, Zt)
    assert relative_error(grad, tape.gradient(L, Zt).numpy()) <= TOL


def test_bce_sigmoid_is_sigmoid_minus_y_over_n(rng, tf):
    z = rng.normal(size=(8, 1)) * 2
    y = rng.integers(0, 2, (8, 1)).astype(float)
    grad = (act.sigmoid(z) - y) / len(z)

    def bce(v):
        p = act.sigmoid(v)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    assert check_function(bce, lambda v: (act.sigmoid(v) - y) / len(z),
                          z) <= TOL
    import keras
    zt = tf.constant(z)
    with tf.GradientTape() as tape:
        tape.watch(zt)
        L = keras.losses.BinaryCrossentropy(from_logits=True,
                                            dtype="float64")(y, zt)
    assert relative_error(grad, tape.gradient(L, zt).numpy()) <= TOL
    assert relative_error(grad, losses.BinaryCrossentropy(
        from_logits=True).gradient(y, z)) <= TOL


def test_probability_as_logit_is_wrong_on_plain_tensors(tf):
    import keras
    z = tf.constant([[4.0], [-4.0], [0.5]], dtype=tf.float64)
    y = np.array([[1.0], [0.0], [1.0]])
    good = float(keras.ops.mean(keras.ops.binary_crossentropy(
        y, z, from_logits=True)))
    bad = float(keras.ops.mean(keras.ops.binary_crossentropy(
        y, tf.sigmoid(z), from_logits=True)))
    assert abs(bad - good) > 0.1
    # the double sigmoid's gradient has the right sign, less than half size
    p = act.sigmoid(np.linspace(-30, 30, 6001))
    assert np.max((1 - act.sigmoid(p)) * p) < 0.5          # y = 1
    assert np.max(act.sigmoid(p) * (1 - p)) < 0.5          # y = 0
    # a Keras activation's output carries its logits: silently repaired
    p_layer = keras.layers.Activation("sigmoid")(tf.cast(z, tf.float32))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        repaired = float(keras.ops.mean(keras.losses.binary_crossentropy(
            y, p_layer, from_logits=True)))
    assert abs(repaired - good) < 1e-4
    assert any("from_logits=True" in str(w.message) for w in caught)


def test_clipped_probabilities_lose_the_gradient(tf):
    import keras
    z = tf.constant([[-30.0, 0.0]], dtype=tf.float64)
    y = np.array([[1.0, 0.0]])
    grads = []
    for from_logits in (True, False):
        with tf.GradientTape() as tape:
            tape.watch(z)
            out = z if from_logits else tf.nn.softmax(z)
            L = keras.losses.CategoricalCrossentropy(
                from_logits=from_logits, dtype="float64")(y, out)
        grads.append(tape.gradient(L, z).numpy())
    assert grads[0][0, 0] < -0.99 and np.all(grads[1] == 0)


def test_keras_layer_outputs_carry_their_logits(tf):
    """Keras 3 on TensorFlow: a softmax/sigmoid LAYER's output keeps its
    logits, so the loss neither clips nor double-squashes it; one more op
    loses them (and dlbook, on plain arrays, never has them)."""
    import keras
    y = np.array([[1.0, 0.0]])
    p_layer = keras.layers.Activation("softmax")(tf.constant([[-30.0, 0.0]]))
    assert abs(float(keras.losses.CategoricalCrossentropy()(y, p_layer))
               - 30) < 1e-3
    assert abs(losses.CategoricalCrossentropy()(y, p_layer.numpy())
               + np.log(1e-7)) < 1e-3
    z = tf.constant([[4.0], [-4.0], [0.5]])
    yb = np.array([[1.0], [0.0], [1.0]])
    s_layer = keras.layers.Activation("sigmoid")(z)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        repaired = float(keras.ops.mean(keras.losses.binary_crossentropy(
            yb, s_layer, from_logits=True)))
        touched = float(keras.ops.mean(keras.losses.binary_crossentropy(
            yb, s_layer * 1.0, from_logits=True)))
    correct = float(keras.ops.mean(keras.losses.binary_crossentropy(
        yb, z, from_logits=True)))
    assert abs(repaired - correct) < 1e-4
    assert abs(touched - correct) > 0.1
    assert abs(losses.BinaryCrossentropy(from_logits=True)(
        yb, s_layer.numpy()) - touched) < 1e-4


# -- section 6: optimizers step for step against Keras -----------------------
LR1, LR2, MU, B2, EPS = 2.0 ** -3, 2.0 ** -7, 0.875, 1 - 2.0 ** -9, 2.0 ** -23


def _inline_momentum(W, grads, lr, mu):
    V = np.zeros_like(W)
    for G in grads:
        V = mu * V - lr * G
        W = W + V
    return W


def _inline_adam(W, grads, lr, b1, b2, eps):
    M, S = np.zeros_like(W), np.zeros_like(W)
    for t, G in enumerate(grads, start=1):
        M = M + (1 - b1) * (G - M)
        S = S + (1 - b2) * (G * G - S)
        W = W - lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * M / (
            np.sqrt(S) + eps)
    return W


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_optimizer_updates_match_keras(name, rng, tf):
    import keras
    W0 = rng.normal(size=(3, 2))
    grads = [rng.normal(size=(3, 2)) for _ in range(5)]
    cases = {
        "sgd": (lambda: _inline_momentum(W0, grads, LR1, 0.0),
                SGD(LR1), keras.optimizers.SGD(LR1),
                SGD(0.01), keras.optimizers.SGD(0.01)),
        "momentum": (lambda: _inline_momentum(W0, grads, LR1, MU),
                     Momentum(LR1, MU),
                     keras.optimizers.SGD(LR1, momentum=MU),
                     Momentum(0.01, 0.9),
                     keras.optimizers.SGD(0.01, momentum=0.9)),
        "adam": (lambda: _inline_adam(W0, grads, LR2, MU, B2, EPS),
                 Adam(LR2, beta_1=MU, beta_2=B2, epsilon=EPS),
                 keras.optimizers.Adam(LR2, beta_1=MU, beta_2=B2,
                                       epsilon=EPS),
                 Adam(), keras.optimizers.Adam()),
    }
    inline, ours, theirs, ours_d, theirs_d = cases[name]

    def run_dlbook(opt):
        P = {"W": W0.copy()}
        for G in grads:
            opt.step(P, {"W": G})
        return P["W"] - W0

    def run_keras(opt):
        V = tf.Variable(W0.copy())
        for G in grads:
            opt.apply_gradients([(tf.constant(G), V)])
        return V.numpy() - W0
    step = inline() - W0
    assert relative_error(step, run_dlbook(ours)) <= 1e-12
    assert relative_error(step, run_keras(theirs)) <= 1e-12
    # Keras's defaults pass through float32: float32 tolerance
    assert relative_error(run_dlbook(ours_d), run_keras(theirs_d)) <= 1e-4


def test_momentum_effective_step():
    """Constant gradient: the step tends to lr / (1 - mu); alternating:
    to lr / (1 + mu)."""
    for grad, expected in ((lambda t: 1.0, 0.1 / (1 - 0.9)),
                           (lambda t: (-1.0) ** t, 0.1 / (1 + 0.9))):
        P, opt = {"w": np.zeros(1)}, Momentum(0.1, 0.9)
        for t in range(200):
            before = P["w"].copy()
            opt.step(P, {"w": np.array([grad(t)])})
        assert abs(abs(P["w"] - before)[0] - expected) < 1e-6


def test_adam_first_step_needs_gradient_above_eps_over_sqrt():
    """Adam's first step is lr sign(g) |g| / (|g| + eps / sqrt(1 - beta_2)),
    about lr only for |g| >> eps / sqrt(1 - beta_2), not for |g| >> eps."""
    lr, b2, eps = 0.01, 0.999, 1e-7
    threshold = eps / np.sqrt(1 - b2)
    g = np.array([[20.0, -5.0], [0.3, -0.02], [10 * eps, -1e3 * threshold]])
    P = {"W": np.zeros_like(g)}
    Adam(lr, beta_2=b2, epsilon=eps).step(P, {"W": g})
    step = -P["W"]
    formula = lr * np.sign(g) * np.abs(g) / (np.abs(g) + threshold)
    assert relative_error(step, formula) < 1e-6
    big = np.abs(g) >= 1e3 * threshold
    np.testing.assert_allclose(step[big], lr * np.sign(g[big]), rtol=1e-3)
    assert step[2, 0] < 0.3 * lr          # |g| = 10 eps gets ~a quarter


def test_momentum_advantage_is_mostly_its_effective_step():
    """Chapter 4.6's control: on the two moons, momentum(lr) tracks
    SGD(lr / (1 - mu)) and beats SGD(lr) by far (validation loss)."""
    from dlbook import BinaryCrossentropy
    from dlbook.data import make_moons, train_val_test_split
    Xm, ym = make_moons(n_samples=600, noise=0.15, rng=0)
    X_tr, X_val, _, y_tr, y_val, _ = train_val_test_split(
        Xm, ym, val_size=200, test_size=200, rng=0)

    def val_loss(opt, epochs=120):
        net = Sequential([Dense(2, 16, rng=0), Tanh(), Dense(16, 1, rng=1)])
        net.compile(loss=BinaryCrossentropy(from_logits=True), optimizer=opt)
        net.fit(X_tr, y_tr, epochs=epochs, batch_size=32,
                validation_data=(X_val, y_val), rng=0)
        return net.history_["val_loss"][-1]

    momentum, same, effective = (val_loss(Momentum(0.1, 0.9)),
                                 val_loss(SGD(0.1)), val_loss(SGD(1.0)))
    assert abs(np.log(momentum / effective)) < 0.2
    assert same > 3 * momentum
