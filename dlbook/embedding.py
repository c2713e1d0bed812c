"""Embeddings: a learned vector per id, and matrix factorisation.

An embedding table ``E`` (n_ids, dim) maps an integer id ``i`` to its row
``E[i]``.  The forward pass is a lookup; the backward pass adds each
upstream gradient row into the row it came from (a *scatter-add*: an id
that occurs twice receives both contributions).  Word ids give word
vectors; user and item ids give the factors of a recommender.

Taught in: chapter 6, "Language" and "Recommender systems".
"""

import numpy as np

from ._checks import as_rng, check_scalar
from .layers import Layer


def _as_ids(X, n_ids, name="X"):
    """Integer ids in [0, n_ids) from an int or whole-number float array."""
    arr = np.asarray(X)
    if arr.size == 0:
        raise ValueError(f"expected a non-empty array of ids {name}, "
                         f"received shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.number) or np.any(
            arr != np.round(arr)):
        raise ValueError(f"expected whole-number ids in {name}, received "
                         f"dtype {arr.dtype} with non-integer values")
    ids = arr.astype(np.int64)
    if ids.min() < 0 or ids.max() >= n_ids:
        raise ValueError(
            f"expected ids in {name} from 0 to {n_ids - 1}, received "
            f"values from {ids.min()} to {ids.max()}")
    return ids


def _uniform_table(n_ids, dim, rng, dtype):
    # Keras's Embedding default: uniform in [-0.05, 0.05]
    return as_rng(rng).uniform(-0.05, 0.05, (n_ids, dim)).astype(dtype)


def _init_table(layer, n_ids, dim, rng, dtype):
    """Check the sizes and give ``layer`` its table ``E`` (n_ids, dim)."""
    layer.n_ids = check_scalar(n_ids, "n_ids", int, min_val=1)
    layer.dim = check_scalar(dim, "dim", int, min_val=1)
    layer.params = {"E": _uniform_table(layer.n_ids, layer.dim, rng, dtype)}


class Embedding(Layer):
    """Look up one learned vector per integer id: ``Y[n, t] = E[X[n, t]]``.

    Parameters
    ----------
    n_ids : int
        Number of distinct ids (the vocabulary size).
    dim : int
        Width of each vector.
    rng : None, int or numpy.random.Generator
        Seed for the initial table, uniform in [-0.05, 0.05] as in Keras.

    Shapes
    ------
    ``X`` (n, T) of ids (ints, or floats holding whole numbers) ->
    ``Y`` (n, T, dim); ``E`` (n_ids, dim).

    Backward: ``dE[i] = sum of dout[n, t] over all (n, t) with X[n, t]
    == i`` (``np.add.at``, a scatter-add); ids are not differentiable, so
    ``backward`` returns ``None``: an embedding is always a first layer.

    Keras equivalent: ``keras.layers.Embedding(n_ids, dim)``, same table.
    Taught in: chapter 6, "Language".
    """

    def __init__(self, n_ids, dim, *, rng=None, dtype=np.float64):
        super().__init__()
        _init_table(self, n_ids, dim, rng, dtype)

    def forward(self, X, training=False):
        """(n, T) ids -> (n, T, dim) vectors; caches the ids."""
        ids = _as_ids(X, self.n_ids)
        self._cache = ids
        return self.params["E"][ids]

    def backward(self, dout):
        """Scatter-add ``dout`` into ``grads["E"]``; returns None."""
        ids = self._cached()
        self._check_dout(dout, ids.shape + (self.dim,))
        dE = np.zeros_like(self.params["E"])
        np.add.at(dE, ids.reshape(-1), dout.reshape(-1, self.dim))
        self.grads["E"] = dE
        return None

    def output_shape(self, input_shape):
        return tuple(input_shape) + (self.dim,)

    def __repr__(self):
        return f"Embedding({self.n_ids}, {self.dim})"


class EmbeddingBag(Layer):
    """Average the vectors of a sequence's ids, skipping padding.

    ``Y[n] = (1 / m_n) * sum_{t: X[n, t] != pad_id} E[X[n, t]]`` with
    ``m_n`` the number of non-padding ids in row ``n``: a "bag of word
    vectors" that, like a bag of words, ignores word order.

    Parameters
    ----------
    n_ids, dim, rng : as for ``Embedding``
    pad_id : int, default 0
        The id used to pad sequences to a common length.

    Shapes
    ------
    ``X`` (n, T) ids -> ``Y`` (n, dim); ``E`` (n_ids, dim).  A row made
    only of padding gives the zero vector.

    Backward: ``dE[X[n, t]] += dout[n] / m_n`` for every non-padding
    ``(n, t)`` (a scatter-add); returns ``None``.

    Keras equivalent: ``keras.layers.Embedding(n_ids, dim,
    mask_zero=True)`` followed by ``keras.layers.GlobalAveragePooling1D()``
    (which averages over the unmasked steps), for ``pad_id=0``.
    Taught in: chapter 6, "Language".
    """

    def __init__(self, n_ids, dim, *, pad_id=0, rng=None,
                 dtype=np.float64):
        super().__init__()
        _init_table(self, n_ids, dim, rng, dtype)
        self.pad_id = check_scalar(pad_id, "pad_id", int, min_val=0)

    def forward(self, X, training=False):
        """(n, T) ids -> (n, dim) mean vectors; caches ids and weights."""
        ids = _as_ids(X, self.n_ids)
        if ids.ndim != 2:
            raise ValueError("expected ids X of shape (n_samples, seq_len),"
                             f" received shape {ids.shape}")
        keep = ids != self.pad_id                       # (n, T)
        count = np.maximum(keep.sum(axis=1, keepdims=True), 1)
        weight = (keep / count).astype(self.params["E"].dtype)  # (n, T)
        self._cache = (ids, weight)
        return np.einsum("nt,ntd->nd", weight, self.params["E"][ids])

    def backward(self, dout):
        """Scatter-add ``weight * dout`` into ``grads["E"]``; returns
        None."""
        ids, weight = self._cached()
        self._check_dout(dout, (ids.shape[0], self.dim))
        contrib = weight[:, :, None] * dout[:, None, :]  # (n, T, dim)
        dE = np.zeros_like(self.params["E"])
        np.add.at(dE, ids.reshape(-1), contrib.reshape(-1, self.dim))
        self.grads["E"] = dE
        return None

    def output_shape(self, input_shape):
        return (self.dim,)

    def __repr__(self):
        return f"EmbeddingBag({self.n_ids}, {self.dim}, pad_id={self.pad_id})"


