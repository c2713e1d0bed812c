"""LayerNormalization: a hand case, each vector standardised, gradients
against central differences and keras.layers.LayerNormalization under
tf.GradientTape (float64 and float32), and the errors."""

import numpy as np
import pytest

from dlbook import check_gradients, relative_error
from dlbook.normalization import LayerNormalization, standardize


def _layer_norm(n=5, seed=0, dtype=np.float64):
    ln = LayerNormalization(n, dtype=dtype)
    rng = np.random.default_rng(seed)
    ln.params["gamma"][:] = 1 + 0.5 * rng.standard_normal(n)
    ln.params["beta"][:] = rng.standard_normal(n)
    return ln


def test_hand_case():
    ln = LayerNormalization(3)
    X = np.array([[1.0, 2.0, 3.0], [-2.0, 0.0, 2.0]])
    # means 0 and 2 removed; variances 2/3 and 8/3; epsilon 1e-3
    expected = np.array([[-1.0, 0.0, 1.0] / np.sqrt(2 / 3 + 1e-3),
                         [-2.0, 0.0, 2.0] / np.sqrt(8 / 3 + 1e-3)])
    np.testing.assert_allclose(ln.forward(X), expected, rtol=1e-14)


def test_each_vector_gets_mean_beta_and_scale_gamma(rng):
    ln = LayerNormalization(8, epsilon=1e-12)
    X = 5 + 3 * rng.standard_normal((4, 6, 8))
    Y = ln.forward(X)
    assert Y.shape == X.shape and Y.dtype == np.float64
    np.testing.assert_allclose(Y.mean(axis=-1), 0, atol=1e-12)
    np.testing.assert_allclose(Y.std(axis=-1), 1, rtol=1e-9)
    # no batch statistics: a sample's output does not depend on the others
    np.testing.assert_allclose(ln.forward(X[:1]), Y[:1], rtol=1e-14)


def test_standardize_over_several_axes(rng):
    X = rng.standard_normal((3, 4, 5))
    x_hat, inv_std = standardize(X, (0, 1), 0.0)
    assert inv_std.shape == (1, 1, 5)
    np.testing.assert_allclose(x_hat.mean(axis=(0, 1)), 0, atol=1e-12)
    np.testing.assert_allclose(x_hat.std(axis=(0, 1)), 1, rtol=1e-12)


@pytest.mark.parametrize("shape", [(1, 5), (4, 5), (2, 3, 5), (1, 1, 5)])
def test_gradients_match_finite_differences(shape, rng):
    ln = _layer_norm()
    result = check_gradients(ln, rng.standard_normal(shape))
    assert result.ok(1e-6), str(result)


def test_one_feature_is_constant_and_gets_no_gradient(rng):
    ln = LayerNormalization(1)
    X = rng.standard_normal((4, 1))
    np.testing.assert_array_equal(ln.forward(X), 0.0)      # x - mean(x)
    np.testing.assert_array_equal(ln.backward(np.ones((4, 1))), 0.0)


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-6),
                                       ("float32", 1e-4)])
def test_matches_keras_layer_normalization(dtype, tol, rng, twins):
    import keras
    ln = _layer_norm(dtype=dtype)
    X = rng.standard_normal((3, 4, 5)).astype(dtype)
    R = rng.standard_normal(X.shape).astype(dtype)
    out = ln.forward(X)
    dX = ln.backward(R)
    klayer = twins.keras_layer(ln, dtype=dtype, input_shape=(4, 5))
    assert isinstance(klayer, keras.layers.LayerNormalization)
    assert klayer.epsilon == ln.epsilon == 1e-3
    Y, grads = twins.keras_backward(ln, X, R, dtype=dtype)
    assert Y.dtype == out.dtype == dtype
    assert relative_error(out, Y) <= tol
    assert relative_error(dX, grads["X"]) <= tol
    for key in ("gamma", "beta"):
        assert relative_error(ln.grads[key], grads[key]) <= tol, key


def test_errors(rng):
    ln = LayerNormalization(4)
    with pytest.raises(RuntimeError, match="before forward"):
        ln.backward(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"\(n_samples, \.\.\., 4\), "
                                         r"received shape \(2, 3\)"):
        ln.forward(rng.standard_normal((2, 3)))
    with pytest.raises(ValueError, match="received shape"):
        ln.forward(rng.standard_normal(4))
    with pytest.raises(ValueError, match="positive integer, received: "
                                         "n_features=0"):
        LayerNormalization(0)
    with pytest.raises(ValueError, match="positive number, received: "
                                         "epsilon=0"):
        LayerNormalization(4, epsilon=0)
    ln.forward(rng.standard_normal((2, 4)))
    with pytest.raises(ValueError, match="expected dout of shape"):
        ln.backward(np.zeros((2, 5)))
