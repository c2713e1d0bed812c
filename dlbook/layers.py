"""Layers: each ``forward`` with its ``backward`` right under it.

A layer holds ``params`` and ``grads``, two dicts with the same keys.
``forward(X, training=False)`` caches what ``backward`` needs;
``backward(dout)`` takes ``dL/d(output)``, stores ``dL/d(param)`` in
``grads`` (overwriting, never accumulating) and returns ``dL/dX``.
Samples are rows; images are channels-last ``(n, height, width, channels)``
as in Keras, and kernels use the Keras layouts, so weights move to a Keras
twin with ``set_weights`` unchanged.

Every layer in dlbook names its arguments the same way:

* sizes come first and positionally: ``n_in, n_out`` for the widths a
  layer maps between (``Dense``, ``Conv2D``'s channels, ``GraphConv``,
  ``SimpleRNN``'s hidden units), ``n_ids`` for the rows of a lookup table,
  ``d_model`` for sequence layers that keep the width (attention, the
  Transformer), ``n_features`` for normalisation layers;
* every option after them is keyword-only: ``rng`` (seed or generator of
  the initial weights), ``init``, ``dtype``, and the layer's own;
* docstrings give shapes in a ``Shapes`` section, with ``n`` the number of
  samples, and say which chapter teaches the layer.

``Container`` (a layer made of layers: ``Sequential``, ``Residual``, the
Transformer block) owns its list of layers and exposes their parameters as
one flat dict.

Taught in: chapter 4, "A layer in matrix form" and "The chain rule and
backpropagation"; convolution in chapter 5, "A convolutional network".
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import activations as act
from ._checks import as_rng, check_scalar
from .init import get_initializer
from .regularizers import get_regularizer


class Layer:
    """Base class.  Subclasses set ``params`` and implement the pair
    ``forward`` / ``backward``."""

    def __init__(self):
        self._init_params()
        self._cache = None

    def _init_params(self):
        """Start with no parameters; a ``Container`` overrides this, since
        its ``params`` and ``grads`` are views of its layers' dicts."""
        self.params = {}
        self.grads = {}
        self.regularizers = {}

    def forward(self, X, training=False):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def param_gradients(self, dout):
        """Store ``dL/d(param)`` in ``grads`` without computing ``dL/dX``.

        What ``Sequential`` calls on its first layer while training: the
        data need no gradient.  Layers whose ``dL/dX`` costs real work
        (``Dense``, ``Conv2D``) skip it; the others run ``backward``.
        """
        self.backward(dout)

    def output_shape(self, input_shape):
        """Shape of one sample's output for one sample's input shape."""
        return tuple(input_shape)

    @property
    def n_params(self):
        return int(sum(p.size for p in self.params.values()))

    def _regularize(self, key, regularizer):
        regularizer = get_regularizer(regularizer)
        if regularizer is not None:
            self.regularizers[key] = regularizer

    def cast(self, dtype):
        """Convert the parameters to ``dtype`` in place; returns self."""
        for key, value in self.params.items():
            self.params[key] = value.astype(dtype, copy=False)
        return self

    # -- weight penalties (``kernel_regularizer``) -------------------------
    @property
    def regularized(self):
        """True if any parameter carries a penalty."""
        return bool(self.regularizers)

    def penalty(self):
        """The sum of the layer's weight penalties, 0.0 without any."""
        return float(sum(r(self.params[k])
                         for k, r in self.regularizers.items()))

    def add_penalty_gradients(self):
        """Add each penalty's gradient to ``grads`` (after ``backward``)."""
        for key, r in self.regularizers.items():
            self.grads[key] = self.grads[key] + r.gradient(self.params[key])

    def _cached(self):
        if self._cache is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward() was called before "
                "forward(): call forward first, it caches the inputs that "
                "backward needs")
        return self._cache

    def _check_dout(self, dout, shape):
        if dout.shape != shape:
            raise ValueError(
                f"expected dout of shape {shape} (the shape of the last "
                f"forward output), received shape {dout.shape}")

    def __repr__(self):
        return f"{type(self).__name__}()"


