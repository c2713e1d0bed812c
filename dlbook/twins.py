"""Keras twins of dlbook models: the only module that imports TensorFlow.

``to_keras(model)`` builds the Keras model equivalent to a scratch model,
layer for layer, with the same weights; ``keras_loss`` and
``keras_optimizer`` translate the loss and the optimizer; and
``keras_gradients`` and ``keras_backward`` compute gradients with
``tf.GradientTape`` so that every backward pass in the book can be checked
against TensorFlow.  Importing this module silences TensorFlow's start-up
logs.

Every dlbook layer has an entry in a registry: a function that builds its
Keras counterpart (see ``Twin``).  A model made only of layers with one
Keras layer each becomes a ``keras.Sequential``; one holding an
``EmbeddingBag``, ``SelfAttention``, ``GraphConv``, ``MatrixFactorization``
or ``Residual`` becomes a functional ``keras.Model``.  A new layer gets its
twin from one ``@_twin_of(NewLayer)`` builder; ``tests/test_twins.py``
checks every layer the package defines.

Taught in: chapter 4 (every verification cell), chapter 5, "Practice",
and the Keras checks of chapters 6 and 8.
"""

import contextlib
from functools import partial
import logging
import os
import sys
from typing import Callable, NamedTuple

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

from keras import ops

from . import layers as L
from . import losses, optim, regularizers, zoo
from ._checks import as_float_array
from .attention import KERAS_ORDER, MultiHeadAttention
from .embedding import Embedding, EmbeddingBag, MatrixFactorization
from .graph import GraphConv
from .model import Sequential
from .normalization import BatchNormalization, LayerNormalization
from .recurrent import SimpleRNN
from .residual import Residual
from .transformer import (FeedForward, GlobalAveragePooling1D,
                          PositionalEncoding, PositionEmbedding,
                          TransformerEncoderBlock)

tf.get_logger().setLevel(logging.ERROR)


# -- one entry per dlbook layer ------------------------------------------
class Twin(NamedTuple):
    """The Keras counterpart of one dlbook layer, before it is wired in.

    Attributes
    ----------
    call : callable
        Keras tensor -> Keras tensor: applies the Keras layers (usable in
        the functional API: ``y = twin.call(x)``).
    weights : list of (keras layer, list of str, list of ndarray)
        For each Keras layer that holds weights: the dlbook parameter keys
        its trainable weights stand for (to map their gradients back), and
        the values of all its weights in Keras's layout and
        ``get_weights()`` order (state such as moving statistics
        included), to set once it is built.
    layers : list of keras layers, or None
        The Keras layers in order when applying them one after the other
        is all ``call`` does (then ``keras.Sequential`` can hold them);
        None when the twin needs the functional API.
    """

    call: Callable
    weights: list
    layers: list = None


class _Entry(NamedTuple):
    build: Callable            # (dlbook layer, dtype) -> Twin
    sample_shape: Callable     # dlbook layer -> one sample's shape, or None
    ids: bool                  # takes integer ids, not floats


_TWINS = {}


def _twin_of(cls, sample_shape=None, ids=False):
    """Register the twin builder of the dlbook layer class ``cls``.

    ``sample_shape(layer)`` gives one input sample's shape when the layer
    tells it (``Dense``: ``(n_in,)``); ``ids=True`` for layers whose input
    is integer ids (the Keras ``Input`` is then int64).
    """
    def register(build):
        _TWINS[cls] = _Entry(build, sample_shape, ids)
        return build
    return register


def _entry(layer):
    for cls in type(layer).__mro__:
        if cls in _TWINS:
            return _TWINS[cls]
    raise ValueError(f"expected a dlbook layer with a Keras twin, received:"
                     f" {layer!r}")


def _twin(layer, dtype):
    return _entry(layer).build(layer, dtype)


def _one(klayer, layer):
    """The twin of a layer that is one Keras layer whose weights are the
    layer's params, in the same order and layouts."""
    weights = [(klayer, list(layer.params), list(layer.params.values()))]
    return Twin(klayer, weights if layer.params else [], [klayer])


def _first(layer):
    """The layer that receives a container's input."""
    while isinstance(layer, L.Container):
        layer = layer.layers[0]
    return layer


