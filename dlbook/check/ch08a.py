"""Checkable exercises of chapter 8, sections 1 to 5 (ch08b.py: 6 to 11).

Each ``register`` call states the exercise's id (its label in the book
without ``ex-``), the page that poses it, the reference solution, the
hidden cases and the typical mistakes; see ``dlbook.check``.
"""

import numpy as np

from . import Mistake, register

# ------------------------------- 01: parameters of SimpleRNN, LSTM, GRU

_BLOCKS = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}


def _recurrent_params(cell, n_in, units):
    """Parameters of a Keras recurrent layer with default options."""
    blocks = _BLOCKS[cell]
    extra_bias = blocks * units if cell == "GRU" else 0   # reset_after
    return blocks * (n_in * units + units * units + units) + extra_bias


def _params_one_gru_bias(cell, n_in, units):
    blocks = _BLOCKS[cell]
    return blocks * (n_in * units + units * units + units)


def _params_no_recurrent_kernel(cell, n_in, units):
    return _recurrent_params(cell, n_in, units) - (
        _BLOCKS[cell] * units * units)


def _params_gates_only(cell, n_in, units):
    blocks = {"SimpleRNN": 1, "LSTM": 3, "GRU": 2}[cell]
    extra_bias = blocks * units if cell == "GRU" else 0
    return blocks * (n_in * units + units * units + units) + extra_bias


register(
    id="ch8-params",
    title="the parameter counts of SimpleRNN, LSTM and GRU",
    page="ch08_outlook/01_recurrent_networks.ipynb",
    stars=2,
    reference=_recurrent_params,
    cases=lambda rng: [("GRU", 2, 16), ("LSTM", 3, 8), ("SimpleRNN", 5, 4),
                       ("GRU", 7, 3)],
    outputs=("n_params",),
    mistakes=(
        Mistake("one bias per GRU block", _params_one_gru_bias,
                "Keras's GRU has reset_after=True by default: the reset "
                "gate acts after the recurrent product, which needs its "
                "own bias, so each of the three blocks has two biases"),
        Mistake("no recurrent kernel", _params_no_recurrent_kernel,
                "each block also multiplies the previous state h_(t-1), "
                "a (units, units) recurrent kernel per block, besides the "
                "(n_in, units) input kernel"),
        Mistake("gates only, no candidate", _params_gates_only,
                "besides its gates (three in an LSTM, two in a GRU) a cell "
                "computes a candidate state with weights of its own: count "
                "one more block"),
    ),
)


# ------------------------- 02: scaled dot-product attention, causal mask

def _softmax(S, axis=-1):
    E = np.exp(S - S.max(axis=axis, keepdims=True))
    return E / E.sum(axis=axis, keepdims=True)


def _scores(Q, K, causal, scale=True):
    S = Q @ K.T                                         # (T, T)
    if scale:
        S = S / np.sqrt(Q.shape[1])
    if causal:
        later = np.triu(np.ones(S.shape, dtype=bool), 1)   # s > t
        S = np.where(later, -np.inf, S)
    return S


def _attention(Q, K, V, causal):
    A = _softmax(_scores(Q, K, causal))                 # rows sum to 1
    return A @ V, A                                     # (T, d_v), (T, T)


def _attention_unscaled(Q, K, V, causal):
    A = _softmax(_scores(Q, K, causal, scale=False))
    return A @ V, A


def _attention_columns(Q, K, V, causal):
    A = _softmax(_scores(Q, K, causal), axis=0)
    return A @ V, A


def _attention_mask_after(Q, K, V, causal):
    A = _softmax(_scores(Q, K, False))
    if causal:
        A = np.tril(A)                                  # not renormalised
    return A @ V, A


def _attention_wrong_triangle(Q, K, V, causal):
    S = _scores(Q, K, False)
    if causal:
        S = np.where(np.tril(np.ones(S.shape, dtype=bool), -1), -np.inf, S)
    A = _softmax(S)
    return A @ V, A


def _attention_cases(rng):
    cases = []
    for T, d_k, d_v, causal in [(4, 4, 3, True), (6, 9, 2, True),
                                (5, 4, 4, False)]:
        cases.append((rng.normal(size=(T, d_k)), rng.normal(size=(T, d_k)),
                      rng.normal(size=(T, d_v)), causal))
    return cases


register(
    id="ch8-causal",
    title="scaled dot-product attention with a causal mask, (Y, A)",
    page="ch08_outlook/02_self_attention.ipynb",
    stars=2,
    reference=_attention,
    cases=_attention_cases,
    outputs=("Y", "A"),
    mistakes=(
        Mistake("no 1/sqrt(d_k)", _attention_unscaled,
                "the scores are Q K^T / sqrt(d_k): without the division "
                "the softmax is too sharp when the keys are wide"),
        Mistake("softmax over the queries", _attention_columns,
                "the softmax runs along each row (axis=-1), over the keys: "
                "row t of A is the distribution of query t over the "
                "positions, so each row, not each column, sums to 1"),
        Mistake("mask after the softmax", _attention_mask_after,
                "the rows of your A do not sum to 1: zeroing the future "
                "after the softmax leaves the weights unnormalised; set "
                "the masked scores to -inf before the softmax"),
        Mistake("the past masked", _attention_wrong_triangle,
                "position t may see the positions s <= t, so the masked "
                "scores are the ones above the diagonal (s > t), not "
                "below it"),
    ),
)


# ---------------------------------- 03: the backward pass of layer norm

def _layernorm(X, gamma, beta, eps):
    mu = X.mean(axis=-1, keepdims=True)
    return gamma * (X - mu) / np.sqrt(X.var(axis=-1, keepdims=True)
                                      + eps) + beta


