"""Seeded data sets and the preprocessing every chapter uses.

Every generator takes ``rng`` (None, an int seed or a
``numpy.random.Generator``) and nothing else is random: the same seed gives
bit-identical arrays.  Features come back as float64 arrays of shape
``(n_samples, n_features)``; class labels as int64 arrays of shape
``(n_samples,)``.  Nothing here downloads anything: the only real data set,
:func:`load_digits`, ships inside scikit-learn.

Taught in: chapter 3, "Algorithm steps" (splitting, standardising,
minibatches), chapter 5, "Practice" (the data sets), chapter 6
(ratings) and chapter 8 (a graph with communities).
"""

import numbers

import numpy as np

from dlbook._checks import (
    as_float_array,
    as_rng,
    check_labels,
    check_range,
    check_same_n,
    check_scalar,
)

__all__ = [
    "EXAMPLES",
    "Standardizer",
    "load_digits",
    "load_example",
    "make_circles",
    "make_classification",
    "make_communities",
    "make_linear",
    "make_moons",
    "make_ratings",
    "make_spirals",
    "make_xor",
    "minibatches",
    "one_hot",
    "train_test_split",
]


def _shuffled(X, y, rng):
    """Return ``X`` and ``y`` in one common random order."""
    order = rng.permutation(len(X))
    return X[order], y[order]


# -- data sets -------------------------------------------------------------

def make_linear(n_samples=1000, w=2.0, b=1.0, noise=0.1, x_range=(-1, 1),
                rng=None):
    """Noisy points on a line: ``y = w * x + b + noise * eps``.

    ``x`` is uniform on ``x_range`` and ``eps`` is standard normal, so with
    the defaults least squares recovers ``w = 2`` and ``b = 1`` to about
    0.01 (the standard error of ``w`` is ``noise / (std(x) sqrt(n))``).

    Parameters
    ----------
    n_samples : int, default 1000
    w, b : float, default 2.0 and 1.0
        The true slope and intercept.
    noise : float, default 0.1
        Standard deviation of the Gaussian noise added to ``y``.
    x_range : (float, float), default (-1, 1)
    rng : None, int or numpy.random.Generator

    Returns
    -------
    X : ndarray of shape (n_samples, 1), float64
    y : ndarray of shape (n_samples,), float64

    Keras equivalent: the data of the articles' ``Dense(1)`` regression.
    Taught in: chapter 4, "Linear regression", and chapter 5.
    """
    n_samples = check_scalar(n_samples, "n_samples", int, min_val=1)
    noise = check_scalar(noise, "noise", float, min_val=0)
    low, high = check_range(x_range, "x_range")
    w, b = check_scalar(w, "w", float), check_scalar(b, "b", float)
    rng = as_rng(rng)
    X = rng.uniform(low, high, size=(n_samples, 1))          # (n, 1)
    eps = rng.standard_normal(n_samples)                      # (n,)
    y = w * X[:, 0] + b + noise * eps                         # (n,)
    return X, y


def make_xor():
    """The four XOR points: label 1 where exactly one input is 1.

    Returns
    -------
    X : ndarray of shape (4, 2), float64
        ``[[0, 0], [0, 1], [1, 0], [1, 1]]``.
    y : ndarray of shape (4,), int64
        ``[0, 1, 1, 0]``.

    No straight line separates the two classes, which is why a hidden layer
    is needed.  Taught in: chapter 5, "XOR".
    """
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return X, y


def make_moons(n_samples=200, noise=0.1, rng=None):
    """Two interleaving half circles, a 2-D set for decision boundaries.

    Class 0 lies on ``(cos t, sin t)`` and class 1 on
    ``(1 - cos t, 1/2 - sin t)`` for ``t`` in [0, pi]; Gaussian noise of
    standard deviation ``noise`` is added to both coordinates.

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points (class 0 gets the extra one when odd).
    noise : float, default 0.1
    rng : None, int or numpy.random.Generator

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64 in {0, 1}

    Equivalent: ``sklearn.datasets.make_moons``.
    Taught in: chapter 2, "Core concepts" (what a hidden layer buys).
    """
    n_samples = check_scalar(n_samples, "n_samples", int, min_val=2)
    noise = check_scalar(noise, "noise", float, min_val=0)
    rng = as_rng(rng)
    n_out = n_samples - n_samples // 2
    n_in = n_samples // 2
    t_out = rng.uniform(0, np.pi, n_out)
    t_in = rng.uniform(0, np.pi, n_in)
    X = np.concatenate([
        np.stack([np.cos(t_out), np.sin(t_out)], axis=1),
        np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], axis=1),
    ])                                                        # (n, 2)
    X += noise * rng.standard_normal(X.shape)
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    return _shuffled(X, y, rng)


