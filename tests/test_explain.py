"""``dlbook.explain`` and ``GlobalAveragePooling2D``: the checks behind
chapter 5's "CNNs that teach".

Receptive fields (the page's digits trunk and its strided exercise, and
against input gradients), translation equivariance at the units whose
field is inside the image, invariance of global average pooling to
circular shifts, integrated gradients (exact for a linear model,
completeness for a CNN, the whole computation against
``tf.GradientTape``) and Grad-CAM (against ``tf.GradientTape``, and equal
to CAM under a global-average-pooling head, its pixels summing to
``z_c - b_c``).
"""

import numpy as np
import pytest

from dlbook import (Conv2D, Dense, Flatten, GlobalAveragePooling2D,
                    MaxPool2D, ReLU, Sequential, explain, zoo)
from dlbook.gradcheck import check_function, relative_error
from dlbook.normalization import BatchNormalization
from dlbook.residual import Residual


def _trunk(rng=0):
    """The convolutional part of the book's digits CNN (up to the last
    ReLU), float64."""
    return zoo.digits_cnn(filters=(4, 6, 6), dense=8, rng=rng).layers[:8]


def _images(shape, seed=0):
    return np.random.default_rng(seed).random(shape)


# -- receptive fields -----------------------------------------------------
def test_receptive_field_of_the_digits_cnn_by_hand():
    fields = explain.receptive_field(_trunk(), 28)
    # conv 3, relu, pool 2, conv 3, relu, pool 2, conv 3, relu
    assert [f.size for f in fields] == [3, 3, 4, 8, 8, 10, 18, 18]
    assert [f.jump for f in fields] == [1, 1, 2, 2, 2, 4, 4, 4]
    assert [f.start for f in fields] == [-1, -1, -1, -3, -3, -3, -7, -7]
    assert [f.length for f in fields] == [28, 28, 14, 14, 14, 7, 7, 7]


def test_receptive_field_of_the_strided_trunk():
    """The chapter's exercise: strides instead of pooling keep the jump
    (4) and halve the field (9 instead of 18)."""
    layers = [Conv2D(1, 2, 3, padding="same"), ReLU(),
              Conv2D(2, 2, 3, stride=2, padding="same"), ReLU(),
              Conv2D(2, 2, 3, stride=2, padding="same"), ReLU()]
    fields = explain.receptive_field(layers, 28)
    assert [f.size for f in fields] == [3, 3, 5, 5, 9, 9]
    assert [f.jump for f in fields] == [1, 1, 2, 2, 4, 4]
    assert [f.length for f in fields] == [28, 28, 14, 14, 7, 7]


def test_the_formula_recursion():
    """r_l = r_{l-1} + (k_l - 1) j_{l-1}, j_l = j_{l-1} s_l."""
    layers = [Conv2D(1, 2, 5, stride=2), ReLU(), Conv2D(2, 2, 3, stride=3),
              MaxPool2D(2), Conv2D(2, 2, 3)]
    r, j = 1, 1
    ks = {0: (5, 2), 2: (3, 3), 3: (2, 2), 4: (3, 1)}
    for i, field in enumerate(explain.receptive_field(layers, 64)):
        if i in ks:
            k, s = ks[i]
            r, j = r + (k - 1) * j, j * s
        assert (field.size, field.jump) == (r, j), i


def _nonzero_gradient(layers, shape, unit, n=48, seed=0):
    """Pixels with a nonzero gradient of ``unit`` (row, col, channel) of
    the output, for each of ``n`` random inputs: (n, h, w) booleans."""
    model = Sequential(layers)
    X = _images((n,) + shape, seed)
    out = model.forward(X)
    dout = np.zeros_like(out)
    dout[(slice(None),) + unit] = 1.0
    return np.any(model.backward(dout) != 0, axis=-1)


def _field_mask(field, unit, shape):
    mask = np.zeros(shape[:2], bool)
    (u, v) = unit[:2]
    lo_u, lo_v = field.start + u * field.jump, field.start + v * field.jump
    mask[max(lo_u, 0):lo_u + field.size, max(lo_v, 0):lo_v + field.size] = 1
    return mask


