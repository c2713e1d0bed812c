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
from dlbook.normalization import LayerNormalization
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
