"""Scaled dot-product self-attention, forward and backward, with one
head or several.

For a sequence ``X`` of ``T`` vectors of width ``d`` (one row per
position), each position asks a *query*, offers a *key* and carries a
*value*; its output is the average of all values weighted by how well its
query matches each key:

    Q = X Wq + bq,  K = X Wk + bk,  V = X Wv + bv        (T, key_dim)
    A = softmax(Q K^T / sqrt(key_dim))                   (T, T), rows sum to 1
    Y = (A V) Wo + bo                                    (T, d)

Multi-head attention runs ``num_heads`` of these side by side, each with
its own projections, and its output projection mixes the heads' results;
``SelfAttention`` is its one-head case.

Taught in: chapter 8, "Self-attention from scratch" and "The Transformer
from the ground up".
"""

import math

import numpy as np

from ._checks import as_float_array, as_rng, check_scalar
from .activations import softmax
from .init import get_initializer
from .layers import Layer

#: the order of Keras's ``MultiHeadAttention.get_weights()``
KERAS_ORDER = ("Wq", "bq", "Wk", "bk", "Wv", "bv", "Wo", "bo")


class MultiHeadAttention(Layer):
    """Multi-head scaled dot-product self-attention.

    Head ``j`` computes ``C_j = softmax(Q_j K_j^T / sqrt(key_dim)) V_j``
    from its own projections ``Q_j = X Wq[:, j] + bq[j]`` (and likewise
    ``K_j``, ``V_j``); the output ``Y = sum_j C_j Wo[j] + bo`` mixes the
    heads.  Each head can attend to something different (one to the
    previous token, one to a marker, ...).

    Parameters
    ----------
    d_model : int
        Width ``d`` of each input (and output) vector.
    num_heads : int
        Number of heads ``h``.
    key_dim : int, optional
        Width of each head's queries, keys and values; default
        ``d_model // num_heads`` (which must then divide evenly).
    causal : bool, default False
        If True, position ``t`` attends only to positions ``<= t`` (the
        mask of a language model that predicts the next token).
    rng : None, int or numpy.random.Generator
        Seed for the Glorot-uniform initial kernels (fan-in ``d_model``,
        fan-out ``num_heads * key_dim``); biases start at 0.
    dtype : numpy dtype, default float64

    Shapes
    ------
    ``X`` (n, T, d_model) -> ``Y`` (n, T, d_model); Keras's layouts:
    ``Wq``, ``Wk``, ``Wv`` (d_model, h, key_dim), ``bq``, ``bk``, ``bv``
    (h, key_dim), ``Wo`` (h, key_dim, d_model), ``bo`` (d_model,).
    After ``forward``, ``scores`` holds the attention weights,
    shape (n, h, T, T).

    Backward: per head, the lines of ``SelfAttention``'s docstring; the
    heads meet only in ``dX``, which sums the contributions of all
    heads' projections.  Gradients are overwritten, not accumulated.

    Keras equivalent: ``keras.layers.MultiHeadAttention(num_heads,
    key_dim)`` called as ``mha(X, X)`` (with ``use_causal_mask=True`` for
    ``causal``); same weights, same order (``keras_weights``).
    Taught in: chapter 8, "The Transformer from the ground up".
    """

    def __init__(self, d_model, num_heads, *, key_dim=None, causal=False,
                 rng=None, dtype=np.float64):
        super().__init__()
        self.d_model = check_scalar(d_model, "d_model", int, min_val=1)
        self.num_heads = check_scalar(num_heads, "num_heads", int,
                                      min_val=1)
        if key_dim is None:
            if self.d_model % self.num_heads:
                raise ValueError(
                    "expected key_dim, or a d_model divisible by "
                    f"num_heads, received: d_model={self.d_model}, "
                    f"num_heads={self.num_heads}")
            key_dim = self.d_model // self.num_heads
        self.key_dim = check_scalar(key_dim, "key_dim", int, min_val=1)
        self.causal = bool(causal)
        rng = as_rng(rng)
        init = get_initializer("glorot_uniform")
        d, hk = self.d_model, self.num_heads * self.key_dim
        shapes = self._shapes()
        self.params = {}
        for name in "qkvo":
            W = init((hk, d) if name == "o" else (d, hk), rng)
            self.params["W" + name] = np.asarray(
                W.reshape(shapes["W" + name]), dtype=dtype)
            self.params["b" + name] = np.zeros(shapes["b" + name],
                                               dtype=dtype)
        self.scores = None

    def _keras_shapes(self):
        d, h, k = self.d_model, self.num_heads, self.key_dim
        return {"Wq": (d, h, k), "bq": (h, k), "Wk": (d, h, k),
                "bk": (h, k), "Wv": (d, h, k), "bv": (h, k),
                "Wo": (h, k, d), "bo": (d,)}

    def _shapes(self):
        """The shapes of ``params`` (Keras's, unless a subclass drops the
        head axis)."""
        return self._keras_shapes()

    def _matrix(self, key):
        """A kernel as a matrix, (d, h*k) or (h*k, d), or a bias as a
        vector: views of the parameter, whatever its layout."""
        p = self.params[key]
        if key.startswith("b"):
            return p.reshape(-1)                        # (h*k,) or (d,)
        if key == "Wo":
            return p.reshape(-1, self.d_model)          # (h*k, d)
        return p.reshape(self.d_model, -1)              # (d, h*k)

    def _split(self, Z, n, T):
        """(n*T, h*k) -> (n, h, T, k): one slice per head."""
        return Z.reshape(n, T, self.num_heads, self.key_dim) \
            .transpose(0, 2, 1, 3)

    def _merge(self, Z):
        """(n, h, T, k) -> (n*T, h*k): the heads side by side."""
        n, _, T, _ = Z.shape
        return Z.transpose(0, 2, 1, 3).reshape(n * T, -1)

    def forward(self, X, training=False):
        """(n, T, d_model) -> (n, T, d_model); caches Q, K, V, A, C."""
        if X.ndim != 3 or X.shape[2] != self.d_model:
            raise ValueError(
                "expected X of shape (n_samples, seq_len, "
                f"{self.d_model}), received shape {X.shape}")
        n, T, d = X.shape
        X2 = X.reshape(n * T, d)
        Q, K, V = (self._split(X2 @ self._matrix("W" + c)
                               + self._matrix("b" + c), n, T)
                   for c in "qkv")                      # (n, h, T, k)
        scale = 1.0 / math.sqrt(self.key_dim)
        S = scale * Q @ K.transpose(0, 1, 3, 2)         # (n, h, T, T)
        if self.causal:
            future = np.triu(np.ones((T, T), dtype=bool), k=1)
            S = np.where(future, -np.inf, S)
        A = softmax(S, axis=-1)                         # (n, h, T, T)
        C = self._merge(A @ V)                          # (n*T, h*k)
        self._cache = (X2, Q, K, V, A, C, X.shape)
        self.scores = A
        Y = C @ self._matrix("Wo") + self._matrix("bo")  # (n*T, d)
        return Y.reshape(n, T, d)

    def backward(self, dout):
        """Store the eight parameter gradients; return dL/dX (n, T, d)."""
        X2, Q, K, V, A, C, shape = self._cached()
        self._check_dout(dout, shape)
        n, T, d = shape
        scale = 1.0 / math.sqrt(self.key_dim)
        dout2 = dout.reshape(n * T, d)
        g = {"Wo": C.T @ dout2,                         # (h*k, d)
             "bo": dout2.sum(axis=0)}                   # (d,)
        dC = self._split(dout2 @ self._matrix("Wo").T, n, T)  # (n,h,T,k)
        dA = dC @ V.transpose(0, 1, 3, 2)               # (n, h, T, T)
        dV = A.transpose(0, 1, 3, 2) @ dC               # (n, h, T, k)
        dS = A * (dA - np.sum(dA * A, axis=-1, keepdims=True))
        dQ = scale * dS @ K                             # (n, h, T, k)
        dK = scale * dS.transpose(0, 1, 3, 2) @ Q       # (n, h, T, k)
        dX2 = np.zeros_like(X2)
        for c, dZ in (("q", dQ), ("k", dK), ("v", dV)):
            dZ2 = self._merge(dZ)                       # (n*T, h*k)
            g["W" + c] = X2.T @ dZ2                     # (d, h*k)
            g["b" + c] = dZ2.sum(axis=0)                # (h*k,)
            dX2 += dZ2 @ self._matrix("W" + c).T        # (n*T, d)
        self.grads = {key: g[key].reshape(p.shape)
                      for key, p in self.params.items()}
        return dX2.reshape(shape)

    # -- moving weights to and from Keras ---------------------------------
    def keras_weights(self):
        """Copies of the parameters in ``MultiHeadAttention.get_weights()``
        order and shapes: kernels (d, h, k) and (h, k, d), biases (h, k)
        and (d,)."""
        shapes = self._keras_shapes()
        return [self.params[key].reshape(shapes[key]).copy()
                for key in KERAS_ORDER]

    def set_keras_weights(self, weights):
        """Copy weights from ``MultiHeadAttention.get_weights()`` (same
        heads and key_dim, biases on); returns self."""
        weights = list(weights)
        if len(weights) != len(KERAS_ORDER):
            raise ValueError(
                f"expected {len(KERAS_ORDER)} arrays (q, k, v and output "
                "kernels and biases of a MultiHeadAttention with "
                f"{self.num_heads} head(s)), received {len(weights)}")
        for key, w in zip(KERAS_ORDER, weights):
            target = self.params[key]
            w = as_float_array(w, key, target.dtype)
            if w.size != target.size:
                raise ValueError(
                    f"expected {key} with {target.size} entries (shape "
                    f"{self._keras_shapes()[key]}), received shape "
                    f"{w.shape}")
            target[...] = w.reshape(target.shape)
        return self

    def __repr__(self):
        return (f"MultiHeadAttention({self.d_model}, {self.num_heads}, "
                f"key_dim={self.key_dim}"
                f"{', causal=True' if self.causal else ''})")


