"""Bad input gets a ValueError that says what was expected and what was
received; calls in the wrong order get a RuntimeError; divergence stops
with an error naming the step."""

import numpy as np
import pytest

from dlbook import (SGD, Adam, Conv2D, Dense, Dropout, MaxPool2D,
                    MeanSquaredError, Momentum, ReLU, Sequential, Sigmoid,
                    Softmax, SparseCategoricalCrossentropy, Tanh, losses)


def _model():
    return Sequential([Dense(3, 4, rng=0), ReLU(), Dense(4, 2, rng=1)]) \
        .compile(loss=SparseCategoricalCrossentropy(from_logits=True),
                 optimizer=SGD(0.1))


def test_wrong_ndim():
    with pytest.raises(ValueError, match=r"expected X with 2 dimensions.*"
                       r"received shape \(3,\)"):
        _model().fit(np.zeros(3), np.zeros(3))


def test_different_sample_counts():
    with pytest.raises(ValueError, match="same number of samples.*X with 5"
                       ".*y with 4"):
        _model().fit(np.zeros((5, 3)), np.zeros(4))


def test_wrong_feature_count():
    with pytest.raises(ValueError, match=r"expected X with 3 features, "
                       r"received shape \(5, 2\)"):
        _model().predict(np.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"expected X of shape "
                       r"\(n_samples, 3\)"):
        Dense(3, 1).forward(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="height, width, 2"):
        Conv2D(2, 1, 3).forward(np.zeros((1, 5, 5, 3)))


def test_labels_out_of_range():
    with pytest.raises(ValueError, match=r"labels y in \[0, 1\] for 2 "
                       "classes, received values from 0 to 2"):
        _model().fit(np.zeros((3, 3)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="whole-number"):
        _model().fit(np.zeros((2, 3)), np.array([0.5, 1]))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf(bad):
    X = np.zeros((3, 3))
    X[1, 2] = bad
    with pytest.raises(ValueError, match="expected finite values in X, "
                       "received 1 NaN or infinite"):
        _model().fit(X, np.array([0, 1, 0]))
    with pytest.raises(ValueError, match="finite"):
        MeanSquaredError()(np.array([[0.0]]), np.array([[bad]]))


def test_empty_arrays():
    with pytest.raises(ValueError, match="non-empty X"):
        _model().fit(np.zeros((0, 3)), np.zeros(0))
    with pytest.raises(ValueError, match="non-empty"):
        MeanSquaredError()(np.zeros((0, 1)), np.zeros((0, 1)))


@pytest.mark.parametrize("make, message", [
    (lambda: Dense(0, 3), "positive integer.*n_in=0"),
    (lambda: Dense(2, -1), "positive integer.*n_out=-1"),
    (lambda: Dense(2.5, 1), "positive integer.*n_in=2.5"),
    (lambda: Conv2D(1, 4, 0), "kernel_size=0"),
    (lambda: MaxPool2D(0), "pool_size=0"),
    (lambda: Dropout(1.0), r"\[0, 1\).*rate=1.0"),
    (lambda: SGD(0), "positive number.*lr=0"),
    (lambda: Adam(lr=-1e-3), "positive number.*lr=-0.001"),
    (lambda: Momentum(0.1, momentum=1.5), "momentum=1.5"),
    (lambda: SGD(float("nan")), "lr=nan"),
])
def test_non_positive_sizes_and_rates(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_fit_arguments():
    X, y = np.zeros((4, 3)), np.zeros(4, dtype=int)
    with pytest.raises(ValueError, match="epochs=0"):
        _model().fit(X, y, epochs=0)
    with pytest.raises(ValueError, match="batch_size=-2"):
        _model().fit(X, y, batch_size=-2)
    with pytest.raises(ValueError, match="rng"):
        _model().fit(X, y, rng="seed")


@pytest.mark.parametrize("layer", [Dense(2, 2), Sigmoid(), Tanh(), ReLU(),
                                   Softmax(), Conv2D(1, 1, 1),
                                   MaxPool2D(2)])
def test_backward_before_forward(layer):
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.zeros((1, 2)))


def test_training_before_compile():
    model = Sequential([Dense(1, 1)])
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(np.zeros((2, 1)), np.zeros(2))


def test_unknown_names():
    with pytest.raises(ValueError, match="received: 'hinge'"):
        losses.get_loss("hinge")
    with pytest.raises(ValueError, match="received: 'rmsprop'"):
        _model().compile(optimizer="rmsprop")
    with pytest.raises(ValueError, match="init='ones'"):
        Dense(2, 2, init="ones")


def test_no_silent_broadcasting():
    y_hat = np.array([[1.0], [2.0], [3.0]])
    y = np.array([1.0, 2.0, 4.0])
    mse = MeanSquaredError()
    # (n,) against (n, 1) is taken as n pairs, not an (n, n) grid
    assert mse(y, y_hat) == pytest.approx(1 / 3)
    assert mse.gradient(y, y_hat).shape == (3, 1)
    with pytest.raises(ValueError, match=r"shape of y_pred \(3, 2\).*never "
                       "broadcast"):
        mse(np.zeros(3), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="shape"):
        mse(np.zeros((1, 3)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="dout of shape"):
        layer = Dense(2, 1)
        layer.forward(np.zeros((3, 2)))
        layer.backward(np.zeros((1, 3)))


def test_divergence_names_the_step_and_suggests_smaller_lr():
    X = np.linspace(-10, 10, 50)[:, None]
    y = 3 * X[:, 0]
    model = Sequential([Dense(1, 1, rng=0)]).compile(loss="mse",
                                                     optimizer=SGD(lr=10.0))
    message = r"epoch \d+, step \d+.*smaller learning rate.*lr=10.0"
    with np.errstate(over="ignore", invalid="ignore"), \
            pytest.raises(FloatingPointError, match=message):
        model.fit(X, y, epochs=500, batch_size=50)


def test_shapes_too_small_for_the_kernel():
    with pytest.raises(ValueError, match="at least 3x3 pixels.*received 2x2"):
        Conv2D(1, 4, 3).output_shape((2, 2, 1))
    with pytest.raises(ValueError, match="pool_size=2, received 1x1"):
        MaxPool2D(2).output_shape((1, 1, 4))
