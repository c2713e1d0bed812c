"""Embedding, EmbeddingBag and MatrixFactorization: lookups, scatter-add
gradients against finite differences, Keras on the same weights."""

import numpy as np
import pytest

from dlbook import (SGD, Dense, Sequential, SparseCategoricalCrossentropy,
                    numerical_gradient)
from dlbook.data import make_ratings
from dlbook.embedding import Embedding, EmbeddingBag, MatrixFactorization


def _check_params(layer, X, rng, tol=1e-7):
    """Analytic vs central-difference gradients of sum(out * R); ids are
    not differentiable, so only the parameters are checked."""
    out = layer.forward(X)
    R = rng.standard_normal(out.shape)
    assert layer.backward(R) is None
    for key, p in layer.params.items():
        num = numerical_gradient(
            lambda _: float(np.sum(layer.forward(X) * R)), p)
        np.testing.assert_allclose(layer.grads[key], num, atol=tol,
                                   err_msg=key)


def test_embedding_lookup_and_repeated_ids_add_up(rng):
    emb = Embedding(5, 3, rng=0)
    ids = np.array([[1, 1, 4], [0, 1, 2]])
    Y = emb.forward(ids)
    assert Y.shape == (2, 3, 3)
    np.testing.assert_array_equal(Y[0, 2], emb.params["E"][4])
    emb.backward(np.ones((2, 3, 3)))
    # id 1 occurs three times, id 3 never
    np.testing.assert_array_equal(emb.grads["E"][:, 0], [1, 3, 1, 0, 1])
    _check_params(emb, ids, rng)


def test_embedding_bag_hand_case_and_gradients(rng):
    bag = EmbeddingBag(4, 2, pad_id=0, rng=0)
    bag.params["E"][...] = [[9, 9], [1, 0], [0, 1], [2, 2]]
    ids = np.array([[1, 2, 0, 0], [3, 3, 3, 0], [0, 0, 0, 0]])
    np.testing.assert_allclose(bag.forward(ids),
                               [[0.5, 0.5], [2, 2], [0, 0]])
    _check_params(bag, rng.integers(0, 4, size=(5, 6)), rng)


def test_embedding_bag_matches_keras_masked_average(rng, twins):
    """The twin (Embedding, then the mean over the non-padding ids) gives
    our outputs and gradients.  For pad_id=0 that mean is Keras's
    ``Embedding(mask_zero=True)`` + ``GlobalAveragePooling1D``, except on
    a row of padding only, where Keras divides 0 by 0."""
    import keras
    bag = EmbeddingBag(7, 3, rng=0)
    ids = rng.integers(1, 7, size=(4, 5))
    ids[0, 3:] = 0
    ids[3] = 0                                  # padding only
    R = rng.standard_normal((4, 3))
    Y, grads = twins.keras_backward(bag, ids, R)        # float64
    np.testing.assert_allclose(bag.forward(ids), Y, atol=1e-12)
    bag.backward(R)
    np.testing.assert_allclose(bag.grads["E"], grads["E"], atol=1e-12)
    assert "X" not in grads                     # ids have no gradient
    emb = keras.layers.Embedding(7, 3, mask_zero=True, dtype="float64")
    emb.build()
    emb.set_weights([bag.params["E"]])
    pool = keras.layers.GlobalAveragePooling1D(dtype="float64")
    pooled = pool(emb(ids), mask=emb.compute_mask(ids)).numpy()
    np.testing.assert_allclose(Y[:3], pooled[:3], atol=1e-12)
    assert np.all(Y[3] == 0) and np.all(np.isnan(pooled[3]))


def test_bag_in_a_sequential_model_accepts_float_ids(rng):
    model = Sequential([EmbeddingBag(6, 4, rng=0), Dense(4, 2, rng=1)])
    model.compile(loss=SparseCategoricalCrossentropy(from_logits=True),
                  optimizer="sgd")                    # Dense gives logits
    X = rng.integers(0, 6, size=(8, 3)).astype(float)
    model.fit(X, rng.integers(0, 2, size=8), epochs=2, batch_size=4)
    assert model.predict(X).shape == (8, 2)


def test_matrix_factorization_hand_case_and_gradients(rng):
    mf = MatrixFactorization(3, 2, 2, mu=3.0, rng=0)
    mf.params["P"][...] = [[1, 0], [0, 1], [1, 1]]
    mf.params["Q"][...] = [[2, 0], [0, 3]]
    mf.params["b_user"][...] = [0.1, 0.2, 0.3]
    mf.params["b_item"][...] = [-1, 1]
    X = np.array([[0, 0], [2, 1], [1, 0]])
    np.testing.assert_allclose(mf.forward(X)[:, 0],
                               [2 + 0.1 - 1 + 3, 3 + 0.3 + 1 + 3,
                                0 + 0.2 - 1 + 3])
    pairs = np.stack([rng.integers(0, 3, 10), rng.integers(0, 2, 10)], 1)
    _check_params(mf, pairs, rng)


def test_matrix_factorization_trains_like_keras(twins):
    import keras
    X, r, _ = make_ratings(8, 6, rank=2, density=0.7, rng=0)
    r = r.astype(np.float32)
    mu = float(r.mean())
    mf = Sequential([MatrixFactorization(8, 6, 2, mu=mu, rng=1)],
                    dtype=np.float32)
    mf.compile(loss="mse", optimizer=SGD(0.5))
    twin = twins.to_keras(mf)       # four Embeddings, Dot, Add, + mu
    kinds = [type(la) for la in twin.layers[1:]]
    assert kinds.count(keras.layers.Embedding) == 4
    assert {keras.layers.Dot, keras.layers.Add} <= set(kinds)
    ours = [mf.train_step(X, r) for _ in range(20)]
    theirs = twins.train_steps(twin, X, r, 20)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(mf.predict(X), twin.predict(X, verbose=0),
                               rtol=1e-4, atol=1e-4)


def test_errors():
    emb = Embedding(4, 2)
    with pytest.raises(ValueError, match="from 0 to 3"):
        emb.forward(np.array([[0, 4]]))
    with pytest.raises(ValueError, match="whole-number"):
        emb.forward(np.array([[0.5]]))
    with pytest.raises(RuntimeError, match="before"):
        emb.backward(np.zeros((1, 1, 2)))
    with pytest.raises(ValueError, match=r"\(n_samples, seq_len\)"):
        EmbeddingBag(4, 2).forward(np.array([1, 2]))
    with pytest.raises(ValueError, match=r"\(n_samples, 2\)"):
        MatrixFactorization(3, 3, 2).forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="user ids"):
        MatrixFactorization(3, 3, 2).forward(np.array([[3, 0]]))
