"""Tests for dlbook.data: shapes, determinism, geometry, errors."""


import numpy as np
import pytest

from dlbook import data

GENERATORS = {
    "linear": lambda rng: data.make_linear(rng=rng),
    "moons": lambda rng: data.make_moons(150, noise=0.1, rng=rng),
    "circles": lambda rng: data.make_circles(150, noise=0.05, rng=rng),
    "spirals": lambda rng: data.make_spirals(150, 3, noise=0.2, rng=rng),
    "classification": lambda rng: data.make_classification(300, rng=rng),
}


# -- shapes, dtypes, determinism -------------------------------------------

@pytest.mark.parametrize("name", list(GENERATORS))
def test_same_seed_bit_identical_other_seed_differs(name):
    make = GENERATORS[name]
    X1, y1 = make(7)
    X2, y2 = make(np.random.default_rng(7))
    X3, _ = make(8)
    assert X1.tobytes() == X2.tobytes(), "same seed gave different X"
    assert y1.tobytes() == y2.tobytes(), "same seed gave different y"
    assert not np.array_equal(X1, X3), "different seeds gave the same X"


@pytest.mark.parametrize("name, n, d", [
    ("linear", 1000, 1), ("moons", 150, 2), ("circles", 150, 2),
    ("spirals", 150, 2), ("classification", 300, 100)])
def test_shapes_and_dtypes(name, n, d):
    X, y = GENERATORS[name](0)
    assert X.shape == (n, d)
    assert X.dtype == np.float64
    assert y.shape == (n,)
    expected = np.float64 if name == "linear" else np.int64
    assert y.dtype == expected


def test_generators_do_not_touch_global_state():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    for make in GENERATORS.values():
        make(None)
    assert np.array_equal(np.random.get_state()[1], before)


# -- each data set's content --------------------------------------------

def test_make_linear_is_a_noisy_line():
    X, y = data.make_linear(2000, w=-3.0, b=0.5, noise=0.0, rng=1)
    np.testing.assert_allclose(y, -3.0 * X[:, 0] + 0.5, rtol=0, atol=1e-14)
    assert X.min() >= -1 and X.max() < 1
    X, y = data.make_linear(5000, noise=0.3, x_range=(2, 5), rng=1)
    assert X.min() >= 2 and X.max() < 5
    residual = y - (2 * X[:, 0] + 1)
    assert abs(residual.std() - 0.3) < 0.02
    assert abs(residual.mean()) < 0.02


def test_make_xor_hand_values():
    X, y = data.make_xor()
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    assert X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(y, np.logical_xor(X[:, 0], X[:, 1]))


def test_make_moons_without_noise_lies_on_the_half_circles():
    X, y = data.make_moons(101, noise=0.0, rng=3)
    assert np.bincount(y).tolist() == [51, 50]
    upper = X[y == 0]
    lower = X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    assert np.all(upper[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(1 - lower[:, 0], 0.5 - lower[:, 1]),
                               1.0)


def test_make_circles_radii():
    X, y = data.make_circles(200, noise=0.0, factor=0.3, rng=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)
    assert np.bincount(y).tolist() == [100, 100]


def test_make_spirals_balanced_and_radius_at_most_one_without_noise():
    X, y = data.make_spirals(301, n_classes=4, noise=0.0, rng=0)
    assert np.bincount(y).tolist() == [76, 75, 75, 75]
    assert np.hypot(X[:, 0], X[:, 1]).max() <= 1 + 1e-12
    # each arm is a curve: radius grows with angle, no two arms overlap
    centroids = np.array([X[y == k].mean(axis=0) for k in range(4)])
    gaps = np.linalg.norm(centroids[:, None] - centroids[None], axis=-1)
    assert gaps[~np.eye(4, dtype=bool)].min() > 0.1


def test_make_classification_geometry_without_noise():
    X, y = data.make_classification(200, n_features=30, n_classes=4,
                                    n_informative=6, class_sep=2.0,
                                    noise=0.0, rng=0)
    assert np.linalg.matrix_rank(X) <= 6
    centres = np.array([X[y == k][0] for k in range(4)])
    for k in range(4):                      # noise 0: one point per class
        np.testing.assert_allclose(X[y == k], np.tile(centres[k],
                                                      ((y == k).sum(), 1)))
    distances = np.linalg.norm(centres[:, None] - centres[None], axis=-1)
    off_diagonal = distances[~np.eye(4, dtype=bool)]
    np.testing.assert_allclose(off_diagonal, 2.0 * np.sqrt(2))


def test_make_classification_is_learnable_but_not_trivial():
    X, y = data.make_classification(rng=0)
    assert X.shape == (2000, 100)
    assert np.bincount(y).tolist() == [200] * 10
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, rng=0)
    centroids = np.array([X_train[y_train == k].mean(axis=0)
                          for k in range(10)])               # (10, 100)
    distances = ((X_test[:, None, :] - centroids[None]) ** 2).sum(axis=-1)
    accuracy = np.mean(distances.argmin(axis=1) == y_test)
    assert 0.85 < accuracy < 0.99, accuracy
    assert 0.8 < X.std() < 1.5              # features on a unit scale