class Container(Layer):
    """A layer made of layers, the base of ``Sequential`` and
    ``Residual``.

    It owns the list ``layers``; its ``params`` and ``grads`` are flat
    views of theirs, keyed ``"<index>.<name>"`` (``"0.W"``, ``"0.b"``,
    ``"2.1.W"`` for a container inside a container), so an optimizer steps
    every array of every layer, and ``n_params`` and ``cast`` reach them
    all.

    Parameters
    ----------
    layers : list of Layer
    """

    def __init__(self, layers):
        layers = list(layers)
        if not layers or not all(isinstance(la, Layer) for la in layers):
            raise ValueError(
                f"expected a non-empty list of dlbook layers for "
                f"{type(self).__name__}, received: {layers!r}")
        self.layers = layers
        super().__init__()

    def _init_params(self):
        pass                         # the layers own their arrays

    @property
    def params(self):
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers)
                for k, v in layer.params.items()}

    @property
    def grads(self):
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers)
                for k, v in layer.grads.items()}

    @property
    def n_params(self):
        return int(sum(la.n_params for la in self.layers))

    def cast(self, dtype):
        """Convert every layer's parameters to ``dtype``; returns self."""
        for layer in self.layers:
            layer.cast(dtype)
        return self

    @property
    def regularized(self):
        return any(layer.regularized for layer in self.layers)

    def penalty(self):
        return float(sum(layer.penalty() for layer in self.layers))

    def add_penalty_gradients(self):
        for layer in self.layers:
            layer.add_penalty_gradients()

    def get_weights(self):
        """Copies of the parameters in Keras order: [W0, b0, W1, b1, ...]."""
        return [v.copy() for v in self.params.values()]

    def set_weights(self, weights):
        """Set parameters from a list in ``get_weights`` order (for example
        ``keras_model.get_weights()``); returns self."""
        targets = self.params
        weights = list(weights)
        if len(weights) != len(targets):
            raise ValueError(f"expected {len(targets)} arrays, received "
                             f"{len(weights)}")
        for (key, p), w in zip(targets.items(), weights):
            w = np.asarray(w)
            if w.shape != p.shape:
                raise ValueError(f"expected {key} of shape {p.shape}, "
                                 f"received shape {w.shape}")
            p[...] = w
        return self

    def _forward_layers(self, X, training):
        for layer in self.layers:
            X = layer.forward(X, training=training)
        return X

    def _backward_layers(self, dout):
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def output_shape(self, input_shape):
        for layer in self.layers:
            input_shape = layer.output_shape(input_shape)
        return input_shape

    def __repr__(self):
        inner = ", ".join(repr(la) for la in self.layers)
        return f"{type(self).__name__}([{inner}])"


class Dense(Layer):
    """Fully connected layer: ``y_hat = X @ W + b``.

    Parameters
    ----------
    n_in, n_out : int
        Input and output widths.
    rng : None, int or numpy.random.Generator
        Seed or generator for the initial kernel; ``b`` starts at zero.
    init : str or callable, default "glorot_uniform"
    kernel_regularizer : None, "l2", ``regularizers.L2`` or ``L1``
        A penalty on ``W`` that ``Sequential`` adds to the loss (and its
        gradient to ``dW``); see ``dlbook.regularizers``.
    dtype : numpy dtype, default float64

    Shapes
    ------
    ``X`` (n_samples, n_in) -> (n_samples, n_out);
    ``W`` (n_in, n_out), ``b`` (n_out,).
    Gradients: ``dW = X.T @ dout``, ``db = dout.sum(0)``,
    ``dX = dout @ W.T``.

    Keras equivalent: ``keras.layers.Dense(n_out)``, same ``W`` layout.
    Taught in: chapter 4, "A layer in matrix form".
    """

    def __init__(self, n_in, n_out, *, rng=None, init="glorot_uniform",
                 kernel_regularizer=None, dtype=np.float64):
        super().__init__()
        self.n_in = check_scalar(n_in, "n_in", int, min_val=1)
        self.n_out = check_scalar(n_out, "n_out", int, min_val=1)
        W = get_initializer(init)((self.n_in, self.n_out), as_rng(rng))
        self.params = {"W": np.asarray(W, dtype=dtype),
                       "b": np.zeros(self.n_out, dtype=dtype)}
        self._regularize("W", kernel_regularizer)

    def forward(self, X, training=False):
        """(n_samples, n_in) -> (n_samples, n_out); caches X."""
        if X.ndim != 2 or X.shape[1] != self.n_in:
            raise ValueError(
                f"expected X of shape (n_samples, {self.n_in}), received "
                f"shape {X.shape}")
        self._cache = X
        return X @ self.params["W"] + self.params["b"]

    def backward(self, dout):
        """Store dL/dW and dL/db; return dL/dX, shape (n_samples, n_in)."""
        self.param_gradients(dout)
        return dout @ self.params["W"].T               # (n_samples, n_in)

    def param_gradients(self, dout):
        """Store dL/dW and dL/db only (see ``Layer.param_gradients``)."""
        X = self._cached()
        self._check_dout(dout, (X.shape[0], self.n_out))
        self.grads["W"] = X.T @ dout                   # (n_in, n_out)
        self.grads["b"] = dout.sum(axis=0)             # (n_out,)

    def output_shape(self, input_shape):
        return (self.n_out,)

    def __repr__(self):
        return f"Dense({self.n_in}, {self.n_out})"