@_twin_of(L.Dense, sample_shape=lambda la: (la.n_in,))
def _dense(layer, dtype):
    return _one(keras.layers.Dense(
        layer.n_out, kernel_regularizer=keras_regularizer(
            layer.regularizers.get("W")), dtype=dtype), layer)


@_twin_of(L.Conv2D)
def _conv2d(layer, dtype):
    return _one(keras.layers.Conv2D(
        layer.n_out, layer.kernel_size, strides=layer.stride,
        padding=layer.padding, kernel_regularizer=keras_regularizer(
            layer.regularizers.get("W")), dtype=dtype), layer)


@_twin_of(L.MaxPool2D)
def _max_pool2d(layer, dtype):
    return _one(keras.layers.MaxPooling2D(layer.pool_size, layer.stride,
                                          dtype=dtype), layer)


# layers whose twin is one Keras layer built from the layer's settings
_KERAS_LAYER = {
    L.GlobalAveragePooling2D: lambda la: keras.layers.GlobalAveragePooling2D,
    GlobalAveragePooling1D: lambda la: keras.layers.GlobalAveragePooling1D,
    L.Sigmoid: lambda la: partial(keras.layers.Activation, "sigmoid"),
    L.Tanh: lambda la: partial(keras.layers.Activation, "tanh"),
    L.ReLU: lambda la: keras.layers.ReLU,
    L.LeakyReLU: lambda la: partial(keras.layers.LeakyReLU,
                                    negative_slope=la.alpha),
    L.Softmax: lambda la: keras.layers.Softmax,
    L.Flatten: lambda la: keras.layers.Flatten,
    L.Dropout: lambda la: partial(keras.layers.Dropout, la.rate),
}


def _keras_layer_twin(make):
    def build(layer, dtype):
        return _one(make(layer)(dtype=dtype), layer)
    return build


for _cls, _make in _KERAS_LAYER.items():
    _twin_of(_cls)(_keras_layer_twin(_make))


@_twin_of(BatchNormalization)
def _batch_normalization(layer, dtype):
    bn = keras.layers.BatchNormalization(momentum=layer.momentum,
                                         epsilon=layer.epsilon, dtype=dtype)
    p = layer.params                    # + the moving statistics, no grads
    arrays = [p["gamma"], p["beta"]] + layer.get_state()
    return Twin(bn, [(bn, ["gamma", "beta"], arrays)], [bn])


@_twin_of(LayerNormalization)
def _layer_normalization(layer, dtype):
    return _one(keras.layers.LayerNormalization(epsilon=layer.epsilon,
                                                dtype=dtype), layer)


@_twin_of(SimpleRNN, sample_shape=lambda la: (None, la.n_in))
def _simple_rnn(layer, dtype):
    return _one(keras.layers.SimpleRNN(
        layer.n_out, return_sequences=layer.return_sequences, dtype=dtype),
        layer)


@_twin_of(Embedding, sample_shape=lambda la: (None,), ids=True)
def _embedding(layer, dtype):
    return _one(keras.layers.Embedding(layer.n_ids, layer.dim, dtype=dtype),
                layer)


@_twin_of(EmbeddingBag, sample_shape=lambda la: (None,), ids=True)
def _embedding_bag(layer, dtype):
    # Keras's Embedding(mask_zero=True) + GlobalAveragePooling1D() is the
    # same mean for pad_id=0, except that a row of padding only gives 0/0;
    # the mask written out matches dlbook for any pad_id and such rows.
    emb = keras.layers.Embedding(layer.n_ids, layer.dim, dtype=dtype)
    pad_id = layer.pad_id

    def call(ids):                                      # (n, T)
        keep = ops.cast(ops.not_equal(ids, pad_id), dtype)
        count = ops.maximum(ops.sum(keep, axis=1, keepdims=True), 1.0)
        total = ops.sum(emb(ids) * keep[:, :, None], axis=1)  # (n, dim)
        return total / count
    return Twin(call, [(emb, ["E"], [layer.params["E"]])])