class MatrixFactorization(Layer):
    """Predict a rating from a user vector and an item vector.

    ``r_hat(u, i) = P[u] . Q[i] + b_user[u] + b_item[i] + mu``

    ``P`` and ``Q`` are embeddings of users and items; their dot product
    scores how well a user's tastes match an item's traits.

    Parameters
    ----------
    n_users, n_items : int
    dim : int
        Number of latent factors ``d``.
    mu : float, default 0
        A fixed offset, usually the mean training rating.
    rng : None, int or numpy.random.Generator
        Seed for ``P`` and ``Q`` (normal, standard deviation 0.1); the
        biases start at 0.

    Shapes
    ------
    ``X`` (n, 2) of (user id, item id) pairs -> ``r_hat`` (n, 1);
    ``P`` (n_users, d), ``Q`` (n_items, d), ``b_user`` (n_users,),
    ``b_item`` (n_items,).

    Backward, with ``g = dout[:, 0]`` (scatter-adds over repeated ids)::

        dP[u_n] += g_n Q[i_n];   dQ[i_n] += g_n P[u_n]
        db_user[u_n] += g_n;     db_item[i_n] += g_n

    Keras equivalent: two ``keras.layers.Embedding(n, k)`` for ``P`` and
    ``Q``, two ``Embedding(n, 1)`` for the biases, combined by
    ``keras.layers.Dot(axes=1)`` and ``Add`` (see chapter 6).
    Taught in: chapter 6, "Recommender systems".
    """

    def __init__(self, n_users, n_items, dim, *, mu=0.0, rng=None,
                 dtype=np.float64):
        super().__init__()
        self.n_users = check_scalar(n_users, "n_users", int, min_val=1)
        self.n_items = check_scalar(n_items, "n_items", int, min_val=1)
        self.dim = check_scalar(dim, "dim", int, min_val=1)
        self.mu = float(mu)
        rng = as_rng(rng)
        self.params = {
            "P": 0.1 * rng.standard_normal((self.n_users, self.dim)),
            "Q": 0.1 * rng.standard_normal((self.n_items, self.dim)),
            "b_user": np.zeros(self.n_users),
            "b_item": np.zeros(self.n_items),
        }
        self.params = {k: v.astype(dtype) for k, v in self.params.items()}

    def forward(self, X, training=False):
        """(n, 2) (user, item) pairs -> (n, 1) predicted ratings."""
        pairs = np.asarray(X)
        if pairs.ndim != 2 or pairs.shape[1] != 2:
            raise ValueError("expected X of shape (n_samples, 2) holding "
                             "(user id, item id) pairs, received shape "
                             f"{pairs.shape}")
        u = _as_ids(pairs[:, 0], self.n_users, "X[:, 0] (user ids)")
        i = _as_ids(pairs[:, 1], self.n_items, "X[:, 1] (item ids)")
        p = self.params
        self._cache = (u, i)
        r_hat = (np.sum(p["P"][u] * p["Q"][i], axis=1)
                 + p["b_user"][u] + p["b_item"][i] + self.mu)
        return r_hat[:, None]                           # (n, 1)

    def backward(self, dout):
        """Scatter-add into the four gradients; returns None."""
        u, i = self._cached()
        self._check_dout(dout, (len(u), 1))
        g = dout[:, 0]                                  # (n,)
        p = self.params
        grads = {k: np.zeros_like(v) for k, v in p.items()}
        np.add.at(grads["P"], u, g[:, None] * p["Q"][i])
        np.add.at(grads["Q"], i, g[:, None] * p["P"][u])
        np.add.at(grads["b_user"], u, g)
        np.add.at(grads["b_item"], i, g)
        self.grads = grads
        return None

    def output_shape(self, input_shape):
        return (1,)

    def __repr__(self):
        return (f"MatrixFactorization({self.n_users}, {self.n_items}, "
                f"dim={self.dim})")
