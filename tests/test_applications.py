"""Chapter 6 (Applications): the derivations and controls its pages rest on.

Each test mirrors a check that a chapter 6 page runs, so that a change in
dlbook that breaks the page's argument fails here too.
"""

import numpy as np

from dlbook import Adam, Conv2D, Sequential, data
from dlbook.embedding import EmbeddingBag, MatrixFactorization
from dlbook.gradcheck import numerical_gradient, relative_error


def shift(images, dy, dx):
    """Move images (n, h, w, c) by dy rows and dx columns, padding with 0
    (the vision page's helper)."""
    out = np.zeros_like(images)
    h, w = images.shape[1:3]
    out[:, max(dy, 0):h - max(-dy, 0), max(dx, 0):w - max(-dx, 0)] = \
        images[:, max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out


def test_valid_convolution_is_shift_equivariant():
    # 01_vision, ex-ch6-equivariance: Z'[i, j] = Z[i-1, j-1]
    X = np.random.default_rng(0).random((5, 8, 8, 2))
    conv = Conv2D(2, 3, 3, rng=0)
    Z = conv.forward(X)
    for dy, dx in ((1, 1), (1, 0), (0, 1)):
        Z_moved = conv.forward(shift(X, dy, dx))
        np.testing.assert_allclose(Z_moved[:, dy:, dx:],
                                   Z[:, :6 - dy, :6 - dx], atol=1e-12)


def test_mean_embedding_gradient_counts_repeated_words():
    # 02_language, ex-ch6-embedding-grad: dL/dE_i = (c_i / m) dL/dh
    layer = EmbeddingBag(6, 3, rng=0)
    X_ids = np.array([[2, 3, 2, 0], [5, 1, 4, 3]])
    R = np.random.default_rng(1).standard_normal((2, 3))
    layer.forward(X_ids)
    layer.backward(R)
    numeric = numerical_gradient(
        lambda _: np.sum(layer.forward(X_ids) * R), layer.params["E"])
    assert relative_error(layer.grads["E"], numeric) < 1e-8
    np.testing.assert_allclose(layer.grads["E"][2], 2 / 3 * R[0])
    np.testing.assert_allclose(layer.grads["E"][3], R[0] / 3 + R[1] / 4)
    assert not layer.grads["E"][0].any()          # padding gets nothing


def _ratings_split():
    pairs, ratings, _ = data.make_ratings(n_users=60, n_items=40, rank=3,
                                          density=0.5, noise=0.3, rng=0)
    X_tr, X_val, _, r_tr, r_val, _ = data.train_val_test_split(
        pairs, ratings, val_size=0.2, test_size=0.2, rng=0)
    return X_tr.astype(int), X_val.astype(int), r_tr, r_val


def _train_mf(X_tr, r_tr, *, biases_only):
    layer = MatrixFactorization(60, 40, 3, mu=r_tr.mean(), rng=0)
    if biases_only:
        layer.params["P"][:] = 0.0
        layer.params["Q"][:] = 0.0
    model = Sequential([layer]).compile(loss="mse", optimizer=Adam(0.03))
    return model.fit(X_tr, r_tr, epochs=30, batch_size=64, rng=0)


def test_zero_factors_are_a_fixed_point_and_the_factors_do_the_work():
    # 03_recommender_systems: the biases-only control and ex-ch6-zero-factors
    X_tr, X_val, r_tr, r_val = _ratings_split()
    control = _train_mf(X_tr, r_tr, biases_only=True)
    assert not control.params["0.P"].any()
    assert not control.params["0.Q"].any()
    assert control.params["0.b_user"].any()       # the biases did learn
    mf = _train_mf(X_tr, r_tr, biases_only=False)

    def rmse(model):
        return np.sqrt(model.evaluate(X_val, r_val)["loss"])

    # the factors cut the error by more than half; the biases help a little
    mean_only = np.sqrt(np.mean((r_val - r_tr.mean()) ** 2))
    assert rmse(mf) < 0.5 * rmse(control)
    assert rmse(control) < mean_only


def test_hann_magnitudes_ignore_the_phase_of_a_bin_frequency():
    # 04_speech, ex-ch6-phase: |X_k| does not depend on the phase
    N = 64
    n = np.arange(N)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * n / N)      # periodic Hann
    for j0 in range(2, N // 2 - 1):
        mags = [np.abs(np.fft.rfft(window * np.cos(2 * np.pi * j0 * n / N
                                                   + phase)))
                for phase in (0.0, 0.7, 2.0)]
        np.testing.assert_allclose(mags[1], mags[0], atol=1e-12)
        np.testing.assert_allclose(mags[2], mags[0], atol=1e-12)
    # at j0 = 1 the two copies of the window's transform overlap
    mags = [np.abs(np.fft.rfft(window * np.cos(2 * np.pi * n / N + phase)))
            for phase in (0.0, 1.0)]
    assert np.abs(mags[0] - mags[1]).max() > 1e-3


def test_positive_predictive_value_and_rule_of_three():
    # 05_fields, ex-ch6-prevalence and ex-ch6-rare
    ppv = 0.9 * 0.01 / (0.9 * 0.01 + 0.1 * 0.99)
    assert abs(ppv - 1 / 12) < 0.001
    p0 = 1e-8
    n = np.log(20) / p0
    assert abs(np.exp(n * np.log1p(-p0)) - 0.05) < 1e-6
    assert 2.9 / p0 < n < 3.1 / p0
