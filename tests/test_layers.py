"""Shapes, dtypes and small hand-computed cases for each layer, optimizer
and initialiser, and the Sequential API."""

import numpy as np
import pytest

from dlbook import (SGD, Adam, Conv2D, Dense, Dropout, Flatten, MaxPool2D,
                    Momentum, ReLU, Sequential, Softmax, init, zoo)
from dlbook.losses import MeanSquaredError, SparseCategoricalCrossentropy


def test_dense_hand_computed():
    layer = Dense(2, 1)
    layer.params["W"][:] = [[2.0], [-1.0]]
    layer.params["b"][:] = [0.5]
    X = np.array([[1.0, 3.0], [2.0, 0.0]])
    np.testing.assert_allclose(layer.forward(X), [[-0.5], [4.5]])
    dX = layer.backward(np.array([[1.0], [2.0]]))
    np.testing.assert_allclose(layer.grads["W"], [[5.0], [3.0]])
    np.testing.assert_allclose(layer.grads["b"], [3.0])
    np.testing.assert_allclose(dX, [[2.0, -1.0], [4.0, -2.0]])


def test_backward_overwrites_rather_than_accumulates():
    layer = Dense(2, 2, rng=0)
    X = np.ones((3, 2))
    layer.forward(X)
    layer.backward(np.ones((3, 2)))
    first = layer.grads["W"].copy()
    layer.forward(X)
    layer.backward(np.ones((3, 2)))
    np.testing.assert_array_equal(layer.grads["W"], first)


def test_conv2d_matches_a_direct_loop(rng):
    layer = Conv2D(2, 3, (2, 3), stride=2, rng=0)
    X = rng.normal(size=(2, 7, 8, 2))
    out = layer.forward(X)
    W, b = layer.params["W"], layer.params["b"]
    assert out.shape == (2, 3, 3, 3) == (2,) + layer.output_shape((7, 8, 2))
    expected = np.zeros_like(out)
    for i in range(3):
        for j in range(3):
            patch = X[:, 2 * i:2 * i + 2, 2 * j:2 * j + 3, :]
            expected[:, i, j, :] = np.einsum("npqc,pqcf->nf", patch, W) + b
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_conv2d_same_padding_keeps_size():
    layer = Conv2D(1, 4, 3, padding="same", rng=0)
    assert layer.forward(np.zeros((1, 8, 8, 1))).shape == (1, 8, 8, 4)
    assert layer.output_shape((8, 8, 1)) == (8, 8, 4)


def test_maxpool_hand_computed():
    X = np.array([[1, 2, 5, 0],
                  [3, 4, 1, 1],
                  [0, 0, 2, 2],
                  [7, 0, 2, 9]], dtype=float)[None, :, :, None]
    pool = MaxPool2D(2)
    out = pool.forward(X)
    np.testing.assert_array_equal(out[0, :, :, 0], [[4, 5], [7, 9]])
    dX = pool.backward(np.ones_like(out))
    # gradient goes to the max of each window, and to the first of ties
    assert dX.sum() == 4
    assert dX[0, 1, 1, 0] == dX[0, 0, 2, 0] == dX[0, 3, 0, 0] == 1
    assert dX[0, 2, 2, 0] == 0 and dX[0, 3, 3, 0] == 1


def test_flatten_and_softmax_shapes(rng):
    X = rng.normal(size=(3, 2, 2, 5))
    assert Flatten().forward(X).shape == (3, 20)
    p = Softmax().forward(rng.normal(size=(4, 6)))
    np.testing.assert_allclose(p.sum(axis=1), 1)


def test_dropout_statistics_and_inference():
    layer = Dropout(0.25, rng=0)
    X = np.ones((200, 100))
    out = layer.forward(X, training=True)
    kept = np.mean(out > 0)
    assert abs(kept - 0.75) < 0.01
    assert np.isclose(out.mean(), 1.0, atol=0.02)   # inverted: mean kept
    np.testing.assert_array_equal(layer.forward(X), X)


def test_float32_model_stays_float32():
    model = zoo.mlp((4, 3, 2), rng=0, dtype=np.float32)
    X = np.ones((5, 4))
    assert model.predict(X).dtype == np.float32
    model.compile(loss=SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=SGD(0.1))
    model.fit(X, np.array([0, 1, 0, 1, 0]), epochs=2)
    assert all(w.dtype == np.float32 for w in model.get_weights())