class _Elementwise(Layer):
    """An activation applied elementwise: ``y = f(z)``, ``dz = dout *
    f'(z)``."""

    def forward(self, X, training=False):
        self._cache = X
        return self._f(X)

    def backward(self, dout):
        X = self._cached()
        self._check_dout(dout, X.shape)
        return dout * self._f_prime(X)


class Sigmoid(Layer):
    """``sigmoid(z) = 1 / (1 + exp(-z))``; backward ``dout * y (1 - y)``.

    Keras equivalent: ``keras.layers.Activation("sigmoid")``.
    """

    def forward(self, X, training=False):
        y = act.sigmoid(X)
        self._cache = y                  # the output is all backward needs
        return y

    def backward(self, dout):
        y = self._cached()
        self._check_dout(dout, y.shape)
        return dout * y * (1 - y)


class Tanh(Layer):
    """``tanh(z)``; backward ``dout * (1 - y**2)``.

    Keras equivalent: ``keras.layers.Activation("tanh")``.
    """

    def forward(self, X, training=False):
        y = np.tanh(X)
        self._cache = y
        return y

    def backward(self, dout):
        y = self._cached()
        self._check_dout(dout, y.shape)
        return dout * (1 - y * y)


class ReLU(Layer):
    """``max(0, z)``; backward passes ``dout`` where ``z > 0``.

    Keras equivalent: ``keras.layers.ReLU()``.
    """

    def forward(self, X, training=False):
        self._cache = X > 0
        return np.maximum(X, 0)

    def backward(self, dout):
        positive = self._cached()
        self._check_dout(dout, positive.shape)
        return dout * positive


class LeakyReLU(_Elementwise):
    """``z`` for z > 0, else ``alpha * z``.

    Keras equivalent: ``keras.layers.LeakyReLU(negative_slope=alpha)``.
    """

    def __init__(self, alpha=0.01):
        super().__init__()
        self.alpha = check_scalar(alpha, "alpha", float, min_val=0,
                                  include_boundaries="neither")

    def _f(self, X):
        return act.leaky_relu(X, self.alpha)

    def _f_prime(self, X):
        return act.leaky_relu_prime(X, self.alpha)

    def __repr__(self):
        return f"LeakyReLU(alpha={self.alpha})"


class Softmax(Layer):
    """Softmax over the last axis.  Backward applies the Jacobian without
    building it: ``dz = y * (dout - sum(dout * y))`` per row.

    Keras equivalent: ``keras.layers.Softmax()``.
    Taught in: chapter 4, "Activations, softmax and cross-entropy".
    """

    def forward(self, X, training=False):
        y = act.softmax(X, axis=-1)
        self._cache = y
        return y

    def backward(self, dout):
        y = self._cached()
        self._check_dout(dout, y.shape)
        return y * (dout - np.sum(dout * y, axis=-1, keepdims=True))


