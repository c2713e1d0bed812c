"""The Transformer's parts: positional layers, the feed-forward block,
the pre-norm encoder block and average pooling, each against its formula,
central differences and its Keras twin under tf.GradientTape (float64 and
float32); the order task; and a short training run that mirrors the
chapter's claim: attention with positions learns the order task, a bag
of words and the same model without positions stay near chance."""

import numpy as np
import pytest

from dlbook import (Adam, Dense, Sequential, SparseCategoricalCrossentropy,
                    check_gradients, relative_error)
from dlbook.attention import MultiHeadAttention, positional_encoding
from dlbook.embedding import Embedding, EmbeddingBag
from dlbook.activations import softmax
from dlbook.normalization import LayerNormalization
from dlbook.residual import Residual
from dlbook.transformer import (FeedForward, GlobalAveragePooling1D,
                                PositionalEncoding, PositionEmbedding,
                                TransformerEncoderBlock, make_marker_order)


def _block(causal=False, dtype=np.float64):
    block = TransformerEncoderBlock(6, 2, 10, causal=causal, rng=3,
                                    dtype=dtype)
    rng = np.random.default_rng(5)
    for key, p in block.params.items():       # non-trivial LN and biases
        if not key.endswith(("W", "Wq", "Wk", "Wv", "Wo")):
            p[...] += 0.3 * rng.standard_normal(p.shape)
    return block


def test_positional_layers_add_their_table(rng):
    X = rng.standard_normal((2, 5, 6))
    np.testing.assert_array_equal(PositionalEncoding(6).forward(X),
                                  X + positional_encoding(5, 6))
    emb = PositionEmbedding(8, 6, rng=0)
    np.testing.assert_array_equal(emb.forward(X), X + emb.params["P"][:5])
    R = rng.standard_normal(X.shape)
    np.testing.assert_array_equal(emb.backward(R), R)
    np.testing.assert_allclose(emb.grads["P"][:5], R.sum(axis=0))
    assert np.all(emb.grads["P"][5:] == 0)    # positions never seen


def test_feed_forward_acts_on_each_position(rng):
    ffn = FeedForward(4, 7, rng=0)
    X = rng.standard_normal((3, 5, 4))
    W1, b1, W2, b2 = ffn.params.values()
    expected = np.maximum(X @ W1 + b1, 0) @ W2 + b2
    np.testing.assert_allclose(ffn.forward(X), expected, atol=1e-14)
    np.testing.assert_allclose(ffn.forward(X[:, 2]), expected[:, 2],
                               atol=1e-14)
    assert list(ffn.params) == ["0.W", "0.b", "2.W", "2.b"]


def test_block_is_the_pre_norm_formula(rng):
    block = _block()
    X = rng.standard_normal((2, 5, 6))
    (ln1, mha), (ln2, ffn) = (r.layers for r in block.layers)
    H = X + mha.forward(ln1.forward(X))
    expected = H + ffn.forward(ln2.forward(H))
    np.testing.assert_allclose(block.forward(X), expected, atol=1e-14)
    assert block.attention is mha
    assert block.scores.shape == (2, 2, 5, 5)
    assert block.n_params == 2 * 12 + (3 * (6 * 6 + 6) + 6 * 6 + 6) + (
        6 * 10 + 10 + 10 * 6 + 6)


def test_causal_block_ignores_the_future(rng):
    block = _block(causal=True)
    X = rng.standard_normal((2, 5, 6))
    Y = block.forward(X)
    X2 = X.copy()
    X2[:, 3:] += 5.0
    np.testing.assert_allclose(block.forward(X2)[:, :3], Y[:, :3],
                               atol=1e-13)


@pytest.mark.parametrize("shape", [(1, 1, 6), (2, 4, 6)])
@pytest.mark.parametrize("causal", [False, True])
def test_block_gradients_match_finite_differences(shape, causal, rng):
    block = _block(causal=causal)
    result = check_gradients(block, rng.standard_normal(shape))
    errors = {k: e for k, e in result.errors.items()
              if not k.endswith(".bk")}        # zero: see test_attention
    assert max(errors.values()) < 1e-6, str(result)


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-6),
                                       ("float32", 1e-4)])
