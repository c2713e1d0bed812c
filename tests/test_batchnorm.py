"""Batch normalisation: hand-computed statistics, both modes against
Keras on the same weights, the gradient against finite differences and
tf.GradientTape, the moving averages, and bad input.  (The layer contract
in test_layer_contract.py covers the shape and dtype rules.)"""

import numpy as np
import pytest

from dlbook.gradcheck import numerical_gradient, relative_error
from dlbook.normalization import BatchNormalization


def _layer(n_features=3, seed=0, **kw):
    bn = BatchNormalization(n_features, **kw)
    rng = np.random.default_rng(seed)
    bn.params["gamma"][:] = rng.uniform(0.5, 2.0, n_features)
    bn.params["beta"][:] = rng.standard_normal(n_features)
    return bn


def test_training_mode_standardises_each_feature(rng):
    bn = BatchNormalization(4)
    X = rng.standard_normal((50, 4)) * [1.0, 5.0, 0.1, 3.0] + [0, 2, -1, 7]
    Y = bn.forward(X, training=True)
    np.testing.assert_allclose(Y.mean(axis=0), 0, atol=1e-12)
    # the variance is var / (var + epsilon), slightly below 1
    np.testing.assert_allclose(Y.var(axis=0),
                               X.var(axis=0) / (X.var(axis=0) + 1e-3))
    np.testing.assert_allclose(bn.moving_mean, 0.01 * X.mean(axis=0))
    np.testing.assert_allclose(bn.moving_variance,
                               0.99 + 0.01 * X.var(axis=0))


def test_inference_uses_the_moving_statistics(rng):
    bn = _layer()
    bn.moving_mean[:] = [1.0, -2.0, 0.5]
    bn.moving_variance[:] = [4.0, 0.25, 1.0]
    X = rng.standard_normal((6, 3))
    expected = (bn.params["gamma"] * (X - bn.moving_mean)
                / np.sqrt(bn.moving_variance + 1e-3) + bn.params["beta"])
    np.testing.assert_allclose(bn.forward(X), expected, rtol=1e-12)
    # one sample alone gets the same output as inside its batch
    np.testing.assert_allclose(bn.forward(X[:1]), expected[:1], rtol=1e-12)


@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 4, 3), (1, 2, 3)])
@pytest.mark.parametrize("training", [True, False])
def test_gradients_match_finite_differences(shape, training, rng):
    bn = _layer()
    bn.moving_mean[:] = [0.3, -0.2, 0.1]
    bn.moving_variance[:] = [2.0, 0.5, 1.5]
    X = rng.standard_normal(shape) * 2 + 1
    R = rng.standard_normal(shape)

    def objective(_):
        return float(np.sum(bn.forward(X, training=training) * R))

    bn.forward(X, training=training)
    dX = bn.backward(R)
    grads = {k: g.copy() for k, g in bn.grads.items()}
    assert relative_error(dX, numerical_gradient(objective, X)) < 1e-6
    for key, p in bn.params.items():
        assert relative_error(grads[key],
                              numerical_gradient(objective, p)) < 1e-6


def _keras_bn(bn, dtype):
    import keras
    layer = keras.layers.BatchNormalization(momentum=bn.momentum,
                                            epsilon=bn.epsilon, dtype=dtype)
    layer.build((None, bn.n_features))
    layer.set_weights([bn.params["gamma"], bn.params["beta"],
                       bn.moving_mean, bn.moving_variance])
    return layer


@pytest.mark.parametrize("dtype, tol", [("float64", 1e-6),
                                        ("float32", 1e-4)])
@pytest.mark.parametrize("training", [True, False])
def test_twin_agrees_with_keras_in_both_modes(dtype, tol, training, tf):
    bn = _layer(dtype=dtype)
    bn.moving_mean[:] = [0.3, -0.2, 0.1]
    bn.moving_variance[:] = [2.0, 0.5, 1.5]
    twin = _keras_bn(bn, dtype)
    X = (np.random.default_rng(5).standard_normal((8, 3)) * 3 + 1).astype(
        dtype)
    R = np.random.default_rng(6).standard_normal((8, 3)).astype(dtype)
    X_t = tf.constant(X)
    with tf.GradientTape() as tape:
        tape.watch(X_t)
        out = twin(X_t, training=training)
        value = tf.reduce_sum(out * R)
    g_X, g_gamma, g_beta = tape.gradient(
        value, [X_t, twin.gamma, twin.beta])
    ours = bn.forward(X, training=training)
    dX = bn.backward(R)
    assert relative_error(ours, out.numpy()) < tol
    assert relative_error(dX, g_X.numpy()) < tol
    assert relative_error(bn.grads["gamma"], g_gamma.numpy()) < tol
    assert relative_error(bn.grads["beta"], g_beta.numpy()) < tol
    # the moving statistics moved the same way (or stayed, at inference)
    k_mean, k_var = twin.get_weights()[2:]
    assert relative_error(bn.moving_mean, k_mean) < tol
    assert relative_error(bn.moving_variance, k_var) < tol


def test_moving_statistics_converge_to_the_data(rng):
    bn = BatchNormalization(2, momentum=0.9)
    X = rng.standard_normal((4000, 2)) * [2.0, 0.5] + [3.0, -1.0]
    for batch in np.split(X, 200):
        bn.forward(batch, training=True)
    np.testing.assert_allclose(bn.moving_mean, [3.0, -1.0], atol=0.2)
    # each batch of 20 gives a biased variance: (19/20) of the true one
    np.testing.assert_allclose(bn.moving_variance,
                               np.array([4.0, 0.25]) * 19 / 20, rtol=0.15)


def test_state_is_not_a_parameter():
    bn = BatchNormalization(3)
    assert set(bn.params) == {"gamma", "beta"} and bn.n_params == 6
    bn.cast(np.float32)
    assert bn.moving_mean.dtype == bn.moving_variance.dtype == np.float32
    mean, var = bn.get_state()
    mean += 1.0
    assert not bn.moving_mean.any()       # copies


@pytest.mark.parametrize("bad, match", [
    (lambda: BatchNormalization(0), "positive integer"),
    (lambda: BatchNormalization(3, momentum=1.0), r"number in \[0, 1\)"),
    (lambda: BatchNormalization(3, epsilon=0.0), "positive number"),
    (lambda: BatchNormalization(3).forward(np.ones((2, 4))),
     r"expected X of shape \(n_samples, \.\.\., 3\)"),
    (lambda: BatchNormalization(3).forward(np.ones(3)),
     r"expected X of shape"),
])
def test_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        bad()