class Flatten(Layer):
    """(n, d1, d2, ...) -> (n, d1 * d2 * ...), in C order like Keras.

    Keras equivalent: ``keras.layers.Flatten()``.
    """

    def forward(self, X, training=False):
        self._cache = X.shape
        return X.reshape(X.shape[0], -1)

    def backward(self, dout):
        shape = self._cached()
        self._check_dout(dout, (shape[0], int(np.prod(shape[1:]))))
        return dout.reshape(shape)

    def output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)


class Dropout(Layer):
    """Inverted dropout: during training each unit is kept with
    probability ``1 - rate`` and scaled by ``1 / (1 - rate)``; at inference
    it is the identity.

    Parameters
    ----------
    rate : float in [0, 1)
    rng : None, int or numpy.random.Generator
    fixed_mask : bool, default False
        Reuse the first mask drawn (for gradient checks).

    ``mask`` holds the last mask (already scaled).
    Keras equivalent: ``keras.layers.Dropout(rate)``.
    Taught in: chapter 8, "Overfitting and its cures".
    """

    def __init__(self, rate, *, rng=None, fixed_mask=False):
        super().__init__()
        self.rate = check_scalar(rate, "rate", float, min_val=0, max_val=1,
                                 include_boundaries="left")
        self.rng = as_rng(rng)
        self.fixed_mask = bool(fixed_mask)
        self.mask = None

    def forward(self, X, training=False):
        if not training or self.rate == 0:
            self._cache = (X.shape, None)
            return X
        if not (self.fixed_mask and self.mask is not None
                and self.mask.shape == X.shape):
            keep = self.rng.random(X.shape) >= self.rate
            self.mask = (keep / (1 - self.rate)).astype(X.dtype)
        self._cache = (X.shape, self.mask)
        return X * self.mask

    def backward(self, dout):
        shape, mask = self._cached()
        self._check_dout(dout, shape)
        return dout if mask is None else dout * mask

    def __repr__(self):
        return f"Dropout(rate={self.rate})"


