"""The claims of chapter 8's "Security" and "Fairness" sections, on small
fast versions of their experiments.

Security: FGSM from ``dlbook``'s input gradient equals FGSM from
``tf.GradientTape`` on the Keras twin; FGSM is the maximiser of the
linearised loss; FGSM at epsilon 0.2 drops the digits CNN's accuracy
below 25 % where random signs of the same size do not; FGSM adversarial
training recovers part of it where training on random signs of the same
size does not, and PGD shows that only part is real; a backdoor planted
with 20 poisoned images works while clean accuracy stays.
Fairness: the weighted loss is Keras's ``sample_weight`` convention; with
``w_B = n_A / n_B`` it is the mean of the two groups' mean losses; the
minority's error gap shrinks as its share grows, and re-weighting narrows
it at a cost to the majority.
"""

import numpy as np
import pytest

from dlbook import Adam, SparseCategoricalCrossentropy, data, zoo

LOSS = SparseCategoricalCrossentropy(from_logits=True)
EPS = 0.2


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    """Small matrices: one BLAS thread is faster, above all on a busy
    machine (as in the notebooks)."""
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1, user_api="blas"):
        yield


# -- security ---------------------------------------------------------------
@pytest.fixture(scope="module")
def digits():
    X, y = data.load_digits(images=True)
    X = (X / 16.0).astype(np.float32)
    return data.train_val_test_split(X, y, val_size=0.2, test_size=0.2,
                                     rng=0, stratify=True)


def _cnn(lr=0.003, seed=0, dtype=np.float32):
    model = zoo.digits_cnn(filters=(8, 16, 16), dense=32, rng=seed,
                           dtype=dtype)
    return model.compile(optimizer=Adam(lr), loss=LOSS)


def _accuracy(model, X, y):
    return float(np.mean(model.predict(X).argmax(axis=1) == y))


def _input_gradient(model, X, y):
    return model.backward(LOSS.gradient(y, model.forward(X)))


def _fgsm(model, X, y, eps):
    return np.clip(X + eps * np.sign(_input_gradient(model, X, y)), 0, 1)


def _pgd(model, X, y, eps, steps=10, rng=0):
    alpha = 2.5 * eps / steps
    start = np.random.default_rng(rng).uniform(-eps, eps, size=X.shape)
    X_adv = np.clip(X + start, 0, 1).astype(X.dtype)
    for _ in range(steps):
        X_adv = X_adv + alpha * np.sign(_input_gradient(model, X_adv, y))
        X_adv = np.clip(np.clip(X_adv, X - eps, X + eps), 0, 1)
    return X_adv


def _adversarial_fit(model, X, y, eps, epochs=15, seed=0, perturb=None):
    """Half of every minibatch replaced by its FGSM version, or by
    ``perturb(X, eps)`` (the random-sign control)."""
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        for Xb, yb in data.minibatches(X, y, 32, rng=rng):
            Xb = Xb.copy()
            half = len(yb) // 2
            Xb[:half] = (_fgsm(model, Xb[:half], yb[:half], eps)
                         if perturb is None else perturb(Xb[:half], eps))
            model.train_step(Xb, yb)
    return model


@pytest.fixture(scope="module")
def standard(digits):
    X_tr, _, _, y_tr, _, _ = digits
    return _cnn().fit(X_tr, y_tr, epochs=15, batch_size=32, rng=0)


@pytest.mark.parametrize("dtype, rtol", [("float32", 1e-5),
                                         ("float64", 1e-10)])
def test_fgsm_from_dlbook_equals_fgsm_from_the_tape(digits, dtype, rtol,
                                                    twins, tf):
    X_tr, X_val, _, y_tr, y_val, _ = digits
    model = _cnn(dtype=dtype).fit(X_tr[:300], y_tr[:300], epochs=3,
                                  batch_size=32, rng=0)
    X = X_val.astype(dtype)
    twin = twins.to_keras(model, dtype=dtype)
    X_watch = tf.constant(X)
    with tf.GradientTape() as tape:
        tape.watch(X_watch)
        loss = twins.keras_loss(LOSS, dtype=dtype)(y_val, twin(X_watch))
    g_tf = tape.gradient(loss, X_watch).numpy()
    g_np = _input_gradient(model, X, y_val)
    assert g_np.shape == X.shape and g_np.dtype == np.dtype(dtype)
    scale = np.abs(g_tf).max()
    assert np.abs(g_np - g_tf).max() / scale < rtol
    clear = np.abs(g_tf) > 10 * rtol * scale
    assert clear.mean() > 0.5
    X_adv_tf = np.clip(X + EPS * np.sign(g_tf), 0, 1)
    np.testing.assert_array_equal(_fgsm(model, X, y_val, EPS)[clear],
                                  X_adv_tf[clear])


