"""Chapter 4's foundations, as sections 7-9 check them in their notebooks.

- Losses from maximum likelihood: MSE, binary and categorical
  cross-entropy are negative log-likelihoods (to 1e-10, against SciPy's
  distributions), and the squared error on a sigmoid has a vanishing
  gradient where cross-entropy's does not, and needs more steps from a
  confidently wrong start at every learning rate.
- The cost of backpropagation: fan-out gradients sum over paths; forward
  mode (``dlbook.autodiff.Dual``) and reverse mode (``Value``) give the
  same Jacobians with N and M passes (N inputs, M outputs); the bytes
  cached for backward are linear in the batch size.
- Initialisation: ``Var(z) = n_in Var(w) E[x^2]`` and its backward twin by
  Monte Carlo; the initialisers' variances; ReLU halves the second moment,
  not the variance; He keeps 25 ReLU layers within a factor 2 and fixed
  scales do not; tanh with Glorot follows the mean-field recursion,
  forward and backward.

Every derivative is checked against finite differences and
``tf.GradientTape`` in float64 (relative error <= 1e-6).
"""

import math

import numpy as np
import pytest
from scipy import stats
from threadpoolctl import threadpool_limits

from dlbook import Dense, ReLU, Sequential, Tanh, init, losses, zoo
from dlbook import activations as act
from dlbook.autodiff import Dual, Value
from dlbook.data import make_linear, make_moons, make_spirals, one_hot
from dlbook.gradcheck import numerical_gradient, relative_error

TOL = 1e-6


# -- section 7: losses from maximum likelihood ------------------------------
@pytest.fixture(scope="module")
def regression():
    X, y = make_linear(n_samples=200, rng=0)
    return y, 1.8 * X + 1.1                    # targets (n,), y_pred (n, 1)


@pytest.mark.parametrize("s", [0.1, 0.3, 2.0])
def test_mse_is_the_gaussian_nll_up_to_its_constant(regression, s):
    y, y_hat = regression
    nll = -np.mean(stats.norm.logpdf(y, loc=y_hat[:, 0], scale=s))
    mse = losses.MeanSquaredError()(y, y_hat)
    assert abs(nll - (0.5 * np.log(2 * np.pi * s ** 2)
                      + mse / (2 * s ** 2))) <= 1e-10


def test_gaussian_nll_gradient_is_the_mse_gradient_scaled(regression, tf):
    y, y_hat = regression
    s, n = 0.3, len(y)
    grad = (y_hat[:, 0] - y) / (n * s ** 2)
    scaled = losses.MeanSquaredError().gradient(y, y_hat)[:, 0] / (2 * s ** 2)
    fd = numerical_gradient(
        lambda v: -np.mean(stats.norm.logpdf(y, loc=v, scale=s)),
        y_hat[:, 0].copy())
    v = tf.Variable(y_hat[:, 0])
    with tf.GradientTape() as tape:
        nll = tf.reduce_mean(0.5 * np.log(2 * np.pi * s ** 2)
                             + (y - v) ** 2 / (2 * s ** 2))
    for other in (scaled, fd, tape.gradient(nll, v).numpy()):
        assert relative_error(grad, other) <= TOL


def test_binary_cross_entropy_is_the_bernoulli_nll():
    X, y = make_moons(n_samples=200, noise=0.2, rng=0)
    z = (X @ np.array([1.5, -3.9]) + 0.1)[:, None]
    p = act.sigmoid(z)
    assert 1e-7 < p.min() and p.max() < 1 - 1e-7        # no clipping
    nll = -np.mean(stats.bernoulli.logpmf(y, p[:, 0]))
    assert abs(nll - losses.BinaryCrossentropy()(y, p)) <= 1e-10
    assert abs(nll - losses.BinaryCrossentropy(from_logits=True)(y, z)) \
        <= 1e-10


