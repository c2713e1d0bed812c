"""Softmax, cross-entropy, sigmoid and BCE stay finite and correct for
logits up to +-1e4 (property-based, with hypothesis)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dlbook import activations as act
from dlbook import losses

LOGIT = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)
settings.register_profile("dlbook", max_examples=200, deadline=None)
settings.load_profile("dlbook")


SHAPES = st.tuples(st.integers(1, 6), st.integers(1, 5))


def _logits(shape=SHAPES):
    return shape.flatmap(lambda s: arrays(np.float64, s, elements=LOGIT))


@given(_logits())
def test_softmax_finite_and_normalised(z):
    p = act.softmax(z)
    assert np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    # shift invariance: the trick that keeps it finite changes nothing
    np.testing.assert_allclose(act.softmax(z - z.max()), p, atol=1e-12)
    lp = act.log_softmax(z)
    assert np.all(np.isfinite(lp)) and np.all(lp <= 1e-12)


@given(arrays(np.float64, st.integers(1, 20), elements=LOGIT))
def test_sigmoid_finite_and_correct(z):
    s = act.sigmoid(z)
    assert np.all(np.isfinite(s)) and np.all((s >= 0) & (s <= 1))
    # sigmoid(-z) = 1 - sigmoid(z), exactly representable cases aside
    np.testing.assert_allclose(act.sigmoid(-z), 1 - s, atol=1e-15)
    np.testing.assert_allclose(s, 0.5 * (1 + np.tanh(z / 2)), atol=1e-15)
    assert np.all(np.isfinite(act.sigmoid_prime(z)))


@given(_logits(), st.data())
def test_categorical_crossentropy_from_logits(z, data):
    n, k = z.shape
    labels = np.array(data.draw(st.lists(st.integers(0, k - 1), min_size=n,
                                         max_size=n)))
    y = np.eye(k)[labels]
    loss = losses.CategoricalCrossentropy(from_logits=True)
    value, grad = loss.value_and_gradient(y, z)
    assert np.isfinite(value) and value >= 0 and np.all(np.isfinite(grad))
    # reference: -log softmax at the label, via logsumexp written out
    m = z.max(axis=1)
    lse = m + np.log(np.exp(z - m[:, None]).sum(axis=1))
    expected = np.mean(lse - z[np.arange(n), labels])
    assert np.isclose(value, expected, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(grad.sum(axis=1), 0, atol=1e-12)
    sparse = losses.SparseCategoricalCrossentropy(from_logits=True)
    assert np.isclose(sparse(labels, z), value, rtol=1e-12)


@given(arrays(np.float64, st.tuples(st.integers(1, 10), st.just(1)),
              elements=LOGIT), st.data())
def test_binary_crossentropy_from_logits(z, data):
    y = np.array(data.draw(st.lists(st.integers(0, 1), min_size=len(z),
                                    max_size=len(z))), dtype=float)
    loss = losses.BinaryCrossentropy(from_logits=True)
    value, grad = loss.value_and_gradient(y, z)
    assert np.isfinite(value) and value >= 0 and np.all(np.isfinite(grad))
    # reference: softplus(z) - z y, with softplus = logaddexp(0, z)
    expected = np.mean(np.logaddexp(0, z[:, 0]) - z[:, 0] * y)
    assert np.isclose(value, expected, rtol=1e-10, atol=1e-12)
    assert np.all(np.abs(grad) <= 1 / len(z) + 1e-15)


@given(arrays(np.float64, st.tuples(st.integers(1, 10), st.just(1)),
              elements=LOGIT))
def test_bce_from_probabilities_is_clipped_not_infinite(z):
    p = act.sigmoid(z)
    y = (z[:, 0] < 0).astype(float)         # confidently wrong labels
    loss = losses.BinaryCrossentropy()
    value, grad = loss.value_and_gradient(y, p)
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    assert value <= -np.log(losses.EPSILON) + 1e-9


def test_clipped_probability_caps_the_loss_and_zeroes_the_gradient():
    """Chapter 5's note on softmax outputs: a true-class probability below
    1e-7 is clipped, so the loss stops at -log(1e-7) and the gradient is 0.
    """
    p = np.array([[1e-9, 0.5, 0.5 - 1e-9]])
    y = np.array([[1.0, 0.0, 0.0]])
    cce = losses.CategoricalCrossentropy()
    assert cce(y, p) == pytest.approx(-np.log(1e-7), rel=1e-6)
    np.testing.assert_array_equal(cce.gradient(y, p), np.zeros_like(p))
