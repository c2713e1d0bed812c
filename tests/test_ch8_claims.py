"""The derivations and mechanisms that chapter 8's sections and the FAQ
assert, checked on small cases: residual Jacobians, graph-convolution
backward, gradient leakage, re-weighting against over-sampling, and the
bookkeeping identities of the data-bias section."""

import numpy as np
import pytest

from dlbook import (Dense, Dropout, ReLU, Sequential, Sigmoid,
                    SparseCategoricalCrossentropy, zoo)
from dlbook.graph import GraphConv, normalized_adjacency
from dlbook.residual import Residual, first_layer_gradient_norm


def jacobian(layer, x):
    """Rows of dY/dx for one sample x of shape (1, d), from backward."""
    layer.forward(x)
    return np.stack([layer.backward(e[None])[0]
                     for e in np.eye(x.shape[1])])


def test_residual_block_jacobian_is_identity_plus_branch(rng):
    block = Residual([Dense(6, 6, rng=1), Sigmoid()])
    x = rng.standard_normal((1, 6))
    J = jacobian(block, x)
    W, b = block.params["0.W"], block.params["0.b"]
    s = 1 / (1 + np.exp(-(x @ W + b)[0]))
    J_f = np.diag(s * (1 - s)) @ W.T
    np.testing.assert_allclose(J, np.eye(6) + J_f, atol=1e-12)
    eps = 1e-6
    J_num = np.stack([(block.forward(x + eps * e)
                       - block.forward(x - eps * e))[0] / (2 * eps)
                      for e in np.eye(6)], axis=1)
    np.testing.assert_allclose(J, J_num, atol=1e-8)
    assert np.abs(J - np.eye(6)).max() > 1e-3      # not passed unchanged
    assert np.linalg.norm(J_f, 2) <= np.linalg.norm(W, 2) / 4


@pytest.mark.parametrize("a", [-0.5, 0.0, 0.1])
def test_linear_branch_scales_the_gradient_by_one_plus_a_to_the_depth(a,
                                                                      rng):
    blocks = []
    for i in range(10):
        lin = Dense(4, 4, rng=i)
        lin.params["W"][...] = a * np.eye(4)
        lin.params["b"][...] = 0.0
        blocks.append(Residual([lin]))
    stack = Sequential(blocks)
    out = stack.forward(rng.standard_normal((3, 4)))
    R = rng.standard_normal(out.shape)
    np.testing.assert_allclose(stack.backward(R), (1 + a) ** 10 * R,
                               rtol=1e-12)


def test_a_branch_that_cancels_its_input_stops_the_gradient(rng):
    cancel = Dense(4, 4, rng=0)
    cancel.params["W"][...] = -np.eye(4)
    cancel.params["b"][...] = 0.0
    block = Residual([cancel])
    X = rng.standard_normal((3, 4))
    assert np.all(block.forward(X) == 0)
    assert np.all(block.backward(np.ones((3, 4))) == 0)


def test_relu_branches_make_the_residual_gradient_grow_with_depth():
    X = np.random.default_rng(0).standard_normal((16, 8))

    def net(depth):
        return Sequential([Dense(8, 8, rng=0)] + [
            Residual([Dense(8, 8, rng=i), ReLU()]) for i in range(1, depth)])

    assert (first_layer_gradient_norm(net(30), X)
            > 100 * first_layer_gradient_norm(net(5), X))


def test_zero_initialised_branch_output_keeps_the_gradient_level():
    X = np.random.default_rng(0).standard_normal((16, 8))

    def net(depth):
        blocks = []
        for i in range(1, depth):
            last = Dense(8, 8, rng=100 + i)
            last.params["W"][...] = 0.0
            blocks.append(Residual([Dense(8, 8, rng=i), ReLU(), last]))
        return Sequential([Dense(8, 8, rng=0)] + blocks)

    deep = net(20)
    assert np.isclose(first_layer_gradient_norm(net(3), X),
                      first_layer_gradient_norm(deep, X))
    assert np.linalg.norm(deep.grads["1.2.W"]) > 0   # the branch can learn


def test_graph_conv_backward_is_a_hat_transpose_dout_w_transpose(rng):
    A = (rng.random((5, 5)) < 0.5).astype(float)
    A = np.triu(A, 1)
    A_hat = normalized_adjacency(A + A.T)
    np.testing.assert_allclose(A_hat, A_hat.T)
    conv = GraphConv(A_hat, 3, 2, rng=0)
    conv.forward(rng.standard_normal((5, 3)))
    dY = rng.standard_normal((5, 2))
    np.testing.assert_allclose(conv.backward(dY),
                               A_hat.T @ dY @ conv.params["W"].T)


def test_graph_conv_on_a_graph_without_edges_is_a_dense_layer(rng):
    conv = GraphConv(normalized_adjacency(np.zeros((4, 4))), 3, 2, rng=0)
    dense = Dense(3, 2, rng=0)
    for key in ("W", "b"):
        dense.params[key][...] = conv.params[key]
    X = rng.standard_normal((4, 3))
    np.testing.assert_allclose(conv.forward(X), dense.forward(X))


def test_one_examples_first_layer_gradient_returns_the_input(rng):
    net = zoo.mlp((6, 5, 3), rng=0)
    loss = SparseCategoricalCrossentropy(from_logits=True)
    x = rng.random((1, 6))
    net.backward(loss.gradient(np.array([2]), net.forward(x)))
    dW, db = net.grads["0.W"], net.grads["0.b"]
    j = np.argmax(np.abs(db))
    np.testing.assert_allclose(dW[:, j] / db[j], x[0], rtol=1e-12)


def test_per_example_dense_gradient_norm_is_a_product(rng):
    x, d = rng.standard_normal(7), rng.standard_normal(3)
    assert np.isclose(np.linalg.norm(np.outer(x, d)),
                      np.linalg.norm(x) * np.linalg.norm(d))


def test_oversampling_and_reweighting_give_the_same_gradient(rng):
    loss = SparseCategoricalCrossentropy(from_logits=True)
    Z = rng.standard_normal((6, 4))
    y = np.array([0, 1, 3, 3, 2, 1])
    r = np.where(y == 3, 5.0, 1.0)                 # each 3 five times
    repeated = np.repeat(np.arange(6), r.astype(int))
    g_rep = loss.gradient(y[repeated], Z[repeated])
    g_sum = np.zeros_like(Z)
    np.add.at(g_sum, repeated, g_rep)              # back onto the rows
    g_w = loss.gradient(y, Z) * (len(y) * r / r.sum())[:, None]
    np.testing.assert_allclose(g_sum, g_w, atol=1e-15)


def test_accuracy_is_the_share_weighted_mean_of_recalls(rng):
    y = rng.integers(0, 4, 50)
    pred = np.where(rng.random(50) < 0.7, y, rng.integers(0, 4, 50))
    share = np.bincount(y, minlength=4) / len(y)
    recall = np.array([np.mean(pred[y == c] == c) for c in range(4)])
    assert np.isclose(share @ recall, np.mean(pred == y))


def test_inverted_dropout_keeps_the_mean():
    out = Dropout(0.5, rng=0).forward(np.ones((500, 500)), training=True)
    assert abs(out.mean() - 1) < 0.01