@pytest.mark.parametrize("name", ["digits trunk", "strided valid",
                                  "residual", "batch norm"])
def test_the_field_is_the_set_of_pixels_with_a_gradient(name):
    """Every single input's gradient vanishes outside the computed field,
    and over random inputs the nonzero pixels fill it exactly."""
    rng = np.random.default_rng(1)
    stacks = {
        "digits trunk": (_trunk(), (28, 28, 1), (3, 3, 0)),
        "strided valid": ([Conv2D(1, 3, 3, stride=2, rng=rng), ReLU(),
                           Conv2D(3, 3, 3, rng=rng), ReLU()],
                          (15, 15, 1), (2, 3, 1)),
        "residual": ([Conv2D(1, 3, 3, padding="same", rng=rng), ReLU(),
                      Residual([Conv2D(3, 3, 3, padding="same", rng=rng),
                                ReLU()]), MaxPool2D(2)],
                     (12, 12, 1), (3, 2, 2)),
        "batch norm": ([Conv2D(1, 3, 3, padding="same", rng=rng),
                        BatchNormalization(3), ReLU(),
                        Conv2D(3, 2, 3, padding="same", rng=rng)],
                       (10, 10, 1), (5, 5, 0)),
    }
    layers, shape, unit = stacks[name]
    field = explain.receptive_field(layers, shape[0])[-1]
    expected = _field_mask(field, unit, shape)
    seen = _nonzero_gradient(layers, shape, unit)
    assert not np.any(seen & ~expected), "a gradient outside the field"
    np.testing.assert_array_equal(seen.any(axis=0), expected)


def test_receptive_field_errors():
    with pytest.raises(ValueError, match="expected convolution, pooling"):
        explain.receptive_field([Conv2D(1, 1, 3), Flatten()], 8)
    with pytest.raises(ValueError, match="at least 5 pixels"):
        explain.receptive_field([Conv2D(1, 1, 5)], 4)
    with pytest.raises(ValueError, match="axis 0 or 1"):
        explain.receptive_field([Conv2D(1, 1, 3)], 8, axis=2)
    with pytest.raises(ValueError, match="input_length"):
        explain.receptive_field([Conv2D(1, 1, 3)], 0)
    tall = explain.receptive_field([Conv2D(1, 1, (5, 3))], 8, axis=0)
    wide = explain.receptive_field([Conv2D(1, 1, (5, 3))], 8, axis=1)
    assert (tall[0].size, wide[0].size) == (5, 3)


# -- equivariance and invariance ------------------------------------------
def _shift_right(X, s):
    """Move the image s pixels right (zero fill): shape kept."""
    out = np.zeros_like(X)
    out[:, :, s:] = X[:, :, :X.shape[2] - s]
    return out


def test_shifting_by_the_jump_shifts_the_map_away_from_the_border():
    layers = _trunk()
    model = Sequential(layers)
    X = _images((6, 28, 28, 1))
    field = explain.receptive_field(layers, 28)[-1]
    s = field.jump                                      # 4 pixels
    u = np.arange(field.length)
    lo = field.start + u * field.jump
    inside = (lo >= s) & (lo + field.size - 1 <= 27)   # units to compare
    assert inside.sum() >= 2
    A, A_shifted = model.forward(X), model.forward(_shift_right(X, s))
    np.testing.assert_allclose(A_shifted[:, :, u[inside]],
                               A[:, :, u[inside] - 1], rtol=1e-12,
                               atol=1e-12)
    # a shift by 1 pixel is no shift of the map (the pooling windows)
    A_one = model.forward(_shift_right(X, 1))
    for d in (0, 1):
        assert np.abs(A_one[:, :, u[inside]]
                      - A[:, :, u[inside] - d]).max() > 1e-3