class SelfAttention(MultiHeadAttention):
    """Single-head scaled dot-product self-attention.

    ``Y = softmax((X Wq + bq)(X Wk + bk)^T / sqrt(key_dim)) (X Wv + bv)
    Wo + bo``, applied to each sequence of the batch independently: the
    one-head case of ``MultiHeadAttention``, with its parameters shaped
    as the formulas write them (no head axis).

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

    def __init__(self, d_model, *, key_dim=None, causal=False, rng=None,
                 dtype=np.float64):
        d_model = check_scalar(d_model, "d_model", int, min_val=1)
        super().__init__(d_model, 1,
                         key_dim=d_model if key_dim is None else key_dim,
                         causal=causal, rng=rng, dtype=dtype)

    def _shapes(self):
        d, k = self.d_model, self.key_dim
        return {"Wq": (d, k), "bq": (k,), "Wk": (d, k), "bk": (k,),
                "Wv": (d, k), "bv": (k,), "Wo": (k, d), "bo": (d,)}

    def forward(self, X, training=False):
        """(n, T, d_model) -> (n, T, d_model); ``scores`` (n, T, T)."""
        Y = super().forward(X, training)
        self.scores = self.scores[:, 0]                 # the one head
        return Y

    def __repr__(self):
        return (f"SelfAttention({self.d_model}, key_dim={self.key_dim}"
                f"{', causal=True' if self.causal else ''})")


def positional_encoding(seq_len, d_model):
    """Sinusoidal position codes of Vaswani et al. (2017), (seq_len, d).

    ``P[t, 2i] = sin(t / 10000^(2i/d))``, ``P[t, 2i+1] = cos(...)``.
    Attention alone ignores order (it is permutation-equivariant); adding
    ``P`` to the inputs tells it where each token sits.
    """
    seq_len = check_scalar(seq_len, "seq_len", int, min_val=1)
    d_model = check_scalar(d_model, "d_model", int, min_val=1)
    t = np.arange(seq_len)[:, None]                     # (T, 1)
    i = np.arange(d_model)[None, :]                     # (1, d)
    angle = t / np.power(10000.0, (2 * (i // 2)) / d_model)
    return np.where(i % 2 == 0, np.sin(angle), np.cos(angle))
