"""The parts of a Transformer encoder, each a layer with its backward.

A Transformer reads a sequence of token vectors ``X`` (n, T, d) through a
stack of identical blocks.  Each block lets every position look at every
other (multi-head self-attention), then transforms each position on its
own (a two-layer feed-forward network); layer normalisation before each
part and a residual connection around it keep a deep stack trainable
(the "pre-norm" block of Xiong et al., 2020)::

    X = X + MultiHeadAttention(LayerNormalization(X))
    X = X + FeedForward(LayerNormalization(X))

Attention ignores order, so the positions enter through the input: a
fixed sinusoidal code (``PositionalEncoding``) or a learned vector per
position (``PositionEmbedding``) is added to each token's vector.

Taught in: chapter 8, "The Transformer from the ground up".
"""

import numpy as np

from ._checks import as_rng, check_scalar
from .attention import MultiHeadAttention, positional_encoding
from .embedding import _uniform_table
from .layers import Container, Dense, Layer, ReLU
from .normalization import LayerNormalization
from .residual import Residual

def _check_sequences(X, d_model, max_len=None):
    if X.ndim != 3 or X.shape[2] != d_model or X.shape[1] == 0:
        raise ValueError(
            "expected X of shape (n_samples, seq_len >= 1, "
            f"{d_model}), received shape {X.shape}")
    if max_len is not None and X.shape[1] > max_len:
        raise ValueError(
            f"expected sequences of at most max_len={max_len} positions, "
            f"received seq_len={X.shape[1]}")


class PositionalEncoding(Layer):
    """Add the sinusoidal position codes of Vaswani et al. (2017):
    ``Y[n, t] = X[n, t] + P[t]``, with ``P = positional_encoding(T, d)``.

    Nothing is learned; any sequence length works.

    Parameters
    ----------
    d_model : int
        Width of each token vector.

    Shapes
    ------
    ``X`` (n, T, d_model) -> ``Y`` of the same shape.
    Backward: ``dX = dout`` (the codes are constants).

    Keras equivalent: none in Keras itself (KerasHub has
    ``SinusoidalPositionEncoding``); the twin adds the same constant.
    Taught in: chapter 8, "The Transformer from the ground up".
    """

    def __init__(self, d_model):
        super().__init__()
        self.d_model = check_scalar(d_model, "d_model", int, min_val=1)

    def table(self, seq_len):
        """The codes ``P`` added to a sequence of ``seq_len`` positions,
        (seq_len, d_model)."""
        return positional_encoding(seq_len, self.d_model)

    def forward(self, X, training=False):
        """(n, T, d_model) -> (n, T, d_model)."""
        _check_sequences(X, self.d_model)
        self._cache = X.shape
        return X + self.table(X.shape[1]).astype(X.dtype)

    def backward(self, dout):
        """The codes are constants: return ``dout`` unchanged."""
        self._check_dout(dout, self._cached())
        return dout

    def __repr__(self):
        return f"PositionalEncoding({self.d_model})"


class PositionEmbedding(Layer):
    """Add a learned vector per position: ``Y[n, t] = X[n, t] + P[t]``.

    Parameters
    ----------
    max_len : int
        The longest sequence the table covers.
    d_model : int
        Width of each token vector.
    rng : None, int or numpy.random.Generator
        Seed for the initial table, uniform in [-0.05, 0.05] (Keras's
        ``Embedding`` default).
    dtype : numpy dtype, default float64

    Shapes
    ------
    ``X`` (n, T, d_model), ``T <= max_len`` -> ``Y`` of the same shape;
    ``P`` (max_len, d_model).

    Backward: ``dP[t] = sum_n dout[n, t]`` for ``t < T`` (rows beyond
    ``T`` get 0), ``dX = dout``.  Gradients are overwritten, not
    accumulated.

    Keras equivalent: ``keras.layers.Embedding(max_len, d_model)`` applied
    to the positions ``0 .. T-1`` and added to the input (KerasHub's
    ``PositionEmbedding`` does the lookup).
    Taught in: chapter 8, "The Transformer from the ground up".
    """

    def __init__(self, max_len, d_model, *, rng=None, dtype=np.float64):
        super().__init__()
        self.max_len = check_scalar(max_len, "max_len", int, min_val=1)
        self.d_model = check_scalar(d_model, "d_model", int, min_val=1)
        self.params = {"P": _uniform_table(self.max_len, self.d_model, rng,
                                           dtype)}

    def table(self, seq_len):
        """The learned vectors of the first ``seq_len`` positions."""
        return self.params["P"][:seq_len]

    def forward(self, X, training=False):
        """(n, T, d_model) -> (n, T, d_model)."""
        _check_sequences(X, self.d_model, self.max_len)
        self._cache = X.shape
        return X + self.table(X.shape[1])

    def backward(self, dout):
        """Store dL/dP; return dL/dX = dout."""
        shape = self._cached()
        self._check_dout(dout, shape)
        dP = np.zeros_like(self.params["P"])           # (max_len, d)
        dP[:shape[1]] = dout.sum(axis=0)
        self.grads["P"] = dP
        return dout

    def __repr__(self):
        return f"PositionEmbedding({self.max_len}, {self.d_model})"


