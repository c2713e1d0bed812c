"""A recurrent layer: one set of weights applied at every time step.

For a sequence ``x_1, ..., x_T`` of vectors a simple recurrent network
keeps a state ``h_t`` that it updates from the previous state and the
current input,

    h_t = tanh(x_t Wx + h_{t-1} Wh + b),     h_0 = 0,

so ``h_T`` can depend on the whole sequence, in order.  Unrolled over
time it is a deep network of ``T`` layers that share ``Wx``, ``Wh`` and
``b``; its backward pass, backpropagation through time (BPTT), walks the
steps from ``T`` back to 1 and adds up each step's contribution to the
shared gradients.

Taught in: chapter 8, "Recurrent networks".
"""

import numpy as np

from ._checks import as_rng, check_scalar
from .init import get_initializer
from .layers import Layer


class SimpleRNN(Layer):
    """Fully connected recurrent layer with a tanh: ``h_t = tanh(x_t Wx +
    h_{t-1} Wh + b)``.

    Parameters
    ----------
    n_in : int
        Width of each input vector ``x_t``.
    n_out : int
        Width of the state ``h_t``.
    return_sequences : bool, default False
        Return every state ``h_1 ... h_T`` (for a stack of recurrent
        layers, or a prediction per step) instead of the last one only.
    rng : None, int or numpy.random.Generator
        Seed for the initial weights: ``Wx`` Glorot uniform, ``Wh``
        orthogonal, ``b`` zero (Keras's defaults).
    dtype : numpy dtype, default float64

    Shapes
    ------
    ``X`` (n, T, n_in) -> ``h_T`` (n, n_out), or every state
    (n, T, n_out) with ``return_sequences``; ``Wx`` (n_in, n_out),
    ``Wh`` (n_out, n_out), ``b`` (n_out,).  After ``forward``,
    ``states`` holds ``h_1 ... h_T`` (n, T, n_out); after ``backward``,
    ``state_gradients`` holds ``dL/dh_t`` (n, T, n_out), the gradient
    that reached each step.

    Backward through time, from ``t = T`` down to 1, with ``g_t`` the
    gradient arriving at ``h_t`` from the output (zero for ``t < T``
    without ``return_sequences``)::

        dh_t = g_t + da_{t+1} Wh^T          (da_{T+1} = 0)
        da_t = dh_t * (1 - h_t**2)          (tanh backward)
        dWx = sum_t x_t^T da_t;  dWh = sum_t h_{t-1}^T da_t
        db = sum_t da_t;         dx_t = da_t Wx^T

    Gradients are overwritten, not accumulated.

    Keras equivalent: ``keras.layers.SimpleRNN(units=n_out,
    return_sequences=...)``, weights ``[kernel, recurrent_kernel, bias]``
    = ``[Wx, Wh, b]`` in the same layouts.
    Taught in: chapter 8, "Recurrent networks".
    """

    def __init__(self, n_in, n_out, *, return_sequences=False, rng=None,
                 dtype=np.float64):
        super().__init__()
        self.n_in = check_scalar(n_in, "n_in", int, min_val=1)
        self.n_out = check_scalar(n_out, "n_out", int, min_val=1)
        self.return_sequences = bool(return_sequences)
        rng = as_rng(rng)
        Wx = get_initializer("glorot_uniform")((self.n_in, self.n_out), rng)
        Wh = get_initializer("orthogonal")((self.n_out, self.n_out), rng)
        self.params = {"Wx": np.asarray(Wx, dtype=dtype),
                       "Wh": np.asarray(Wh, dtype=dtype),
                       "b": np.zeros(self.n_out, dtype=dtype)}
        self.states = None
        self.state_gradients = None

    def forward(self, X, training=False):
        """(n, T, n_in) -> (n, n_out), or (n, T, n_out) with
        ``return_sequences``; caches X and the states."""
        if X.ndim != 3 or X.shape[2] != self.n_in or X.shape[1] == 0:
            raise ValueError(
                "expected X of shape (n_samples, seq_len >= 1, "
                f"{self.n_in}), received shape {X.shape}")
        Wh = self.params["Wh"]
        n, T, _ = X.shape
        XW = X @ self.params["Wx"] + self.params["b"]  # (n, T, n_out)
        H = np.zeros((n, T + 1, self.n_out), dtype=XW.dtype)  # H[:, 0]=h_0
        for t in range(T):
            H[:, t + 1] = np.tanh(XW[:, t] + H[:, t] @ Wh)   # (n, n_out)
        self._cache = (X, H)
        self.states = H[:, 1:]
        return self.states if self.return_sequences else H[:, T]

    def backward(self, dout):
        """Backpropagation through time: store dL/dWx, dL/dWh, dL/db;
        return dL/dX, shape (n, T, n_in)."""
        X, H = self._cached()
        n, T, _ = X.shape
        if self.return_sequences:
            self._check_dout(dout, (n, T, self.n_out))
            G = dout                                    # (n, T, n_out)
        else:
            self._check_dout(dout, (n, self.n_out))
            G = np.zeros_like(H[:, 1:])
            G[:, -1] = dout                             # only h_T is seen
        Wh = self.params["Wh"]
        dA = np.empty_like(G)                           # dL/da_t
        dH = np.empty_like(G)                           # dL/dh_t
        carry = np.zeros_like(G[:, 0])                  # da_{t+1} Wh^T
        for t in range(T - 1, -1, -1):
            dH[:, t] = G[:, t] + carry                  # (n, n_out)
            dA[:, t] = dH[:, t] * (1 - H[:, t + 1] ** 2)
            carry = dA[:, t] @ Wh.T
        self.state_gradients = dH
        dA2 = dA.reshape(n * T, self.n_out)             # (n*T, n_out)
        self.grads["Wx"] = X.reshape(n * T, self.n_in).T @ dA2
        self.grads["Wh"] = H[:, :-1].reshape(n * T, self.n_out).T @ dA2
        self.grads["b"] = dA2.sum(axis=0)               # (n_out,)
        return dA @ self.params["Wx"].T                 # (n, T, n_in)

    def output_shape(self, input_shape):
        T, _ = input_shape
        return (T, self.n_out) if self.return_sequences else (self.n_out,)

    def __repr__(self):
        extra = ", return_sequences=True" if self.return_sequences else ""
        return f"SimpleRNN({self.n_in}, {self.n_out}{extra})"


