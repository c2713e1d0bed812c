"""What controls training beyond the update rule, each against Keras:
learning-rate schedules, decoupled weight decay (AdamW), L2 penalties
(``kernel_regularizer``), ``validation_split`` and early stopping with
the best weights restored."""

import numpy as np
import pytest

from dlbook import SGD, Adam, Dense, Sequential, Tanh, data
from dlbook.callbacks import EarlyStopping, best_epoch
from dlbook.gradcheck import numerical_gradient, relative_error
from dlbook.losses import MeanSquaredError
from dlbook.optim import (AdamW, CosineDecay, ExponentialDecay, Momentum,
                          PiecewiseConstantDecay)
from dlbook.regularizers import L1, L2, get_regularizer

SCHEDULES = {
    "exponential": (lambda: ExponentialDecay(0.1, 7, 0.5),
                    lambda k: k.ExponentialDecay(0.1, 7, 0.5)),
    "staircase": (lambda: ExponentialDecay(0.1, 7, 0.5, staircase=True),
                  lambda k: k.ExponentialDecay(0.1, 7, 0.5,
                                               staircase=True)),
    "piecewise": (lambda: PiecewiseConstantDecay([5, 12], [0.1, 0.03, 0.01]),
                  lambda k: k.PiecewiseConstantDecay([5, 12],
                                                     [0.1, 0.03, 0.01])),
    "cosine": (lambda: CosineDecay(0.1, 20, alpha=0.1),
               lambda k: k.CosineDecay(0.1, 20, alpha=0.1)),
    "cosine-warmup": (lambda: CosineDecay(0.0, 20, warmup_target=0.1,
                                          warmup_steps=5),
                      lambda k: k.CosineDecay(0.0, 20, warmup_target=0.1,
                                              warmup_steps=5)),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedules_equal_keras(name, tf):
    import keras
    ours, theirs = SCHEDULES[name]
    ours, theirs = ours(), theirs(keras.optimizers.schedules)
    steps = range(0, 30)
    np.testing.assert_allclose([ours(t) for t in steps],
                               [float(theirs(t)) for t in steps],
                               rtol=1e-6, atol=1e-9)


def test_cosine_warmup_shape():
    s = CosineDecay(0.0, 10, warmup_target=1.0, warmup_steps=4)
    assert [s(t) for t in range(5)] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert s(14) == pytest.approx(0.0, abs=1e-12)
    assert s(100) == pytest.approx(0.0, abs=1e-12)


def _regression(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3))
    y = np.tanh(X @ np.array([[1.0], [-2.0], [0.5]])) + \
        0.1 * rng.standard_normal((n, 1))
    return X, y


def _keras_twin(model):
    """The 3-4-1 tanh net in Keras, same weights, float64."""
    import keras
    twin = keras.Sequential([
        keras.Input((3,), dtype="float64"),
        keras.layers.Dense(4, activation="tanh", dtype="float64"),
        keras.layers.Dense(1, dtype="float64")])
    twin.set_weights(model.get_weights())
    return twin


def _model(regularizer=None):
    return Sequential([Dense(3, 4, rng=0, kernel_regularizer=regularizer),
                       Tanh(),
                       Dense(4, 1, rng=1, kernel_regularizer=regularizer)])