class FeedForward(Container):
    """Position-wise feed-forward block: ``Dense(d_ff) -> ReLU ->
    Dense(d_model)`` applied to every position separately.

    Parameters
    ----------
    d_model : int
        Width of each position's vector, in and out.
    d_ff : int
        Width of the hidden layer (often ``4 * d_model``).
    rng : None, int or numpy.random.Generator
        Seed for the two Glorot-uniform kernels.
    dtype : numpy dtype, default float64

    Shapes
    ------
    ``X`` (n, ..., d_model) -> ``Y`` of the same shape; the leading axes
    are flattened into rows for the two ``Dense`` layers.  ``params``
    keys: ``"0.W"`` (d_model, d_ff), ``"0.b"``, ``"2.W"``
    (d_ff, d_model), ``"2.b"``.

    Backward: the layers' backward in reverse order, on the same rows.

    Keras equivalent: ``keras.layers.Dense(d_ff, activation="relu")``
    then ``keras.layers.Dense(d_model)`` (a Keras ``Dense`` acts on the
    last axis).
    Taught in: chapter 8, "The Transformer from the ground up".
    """

    def __init__(self, d_model, d_ff, *, rng=None, dtype=np.float64):
        self.d_model = check_scalar(d_model, "d_model", int, min_val=1)
        self.d_ff = check_scalar(d_ff, "d_ff", int, min_val=1)
        rng = as_rng(rng)
        super().__init__([Dense(self.d_model, self.d_ff, rng=rng,
                                dtype=dtype), ReLU(),
                          Dense(self.d_ff, self.d_model, rng=rng,
                                dtype=dtype)])

    def forward(self, X, training=False):
        """(n, ..., d_model) -> same shape."""
        if X.ndim < 2 or X.shape[-1] != self.d_model:
            raise ValueError(
                f"expected X of shape (n_samples, ..., {self.d_model}), "
                f"received shape {X.shape}")
        self._cache = X.shape
        rows = X.reshape(-1, self.d_model)              # (n*T, d_model)
        return self._forward_layers(rows, training).reshape(X.shape)

    def backward(self, dout):
        """Backward through both layers; return dL/dX, the shape of X."""
        shape = self._cached()
        self._check_dout(dout, shape)
        rows = dout.reshape(-1, self.d_model)
        return self._backward_layers(rows).reshape(shape)

    def output_shape(self, input_shape):
        return tuple(input_shape)

    def __repr__(self):
        return f"FeedForward({self.d_model}, {self.d_ff})"