def _same_padding(size, k, s):
    """TensorFlow's 'same' padding: (before, after) for one axis."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


class Conv2D(Layer):
    """2-D convolution (cross-correlation, as in every framework).

    ``out[n, i, j, f] = b[f] + sum_{p, q, c} X[n, i*s + p, j*s + q, c]
    * W[p, q, c, f]``, computed as one matrix product over image patches
    (im2col by stride tricks: no Python loop over pixels).

    Parameters
    ----------
    n_in, n_out : int
        Input channels and output channels (filters, Keras's ``filters``):
        the widths it maps between, named as for ``Dense``.
    kernel_size : int or (int, int)
    stride : int, default 1
    padding : "valid" or "same"
    rng, init, kernel_regularizer, dtype : as for ``Dense``

    Shapes
    ------
    ``X`` (n, h, w, n_in) -> (n, h_out, w_out, n_out);
    ``W`` (kh, kw, n_in, n_out), ``b`` (n_out,).

    Keras equivalent: ``keras.layers.Conv2D(n_out, kernel_size,
    strides=stride, padding=padding)``, same kernel layout.
    Taught in: chapter 5, "A convolutional network".
    """

    def __init__(self, n_in, n_out, kernel_size, *, stride=1,
                 padding="valid", rng=None, init="glorot_uniform",
                 kernel_regularizer=None, dtype=np.float64):
        super().__init__()
        self.n_in = check_scalar(n_in, "n_in", int,
                                        min_val=1)
        self.n_out = check_scalar(n_out, "n_out", int, min_val=1)
        if isinstance(kernel_size, (tuple, list)):
            kh, kw = (check_scalar(k, "kernel_size", int,
                                   min_val=1) for k in kernel_size)
        else:
            kh = kw = check_scalar(kernel_size, "kernel_size", int, min_val=1)
        self.kernel_size = (kh, kw)
        self.stride = check_scalar(stride, "stride", int, min_val=1)
        if padding not in ("valid", "same"):
            raise ValueError("expected padding 'valid' or 'same', "
                             f"received: padding={padding!r}")
        self.padding = padding
        shape = (kh, kw, self.n_in, self.n_out)
        W = get_initializer(init)(shape, as_rng(rng))
        self.params = {"W": np.asarray(W, dtype=dtype),
                       "b": np.zeros(self.n_out, dtype=dtype)}
        self._regularize("W", kernel_regularizer)

    def _pads(self, h, w):
        if self.padding == "valid":
            return (0, 0), (0, 0)
        kh, kw = self.kernel_size
        return (_same_padding(h, kh, self.stride),
                _same_padding(w, kw, self.stride))

    def output_shape(self, input_shape):
        h, w, _ = input_shape
        (pt, pb), (pl, pr) = self._pads(h, w)
        kh, kw = self.kernel_size
        s = self.stride
        if h + pt + pb < kh or w + pl + pr < kw:
            raise ValueError(
                f"expected inputs of at least {kh}x{kw} pixels for a "
                f"{kh}x{kw} kernel with padding={self.padding!r}, received "
                f"{h}x{w}")
        return ((h + pt + pb - kh) // s + 1, (w + pl + pr - kw) // s + 1,
                self.n_out)

    def forward(self, X, training=False):
        """(n, h, w, n_in) -> (n, h_out, w_out, n_out)."""
        if X.ndim != 4 or X.shape[3] != self.n_in:
            raise ValueError(
                "expected X of shape (n_samples, height, width, "
                f"{self.n_in}), received shape {X.shape}")
        kh, kw = self.kernel_size
        s = self.stride
        (pt, pb), (pl, pr) = self._pads(X.shape[1], X.shape[2])
        Xp = np.pad(X, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
        if Xp.shape[1] < kh or Xp.shape[2] < kw:
            raise ValueError(
                f"expected images of at least {kh}x{kw} pixels for a "
                f"{kh}x{kw} kernel, received {X.shape[1]}x{X.shape[2]}")
        # (n, h_out, w_out, c_in, kh, kw): a view, no copy yet
        patches = sliding_window_view(Xp, (kh, kw), axis=(1, 2))
        patches = patches[:, ::s, ::s]
        n, ho, wo = patches.shape[:3]
        cols = patches.reshape(n * ho * wo, -1)     # (n*ho*wo, c_in*kh*kw)
        Wmat = self.params["W"].transpose(2, 0, 1, 3).reshape(
            -1, self.n_out)                       # (n_in*kh*kw, n_out)
        out = cols @ Wmat + self.params["b"]
        self._cache = (Xp.shape, (pt, pl), X.shape, cols, Wmat, (n, ho, wo))
        return out.reshape(n, ho, wo, self.n_out)

    def backward(self, dout):
        """Store dL/dW, dL/db; return dL/dX (n, h, w, c_in)."""
        d2 = self.param_gradients(dout)
        padded_shape, (pt, pl), x_shape, _, Wmat, (n, ho, wo) = self._cache
        kh, kw = self.kernel_size
        c = self.n_in
        s = self.stride
        dcols = (d2 @ Wmat.T).reshape(n, ho, wo, c, kh, kw)
        dXp = np.zeros(padded_shape, dtype=dout.dtype)
        for p in range(kh):              # loop over the kernel, not pixels
            for q in range(kw):
                dXp[:, p:p + s * ho:s, q:q + s * wo:s, :] += \
                    dcols[:, :, :, :, p, q]
        return dXp[:, pt:pt + x_shape[1], pl:pl + x_shape[2], :]

    def param_gradients(self, dout):
        """Store dL/dW, dL/db only; returns ``dout`` as (n*ho*wo, n_out)."""
        _, _, _, cols, _, (n, ho, wo) = self._cached()
        self._check_dout(dout, (n, ho, wo, self.n_out))
        kh, kw = self.kernel_size
        d2 = dout.reshape(-1, self.n_out)         # (n*ho*wo, n_out)
        self.grads["W"] = (cols.T @ d2).reshape(
            self.n_in, kh, kw, self.n_out).transpose(1, 2, 0, 3)
        self.grads["b"] = d2.sum(axis=0)
        return d2

    def __repr__(self):
        return (f"Conv2D({self.n_in}, {self.n_out}, "
                f"kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding!r})")


class MaxPool2D(Layer):
    """Max pooling over ``pool_size`` windows (valid padding).

    The gradient flows only to the maximum of each window (the first one,
    in row-major order, when several tie).

    Shapes
    ------
    (n, h, w, c) -> (n, (h - p) // s + 1, (w - p) // s + 1, c).
    Keras equivalent: ``keras.layers.MaxPooling2D(pool_size, strides)``.
    Taught in: chapter 5, "A convolutional network".
    """

    def __init__(self, pool_size=2, *, stride=None):
        super().__init__()
        self.pool_size = check_scalar(pool_size, "pool_size", int, min_val=1)
        self.stride = self.pool_size if stride is None else \
            check_scalar(stride, "stride", int, min_val=1)

    def output_shape(self, input_shape):
        h, w, c = input_shape
        p, s = self.pool_size, self.stride
        if h < p or w < p:
            raise ValueError(
                f"expected inputs of at least {p}x{p} pixels for "
                f"pool_size={p}, received {h}x{w}")
        return ((h - p) // s + 1, (w - p) // s + 1, c)

    def forward(self, X, training=False):
        if X.ndim != 4:
            raise ValueError("expected X of shape (n_samples, height, "
                             f"width, channels), received shape {X.shape}")
        p, s = self.pool_size, self.stride
        if X.shape[1] < p or X.shape[2] < p:
            raise ValueError(
                f"expected images of at least {p}x{p} pixels for "
                f"pool_size={p}, received {X.shape[1]}x{X.shape[2]}")
        windows = sliding_window_view(X, (p, p), axis=(1, 2))[:, ::s, ::s]
        n, ho, wo, c = windows.shape[:4]
        flat = windows.reshape(n, ho, wo, c, p * p)
        arg = flat.argmax(axis=-1)                  # (n, ho, wo, c)
        self._cache = (X.shape, arg)
        return np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]

    def backward(self, dout):
        x_shape, arg = self._cached()
        self._check_dout(dout, arg.shape)
        p, s = self.pool_size, self.stride
        _, ho, wo, _ = arg.shape
        dX = np.zeros(x_shape, dtype=dout.dtype)
        for k in range(p * p):           # loop over the window, not pixels
            i, j = divmod(k, p)
            dX[:, i:i + s * ho:s, j:j + s * wo:s, :] += dout * (arg == k)
        return dX

    def __repr__(self):
        return f"MaxPool2D(pool_size={self.pool_size}, stride={self.stride})"


class GlobalAveragePooling2D(Layer):
    """Mean of each channel over all positions: (n, h, w, c) -> (n, c).

    ``out[n, c] = (1 / (h w)) sum_{i, j} X[n, i, j, c]``.  Backward
    spreads each ``dout[n, c]`` evenly over the ``h w`` positions:
    ``dX[n, i, j, c] = dout[n, c] / (h w)``.

    The sum does not depend on where in the map a value sits, so after a
    stack of layers that is equivariant to circular shifts the output is
    invariant to them; a ``Flatten`` -> ``Dense`` head, whose weights
    differ from position to position, is not.

    Shapes
    ------
    ``X`` (n, h, w, c) -> (n, c).  No parameters.

    Keras equivalent: ``keras.layers.GlobalAveragePooling2D()``.
    Taught in: chapter 5, "CNNs that teach".
    """

    def forward(self, X, training=False):
        """(n, h, w, c) -> (n, c); caches the input shape."""
        if X.ndim != 4:
            raise ValueError("expected X of shape (n_samples, height, "
                             f"width, channels), received shape {X.shape}")
        self._cache = X.shape
        return X.mean(axis=(1, 2))                      # (n, c)

    def backward(self, dout):
        """dL/dX = dout / (h w) at every position, shape (n, h, w, c)."""
        n, h, w, c = shape = self._cached()
        self._check_dout(dout, (n, c))
        dX = np.empty(shape, dtype=dout.dtype)          # (n, h, w, c)
        dX[...] = dout[:, None, None, :] / (h * w)
        return dX

    def output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(
                "expected one sample's shape (height, width, channels), "
                f"received {tuple(input_shape)}")
        return (input_shape[-1],)