OPTIMIZERS = {
    "sgd-exponential": (lambda: SGD(ExponentialDecay(0.2, 3, 0.5)),
                        lambda k: k.optimizers.SGD(
                            k.optimizers.schedules.ExponentialDecay(
                                0.2, 3, 0.5))),
    "momentum-cosine-warmup": (
        lambda: Momentum(CosineDecay(0.0, 8, warmup_target=0.1,
                                     warmup_steps=3), 0.9),
        lambda k: k.optimizers.SGD(k.optimizers.schedules.CosineDecay(
            0.0, 8, warmup_target=0.1, warmup_steps=3), momentum=0.9)),
    "sgd-weight-decay": (lambda: SGD(0.1, weight_decay=0.5),
                         lambda k: k.optimizers.SGD(0.1, weight_decay=0.5)),
    "adamw": (lambda: AdamW(0.05, weight_decay=0.1),
              lambda k: k.optimizers.AdamW(0.05, weight_decay=0.1)),
    "adam-piecewise": (
        lambda: Adam(PiecewiseConstantDecay([4], [0.05, 0.005])),
        lambda k: k.optimizers.Adam(
            k.optimizers.schedules.PiecewiseConstantDecay(
                [4], [0.05, 0.005]))),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_schedules_and_weight_decay_take_keras_steps(name, tf):
    import keras
    ours, theirs = OPTIMIZERS[name]
    X, y = _regression()
    model = _model().compile(optimizer=ours(), loss="mse")
    twin = _keras_twin(model)
    twin.compile(optimizer=theirs(keras), loss="mse")
    ours_loss = [model.train_step(X, y) for _ in range(10)]
    keras_loss = [float(twin.train_on_batch(X, y)) for _ in range(10)]
    # Keras keeps hyperparameters (lr, betas, decay) as float32 variables,
    # which moves a float64 step by a few 1e-6 (see dlbook.optim)
    np.testing.assert_allclose(ours_loss, keras_loss, rtol=5e-5)
    for w, k in zip(model.get_weights(), twin.get_weights(), strict=True):
        assert relative_error(w, k) < 5e-5


def test_decoupled_decay_differs_from_l2_under_adam():
    """With SGD an L2 penalty l2 and weight decay 2*l2 take the same step;
    with Adam they do not: the penalty's gradient is rescaled per weight,
    the decoupled decay is not."""
    X, y = _regression()

    def final(optimizer, regularizer=None):
        model = _model(regularizer).compile(optimizer=optimizer, loss="mse")
        for _ in range(5):
            model.train_step(X, y)
        return np.concatenate([w.ravel() for w in model.get_weights()])

    lr, l2 = 0.1, 0.05
    sgd_l2 = final(SGD(lr), L2(l2))
    # SGD: decay applies to biases too, the penalty does not; compare the
    # kernels only (entries 0-11 and 16-19)
    sgd_wd = final(SGD(lr, weight_decay=2 * l2))
    kernels = np.r_[0:12, 16:20]
    assert relative_error(sgd_l2[kernels], sgd_wd[kernels]) < 0.05
    adam_l2 = final(Adam(lr), L2(l2))
    adam_wd = final(AdamW(lr, weight_decay=2 * l2))
    assert relative_error(adam_l2[kernels], adam_wd[kernels]) > \
        5 * relative_error(sgd_l2[kernels], sgd_wd[kernels])


def test_l2_training_equals_keras_kernel_regularizer(tf):
    # float32: Keras 3 sums regularization losses in float32 and fails on
    # float64 layers
    import keras
    X, y = (a.astype(np.float32) for a in _regression())
    model = Sequential(_model(L2(0.05)).layers, dtype=np.float32)
    model.compile(optimizer=SGD(0.125), loss="mse")
    reg = keras.regularizers.L2(0.05)
    twin = keras.Sequential([
        keras.Input((3,)),
        keras.layers.Dense(4, activation="tanh", kernel_regularizer=reg),
        keras.layers.Dense(1, kernel_regularizer=reg)])
    twin.set_weights(model.get_weights())
    twin.compile(optimizer=keras.optimizers.SGD(0.125), loss="mse")
    model.fit(X, y, epochs=6, batch_size=10, shuffle=False)
    keras_hist = twin.fit(X, y, epochs=6, batch_size=10, shuffle=False,
                          verbose=0).history
    # both report the mean of the batch losses, penalties included
    np.testing.assert_allclose(model.history_["loss"], keras_hist["loss"],
                               rtol=1e-5)
    for w, k in zip(model.get_weights(), twin.get_weights(), strict=True):
        assert relative_error(w, k) < 1e-5
    assert model.evaluate(X, y)["loss"] == pytest.approx(
        twin.evaluate(X, y, verbose=0), rel=1e-5)
    plain = Sequential(_model().layers, dtype=np.float32)
    plain.set_weights(model.get_weights()).compile(loss="mse")
    assert model.evaluate(X, y)["loss"] > plain.evaluate(X, y)["loss"]


def test_penalty_gradient_matches_finite_differences():
    X, y = _regression(n=7)
    model = _model(L2(0.3))
    model.layers[0].regularizers["W"] = L1(0.2)     # both kinds at once
    mse = MeanSquaredError()

    def objective(_):
        return mse(y, model.forward(X)) + model.penalty()

    model.backward(mse.gradient(y, model.forward(X)))
    model.add_penalty_gradients()
    analytic = {k: g.copy() for k, g in model.grads.items()}
    for key, p in model.params.items():
        err = relative_error(analytic[key], numerical_gradient(objective, p))
        assert err < 1e-6, f"{key}: {err:.1e}"


def test_penalty_values():
    W = np.array([[1.0, -2.0], [0.0, 3.0]])
    assert L2(0.1)(W) == pytest.approx(1.4)
    assert L1(0.1)(W) == pytest.approx(0.6)
    np.testing.assert_allclose(L2(0.1).gradient(W), 0.2 * W)
    np.testing.assert_allclose(L1(0.1).gradient(W), 0.1 * np.sign(W))
    assert isinstance(get_regularizer("l2"), L2)
    assert Dense(2, 2, kernel_regularizer="l2").penalty() > 0
    assert Dense(2, 2).penalty() == 0.0 and not Dense(2, 2).regularized


def test_validation_split_takes_the_last_fraction():
    X, y = _regression(n=50)
    split = _model().compile(optimizer=SGD(0.05), loss="mse")
    split.fit(X, y, epochs=3, batch_size=8, validation_split=0.2, rng=0)
    explicit = _model().compile(optimizer=SGD(0.05), loss="mse")
    explicit.fit(X[:40], y[:40], epochs=3, batch_size=8,
                 validation_data=(X[40:], y[40:]), rng=0)
    assert split.history_ == explicit.history_


def _early_stopping_data():
    X, y = data.make_moons(n_samples=60, noise=0.35, rng=3)
    return X[:20], y[:20].astype(float)[:, None], X[20:], \
        y[20:].astype(float)[:, None]


@pytest.mark.parametrize("restore", [True, False])
def test_early_stopping_stops_and_restores_like_keras(restore, tf):
    import keras
    X, y, X_val, y_val = _early_stopping_data()

    def net():
        return Sequential([Dense(2, 32, rng=0), Tanh(), Dense(32, 1, rng=1)])

    model = net().compile(optimizer=SGD(0.1), loss="mse")
    stop = EarlyStopping(patience=3, min_delta=1e-4,
                         restore_best_weights=restore)
    model.fit(X, y, epochs=300, batch_size=20, shuffle=False,
              validation_data=(X_val, y_val), callbacks=[stop])
    twin = keras.Sequential([keras.Input((2,), dtype="float64"),
                             keras.layers.Dense(32, activation="tanh",
                                                dtype="float64"),
                             keras.layers.Dense(1, dtype="float64")])
    twin.set_weights(net().get_weights())
    twin.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    k_stop = keras.callbacks.EarlyStopping(patience=3, min_delta=1e-4,
                                           restore_best_weights=restore)
    hist = twin.fit(X, y, epochs=300, batch_size=20, shuffle=False,
                    validation_data=(X_val, y_val), callbacks=[k_stop],
                    verbose=0).history
    ran = len(model.history_["val_loss"])
    assert 5 < ran < 300, "the example must really stop early"
    assert ran == len(hist["val_loss"])
    assert stop.stopped_epoch_ == k_stop.stopped_epoch
    assert stop.best_epoch_ == k_stop.best_epoch == \
        best_epoch(model.history_)
    np.testing.assert_allclose(model.history_["val_loss"],
                               hist["val_loss"], rtol=1e-6)
    for w, k in zip(model.get_weights(), twin.get_weights(), strict=True):
        np.testing.assert_allclose(w, k, rtol=1e-5, atol=1e-8)
    best_val = min(model.history_["val_loss"])
    now = model.evaluate(X_val, y_val)["loss"]
    if restore:
        assert now == pytest.approx(best_val, rel=1e-12)
    else:
        assert now > best_val


def test_early_stopping_errors():
    X, y, _, _ = _early_stopping_data()
    model = _model()
    model.layers[0] = Dense(2, 4, rng=0)
    model.compile(optimizer=SGD(0.1), loss="mse")
    with pytest.raises(ValueError, match="'val_loss' among the epoch"):
        model.fit(X, y, epochs=2, callbacks=[EarlyStopping()])
    with pytest.raises(ValueError, match="monitor in"):
        EarlyStopping("val_mse")
    with pytest.raises(ValueError, match="non-negative integer"):
        EarlyStopping(patience=-1)
    with pytest.raises(ValueError, match=r"number in \[0, 1\)"):
        model.fit(X, y, validation_split=1.0)
    with pytest.raises(ValueError, match="both sides"):
        model.fit(X, y, validation_split=0.99)


@pytest.mark.parametrize("bad, match", [
    (lambda: ExponentialDecay(0.1, 0, 0.5), "positive integer"),
    (lambda: ExponentialDecay(-0.1, 5, 0.5), "positive number"),
    (lambda: PiecewiseConstantDecay([5, 3], [1.0, 0.5, 0.1]), "increasing"),
    (lambda: PiecewiseConstantDecay([5], [1.0]), "one more value"),
    (lambda: CosineDecay(0.1, 10, alpha=2.0), r"number in \[0, 1\]"),
    (lambda: SGD(0.1, weight_decay=-1.0), "non-negative number"),
    (lambda: L2(-0.1), "non-negative number"),
    (lambda: get_regularizer("l3"), "expected None, L1, L2"),
])
def test_bad_arguments(bad, match):
    with pytest.raises(ValueError, match=match):
        bad()


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_to_keras_translates_schedules_decay_and_penalties(name, twins):
    X, y = _regression()
    ours = OPTIMIZERS[name][0]
    model = Sequential(_model(L2(0.01)).layers, dtype=np.float32)
    model.compile(optimizer=ours(), loss="mse")
    twin = twins.to_keras(model)        # compiled with a fresh twin optimizer
    assert twin.layers[0].kernel_regularizer.l2 == pytest.approx(0.01)
    assert type(twin.optimizer).__name__ == {
        "adamw": "AdamW", "adam-piecewise": "Adam"}.get(name, "SGD")
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    ours_loss = [model.train_step(X32, y32) for _ in range(8)]
    keras_loss = twins.train_steps(twin, X32, y32, 8)
    np.testing.assert_allclose(ours_loss, keras_loss, rtol=1e-4)
    for w, k in zip(model.get_weights(), twin.get_weights(), strict=True):
        assert relative_error(w, k) < 1e-4