def test_initialisers_have_the_keras_spread():
    W = init.glorot_uniform((300, 200), rng=0)
    limit = np.sqrt(6 / 500)
    assert np.abs(W).max() <= limit and np.abs(W).max() > 0.99 * limit
    assert np.isclose(W.var(), 2 / 500, rtol=0.05)
    He = init.he_normal((400, 300), rng=0)
    assert np.isclose(He.std(), np.sqrt(2 / 400), rtol=0.05)
    assert np.abs(He).max() <= 2 * np.sqrt(2 / 400) / 0.8796256610 + 1e-12
    Hu = init.he_uniform((3, 3, 4, 8), rng=0)      # fan_in = 3*3*4
    assert np.abs(Hu).max() <= np.sqrt(6 / 36)
    assert init.fans((3, 3, 4, 8)) == (36, 72)


def test_sgd_hand_computed():
    p = {"w": np.array([1.0, -2.0])}
    SGD(lr=0.5).step(p, {"w": np.array([2.0, 2.0])})
    np.testing.assert_allclose(p["w"], [0.0, -3.0])


def test_momentum_hand_computed():
    p, opt = {"w": np.array([0.0])}, Momentum(lr=0.1, momentum=0.5)
    opt.step(p, {"w": np.array([1.0])})      # v = -0.1, w = -0.1
    opt.step(p, {"w": np.array([1.0])})      # v = -0.05 - 0.1, w = -0.25
    np.testing.assert_allclose(p["w"], [-0.25])


def test_adam_first_step_is_lr_sized():
    # at t = 1, m/(sqrt(v)) = sign(g): the first step is about lr
    p, opt = {"w": np.array([0.0, 0.0])}, Adam(lr=0.01)
    opt.step(p, {"w": np.array([3.0, -0.1])})
    np.testing.assert_allclose(p["w"], [-0.01, 0.01], rtol=1e-3)


def test_optimizer_key_mismatch():
    with pytest.raises(ValueError, match="same keys"):
        SGD().step({"w": np.zeros(1)}, {"v": np.zeros(1)})


def test_sequential_weights_roundtrip_and_summary():
    model = zoo.digits_cnn(filters=(4, 8, 8), dense=16, rng=0)
    weights = model.get_weights()
    assert [w.shape for w in weights[:2]] == [(3, 3, 1, 4), (4,)]
    other = zoo.digits_cnn(filters=(4, 8, 8), dense=16, rng=1)
    other.set_weights(weights)
    X = np.random.default_rng(0).normal(size=(2, 8, 8, 1))
    np.testing.assert_array_equal(model.predict(X), other.predict(X))
    text = model.summary((8, 8, 1))
    assert "(None, 2, 2, 8)" in text and str(model.n_params) in text
    with pytest.raises(ValueError, match="expected 10 arrays"):
        other.set_weights(weights[:-1])
    with pytest.raises(ValueError, match="shape"):
        other.set_weights([w.T for w in weights])


def test_evaluate_and_predict_batches():
    X = np.linspace(-1, 1, 20)[:, None]
    y = 2 * X[:, 0] + 1
    model = Sequential([Dense(1, 1, rng=0)]).compile(loss=MeanSquaredError(),
                                                     optimizer=SGD(0.3))
    model.fit(X, y, epochs=200, batch_size=20)
    assert model.evaluate(X, y)["loss"] < 1e-6
    np.testing.assert_allclose(model.predict(X, batch_size=7),
                               model.predict(X))
    w, b = model.get_weights()
    np.testing.assert_allclose([w[0, 0], b[0]], [2, 1], atol=1e-3)


def test_validation_history():
    X = np.random.default_rng(0).normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    model = zoo.mlp((3, 8, 2), rng=0).compile(
        loss=SparseCategoricalCrossentropy(from_logits=True),
        optimizer=Adam(0.05),
        metrics=["accuracy"])
    model.fit(X[:30], y[:30], epochs=3, validation_data=(X[30:], y[30:]))
    assert set(model.history_) == {"loss", "accuracy", "val_loss",
                                   "val_accuracy"}
    assert all(len(v) == 3 for v in model.history_.values())


def test_relu_layer_blocks_gradient_where_inactive():
    layer = ReLU()
    layer.forward(np.array([[-1.0, 2.0]]))
    np.testing.assert_array_equal(layer.backward(np.ones((1, 2))),
                                  [[0.0, 1.0]])


def test_sequential_dtype_reaches_layers_inside_containers():
    from dlbook.residual import Residual
    inner = Sequential([Dense(3, 3, rng=2)])
    model = Sequential([Dense(2, 3, rng=0),
                        Residual([Dense(3, 3, rng=1), ReLU()]), inner],
                       dtype=np.float32)
    assert [w.dtype for w in model.get_weights()] == [np.float32] * 6
    assert model.predict(np.ones((4, 2))).dtype == np.float32