def test_fgsm_maximises_the_linearised_loss(digits, standard):
    _, X_val, _, _, y_val, _ = digits
    model64 = _cnn(dtype=np.float64)
    model64.set_weights([w.astype(np.float64)
                         for w in standard.get_weights()])
    X = X_val[:100].astype(np.float64)
    y = y_val[:100]
    g = _input_gradient(model64, X, y)
    eps = 1e-3
    gain = (LOSS(y, model64.forward(X + eps * np.sign(g)))
            - LOSS(y, model64.forward(X)))
    assert gain / (eps * np.abs(g).sum()) == pytest.approx(1, abs=0.01)
    g_one = g[0].ravel()
    corners = np.random.default_rng(0).choice([-1.0, 1.0], size=(1000, 64))
    assert np.max(corners @ g_one) < np.abs(g_one).sum()
    x_adv = _fgsm(model64, X, y, 0.3)
    assert np.abs(x_adv - X).max() <= 0.3 + 1e-12
    assert x_adv.min() >= 0 and x_adv.max() <= 1


def test_fgsm_drops_accuracy_and_random_signs_do_not(digits, standard):
    _, X_val, _, _, y_val, _ = digits
    clean = _accuracy(standard, X_val, y_val)
    attacked = _accuracy(standard, _fgsm(standard, X_val, y_val, EPS), y_val)
    signs = np.random.default_rng(0).choice([-1.0, 1.0], size=X_val.shape)
    noisy = _accuracy(standard, np.clip(X_val + EPS * signs, 0, 1)
                      .astype(np.float32), y_val)
    assert clean > 0.9 and attacked < 0.25 and noisy > attacked + 0.6


def test_adversarial_training_recovers_part_and_pgd_shows_how_much(
        digits, standard):
    X_tr, X_val, _, y_tr, y_val, _ = digits
    robust = _adversarial_fit(_cnn(), X_tr, y_tr, EPS)
    noise_rng = np.random.default_rng(1)
    noisy = _adversarial_fit(
        _cnn(), X_tr, y_tr, EPS, perturb=lambda X, e: np.clip(
            X + e * noise_rng.choice([-1.0, 1.0], size=X.shape), 0, 1))
    scores = {}
    for name, m in (("standard", standard), ("robust", robust),
                    ("noisy", noisy)):
        scores[name] = (_accuracy(m, X_val, y_val),
                        _accuracy(m, _fgsm(m, X_val, y_val, EPS), y_val),
                        _accuracy(m, _pgd(m, X_val, y_val, EPS), y_val))
    (c_s, f_s, p_s), (c_r, f_r, p_r) = scores["standard"], scores["robust"]
    _, f_n, p_n = scores["noisy"]
    assert c_r > c_s - 0.03
    assert f_r > f_s + 0.2          # FGSM training recovers part
    assert p_r < f_r - 0.1          # FGSM overstates the robustness
    assert f_r - p_r > f_s - p_s + 0.05     # partly FGSM-specific
    assert p_r > p_s + 0.05         # part of it is real
    assert f_n < f_r - 0.2 and p_n < p_r - 0.1  # noise of that size is not


def test_pgd_stays_in_the_budget_and_beats_fgsm(digits, standard):
    _, X_val, _, _, y_val, _ = digits
    X_adv = _pgd(standard, X_val, y_val, EPS)
    assert np.abs(X_adv - X_val).max() <= EPS + 1e-6
    assert 0 <= X_adv.min() and X_adv.max() <= 1
    assert (_accuracy(standard, X_adv, y_val)
            <= _accuracy(standard, _fgsm(standard, X_val, y_val, EPS),
                         y_val))


