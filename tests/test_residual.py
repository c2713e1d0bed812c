"""Residual blocks: identity path, finite differences, Keras's Add, and
the gradient that reaches the first layer of a deep stack."""

import numpy as np
import pytest

from dlbook import Dense, Sequential, Sigmoid, Tanh, check_gradients
from dlbook.residual import Residual, first_layer_gradient_norm


def test_zero_branch_is_the_identity(rng):
    dense = Dense(3, 3, rng=0)
    dense.params["W"][...] = 0.0
    block = Residual([dense])
    X = rng.standard_normal((4, 3))
    np.testing.assert_array_equal(block.forward(X), X)
    dout = rng.standard_normal((4, 3))
    np.testing.assert_array_equal(block.backward(dout), dout)


@pytest.mark.parametrize("n", [1, 5])
def test_gradients_match_finite_differences(n, rng):
    model = Sequential([Dense(4, 3, rng=0),
                        Residual([Dense(3, 3, rng=1), Tanh()]),
                        Residual([Dense(3, 3, rng=2), Sigmoid(),
                                  Dense(3, 3, rng=3)])])
    result = check_gradients(model, rng.standard_normal((n, 4)))
    assert result.ok(1e-6), str(result)
    assert "1.0.W" in result.errors and "2.2.b" in result.errors


def test_matches_keras_add(rng, twins):
    import keras
    block = Residual([Dense(3, 3, rng=1), Tanh()])
    block.layers[0].params["b"][:] = rng.standard_normal(3)
    twin = twins.to_keras(block, dtype="float64")
    assert any(isinstance(la, keras.layers.Add) for la in twin.layers)
    X = rng.standard_normal((5, 3))
    R = rng.standard_normal((5, 3))
    Y, grads = twins.keras_backward(block, X, R)        # float64
    np.testing.assert_allclose(block.forward(X), Y, atol=1e-12)
    np.testing.assert_allclose(block.backward(R), grads["X"], atol=1e-12)
    np.testing.assert_allclose(block.grads["0.W"], grads["0.W"],
                               atol=1e-12)
    np.testing.assert_allclose(block.grads["0.b"], grads["0.b"],
                               atol=1e-12)


def test_residual_stack_keeps_the_gradient_a_plain_stack_loses(rng):
    X = rng.standard_normal((16, 8))

    def plain(depth):
        return Sequential([la for i in range(depth)
                           for la in (Dense(8, 8, rng=i), Sigmoid())])

    def residual(depth):
        return Sequential([Dense(8, 8, rng=0)] + [
            Residual([Dense(8, 8, rng=i), Sigmoid()])
            for i in range(1, depth)])

    p5, p30 = (first_layer_gradient_norm(plain(d), X) for d in (5, 30))
    r5, r30 = (first_layer_gradient_norm(residual(d), X) for d in (5, 30))
    assert p30 < 1e-8 * p5
    assert 0.1 < r30 / r5 < 10


def test_errors(rng):
    with pytest.raises(ValueError, match="non-empty list"):
        Residual([])
    block = Residual([Dense(3, 2, rng=0)])
    with pytest.raises(ValueError, match="keep the shape"):
        block.forward(rng.standard_normal((2, 3)))
    with pytest.raises(RuntimeError, match="before"):
        Residual([Tanh()]).backward(np.zeros((1, 1)))
