"""SelfAttention and MultiHeadAttention: shapes, a hand case, finite
differences, and Keras's MultiHeadAttention on the same weights (one head
and several, with and without the causal mask, float64 and float32)."""

import numpy as np
import pytest

from dlbook import check_gradients, numerical_gradient, relative_error
from dlbook.attention import (MultiHeadAttention, SelfAttention,
                              positional_encoding)


def _layer(d=6, k=4, causal=False, seed=1):
    att = SelfAttention(d, key_dim=k, causal=causal, rng=seed)
    rng = np.random.default_rng(seed + 100)
    for name in ("bq", "bk", "bv", "bo"):        # non-zero biases
        att.params[name][:] = rng.standard_normal(att.params[name].shape)
    return att


def test_shapes_dtype_and_rows_of_weights_sum_to_one(rng):
    att = _layer()
    X = rng.standard_normal((3, 5, 6))
    Y = att.forward(X)
    assert Y.shape == (3, 5, 6) and Y.dtype == np.float64
    assert att.scores.shape == (3, 5, 5)
    np.testing.assert_allclose(att.scores.sum(axis=-1), 1.0)
    assert att.n_params == 3 * (6 * 4 + 4) + 4 * 6 + 6


def test_hand_case_uniform_attention_averages_values():
    att = SelfAttention(2, key_dim=2, rng=0)
    for name in att.params:
        att.params[name][...] = 0.0
    att.params["Wv"][...] = np.eye(2)
    att.params["Wo"][...] = np.eye(2)
    X = np.array([[[1.0, 2.0], [3.0, 4.0], [5.0, 0.0]]])
    # Q = K = 0: every score is 0, so each row attends uniformly
    np.testing.assert_allclose(att.forward(X), np.full((1, 3, 2),
                                                       [3.0, 2.0]))


def test_causal_mask_blocks_the_future(rng):
    att = _layer(causal=True)
    X = rng.standard_normal((2, 4, 6))
    att.forward(X)
    assert np.all(np.triu(att.scores[0], k=1) == 0)
    Y1 = att.forward(X)
    X2 = X.copy()
    X2[:, -1] += 10.0                   # changing the last position
    Y2 = att.forward(X2)                # leaves earlier outputs alone
    np.testing.assert_allclose(Y1[:, :-1], Y2[:, :-1])


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("shape", [(1, 1, 6), (2, 5, 6), (3, 2, 6)])
def test_gradients_match_finite_differences(shape, causal, rng):
    att = _layer(causal=causal)
    X = rng.standard_normal(shape)
    result = check_gradients(att, X)
    # A key bias adds q . bk to every score of a row, and softmax ignores
    # a constant per row: its gradient is exactly zero.
    errors = {k: e for k, e in result.errors.items() if k != "bk"}
    assert max(errors.values()) < 1e-6, str(result)
    assert np.abs(att.grads["bk"]).max() < 1e-12


def test_key_bias_gradient_is_zero_numerically_too(rng):
    att = _layer()
    X = rng.standard_normal((2, 4, 6))
    R = rng.standard_normal((2, 4, 6))
    num = numerical_gradient(lambda _: float(np.sum(att.forward(X) * R)),
                             att.params["bk"])
    assert np.abs(num).max() < 1e-8


def test_adding_to_the_key_bias_changes_nothing_the_query_bias_does(rng):
    # Chapter 8, ex-ch8-key-bias: b_k adds the same q_t . c to a whole row.
    att = _layer()
    X = rng.standard_normal((2, 5, 6))
    base = att.forward(X)
    c = rng.standard_normal(4)
    att.params["bk"] += c
    np.testing.assert_allclose(att.forward(X), base, atol=1e-12)
    att.params["bk"] -= c
    att.params["bq"] += c
    assert np.abs(att.forward(X) - base).max() > 1e-3


@pytest.mark.parametrize("causal", [False, True])
def test_permutation_equivariant_only_without_the_mask(causal, rng):
    att = _layer(causal=causal)
    X = rng.standard_normal((2, 5, 6))
    perm = np.array([3, 0, 4, 1, 2])
    same = np.allclose(att.forward(X[:, perm]), att.forward(X)[:, perm])
    assert same != causal