def test_make_ratings_is_a_partly_observed_low_rank_matrix():
    X, r, R = data.make_ratings(10, 8, density=0.5, rng=0)
    assert X.shape[1] == 2 and len(X) == len(r) and R.shape == (10, 8)
    assert X.dtype == np.int64 and r.dtype == R.dtype == np.float64
    assert X[:, 0].max() < 10 and X[:, 1].max() < 8
    assert len(np.unique(X, axis=0)) == len(X)
    assert 0.3 < len(X) / R.size < 0.7
    # noise 0, density 1: every pair observed at its true rating
    X, r, R = data.make_ratings(30, 20, rank=2, density=1.0, noise=0.0,
                                rng=1)
    assert len(X) == 600
    np.testing.assert_array_equal(r, R[X[:, 0], X[:, 1]])
    # 3 + U V^T + user and item biases: centring rows and columns removes
    # the biases and leaves rank(U V^T) = 2
    centred = (R - R.mean(axis=1, keepdims=True) - R.mean(axis=0)
               + R.mean())
    assert np.linalg.matrix_rank(centred, tol=1e-8) == 2


def test_make_communities_structure():
    A, X, y = data.make_communities(30, 2, p_in=0.5, p_out=0.02,
                                    n_features=5, rng=0)
    assert A.shape == (60, 60) and X.shape == (60, 5) and y.shape == (60,)
    assert y.dtype == np.int64 and np.bincount(y).tolist() == [30, 30]
    np.testing.assert_array_equal(A, A.T)
    assert np.all(np.diag(A) == 0)
    same = y[:, None] == y[None, :]
    assert A[same].mean() > 5 * A[~same].mean()
    # p_in = 1, p_out = 0: each class is a clique, with no edge between
    A, X, y = data.make_communities(4, 3, p_in=1, p_out=0,
                                    feature_noise=0.0, rng=0)
    same = (y[:, None] == y[None, :]).astype(float)
    np.testing.assert_array_equal(A, same - np.eye(12))
    np.testing.assert_array_equal(X, 0.5 * np.eye(8)[y])    # the hint


@pytest.mark.parametrize("make", [
    lambda rng: data.make_ratings(12, 9, rng=rng),
    lambda rng: data.make_communities(10, 3, rng=rng),
])
def test_ratings_and_communities_are_seeded(make):
    first, again, other = make(7), make(np.random.default_rng(7)), make(8)
    for a, b in zip(first, again):
        assert a.tobytes() == b.tobytes()
    assert not np.array_equal(first[-2], other[-2])


def test_load_example_is_the_explorers_data():
    X, y = data.load_example("linear")
    X0, y0 = data.make_linear(rng=0)
    assert X.tobytes() == X0.tobytes() and y.tobytes() == y0.tobytes()
    X, y = data.load_example("moons")
    X0, y0 = data.make_moons(n_samples=200, noise=0.15, rng=0)
    assert X.tobytes() == X0.tobytes() and y.tobytes() == y0.tobytes()
    shapes = {name: (data.load_example(name)[0].shape,
                     int(data.load_example(name)[1].max()) + 1)
              for name in ("moons", "circles", "spirals")}
    assert shapes == {"moons": ((200, 2), 2), "circles": ((200, 2), 2),
                      "spirals": ((300, 2), 3)}
    assert data.EXAMPLES == ("linear", "moons", "circles", "spirals")
    # each call returns new arrays: changing one does not change the next
    X, _ = data.load_example("circles")
    X[:] = 0
    assert data.load_example("circles")[0].any()