@pytest.mark.parametrize("causal", [False, True])
def test_block_matches_its_keras_twin(causal, dtype, tol, rng, twins):
    import keras
    block = _block(causal=causal, dtype=dtype)
    X = rng.standard_normal((3, 5, 6)).astype(dtype)
    R = rng.standard_normal(X.shape).astype(dtype)
    out = block.forward(X)
    dX = block.backward(R)
    twin = twins.to_keras(block, dtype=dtype)
    kinds = {type(la) for la in twin.layers}
    assert {keras.layers.LayerNormalization, keras.layers.Add,
            keras.layers.MultiHeadAttention} <= kinds
    assert twin.count_params() == block.n_params
    Y, grads = twins.keras_backward(block, X, R, dtype=dtype)
    assert Y.dtype == out.dtype == dtype
    assert relative_error(out, Y) <= tol
    assert relative_error(dX, grads["X"]) <= tol
    scale = max(np.abs(g).max() for g in block.grads.values())
    for key, g in block.grads.items():
        assert relative_error(g, grads[key]) <= tol or \
            np.abs(g - grads[key]).max() <= tol * scale, key


def test_pooling_averages_positions(rng):
    X = rng.standard_normal((3, 4, 2))
    pool = GlobalAveragePooling1D()
    np.testing.assert_allclose(pool.forward(X), X.mean(axis=1))
    np.testing.assert_allclose(pool.backward(np.ones((3, 2))),
                               np.full((3, 4, 2), 0.25))


def test_marker_order_task():
    X, y = make_marker_order(300, 7, n_fillers=3, rng=0)
    assert X.shape == (300, 7) and X.min() >= 1 and X.max() <= 5
    assert np.all((X == 1).sum(axis=1) == 1)
    assert np.all((X == 2).sum(axis=1) == 1)
    first_a = (X == 1).argmax(axis=1) < (X == 2).argmax(axis=1)
    np.testing.assert_array_equal(y, first_a)
    assert 0.4 < y.mean() < 0.6


def _order_models(T, d=16):
    def transformer(positions, seed=0):
        layers = [Embedding(9, d, rng=seed)]
        if positions:
            layers.append(PositionEmbedding(T, d, rng=seed + 1))
        layers += [TransformerEncoderBlock(d, 2, 2 * d, rng=seed + 2),
                   LayerNormalization(d), GlobalAveragePooling1D(),
                   Dense(d, 2, rng=seed + 3)]
        return Sequential(layers)
    return {"transformer": transformer(True),
            "no positions": transformer(False),
            "bag of words": Sequential([EmbeddingBag(9, d, rng=0),
                                        Dense(d, 2, rng=1)])}


def test_attention_with_positions_learns_order_and_a_bag_cannot():
    X, y = make_marker_order(1500, 10, n_fillers=6, rng=1)
    accuracy = {}
    for name, model in _order_models(10).items():
        model.compile(optimizer=Adam(0.01), metrics=["accuracy"],
                      loss=SparseCategoricalCrossentropy(from_logits=True))
        model.fit(X[:1000], y[:1000], epochs=6, batch_size=32, rng=0)
        accuracy[name] = model.evaluate(X[1000:], y[1000:])["accuracy"]
    assert accuracy["transformer"] > 0.95, accuracy
    assert accuracy["bag of words"] < 0.6, accuracy
    assert accuracy["no positions"] < 0.6, accuracy


def test_scaling_by_sqrt_dk_keeps_the_scores_at_unit_variance(rng):
    # Chapter 8: q . k of unit-variance entries has variance d_k; divided
    # by sqrt(d_k) it has variance 1 and the softmax does not saturate.
    saturated = {}
    for d_k in (4, 256):
        q = rng.standard_normal((2000, 1, d_k))
        k = rng.standard_normal((2000, 16, d_k))
        s = (q * k).sum(axis=-1)
        assert abs(s.var() / d_k - 1) < 0.1
        assert abs((s / np.sqrt(d_k)).var() - 1) < 0.1
        saturated[d_k] = (softmax(s, axis=-1).max(axis=1).mean(),
                          softmax(s / np.sqrt(d_k), axis=-1).max(axis=1)
                          .mean())
    assert saturated[256][0] > 0.9 > 0.5 > saturated[256][1]
    assert abs(saturated[256][1] - saturated[4][1]) < 0.05


def _stack(kind, depth, d=16):
    layers = []
    for i in range(depth):
        mha, ffn = MultiHeadAttention(d, 2, rng=i), FeedForward(d, 2 * d,
                                                                 rng=100 + i)
        if kind == "both":
            layers.append(TransformerEncoderBlock(d, 2, 2 * d, rng=i))
        elif kind == "residual":
            layers += [Residual([mha]), Residual([ffn])]
        elif kind == "norm":
            layers += [LayerNormalization(d), mha, LayerNormalization(d), ffn]
        else:
            layers += [mha, ffn]
    return Sequential(layers)


