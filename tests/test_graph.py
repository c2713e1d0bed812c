"""GraphConv and the normalised adjacency: a hand case, finite
differences, Keras (Dense on A_hat @ X) and the errors."""

import numpy as np
import pytest

from dlbook import check_gradients
from dlbook.data import make_communities
from dlbook.graph import GraphConv, normalized_adjacency

PATH = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=float)


def test_normalized_adjacency_hand_case():
    A_hat = normalized_adjacency(PATH)
    # degrees with self-loops: 2, 3, 2
    expected = np.array([[1 / 2, 1 / np.sqrt(6), 0],
                         [1 / np.sqrt(6), 1 / 3, 1 / np.sqrt(6)],
                         [0, 1 / np.sqrt(6), 1 / 2]])
    np.testing.assert_allclose(A_hat, expected)
    assert np.max(np.linalg.eigvalsh(A_hat)) == pytest.approx(1.0)


def test_forward_hand_case():
    layer = GraphConv(normalized_adjacency(PATH), 1, 1, rng=0)
    layer.params["W"][...] = 2.0
    layer.params["b"][...] = 1.0
    X = np.array([[1.0], [0.0], [0.0]])
    np.testing.assert_allclose(layer.forward(X)[:, 0],
                               [2 * 0.5 + 1, 2 / np.sqrt(6) + 1, 1.0])


@pytest.mark.parametrize("n_in,n_out", [(1, 1), (4, 3), (5, 2)])
def test_gradients_match_finite_differences(n_in, n_out, rng):
    A, _, _ = make_communities(6, 2, p_in=0.6, p_out=0.2, rng=0)
    layer = GraphConv(normalized_adjacency(A), n_in, n_out, rng=1)
    layer.params["b"][:] = rng.standard_normal(n_out)
    result = check_gradients(layer, rng.standard_normal((12, n_in)))
    assert result.ok(1e-6), str(result)


def test_matches_keras_dense_on_propagated_features(rng, twins):
    """The twin is ``keras.layers.Dense`` applied to ``A_hat @ X``."""
    import keras
    A, X, _ = make_communities(5, 2, p_in=0.5, p_out=0.1, n_features=4,
                               rng=2)
    A_hat = normalized_adjacency(A)
    layer = GraphConv(A_hat, 4, 3, rng=3)
    layer.params["b"][:] = rng.standard_normal(3)
    twin = twins.to_keras(layer, dtype="float64")
    assert [type(la) for la in twin.layers[1:]] == [keras.layers.Dense]
    R = rng.standard_normal((10, 3))
    Y, grads = twins.keras_backward(layer, X, R)        # float64
    np.testing.assert_allclose(layer.forward(X), Y, atol=1e-12)
    np.testing.assert_allclose(layer.backward(R), grads["X"], atol=1e-12)
    np.testing.assert_allclose(layer.grads["W"], grads["W"], atol=1e-12)
    np.testing.assert_allclose(layer.grads["b"], grads["b"], atol=1e-12)


def test_errors():
    with pytest.raises(ValueError, match="square"):
        normalized_adjacency(np.ones((2, 3)))
    with pytest.raises(ValueError, match="symmetric"):
        normalized_adjacency(np.array([[0, 1.0], [0, 0]]))
    with pytest.raises(ValueError, match="isolated"):
        normalized_adjacency(np.zeros((2, 2)), self_loops=False)
    layer = GraphConv(normalized_adjacency(PATH), 2, 1)
    with pytest.raises(ValueError, match=r"\(3, 2\)"):
        layer.forward(np.zeros((4, 2)))
    with pytest.raises(RuntimeError, match="before"):
        layer.backward(np.zeros((3, 1)))
