"""Looking inside a convolutional network: receptive fields, input
gradients, integrated gradients and Grad-CAM.

Everything here runs the model's own ``forward`` and ``backward``: an
explanation is one or more backward passes with an upstream gradient that
selects one class score, so no framework beyond NumPy is needed.  Each
function overwrites the layers' caches and ``grads``, as ``forward`` and
``backward`` always do.

Taught in: chapter 5, "CNNs that teach".
"""

from typing import NamedTuple

import numpy as np

from ._checks import check_scalar
from .layers import (Container, Conv2D, Dropout, LeakyReLU, MaxPool2D,
                     ReLU, Sigmoid, Tanh, _same_padding)
from .normalization import BatchNormalization, LayerNormalization
from .residual import Residual

# layers that act on each position separately: the field does not grow
_POINTWISE = (ReLU, LeakyReLU, Sigmoid, Tanh, Dropout, BatchNormalization,
              LayerNormalization)


class Field(NamedTuple):
    """Receptive field of the units of one layer's output, along one axis.

    Unit ``i`` of the output sees the input pixels ``start + i * jump``
    to ``start + i * jump + size - 1`` (negative indices and indices past
    the image are padding).  ``length`` is the output's length along the
    axis.
    """

    size: int
    jump: int
    start: int
    length: int


