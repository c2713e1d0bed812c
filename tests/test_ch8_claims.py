"""The derivations and mechanisms that chapter 8's sections and the FAQ
assert, checked on small cases: residual Jacobians and per-block gains,
graph-convolution backward and over-smoothing, saliency and gradient x
input, gradient leakage and clipping, re-weighting against over-sampling,
logit adjustment, and the bookkeeping identities of the data-bias
section."""

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


def test_residual_relu_blocks_each_amplify_the_gradient():
    """05: every ReLU block of the 50-layer residual net multiplies the
    gradient's norm by more than 1; every sigmoid block by about 1."""
    X = np.random.default_rng(0).standard_normal((64, 32))

    def gains(activation):
        net = Sequential([Dense(32, 32, rng=0)] + [
            Residual([Dense(32, 32, rng=i), activation()])
            for i in range(1, 20)])
        g = np.random.default_rng(0).standard_normal(net.forward(X).shape)
        out = []
        for block in net.layers[:0:-1]:
            g_in = block.backward(g)
            out.append(np.linalg.norm(g_in) / np.linalg.norm(g))
            g = g_in
        return np.array(out)

    assert gains(ReLU).min() > 1.1
    assert np.all(np.abs(gains(Sigmoid) - 1) < 0.05)


def test_glorot_relu_stack_halves_the_gradients_second_moment_per_layer():
    """05, ex-ch8-he: 20 extra Glorot ReLU layers scale the gradient norm
    by about 2**-10; He initialisation keeps it of the same order."""
    X = np.random.default_rng(0).standard_normal((64, 32))

    def net(depth, init):
        return Sequential([la for i in range(depth) for la in
                           (Dense(32, 32, rng=i, init=init), ReLU())])

    def ratio(init):
        return (first_layer_gradient_norm(net(30, init), X)
                / first_layer_gradient_norm(net(10, init), X))

    assert abs(np.log10(ratio("glorot_uniform") / 2.0 ** -10)) < 0.5
    assert 0.1 < ratio("he_normal") < 10


def test_repeated_propagation_tends_to_the_square_root_of_the_degree():
    """04, ex-ch8-oversmoothing: A_hat's top eigenvector is
    sqrt(degree of A + I) with eigenvalue 1, so A_hat^K X loses every
    difference between nodes except that scale."""
    from dlbook.data import make_communities
    A, X, _ = make_communities(10, 2, p_in=0.5, p_out=0.1, rng=0)
    A_hat = normalized_adjacency(A)
    v = np.sqrt(A.sum(axis=1) + 1)
    np.testing.assert_allclose(A_hat @ v, v)
    H = X.copy()
    for _ in range(500):
        H = A_hat @ H
    limit = np.outer(v, v @ X) / (v @ v)          # projection on v
    np.testing.assert_allclose(H, limit, atol=1e-8)


def test_linear_model_saliency_is_a_column_of_the_kernel(rng):
    """07, ex-ch8-linear-saliency: dz_c/dx = W[:, c] for every input."""
    model = zoo.mlp((6, 4), rng=0)
    X = rng.standard_normal((5, 6))
    out = model.forward(X)
    dout = np.zeros_like(out)
    dout[:, 2] = 1.0
    np.testing.assert_allclose(model.backward(dout),
                               np.tile(model.params["0.W"][:, 2], (5, 1)))


def test_gradient_times_input_predicts_a_deletion_when_no_unit_switches():
    """07, eq-ch8-grad-input: a ReLU net is linear between switches, so
    z_c(x) - z_c(x with x_i = 0) = g_i x_i exactly when no unit flips."""
    net = zoo.mlp((6, 8, 3), rng=0)
    x = np.random.default_rng(1).random((1, 6))
    dout = np.zeros((1, 3))
    dout[0, 1] = 1.0
    net.forward(x)
    g = net.backward(dout)[0]
    pre = x @ net.params["0.W"] + net.params["0.b"]
    checked = 0
    for i in range(6):
        x0 = x.copy()
        x0[0, i] = 0.0
        pre0 = x0 @ net.params["0.W"] + net.params["0.b"]
        if np.array_equal(pre > 0, pre0 > 0):      # no unit switches
            drop = net.forward(x)[0, 1] - net.forward(x0)[0, 1]
            assert np.isclose(drop, g[i] * x[0, i], atol=1e-12)
            checked += 1
    assert checked >= 1


def test_logit_adjustment_is_bayes_rule_under_new_class_shares(rng):
    """08, ex-ch8-logit-adjust: adding log(pi_test / pi_train) to the
    logits turns p(y|x) under the training shares into p(y|x) under the
    test shares."""
    from dlbook.activations import softmax
    z = rng.standard_normal((4, 5))
    pi_train = np.array([0.3, 0.3, 0.02, 0.2, 0.18])
    pi_test = np.full(5, 0.2)
    likelihood = softmax(z) / pi_train            # p(x|y) up to a constant
    expected = likelihood * pi_test
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(
        softmax(z + np.log(pi_test) - np.log(pi_train)), expected)


def test_clipping_alone_hides_nothing_from_the_gradient_attack(rng):
    """09, ex-ch8-sigma: clipping rescales W's and b's gradients by the
    same factor, so their ratio still returns the input."""
    net = zoo.mlp((6, 5, 3), rng=0)
    loss = SparseCategoricalCrossentropy(from_logits=True)
    x = rng.random((1, 6))
    net.backward(loss.gradient(np.array([1]), net.forward(x)))
    dW, db = net.grads["0.W"], net.grads["0.b"]
    scale = 0.01 / np.sqrt(np.sum(dW ** 2) + np.sum(db ** 2))   # C = 0.01
    j = np.argmax(np.abs(db))
    np.testing.assert_allclose((scale * dW[:, j]) / (scale * db[j]), x[0],
                               rtol=1e-12)


def test_softmax_regression_per_example_gradient_norm(rng):
    """09: |dW| and |db| of one example together have norm
    sqrt(|x|^2 + 1) |d| for z = x W + b and d = dl/dz."""
    x, d = rng.standard_normal(7), rng.standard_normal(3)
    full = np.concatenate([np.outer(x, d).ravel(), d])
    assert np.isclose(np.linalg.norm(full),
                      np.sqrt(x @ x + 1) * np.linalg.norm(d))
