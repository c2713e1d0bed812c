"""SelfAttention: shapes, a hand case, finite differences, and Keras's
MultiHeadAttention(num_heads=1) on the same weights (float64)."""

import numpy as np
import pytest

from dlbook import check_gradients, numerical_gradient, relative_error
from dlbook.attention import SelfAttention, positional_encoding


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


@pytest.mark.parametrize("causal", [False, True])
def test_matches_keras_multi_head_attention(causal, rng, tf):
    import keras
    att = _layer(causal=causal)
    X = rng.standard_normal((2, 5, 6))
    R = rng.standard_normal((2, 5, 6))
    mha = keras.layers.MultiHeadAttention(num_heads=1, key_dim=4,
                                          dtype="float64")
    Xt = tf.constant(X)
    mha(Xt, Xt)                                         # build
    assert [w.shape for w in mha.get_weights()] == [
        w.shape for w in att.keras_weights()]
    mha.set_weights(att.keras_weights())
    with tf.GradientTape() as tape:
        tape.watch(Xt)
        Y, A = mha(Xt, Xt, return_attention_scores=True,
                   use_causal_mask=causal)
        L = tf.reduce_sum(Y * R)
    grads = tape.gradient(L, [Xt] + mha.trainable_weights)
    ours = att.forward(X)
    dX = att.backward(R)
    np.testing.assert_allclose(ours, Y.numpy(), atol=1e-12)
    np.testing.assert_allclose(att.scores, A.numpy()[:, 0], atol=1e-12)
    np.testing.assert_allclose(dX, grads[0].numpy(), atol=1e-12)
    theirs = SelfAttention(6, key_dim=4).set_keras_weights(
        [g.numpy() for g in grads[1:]])
    for name, g in att.grads.items():
        assert relative_error(g, theirs.params[name]) < 1e-10 or \
            np.abs(g - theirs.params[name]).max() < 1e-12, name


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