def test_categorical_cross_entropy_is_the_categorical_nll():
    X, y = make_spirals(n_samples=300, rng=0)
    Z = X @ np.array([[1.0, -2.0, 0.5], [0.3, 1.2, -1.5]]) + [0.2, 0, -0.2]
    P, Y = act.softmax(Z), one_hot(y, 3)
    nll = -np.mean(stats.multinomial.logpmf(Y, n=1, p=P))
    for value in (
            losses.CategoricalCrossentropy()(Y, P),
            losses.CategoricalCrossentropy(from_logits=True)(Y, Z),
            losses.SparseCategoricalCrossentropy(from_logits=True)(y, Z)):
        assert abs(nll - value) <= 1e-10


def test_a_uniform_guess_costs_log_k():
    labels = np.random.default_rng(0).integers(0, 10, 50)
    ce = losses.CategoricalCrossentropy()(one_hot(labels, 10),
                                          np.full((50, 10), 0.1))
    bce = losses.BinaryCrossentropy()(labels % 2, np.full((50, 1), 0.5))
    assert abs(ce - np.log(10)) < 1e-12 and abs(bce - np.log(2)) < 1e-12


def test_two_class_softmax_cross_entropy_is_binary_cross_entropy():
    X, y = make_moons(n_samples=200, noise=0.2, rng=0)
    z = (X @ np.array([1.5, -3.9]) + 0.1)[:, None]
    Z2 = np.hstack([np.zeros_like(z), z])              # logits (0, z)
    ce = losses.CategoricalCrossentropy(from_logits=True)
    bce = losses.BinaryCrossentropy(from_logits=True)(y, z)
    assert np.abs(act.softmax(Z2)[:, 1] - act.sigmoid(z[:, 0])).max() < 1e-12
    assert abs(ce(one_hot(y, 2), Z2) - bce) < 1e-12
    assert abs(ce(one_hot(y, 2), Z2 + 3.0) - bce) < 1e-12


def test_squared_error_needs_more_steps_from_a_confidently_wrong_start():
    """Section 7's run: logistic regression started at -5 x a good fit;
    full-batch steps to 80% training accuracy, each loss over one grid."""
    X, y = make_moons(n_samples=200, noise=0.2, rng=0)
    A = np.hstack([X, np.ones((len(X), 1))])
    bce = losses.BinaryCrossentropy(from_logits=True)
    mse = losses.MeanSquaredError()

    def gradient(name, theta):
        z = (A @ theta)[:, None]
        if name == "bce":
            return A.T @ bce.gradient(y, z)[:, 0]
        p = act.sigmoid(z)
        return A.T @ (mse.gradient(y, p) * p * (1 - p))[:, 0]

    theta_good = np.zeros(3)
    for _ in range(2000):
        theta_good -= gradient("bce", theta_good)
    theta0 = -5 * theta_good

    def steps_to(name, lr):
        theta = theta0.copy()
        for step in range(1001):
            if np.mean(((A @ theta) > 0) == y) >= 0.8:
                return step
            theta -= lr * gradient(name, theta)
        return None

    grid = (0.3, 1, 3, 10, 30, 100, 300, 1000, 3000)
    s_bce = [steps_to("bce", lr) for lr in grid]
    s_mse = [steps_to("mse", lr) for lr in grid]
    assert all(b is not None and (m is None or b < m)
               for b, m in zip(s_bce, s_mse))
    assert s_mse[-1] is None and s_mse[0] is None      # a window of rates
    assert min(m for m in s_mse if m is not None) >= 10 * min(s_bce)


def test_squared_error_on_a_sigmoid_vanishes_when_confidently_wrong(tf):
    z = np.array([-10.0, -5.0, -2.0, 0.0, 2.0, 5.0])
    y = np.ones_like(z)
    p = act.sigmoid(z)
    g_mse = 2 * (p - y) * p * (1 - p)
    g_bce = p - y
    zt = tf.constant(z)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(zt)
        mse = tf.reduce_sum((tf.sigmoid(zt) - y) ** 2)
        bce = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(y, zt))
    fd_mse = numerical_gradient(
        lambda v: float(np.sum((act.sigmoid(v) - y) ** 2)), z.copy())
    fd_bce = numerical_gradient(
        lambda v: float(-np.sum(np.log(act.sigmoid(v)))), z.copy())
    assert relative_error(g_mse, fd_mse) <= TOL
    assert relative_error(g_mse, tape.gradient(mse, zt).numpy()) <= TOL
    assert relative_error(g_bce, fd_bce) <= TOL
    assert relative_error(g_bce, tape.gradient(bce, zt).numpy()) <= TOL
    assert g_mse[0] / g_bce[0] < 1e-3 and g_bce[0] < -0.99


