"""Every backward pass against central differences (float64, <= 1e-6) and
against tf.GradientTape on the same inputs and weights."""

import numpy as np
import pytest

import dlbook
from dlbook import activations as act
from dlbook import layers as L
from dlbook import losses, zoo
from dlbook.gradcheck import (check_function, check_gradients,
                              numerical_gradient, relative_error)

TOL = 1e-6

# (n_samples, n_features) shapes, with size-1 edges
SHAPES_2D = [(1, 1), (1, 5), (4, 1), (3, 4), (7, 3)]


# -- activations ----------------------------------------------------------
ACTIVATIONS = {
    "sigmoid": ("sigmoid", lambda tf, z: tf.math.sigmoid(z)),
    "tanh": ("tanh", lambda tf, z: tf.math.tanh(z)),
    "relu": ("relu", lambda tf, z: tf.nn.relu(z)),
    "leaky_relu": ("leaky_relu",
                   lambda tf, z: tf.where(z > 0, z, 0.01 * z)),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("shape", SHAPES_2D)
def test_activation_derivative(name, shape, rng, tf):
    f, f_prime = act.ACTIVATIONS[name]
    z = rng.normal(size=shape)
    z[np.abs(z) < 1e-3] = 0.5         # keep away from ReLU's kink
    R = rng.normal(size=shape)
    numeric = numerical_gradient(lambda v: float(np.sum(f(v) * R)), z)
    assert relative_error(f_prime(z) * R, numeric) <= TOL
    zt = tf.constant(z)
    with tf.GradientTape() as tape:
        tape.watch(zt)
        out = tf.reduce_sum(ACTIVATIONS[name][1](tf, zt) * R)
    assert relative_error(f_prime(z) * R, tape.gradient(out, zt)) <= TOL
    np.testing.assert_allclose(f(z), ACTIVATIONS[name][1](tf, zt),
                               rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("shape", [(1, 1), (1, 4), (5, 1), (3, 6)])
def test_softmax_jacobian(shape, rng, tf):
    z = rng.normal(size=shape)
    J = act.softmax_jacobian(z)
    for i in range(shape[1]):
        numeric = numerical_gradient(
            lambda v, i=i: float(np.sum(act.softmax(v)[:, i])), z.copy())
        assert relative_error(J[:, i, :], numeric) <= TOL
    zt = tf.constant(z)
    with tf.GradientTape() as tape:
        tape.watch(zt)
        p = tf.nn.softmax(zt)
    jac = tape.batch_jacobian(p, zt).numpy()
    assert relative_error(J, jac) <= TOL


# -- losses ---------------------------------------------------------------
def _loss_cases(rng):
    n, k = 6, 4
    logits = rng.normal(size=(n, k)) * 2
    labels = rng.integers(0, k, n)
    onehot = np.eye(k)[labels]
    z1 = rng.normal(size=(n, 1)) * 2
    y1 = rng.integers(0, 2, (n, 1)).astype(float)
    return [
        (losses.MeanSquaredError(), rng.normal(size=(n, 3)),
         rng.normal(size=(n, 3))),
        (losses.MeanSquaredError(half=True), rng.normal(size=(n, 1)),
         rng.normal(size=n)),
        (losses.MeanSquaredError(), rng.normal(size=(1, 1)),
         rng.normal(size=(1, 1))),
        (losses.BinaryCrossentropy(from_logits=True), z1, y1),
        (losses.BinaryCrossentropy(), act.sigmoid(z1), y1),
        (losses.CategoricalCrossentropy(from_logits=True), logits, onehot),
        (losses.CategoricalCrossentropy(), act.softmax(logits), onehot),
        (losses.SparseCategoricalCrossentropy(from_logits=True), logits,
         labels),
        (losses.SparseCategoricalCrossentropy(), act.softmax(logits),
         labels),
        (losses.CategoricalCrossentropy(from_logits=True), logits[:1, :1],
         np.ones((1, 1))),
        (losses.BinaryCrossentropy(from_logits=True), z1[:1], y1[:1]),
    ]


def test_loss_gradients_match_finite_differences_and_tensorflow(rng, tf,
                                                                  twins):
    for loss, y_hat, y in _loss_cases(rng):
        grad = loss.gradient(y, y_hat)
        assert grad.shape == y_hat.shape
        err = check_function(lambda v, f=loss, t=y: f(t, v),
                             lambda v, f=loss, t=y: f.gradient(t, v), y_hat)
        assert err <= TOL, (loss, err)
        keras_loss = twins.keras_loss(loss, dtype="float64")
        yt = twins._keras_target(loss, y, "float64")
        vt = tf.constant(y_hat)
        with tf.GradientTape() as tape:
            tape.watch(vt)
            value = keras_loss(yt, vt)
        assert abs(float(value) - loss(y, y_hat)) <= 1e-9 * max(
            1, abs(float(value))), loss
        assert relative_error(grad, tape.gradient(value, vt)) <= TOL, loss


def test_mse_half_rescales_gradient_by_one_half(rng):
    y_hat, y = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    full = losses.MeanSquaredError().gradient(y, y_hat)
    half = losses.MeanSquaredError(half=True).gradient(y, y_hat)
    np.testing.assert_allclose(half, full / 2)


def test_softmax_cross_entropy_gradient_is_p_minus_y_over_n(rng):
    z = rng.normal(size=(5, 3))
    y = np.eye(3)[rng.integers(0, 3, 5)]
    g = losses.CategoricalCrossentropy(from_logits=True).gradient(y, z)
    np.testing.assert_allclose(g, (act.softmax(z) - y) / 5, rtol=1e-12)


# -- layers ---------------------------------------------------------------
def _layer_cases():
    return [
        (lambda: L.Dense(1, 1, rng=0), (1, 1)),
        (lambda: L.Dense(3, 2, rng=0), (4, 3)),
        (lambda: L.Dense(5, 1, rng=0), (1, 5)),
        (lambda: L.Sigmoid(), (3, 4)),
        (lambda: L.Tanh(), (2, 3)),
        (lambda: L.ReLU(), (5, 2)),
        # Keras stores the slope in float32: 0.25 is exact there
        (lambda: L.LeakyReLU(0.25), (5, 2)),
        (lambda: L.Softmax(), (4, 3)),
        (lambda: L.Softmax(), (1, 1)),
        (lambda: L.Flatten(), (2, 3, 3, 2)),
        (lambda: L.Conv2D(1, 1, 1, rng=0), (1, 1, 1, 1)),
        (lambda: L.Conv2D(2, 3, 3, rng=0), (2, 5, 5, 2)),
        (lambda: L.Conv2D(1, 2, (2, 3), rng=0), (1, 4, 5, 1)),
        (lambda: L.Conv2D(2, 3, 3, padding="same", rng=0), (2, 4, 4, 2)),
        (lambda: L.Conv2D(2, 2, 3, stride=2, padding="same", rng=0),
         (1, 5, 6, 2)),
        (lambda: L.Conv2D(1, 2, 3, stride=2, rng=0), (2, 7, 7, 1)),
        (lambda: L.MaxPool2D(2), (2, 4, 4, 3)),
        (lambda: L.MaxPool2D(2), (1, 5, 5, 1)),
        (lambda: L.MaxPool2D(3, stride=1), (1, 4, 5, 2)),
        (lambda: L.MaxPool2D(1), (1, 1, 1, 1)),
    ]


@pytest.mark.parametrize("make, shape", _layer_cases())
def test_layer_gradients(make, shape, rng, tf, twins):
    layer = make()
    X = rng.normal(size=shape)
    result = check_gradients(layer, X)
    assert result.ok(TOL), result

    # the same layer in Keras (float64), same weights, GradientTape
    out = layer.forward(X)
    R = rng.normal(size=out.shape)
    dX = layer.backward(R)
    klayer = twins.keras_layer(layer, dtype="float64",
                               input_shape=shape[1:])     # same weights
    Xt = tf.constant(X)
    with tf.GradientTape() as tape:
        tape.watch(Xt)
        kout = klayer(Xt)
        value = tf.reduce_sum(kout * R)
    np.testing.assert_allclose(out, kout.numpy(), rtol=1e-10, atol=1e-12)
    grads = tape.gradient(value, [Xt] + klayer.trainable_weights)
    assert relative_error(dX, grads[0]) <= TOL
    for (key, g), kg in zip(layer.grads.items(), grads[1:], strict=True):
        assert relative_error(g, kg) <= TOL, key


def test_dropout_gradient_with_fixed_mask(rng, tf):
    layer = L.Dropout(0.4, rng=0, fixed_mask=True)
    X = rng.normal(size=(6, 5))
    result = check_gradients(layer, X, training=True)
    assert result.ok(TOL), result
    mask = layer.mask
    assert set(np.unique(mask)) == {0.0, 1 / 0.6}     # some kept, some not
    Xt = tf.constant(X)
    R = rng.normal(size=X.shape)
    with tf.GradientTape() as tape:
        tape.watch(Xt)
        value = tf.reduce_sum(Xt * mask * R)
    layer.forward(X, training=True)
    assert relative_error(layer.backward(R), tape.gradient(value, Xt)) \
        <= TOL
    np.testing.assert_array_equal(layer.forward(X), X)   # inference


# -- whole models ---------------------------------------------------------
MODELS = {
    "linear": lambda: (zoo.linear_regression(1, rng=0), (6, 1), "mse"),
    "xor_relu": lambda: (zoo.xor_net(hidden=3, activation="relu", rng=0),
                         (4, 2), losses.BinaryCrossentropy(from_logits=True)),
    "sigmoid_probs": lambda: (
        dlbook.Sequential([L.Dense(2, 3, rng=0), L.Sigmoid(),
                           L.Dense(3, 1, rng=1), L.Sigmoid()]), (5, 2),
        "binary_crossentropy"),
    "tanh_mlp": lambda: (
        zoo.mlp((5, 4, 3), activation="tanh", rng=0), (7, 5),
        losses.SparseCategoricalCrossentropy(from_logits=True)),
    "softmax_probs": lambda: (
        dlbook.Sequential([L.Dense(4, 3, rng=0), L.Softmax()]), (3, 4),
        "categorical_crossentropy"),
    "cnn": lambda: (
        dlbook.Sequential([L.Conv2D(1, 2, 3, padding="same", rng=0),
                           L.ReLU(), L.MaxPool2D(2), L.Flatten(),
                           L.Dense(8, 3, rng=1)]), (2, 4, 4, 1),
        losses.SparseCategoricalCrossentropy(from_logits=True)),
}


def _targets(loss, y_hat, rng):
    loss = losses.get_loss(loss)
    n, k = y_hat.shape
    if isinstance(loss, losses.SparseCategoricalCrossentropy):
        return rng.integers(0, k, n)
    if isinstance(loss, losses.CategoricalCrossentropy):
        return np.eye(k)[rng.integers(0, k, n)]
    if isinstance(loss, losses.BinaryCrossentropy):
        return rng.integers(0, 2, (n, k)).astype(float)
    return rng.normal(size=(n, k))


@pytest.mark.parametrize("name", MODELS)
def test_sequential_gradients(name, rng, twins):
    model, shape, loss = MODELS[name]()
    X = rng.normal(size=shape)
    y = _targets(loss, model.forward(X), rng)
    result = check_gradients(model, X, y=y, loss=loss)
    assert result.ok(TOL), result
    model.compile(loss=loss)
    value, kgrads = twins.keras_gradients(model, X, y)
    dout = model.loss.gradient(y, model.forward(X))
    dX = model.backward(dout)
    assert abs(value - model.loss(y, model.forward(X))) <= 1e-10
    assert relative_error(dX, kgrads["X"]) <= TOL
    for key, g in model.grads.items():
        assert relative_error(g, kgrads[key]) <= TOL, key


def test_gradcheck_detects_a_wrong_gradient(rng):
    class WrongDense(L.Dense):
        def backward(self, dout):
            dX = super().backward(dout)
            self.grads["W"] = self.grads["W"] * 1.01      # 1% off
            return dX
    result = check_gradients(WrongDense(3, 2, rng=0), rng.normal(size=(4, 3)))
    assert not result.ok(TOL)
    assert result.errors["W"] > 1e-3
    assert "FAILED" in str(result)


def test_relative_error_properties():
    a = np.array([1.0, 2.0])
    assert relative_error(a, a) == 0
    assert relative_error(np.zeros(2), np.zeros(2)) == 0
    assert relative_error(a, -a) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="same shape"):
        relative_error(a, np.ones(3))