def make_marked_recall(n_samples=1000, seq_len=40, *, max_marker=10,
                       rng=None):
    """A memory task: what was the value at the marked step?

    Each sequence has two channels.  Channel 0 holds a random ``+1`` or
    ``-1`` at every step; channel 1 is 0 except for a single 1, the
    marker, at a random step among the first ``max_marker``.  The label
    is 1 when the value at the marked step is ``+1``.  To answer after the
    last step, a network must notice the marker, store the value beside
    it, and keep it through at least ``seq_len - max_marker`` more steps
    of inputs of the same size, which are noise for this question.

    Returns
    -------
    X : ndarray (n_samples, seq_len, 2)
    y : ndarray (n_samples,) of int

    Taught in: chapter 8, "Recurrent networks".
    """
    n_samples = check_scalar(n_samples, "n_samples", int, min_val=1)
    seq_len = check_scalar(seq_len, "seq_len", int, min_val=1)
    max_marker = check_scalar(max_marker, "max_marker", int, min_val=1,
                              max_val=seq_len)
    rng = as_rng(rng)
    X = np.zeros((n_samples, seq_len, 2))
    X[:, :, 0] = rng.choice([-1.0, 1.0], size=(n_samples, seq_len))
    rows = np.arange(n_samples)
    marked = rng.integers(0, max_marker, n_samples)
    X[rows, marked, 1] = 1.0
    y = (X[rows, marked, 0] > 0).astype(np.int64)
    return X, y