@_twin_of(MatrixFactorization, sample_shape=lambda la: (2,), ids=True)
def _matrix_factorization(layer, dtype):
    p = layer.params
    P = keras.layers.Embedding(layer.n_users, layer.dim, dtype=dtype)
    Q = keras.layers.Embedding(layer.n_items, layer.dim, dtype=dtype)
    b_user = keras.layers.Embedding(layer.n_users, 1, dtype=dtype)
    b_item = keras.layers.Embedding(layer.n_items, 1, dtype=dtype)
    dot = keras.layers.Dot(axes=1, dtype=dtype)
    add = keras.layers.Add(dtype=dtype)
    mu = layer.mu

    def call(pairs):                                    # (n, 2)
        u, i = pairs[:, 0], pairs[:, 1]
        return add([dot([P(u), Q(i)]), b_user(u), b_item(i)]) + mu
    return Twin(call, [(P, ["P"], [p["P"]]), (Q, ["Q"], [p["Q"]]),
                       (b_user, ["b_user"], [p["b_user"][:, None]]),
                       (b_item, ["b_item"], [p["b_item"][:, None]])])


@_twin_of(MultiHeadAttention, sample_shape=lambda la: (None, la.d_model))
def _multi_head_attention(layer, dtype):
    # also SelfAttention's, its one-head case
    mha = keras.layers.MultiHeadAttention(num_heads=layer.num_heads,
                                          key_dim=layer.key_dim, dtype=dtype)
    causal = layer.causal
    return Twin(lambda x: mha(x, x, use_causal_mask=causal),
                [(mha, list(KERAS_ORDER), layer.keras_weights())])