def make_circles(n_samples=200, noise=0.05, factor=0.5, rng=None):
    """A small circle (class 1) inside a big one (class 0).

    Points lie at angle ``t`` uniform in [0, 2 pi) on the unit circle
    (class 0) or on the circle of radius ``factor`` (class 1), plus
    Gaussian noise of standard deviation ``noise``.

    Parameters
    ----------
    n_samples : int, default 200
    noise : float, default 0.05
    factor : float in (0, 1), default 0.5
        Radius of the inner circle relative to the outer one.
    rng : None, int or numpy.random.Generator

    Returns ``X`` and ``y`` as ``make_moons`` does: points (n_samples, 2)
    and labels (n_samples,), 0 for the outer circle and 1 for the inner.

    Equivalent: ``sklearn.datasets.make_circles``.
    Taught in: chapter 2, "Core concepts".
    """
    n_samples = check_scalar(n_samples, "n_samples", int, min_val=2)
    noise = check_scalar(noise, "noise", float, min_val=0)
    factor = check_scalar(factor, "factor", float, min_val=0, max_val=1,
                          include_boundaries="neither")
    rng = as_rng(rng)
    n_out = n_samples - n_samples // 2
    n_in = n_samples // 2
    t = rng.uniform(0, 2 * np.pi, n_samples)
    radius = np.concatenate([np.ones(n_out), np.full(n_in, factor)])
    X = radius[:, None] * np.stack([np.cos(t), np.sin(t)], axis=1)
    X += noise * rng.standard_normal(X.shape)                 # (n, 2)
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    return _shuffled(X, y, rng)


def make_spirals(n_samples=300, n_classes=3, noise=0.2, rng=None):
    """Interleaved spiral arms, one per class (the CS231n spiral set).

    Arm ``k`` has radius ``r`` from 0 to 1 and angle
    ``4 r + 2 pi k / n_classes``: the angle grows by 4 radians (about two
    thirds of a turn) from the centre to the tip.  Gaussian noise of
    standard deviation ``noise`` is added to the angle.  No linear model
    separates the arms.

    Parameters
    ----------
    n_samples : int, default 300
        Total number of points, split as evenly as possible over classes.
    n_classes : int >= 2, default 3
    noise : float, default 0.2
    rng : None, int or numpy.random.Generator

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64, inside the unit disc
        plus noise
    y : ndarray of shape (n_samples,), int64 in [0, n_classes)

    Taught in: chapter 5, "Practice" (a multi-class decision boundary).
    """
    n_classes = check_scalar(n_classes, "n_classes", int, min_val=2)
    n_samples = check_scalar(n_samples, "n_samples", int, min_val=n_classes)
    noise = check_scalar(noise, "noise", float, min_val=0)
    rng = as_rng(rng)
    y = np.arange(n_samples, dtype=np.int64) % n_classes      # balanced
    y.sort()
    r = np.empty(n_samples)
    for k in range(n_classes):
        members = y == k
        r[members] = np.linspace(0.0, 1.0, int(members.sum()))
    t = 4.0 * r + 2 * np.pi * y / n_classes
    t += noise * rng.standard_normal(n_samples)
    X = r[:, None] * np.stack([np.sin(t), np.cos(t)], axis=1)  # (n, 2)
    return _shuffled(X, y, rng)