def test_sinusoids_let_a_head_attend_to_the_previous_position():
    # Chapter 8: P[t] M = P[t-1] for the block rotation M, so W_q = c M,
    # W_k = I make every position t > 0 attend most to t - 1.
    T, d = 10, 16
    P = positional_encoding(T, d)
    omega = 1.0 / 10000 ** (2 * np.arange(d // 2) / d)
    M = np.zeros((d, d))
    for i, w in enumerate(omega):
        M[2 * i:2 * i + 2, 2 * i:2 * i + 2] = [[np.cos(w), np.sin(w)],
                                               [-np.sin(w), np.cos(w)]]
    np.testing.assert_allclose(P[1:] @ M, P[:-1], atol=1e-12)
    head = SelfAttention(d, key_dim=d, rng=0)
    head.params["Wq"][...] = 20.0 * M
    head.params["Wk"][...] = np.eye(d)
    head.forward(P[None])
    np.testing.assert_array_equal(head.scores[0, 1:].argmax(axis=1),
                                  np.arange(T - 1))


@pytest.mark.parametrize("causal", [False, True])
def test_matches_keras_multi_head_attention(causal, rng, tf, twins):
    import keras
    att = _layer(causal=causal)
    X = rng.standard_normal((2, 5, 6))
    R = rng.standard_normal((2, 5, 6))
    Y, grads = twins.keras_backward(att, X, R)          # float64
    ours = att.forward(X)
    dX = att.backward(R)
    np.testing.assert_allclose(ours, Y, atol=1e-12)
    np.testing.assert_allclose(dX, grads["X"], atol=1e-12)
    for name, g in att.grads.items():
        assert relative_error(g, grads[name]) < 1e-10 or \
            np.abs(g - grads[name]).max() < 1e-12, name
    # the twin is one MultiHeadAttention(num_heads=1) holding our weights
    # in its layout; its attention weights are ours
    (mha,) = [la for la in twins.to_keras(att, dtype="float64").layers
              if isinstance(la, keras.layers.MultiHeadAttention)]
    assert [w.shape for w in mha.get_weights()] == [
        w.shape for w in att.keras_weights()]
    Xt = tf.constant(X)
    _, A = mha(Xt, Xt, return_attention_scores=True, use_causal_mask=causal)
    np.testing.assert_allclose(att.scores, A.numpy()[:, 0], atol=1e-12)
    back = SelfAttention(6, key_dim=4).set_keras_weights(mha.get_weights())
    for name, p in att.params.items():
        np.testing.assert_array_equal(back.params[name], p)


def test_keras_weights_round_trip():
    a, b = _layer(seed=1), SelfAttention(6, key_dim=4, rng=9)
    b.set_keras_weights(a.keras_weights())
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])


def test_positional_encoding_values():
    P = positional_encoding(4, 6)
    assert P.shape == (4, 6)
    np.testing.assert_allclose(P[0], [0, 1, 0, 1, 0, 1])
    np.testing.assert_allclose(P[2, 0], np.sin(2.0))
    np.testing.assert_allclose(P[2, 3], np.cos(2 / 10000 ** (2 / 6)))


def test_errors(rng):
    att = SelfAttention(6, key_dim=4)
    with pytest.raises(RuntimeError, match="before"):
        att.backward(np.zeros((1, 2, 6)))
    with pytest.raises(ValueError, match=r"\(n_samples, seq_len, 6\)"):
        att.forward(rng.standard_normal((2, 6)))
    with pytest.raises(ValueError, match="positive integer"):
        SelfAttention(0)
    with pytest.raises(ValueError, match="8 arrays"):
        att.set_keras_weights([np.zeros((6, 1, 4))])
    att.forward(rng.standard_normal((1, 3, 6)))
    with pytest.raises(ValueError, match="dout of shape"):
        att.backward(np.zeros((1, 2, 6)))


# -- several heads -------------------------------------------------------
def _mha(d=6, h=3, k=2, causal=False, seed=1, dtype=np.float64):
    mha = MultiHeadAttention(d, h, key_dim=k, causal=causal, rng=seed,
                             dtype=dtype)
    rng = np.random.default_rng(seed + 100)
    for name in ("bq", "bk", "bv", "bo"):        # non-zero biases
        mha.params[name][...] = rng.standard_normal(mha.params[name].shape)
    return mha


def test_multi_head_shapes_and_keras_layouts(rng):
    mha = _mha()
    assert {k: v.shape for k, v in mha.params.items()} == {
        "Wq": (6, 3, 2), "bq": (3, 2), "Wk": (6, 3, 2), "bk": (3, 2),
        "Wv": (6, 3, 2), "bv": (3, 2), "Wo": (3, 2, 6), "bo": (6,)}
    Y = mha.forward(rng.standard_normal((4, 5, 6)))
    assert Y.shape == (4, 5, 6) and mha.scores.shape == (4, 3, 5, 5)
    np.testing.assert_allclose(mha.scores.sum(axis=-1), 1.0)
    assert MultiHeadAttention(8, 2).key_dim == 4     # d_model / heads