class _AddPositions(keras.layers.Layer):
    """``x + P[:T]`` for sequences ``x`` (n, T, d): the twin of
    ``PositionEmbedding`` (``P`` a trainable (max_len, d) weight) and, with
    ``max_len=None``, of ``PositionalEncoding`` (``P`` the sinusoids,
    computed for each length as ``attention.positional_encoding`` does).
    """

    def __init__(self, d_model, max_len=None, **kwargs):
        super().__init__(**kwargs)
        self.d_model = d_model
        self.P = None if max_len is None else self.add_weight(
            shape=(max_len, d_model), initializer="zeros", name="P")

    def call(self, x):
        T = ops.shape(x)[1]
        if self.P is not None:
            return x + self.P[:T]
        t = ops.cast(ops.arange(T), x.dtype)[:, None]       # (T, 1)
        i = ops.arange(self.d_model)[None, :]               # (1, d)
        angle = t / ops.power(10000.0, ops.cast(2 * (i // 2), x.dtype)
                              / self.d_model)
        return x + ops.where(i % 2 == 0, ops.sin(angle), ops.cos(angle))


@_twin_of(PositionalEncoding, sample_shape=lambda la: (None, la.d_model))
def _positional_encoding(layer, dtype):
    return _one(_AddPositions(layer.d_model, dtype=dtype), layer)


@_twin_of(PositionEmbedding, sample_shape=lambda la: (None, la.d_model))
def _position_embedding(layer, dtype):
    return _one(_AddPositions(layer.d_model, layer.max_len, dtype=dtype),
                layer)


@_twin_of(GraphConv, sample_shape=lambda la: (la.n_in,))
def _graph_conv(layer, dtype):
    dense = keras.layers.Dense(layer.n_out, dtype=dtype)
    A_hat = ops.convert_to_tensor(layer.A_hat, dtype=dtype)
    return Twin(lambda x: dense(ops.matmul(A_hat, x)),
                [(dense, ["W", "b"], [layer.params["W"],
                                      layer.params["b"]])])


def _chain(layers, dtype):
    """One twin applying the twins of ``layers`` in order; the keys get
    the containers' ``"<index>."`` prefixes."""
    twins = [_twin(layer, dtype) for layer in layers]

    def call(x):
        for twin in twins:
            x = twin.call(x)
        return x
    weights = [(klayer, [f"{i}.{key}" for key in keys], arrays)
               for i, twin in enumerate(twins)
               for klayer, keys, arrays in twin.weights]
    plain = all(twin.layers is not None for twin in twins)
    return Twin(call, weights, [k for twin in twins for k in twin.layers]
                if plain else None)


def _container_shape(layer):
    return _sample_shape(_first(layer))


@_twin_of(FeedForward, sample_shape=lambda la: (None, la.d_model))
@_twin_of(TransformerEncoderBlock,
          sample_shape=lambda la: (None, la.d_model))
@_twin_of(Sequential, sample_shape=_container_shape)
def _sequential(layer, dtype):
    return _chain(layer.layers, dtype)


@_twin_of(Residual, sample_shape=_container_shape)
def _residual(layer, dtype):
    branch = _chain(layer.layers, dtype)
    add = keras.layers.Add(dtype=dtype)
    return Twin(lambda x: add([x, branch.call(x)]), branch.weights)


def _sample_shape(layer):
    entry = _entry(layer)
    return None if entry.sample_shape is None else entry.sample_shape(layer)


def _takes_ids(layer):
    return _entry(_first(layer)).ids


# -- models ---------------------------------------------------------------
def _input_shape(model, input_shape):
    if input_shape is not None:
        return tuple(input_shape)
    if getattr(model, "_input_shape", None) is not None:
        return tuple(model._input_shape)
    shape = _sample_shape(model)
    if shape is None:
        raise ValueError(
            "expected input_shape=(one sample's shape, e.g. height, width, "
            f"channels) for a model that starts with {_first(model)!r}, "
            "which does not tell it, received None")
    return shape


def _build(model, input_shape, dtype, twin=None):
    """The Keras twin of ``model`` with its weights set, and the list of
    (dlbook key, Keras variable) pairs."""
    if not isinstance(model, L.Layer):
        raise ValueError("expected a dlbook Sequential or layer, received: "
                         f"{model!r}")
    twin = _twin(model, dtype) if twin is None else twin
    x = keras.Input(shape=_input_shape(model, input_shape),
                    dtype="int64" if _takes_ids(model) else dtype)
    if twin.layers is not None:
        keras_model = keras.Sequential([x] + twin.layers)
    else:
        keras_model = keras.Model(x, twin.call(x))
    variables = []
    for klayer, keys, arrays in twin.weights:
        klayer.set_weights([np.asarray(a, dtype=dtype) for a in arrays])
        variables += zip(keys, klayer.trainable_weights, strict=True)
    return keras_model, variables


def to_keras(model, input_shape=None, *, dtype="float32", compile=True):
    """Build the Keras twin of a dlbook model, same weights.

    Parameters
    ----------
    model : dlbook.Sequential or any dlbook layer
        A single layer (``Residual``, ``SelfAttention``, ...) becomes a
        one-layer model.
    input_shape : tuple, optional
        One sample's shape; needed when the first layer does not tell it
        (``Conv2D``, an activation) and the model has not seen data yet.
        Ids of any length are ``(None,)``, sequences ``(None, d_model)``.
    dtype : "float32" (Keras's default) or "float64"
        Of the weights and float inputs; id inputs are int64.
    compile : bool
        If the scratch model is compiled, compile the twin with the same
        loss, a fresh optimizer of the same kind, and the same metrics.

    Returns
    -------
    keras.Sequential, or a functional keras.Model when a layer needs the
    functional API (``EmbeddingBag``, ``MatrixFactorization``,
    ``SelfAttention``, ``GraphConv``, ``Residual``).
    """
    twin, _ = _build(model, input_shape, dtype)
    if compile and getattr(model, "loss", None) is not None:
        twin.compile(loss=keras_loss(model.loss, dtype=dtype),
                     optimizer=keras_optimizer(model.optimizer),
                     metrics=list(model.metrics))
    return twin


def keras_layer(layer, *, dtype="float32", input_shape=None):
    """The Keras layer that computes what a dlbook layer computes, with
    the same weights.

    That is the one Keras layer when there is one (``Dense`` ->
    ``keras.layers.Dense``, built); for a layer Keras composes from
    several (``EmbeddingBag``, ``SelfAttention``, ``GraphConv``,
    ``MatrixFactorization``, ``Residual``, ``Sequential``), the functional
    ``keras.Model`` of ``to_keras``, itself a Keras layer.  Both are
    called like ``klayer(X)``.  ``input_shape`` (one sample's) is needed
    where the layer does not tell it (``Conv2D``, containers that start
    with one).
    """
    twin = _twin(layer, dtype)
    single = twin.layers is not None and len(twin.layers) == 1
    if single and not twin.weights:
        return twin.layers[0]            # nothing to build or set
    keras_model, _ = _build(layer, input_shape, dtype, twin)
    return twin.layers[0] if single else keras_model


def _inputs(model, X, dtype):
    """``X`` as a tensor for the twin: int64 ids or floats to watch."""
    if not _takes_ids(model):
        return tf.constant(as_float_array(X, "X", dtype))
    ids = np.asarray(X)
    if not np.issubdtype(ids.dtype, np.number) or np.any(
            ids != np.round(ids)):
        raise ValueError("expected whole-number ids in X, received dtype "
                         f"{ids.dtype} with non-integer values")
    return tf.constant(ids.astype(np.int64))


def _tape(model, X, objective, dtype, input_shape, training):
    """Run the twin on ``X`` under a tape; returns the output, the value
    of ``objective(output)`` and its gradients keyed like
    ``model.params``, plus ``"X"`` when ``X`` holds floats."""
    twin, variables = _build(model, input_shape or np.shape(X)[1:], dtype)
    X = _inputs(model, X, dtype)
    float_input = X.dtype.is_floating
    with tf.GradientTape() as tape:
        if float_input:
            tape.watch(X)
        Y = twin(X, training=training)
        value = objective(Y)
    sources = [v for _, v in variables] + ([X] if float_input else [])
    grads = tape.gradient(value, sources)
    params = model.params
    out = {}
    for (key, v), g in zip(variables, grads):
        g = np.zeros(v.shape, dtype) if g is None else \
            tf.convert_to_tensor(g).numpy()     # embeddings: sparse rows
        out[key] = g.reshape(params[key].shape)
    out = {key: out[key] for key in params}
    if float_input:
        out["X"] = grads[-1].numpy()
    return Y.numpy(), float(value), out


def keras_gradients(model, X, y, *, loss=None, dtype="float64",
                    input_shape=None):
    """Loss and gradients of a scratch model's twin, by ``tf.GradientTape``.

    Returns ``(loss_value, grads)`` with ``grads`` keyed like
    ``model.params`` ("0.W", "0.b", ...), as NumPy arrays, and also
    ``grads["X"]``, the gradient with respect to the input (absent when
    the input is ids, which have none).
    """
    loss = getattr(model, "loss", None) if loss is None else \
        losses.get_loss(loss)
    if loss is None:
        raise ValueError("expected a loss (compile the model or pass "
                         "loss=...), received None")
    y_true = _keras_target(loss, y, dtype)
    keras_fn = keras_loss(loss, dtype=dtype)
    _, value, grads = _tape(model, X, lambda y_pred: keras_fn(y_true, y_pred),
                            dtype, input_shape, training=False)
    return value, grads


def keras_backward(model, X, dout, *, training=False, dtype="float64",
                   input_shape=None):
    """What ``model.forward(X)`` then ``model.backward(dout)`` compute,
    computed by the Keras twin and ``tf.GradientTape``.

    The gradients are those of ``L = sum(output * dout)``, whose gradient
    with respect to the output is ``dout``.

    Parameters
    ----------
    model : dlbook.Sequential or any dlbook layer
    X : array_like, one batch of inputs (floats or integer ids)
    dout : array_like, the shape of the output
    training : bool
        Run the twin in training mode (Keras's ``Dropout`` then draws its
        own mask).

    Returns
    -------
    output : ndarray
        The twin's output on ``X``.
    grads : dict of ndarray
        Keyed like ``model.params``, in the same shapes, and ``"X"``
        (``dL/dX``) when ``X`` holds floats.
    """
    R = tf.constant(np.asarray(dout, dtype=dtype))
    Y, _, grads = _tape(model, X, lambda Y: tf.reduce_sum(Y * R), dtype,
                        input_shape, training)
    return Y, grads


def keras_loss(loss, *, dtype="float32"):
    """The Keras loss equal to a dlbook ``Loss`` (mean over the batch)."""
    loss = losses.get_loss(loss)
    if isinstance(loss, losses.MeanSquaredError):
        mse = keras.losses.MeanSquaredError(dtype=dtype)
        if not loss.half:
            return mse
        return lambda y_true, y_pred: 0.5 * mse(y_true, y_pred)
    classes = {
        losses.SparseCategoricalCrossentropy:
            keras.losses.SparseCategoricalCrossentropy,
        losses.CategoricalCrossentropy: keras.losses.CategoricalCrossentropy,
        losses.BinaryCrossentropy: keras.losses.BinaryCrossentropy,
    }
    return classes[type(loss)](from_logits=loss.from_logits, dtype=dtype)


def _keras_target(loss, y, dtype):
    if isinstance(loss, losses.SparseCategoricalCrossentropy):
        return tf.constant(np.asarray(y).reshape(-1).astype("int64"))
    y = np.asarray(y, dtype=dtype)
    return tf.constant(y)


def keras_optimizer(optimizer):
    """A fresh Keras optimizer with the same rule, hyperparameters,
    learning-rate schedule and weight decay."""
    common = {"learning_rate": keras_schedule(optimizer.lr),
              "weight_decay": optimizer.weight_decay}
    if isinstance(optimizer, optim.Adam):
        kind = keras.optimizers.AdamW if isinstance(optimizer, optim.AdamW) \
            else keras.optimizers.Adam
        return kind(beta_1=optimizer.beta_1, beta_2=optimizer.beta_2,
                    epsilon=optimizer.epsilon, **common)
    if isinstance(optimizer, optim.Momentum):
        return keras.optimizers.SGD(momentum=optimizer.momentum, **common)
    if isinstance(optimizer, optim.SGD):
        return keras.optimizers.SGD(**common)
    raise ValueError(f"expected a dlbook optimizer, received: {optimizer!r}")


def keras_schedule(lr):
    """A learning rate, or the Keras schedule equal to a dlbook one."""
    schedules = keras.optimizers.schedules
    if isinstance(lr, optim.ExponentialDecay):
        return schedules.ExponentialDecay(lr.initial_lr, lr.decay_steps,
                                          lr.decay_rate,
                                          staircase=lr.staircase)
    if isinstance(lr, optim.PiecewiseConstantDecay):
        return schedules.PiecewiseConstantDecay(lr.boundaries, lr.values)
    if isinstance(lr, optim.CosineDecay):
        return schedules.CosineDecay(lr.initial_lr, lr.decay_steps,
                                     alpha=lr.alpha,
                                     warmup_target=lr.warmup_target,
                                     warmup_steps=lr.warmup_steps)
    if isinstance(lr, optim.Schedule):
        raise ValueError(f"expected a schedule with a Keras twin, received:"
                         f" {lr!r}")
    return lr


def keras_regularizer(regularizer):
    """The Keras regularizer equal to a dlbook one (or None)."""
    if regularizer is None:
        return None
    if isinstance(regularizer, regularizers.L2):
        return keras.regularizers.L2(regularizer.l2)
    if isinstance(regularizer, regularizers.L1):
        return keras.regularizers.L1(regularizer.l1)
    raise ValueError(f"expected a dlbook regularizer, received: "
                     f"{regularizer!r}")


def train_steps(twin, X, y, steps):
    """Full-batch training of a compiled Keras model; returns the loss
    before each of ``steps`` updates (what ``train_on_batch`` reports)."""
    return [float(np.asarray(twin.train_on_batch(X, y, return_dict=True)
                             ["loss"])) for _ in range(steps)]


# -- builders: the Keras model of each model the book trains -------------
# Same arguments, in the same order, as the zoo function each mirrors;
# ``dtype`` is the twin's (Keras's float32 by default).
def linear_model(n_in=1, *, rng=None, dtype="float32"):
    """Keras twin of ``zoo.linear_regression``."""
    return to_keras(zoo.linear_regression(n_in, rng=rng), dtype=dtype)


def xor_model(hidden=8, *, activation="tanh", rng=None, dtype="float32"):
    """Keras twin of ``zoo.xor_net``."""
    return to_keras(zoo.xor_net(hidden, activation=activation, rng=rng),
                    dtype=dtype)


def mlp_model(sizes, *, activation="relu", rng=None, dtype="float32"):
    """Keras twin of ``zoo.mlp``."""
    return to_keras(zoo.mlp(sizes, activation=activation, rng=rng),
                    dtype=dtype)


def cnn_model(*, filters=(32, 64, 64), dense=64, n_classes=10, rng=None,
              dtype="float32"):
    """Keras twin of ``zoo.digits_cnn`` for 8x8x1 images."""
    return to_keras(zoo.digits_cnn(filters=filters, dense=dense,
                                   n_classes=n_classes, rng=rng),
                    input_shape=(8, 8, 1), dtype=dtype)
