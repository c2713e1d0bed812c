"""A tiny scalar reverse-mode automatic differentiation engine.

Every arithmetic operation on :class:`Value` objects records its inputs
and a small ``_backward`` function that applies the chain rule locally:
given ``out.grad`` (dL/dout) it adds ``dout/dinput * out.grad`` to each
input's ``grad``.  :meth:`Value.backward` visits the graph in reverse
topological order, so each node's gradient is complete before it is
passed on.  Each operation's forward and backward sit side by side.

After micrograd by Andrej Karpathy (MIT licence), rewritten for the book.

Keras equivalent: ``tf.GradientTape`` does the same for tensors.
Taught in: chapter 4, "The chain rule, one node at a time".
"""

import math
import numbers

__all__ = ["Value", "trace"]


class Value:
    """A scalar that remembers how it was computed.

    Parameters
    ----------
    data : float
        The value.
    label : str, optional
        A name shown by :func:`dlbook.plots.computation_graph`.

    Attributes
    ----------
    data : float
    grad : float
        dL/d(this value) after ``L.backward()``; 0 before.
    label : str
    _op : str
        The operation that produced this value ('' for an input).
    _prev : tuple of Value
        The operation's inputs.
    """

    def __init__(self, data, label="", _prev=(), _op=""):
        if not _is_finite_number(data):
            raise ValueError(
                "expected Value data to be a finite real number, received: "
                f"{type(data).__name__} ({data!r})")
        self.data = float(data)
        self.grad = 0.0
        self.label = str(label)
        self._prev = tuple(_prev)
        self._op = _op
        self._backward = lambda: None

    def __repr__(self):
        name = f"{self.label!r}, " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    # -- binary operations ---------------------------------------------

    def __add__(self, other):
        other = _as_value(other)
        out = Value(self.data + other.data, _prev=(self, other), _op="+")

        def _backward():                     # d(a + b)/da = d(a + b)/db = 1
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = _as_value(other)
        out = Value(self.data * other.data, _prev=(self, other), _op="*")

        def _backward():                     # d(ab)/da = b, d(ab)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, p):
        if not _is_finite_number(p):
            raise ValueError(
                "expected a constant finite number as the exponent of a "
                f"Value, received: {type(p).__name__} ({p!r})")
        p = float(p)
        if self.data < 0 and not p.is_integer():
            raise ValueError(
                f"expected a non-negative base for the non-integer power "
                f"{p}, received: {self.data}")
        if self.data == 0 and p < 0:
            raise ValueError(
                f"0 ** {p:g} is undefined (division by zero): expected a "
                "non-zero base for a negative power, received: 0")
        out = Value(self.data ** p, _prev=(self,), _op=f"**{p:g}")

        def _backward():                     # d(x^p)/dx = p x^(p-1)
            self.grad += p * self.data ** (p - 1) * out.grad
        out._backward = _backward
        return out

    def __rpow__(self, base):                # base ** self = exp(self ln b)
        base = _as_value(base)
        if base.data <= 0:
            raise ValueError(
                "expected a positive base for a Value exponent, received: "
                f"{base.data}")
        return (self * math.log(base.data)).exp()

    # the rest are built from the operations above
    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-_as_value(other))

    def __truediv__(self, other):
        return self * _as_value(other) ** -1

    def __radd__(self, other):
        return self + other

    def __rsub__(self, other):
        return _as_value(other) + (-self)

    def __rmul__(self, other):
        return self * other

    def __rtruediv__(self, other):
        return _as_value(other) * self ** -1

    # -- functions of one value ----------------------------------------

    def exp(self):
        """``e ** x``."""
        try:
            e = math.exp(self.data)
        except OverflowError:
            raise ValueError(
                f"exp({self.data}) overflows a float64") from None
        out = Value(e, _prev=(self,), _op="exp")

        def _backward():                     # d(e^x)/dx = e^x
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def log(self):
        """Natural logarithm, for x > 0."""
        if self.data <= 0:
            raise ValueError(
                f"expected a positive number for log, received: {self.data}")
        out = Value(math.log(self.data), _prev=(self,), _op="log")

        def _backward():                     # d(ln x)/dx = 1/x
            self.grad += out.grad / self.data
        out._backward = _backward
        return out

    def tanh(self):
        """Hyperbolic tangent."""
        out = Value(math.tanh(self.data), _prev=(self,), _op="tanh")

        def _backward():                     # d tanh/dx = 1 - tanh^2
            self.grad += (1.0 - out.data ** 2) * out.grad
        out._backward = _backward
        return out

    def sigmoid(self):
        """Logistic sigmoid ``1 / (1 + e ** -x)``."""
        x = self.data                        # stable for large |x|
        s = 1 / (1 + math.exp(-x)) if x >= 0 else \
            math.exp(x) / (1 + math.exp(x))
        out = Value(s, _prev=(self,), _op="sigmoid")

        def _backward():                     # d sigma/dx = sigma (1 - sigma)
            self.grad += out.data * (1.0 - out.data) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        """``max(x, 0)``; its derivative at 0 is taken as 0, as in TF."""
        out = Value(max(self.data, 0.0), _prev=(self,), _op="relu")

        def _backward():                     # 1 for x > 0, else 0
            self.grad += (self.data > 0) * out.grad
        out._backward = _backward
        return out

    # -- reverse mode --------------------------------------------------

    def backward(self):
        """Fill ``.grad`` of every node with d(self)/d(node).

        Gradients are recomputed from zero on every call (they overwrite,
        they do not accumulate across calls); within one call a node used
        twice receives the sum of both contributions.
        """
        order = _topological_order(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0                      # dL/dL = 1
        for node in reversed(order):         # outputs before their inputs
            node._backward()


def _as_value(x):
    return x if isinstance(x, Value) else Value(x)


def _is_finite_number(x):
    """True for a finite int or float (not a bool, not a Value)."""
    return (isinstance(x, numbers.Real) and not isinstance(x, bool)
            and math.isfinite(x))


def _topological_order(root):
    """Nodes reachable from ``root``, every node after all of its inputs.

    Iterative depth-first search, so long chains do not hit Python's
    recursion limit.
    """
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            for child in reversed(node._prev):
                if id(child) not in seen:
                    stack.append((child, False))
    return order


def trace(root):
    """The graph that computed ``root``, for drawing.

    Returns
    -------
    nodes : list of Value
        Every node reachable from ``root``, inputs before outputs
        (``root`` is last).
    edges : list of (Value, Value)
        ``(input, output)`` pairs, one per operand (``x * x`` gives two).
    """
    is_value = isinstance(root, Value)
    if not is_value:
        raise ValueError(
            f"expected a Value, received: {type(root).__name__}")
    nodes = _topological_order(root)
    edges = [(child, node) for node in nodes for child in node._prev]
    return nodes, edges