def test_a_backdoor_from_twenty_images_works_and_hides(digits, standard):
    X_tr, _, X_te, y_tr, _, y_te = digits

    def stamp(X):
        X = X.copy()
        X[:, :2, :2, :] = 1.0
        return X

    order = np.random.default_rng(0).permutation(np.flatnonzero(y_tr != 0))
    X_p, y_p = X_tr.copy(), y_tr.copy()
    X_p[order[:20]], y_p[order[:20]] = stamp(X_tr[order[:20]]), 0
    backdoored = _cnn().fit(X_p, y_p, epochs=15, batch_size=32, rng=0)
    X_trig = stamp(X_te[y_te != 0])
    success = {name: np.mean(m.predict(X_trig).argmax(axis=1) == 0)
               for name, m in (("clean", standard),
                               ("backdoored", backdoored))}
    assert success["backdoored"] > 0.7 and success["clean"] < 0.1
    assert abs(_accuracy(backdoored, X_te, y_te)
               - _accuracy(standard, X_te, y_te)) < 0.03


# -- fairness ---------------------------------------------------------------
@pytest.fixture(scope="module")
def flat_digits():
    X, y = data.load_digits()
    X = (X / 16.0).astype(np.float32)
    return data.train_val_test_split(X, y, val_size=0.2, test_size=0.2,
                                     rng=0, stratify=True)


def _thick_pen(X):
    img = np.pad(X.reshape(-1, 8, 8), ((0, 0), (0, 1), (0, 1)))
    wide = np.maximum.reduce([img[:, i:i + 8, j:j + 8]
                              for i in (0, 1) for j in (0, 1)])
    return wide.reshape(X.shape)


def _weighted_dout(y, y_pred, w):
    """Row i of the batch-mean gradient times w_i: the gradient of
    sum_i w_i l_i / n, n the batch size (Keras's default reduction)."""
    return LOSS.gradient(y, y_pred) * w[:, None]


def _train(X, y, weights=None, *, resample=False, seed=0, epochs=20):
    n = len(y)
    w = np.ones(n) if weights is None else weights / np.mean(weights)
    p, w = w / w.sum(), w.astype(np.float32)
    model = zoo.mlp((64, 64, 10), rng=seed, dtype=np.float32).compile(
        optimizer=Adam(0.01), loss=LOSS)
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = (rng.choice(n, size=n, p=p) if resample
                 else rng.permutation(n))
        for start in range(0, n, 64):
            i = order[start:start + 64]
            y_pred = model.forward(X[i], training=True)
            dout = (LOSS.gradient(y[i], y_pred) if resample
                    else _weighted_dout(y[i], y_pred, w[i]))
            model.backward(dout)
            model.optimizer.step(model.params, model.grads)
    return model


def _group_b(y, share, seed):
    rng = np.random.default_rng(seed)
    in_b = np.zeros(len(y), dtype=bool)
    for c in range(10):
        rows = np.flatnonzero(y == c)
        in_b[rng.choice(rows, max(1, round(share * len(rows))),
                        replace=False)] = True
    return in_b


def _group_errors(model, X, y):
    return np.array([np.mean(model.predict(Xg).argmax(axis=1) != y)
                     for Xg in (X, _thick_pen(X))])


def test_thick_pen_widens_strokes_and_keeps_the_range():
    X = np.zeros((1, 64), dtype=np.float32)
    X[0, 3 * 8 + 4] = 0.5                          # one pixel at (3, 4)
    wide = _thick_pen(X).reshape(8, 8)
    assert wide.dtype == np.float32
    np.testing.assert_array_equal(np.argwhere(wide == 0.5),
                                  [[2, 3], [2, 4], [3, 3], [3, 4]])
    X_d, _ = data.load_digits()
    T = _thick_pen(X_d / 16)
    assert np.all(T >= X_d / 16) and T.max() <= 1


def test_the_total_ink_alone_gives_the_group_away(flat_digits):
    """"Fairness through unawareness" fails here: one number per image,
    its total ink, with one threshold set on training, tells the groups
    apart on validation digits."""
    X_tr, X_val, _, _, _, _ = flat_digits
    ink = np.concatenate([X_tr, _thick_pen(X_tr)]).sum(axis=1)
    group = np.repeat([0, 1], len(X_tr))
    cuts = np.sort(ink)
    cut = cuts[np.argmax([np.mean((ink > t) == group) for t in cuts])]
    ink_val = np.concatenate([X_val, _thick_pen(X_val)]).sum(axis=1)
    assert np.mean((ink_val > cut) == np.repeat([0, 1], len(X_val))) > 0.95