def make_classification(n_samples=2000, n_features=100, n_classes=10,
                        n_informative=10, class_sep=3.5, noise=1.0,
                        rng=None):
    """Gaussian classes around centres in a random low-dimensional subspace.

    The class centres ``C`` (one row per class) lie in an
    ``n_informative``-dimensional subspace of feature space, spanned by
    the orthonormal rows of a random ``Q`` of shape
    ``(n_informative, n_features)``.  Every sample is its class centre plus
    isotropic Gaussian noise::

        X = C[y] @ Q + noise * E,        E ~ N(0, I)

    When ``n_informative >= n_classes`` the centres are ``class_sep`` times
    orthonormal vectors, so every pair of classes is the same distance
    ``class_sep * sqrt(2)`` apart and the difficulty does not depend on the
    seed; otherwise they are ``class_sep`` times random unit vectors.
    Classes overlap, so accuracy is high but not perfect: with the defaults
    the best possible accuracy is about 96 %, and a 100-64-10 network
    reaches about 92 % on held-out data (it has to learn to ignore the
    noise in the other 90 directions).
    Classes are balanced (sizes differ by at most one) and shuffled.

    Parameters
    ----------
    n_samples : int, default 2000
    n_features : int, default 100
    n_classes : int >= 2, default 10
    n_informative : int, default 10
        Dimension of the subspace holding the class centres
        (at most ``n_features``).
    class_sep : float, default 3.5
        Distance of each centre from the origin; larger is easier.
    noise : float, default 1.0
        Standard deviation of the noise on every feature.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64
    y : ndarray of shape (n_samples,), int64 in [0, n_classes)

    Keras equivalent: the ``x_train``, ``y_train`` the articles' 100-64-10
    classifier trains on but never defines.
    Taught in: chapter 5, "A 100-64-10 classifier".
    """
    n_samples = check_scalar(n_samples, "n_samples", int, min_val=1)
    n_features = check_scalar(n_features, "n_features", int, min_val=1)
    n_classes = check_scalar(n_classes, "n_classes", int, min_val=2)
    n_informative = check_scalar(n_informative, "n_informative", int,
                                 min_val=1)
    if n_informative > n_features:
        raise ValueError(
            f"expected n_informative <= n_features={n_features}, received: "
            f"n_informative={n_informative}")
    noise = check_scalar(noise, "noise", float, min_val=0)
    class_sep = check_scalar(class_sep, "class_sep", float, min_val=0,
                             include_boundaries="neither")
    rng = as_rng(rng)
    # orthonormal rows spanning a random n_informative-dim subspace
    Q = np.linalg.qr(rng.standard_normal((n_features, n_informative)))[0].T
    if n_informative >= n_classes:          # equidistant centres
        U = np.linalg.qr(rng.standard_normal((n_informative, n_classes)))[0]
        U = U.T                                        # (k, n_informative)
    else:                                   # random unit directions
        U = rng.standard_normal((n_classes, n_informative))
        U /= np.linalg.norm(U, axis=1, keepdims=True)
    centres = class_sep * U @ Q                        # (k, n_features)
    y = rng.permutation(np.arange(n_samples, dtype=np.int64) % n_classes)
    X = centres[y] + noise * rng.standard_normal((n_samples, n_features))
    return X, y                                        # (n, d), (n,)


def make_ratings(n_users=60, n_items=40, *, rank=3, density=0.5, noise=0.3,
                 rng=None):
    """A synthetic ratings matrix of low rank, partly observed.

    True ratings are ``3 + U V^T + user bias + item bias`` with ``U``
    (n_users, rank) and ``V`` (n_items, rank) standard normal scaled by
    ``1 / rank**0.25``, biases of scale 0.5; observations add Gaussian
    noise of scale ``noise``.  Each (user, item) pair is observed with
    probability ``density``.

    Parameters
    ----------
    n_users, n_items : int, default 60 and 40
    rank : int, default 3
        Rank of the interaction ``U V^T``.
    density : float in (0, 1], default 0.5
        Probability that a pair is observed.
    noise : float >= 0, default 0.3
        Standard deviation of the noise on the observed ratings.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    X : ndarray of shape (n_observed, 2), int64
        (user, item) pairs.
    r : ndarray of shape (n_observed,), float64
        Observed ratings.
    R_true : ndarray of shape (n_users, n_items), float64
        The noise-free ratings of every pair (for evaluation).

    Keras equivalent: none (the data a two-input recommender is fitted on).
    Taught in: chapter 6, "Recommender systems".
    """
    n_users = check_scalar(n_users, "n_users", int, min_val=1)
    n_items = check_scalar(n_items, "n_items", int, min_val=1)
    rank = check_scalar(rank, "rank", int, min_val=1)
    density = check_scalar(density, "density", float, min_val=0, max_val=1,
                           include_boundaries="right")
    noise = check_scalar(noise, "noise", float, min_val=0)
    rng = as_rng(rng)
    scale = rank ** -0.25
    U = scale * rng.standard_normal((n_users, rank))
    V = scale * rng.standard_normal((n_items, rank))
    R_true = (3.0 + U @ V.T + 0.5 * rng.standard_normal((n_users, 1))
              + 0.5 * rng.standard_normal((1, n_items)))
    observed = rng.random((n_users, n_items)) < density
    users, items = np.nonzero(observed)
    X = np.stack([users, items], axis=1)               # (n_observed, 2)
    r = R_true[users, items] + noise * rng.standard_normal(len(users))
    return X, r, R_true


