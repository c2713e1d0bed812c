"""``Sequential.fit`` checks its data once and then takes a faster path
per batch (dense targets built once, one log-softmax for cross-entropy,
no gradient for the data).  These tests pin that path to the plain one:
``train_step`` on the same batches, every check still in place.
"""

import numpy as np
import pytest

from dlbook import (SGD, Adam, Conv2D, Dense, Flatten, Sequential, Sigmoid,
                    Softmax, zoo)
from dlbook.losses import (BinaryCrossentropy, CategoricalCrossentropy,
                           MeanSquaredError, SparseCategoricalCrossentropy)

CASES = {
    "mse": (1, MeanSquaredError(), "real"),
    "mse_half": (1, MeanSquaredError(half=True), "real"),
    "bce_logits": (1, BinaryCrossentropy(from_logits=True), "binary"),
    "bce_probs": (1, BinaryCrossentropy(), "binary"),
    "cce_logits": (3, CategoricalCrossentropy(from_logits=True), "onehot"),
    "cce_probs": (3, CategoricalCrossentropy(), "onehot"),
    "sparse_logits": (3, SparseCategoricalCrossentropy(from_logits=True),
                      "labels"),
}


def _case(name, n=23, seed=0):
    n_out, loss, kind = CASES[name]
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    if kind == "real":
        y = rng.normal(size=n)
    elif kind == "binary":
        y = rng.integers(0, 2, size=n).astype(float)
    else:
        y = rng.integers(0, n_out, size=n)
        if kind == "onehot":
            y = np.eye(n_out)[y]

    def model():
        layers = [Dense(4, 5, rng=1), Dense(5, n_out, rng=2)]
        if not getattr(loss, "from_logits", True):
            layers.append(Softmax() if n_out > 1 else Sigmoid())
        return Sequential(layers)

    return X, y, model, loss


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_fit_equals_train_step_on_the_same_batches(name, optimizer):
    X, y, model, loss = _case(name)
    make_opt = {"sgd": lambda: SGD(0.1), "adam": lambda: Adam(0.01)}
    fast = model().compile(loss=loss, optimizer=make_opt[optimizer]())
    plain = model().compile(loss=loss, optimizer=make_opt[optimizer]())
    fast.fit(X, y, epochs=3, batch_size=5, rng=7)

    rng = np.random.default_rng(7)
    losses = []
    for _ in range(3):
        order = rng.permutation(len(X))
        batch_losses = [plain.train_step(X[order[i:i + 5]], y[order[i:i + 5]])
                        for i in range(0, len(X), 5)]
        sizes = [len(order[i:i + 5]) for i in range(0, len(X), 5)]
        losses.append(np.dot(batch_losses, sizes) / len(X))
    np.testing.assert_allclose(fast.history_["loss"], losses, rtol=1e-12)
    for a, b in zip(fast.get_weights(), plain.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("name", CASES)
def test_value_and_gradient_fast_path_equals_value_and_gradient(name):
    X, y, model, loss = _case(name)
    y_hat = model().forward(X)
    value, grad = loss.value_and_gradient(y, y_hat)
    assert value == pytest.approx(loss(y, y_hat), rel=1e-14)
    np.testing.assert_allclose(grad, loss.gradient(y, y_hat), rtol=1e-12,
                               atol=1e-18)


@pytest.mark.parametrize("make", [
    lambda: Dense(3, 4, rng=0),
    lambda: Conv2D(2, 3, (2, 3), stride=2, padding="same", rng=0),
])
def test_param_gradients_store_what_backward_stores(make):
    rng = np.random.default_rng(0)
    layer = make()
    X = rng.normal(size=(2, 3) if isinstance(layer, Dense) else (2, 5, 6, 2))
    out = layer.forward(X)
    dout = rng.normal(size=out.shape)
    layer.backward(dout)
    expected = {k: v.copy() for k, v in layer.grads.items()}
    layer.grads.clear()
    layer.param_gradients(dout)
    assert layer.grads.keys() == expected.keys()
    for k in expected:
        np.testing.assert_array_equal(layer.grads[k], expected[k])


def test_fit_does_not_compute_the_gradient_of_the_data():
    model = zoo.mlp((4, 5, 3), rng=0).compile(
        loss=SparseCategoricalCrossentropy(from_logits=True),
        optimizer=SGD(0.1))
    first = model.layers[0]

    def no_dX(dout):
        raise AssertionError("fit asked the first layer for dL/dX")

    first.backward = no_dX
    model.fit(np.ones((6, 4)), np.array([0, 1, 2, 0, 1, 2]), epochs=1)
    assert first.grads["W"].shape == (4, 5)


def test_fit_checks_the_targets_once_against_the_output_shape():
    model = Sequential([Dense(2, 1, rng=0)]).compile(loss="mse",
                                                     optimizer=SGD(0.1))
    with pytest.raises(ValueError, match=r"shape of y_pred \(6, 1\).*never "
                       "broadcast"):
        model.fit(np.zeros((6, 2)), np.zeros((6, 3)))
    model = zoo.mlp((2, 3), rng=0).compile(
        loss=SparseCategoricalCrossentropy(from_logits=True),
        optimizer=SGD(0.1))
    with pytest.raises(ValueError, match="labels"):
        model.fit(np.zeros((4, 2)), np.array([0, 1, 3, 1]))
    conv = Sequential([Conv2D(1, 2, 3, rng=0)]).compile(loss="mse",
                                                        optimizer=SGD(0.1))
    with pytest.raises(ValueError, match=r"output has shape \(n_samples, "
                       r"n_out\).*\(None, 2, 2, 2\).*Flatten"):
        conv.fit(np.zeros((3, 4, 4, 1)), np.zeros((3, 8)))
    flat = Sequential([Conv2D(1, 2, 3, rng=0), Flatten()]).compile(
        loss="mse", optimizer=SGD(0.1))
    flat.fit(np.zeros((3, 4, 4, 1)), np.zeros((3, 8)))

