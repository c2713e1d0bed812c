"""Tests for dlbook.autodiff: hand cases, finite differences, TensorFlow."""

import math

import numpy as np
import pytest

from dlbook.autodiff import Value, trace
from dlbook.gradcheck import numerical_gradient, relative_error


def test_hand_computed_chain_rule():
    # L = (a * b + c) * f with a=2, b=-3, c=10, f=-2
    a, b, c, f = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c"), \
        Value(-2.0, "f")
    e = a * b
    d = e + c
    L = d * f
    L.backward()
    assert L.data == -8.0
    assert (a.grad, b.grad, c.grad, f.grad) == (6.0, -4.0, -2.0, 4.0)
    assert (d.grad, e.grad, L.grad) == (-2.0, -2.0, 1.0)
    assert (L._op, d._op, a._op) == ("*", "+", "")
    assert a.label == "a"


def test_reused_node_sums_both_paths_and_backward_overwrites():
    x = Value(3.0)
    y = x * x + x                        # dy/dx = 2x + 1 = 7
    y.backward()
    assert x.grad == 7.0
    y.backward()                         # a second call recomputes
    assert x.grad == 7.0


def test_numbers_on_either_side():
    x = Value(2.0)
    cases = {                       # expression: (value, d/dx)
        "1 + x": (1 + x, 3.0, 1.0),
        "x + 1": (x + 1, 3.0, 1.0),
        "5 - x": (5 - x, 3.0, -1.0),
        "x - 5": (x - 5, -3.0, 1.0),
        "3 * x": (3 * x, 6.0, 3.0),
        "x / 4": (x / 4, 0.5, 0.25),
        "4 / x": (4 / x, 2.0, -1.0),
        "x ** 3": (x ** 3, 8.0, 12.0),
        "2 ** x": (2 ** x, 4.0, 4.0 * math.log(2)),
        "-x": (-x, -2.0, -1.0),
    }
    for name, (out, value, grad) in cases.items():
        out.backward()
        assert math.isclose(out.data, value, rel_tol=1e-15), name
        assert math.isclose(x.grad, grad, rel_tol=1e-15), name


def test_relu_gradient_at_zero_is_zero_like_tensorflow():
    for z, grad in ((-1.0, 0.0), (0.0, 0.0), (2.0, 1.0)):
        x = Value(z)
        x.relu().backward()
        assert x.grad == grad


def test_sigmoid_stays_finite_for_large_inputs():
    for z in (-1e4, -800.0, 800.0, 1e4):
        x = Value(z)
        s = x.sigmoid()
        s.backward()
        assert s.data == (0.0 if z < 0 else 1.0)   # saturated, no overflow
        assert x.grad == 0.0


def test_long_chain_does_not_hit_the_recursion_limit():
    x = Value(1.0)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.backward()
    assert math.isclose(x.grad, 1.0001 ** 5000, rel_tol=1e-9)


# expressions written once, evaluated by autodiff, finite differences and TF
EXPRESSIONS = {
    "polynomial": lambda o, a, b, c: a * b + c * a ** 2 - b / c,
    "neuron_tanh": lambda o, a, b, c: o.tanh(a * 0.5 + b * -1.5 + c),
    "exp_log": lambda o, a, b, c: o.log(o.exp(a) + b ** 2) * c,
    "sigmoid_relu": lambda o, a, b, c: o.sigmoid(a - c) * o.relu(b + 2.0)
    + o.relu(-a * c),
    "division_power": lambda o, a, b, c: (a + 1.5) ** -0.5 / (b * b + c)
    + 2.0 / (1.0 + a * a),
    "reuse": lambda o, a, b, c: (a * b) * (a * b) + o.tanh(a * b) * c,
}
POINTS = [(0.7, -1.3, 2.1), (-0.4, 0.9, 1.6), (1.2, 0.3, 0.8)]


class ValueOps:
    exp, log = staticmethod(Value.exp), staticmethod(Value.log)
    tanh, sigmoid = staticmethod(Value.tanh), staticmethod(Value.sigmoid)
    relu = staticmethod(Value.relu)


class FloatOps:
    exp, log, tanh = math.exp, math.log, math.tanh

    @staticmethod
    def sigmoid(x):
        return 1 / (1 + math.exp(-x))

    @staticmethod
    def relu(x):
        return max(x, 0.0)


def autodiff_gradients(expr, point):
    inputs = [Value(v) for v in point]
    out = expr(ValueOps, *inputs)
    out.backward()
    return out.data, [v.grad for v in inputs]


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("name", list(EXPRESSIONS))
def test_gradients_match_central_differences(name, point):
    expr = EXPRESSIONS[name]
    value, grads = autodiff_gradients(expr, point)
    assert math.isclose(value, expr(FloatOps, *point), rel_tol=1e-14)
    numeric = numerical_gradient(lambda v: expr(FloatOps, *v),
                                 np.array(point, dtype=float))
    for i in range(3):               # each partial on its own scale
        assert relative_error(grads[i], numeric[i]) <= 1e-6, (name, i)


def test_gradients_match_tensorflow_float64(tf):

    class TFOps:
        exp, log, tanh = tf.exp, tf.math.log, tf.tanh
        sigmoid, relu = tf.sigmoid, tf.nn.relu

    for name, expr in EXPRESSIONS.items():
        for point in POINTS:
            value, grads = autodiff_gradients(expr, point)
            variables = [tf.Variable(v, dtype=tf.float64) for v in point]
            with tf.GradientTape() as tape:
                out = expr(TFOps, *variables)
            tf_grads = tape.gradient(out, variables)
            assert math.isclose(value, float(out), rel_tol=1e-12), name
            for i, (g, g_tf) in enumerate(zip(grads, tf_grads)):
                g_tf = 0.0 if g_tf is None else float(g_tf)
                assert math.isclose(g, g_tf, rel_tol=1e-12, abs_tol=1e-15), \
                    (name, point, i, g, g_tf)


def test_trace_nodes_and_edges():
    a, b = Value(2.0, "a"), Value(3.0, "b")
    c = a * a + b
    nodes, edges = trace(c)
    assert nodes[-1] is c
    assert len(nodes) == 4                      # a, b, a*a, c
    assert {id(n) for n in nodes} == {id(a), id(b), id(c._prev[0]), id(c)}
    position = {id(n): i for i, n in enumerate(nodes)}
    for child, parent in edges:                 # inputs come first
        assert position[id(child)] < position[id(parent)]
    square = c._prev[0]
    assert sum(1 for e in edges if e == (a, square)) == 2   # a used twice
    assert len(edges) == 4
    assert trace(a) == ([a], [])


@pytest.mark.parametrize("call, match", [
    (lambda: Value("1.5"), "real number"),
    (lambda: Value(True), "real number"),
    (lambda: Value(float("nan")), "finite"),
    (lambda: Value(2.0) ** Value(3.0), "constant"),
    (lambda: Value(-1.0).log(), "positive"),
    (lambda: Value(0.0).log(), "positive"),
    (lambda: Value(-8.0) ** 0.5, "non-negative base"),
    (lambda: Value(1.0) / 0, "division by zero"),
    (lambda: (-2.0) ** Value(1.0), "positive base"),
    (lambda: Value(1000.0).exp(), "overflows"),
    (lambda: trace(3.0), "expected a Value"),
])
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_repr_shows_label_data_and_grad():
    x = Value(1.5, "x")
    (x * 2).backward()
    assert repr(x) == "Value('x', data=1.5, grad=2)"