def test_weighted_loss_is_keras_sample_weight(tf, twins):
    rng = np.random.default_rng(0)
    z = rng.standard_normal((7, 10))
    y = rng.integers(0, 10, 7)
    w = rng.uniform(0.1, 5, 7)
    z_tf = tf.constant(z)
    with tf.GradientTape() as tape:
        tape.watch(z_tf)
        loss = twins.keras_loss(LOSS, dtype="float64")(y, z_tf,
                                                      sample_weight=w)
    np.testing.assert_allclose(_weighted_dout(y, z, w),
                               tape.gradient(loss, z_tf).numpy(),
                               rtol=1e-10, atol=1e-14)
    per_example = -np.log(np.exp(z - z.max(1, keepdims=True))[
        np.arange(7), y] / np.exp(z - z.max(1, keepdims=True)).sum(1))
    assert float(loss) == pytest.approx(np.sum(w * per_example) / 7)


def test_equal_group_weights_average_the_group_means(rng):
    n_a, n_b = 40, 3
    per_example = rng.random(n_a + n_b)
    in_b = np.arange(n_a + n_b) >= n_a
    w = np.where(in_b, n_a / n_b, 1.0)
    w = w / w.mean()
    assert np.mean(w * per_example) == pytest.approx(
        (per_example[~in_b].mean() + per_example[in_b].mean()) / 2)


def test_resampling_has_the_expected_gradient_of_reweighting(rng):
    """Drawing example i with probability w_i / sum(w) gives, in
    expectation, the gradient of the loss weighted by w / mean(w)."""
    model = zoo.mlp((64, 8, 10), rng=0)
    X = rng.random((12, 64))
    y = rng.integers(0, 10, 12)
    w = rng.uniform(0.5, 3, 12)
    w = w / w.mean()
    y_pred = model.forward(X)
    model.backward(_weighted_dout(y, y_pred, w))
    weighted = {k: g.copy() for k, g in model.grads.items()}
    expected = {k: np.zeros_like(g) for k, g in model.grads.items()}
    for i in range(12):                     # exact expectation over draws
        model.backward(LOSS.gradient(y[i:i + 1], model.forward(X[i:i + 1])))
        for k, g in model.grads.items():
            expected[k] += w[i] / w.sum() * g
    for k in weighted:
        np.testing.assert_allclose(weighted[k], expected[k], atol=1e-12)


def test_the_gap_shrinks_as_the_minority_grows(flat_digits):
    X_tr, X_val, _, y_tr, y_val, _ = flat_digits
    gaps = []
    for share in (0.02, 0.1, 0.5):
        e = []
        for seed in range(3):
            in_b = _group_b(y_tr, share, seed)
            X = X_tr.copy()
            X[in_b] = _thick_pen(X_tr[in_b])
            e.append(_group_errors(_train(X, y_tr, seed=seed), X_val, y_val))
        e = np.mean(e, axis=0)
        gaps.append(e[1] - e[0])
    assert gaps[0] > gaps[1] > gaps[2] and gaps[0] > gaps[2] + 0.08


def test_reweighting_narrows_the_gap_at_a_cost(flat_digits):
    X_tr, _, X_te, y_tr, _, y_te = flat_digits
    before, after = [], []
    for seed in range(5):
        in_b = _group_b(y_tr, 0.05, seed)
        X = X_tr.copy()
        X[in_b] = _thick_pen(X_tr[in_b])
        before.append(_group_errors(_train(X, y_tr, seed=seed), X_te, y_te))
        after.append(_group_errors(
            _train(X, y_tr, np.where(in_b, 19.0, 1.0), seed=seed),
            X_te, y_te))
    (a0, b0), (a1, b1) = np.mean(before, axis=0), np.mean(after, axis=0)
    assert b0 > a0 + 0.08                  # the minority is served worse
    assert b1 - a1 < b0 - a0 - 0.03        # the gap is smaller after
    assert b1 < b0 and a1 > a0             # bought for B, paid by A