def test_load_digits_offline_shapes_and_range():
    X, y = data.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 16
    assert sorted(np.unique(y)) == list(range(10))
    images, y2 = data.load_digits(images=True)
    assert images.shape == (1797, 8, 8, 1)
    np.testing.assert_array_equal(images.reshape(1797, 64), X)
    np.testing.assert_array_equal(y, y2)
    assert np.any(X.std(axis=0) == 0), "expected constant border pixels"
    with pytest.raises(ValueError, match="images"):
        data.load_digits(images="yes")


def test_train_test_split_partitions_and_keeps_pairs():
    X = np.arange(50.0).reshape(25, 2)
    y = np.arange(25)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, rng=0)
    assert len(X_test) == 5 and len(X_train) == 20
    rows = np.concatenate([y_train, y_test])
    assert sorted(rows) == list(range(25)), "not a partition"
    np.testing.assert_array_equal(X_train[:, 0], 2 * y_train)
    np.testing.assert_array_equal(X_test[:, 0], 2 * y_test)
    assert not np.array_equal(y_train, np.arange(20)), "not shuffled"


def test_train_test_split_sizes_dtypes_and_determinism():
    X = np.random.default_rng(0).random((101, 3)).astype(np.float32)
    y = np.arange(101) % 3
    a = data.train_test_split(X, y, test_size=0.25, rng=4)
    b = data.train_test_split(X, y, test_size=0.25, rng=4)
    assert [len(p) for p in a] == [75, 26, 75, 26]        # ceil(25.25)
    assert a[0].dtype == np.float32 and a[2].dtype == y.dtype
    for p, q in zip(a, b):
        assert p.tobytes() == q.tobytes()
    c = data.train_test_split(X, y, test_size=10, rng=4)
    assert len(c[1]) == 10


def test_train_test_split_stratify_keeps_class_shares():
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    X = np.arange(100.0)[:, None]
    _, _, y_train, y_test = data.train_test_split(X, y, test_size=0.2,
                                                  rng=0, stratify=True)
    assert np.bincount(y_test).tolist() == [12, 6, 2]
    assert np.bincount(y_train).tolist() == [48, 24, 8]
    groups = np.arange(100) % 2
    _, X_test, _, _ = data.train_test_split(X, y, test_size=0.3, rng=0,
                                            stratify=groups)
    assert np.bincount(X_test[:, 0].astype(int) % 2).tolist() == [15, 15]
    # shares 3.5, 3.5, 3: the leftover test sample goes to one of the
    # classes with the largest remainder, and the test set keeps its size
    y = np.array([0] * 7 + [1] * 7 + [2] * 6)
    _, X_test, _, y_test = data.train_test_split(np.zeros((20, 1)), y,
                                                 test_size=0.5, rng=0,
                                                 stratify=True)
    assert len(X_test) == 10
    assert sorted(np.bincount(y_test).tolist()) == [3, 3, 4]
    assert np.bincount(y_test)[2] == 3


@pytest.mark.parametrize("kwargs, match", [
    ({"test_size": 0.0}, "test_size"),
    ({"test_size": 1.0}, "test_size"),
    ({"test_size": 10}, "at least one sample"),
    ({"test_size": -2}, "at least one sample"),
    ({"test_size": "a"}, "test_size"),
    ({"rng": "seed"}, "rng"),
])
def test_train_test_split_bad_arguments(kwargs, match):
    X, y = np.zeros((10, 2)), np.zeros(10)
    with pytest.raises(ValueError, match=match):
        data.train_test_split(X, y, **kwargs)


def test_train_test_split_bad_arrays():
    with pytest.raises(ValueError, match="same number of samples"):
        data.train_test_split(np.zeros((10, 2)), np.zeros(9))
    with pytest.raises(ValueError, match="NaN"):
        data.train_test_split(np.full((10, 2), np.nan), np.zeros(10))
    with pytest.raises(ValueError, match="non-empty"):
        data.train_test_split(np.zeros((0, 2)), np.zeros(0))
    with pytest.raises(ValueError, match="stratify"):
        data.train_test_split(np.zeros((10, 2)), np.zeros(10),
                              stratify=np.zeros(9))