def make_communities(n_per_class=20, n_classes=2, *, p_in=0.3, p_out=0.02,
                     n_features=8, feature_noise=1.0, rng=None):
    """A random graph with community structure (stochastic block model).

    Two nodes of the same class are joined with probability ``p_in``, of
    different classes with ``p_out``.  Each node's features are a weak,
    noisy hint of its class: a class-dependent mean of size 0.5 in one
    coordinate plus Gaussian noise of scale ``feature_noise``, so that
    features alone classify poorly and the edges carry the rest.

    Parameters
    ----------
    n_per_class : int, default 20
    n_classes : int >= 2, default 2
    p_in, p_out : float in [0, 1], default 0.3 and 0.02
        Edge probabilities within a class and between classes.
    n_features : int >= n_classes, default 8
    feature_noise : float >= 0, default 1.0
    rng : None, int or numpy.random.Generator

    Returns
    -------
    A : ndarray of shape (n, n), float64
        0/1, symmetric, zero diagonal; ``n = n_per_class * n_classes``.
    X : ndarray of shape (n, n_features), float64
    y : ndarray of shape (n,), int64 class labels

    Keras equivalent: none (the graph a ``dlbook.graph.GraphConv`` model
    is trained on).
    Taught in: chapter 8, "A graph neural network layer".
    """
    n_per_class = check_scalar(n_per_class, "n_per_class", int, min_val=1)
    n_classes = check_scalar(n_classes, "n_classes", int, min_val=2)
    n_features = check_scalar(n_features, "n_features", int,
                              min_val=n_classes)
    p_in = check_scalar(p_in, "p_in", float, min_val=0, max_val=1)
    p_out = check_scalar(p_out, "p_out", float, min_val=0, max_val=1)
    feature_noise = check_scalar(feature_noise, "feature_noise", float,
                                 min_val=0)
    rng = as_rng(rng)
    y = np.repeat(np.arange(n_classes), n_per_class)
    n = len(y)
    prob = np.where(y[:, None] == y[None, :], p_in, p_out)
    upper = np.triu(rng.random((n, n)) < prob, k=1)
    A = (upper | upper.T).astype(np.float64)
    X = feature_noise * rng.standard_normal((n, n_features))
    X[np.arange(n), y] += 0.5
    return A, X, y


_EXAMPLES = {
    "linear": (make_linear, {}),
    "moons": (make_moons, {"n_samples": 200, "noise": 0.15}),
    "circles": (make_circles, {"n_samples": 200, "noise": 0.08}),
    "spirals": (make_spirals, {"n_samples": 300}),
}

EXAMPLES = tuple(_EXAMPLES)
"""The names :func:`load_example` knows."""


def load_example(name):
    """One of the small fixed data sets the book's explorers start from.

    Each is a generator of this module with fixed settings and ``rng=0``,
    so every call returns the same numbers:

    * ``"linear"``: ``make_linear(rng=0)``, 1000 points of
      ``y = 2x + 1 + noise`` (the learning-rate explorer);
    * ``"moons"``: ``make_moons(n_samples=200, noise=0.15, rng=0)``;
    * ``"circles"``: ``make_circles(n_samples=200, noise=0.08, rng=0)``;
    * ``"spirals"``: ``make_spirals(n_samples=300, rng=0)``, 3 classes
      (these three: the decision-boundary explorer).

    Parameters
    ----------
    name : {"linear", "moons", "circles", "spirals"}

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64
    y : ndarray of shape (n_samples,)
        float64 targets for ``"linear"``, int64 labels for the others.

    Taught in: chapter 3, "Algorithm steps", and chapter 4, "The MSE
    gradient" (the explorers).
    """
    if name not in _EXAMPLES:
        raise ValueError(f"expected name in {list(EXAMPLES)}, received: "
                         f"name={name!r}")
    make, settings = _EXAMPLES[name]
    return make(**settings, rng=0)


