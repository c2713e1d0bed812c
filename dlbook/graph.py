"""Graph convolution (Kipf and Welling, 2017), forward and backward.

A graph of ``n`` nodes is given by its adjacency matrix ``A`` (n, n) and a
feature matrix ``X`` (n, n_in), one row per node.  One GCN layer mixes
each node's features with its neighbours' and then transforms them:

    H' = act(A_hat H W + b),   A_hat = D^(-1/2) (A + I) D^(-1/2)

where ``D`` is the diagonal degree matrix of ``A + I``.  The activation is
a separate layer, as everywhere in dlbook.

Taught in: chapter 8, "A graph neural network layer".
"""

import numpy as np

from ._checks import as_float_array, as_rng, check_scalar
from .init import get_initializer
from .layers import Layer


def normalized_adjacency(A, self_loops=True):
    """Symmetrically normalised adjacency ``D^(-1/2) (A + I) D^(-1/2)``.

    Parameters
    ----------
    A : array_like, shape (n_nodes, n_nodes)
        Symmetric, non-negative edge weights (0/1 for a plain graph).
    self_loops : bool, default True
        Add ``I`` first, so that each node keeps its own features.

    Returns
    -------
    A_hat : ndarray, shape (n_nodes, n_nodes)
        Symmetric; its largest eigenvalue is 1.
    """
    A = as_float_array(A, "A", ndim=2)
    n = A.shape[0]
    if A.shape != (n, n):
        raise ValueError("expected a square adjacency matrix A of shape "
                         f"(n_nodes, n_nodes), received shape {A.shape}")
    if np.any(A < 0) or not np.allclose(A, A.T):
        raise ValueError("expected a symmetric adjacency matrix A with "
                         "non-negative entries (an undirected graph), "
                         "received one that is not")
    if self_loops:
        A = A + np.eye(n)
    degree = A.sum(axis=1)                              # (n,)
    if np.any(degree == 0):
        raise ValueError("expected every node to have at least one edge "
                         "(or self_loops=True), received isolated nodes "
                         f"{np.flatnonzero(degree == 0).tolist()}")
    d = 1.0 / np.sqrt(degree)
    return d[:, None] * A * d[None, :]


class GraphConv(Layer):
    """One graph-convolution layer: ``Y = A_hat X W + b``.

    Parameters
    ----------
    A_hat : array_like, shape (n_nodes, n_nodes)
        The (normalised) propagation matrix, fixed for the layer; build it
        with ``normalized_adjacency``.
    n_in, n_out : int
        Feature widths.
    rng : None, int or numpy.random.Generator
        Seed for the Glorot-uniform kernel; ``b`` starts at 0.

    Shapes
    ------
    ``X`` (n_nodes, n_in) -> ``Y`` (n_nodes, n_out); ``W`` (n_in, n_out),
    ``b`` (n_out,).  The whole graph is one batch: rows are nodes.

    Gradients (``Z = A_hat X``)::

        dW = Z^T dout,   db = sum_rows(dout),   dX = A_hat^T dout W^T

    Keras equivalent: none built in; ``keras.layers.Dense(n_out)`` applied
    to ``A_hat @ X`` (``ops.matmul(A_hat, X)``) computes the same thing
    (the Spektral library's ``GCNConv`` packages it).
    Taught in: chapter 8, "A graph neural network layer".
    """

    def __init__(self, A_hat, n_in, n_out, *, rng=None, dtype=np.float64):
        super().__init__()
        A_hat = as_float_array(A_hat, "A_hat", dtype, ndim=2)
        if A_hat.shape[0] != A_hat.shape[1]:
            raise ValueError("expected a square A_hat of shape (n_nodes, "
                             f"n_nodes), received shape {A_hat.shape}")
        self.A_hat = A_hat
        self.n_in = check_scalar(n_in, "n_in", int, min_val=1)
        self.n_out = check_scalar(n_out, "n_out", int, min_val=1)
        W = get_initializer("glorot_uniform")((self.n_in, self.n_out),
                                              as_rng(rng))
        self.params = {"W": np.asarray(W, dtype=dtype),
                       "b": np.zeros(self.n_out, dtype=dtype)}

    def forward(self, X, training=False):
        """(n_nodes, n_in) -> (n_nodes, n_out); caches ``A_hat X``."""
        n = self.A_hat.shape[0]
        if X.ndim != 2 or X.shape != (n, self.n_in):
            raise ValueError(
                f"expected X of shape ({n}, {self.n_in}) (one row per node"
                f" of the graph), received shape {X.shape}")
        Z = self.A_hat @ X                              # (n_nodes, n_in)
        self._cache = Z
        return Z @ self.params["W"] + self.params["b"]

    def backward(self, dout):
        """Store dL/dW and dL/db; return dL/dX (n_nodes, n_in)."""
        Z = self._cached()
        self._check_dout(dout, (Z.shape[0], self.n_out))
        self.grads["W"] = Z.T @ dout                    # (n_in, n_out)
        self.grads["b"] = dout.sum(axis=0)              # (n_out,)
        return self.A_hat.T @ (dout @ self.params["W"].T)

    def output_shape(self, input_shape):
        return (self.n_out,)

    def cast(self, dtype):
        """Convert ``W``, ``b`` and the fixed ``A_hat`` to ``dtype``."""
        self.A_hat = self.A_hat.astype(dtype, copy=False)
        return super().cast(dtype)

    def __repr__(self):
        return (f"GraphConv(n_nodes={self.A_hat.shape[0]}, {self.n_in}, "
                f"{self.n_out})")