# -- Standardizer ----------------------------------------------------------

def test_standardizer_mean_zero_unit_std_and_constant_columns():
    rng = np.random.default_rng(0)
    X = rng.normal(5.0, 3.0, size=(500, 4))
    X[:, 2] = 7.0                                   # constant column
    X[:, 3] = 0.1                                   # inexact constant
    scaler = data.Standardizer()
    Z = scaler.fit_transform(X)
    assert scaler.fit(X) is scaler
    assert scaler.mean_.shape == (4,) and scaler.scale_.shape == (4,)
    np.testing.assert_allclose(Z[:, :2].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z[:, :2].std(axis=0), 1, rtol=1e-12)
    np.testing.assert_array_equal(scaler.scale_[2:], [1.0, 1.0])
    np.testing.assert_allclose(Z[:, 2:], 0, atol=1e-15)
    np.testing.assert_allclose(scaler.inverse_transform(Z), X, rtol=1e-12)


def test_standardizer_on_digits_stays_finite():
    X, _ = data.load_digits()
    Z = data.Standardizer().fit_transform(X)
    assert np.all(np.isfinite(Z))
    constant = X.std(axis=0) == 0
    assert constant.sum() >= 1
    np.testing.assert_array_equal(Z[:, constant], 0)


def test_standardizer_errors():
    scaler = data.Standardizer()
    with pytest.raises(RuntimeError, match="before fit"):
        scaler.transform(np.zeros((3, 2)))
    scaler.fit(np.arange(6.0).reshape(3, 2))
    with pytest.raises(ValueError, match="2 features"):
        scaler.transform(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="2 dimensions"):
        scaler.fit(np.zeros(3))
    with pytest.raises(ValueError, match="NaN"):
        scaler.fit(np.array([[1.0, np.nan]]))


# -- one_hot -----------------------------------------------------------------