def test_global_average_pooling_is_invariant_to_circular_shifts():
    """Valid convolutions on an input wrapped around by the stack's
    radius are circular convolutions: equivariant to circular shifts, so
    global average pooling is invariant to them; Flatten is not."""
    rng = np.random.default_rng(0)
    trunk = [Conv2D(1, 4, 3, rng=rng), ReLU(), Conv2D(4, 5, 3, rng=rng),
             ReLU()]
    gap = Sequential(trunk + [GlobalAveragePooling2D(), Dense(5, 3,
                                                             rng=rng)])
    flat = Sequential(trunk + [Flatten(), Dense(8 * 8 * 5, 3, rng=rng)])

    def wrap(X):
        return np.pad(X, ((0, 0), (2, 2), (2, 2), (0, 0)), mode="wrap")

    X = _images((5, 8, 8, 1))
    for model, invariant in ((gap, True), (flat, False)):
        z = model.forward(wrap(X))
        for axis in (1, 2):
            for s in (1, 3, -2):
                z_s = model.forward(wrap(np.roll(X, s, axis=axis)))
                if invariant:
                    np.testing.assert_allclose(z_s, z, rtol=1e-12,
                                               atol=1e-12)
                else:
                    assert np.abs(z_s - z).max() > 1e-3


def test_global_average_pooling_by_hand():
    layer = GlobalAveragePooling2D()
    X = np.arange(2 * 2 * 3 * 2, dtype=float).reshape(2, 2, 3, 2)
    out = layer.forward(X)
    np.testing.assert_array_equal(out, [[5.0, 6.0], [17.0, 18.0]])
    dX = layer.backward(np.array([[6.0, 12.0], [0.0, -6.0]]))
    np.testing.assert_array_equal(dX[0, :, :, 0], np.ones((2, 3)))
    np.testing.assert_array_equal(dX[1, :, :, 1], -np.ones((2, 3)))
    assert layer.output_shape((2, 3, 2)) == (2,)


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (3, 4, 5, 2),
                                   (2, 1, 6, 3)])
def test_global_average_pooling_gradient(shape):
    layer = GlobalAveragePooling2D()
    X = _images(shape)
    R = np.random.default_rng(2).standard_normal((shape[0], shape[3]))
    layer.forward(X)
    err = check_function(lambda x: float(np.sum(layer.forward(x) * R)),
                         lambda x: (layer.forward(x), layer.backward(R))[1],
                         X)
    assert err < 1e-7


def test_global_average_pooling_errors():
    layer = GlobalAveragePooling2D()
    with pytest.raises(ValueError, match="height, width, channels"):
        layer.forward(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="one sample's shape"):
        layer.output_shape((4, 5))
    with pytest.raises(RuntimeError, match="before forward"):
        GlobalAveragePooling2D().backward(np.ones((1, 2)))


def test_global_average_pooling_trains_in_a_model():
    from dlbook import Adam, data, losses
    X, y = data.load_digits(images=True)
    X, y = X[:64] / 16.0, y[:64]
    rng = np.random.default_rng(0)
    model = Sequential([Conv2D(1, 4, 3, padding="same", rng=rng), ReLU(),
                        GlobalAveragePooling2D(), Dense(4, 10, rng=rng)])
    model.compile(optimizer=Adam(0.01), loss=losses.
                  SparseCategoricalCrossentropy(from_logits=True))
    model.fit(X, y, epochs=5, batch_size=16, rng=0)
    assert model.history_["loss"][-1] < model.history_["loss"][0]


# -- input gradients and integrated gradients -----------------------------
def _small_cnn(rng=0, head="flatten"):
    rng = np.random.default_rng(rng)
    head = [Flatten(), Dense(4 * 4 * 3, 4, rng=rng)] if head == "flatten" \
        else [GlobalAveragePooling2D(), Dense(3, 4, rng=rng)]
    return Sequential([Conv2D(1, 2, 3, padding="same", rng=rng), ReLU(),
                       MaxPool2D(2), Conv2D(2, 3, 3, padding="same",
                                            rng=rng), ReLU()] + head)


def test_input_gradient_matches_finite_differences():
    model = _small_cnn()
    x = _images((1, 8, 8, 1))
    _, g = explain.input_gradient(model, x, [2])
    err = check_function(lambda v: float(model.forward(v)[0, 2]),
                         lambda v: explain.input_gradient(model, v, [2])[1],
                         x)
    assert err < 1e-6 and np.abs(g).max() > 0


