"""Tests for dlbook.activations' saturation intervals.

(The activations and their derivatives are checked against finite
differences and TensorFlow in test_gradients.py.)
"""

import numpy as np
import pytest

from dlbook import activations


def test_saturated_intervals_match_the_derivatives():
    step = 12 / 2000                            # grid spacing on (-6, 6)
    # sigmoid'(z) = 0.05  <=>  s = (1 + sqrt(0.8)) / 2
    s = (1 + np.sqrt(0.8)) / 2
    z_sig = np.log(s / (1 - s))
    (a, b), (c, d) = activations.saturated_intervals("sigmoid")
    assert (a, d) == (-6.0, 6.0)
    assert abs(b + z_sig) <= step and abs(c - z_sig) <= step
    assert activations.sigmoid_prime(np.array([b, c])).max() < 0.05
    # tanh'(z) = 0.05  <=>  tanh(z) = sqrt(0.95)
    (_, b), (c, _) = activations.saturated_intervals("tanh")
    assert abs(c - np.arctanh(np.sqrt(0.95))) <= step
    assert activations.saturated_intervals("relu") == [(-6.0, 0.0)]
    assert activations.saturated_intervals("leaky_relu", alpha=0.1) == []
    assert activations.saturated_intervals("leaky_relu", alpha=0.01) == [
        (-6.0, 0.0)]


def test_saturated_intervals_follow_range_threshold_and_resolution():
    # sigmoid' < 0.2 only where sigmoid is within 0.276 of 0 or 1
    (a, b), (c, d) = activations.saturated_intervals(
        "sigmoid", z_range=(-8, 3), threshold=0.2)
    s = (1 + np.sqrt(1 - 4 * 0.2)) / 2          # sigmoid'(z) = 0.2
    z = np.log(s / (1 - s))
    assert (a, d) == (-8.0, 3.0)
    assert abs(b + z) <= 11 / 2000 and abs(c - z) <= 11 / 2000
    # a coarse grid still finds the intervals, to within its spacing
    coarse = activations.saturated_intervals("sigmoid", n_points=13)
    assert coarse == [(-6.0, -3.0), (3.0, 6.0)]
    # entirely inside a saturated region: one interval, the whole range
    assert activations.saturated_intervals("sigmoid", z_range=(5, 9)) == [
        (5.0, 9.0)]


@pytest.mark.parametrize("kwargs, match", [
    ({"name": "softplus"}, "name='softplus'"),
    ({"name": "relu", "z_range": (2, 1)}, "low < high"),
    ({"name": "relu", "threshold": 0}, "threshold=0"),
    ({"name": "leaky_relu", "alpha": -1}, "alpha=-1"),
    ({"name": "relu", "n_points": 1}, "n_points=1"),
])
def test_saturated_intervals_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        activations.saturated_intervals(**kwargs)
    with pytest.raises(TypeError):
        activations.saturated_intervals("relu", (-1, 1))   # keywords only
