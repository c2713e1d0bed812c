"""Keras twins of dlbook models: the only module that imports TensorFlow.

``to_keras(model)`` builds the Keras model equivalent to a scratch
``Sequential``, layer for layer, with the same weights; ``keras_loss`` and
``keras_optimizer`` translate the loss and the optimizer; and
``keras_gradients`` computes the loss gradients with ``tf.GradientTape``
so that every backward pass in the book can be checked against
TensorFlow.  Importing this module silences TensorFlow's start-up logs.

Taught in: chapter 4 (every verification cell) and chapter 5, "Practice".
"""

import contextlib
import logging
import os
import sys

import numpy as np


@contextlib.contextmanager
def _quiet_stderr():
    """Send file descriptor 2 to /dev/null: TensorFlow's C++ start-up lines
    (oneDNN, CUDA probing) are written there before any Python logging
    setting applies, and TF_CPP_MIN_LOG_LEVEL no longer stops all of them.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
with _quiet_stderr():
    import tensorflow as tf
    import keras
    # Devices are fixed when the runtime starts.  To train on several
    # logical CPUs (chapter 7, tf.distribute), set DLBOOK_LOGICAL_CPUS=<n>
    # in os.environ before importing this module.
    _n_cpus = int(os.environ.get("DLBOOK_LOGICAL_CPUS", "0") or 0)
    if _n_cpus > 1:
        tf.config.set_logical_device_configuration(
            tf.config.list_physical_devices("CPU")[0],
            [tf.config.LogicalDeviceConfiguration()] * _n_cpus)
    tf.constant(0.0) + 1.0      # starting the runtime logs too: do it here

from . import layers as L
from . import losses, optim, zoo
from ._checks import as_float_array

tf.get_logger().setLevel(logging.ERROR)


def keras_layer(layer, dtype="float32"):
    """The Keras layer that computes what a dlbook layer computes."""
    if isinstance(layer, L.Dense):
        return keras.layers.Dense(layer.n_out, dtype=dtype)
    if isinstance(layer, L.Conv2D):
        return keras.layers.Conv2D(layer.filters, layer.kernel_size,
                                   strides=layer.stride,
                                   padding=layer.padding, dtype=dtype)
    if isinstance(layer, L.MaxPool2D):
        return keras.layers.MaxPooling2D(layer.pool_size, layer.stride,
                                         dtype=dtype)
    simple = {
        L.Sigmoid: lambda: keras.layers.Activation("sigmoid", dtype=dtype),
        L.Tanh: lambda: keras.layers.Activation("tanh", dtype=dtype),
        L.ReLU: lambda: keras.layers.ReLU(dtype=dtype),
        L.Softmax: lambda: keras.layers.Softmax(dtype=dtype),
        L.Flatten: lambda: keras.layers.Flatten(dtype=dtype),
    }
    if type(layer) in simple:
        return simple[type(layer)]()
    if isinstance(layer, L.LeakyReLU):
        return keras.layers.LeakyReLU(negative_slope=layer.alpha,
                                      dtype=dtype)
    if isinstance(layer, L.Dropout):
        return keras.layers.Dropout(layer.rate, dtype=dtype)
    raise ValueError(f"expected a dlbook layer with a Keras twin, received:"
                     f" {layer!r}")


def keras_loss(loss, dtype="float32"):
    """The Keras loss equal to a dlbook ``Loss`` (mean over the batch)."""
    loss = losses.get_loss(loss)
    if isinstance(loss, losses.MeanSquaredError):
        mse = keras.losses.MeanSquaredError(dtype=dtype)
        if not loss.half:
            return mse
        return lambda y, y_hat: 0.5 * mse(y, y_hat)
    classes = {
        losses.SparseCategoricalCrossentropy:
            keras.losses.SparseCategoricalCrossentropy,
        losses.CategoricalCrossentropy: keras.losses.CategoricalCrossentropy,
        losses.BinaryCrossentropy: keras.losses.BinaryCrossentropy,
    }
    return classes[type(loss)](from_logits=loss.from_logits, dtype=dtype)


def keras_optimizer(optimizer):
    """A fresh Keras optimizer with the same rule and hyperparameters."""
    if isinstance(optimizer, optim.Adam):
        return keras.optimizers.Adam(
            learning_rate=optimizer.lr, beta_1=optimizer.beta_1,
            beta_2=optimizer.beta_2, epsilon=optimizer.epsilon)
    if isinstance(optimizer, optim.Momentum):
        return keras.optimizers.SGD(learning_rate=optimizer.lr,
                                    momentum=optimizer.momentum)
    if isinstance(optimizer, optim.SGD):
        return keras.optimizers.SGD(learning_rate=optimizer.lr)
    raise ValueError(f"expected a dlbook optimizer, received: {optimizer!r}")


def _input_shape(model, input_shape):
    if input_shape is not None:
        return tuple(input_shape)
    if getattr(model, "_input_shape", None) is not None:
        return tuple(model._input_shape)
    first = model.layers[0]
    if isinstance(first, L.Dense):
        return (first.n_in,)
    raise ValueError("expected input_shape=(height, width, channels) for a "
                     "model that does not start with Dense, received None")


def to_keras(model, input_shape=None, dtype="float32", compile=True):
    """Build the Keras twin of a dlbook ``Sequential``, same weights.

    Parameters
    ----------
    model : dlbook.Sequential
    input_shape : tuple, optional
        One sample's shape; needed when the model starts with Conv2D and
        has not seen data yet.
    dtype : "float32" (Keras's default) or "float64"
    compile : bool
        If the scratch model is compiled, compile the twin with the same
        loss, a fresh optimizer of the same kind, and the same metrics.

    Returns
    -------
    keras.Sequential
    """
    shape = _input_shape(model, input_shape)
    twin = keras.Sequential(
        [keras.Input(shape=shape, dtype=dtype)]
        + [keras_layer(layer, dtype) for layer in model.layers])
    twin.set_weights([w.astype(dtype) for w in model.get_weights()])
    if compile and model.loss is not None:
        twin.compile(loss=keras_loss(model.loss, dtype),
                     optimizer=keras_optimizer(model.optimizer),
                     metrics=list(model.metrics))
    return twin


def keras_gradients(model, X, y, loss=None, dtype="float64",
                    input_shape=None):
    """Loss and gradients of a scratch model's twin, by ``tf.GradientTape``.

    Returns ``(loss_value, grads)`` with ``grads`` keyed like
    ``model.params`` ("0.W", "0.b", ...), as NumPy arrays, and also
    ``grads["X"]``, the gradient with respect to the input.
    """
    loss = model.loss if loss is None else losses.get_loss(loss)
    if loss is None:
        raise ValueError("expected a loss (compile the model or pass "
                         "loss=...), received None")
    twin = to_keras(model, input_shape=input_shape or np.shape(X)[1:],
                    dtype=dtype, compile=False)
    X = tf.constant(as_float_array(X, "X", dtype))
    y_true = _keras_target(loss, y, dtype)
    with tf.GradientTape() as tape:
        tape.watch(X)
        value = keras_loss(loss, dtype)(y_true, twin(X, training=False))
    grads = tape.gradient(value, twin.trainable_weights + [X])
    out = {key: g.numpy() for key, g in zip(model.params, grads[:-1])}
    out["X"] = grads[-1].numpy()
    return float(value), out


def _keras_target(loss, y, dtype):
    if isinstance(loss, losses.SparseCategoricalCrossentropy):
        return tf.constant(np.asarray(y).reshape(-1).astype("int64"))
    y = np.asarray(y, dtype=dtype)
    return tf.constant(y)


def train_steps(twin, X, y, steps):
    """Full-batch training of a compiled Keras model; returns the loss
    before each of ``steps`` updates (what ``train_on_batch`` reports)."""
    return [float(np.asarray(twin.train_on_batch(X, y, return_dict=True)
                             ["loss"])) for _ in range(steps)]


# -- builders: the Keras model of each model the book trains -------------
def linear_model(rng=0, n_in=1):
    """Keras twin of ``zoo.linear_regression``."""
    return to_keras(zoo.linear_regression(n_in, rng=rng))


def xor_model(rng=0, hidden=8, activation="tanh"):
    """Keras twin of ``zoo.xor_net``."""
    return to_keras(zoo.xor_net(hidden, activation, rng=rng))


def mlp_model(sizes, activation="relu", rng=0):
    """Keras twin of ``zoo.mlp``."""
    return to_keras(zoo.mlp(sizes, activation, rng=rng))


def cnn_model(rng=0, **kwargs):
    """Keras twin of ``zoo.digits_cnn`` for 8x8x1 images."""
    return to_keras(zoo.digits_cnn(rng=rng, **kwargs),
                    input_shape=(8, 8, 1))