def test_one_hot_hand_case():
    Y = data.one_hot([2, 0, 1, 2])
    np.testing.assert_array_equal(
        Y, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert Y.dtype == np.float64
    assert data.one_hot(np.array([[1], [0]]), n_classes=4).shape == (2, 4)
    assert data.one_hot([1, 0], dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize("y, n_classes, match", [
    ([0, 3], 3, r"\[0, 2\]"),
    ([0, -1], None, "non-negative"),
    ([0.5, 1], None, "whole-number"),
    ([], None, "non-empty"),
    ([[0, 1], [1, 0]], None, "shape"),
    ([0, 1], 0, "positive integer"),
])
def test_one_hot_errors(y, n_classes, match):
    with pytest.raises(ValueError, match=match):
        data.one_hot(y, n_classes)


# -- minibatches -------------------------------------------------------------

def test_minibatches_cover_every_sample_once():
    X = np.arange(23.0)[:, None]
    y = np.arange(23)
    batches = list(data.minibatches(X, y, 5, rng=0))
    assert [len(xb) for xb, _ in batches] == [5, 5, 5, 5, 3]
    seen = np.concatenate([yb for _, yb in batches])
    assert sorted(seen) == list(range(23))
    assert not np.array_equal(seen, np.arange(23)), "not shuffled"
    for xb, yb in batches:
        np.testing.assert_array_equal(xb[:, 0], yb)


def test_minibatches_order_drop_last_and_determinism():
    X, y = np.arange(10.0)[:, None], np.arange(10)
    plain = [yb.tolist() for _, yb in data.minibatches(X, y, 4,
                                                       shuffle=False)]
    assert plain == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    dropped = list(data.minibatches(X, y, 4, shuffle=False, drop_last=True))
    assert len(dropped) == 2
    one = list(data.minibatches(X, y, 64, rng=0))
    assert len(one) == 1 and len(one[0][0]) == 10
    a = [yb.tolist() for _, yb in data.minibatches(X, y, 3, rng=5)]
    b = [yb.tolist() for _, yb in data.minibatches(X, y, 3, rng=5)]
    c = [yb.tolist() for _, yb in data.minibatches(X, y, 3, rng=6)]
    assert a == b and a != c


def test_minibatches_check_arguments_when_called():
    X, y = np.zeros((10, 2)), np.zeros(10)
    for batch_size in (0, -3, 2.5):
        with pytest.raises(ValueError, match="batch_size"):
            data.minibatches(X, y, batch_size)          # no next() needed
    with pytest.raises(ValueError, match="same number of samples"):
        data.minibatches(X, np.zeros(9), 2)
    with pytest.raises(ValueError, match="NaN"):
        data.minibatches(np.full((3, 1), np.inf), np.zeros(3), 2)


# -- generators' argument errors ------------------------------------------

@pytest.mark.parametrize("call, match", [
    (lambda: data.make_linear(0), "n_samples=0"),
    (lambda: data.make_linear(-5), "n_samples=-5"),
    (lambda: data.make_linear(10.5), "n_samples=10.5"),
    (lambda: data.make_linear(noise=-0.1), "noise=-0.1"),
    (lambda: data.make_linear(noise=np.nan), "noise"),
    (lambda: data.make_linear(x_range=(1, -1)), "x_range"),
    (lambda: data.make_linear(x_range=3), "x_range"),
    (lambda: data.make_linear(w=np.inf), "w="),
    (lambda: data.make_linear(rng="0"), "rng"),
    (lambda: data.make_moons(1), "n_samples=1"),
    (lambda: data.make_circles(factor=1.0), "factor=1.0"),
    (lambda: data.make_circles(factor=0), "factor=0"),
    (lambda: data.make_spirals(n_classes=1), "n_classes=1"),
    (lambda: data.make_spirals(2, n_classes=3), "n_samples=2"),
    (lambda: data.make_classification(n_classes=1), "n_classes=1"),
    (lambda: data.make_classification(n_features=5, n_informative=6),
     "n_informative"),
    (lambda: data.make_classification(class_sep=0), "class_sep=0"),
    (lambda: data.make_ratings(0), "n_users=0"),
    (lambda: data.make_ratings(rank=1.5), "rank=1.5"),
    (lambda: data.make_ratings(density=0), r"\(0, 1\].*density=0"),
    (lambda: data.make_ratings(density=1.2), "density=1.2"),
    (lambda: data.make_ratings(noise=-0.1), "noise=-0.1"),
    (lambda: data.make_communities(n_classes=1), "n_classes=1"),
    (lambda: data.make_communities(n_classes=3, n_features=2),
     "n_features=2"),
    (lambda: data.make_communities(p_in=1.5), "p_in=1.5"),
    (lambda: data.make_communities(p_out=-0.1), "p_out=-0.1"),
    (lambda: data.make_communities(feature_noise=np.nan), "feature_noise"),
    (lambda: data.load_example("iris"), "name='iris'"),
])
def test_generator_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_moved_generators_take_their_options_by_keyword():
    with pytest.raises(TypeError):
        data.make_ratings(10, 8, 3)
    with pytest.raises(TypeError):
        data.make_communities(10, 2, 0.5)


def test_train_val_test_split_partitions_the_samples():
    X = np.arange(100, dtype=float)[:, None]
    y = np.arange(100) % 4
    parts = data.train_val_test_split(X, y, val_size=0.2, test_size=0.1,
                                      rng=0, stratify=True)
    X_tr, X_val, X_te, y_tr, y_val, y_te = parts
    assert (len(X_tr), len(X_val), len(X_te)) == (70, 20, 10)
    seen = np.concatenate([X_tr, X_val, X_te])[:, 0]
    np.testing.assert_array_equal(np.sort(seen), np.arange(100))
    for Xp, yp in ((X_tr, y_tr), (X_val, y_val), (X_te, y_te)):
        np.testing.assert_array_equal(Xp[:, 0] % 4, yp)   # rows stay paired
    assert np.bincount(y_val).tolist() == [5, 5, 5, 5]
    again = data.train_val_test_split(X, y, val_size=0.2, test_size=0.1,
                                      rng=0, stratify=True)
    for a, b in zip(parts, again, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs, match", [
    (dict(val_size=0.5, test_size=0.5), "leave training samples"),
    (dict(val_size=0.0), "fraction in"),
    (dict(stratify=np.zeros(10)), "stratify=True or False"),
])
def test_train_val_test_split_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.train_val_test_split(np.ones((10, 1)), np.zeros(10), **kwargs)