def test_heads_are_one_head_attentions_summed(rng):
    """Y = sum over heads of head j's SelfAttention output without its
    output bias, plus bo: each head attends on its own."""
    mha = _mha()
    X = rng.standard_normal((2, 5, 6))
    total = mha.forward(X)
    expected = mha.params["bo"].copy()
    for j in range(3):
        head = SelfAttention(6, key_dim=2)
        for c in "qkv":
            head.params["W" + c][...] = mha.params["W" + c][:, j]
            head.params["b" + c][...] = mha.params["b" + c][j]
        head.params["Wo"][...] = mha.params["Wo"][j]
        head.params["bo"][...] = 0.0
        expected = expected + head.forward(X)
        np.testing.assert_allclose(head.scores, mha.scores[:, j])
    np.testing.assert_allclose(total, expected, atol=1e-12)


def test_self_attention_is_the_one_head_case(rng):
    att = _layer()
    mha = MultiHeadAttention(6, 1, key_dim=4).set_keras_weights(
        att.keras_weights())
    X = rng.standard_normal((2, 5, 6))
    np.testing.assert_array_equal(att.forward(X), mha.forward(X))
    np.testing.assert_array_equal(att.scores, mha.scores[:, 0])


def test_multi_head_causal_mask(rng):
    mha = _mha(causal=True)
    X = rng.standard_normal((2, 4, 6))
    Y1 = mha.forward(X)
    assert np.all(np.triu(mha.scores, k=1) == 0)
    X2 = X.copy()
    X2[:, -1] += 10.0
    np.testing.assert_allclose(mha.forward(X2)[:, :-1], Y1[:, :-1])


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("shape", [(1, 1, 6), (2, 5, 6), (3, 2, 6)])
def test_multi_head_gradients_match_finite_differences(shape, causal, rng):
    mha = _mha(causal=causal)
    result = check_gradients(mha, rng.standard_normal(shape))
    # the key bias has a zero gradient (see the one-head test above)
    errors = {k: e for k, e in result.errors.items() if k != "bk"}
    assert max(errors.values()) < 1e-6, str(result)
    assert np.abs(mha.grads["bk"]).max() < 1e-12


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("dtype,tol", [("float64", 1e-6),
                                       ("float32", 1e-4)])
def test_multi_head_matches_keras(causal, dtype, tol, rng, tf, twins):
    import keras
    mha = _mha(causal=causal, dtype=dtype)
    X = rng.standard_normal((2, 5, 6)).astype(dtype)
    R = rng.standard_normal((2, 5, 6)).astype(dtype)
    out = mha.forward(X)
    dX = mha.backward(R)
    Y, grads = twins.keras_backward(mha, X, R, dtype=dtype)
    assert Y.dtype == out.dtype == dtype
    assert relative_error(out, Y) <= tol
    assert relative_error(dX, grads["X"]) <= tol
    scale = max(np.abs(g).max() for g in mha.grads.values())
    for name, g in mha.grads.items():
        assert relative_error(g, grads[name]) <= tol or \
            np.abs(g - grads[name]).max() <= tol * scale, name
    (klayer,) = [la for la in twins.to_keras(mha, dtype=dtype).layers
                 if isinstance(la, keras.layers.MultiHeadAttention)]
    assert klayer.num_heads == 3 and klayer.key_dim == 2
    Xt = tf.constant(X)
    _, A = klayer(Xt, Xt, return_attention_scores=True,
                  use_causal_mask=causal)
    assert relative_error(mha.scores, A.numpy()) <= tol


def test_multi_head_errors(rng):
    with pytest.raises(ValueError, match="divisible by num_heads, "
                                         "received: d_model=6, num_heads=4"):
        MultiHeadAttention(6, 4)
    with pytest.raises(ValueError, match="num_heads=0"):
        MultiHeadAttention(6, 0)
    with pytest.raises(ValueError, match="key_dim=0"):
        MultiHeadAttention(6, 2, key_dim=0)
    with pytest.raises(TypeError):
        MultiHeadAttention(6, 2, 3)              # key_dim is keyword-only
    mha = MultiHeadAttention(6, 2)
    with pytest.raises(RuntimeError, match="before forward"):
        mha.backward(np.zeros((1, 2, 6)))
    with pytest.raises(ValueError, match=r"\(n_samples, seq_len, 6\)"):
        mha.forward(rng.standard_normal((2, 5, 4)))
    with pytest.raises(ValueError, match=r"Wq with 36 entries \(shape "
                                         r"\(6, 2, 3\)\)"):
        mha.set_keras_weights([np.zeros((6, 1, 3))] * 8)