# -- section 8: fan-out, forward and reverse mode, memory -------------------
def test_fan_out_gradients_sum_over_the_paths(tf):
    x = 1.5
    w, b = Value(0.8), Value(-0.3)
    u = w * x + b
    (u.tanh() * u ** 2).backward()
    u_p, u_q = Value(u.data), Value(u.data)      # one copy per path
    (u_p.tanh() * u_q ** 2).backward()
    p, q = math.tanh(u.data), u.data ** 2
    assert relative_error(u_p.grad, q * (1 - p ** 2)) <= 1e-12
    assert relative_error(u_q.grad, p * 2 * u.data) <= 1e-12
    assert relative_error(u.grad, u_p.grad + u_q.grad) <= 1e-12
    fd = numerical_gradient(lambda v: np.tanh(v[0] * x + v[1])
                            * (v[0] * x + v[1]) ** 2,
                            np.array([w.data, b.data]))
    wt = tf.Variable(w.data, dtype=tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        ut = wt * x + b.data
        L = tf.tanh(ut) * ut ** 2
    assert relative_error(u.grad, float(tape.gradient(L, ut))) <= TOL
    assert relative_error(w.grad, float(tape.gradient(L, wt))) <= TOL
    assert relative_error([w.grad, b.grad], fd) <= TOL


def test_dual_hand_computed_cases():
    x = Dual(2.0, 1.0)
    cases = {                        # expression: (value, derivative)
        "x * x + x": (x * x + x, 6.0, 5.0),
        "1 + x": (1 + x, 3.0, 1.0),
        "5 - x": (5 - x, 3.0, -1.0),
        "x - 5": (x - 5, -3.0, 1.0),
        "3 * x": (3 * x, 6.0, 3.0),
        "x / 4": (x / 4, 0.5, 0.25),
        "4 / x": (4 / x, 2.0, -1.0),
        "x ** 3": (x ** 3, 8.0, 12.0),
        "-x": (-x, -2.0, -1.0),
        "relu(x)": (x.relu(), 2.0, 1.0),
        "relu(-x)": ((-x).relu(), 0.0, 0.0),
        "x * x * x": (x * x * x, 8.0, 12.0),
    }
    for name, (out, value, tangent) in cases.items():
        assert math.isclose(out.data, value, rel_tol=1e-15), name
        assert math.isclose(out.tangent, tangent, rel_tol=1e-15), name
    assert Dual(3.0).tangent == 0.0                  # a constant
    assert repr(Dual(1.5, 2.0)) == "Dual(data=1.5, tangent=2)"


EXPRESSIONS = {
    "polynomial": lambda a, b, c: a * b + c * a ** 2 - b / c,
    "tanh": lambda a, b, c: (a * 0.5 + b * -1.5 + c).tanh(),
    "exp_log": lambda a, b, c: (a.exp() + b ** 2).log() * c,
    "sigmoid_relu": lambda a, b, c: (a - c).sigmoid() * (b + 2.0).relu(),
    "fan_out": lambda a, b, c: (a * b) * (a * b) + (a * b).tanh() * c,
}


@pytest.mark.parametrize("name", list(EXPRESSIONS))
def test_dual_tangents_equal_value_gradients_and_finite_differences(name):
    expr = EXPRESSIONS[name]
    point = (0.7, -1.3, 2.1)
    values = [Value(v) for v in point]
    out = expr(*values)
    out.backward()
    for j in range(3):               # one forward pass per input
        duals = [Dual(v, 1.0 if k == j else 0.0) for k, v in enumerate(point)]
        forward = expr(*duals)
        assert math.isclose(forward.data, out.data, rel_tol=1e-14), name
        assert relative_error(forward.tangent, values[j].grad) <= 1e-12, name

        def along(t, j=j):
            return expr(*[Dual(v + (t[0] if k == j else 0.0))
                          for k, v in enumerate(point)]).data
        fd = numerical_gradient(along, np.zeros(1))[0]
        assert relative_error(forward.tangent, fd) <= TOL, (name, j)


def test_dual_sigmoid_is_stable_and_matches_tf_forward_mode(tf):
    for z in (-1e4, 1e4):
        assert Dual(z, 1.0).sigmoid().tangent == 0.0
    point = tf.constant([0.7, -1.3], dtype=tf.float64)
    direction = tf.constant([0.4, -2.0], dtype=tf.float64)
    with tf.autodiff.ForwardAccumulator(point, direction) as acc:
        out = tf.sigmoid(point[0] * point[1]) + tf.tanh(point[0])
    a, b = Dual(0.7, 0.4), Dual(-1.3, -2.0)
    dual = (a * b).sigmoid() + a.tanh()
    assert relative_error(dual.tangent, float(acc.jvp(out))) <= 1e-12


@pytest.mark.parametrize("call, match", [
    (lambda: Dual("1.5"), "finite real number"),
    (lambda: Dual(1.0, float("inf")), "tangent"),
    (lambda: Dual(True), "finite real number"),
    (lambda: Dual(2.0) ** Dual(3.0), "constant"),
    (lambda: Dual(-1.0).log(), "positive"),
    (lambda: Dual(-8.0) ** 0.5, "non-negative base"),
    (lambda: Dual(1.0) / 0, "division by zero"),
    (lambda: Dual(1000.0).exp(), "overflows"),
])
def test_dual_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def _net(n, m, width=16, seed=0):
    rng = np.random.default_rng(seed)
    Ws = [rng.normal(size=(a, c)) / np.sqrt(a)
          for a, c in ((n, width), (width, width), (width, m))]

    def dense(inputs, W, activation=True):
        out = []
        for k in range(W.shape[1]):
            h = inputs[0] * W[0, k]
            for j in range(1, len(inputs)):
                h = h + inputs[j] * W[j, k]
            out.append(h.tanh() if activation else h)
        return out

    def f(x):
        return dense(dense(dense(x, Ws[0]), Ws[1]), Ws[2], activation=False)
    return f, Ws


def test_forward_and_reverse_mode_jacobians_agree_with_pass_counts(tf):
    n, m = 5, 3
    f, Ws = _net(n, m)
    x0 = np.random.default_rng(1).normal(size=n)
    calls = {"forward": 0, "backward": 0}
    columns = []
    for j in range(n):                                    # forward mode
        calls["forward"] += 1
        out = f([Dual(v, 1.0 if k == j else 0.0) for k, v in enumerate(x0)])
        columns.append([o.tangent for o in out])
    J_fwd = np.array(columns).T
    inputs = [Value(v) for v in x0]                       # reverse mode
    rows = []
    for out in f(inputs):
        calls["backward"] += 1
        out.backward()
        rows.append([v.grad for v in inputs])
    J_rev = np.array(rows)
    assert calls == {"forward": n, "backward": m}
    assert J_fwd.shape == J_rev.shape == (m, n)
    xt = tf.constant(x0)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = tf.tanh(tf.tanh(xt[None] @ Ws[0]) @ Ws[1]) @ Ws[2]
    J_tf = tape.jacobian(y, xt).numpy()[0]

    def f_numpy(v):
        return np.tanh(np.tanh(v @ Ws[0]) @ Ws[1]) @ Ws[2]
    J_fd = np.array([numerical_gradient(lambda v, i=i: f_numpy(v)[i],
                                        x0.copy()) for i in range(m)])
    assert relative_error(J_fwd, J_rev) <= 1e-12
    assert relative_error(J_rev, J_tf) <= TOL
    assert relative_error(J_fwd, J_fd) <= TOL


@pytest.mark.parametrize("activation, cached_per_unit", [("relu", 1),
                                                         ("tanh", 8)])
def test_bytes_cached_for_backward_are_linear_in_the_batch(
        activation, cached_per_unit):
    sizes = (64, 256, 256, 256, 10)
    net = zoo.mlp(sizes, activation=activation, rng=0)
    per_sample = 8 * sum(sizes[:-1]) + cached_per_unit * sum(sizes[1:-1])
    weights = sum(p.nbytes for p in net.params.values())
    assert weights == 8 * sum((a + 1) * c for a, c in zip(sizes[:-1],
                                                          sizes[1:]))
    for n in (1, 7, 256):
        net.forward(np.zeros((n, 64)), training=True)
        assert sum(la._cache.nbytes for la in net.layers) == n * per_sample


# -- section 9: initialisation ----------------------------------------------
def test_pre_activation_variance_is_fan_in_times_var_w_times_second_moment():
    rng = np.random.default_rng(0)
    n_in, a = 256, 0.1
    X = np.maximum(rng.normal(size=(400, n_in)), 0)     # E[x^2] != Var(x)
    Z = X @ rng.uniform(-a, a, size=(n_in, 5000))
    predicted = n_in * a ** 2 / 3 * np.mean(X ** 2)
    assert abs(Z.var() / predicted - 1) < 0.03
    assert abs(n_in * a ** 2 / 3 * X.var() / Z.var() - 1) > 0.25


def test_forward_and_backward_gains_of_a_non_square_layer():
    rng = np.random.default_rng(1)
    n_in, n_out = 100, 400
    X, G = rng.normal(size=(4000, n_in)), rng.normal(size=(4000, n_out))
    for v in (1 / n_in, 1 / n_out, 2 / (n_in + n_out)):
        W = rng.normal(scale=np.sqrt(v), size=(n_in, n_out))
        forward = np.mean((X @ W) ** 2) / np.mean(X ** 2)
        backward = np.mean((G @ W.T) ** 2) / np.mean(G ** 2)
        assert abs(forward / (n_in * v) - 1) < 0.03
        assert abs(backward / (n_out * v) - 1) < 0.03


def test_backward_of_the_dense_relu_stack_matches_fd_and_tf(twins):
    rng = np.random.default_rng(2)
    stack = Sequential([Dense(5, 4, rng=1, init="he_normal"), ReLU(),
                        Dense(4, 3, rng=2, init="he_normal"), ReLU()])
    X, G = rng.normal(size=(6, 5)), rng.normal(size=(6, 3))
    stack.forward(X)
    dX = stack.backward(G)
    fd = numerical_gradient(lambda v: np.sum(G * stack.forward(v)), X.copy())
    _, tf_grads = twins.keras_backward(stack, X, G)
    assert relative_error(dX, fd) <= TOL
    assert relative_error(dX, tf_grads["X"]) <= TOL


@pytest.mark.parametrize("name, variance", [
    ("glorot_uniform", lambda n_in, n_out: 2 / (n_in + n_out)),
    ("he_uniform", lambda n_in, n_out: 2 / n_in),
    ("he_normal", lambda n_in, n_out: 2 / n_in),
])
def test_initialisers_have_the_derived_variance(name, variance):
    W = init.INITIALIZERS[name]((300, 100), rng=0)
    assert abs(W.var() / variance(300, 100) - 1) < 0.03


def test_he_normal_constant_is_the_std_of_a_normal_truncated_at_two():
    c = 2.0
    density = math.exp(-c ** 2 / 2) / math.sqrt(2 * math.pi)
    std = math.sqrt(1 - 2 * c * density / math.erf(c / math.sqrt(2)))
    assert abs(std - 0.87962566103423978) < 1e-12


def test_relu_halves_the_second_moment_not_the_variance():
    z = np.random.default_rng(3).normal(scale=np.sqrt(3.0), size=2_000_000)
    r = np.maximum(z, 0)
    assert abs(np.mean(r ** 2) / np.mean(z ** 2) - 0.5) < 0.005
    assert abs(r.var() / z.var() - (0.5 - 1 / (2 * np.pi))) < 0.005


DEPTH, WIDTH, BATCH, NETS = 25, 128, 64, 16


def _second_moments(activation, init_fn):
    """Layer-wise E[z^2] and E[(dL/dz)^2], averaged over NETS networks."""
    with threadpool_limits(limits=1, user_api="blas"):   # small matrices
        return _second_moments_one_thread(activation, init_fn)


def _second_moments_one_thread(activation, init_fn):
    fwd_all, bwd_all = [], []
    for seed in range(NETS):
        net_rng = np.random.default_rng(seed)
        layers = [(Dense(WIDTH, WIDTH, rng=net_rng, init=init_fn),
                   activation()) for _ in range(DEPTH)]
        data_rng = np.random.default_rng(1000 + seed)
        A, fwd = data_rng.normal(size=(BATCH, WIDTH)), []
        for dense, act_layer in layers:
            Z = dense.forward(A)
            A = act_layer.forward(Z)
            fwd.append(np.mean(Z ** 2))
        G, bwd = data_rng.normal(size=A.shape), []
        for dense, act_layer in reversed(layers):
            dZ = act_layer.backward(G)
            G = dense.backward(dZ)
            bwd.append(np.mean(dZ ** 2))
        fwd_all.append(fwd)
        bwd_all.append(bwd[::-1])
    return np.mean(fwd_all, axis=0), np.mean(bwd_all, axis=0)


def _normal(std):
    return lambda shape, rng: std * rng.standard_normal(shape)


@pytest.mark.parametrize("scheme, var_w", [
    ("he_normal", 2 / WIDTH), ("he_uniform", 2 / WIDTH),
    ("glorot_uniform", 1 / WIDTH), (_normal(0.01), 0.01 ** 2),
    (_normal(1.0), 1.0)])
def test_relu_stack_gain_per_layer_and_he_within_a_factor_two(scheme,
                                                              var_w):
    fwd, bwd = _second_moments(ReLU, scheme)
    gain = (fwd[-1] / fwd[0]) ** (1 / (DEPTH - 1))
    assert abs(gain / (0.5 * WIDTH * var_w) - 1) < 0.1
    keeps = var_w == 2 / WIDTH
    for m in (fwd, bwd):
        assert (m.max() / m.min() < 2) if keeps else \
            (m.max() / m.min() > 1e6)


def _tanh_mean_field():
    """Gauss-Hermite nodes and weights, and the mean-field second moments
    q_l of DEPTH tanh layers with Glorot-scaled weights (q_1 = 1)."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(101)
    weights = weights / weights.sum()
    q = [1.0]
    for _ in range(DEPTH - 1):
        q.append(np.sum(weights * np.tanh(np.sqrt(q[-1]) * nodes) ** 2))
    return nodes, weights, q


def test_tanh_with_glorot_follows_the_mean_field_recursion():
    q = _tanh_mean_field()[2]
    fwd, bwd = _second_moments(Tanh, "glorot_uniform")
    assert np.max(np.abs(fwd / np.array(q) - 1)) < 0.1
    assert fwd.max() / fwd.min() < 100 and bwd.max() / bwd.min() < 100
    tiny, _ = _second_moments(Tanh, _normal(0.01))
    assert tiny.max() / tiny.min() > 1e30
    _, exploding = _second_moments(Tanh, _normal(1.0))
    assert exploding[0] > 1e10 * exploding[-1]


def test_tanh_gradients_with_glorot_follow_the_backward_recursion():
    """E[(dL/dz_l)^2] = kappa_l ... kappa_D, kappa = E[tanh'(z)^2]."""
    nodes, weights, q = _tanh_mean_field()
    kappa = np.array([np.sum(weights * (1 - np.tanh(np.sqrt(v) * nodes) ** 2)
                             ** 2) for v in q])
    predicted = np.cumprod(kappa[::-1])[::-1]
    _, bwd = _second_moments(Tanh, "glorot_uniform")
    assert np.max(np.abs(bwd / predicted - 1)) < 0.15
    assert predicted[0] < 0.05 * predicted[-1]      # it does shrink