def test_deep_stacks_need_both_residuals_and_layer_norm():
    """Chapter 8's depth table, at 32 blocks: neither device vanishes,
    residuals alone explode, layer norm alone keeps the scale but loses
    gradient with depth, both (pre-norm) stay within a factor of ten."""
    X = np.random.default_rng(0).standard_normal((4, 6, 16))
    R = np.random.default_rng(1).standard_normal((4, 6, 16))
    out = {}
    for kind in ("neither", "residual", "norm", "both"):
        for depth in (1, 32):
            net = _stack(kind, depth)
            Y = net.forward(X)
            dX = net.backward(R)
            out[kind, depth] = Y.std(), np.linalg.norm(dX) / np.linalg.norm(R)
    assert out["neither", 32][0] < 1e-3 and out["neither", 32][1] < 1e-6
    assert out["residual", 32][0] > 1e3 and out["residual", 32][1] > 1e6
    assert 0.1 < out["norm", 32][0] < 10
    assert out["norm", 32][1] < 0.5 * out["norm", 1][1]
    assert 0.5 < out["both", 32][0] < 10 and 0.5 < out["both", 32][1] < 10


def test_without_positions_the_pooled_model_ignores_order(rng):
    models = _order_models(10)
    X, _ = make_marker_order(20, 10, n_fillers=6, rng=2)
    perm = rng.permutation(10)
    no_pos, with_pos = models["no positions"], models["transformer"]
    np.testing.assert_allclose(no_pos.forward(X[:, perm]), no_pos.forward(X),
                               atol=1e-12)
    assert np.abs(with_pos.forward(X[:, perm])
                  - with_pos.forward(X)).max() > 1e-3


@pytest.mark.parametrize("d,h,d_ff", [(8, 2, 16), (16, 2, 32), (16, 4, 32),
                                      (6, 3, 24)])
def test_block_parameter_count(d, h, d_ff, twins):
    # ex-ch8-block-params: 4 d^2 + 2 d d_ff + 9 d + d_ff, whatever h.
    block = TransformerEncoderBlock(d, h, d_ff, rng=0)
    expected = 4 * d * d + 2 * d * d_ff + 9 * d + d_ff
    assert block.n_params == expected
    assert twins.to_keras(block).count_params() == expected


def test_keras_adam_squares_the_rows_of_a_sparse_embedding_gradient(tf):
    """Why the chapter hands Keras's Adam dense gradients: with the
    IndexedSlices that TensorFlow returns for an embedding, Adam's second
    moment adds the squares of a repeated token's rows, not the square of
    their sum."""
    import keras
    upstream = tf.constant([[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]],
                           dtype="float64")
    tokens = tf.constant([[1, 1, 2]])                # token 1 twice
    velocity = {}
    for dense in (False, True):
        emb = keras.layers.Embedding(4, 2, dtype="float64")
        emb.build((None, 3))
        adam = keras.optimizers.Adam(0.1)
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(emb(tokens) * upstream)
        (grad,) = tape.gradient(loss, emb.trainable_variables)
        assert isinstance(grad, tf.IndexedSlices)
        if dense:
            grad = tf.convert_to_tensor(grad)
        adam.apply([grad], emb.trainable_variables)
        (v,) = [w for w in adam.variables if "velocity" in w.path]
        velocity[dense] = v.numpy() / (1 - adam.beta_2)
    np.testing.assert_allclose(velocity[False][1], [1 + 9, 4 + 16])
    np.testing.assert_allclose(velocity[True][1], [4 ** 2, 6 ** 2])
    np.testing.assert_allclose(velocity[False][2], velocity[True][2])


def test_errors(rng):
    with pytest.raises(ValueError, match=r"at most max_len=4 positions, "
                                         r"received seq_len=5"):
        PositionEmbedding(4, 3).forward(rng.standard_normal((1, 5, 3)))
    with pytest.raises(ValueError, match=r"\(n_samples, seq_len >= 1, 3\)"):
        PositionalEncoding(3).forward(rng.standard_normal((2, 3)))
    with pytest.raises(ValueError, match=r"\(n_samples, \.\.\., 4\)"):
        FeedForward(4, 8).forward(rng.standard_normal((2, 3, 5)))
    with pytest.raises(ValueError, match="positive integer, received: "
                                         "d_ff=0"):
        FeedForward(4, 0)
    with pytest.raises(ValueError, match="divisible by num_heads"):
        TransformerEncoderBlock(6, 4, 8)
    with pytest.raises(ValueError, match=r"\(n_samples, seq_len >= 1, 6\)"):
        _block().forward(rng.standard_normal((2, 5, 4)))
    with pytest.raises(RuntimeError, match="before forward"):
        _block().backward(np.zeros((1, 2, 6)))
    with pytest.raises(ValueError, match="seq_len >= 1"):
        GlobalAveragePooling1D().forward(rng.standard_normal((2, 3)))
    with pytest.raises(ValueError, match="n_samples=0"):
        make_marker_order(0)
    assert isinstance(_block().attention, MultiHeadAttention)
