"""SimpleRNN: shapes, a hand-computed case, backpropagation through time
against central differences and against keras.layers.SimpleRNN under
tf.GradientTape (float64 and float32), the per-step state gradients,
the memory task, and the errors."""

import numpy as np
import pytest

from dlbook import check_gradients, numerical_gradient, relative_error
from dlbook.recurrent import SimpleRNN, make_marked_recall


def _rnn(n_in=3, units=4, return_sequences=False, seed=0,
         dtype=np.float64):
    rnn = SimpleRNN(n_in, units, return_sequences=return_sequences,
                    rng=seed, dtype=dtype)
    rnn.params["b"][:] = np.random.default_rng(seed + 50).standard_normal(
        units)                                        # a non-zero bias
    return rnn


@pytest.mark.parametrize("return_sequences", [False, True])
def test_shapes_dtype_and_states(return_sequences, rng):
    rnn = _rnn(return_sequences=return_sequences)
    X = rng.standard_normal((5, 7, 3))
    Y = rnn.forward(X)
    assert Y.shape == ((5, 7, 4) if return_sequences else (5, 4))
    assert Y.dtype == np.float64
    assert rnn.states.shape == (5, 7, 4)
    np.testing.assert_array_equal(rnn.states[:, -1],
                                  Y[:, -1] if return_sequences else Y)
    assert rnn.output_shape((7, 3)) == Y.shape[1:]
    assert rnn.n_params == 3 * 4 + 4 * 4 + 4
    assert list(rnn.params) == ["Wx", "Wh", "b"]      # Keras's order


def test_hand_case_two_steps():
    rnn = SimpleRNN(1, 1, return_sequences=True)
    rnn.params["Wx"][...] = 0.5
    rnn.params["Wh"][...] = -2.0
    rnn.params["b"][...] = 0.1
    X = np.array([[[1.0], [3.0]]])
    h1 = np.tanh(0.5 * 1.0 + 0.1)
    h2 = np.tanh(0.5 * 3.0 - 2.0 * h1 + 0.1)
    np.testing.assert_allclose(rnn.forward(X)[0, :, 0], [h1, h2])


def test_recurrent_kernel_starts_orthogonal():
    Wh = SimpleRNN(3, 6, rng=4).params["Wh"]
    np.testing.assert_allclose(Wh.T @ Wh, np.eye(6), atol=1e-12)


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("shape", [(1, 1, 3), (2, 5, 3), (4, 2, 3)])
def test_bptt_matches_finite_differences(shape, return_sequences, rng):
    rnn = _rnn(return_sequences=return_sequences)
    result = check_gradients(rnn, rng.standard_normal(shape))
    assert result.ok(1e-6), str(result)


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("dtype,tol", [("float64", 1e-6),
                                       ("float32", 1e-4)])
def test_matches_keras_simple_rnn(return_sequences, dtype, tol, rng,
                                  twins):
    import keras
    rnn = _rnn(return_sequences=return_sequences, dtype=dtype)
    X = rng.standard_normal((3, 6, 3)).astype(dtype)
    out = rnn.forward(X)
    R = rng.standard_normal(out.shape).astype(dtype)
    dX = rnn.backward(R)
    Y, grads = twins.keras_backward(rnn, X, R, dtype=dtype)
    klayer = twins.keras_layer(rnn, dtype=dtype)
    assert isinstance(klayer, keras.layers.SimpleRNN)
    assert [w.shape for w in klayer.get_weights()] == [
        p.shape for p in rnn.params.values()]
    assert Y.shape == out.shape and Y.dtype == out.dtype == dtype
    assert relative_error(out, Y) <= tol
    assert relative_error(dX, grads["X"]) <= tol
    for key, g in rnn.grads.items():
        assert relative_error(g, grads[key]) <= tol, key


def test_state_gradients_are_dL_dh(rng):
    # With Wx = I (n_in = units) and b = 0, the pre-activation is
    # a_t = x_t + h_{t-1} Wh, so dL/dx_t = dL/da_t = dL/dh_t (1 - h_t^2):
    # a finite difference in x_t checks the stored dL/dh_t.
    rnn = SimpleRNN(3, 3, rng=1)
    rnn.params["Wx"][...] = np.eye(3)
    X = rng.standard_normal((2, 6, 3))
    R = rng.standard_normal((2, 3))
    rnn.forward(X)
    rnn.backward(R)
    dH, H = rnn.state_gradients, rnn.states
    np.testing.assert_array_equal(dH[:, -1], R)     # the last step sees R
    num = numerical_gradient(lambda _: float(np.sum(rnn.forward(X) * R)), X)
    assert relative_error(dH * (1 - H ** 2), num) < 1e-8


