"""GraphConv and the normalised adjacency: a hand case, finite
differences, Keras (Dense on A_hat @ X) and the errors."""

import numpy as np
import pytest

from dlbook import check_gradients
from dlbook.graph import GraphConv, make_communities, normalized_adjacency

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
    A, _, _ = make_communities(6, 2, 0.6, 0.2, rng=0)
    layer = GraphConv(normalized_adjacency(A), n_in, n_out, rng=1)
    layer.params["b"][:] = rng.standard_normal(n_out)
    result = check_gradients(layer, rng.standard_normal((12, n_in)))
    assert result.ok(1e-6), str(result)


def test_matches_keras_dense_on_propagated_features(rng, tf):
    import keras
    A, X, _ = make_communities(5, 2, 0.5, 0.1, n_features=4, rng=2)
    A_hat = normalized_adjacency(A)
    layer = GraphConv(A_hat, 4, 3, rng=3)
    layer.params["b"][:] = rng.standard_normal(3)
    R = rng.standard_normal((10, 3))
    dense = keras.layers.Dense(3, dtype="float64")
    Xt = tf.constant(X)
    dense(Xt)
    dense.set_weights([layer.params["W"], layer.params["b"]])
    with tf.GradientTape() as tape:
        tape.watch(Xt)
        Y = dense(tf.constant(A_hat) @ Xt)
        L = tf.reduce_sum(Y * R)
    dX, dW, db = tape.gradient(L, [Xt] + dense.trainable_weights)
    np.testing.assert_allclose(layer.forward(X), Y.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.backward(R), dX.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.grads["W"], dW.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.grads["b"], db.numpy(), atol=1e-12)


def test_make_communities_structure():
    A, X, y = make_communities(30, 2, 0.5, 0.02, n_features=5, rng=0)
    assert A.shape == (60, 60) and X.shape == (60, 5) and y.shape == (60,)
    np.testing.assert_array_equal(A, A.T)
    assert np.all(np.diag(A) == 0)
    same = y[:, None] == y[None, :]
    assert A[same].mean() > 5 * A[~same].mean()


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