def test_input_gradient_matches_the_tape(twins):
    model = _small_cnn()
    X = _images((3, 8, 8, 1))
    classes = np.array([0, 3, 1])
    scores, grad = explain.input_gradient(model, X, classes)
    dout = np.zeros((3, 4))
    dout[np.arange(3), classes] = 1.0
    out, k_grads = twins.keras_backward(model, X, dout, dtype="float64")
    np.testing.assert_allclose(scores, out[np.arange(3), classes],
                               rtol=1e-10)
    assert relative_error(grad, k_grads["X"]) < 1e-10


def test_integrated_gradients_of_a_linear_model_are_exact():
    """z_c = x . w_c + b_c: the gradient is w_c on the whole path, so
    IG_i = (x_i - b_i) w_ic for any number of steps."""
    model = Sequential([Dense(6, 3, rng=0)])
    X, base = _images((4, 6)), _images((6,), seed=1)
    for steps in (1, 7):
        ig = explain.integrated_gradients(model, X, [0, 2, 1, 2],
                                          baseline=base, steps=steps)
        W = model.params["0.W"]
        np.testing.assert_allclose(ig, (X - base) * W[:, [0, 2, 1, 2]].T,
                                   rtol=1e-12)


def test_integrated_gradients_completeness_improves_with_steps():
    """With zero biases a ReLU network is positively homogeneous, z(a x)
    = a z(x), its gradient is the same all along the path from 0 and any
    number of steps is exact; with biases the ReLUs switch on the path
    and the midpoint rule converges."""
    model = _small_cnn()
    X, classes = _images((5, 8, 8, 1)), np.array([0, 1, 2, 3, 0])
    ig = explain.integrated_gradients(model, X, classes, steps=1)
    z, z0 = model.forward(X), model.forward(np.zeros_like(X))
    np.testing.assert_allclose(ig.sum(axis=(1, 2, 3)),
                               (z - z0)[np.arange(5), classes], rtol=1e-10)
    rng = np.random.default_rng(3)
    for key, p in model.params.items():
        if key.endswith("b"):
            p[...] = 0.3 * rng.standard_normal(p.shape)
    delta = model.forward(X)[np.arange(5), classes] \
        - model.forward(np.zeros_like(X))[np.arange(5), classes]
    errors = []
    for steps in (4, 32, 256):
        ig = explain.integrated_gradients(model, X, classes, steps=steps)
        errors.append(np.max(np.abs(ig.sum(axis=(1, 2, 3)) - delta)
                             / np.abs(delta)))
    assert errors[-1] < 1e-2 and errors[-1] < errors[0]


def test_integrated_gradients_match_the_tape(twins):
    """The midpoint rule on input gradients computed by the Keras twin
    and ``tf.GradientTape`` at the same path points, with biases that
    make the ReLUs switch along the path and a nonzero baseline."""
    model = _small_cnn()
    rng = np.random.default_rng(4)
    for key, p in model.params.items():
        if key.endswith("b"):
            p[...] = 0.3 * rng.standard_normal(p.shape)
    X, base = _images((3, 8, 8, 1)), _images((8, 8, 1), seed=5)
    classes, steps = np.array([2, 0, 3]), 8
    ours = explain.integrated_gradients(model, X, classes, baseline=base,
                                        steps=steps)
    alphas = (np.arange(steps) + 0.5) / steps
    path = base + alphas[None, :, None, None, None] * (X - base)[:, None]
    path = path.reshape(3 * steps, 8, 8, 1)           # (n * steps, ...)
    dout = np.zeros((3 * steps, 4))
    dout[np.arange(3 * steps), np.repeat(classes, steps)] = 1.0
    _, k_grads = twins.keras_backward(model, path, dout, dtype="float64")
    mean_grad = k_grads["X"].reshape(3, steps, 8, 8, 1).mean(axis=1)
    assert relative_error(ours, (X - base) * mean_grad) < 1e-10


