"""dlbook's losses are called as Keras's are, ``loss(y_true, y_pred)``.

Every loss, on inputs where a swap would change the result, gives the
value of its Keras counterpart called with the same arguments (float64,
1e-6 relative), and its ``gradient`` is Keras's ``dL/dy_pred`` from
``tf.GradientTape``.  A swapped call raises where the loss can tell.
"""

import numpy as np
import pytest

from dlbook import activations as act
from dlbook import losses
from dlbook.gradcheck import relative_error

N, K = 6, 4


def _data():
    rng = np.random.default_rng(11)
    logits = rng.normal(size=(N, K)) * 2                  # (N, K)
    labels = np.array([0, 3, 1, 1, 2, 0])                 # (N,)
    onehot = np.eye(K)[labels]                            # (N, K)
    z = rng.normal(size=(N, 2)) * 2                       # (N, 2)
    hard = rng.integers(0, 2, (N, 2)).astype(float)       # (N, 2) in {0, 1}
    return {
        "logits": logits, "labels": labels, "onehot": onehot,
        # rows in (0, 1) that do not sum to 1: Keras renormalises them
        "unnormalised": rng.uniform(0.05, 0.9, size=(N, K)),
        "smoothed": 0.9 * onehot + 0.1 / K,               # label smoothing
        "z": z, "hard": hard, "soft": rng.uniform(0, 1, size=(N, 2)),
        "real_true": rng.normal(size=(N, 3)),
        "real_pred": rng.normal(size=(N, 3)) + 0.5,
    }


D = _data()

# name: (dlbook loss, Keras class name, Keras kwargs, y_true, y_pred, scale)
CASES = {
    "mse": (losses.MeanSquaredError(), "MeanSquaredError", {},
            D["real_true"], D["real_pred"], 1.0),
    "mse_half": (losses.MeanSquaredError(half=True), "MeanSquaredError", {},
                 D["real_true"], D["real_pred"], 0.5),
    "bce_logits": (losses.BinaryCrossentropy(from_logits=True),
                   "BinaryCrossentropy", {"from_logits": True},
                   D["hard"], D["z"], 1.0),
    "bce_logits_soft": (losses.BinaryCrossentropy(from_logits=True),
                        "BinaryCrossentropy", {"from_logits": True},
                        D["soft"], D["z"], 1.0),
    "bce_probs": (losses.BinaryCrossentropy(), "BinaryCrossentropy",
                  {"from_logits": False}, D["hard"], act.sigmoid(D["z"]),
                  1.0),
    "bce_probs_soft": (losses.BinaryCrossentropy(), "BinaryCrossentropy",
                       {"from_logits": False}, D["soft"],
                       act.sigmoid(D["z"]), 1.0),
    "cce_logits": (losses.CategoricalCrossentropy(from_logits=True),
                   "CategoricalCrossentropy", {"from_logits": True},
                   D["onehot"], D["logits"], 1.0),
    "cce_logits_smoothed": (losses.CategoricalCrossentropy(from_logits=True),
                            "CategoricalCrossentropy", {"from_logits": True},
                            D["smoothed"], D["logits"], 1.0),
    "cce_probs": (losses.CategoricalCrossentropy(),
                  "CategoricalCrossentropy", {"from_logits": False},
                  D["onehot"], act.softmax(D["logits"]), 1.0),
    "cce_probs_unnormalised": (losses.CategoricalCrossentropy(),
                               "CategoricalCrossentropy",
                               {"from_logits": False}, D["smoothed"],
                               D["unnormalised"], 1.0),
    "sparse_logits": (losses.SparseCategoricalCrossentropy(from_logits=True),
                      "SparseCategoricalCrossentropy", {"from_logits": True},
                      D["labels"], D["logits"], 1.0),
    "sparse_probs": (losses.SparseCategoricalCrossentropy(),
                     "SparseCategoricalCrossentropy", {"from_logits": False},
                     D["labels"], act.softmax(D["logits"]), 1.0),
}


def _keras(tf, name, y_true, y_pred):
    """Keras's value and dL/dy_pred for ``CASES[name]``, in float64."""
    from dlbook.twins import keras
    _, cls, kwargs, *_, scale = CASES[name]
    keras_loss = getattr(keras.losses, cls)(dtype="float64", **kwargs)
    y_true = tf.constant(y_true)
    y_pred = tf.constant(y_pred, dtype="float64")
    with tf.GradientTape() as tape:
        tape.watch(y_pred)
        value = scale * keras_loss(y_true, y_pred)
    return float(value), tape.gradient(value, y_pred).numpy()


def test_every_loss_class_and_setting_is_covered():
    covered = {(type(c[0]), getattr(c[0], "from_logits", None))
               for c in CASES.values()}
    for cls in (losses.BinaryCrossentropy, losses.CategoricalCrossentropy,
                losses.SparseCategoricalCrossentropy):
        assert {(cls, True), (cls, False)} <= covered, cls
    assert (losses.MeanSquaredError, None) in covered


