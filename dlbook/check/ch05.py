"""Checkable exercises of chapter 5; see ``dlbook.check``.

Chapter 5 trains its models with Keras, but what the reader checks here
is plain NumPy, so that it also runs in the browser: the shape and
parameter table of a stack of convolution and pooling layers (what
Keras's ``model.summary()`` prints), and the backward pass of the raw
NumPy training loop.
"""

import numpy as np

from . import Mistake, register

# --------------------------------- 04: Keras's summary without Keras


def _conv_table(input_shape, layers, *, bias=True, channels_in=True,
                padding=True, same_stride=True):
    """Rows (height, width, channels, parameters) after every layer.

    A layer is ``(kind, filters, size, stride, padding)``, kind "conv"
    or "pool" (whose filters is None).  The keyword switches make the
    typical mistakes on purpose.
    """
    h, w, c = input_shape
    rows = []
    for kind, f, k, s, pad in layers:
        if pad == "same" and padding:
            step = s if same_stride else 1
            h, w = -(-h // step), -(-w // step)            # ceil(h / s)
        else:
            h, w = (h - k) // s + 1, (w - k) // s + 1
        if kind == "conv":
            params = k * k * (c if channels_in else 1) * f + (f if bias
                                                              else 0)
            c = f
        else:                                  # pooling: no weights
            params = 0
        rows.append((h, w, c, params))
    return np.array(rows)                                # (n_layers, 4)


def _conv_table_cases(rng):
    def stack(padding):
        return [("conv", 32, 3, 1, padding), ("pool", None, 2, 2, "valid"),
                ("conv", 64, 3, 1, padding), ("pool", None, 2, 2, "valid"),
                ("conv", 64, 3, 1, padding)]

    f1, f2 = (int(v) for v in rng.integers(4, 17, size=2))
    strided = [("conv", f1, 5, 2, "valid"), ("conv", f2, 3, 2, "same"),
               ("pool", None, 2, 2, "same"), ("conv", 10, 1, 1, "same")]
    return [((28, 28, 1), stack("valid")), ((8, 8, 1), stack("same")),
            ((31, 23, 3), strided)]


register(
    id="ch5-cnn-table",
    title="the output shape and parameters of a Conv2D/MaxPool stack",
    page="ch05_practice/04_cnn.ipynb",
    stars=2,
    reference=_conv_table,
    cases=_conv_table_cases,
    mistakes=(
        Mistake("no bias",
                lambda shape, layers: _conv_table(shape, layers,
                                                  bias=False),
                "a convolution has one bias per filter as well as its "
                "k*k*c_in weights: the parameter count is one f short"),
        Mistake("channels in forgotten",
                lambda shape, layers: _conv_table(shape, layers,
                                                  channels_in=False),
                "each filter spans all the input channels, so its kernel "
                "is k x k x c_in, not k x k: multiply by the channels the "
                "layer receives"),
        Mistake("padding ignored",
                lambda shape, layers: _conv_table(shape, layers,
                                                  padding=False),
                "'same' padding adds a border of zeros so that the window "
                "fits at every position: the output length is ceil(h/s), "
                "not the 'valid' (h - k)//s + 1"),
        Mistake("stride ignored with 'same'",
                lambda shape, layers: _conv_table(shape, layers,
                                                  same_stride=False),
                "'same' keeps the size only at stride 1; with stride s "
                "the window still moves s pixels, so the length is "
                "ceil(h/s)"),
    ),
)

# ------------------------------- 05: the raw NumPy loop's backward pass


def _forward(X, y, W1, b1, W2, b2):
    Z1 = X @ W1 + b1                                     # (m, n_hidden)
    H = np.maximum(Z1, 0)
    Z2 = H @ W2 + b2                                     # (m, n_classes)
    Z2 = Z2 - Z2.max(axis=1, keepdims=True)
    P = np.exp(Z2)
    P /= P.sum(axis=1, keepdims=True)                    # softmax
    return Z1, H, P


def _raw_loss(X, y, W1, b1, W2, b2):
    y = np.asarray(y).astype(int)     # the gradient check passes floats
    P = _forward(X, y, W1, b1, W2, b2)[2]
    return -np.mean(np.log(P[np.arange(len(y)), y]))


def _raw_gradients(X, y, W1, b1, W2, b2, *, mean=True, relu=True,
                   one_hot=True):
    """(dW1, db1, dW2, db2); the switches make the typical mistakes."""
    Z1, H, P = _forward(X, y, W1, b1, W2, b2)
    m = len(X)
    dZ2 = P.copy()
    if one_hot:
        dZ2[np.arange(m), y] -= 1                        # P - Y
    if mean:
        dZ2 /= m
    dZ1 = dZ2 @ W2.T                                     # (m, n_hidden)
    if relu:
        dZ1 = dZ1 * (Z1 > 0)
    return X.T @ dZ1, dZ1.sum(axis=0), H.T @ dZ2, dZ2.sum(axis=0)


def _raw_cases(rng):
    cases = []
    for m, d, n_hidden, k in [(6, 4, 5, 3), (10, 3, 7, 4)]:
        cases.append((rng.normal(size=(m, d)), rng.integers(0, k, size=m),
                      rng.normal(size=(d, n_hidden)),
                      0.1 * rng.normal(size=n_hidden),
                      rng.normal(size=(n_hidden, k)),
                      0.1 * rng.normal(size=k)))
    return cases


register(
    id="ch5-raw-grads",
    title="the backward pass of the raw NumPy loop, (dW1, db1, dW2, db2)",
    page="ch05_practice/05_three_ways.ipynb",
    stars=1,
    reference=_raw_gradients,
    cases=_raw_cases,
    outputs=("dW1", "db1", "dW2", "db2"),
    loss=_raw_loss, wrt=(2, 3, 4, 5),
    n_of=lambda X, *rest: len(X),
    mistakes=(
        Mistake("sum instead of mean",
                lambda *args: _raw_gradients(*args, mean=False),
                "the loss is the mean over the batch, so every gradient "
                "carries a 1/m: divide P - Y by the batch size"),
        Mistake("no ReLU derivative",
                lambda *args: _raw_gradients(*args, relu=False),
                "the gradient passed down to the hidden layer must go "
                "back through the ReLU: multiply it by (Z1 > 0), the "
                "ReLU's derivative, before dW1 and db1"),
        Mistake("P instead of P - Y",
                lambda *args: _raw_gradients(*args, one_hot=False),
                "the gradient of softmax cross-entropy with respect to "
                "the logits is P - Y: subtract 1 at each sample's true "
                "class"),
    ),
)