def test_gradient_vanishes_with_distance_for_small_weights(rng):
    rnn = SimpleRNN(1, 8, rng=0)
    rnn.params["Wh"] *= 0.5                   # a contraction: |Wh| = 0.5
    X = rng.standard_normal((16, 20, 1))
    rnn.forward(X)
    rnn.backward(np.ones((16, 8)))
    norms = np.linalg.norm(rnn.state_gradients, axis=2).mean(axis=0)
    # each step back multiplies by (1 - h^2) Wh^T, of norm <= 0.5
    assert np.all(np.diff(norms) > 0)         # larger nearer the output
    assert norms[0] < 0.5 ** 19 * norms[-1]


def test_gradient_never_grows_per_step_with_an_orthogonal_kernel(rng):
    # Chapter 8: with ||Wh|| = 1 (orthogonal, the default) and tanh' <= 1,
    # each step back multiplies dL/dh by diag(1 - h^2) Wh^T, so its norm
    # can only shrink, sequence by sequence.
    rnn = SimpleRNN(2, 16, rng=0)
    X = rng.standard_normal((8, 30, 2))
    rnn.forward(X)
    rnn.backward(rng.standard_normal((8, 16)))
    norms = np.linalg.norm(rnn.state_gradients, axis=2)       # (n, T)
    assert np.all(np.diff(norms, axis=1) >= 0)     # larger nearer the end
    assert np.all(norms[:, 0] < 0.1 * norms[:, -1])


def test_gradient_grows_by_the_kernel_scale_in_the_linear_regime():
    # Chapter 8, exploding gradients: Wh = 1.5 Q with Q orthogonal and tiny
    # inputs (tanh' = 1): |dL/dh_(T-k)| = 1.5^k |dL/dh_T|.
    rnn = SimpleRNN(2, 16, rng=0)
    rnn.params["Wh"] *= 1.5
    X = 1e-6 * np.random.default_rng(2).standard_normal((4, 12, 2))
    rnn.forward(X)
    rnn.backward(np.ones((4, 16)))
    norms = np.linalg.norm(rnn.state_gradients, axis=2)[:, ::-1]
    np.testing.assert_allclose(norms / norms[:, :1],
                               np.broadcast_to(1.5 ** np.arange(12),
                                               norms.shape), rtol=1e-4)


def test_marked_recall_task():
    X, y = make_marked_recall(200, 15, max_marker=5, rng=0)
    assert X.shape == (200, 15, 2) and y.shape == (200,)
    assert set(np.unique(X[:, :, 0])) == {-1.0, 1.0}
    assert np.all(X[:, :, 1].sum(axis=1) == 1)       # one marker each
    step = X[:, :, 1].argmax(axis=1)
    assert step.max() < 5
    np.testing.assert_array_equal(y, X[np.arange(200), step, 0] > 0)
    assert 0.35 < y.mean() < 0.65
    X2, y2 = make_marked_recall(200, 15, max_marker=5, rng=0)
    np.testing.assert_array_equal(X, X2)


def test_errors(rng):
    rnn = SimpleRNN(3, 4)
    with pytest.raises(RuntimeError, match="before forward"):
        rnn.backward(np.zeros((1, 4)))
    with pytest.raises(ValueError, match=r"\(n_samples, seq_len >= 1, 3\)"):
        rnn.forward(rng.standard_normal((2, 3)))
    with pytest.raises(ValueError, match=r"seq_len >= 1, 3\), received "
                                         r"shape \(2, 5, 2\)"):
        rnn.forward(rng.standard_normal((2, 5, 2)))
    with pytest.raises(ValueError, match="positive integer, received: "
                                         "n_out=0"):
        SimpleRNN(3, 0)
    with pytest.raises(TypeError):
        SimpleRNN(3, 4, True)                 # options are keyword-only
    rnn.forward(rng.standard_normal((2, 5, 3)))
    with pytest.raises(ValueError, match="expected dout of shape"):
        rnn.backward(np.zeros((2, 5, 4)))     # a sequence, not h_T
    with pytest.raises(ValueError, match="max_marker"):
        make_marked_recall(10, 5, max_marker=6)