@pytest.mark.parametrize("name", CASES)
def test_value_and_gradient_equal_keras_called_the_same_way(name, tf):
    loss, *_, y_true, y_pred, _ = CASES[name]
    k_value, k_grad = _keras(tf, name, y_true, y_pred)
    value = loss(y_true, y_pred)
    assert value == pytest.approx(k_value, rel=1e-6), (value, k_value)
    grad = loss.gradient(y_true, y_pred)
    assert grad.shape == np.shape(y_pred)
    assert relative_error(grad, k_grad) <= 1e-6
    v2, g2 = loss.value_and_gradient(y_true, y_pred)
    assert v2 == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(g2, grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", [n for n in CASES if "sparse" not in n])
def test_the_inputs_are_asymmetric(name, tf):
    """The same Keras loss with its arguments swapped gives another value
    (MSE's value is symmetric, so there the gradient's sign shows it): the
    comparison above could not pass with dlbook's arguments reversed."""
    *_, y_true, y_pred, _ = CASES[name]
    value, grad = _keras(tf, name, y_true, y_pred)
    swapped_value, _ = _keras(tf, name, y_pred, y_true)
    if name.startswith("mse"):
        # d/dy_true of the same expression is -dL/dy_pred
        swapped_grad = _keras(tf, name, y_pred, y_true)[1]
        assert relative_error(grad, -swapped_grad) <= 1e-12
        assert relative_error(grad, swapped_grad) > 0.5
    else:
        assert abs(swapped_value - value) > 0.05 * abs(value)


# A swapped call, or logits given to a loss that expects probabilities:
# name: (loss, y_true, y_pred, what the message says)
SWAPPED = {
    "sparse_logits": (losses.SparseCategoricalCrossentropy(from_logits=True),
                      D["logits"], D["labels"],
                      r"integer class labels y_true.*non-integer values"),
    "sparse_probs": (losses.SparseCategoricalCrossentropy(),
                     act.softmax(D["logits"]), D["labels"],
                     r"integer class labels y_true.*non-integer values"),
    "sparse_given_onehot_rows": (losses.SparseCategoricalCrossentropy(),
                                 D["onehot"], act.softmax(D["logits"]),
                                 r"shape \(6, 4\).*CategoricalCrossentropy"),
    "cce_logits": (losses.CategoricalCrossentropy(from_logits=True),
                   D["logits"], D["onehot"], r"y_true in \[0, 1\]"),
    "cce_probs": (losses.CategoricalCrossentropy(),
                  act.softmax(D["logits"]), D["onehot"],
                  r"y_pred that is exactly one-hot"),
    "cce_probs_unnormalised": (losses.CategoricalCrossentropy(),
                               D["unnormalised"], D["smoothed"],
                               r"rows of y_true that sum to 1"),
    "cce_logits_given_probs": (losses.CategoricalCrossentropy(
        from_logits=True), act.softmax(D["logits"]), D["onehot"],
        r"y_pred that is exactly one-hot"),
    "bce_logits": (losses.BinaryCrossentropy(from_logits=True), D["z"],
                   D["hard"], r"y_true in \[0, 1\]"),
    "bce_probs": (losses.BinaryCrossentropy(), act.sigmoid(D["z"]),
                  D["hard"], r"y_pred that is exactly 0 or 1"),
    # not a swap, a forgotten output activation: the hint is from_logits
    "bce_probs_given_logits": (losses.BinaryCrossentropy(), D["hard"],
                               D["z"], r"probabilities in \[0, 1\].*"
                               r"from_logits=True"),
    "cce_probs_given_logits": (losses.CategoricalCrossentropy(),
                               D["onehot"], D["logits"],
                               r"from_logits=True"),
    "sparse_probs_given_logits": (losses.SparseCategoricalCrossentropy(),
                                  D["labels"], D["logits"],
                                  r"from_logits=True"),
}


@pytest.mark.parametrize("method", ["call", "gradient",
                                    "value_and_gradient"])
@pytest.mark.parametrize("name", SWAPPED)
def test_a_detectable_swap_raises_and_names_the_order(name, method):
    loss, first, second, message = SWAPPED[name]
    call = loss if method == "call" else getattr(loss, method)
    with pytest.raises(ValueError, match=message) as info:
        call(first, second)
    assert "loss(y_true, y_pred), like Keras" in str(info.value)


@pytest.mark.parametrize("loss, y_true, y_pred", [
    # label smoothing in float32: rows sum to 1 only up to rounding
    (losses.CategoricalCrossentropy(), D["smoothed"].astype(np.float32),
     act.softmax(D["logits"]).astype(np.float32)),
    # a perfect one-hot prediction of one-hot labels
    (losses.CategoricalCrossentropy(), D["onehot"], D["onehot"]),
    (losses.SparseCategoricalCrossentropy(), D["labels"], D["onehot"]),
    # hard labels, predictions at the ends of [0, 1] (clipped, as in Keras)
    (losses.BinaryCrossentropy(), D["hard"], 1 - D["hard"]),
    # soft labels against probabilities; zero logits of an untrained model
    (losses.BinaryCrossentropy(), D["soft"], act.sigmoid(D["z"])),
    (losses.BinaryCrossentropy(from_logits=True), D["soft"],
     np.zeros((N, 2))),
    (losses.SparseCategoricalCrossentropy(from_logits=True),
     D["labels"][:, None].astype(float), D["logits"]),
])
def test_valid_calls_are_not_mistaken_for_swaps(loss, y_true, y_pred):
    value, grad = loss.value_and_gradient(y_true, y_pred)
    assert np.isfinite(value) and grad.shape == y_pred.shape


def test_fit_without_the_output_activation_is_caught_at_the_first_step():
    """A probabilities loss on a model that ends in Dense: fit says so."""
    from dlbook import SGD, Dense, Sequential
    model = Sequential([Dense(2, 3, rng=0)]).compile(
        loss=losses.CategoricalCrossentropy(), optimizer=SGD(0.1))
    X = np.random.default_rng(0).normal(size=(8, 2)) * 3
    with pytest.raises(ValueError, match=r"y_pred.*from_logits=True"):
        model.fit(X, np.eye(3)[np.arange(8) % 3], epochs=1)