def _layernorm_parts(X, gamma, dout, eps):
    mu = X.mean(axis=-1, keepdims=True)
    inv = 1 / np.sqrt(X.var(axis=-1, keepdims=True) + eps)
    x_hat = (X - mu) * inv                              # (..., d)
    axes = tuple(range(X.ndim - 1))                     # all but the last
    dgamma = np.sum(dout * x_hat, axis=axes)            # (d,)
    dbeta = np.sum(dout, axis=axes)                     # (d,)
    return x_hat, inv, dgamma, dbeta


def _layernorm_backward(X, gamma, beta, dout, eps):
    x_hat, inv, dgamma, dbeta = _layernorm_parts(X, gamma, dout, eps)
    g = dout * gamma                                    # dL/dx_hat
    dX = inv * (g - g.mean(axis=-1, keepdims=True)
                - x_hat * (g * x_hat).mean(axis=-1, keepdims=True))
    return dX, dgamma, dbeta


def _layernorm_constant_stats(X, gamma, beta, dout, eps):
    x_hat, inv, dgamma, dbeta = _layernorm_parts(X, gamma, dout, eps)
    return inv * dout * gamma, dgamma, dbeta


def _layernorm_mean_path_only(X, gamma, beta, dout, eps):
    x_hat, inv, dgamma, dbeta = _layernorm_parts(X, gamma, dout, eps)
    g = dout * gamma
    return inv * (g - g.mean(axis=-1, keepdims=True)), dgamma, dbeta


def _layernorm_no_gamma(X, gamma, beta, dout, eps):
    _, dgamma, dbeta = _layernorm_backward(X, gamma, beta, dout, eps)
    dX, _, _ = _layernorm_backward(X, np.ones_like(gamma), beta, dout, eps)
    return dX, dgamma, dbeta


def _layernorm_cases(rng):
    cases = []
    for shape in [(3, 4), (2, 3, 5), (6, 8)]:
        d = shape[-1]
        cases.append((rng.normal(1.0, 2.0, size=shape),
                      rng.normal(1.0, 0.5, size=d), rng.normal(size=d),
                      rng.normal(size=shape), 1e-3))
    return cases


register(
    id="ch8-layernorm",
    title="the backward pass of layer normalisation, (dX, dgamma, dbeta)",
    page="ch08_outlook/03_transformer.ipynb",
    stars=2,
    reference=_layernorm_backward,
    cases=_layernorm_cases,
    outputs=("dX", "dgamma", "dbeta"),
    loss=lambda X, gamma, beta, dout, eps: np.sum(
        dout * _layernorm(X, gamma, beta, eps)),
    wrt=(0, 1, 2),
    mistakes=(
        Mistake("mean and variance held constant",
                _layernorm_constant_stats,
                "the mean and the variance are functions of X too: each "
                "input also moves the output through them, which adds two "
                "terms to dL/dX"),
        Mistake("the path through the variance missing",
                _layernorm_mean_path_only,
                "you subtracted the mean of dL/dx_hat (the path through "
                "the mean) but not the path through the variance: its "
                "term is proportional to x_hat"),
        Mistake("gamma left out of dX", _layernorm_no_gamma,
                "the output is gamma * x_hat + beta, so the gradient that "
                "reaches x_hat is dout * gamma, not dout"),
    ),
)


# ----------------------------- 04: the normalised adjacency of a GCN

def _normalized_adjacency(A):
    A_loop = A + np.eye(len(A))
    d_inv_sqrt = 1 / np.sqrt(A_loop.sum(axis=1))        # (n,)
    return d_inv_sqrt[:, None] * A_loop * d_inv_sqrt[None, :]


def _adjacency_no_self_loops(A):
    d_inv_sqrt = 1 / np.sqrt(A.sum(axis=1))
    return d_inv_sqrt[:, None] * A * d_inv_sqrt[None, :]


def _adjacency_row_normalised(A):
    A_loop = A + np.eye(len(A))
    return A_loop / A_loop.sum(axis=1, keepdims=True)


def _adjacency_degrees_of_A(A):
    d_inv_sqrt = 1 / np.sqrt(A.sum(axis=1))
    return d_inv_sqrt[:, None] * (A + np.eye(len(A))) * d_inv_sqrt[None, :]


def _graph_cases(rng):
    cases = []
    for n, p in [(4, 0.5), (6, 0.4), (7, 0.3)]:
        A = np.triu(rng.random((n, n)) < p, 1).astype(float)
        for i in range(n - 1):                  # a path: no isolated node
            A[i, i + 1] = 1.0
        cases.append((A + A.T,))
    return cases


register(
    id="ch8-gcn-adjacency",
    title="the normalised adjacency D^(-1/2) (A + I) D^(-1/2) of a GCN",
    page="ch08_outlook/04_graph_networks.ipynb",
    stars=1,
    reference=_normalized_adjacency,
    cases=_graph_cases,
    outputs=("A_hat",),
    mistakes=(
        Mistake("no self loops", _adjacency_no_self_loops,
                "the diagonal of your A_hat is zero: add the identity to A "
                "first, so that each node keeps its own features"),
        Mistake("D^-1 on one side", _adjacency_row_normalised,
                "your rows sum to 1: that is D^-1 (A + I), an average "
                "that is not symmetric; the GCN divides entry (i, j) by "
                "sqrt(D_ii D_jj), D^(-1/2) on both sides"),
        Mistake("degrees of A, not A + I", _adjacency_degrees_of_A,
                "the degrees are those of A + I (one more than the number "
                "of neighbours), the matrix that is being normalised"),
    ),
)
