"""Scaled dot-product self-attention, one head, forward and backward.

For a sequence ``X`` of ``T`` vectors of width ``d`` (one row per
position), each position asks a *query*, offers a *key* and carries a
*value*; its output is the average of all values weighted by how well its
query matches each key:

    Q = X Wq + bq,  K = X Wk + bk,  V = X Wv + bv        (T, key_dim)
    A = softmax(Q K^T / sqrt(key_dim))                   (T, T), rows sum to 1
    Y = (A V) Wo + bo                                    (T, d)

Taught in: chapter 8, "Self-attention from scratch".
"""

import numpy as np

from ._checks import as_float_array, as_rng, check_int
from .activations import softmax
from .init import get_initializer
from .layers import Layer

#: the order of Keras's ``MultiHeadAttention.get_weights()``
KERAS_ORDER = ("Wq", "bq", "Wk", "bk", "Wv", "bv", "Wo", "bo")


class SelfAttention(Layer):
    """Single-head scaled dot-product self-attention.

    ``Y = softmax((X Wq + bq)(X Wk + bk)^T / sqrt(key_dim)) (X Wv + bv)
    Wo + bo``, applied to each sequence of the batch independently.

    Parameters
    ----------
    d_model : int
        Width ``d`` of each input (and output) vector.
    key_dim : int, optional
        Width of queries, keys and values; default ``d_model``.
    causal : bool, default False
        If True, position ``t`` attends only to positions ``<= t`` (the
        mask of a language model that predicts the next token).
    rng : None, int or numpy.random.Generator
        Seed for the Glorot-uniform initial kernels; biases start at 0.
    dtype : numpy dtype, default float64

    Shapes
    ------
    ``X`` (n, T, d_model) -> ``Y`` (n, T, d_model);
    ``Wq``, ``Wk``, ``Wv`` (d_model, key_dim), ``bq``, ``bk``, ``bv``
    (key_dim,), ``Wo`` (key_dim, d_model), ``bo`` (d_model,).
    After ``forward``, ``scores`` holds the attention weights A,
    shape (n, T, T).

    Backward (per sequence, ``s = 1 / sqrt(key_dim)``, C = A V)::

        dC = dY Wo^T;  dA = dC V^T;  dV = A^T dC
        dS = A * (dA - rowsum(dA * A))          (softmax backward)
        dQ = s dS K;   dK = s dS^T Q
        dX = dQ Wq^T + dK Wk^T + dV Wv^T

    Keras equivalent: ``keras.layers.MultiHeadAttention(num_heads=1,
    key_dim=key_dim)`` called as ``mha(X, X)`` (add
    ``use_causal_mask=True`` for ``causal``); its kernels have an extra
    head axis, (d, 1, key_dim) and (1, key_dim, d): see
    ``keras_weights`` and ``set_keras_weights``.
    Taught in: chapter 8, "Self-attention from scratch".
    """

    def __init__(self, d_model, key_dim=None, causal=False, rng=None,
                 dtype=np.float64):
        super().__init__()
        self.d_model = check_int(d_model, "d_model")
        self.key_dim = self.d_model if key_dim is None else \
            check_int(key_dim, "key_dim")
        self.causal = bool(causal)
        rng = as_rng(rng)
        init = get_initializer("glorot_uniform")
        d, k = self.d_model, self.key_dim
        self.params = {
            "Wq": init((d, k), rng), "bq": np.zeros(k),
            "Wk": init((d, k), rng), "bk": np.zeros(k),
            "Wv": init((d, k), rng), "bv": np.zeros(k),
            "Wo": init((k, d), rng), "bo": np.zeros(d),
        }
        self.params = {key: np.asarray(v, dtype=dtype)
                       for key, v in self.params.items()}
        self.scores = None

    def forward(self, X, training=False):
        """(n, T, d_model) -> (n, T, d_model); caches Q, K, V, A, C."""
        if X.ndim != 3 or X.shape[2] != self.d_model:
            raise ValueError(
                "expected X of shape (n_samples, seq_len, "
                f"{self.d_model}), received shape {X.shape}")
        p = self.params
        scale = 1.0 / np.sqrt(self.key_dim)
        Q = X @ p["Wq"] + p["bq"]                       # (n, T, k)
        K = X @ p["Wk"] + p["bk"]                       # (n, T, k)
        V = X @ p["Wv"] + p["bv"]                       # (n, T, k)
        S = scale * Q @ K.transpose(0, 2, 1)            # (n, T, T)
        if self.causal:
            T = X.shape[1]
            future = np.triu(np.ones((T, T), dtype=bool), k=1)
            S = np.where(future, -np.inf, S)
        A = softmax(S, axis=-1)                         # (n, T, T)
        C = A @ V                                       # (n, T, k)
        self._cache = (X, Q, K, V, A, C)
        self.scores = A
        return C @ p["Wo"] + p["bo"]                    # (n, T, d)

    def backward(self, dout):
        """Store the eight parameter gradients; return dL/dX (n, T, d)."""
        X, Q, K, V, A, C = self._cached()
        self._check_dout(dout, X.shape)
        p = self.params
        scale = 1.0 / np.sqrt(self.key_dim)
        g = self.grads
        g["Wo"] = np.einsum("ntk,ntd->kd", C, dout)     # (k, d)
        g["bo"] = dout.sum(axis=(0, 1))                 # (d,)
        dC = dout @ p["Wo"].T                           # (n, T, k)
        dA = dC @ V.transpose(0, 2, 1)                  # (n, T, T)
        dV = A.transpose(0, 2, 1) @ dC                  # (n, T, k)
        dS = A * (dA - np.sum(dA * A, axis=-1, keepdims=True))
        dQ = scale * dS @ K                             # (n, T, k)
        dK = scale * dS.transpose(0, 2, 1) @ Q          # (n, T, k)
        dX = np.zeros_like(X)
        for name, dZ in (("q", dQ), ("k", dK), ("v", dV)):
            g["W" + name] = np.einsum("ntd,ntk->dk", X, dZ)
            g["b" + name] = dZ.sum(axis=(0, 1))
            dX += dZ @ p["W" + name].T                  # (n, T, d)
        self.grads = {key: g[key] for key in self.params}
        return dX

    # -- moving weights to and from Keras ---------------------------------
    def keras_weights(self):
        """The parameters in ``MultiHeadAttention.get_weights()`` order and
        shapes: kernels (d, 1, k) and (1, k, d), biases (1, k) and (d,)."""
        d, k = self.d_model, self.key_dim
        p = self.params
        out = []
        for name in ("q", "k", "v"):
            out += [p["W" + name].reshape(d, 1, k),
                    p["b" + name].reshape(1, k)]
        return out + [p["Wo"].reshape(1, k, d), p["bo"].copy()]

    def set_keras_weights(self, weights):
        """Copy weights from ``MultiHeadAttention.get_weights()`` (one
        head, biases on); returns self."""
        weights = list(weights)
        if len(weights) != len(KERAS_ORDER):
            raise ValueError(
                f"expected {len(KERAS_ORDER)} arrays (q, k, v and output "
                "kernels and biases of a one-head MultiHeadAttention), "
                f"received {len(weights)}")
        for key, w in zip(KERAS_ORDER, weights):
            target = self.params[key]
            w = as_float_array(w, key, target.dtype)
            if w.size != target.size:
                raise ValueError(
                    f"expected {key} with {target.size} entries (shape "
                    f"{target.shape} up to the head axis), received shape "
                    f"{w.shape}")
            target[...] = w.reshape(target.shape)
        return self

    def __repr__(self):
        return (f"SelfAttention({self.d_model}, key_dim={self.key_dim}"
                f"{', causal=True' if self.causal else ''})")


def positional_encoding(seq_len, d_model):
    """Sinusoidal position codes of Vaswani et al. (2017), (seq_len, d).

    ``P[t, 2i] = sin(t / 10000^(2i/d))``, ``P[t, 2i+1] = cos(...)``.
    Attention alone ignores order (it is permutation-equivariant); adding
    ``P`` to the inputs tells it where each token sits.
    """
    seq_len = check_int(seq_len, "seq_len")
    d_model = check_int(d_model, "d_model")
    t = np.arange(seq_len)[:, None]                     # (T, 1)
    i = np.arange(d_model)[None, :]                     # (1, d)
    angle = t / np.power(10000.0, (2 * (i // 2)) / d_model)
    return np.where(i % 2 == 0, np.sin(angle), np.cos(angle))