def load_digits(images=False):
    """scikit-learn's bundled 8x8 handwritten digits (1797 images, offline).

    The pixels are ink intensities 0..16.  The data ship inside
    scikit-learn, so nothing is downloaded.

    Parameters
    ----------
    images : bool, default False
        False: one flattened row per image.  True: channels-last images,
        the layout ``Conv2D`` expects.

    Returns
    -------
    X : ndarray of shape (1797, 64), or (1797, 8, 8, 1) with
        ``images=True``; float64 in [0, 16]
    y : ndarray of shape (1797,), int64 in [0, 9]

    Taught in: chapter 5, "Real data: handwritten digits".
    """
    if images not in (True, False):
        raise ValueError(
            f"expected images to be True or False, received: "
            f"images={images!r}")
    try:
        from sklearn.datasets import load_digits as _sk_load_digits
    except ImportError as err:                         # pragma: no cover
        raise ImportError(
            "dlbook.data.load_digits needs scikit-learn (pip install "
            "scikit-learn); the digits ship inside it, nothing is "
            "downloaded") from err
    bunch = _sk_load_digits()
    X = np.asarray(bunch.data, dtype=np.float64)              # (1797, 64)
    y = np.asarray(bunch.target, dtype=np.int64)              # (1797,)
    if images:
        X = X.reshape(-1, 8, 8, 1)                            # (n, 8, 8, 1)
    return X, y


# -- preprocessing ---------------------------------------------------------

def _as_samples(X, name):
    """``X`` as a finite float array with at least one dimension.

    A floating dtype (float32 or float64) is kept; anything else becomes
    float64.
    """
    dtype = np.asarray(X).dtype
    if not np.issubdtype(dtype, np.floating):
        dtype = np.float64
    X = as_float_array(X, name, dtype=dtype)
    if X.ndim == 0:
        raise ValueError(
            f"expected {name} with at least 1 dimension (n_samples, ...), "
            f"received a scalar")
    return X


def _as_targets(y, name="y"):
    """``y`` as an array with at least one dimension, dtype kept."""
    y = np.asarray(y)
    if y.ndim == 0:
        raise ValueError(
            f"expected {name} with at least 1 dimension (n_samples, ...), "
            f"received a scalar")
    if y.size == 0:
        raise ValueError(
            f"expected a non-empty {name}, received shape {y.shape}")
    if np.issubdtype(y.dtype, np.number) and not np.all(np.isfinite(y)):
        raise ValueError(f"expected finite values in {name}, received NaN "
                         "or infinite values")
    return y


def _n_test(test_size, n_samples):
    """Number of test samples for a fraction or a count."""
    if isinstance(test_size, numbers.Integral) and not isinstance(
            test_size, bool):
        n_test = int(test_size)
    elif (isinstance(test_size, numbers.Real) and not isinstance(
            test_size, bool) and 0 < test_size < 1):
        n_test = int(np.ceil(test_size * n_samples))
    else:
        raise ValueError(
            "expected test_size to be a fraction in (0, 1) or a positive "
            f"integer count, received: test_size={test_size!r}")
    if not 1 <= n_test <= n_samples - 1:
        raise ValueError(
            f"expected test_size to leave at least one sample in each of "
            f"the train and test sets of {n_samples} samples, received: "
            f"test_size={test_size!r} ({n_test} test samples)")
    return n_test