def _step(layer, field, axis):
    """The field after ``layer``, given the field of its input."""
    r, j, start, length = field
    if isinstance(layer, _POINTWISE):
        return field
    if isinstance(layer, Conv2D):
        k, s = layer.kernel_size[axis], layer.stride
        pad, after = (0, 0) if layer.padding == "valid" else \
            _same_padding(length, k, s)
        total = length + pad + after                # padded length
    elif isinstance(layer, MaxPool2D):
        k, s, pad, total = layer.pool_size, layer.stride, 0, length
    elif isinstance(layer, Residual):
        inner = field
        for la in layer.layers:
            inner = _step(la, inner, axis)
        first = min(start, inner.start)           # union of the two paths
        last = max(start + r, inner.start + inner.size)
        return Field(last - first, inner.jump, first, inner.length)
    elif isinstance(layer, Container):
        for la in layer.layers:
            field = _step(la, field, axis)
        return field
    else:
        raise ValueError(
            "expected convolution, pooling, residual or pointwise layers "
            f"(whose units see a window of the input), received: {layer!r}")
    if total < k:
        raise ValueError(f"expected an input of at least {k} pixels for "
                         f"{layer!r}, received {length}")
    return Field(r + (k - 1) * j,                   # r_l = r + (k - 1) j
                 j * s,                              # j_l = j s
                 start - pad * j,                    # padding shifts it
                 (total - k) // s + 1)


def receptive_field(layers, input_length, *, axis=0):
    """Receptive field of each layer's units, computed layer by layer.

    With ``r_0 = 1`` and ``j_0 = 1`` (one pixel, one pixel apart), a
    layer with kernel (or pooling window) ``k_l`` and stride ``s_l``
    gives::

        r_l = r_{l-1} + (k_l - 1) * j_{l-1};    j_l = j_{l-1} * s_l

    Parameters
    ----------
    layers : list of Layer
        ``Conv2D``, ``MaxPool2D``, ``Residual`` (the union of the identity
        and the branch), and layers that act on each position alone
        (activations, normalisation, dropout).
    input_length : int
        The input's height (``axis=0``) or width (``axis=1``): 'same'
        padding depends on it.
    axis : 0 or 1

    Returns
    -------
    list of Field
        One per layer, for its output: ``size`` (r_l), ``jump`` (j_l),
        ``start`` (first input pixel seen by unit 0) and ``length``.

    Taught in: chapter 5, "CNNs that teach".
    """
    input_length = check_scalar(input_length, "input_length", int,
                                min_val=1)
    if axis not in (0, 1):
        raise ValueError(f"expected axis 0 or 1, received: axis={axis!r}")
    field = Field(1, 1, 0, input_length)
    fields = []
    for layer in layers:
        field = _step(layer, field, axis)
        fields.append(field)
    return fields


def _check_classes(classes, n, n_classes):
    classes = np.asarray(classes)
    if classes.shape != (n,) or not np.issubdtype(classes.dtype,
                                                  np.integer) \
            or classes.min() < 0 or classes.max() >= n_classes:
        raise ValueError(
            f"expected one class index in [0, {n_classes}) per sample, "
            f"shape ({n},), received: classes of shape {classes.shape} "
            f"and dtype {classes.dtype}")
    return classes


def _select(scores, classes):
    """Upstream gradient that picks ``scores[i, classes[i]]``."""
    dout = np.zeros_like(scores)
    dout[np.arange(len(scores)), classes] = 1.0
    return dout


def input_gradient(model, X, classes):
    """``d z_c / d X`` for each sample and its class ``c``, and ``z_c``.

    One forward pass (inference mode) and one backward pass whose
    upstream gradient is 1 at the selected logit and 0 elsewhere.

    Parameters
    ----------
    model : dlbook.Sequential (or any layer) returning (n, n_classes)
    X : ndarray (n, ...)
    classes : int array (n,)

    Returns
    -------
    scores : ndarray (n,)
        ``z_c`` for each sample.
    grad : ndarray, the shape of ``X``
    """
    scores = model.forward(X)                             # (n, n_classes)
    if scores.ndim != 2 or len(scores) != len(X):
        raise ValueError("expected a model whose output has shape "
                         f"(n_samples, n_classes), received {scores.shape}")
    classes = _check_classes(classes, len(X), scores.shape[1])
    grad = model.backward(_select(scores, classes))        # shape of X
    return scores[np.arange(len(X)), classes], grad


def integrated_gradients(model, X, classes, *, baseline=None, steps=64):
    """Integrated gradients (Sundararajan et al., 2017).

    ``IG_i(x) = (x_i - x'_i) * integral_0^1 dz_c/dx_i(x' + a (x - x')) da``
    with the baseline ``x'``, the integral taken by the midpoint rule with
    ``steps`` points ``a = (k + 1/2) / steps``.  Completeness:
    ``sum_i IG_i(x) = z_c(x) - z_c(x')`` exactly for the integral, up to
    the quadrature error for the sum.

    Parameters
    ----------
    model : dlbook.Sequential returning logits (n, n_classes)
    X : ndarray (n, ...)
    classes : int array (n,)
    baseline : ndarray like one sample or like ``X``, default zeros
        The reference input ``x'`` (blank paper for the digits; the book
        keeps ``b`` for biases).
    steps : int >= 1, default 64

    Returns
    -------
    ndarray, the shape of ``X``
        The attributions.  The path points run as one batch of
        ``n * steps`` samples.

    Taught in: chapter 5, "CNNs that teach".
    """
    steps = check_scalar(steps, "steps", int, min_val=1)
    X = np.asarray(X)
    if baseline is None:
        baseline = np.zeros_like(X)
    baseline = np.asarray(baseline, dtype=X.dtype)
    if baseline.shape == X.shape[1:]:
        baseline = np.broadcast_to(baseline, X.shape)
    if baseline.shape != X.shape:
        raise ValueError(
            f"expected a baseline of shape {X.shape[1:]} (one sample) or "
            f"{X.shape} (one per sample), received {baseline.shape}")
    n = len(X)
    classes = _check_classes(classes, n,
                             model.output_shape(X.shape[1:])[-1])
    alphas = ((np.arange(steps) + 0.5) / steps).astype(X.dtype)
    shape = (1, steps) + (1,) * (X.ndim - 1)
    path = baseline[:, None] + alphas.reshape(shape) * (X - baseline)[:, None]
    path = path.reshape((n * steps,) + X.shape[1:])        # (n*steps, ...)
    _, grads = input_gradient(model, path, np.repeat(classes, steps))
    mean_grad = grads.reshape((n, steps) + X.shape[1:]).mean(axis=1)
    return (X - baseline) * mean_grad                       # shape of X


def grad_cam(model, X, classes, *, layer, relu=True):
    """Grad-CAM (Selvaraju et al., 2017) at the output of ``layer``.

    With ``A`` the feature maps after ``model.layers[layer]``, shape
    (n, h, w, k), and ``z_c`` the class logit::

        alpha_k = mean_{i,j} dz_c/dA[i, j, k];  map = sum_k alpha_k A_k

    and the map's negative values set to 0 (``relu=False`` keeps them).

    Parameters
    ----------
    model : dlbook.Sequential returning logits (n, n_classes)
    X : ndarray (n, height, width, channels)
    classes : int array (n,)
    layer : int
        Index in ``model.layers`` of the layer whose output is ``A``
        (usually the ReLU after the last convolution).
    relu : bool, default True

    Returns
    -------
    ndarray (n, h, w)
        One map per sample at the resolution of ``A``.

    Taught in: chapter 5, "CNNs that teach".
    """
    layers = getattr(model, "layers", None)
    if layers is None:
        raise ValueError("expected a dlbook Sequential (with .layers), "
                         f"received: {model!r}")
    if not isinstance(layer, (int, np.integer)) or isinstance(layer, bool) \
            or not 0 <= layer < len(layers) - 1:
        raise ValueError(
            f"expected layer, an index in [0, {len(layers) - 1}) of a "
            f"layer followed by others, received: layer={layer!r}")
    A = X
    for la in layers[:layer + 1]:
        A = la.forward(A)
    if A.ndim != 4:
        raise ValueError(
            "expected feature maps (n, height, width, channels) after "
            f"layer {layer} ({layers[layer]!r}), received shape {A.shape}")
    scores = A
    for la in layers[layer + 1:]:
        scores = la.forward(scores)                        # (n, n_classes)
    classes = _check_classes(classes, len(X), scores.shape[1])
    dA = _select(scores, classes)
    for la in reversed(layers[layer + 1:]):
        dA = la.backward(dA)                               # (n, h, w, k)
    alpha = dA.mean(axis=(1, 2))                           # (n, k)
    cam = np.einsum("nijk,nk->nij", A, alpha)              # (n, h, w)
    return np.maximum(cam, 0) if relu else cam