class TransformerEncoderBlock(Container):
    """One pre-norm Transformer encoder block::

        X = X + MultiHeadAttention(LayerNormalization(X))
        X = X + FeedForward(LayerNormalization(X))

    Parameters
    ----------
    d_model : int
        Width of each position's vector.
    num_heads : int
    d_ff : int
        Hidden width of the feed-forward block.
    key_dim : int, optional
        Width of each head; default ``d_model // num_heads``.
    causal : bool, default False
        Mask the future in the attention (a decoder-style block).
    epsilon : float, default 1e-3
        Of both layer normalisations.
    rng : None, int or numpy.random.Generator
    dtype : numpy dtype, default float64

    Shapes
    ------
    ``X`` (n, T, d_model) -> ``Y`` of the same shape.  The block is
    ``[Residual([LayerNormalization, MultiHeadAttention]),
    Residual([LayerNormalization, FeedForward])]``; ``params`` keys are
    theirs with prefixes (``"0.1.Wq"``: the attention's query kernel,
    ``"1.1.0.W"``: the first feed-forward kernel).  ``attention`` is the
    attention layer; ``scores`` its last attention weights (n, h, T, T).

    Backward: the two residual blocks' backward in reverse order; each
    adds its branch's gradient to the identity path's ``dout``.

    Keras equivalent: in the functional API, ``h = x + mha(ln1(x),
    ln1(x)); y = h + ffn(ln2(h))`` with ``keras.layers.LayerNormalization(
    epsilon=1e-3)`` and ``keras.layers.MultiHeadAttention``.
    Taught in: chapter 8, "The Transformer from the ground up".
    """

    def __init__(self, d_model, num_heads, d_ff, *, key_dim=None,
                 causal=False, epsilon=1e-3, rng=None, dtype=np.float64):
        self.d_model = check_scalar(d_model, "d_model", int, min_val=1)
        rng = as_rng(rng)
        attention = MultiHeadAttention(d_model, num_heads, key_dim=key_dim,
                                       causal=causal, rng=rng, dtype=dtype)
        ffn = FeedForward(d_model, d_ff, rng=rng, dtype=dtype)
        super().__init__([
            Residual([LayerNormalization(d_model, epsilon=epsilon,
                                         dtype=dtype), attention]),
            Residual([LayerNormalization(d_model, epsilon=epsilon,
                                         dtype=dtype), ffn])])

    @property
    def attention(self):
        """The block's ``MultiHeadAttention`` layer."""
        return self.layers[0].layers[1]

    @property
    def scores(self):
        """The attention weights of the last forward, (n, h, T, T)."""
        return self.attention.scores

    def forward(self, X, training=False):
        """(n, T, d_model) -> (n, T, d_model)."""
        _check_sequences(X, self.d_model)
        self._cache = X.shape
        return self._forward_layers(X, training)

    def backward(self, dout):
        """Backward through both residual blocks; return dL/dX."""
        self._check_dout(dout, self._cached())
        return self._backward_layers(dout)

    def __repr__(self):
        a = self.attention
        return (f"TransformerEncoderBlock({self.d_model}, {a.num_heads}, "
                f"{self.layers[1].layers[1].d_ff})")


class GlobalAveragePooling1D(Layer):
    """Average over the positions: ``Y[n] = (1/T) sum_t X[n, t]``.

    Turns a sequence of vectors into one vector, for a classifier on
    top.

    Shapes
    ------
    ``X`` (n, T, d) -> ``Y`` (n, d).  Backward: ``dX[n, t] = dout[n] / T``
    for every ``t``.

    Keras equivalent: ``keras.layers.GlobalAveragePooling1D()``.
    Taught in: chapter 8, "The Transformer from the ground up".
    """

    def forward(self, X, training=False):
        """(n, T, d) -> (n, d)."""
        if X.ndim != 3 or X.shape[1] == 0:
            raise ValueError("expected X of shape (n_samples, seq_len >= 1,"
                             f" features), received shape {X.shape}")
        self._cache = X.shape
        return X.mean(axis=1)

    def backward(self, dout):
        """Spread ``dout / T`` over the positions; (n, T, d)."""
        n, T, d = self._cached()
        self._check_dout(dout, (n, d))
        return np.broadcast_to(dout[:, None, :] / T, (n, T, d)).copy()

    def output_shape(self, input_shape):
        return (input_shape[-1],)


def make_marker_order(n_samples=1000, seq_len=12, *, n_fillers=6,
                      rng=None):
    """An order task: does marker ``A`` come before marker ``B``?

    Each sequence holds ``seq_len`` token ids: one ``A`` (id 1), one ``B``
    (id 2) at two distinct random positions, and filler tokens (ids 3 to
    ``2 + n_fillers``) everywhere else.  The label is 1 when ``A``
    comes first.  Both classes contain the same tokens in the same
    proportions, so a bag of words, which sees only counts, can do no
    better than chance: only the order tells the classes apart.  Id 0 is
    left free for padding.

    Returns
    -------
    X : ndarray (n_samples, seq_len) of int
    y : ndarray (n_samples,) of int

    Taught in: chapter 8, "The Transformer from the ground up".
    """
    n_samples = check_scalar(n_samples, "n_samples", int, min_val=1)
    seq_len = check_scalar(seq_len, "seq_len", int, min_val=2)
    n_fillers = check_scalar(n_fillers, "n_fillers", int, min_val=1)
    rng = as_rng(rng)
    X = rng.integers(3, 3 + n_fillers, size=(n_samples, seq_len))
    rows = np.arange(n_samples)
    # two distinct positions per row: the first two of a random order
    positions = np.argsort(rng.random((n_samples, seq_len)), axis=1)[:, :2]
    X[rows, positions[:, 0]] = 1                        # A
    X[rows, positions[:, 1]] = 2                        # B
    y = (positions[:, 0] < positions[:, 1]).astype(np.int64)
    return X, y