def train_test_split(X, y, test_size=0.2, rng=None, stratify=False):
    """Shuffle the samples and split them into a training and a test set.

    Parameters
    ----------
    X : array_like of shape (n_samples, ...)
        Features; float32 stays float32, other types become float64.
    y : array_like of shape (n_samples, ...)
        Targets (dtype kept).
    test_size : float in (0, 1) or int, default 0.2
        Fraction (rounded up) or number of samples that go to the test set.
    rng : None, int or numpy.random.Generator
    stratify : bool or array_like of shape (n_samples,), default False
        True: keep each class of ``y`` in the same proportion in both
        sets.  An array: stratify by these labels instead.

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarrays
        ``n_samples - n_test`` and ``n_test`` rows.

    Equivalent: ``sklearn.model_selection.train_test_split``.
    Taught in: chapter 3, "Algorithm steps" (splitting the data).
    """
    X = _as_samples(X, "X")
    y = _as_targets(y)
    check_same_n(X, y)
    n_samples = len(X)
    n_test = _n_test(test_size, n_samples)
    rng = as_rng(rng)
    if stratify is False or stratify is None:
        order = rng.permutation(n_samples)
        test, train = order[:n_test], order[n_test:]
    else:
        groups = y if stratify is True else _as_targets(stratify, "stratify")
        check_same_n(X, groups, y_name="stratify")
        if groups.ndim != 1:
            raise ValueError(
                "expected stratify labels of shape (n_samples,), received "
                f"shape {groups.shape}")
        test, train = _stratified(groups, n_test, rng)
    return X[train], X[test], y[train], y[test]


def train_val_test_split(X, y, *, val_size=0.2, test_size=0.2, rng=None,
                         stratify=False):
    """Shuffle and split into training, validation and test sets.

    The validation set is for every choice (learning rate, width, number
    of epochs, when to stop); the test set is looked at once, at the end,
    to report how the chosen model does on data nothing was chosen on.

    Parameters
    ----------
    X, y, rng : as for ``train_test_split``
    stratify : bool, default False
        Keep each class's share in all three sets.
    val_size, test_size : float in (0, 1) or int, default 0.2 each
        Fractions of ALL the samples (rounded up), or counts.

    Returns
    -------
    X_train, X_val, X_test, y_train, y_val, y_test : ndarrays

    Taught in: chapter 3, "Generalization".
    """
    X = _as_samples(X, "X")
    y = _as_targets(y)
    check_same_n(X, y)
    n_samples = len(X)
    n_test = _n_test(test_size, n_samples)
    n_val = _n_test(val_size, n_samples)
    if n_test + n_val >= n_samples:
        raise ValueError(
            f"expected val_size and test_size to leave training samples "
            f"out of {n_samples}, received: val_size={val_size!r}, "
            f"test_size={test_size!r} ({n_val} + {n_test} samples)")
    if not isinstance(stratify, bool):
        raise ValueError("expected stratify=True or False for a three-way "
                         f"split, received: {type(stratify).__name__}")
    rng = as_rng(rng)
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, n_test, rng=rng, stratify=stratify)
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, n_val, rng=rng, stratify=stratify)
    return X_train, X_val, X_test, y_train, y_val, y_test


def _stratified(groups, n_test, rng):
    """Test and train indices with each group's share kept (largest
    remainder), both in random order."""
    classes, inverse = np.unique(groups, return_inverse=True)
    counts = np.bincount(inverse)
    share = counts * n_test / len(groups)
    take = np.floor(share).astype(np.int64)
    extra = n_test - take.sum()
    # the groups with the largest remainders get the leftover test samples
    take[np.argsort(-(share - take), kind="stable")[:extra]] += 1
    test, train = [], []
    for k in range(len(classes)):
        members = rng.permutation(np.flatnonzero(inverse == k))
        test.append(members[:take[k]])
        train.append(members[take[k]:])
    test = rng.permutation(np.concatenate(test))
    train = rng.permutation(np.concatenate(train))
    return test, train


