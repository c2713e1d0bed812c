"""Scratch models and their Keras twins agree on the same weights:
outputs and loss, one optimizer step, and a 20-step loss curve (float32).
"""

import numpy as np
import pytest

from dlbook import SGD, Adam, Momentum, data, losses, zoo

TWINS = {
    "linear": (lambda: zoo.linear_regression(1, rng=0, dtype=np.float32),
               "mse"),
    "xor": (lambda: zoo.xor_net(rng=0, dtype=np.float32),
            losses.BinaryCrossentropy(from_logits=True)),
    "mlp": (lambda: zoo.mlp((64, 32, 10), rng=0, dtype=np.float32),
            losses.SparseCategoricalCrossentropy(from_logits=True)),
    "cnn": (lambda: zoo.digits_cnn(filters=(8, 16, 16), dense=32, rng=0,
                                   dtype=np.float32),
            losses.SparseCategoricalCrossentropy(from_logits=True)),
}


def _data(name):
    if name == "linear":
        X, y = data.make_linear(n_samples=64, rng=0)
    elif name == "xor":
        X, y = data.make_xor()
    else:
        X, y = data.load_digits(images=(name == "cnn"))
        X, y = X[:64] / 16.0, y[:64]
    return X.astype(np.float32), y


OPTIMIZERS = {
    "sgd": lambda: SGD(0.05),
    "momentum": lambda: Momentum(0.05, momentum=0.9),
    "adam": lambda: Adam(0.001),
}


def _pair(name, optimizer, twins):
    make, loss = TWINS[name]
    model = make().compile(loss=loss, optimizer=OPTIMIZERS[optimizer]())
    X, y = _data(name)
    twin = twins.to_keras(model, input_shape=X.shape[1:])
    return model, twin, X, y


@pytest.mark.parametrize("name", TWINS)
def test_same_weights_same_outputs_and_loss(name, twins):
    model, twin, X, y = _pair(name, "sgd", twins)
    ours = model.predict(X)
    theirs = twin.predict(X, verbose=0)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    keras_value = float(twin.evaluate(X, y, verbose=0, return_dict=True)
                        ["loss"])
    assert model.evaluate(X, y)["loss"] == pytest.approx(keras_value,
                                                         rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("name", TWINS)
def test_one_step_same_new_weights(name, optimizer, twins):
    model, twin, X, y = _pair(name, optimizer, twins)
    model.train_step(X, y)
    twin.train_on_batch(X, y)
    for ours, theirs in zip(model.get_weights(), twin.get_weights(),
                            strict=True):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("name", TWINS)
def test_twenty_steps_same_loss_curve(name, optimizer, twins):
    model, twin, X, y = _pair(name, optimizer, twins)
    ours = [model.train_step(X, y) for _ in range(20)]
    theirs = twins.train_steps(twin, X, y, 20)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)
    assert ours[-1] < ours[0]          # and training does lower the loss


def test_to_keras_needs_input_shape_for_a_cnn(twins):
    with pytest.raises(ValueError, match="input_shape"):
        twins.to_keras(zoo.digits_cnn(rng=0))


def test_builders_match_zoo(twins):
    twin = twins.xor_model(rng=3)
    scratch = zoo.xor_net(rng=3)
    for ours, theirs in zip(scratch.get_weights(), twin.get_weights(),
                            strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    assert twins.cnn_model(rng=0).output_shape == (None, 10)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("name", ["linear", "mlp", "cnn"])
def test_fit_same_history_and_weights_as_keras_fit(name, optimizer, twins):
    """``Sequential.fit`` (its own per-batch path, not ``train_step``)
    against ``keras.Model.fit``: 2 epochs of 4 minibatches, no shuffling."""
    model, twin, X, y = _pair(name, optimizer, twins)
    model.fit(X, y, epochs=2, batch_size=16, shuffle=False)
    keras_history = twin.fit(X, y, epochs=2, batch_size=16, shuffle=False,
                             verbose=0).history
    np.testing.assert_allclose(model.history_["loss"],
                               keras_history["loss"], rtol=1e-4, atol=1e-5)
    for ours, theirs in zip(model.get_weights(), twin.get_weights(),
                            strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