def test_integrated_gradients_errors():
    model = _small_cnn()
    X = _images((2, 8, 8, 1))
    with pytest.raises(ValueError, match="baseline of shape"):
        explain.integrated_gradients(model, X, [0, 1],
                                     baseline=np.zeros((8, 8)))
    with pytest.raises(ValueError, match="steps"):
        explain.integrated_gradients(model, X, [0, 1], steps=0)
    with pytest.raises(ValueError, match="one class index"):
        explain.integrated_gradients(model, X, [0, 4])
    with pytest.raises(ValueError, match="one class index"):
        explain.input_gradient(model, X, [0])
    with pytest.raises(ValueError, match="n_samples, n_classes"):
        explain.input_gradient(Sequential(_trunk()), X, [0, 1])


# -- Grad-CAM -------------------------------------------------------------
def test_grad_cam_matches_the_tape(twins, tf):
    import keras
    model = _small_cnn()
    X, classes = _images((3, 8, 8, 1)), np.array([1, 0, 3])
    ours = explain.grad_cam(model, X, classes, layer=4, relu=False)
    twin = twins.to_keras(model, input_shape=(8, 8, 1), dtype="float64")
    x = h = keras.Input((8, 8, 1), dtype="float64")
    for i, klayer in enumerate(twin.layers):
        h = klayer(h)
        if i == 4:                                # the maps A
            A = h
    probe = keras.Model(x, [A, h])
    with tf.GradientTape() as tape:
        A, z = probe(tf.constant(X))
        score = tf.reduce_sum(tf.gather(z, classes, batch_dims=1))
    dA = tape.gradient(score, A).numpy()
    alpha = dA.mean(axis=(1, 2))
    theirs = np.einsum("nijk,nk->nij", A.numpy(), alpha)
    assert ours.shape == (3, 4, 4)
    assert relative_error(ours, theirs) < 1e-10
    relu_map = explain.grad_cam(model, X, classes, layer=4)
    np.testing.assert_allclose(relu_map, np.maximum(ours, 0))


def test_grad_cam_under_global_average_pooling_is_cam():
    """alpha_k = W[k, c] / (h w), so the map is sum_k W[k, c] A_k / (h w),
    the class activation map of Zhou et al. (2016) scaled."""
    model = _small_cnn(head="gap")
    X, classes = _images((4, 8, 8, 1)), np.array([0, 1, 2, 3])
    cam = explain.grad_cam(model, X, classes, layer=4, relu=False)
    A = X
    for layer in model.layers[:5]:
        A = layer.forward(A)                             # (4, 4, 4, 3)
    W, b = model.params["6.W"], model.params["6.b"]       # (3, 4), (4,)
    b[...] = [0.5, -1.0, 2.0, 0.25]                       # not all zero
    expected = np.einsum("nijk,kn->nij", A, W[:, classes]) / 16
    np.testing.assert_allclose(cam, expected, rtol=1e-12)
    # the map shares out the logit minus its bias among the positions
    z = model.forward(X)[np.arange(4), classes]
    np.testing.assert_allclose(cam.sum(axis=(1, 2)), z - b[classes],
                               rtol=1e-12)


def test_grad_cam_errors():
    model = _small_cnn()
    X = _images((2, 8, 8, 1))
    for bad in (-1, 7, 1.0, True):
        with pytest.raises(ValueError, match="expected layer"):
            explain.grad_cam(model, X, [0, 1], layer=bad)
    with pytest.raises(ValueError, match="feature maps"):
        explain.grad_cam(model, X, [0, 1], layer=5)      # after Flatten
    with pytest.raises(ValueError, match="Sequential"):
        explain.grad_cam(Conv2D(1, 1, 3), X, [0, 1], layer=0)
    with pytest.raises(ValueError, match="one class index"):
        explain.grad_cam(model, X, [[0, 1]], layer=4)


def test_integrated_gradients_checks_classes_before_repeating_them():
    from dlbook import Dense, Sequential
    from dlbook.explain import integrated_gradients
    model = Sequential([Dense(3, 2, rng=0)])
    with pytest.raises(ValueError, match=r"shape \(4,\), received: classes "
                                         r"of shape \(3,\)"):
        integrated_gradients(model, np.ones((4, 3)), np.zeros(3, int))