class Standardizer:
    """Rescale every feature to mean 0 and standard deviation 1.

    ``fit`` learns ``mean_`` and ``scale_`` (the standard deviation) per
    column from the training data; ``transform`` computes
    ``(X - mean_) / scale_``.  A constant column (the border pixels of the
    digits are always 0) gets ``scale_ = 1`` so that it maps to 0 instead
    of dividing by zero.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
    scale_ : ndarray of shape (n_features,), all > 0

    Equivalent: ``sklearn.preprocessing.StandardScaler``,
    ``keras.layers.Normalization``.
    Taught in: chapter 3, "Algorithm steps" (normalisation).
    """

    def __init__(self):
        self.mean_ = None
        self.scale_ = None

    def fit(self, X):
        """Learn ``mean_`` and ``scale_`` from X (n_samples, n_features).

        Returns self.
        """
        X = as_float_array(X, "X", ndim=2)
        n_samples = len(X)
        mean = X.mean(axis=0)                                 # (d,)
        std = X.std(axis=0)                                   # (d,)
        # a column is constant when its spread is no larger than the
        # rounding error of the mean
        eps = np.finfo(np.float64).eps
        constant = std <= 10 * n_samples * eps * np.abs(mean)
        self.mean_ = mean
        self.scale_ = np.where(constant, 1.0, std)
        return self

    def _check_fitted(self, X):
        if self.mean_ is None:
            raise RuntimeError(
                "Standardizer.transform() was called before fit()")
        X = as_float_array(X, "X", ndim=2)
        if X.shape[1] != len(self.mean_):
            raise ValueError(
                f"expected X with {len(self.mean_)} features (as in fit), "
                f"received shape {X.shape}")
        return X

    def transform(self, X):
        """Return ``(X - mean_) / scale_``, shape (n_samples, n_features)."""
        X = self._check_fitted(X)
        return (X - self.mean_) / self.scale_

    def fit_transform(self, X):
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X):
        """Undo ``transform``: ``X * scale_ + mean_``."""
        X = self._check_fitted(X)
        return X * self.scale_ + self.mean_

    def __repr__(self):
        fitted = "unfitted" if self.mean_ is None else \
            f"n_features={len(self.mean_)}"
        return f"Standardizer({fitted})"


def one_hot(y, n_classes=None, dtype=np.float64):
    """Integer labels to one-hot rows: ``Y[i, y[i]] = 1``.

    Parameters
    ----------
    y : array_like of int, shape (n_samples,) or (n_samples, 1)
    n_classes : int, optional
        Number of columns; default ``max(y) + 1``.
    dtype : numpy dtype, default float64

    Returns
    -------
    Y : ndarray of shape (n_samples, n_classes)

    Keras equivalent: ``keras.utils.to_categorical(y, n_classes)``.
    Taught in: chapter 4, "Softmax and cross-entropy".
    """
    if n_classes is None:
        labels = check_labels(y)
        n_classes = int(labels.max()) + 1
    else:
        n_classes = check_scalar(n_classes, "n_classes", int, min_val=1)
        labels = check_labels(y, n_classes)
    Y = np.zeros((len(labels), n_classes), dtype=dtype)       # (n, k)
    Y[np.arange(len(labels)), labels] = 1
    return Y


def minibatches(X, y, batch_size, shuffle=True, rng=None, drop_last=False):
    """Iterate over ``(X_batch, y_batch)`` pairs covering the data once.

    Arguments are checked when ``minibatches`` is called, not at the first
    ``next``.

    Parameters
    ----------
    X : array_like of shape (n_samples, ...)
    y : array_like of shape (n_samples, ...)
    batch_size : int
        Rows per batch; the last batch holds the remainder (all samples
        are used once) unless ``drop_last``.  A batch size larger than
        ``n_samples`` gives one batch.
    shuffle : bool, default True
        Visit the samples in a random order drawn from ``rng``.
    rng : None, int or numpy.random.Generator
    drop_last : bool, default False
        Skip a final batch smaller than ``batch_size``.

    Yields
    ------
    X_batch : ndarray of shape (batch, ...)
    y_batch : ndarray of shape (batch, ...)

    Keras equivalent: ``model.fit(..., batch_size=..., shuffle=True)``.
    Taught in: chapter 3, "Algorithm steps" (stochastic gradient descent).
    """
    X = _as_samples(X, "X")
    y = _as_targets(y)
    check_same_n(X, y)
    batch_size = check_scalar(batch_size, "batch_size", int, min_val=1)
    n_samples = len(X)
    if shuffle:            # one gather; the batches are then slices
        order = as_rng(rng).permutation(n_samples)
        X, y = X[order], y[order]
    stop = n_samples - n_samples % batch_size if drop_last else n_samples

    def batches():
        for start in range(0, stop, batch_size):
            yield X[start:start + batch_size], y[start:start + batch_size]

    return batches()
