"""Scratch models and their Keras twins agree on the same weights:
outputs and loss, one optimizer step, and a 20-step loss curve (float32);
and every dlbook layer, alone, round-trips through ``twins.to_keras`` with
the same outputs and gradients (float32, within 1e-4).
"""

import inspect

import numpy as np
import pytest
from layer_cases import CASES, layer_classes

from dlbook import (SGD, Adam, Dense, Dropout, Flatten, Momentum,
                    Sequential, Tanh, data, losses, zoo)
from dlbook.embedding import Embedding, EmbeddingBag
from dlbook.gradcheck import relative_error
from dlbook.layers import Layer
from dlbook.residual import Residual

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


# -- every layer: to_keras round trip, outputs and gradients (float32) ---
LAYERS = sorted(layer_classes())
TOL = 1e-4


def _close(ours, theirs, name):
    """Within 1e-4 relative to the larger array, or both (nearly) zero."""
    assert ours.shape == theirs.shape, name
    assert relative_error(ours, theirs) <= TOL or \
        np.abs(ours - theirs).max() <= 1e-6, name


@pytest.mark.parametrize("name", LAYERS)
def test_every_layer_round_trips_through_keras(name, twins):
    """``to_keras`` of each layer alone: same output on the same weights,
    and the tape's gradients of ``L = sum(output * R)`` equal the scratch
    ``backward(R)``: every parameter, and ``X`` when it holds floats."""
    assert name in CASES, f"add a case for {name} to tests/layer_cases.py"
    case = CASES[name](np.float32)
    layer, X = case.layer, case.X
    twin = twins.to_keras(layer, input_shape=X.shape[1:])
    assert sum(w.numpy().size for w in twin.trainable_weights) == \
        layer.n_params

    ours = layer.forward(X)                          # inference mode
    theirs = twin.predict(X, verbose=0)
    assert ours.dtype == theirs.dtype == np.float32
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=TOL, atol=TOL)
    klayer = twins.keras_layer(layer, input_shape=X.shape[1:])
    np.testing.assert_allclose(ours, np.asarray(klayer(X)), rtol=TOL,
                               atol=TOL)

    # Dropout draws its own mask in each framework: its training mode is
    # compared in test_dropout_twin_in_training_mode.
    training = case.training and not isinstance(layer, Dropout)
    out = layer.forward(X, training=training)
    R = np.random.default_rng(7).standard_normal(out.shape)
    R = R.astype(np.float32)
    dX = layer.backward(R)
    k_out, k_grads = twins.keras_backward(layer, X, R, dtype="float32",
                                          training=training)
    np.testing.assert_allclose(out, k_out, rtol=TOL, atol=TOL)
    assert list(k_grads) == list(layer.params) + (
        [] if case.int_input else ["X"])
    for key, g in layer.grads.items():
        _close(g, k_grads[key], key)
    if case.int_input:
        assert dX is None
    else:
        _close(dX, k_grads["X"], "X")


def test_dropout_twin_in_training_mode(twins):
    """Each framework draws its own mask, so the masks differ; what must
    agree is the rule: each unit is dropped or scaled by 1 / (1 - rate),
    and the gradient passes through the same mask as the forward pass."""
    case = CASES["Dropout"](np.float32)
    import keras
    keras.utils.set_random_seed(0)                   # Keras's mask
    layer, X = case.layer, np.abs(case.X) + 0.5      # no zero inputs
    R = np.random.default_rng(3).standard_normal(X.shape)
    k_out, k_grads = twins.keras_backward(layer, X, R, dtype="float32",
                                          training=True)
    ours = layer.forward(X, training=True)
    for out, dX in ((ours, layer.backward(R)), (k_out, k_grads["X"])):
        mask = out / X
        kept = mask != 0
        assert 0 < kept.sum() < kept.size            # some of each
        np.testing.assert_allclose(mask[kept], 1 / 0.6, rtol=1e-6)
        np.testing.assert_allclose(dX, R * mask, rtol=1e-5, atol=1e-6)


def test_functional_model_only_when_a_layer_needs_it(twins):
    import keras
    plain = twins.to_keras(zoo.mlp((3, 4, 2), rng=0))
    assert type(plain) is keras.Sequential
    model = Sequential([EmbeddingBag(6, 4, rng=0),
                        Residual([Dense(4, 4, rng=1), Tanh()]),
                        Dense(4, 2, rng=2)])
    twin = twins.to_keras(model)
    assert type(twin) is not keras.Sequential
    assert twin.inputs[0].dtype == "int64"
    assert any(isinstance(la, keras.layers.Add) for la in twin.layers)
    assert twin.count_params() == model.n_params
    ids = np.array([[1, 2, 0], [0, 0, 0], [5, 5, 3]])
    np.testing.assert_allclose(model.predict(ids),
                               twin.predict(ids, verbose=0), atol=1e-6)


def test_keras_gradients_of_a_model_on_ids(twins):
    model = Sequential([Embedding(7, 3, rng=0), Flatten(),
                        Dense(12, 2, rng=1)]).compile(
        loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    ids = np.random.default_rng(0).integers(0, 7, size=(5, 4))
    y = np.array([0, 1, 1, 0, 1])
    value, k_grads = twins.keras_gradients(model, ids, y)
    y_pred = model.forward(ids)
    assert value == pytest.approx(model.loss(y, y_pred), rel=1e-10)
    model.backward(model.loss.gradient(y, y_pred))
    assert set(k_grads) == set(model.params)          # no "X" for ids
    for key, g in model.grads.items():
        assert relative_error(g, k_grads[key]) < 1e-10, key


def test_to_keras_errors(twins):
    with pytest.raises(ValueError, match="input_shape"):
        twins.to_keras(Sequential([Tanh(), Dense(2, 2)]))
    with pytest.raises(ValueError, match="Keras twin"):
        twins.to_keras(Sequential([_Unknown()]), input_shape=(2,))
    with pytest.raises(ValueError, match="dlbook Sequential or layer"):
        twins.to_keras("Dense(2, 2)")
    with pytest.raises(ValueError, match="whole-number ids"):
        twins.keras_backward(Embedding(3, 2), np.array([[0.5, 1.0]]),
                             np.zeros((1, 2, 2)))


class _Unknown(Layer):
    def forward(self, X, training=False):
        return X


@pytest.mark.parametrize("builder, zoo_model", [
    ("linear_model", zoo.linear_regression), ("xor_model", zoo.xor_net),
    ("mlp_model", zoo.mlp), ("cnn_model", zoo.digits_cnn)])
def test_builders_take_the_zoo_arguments(builder, zoo_model, twins):
    """Same names, order, kinds and defaults; only ``dtype``'s default
    differs (the twin's Keras float32, the scratch model's float64)."""
    ours = inspect.signature(getattr(twins, builder)).parameters
    theirs = inspect.signature(zoo_model).parameters
    assert [(p.name, p.kind) for p in ours.values()] == \
        [(p.name, p.kind) for p in theirs.values()]
    for name, p in ours.items():
        if name != "dtype":
            assert p.default == theirs[name].default, name
