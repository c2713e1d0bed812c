"""A tiny scalar reverse-mode automatic differentiation engine.

Every arithmetic operation on :class:`Value` objects records its inputs
and a small ``_backward`` function that applies the chain rule locally:
given ``out.grad`` (dL/dout) it adds ``dout/dinput * out.grad`` to each
input's ``grad``.  :meth:`Value.backward` visits the graph in reverse
topological order, so each node's gradient is complete before it is
passed on.  Each operation's forward and backward sit side by side.

After micrograd by Andrej Karpathy (MIT licence), rewritten for the book.

Forward mode is here too: :class:`Dual` carries a derivative along
with each value in the forward pass (dual numbers), one pass per input
direction instead of one backward pass per output.

Keras equivalent: ``tf.GradientTape`` does the same for tensors
(``tf.autodiff.ForwardAccumulator`` is TensorFlow's forward mode).
Taught in: chapter 4, "The chain rule, one node at a time"; forward mode
in chapter 4, "The cost of backpropagation".
"""

import math
import numbers

__all__ = ["Dual", "Value", "trace"]


class _Arithmetic:
    """The operators built from ``+``, ``*`` and ``**`` alone, shared by
    ``Value`` (reverse mode) and ``Dual`` (forward mode): each class
    defines those three and ``_lift`` (a plain number as a constant)."""

    __slots__ = ()

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __truediv__(self, other):
        return self * self._lift(other) ** -1

    def __radd__(self, other):
        return self + other

    def __rsub__(self, other):
        return self._lift(other) + (-self)

    def __rmul__(self, other):
        return self * other

    def __rtruediv__(self, other):
        return self._lift(other) * self ** -1


class Value(_Arithmetic):
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

    @staticmethod
    def _lift(x):
        return _as_value(x)

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
        out = Value(_sigmoid(self.data), _prev=(self,), _op="sigmoid")

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


def _sigmoid(x):
    """``1 / (1 + e ** -x)``, stable for large ``|x|``."""
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    return math.exp(x) / (1 + math.exp(x))


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


class Dual(_Arithmetic):
    """A dual number ``a + b eps`` with ``eps ** 2 = 0``: forward mode.

    Taylor's formula ends after one term when ``eps ** 2 = 0``:
    ``f(a + b eps) = f(a) + f'(a) b eps``.  So a program run on duals
    returns, next to each value ``data``, its directional derivative
    ``tangent``: seed the inputs with tangents ``v`` and every result
    carries ``J v``, the Jacobian times ``v``, in the same single forward
    pass.  A full Jacobian of ``f: R^n -> R^m`` takes ``n`` passes (one
    per input, ``v = e_j``), where reverse mode (:class:`Value`) takes one
    backward pass per output.

    Parameters
    ----------
    data : float
        The value ``a``.
    tangent : float, default 0.0
        The derivative part ``b`` (0 for a constant).

    Keras equivalent: ``tf.autodiff.ForwardAccumulator`` (a JVP).
    Taught in: chapter 4, "The cost of backpropagation".
    """

    __slots__ = ("data", "tangent")

    @staticmethod
    def _lift(x):
        return _as_dual(x)

    def __init__(self, data, tangent=0.0):
        for name, x in (("data", data), ("tangent", tangent)):
            if not _is_finite_number(x):
                raise ValueError(
                    f"expected Dual {name} to be a finite real number, "
                    f"received: {type(x).__name__} ({x!r})")
        self.data = float(data)
        self.tangent = float(tangent)

    def __repr__(self):
        return f"Dual(data={self.data:.6g}, tangent={self.tangent:.6g})"

    # each rule is the derivative of the operation: (f, f' * tangent)
    def __add__(self, other):                # (a + b)' = a' + b'
        other = _as_dual(other)
        return Dual(self.data + other.data, self.tangent + other.tangent)

    def __mul__(self, other):                # (ab)' = a'b + ab'
        other = _as_dual(other)
        return Dual(self.data * other.data,
                    self.tangent * other.data + self.data * other.tangent)

    def __pow__(self, p):                    # (x^p)' = p x^(p-1) x'
        if not _is_finite_number(p):
            raise ValueError(
                "expected a constant finite number as the exponent of a "
                f"Dual, received: {type(p).__name__} ({p!r})")
        p = float(p)
        if self.data == 0 and p < 0:
            raise ValueError(
                f"0 ** {p:g} is undefined (division by zero): expected a "
                "non-zero base for a negative power, received: 0")
        if self.data < 0 and not p.is_integer():
            raise ValueError(
                f"expected a non-negative base for the non-integer power "
                f"{p}, received: {self.data}")
        return Dual(self.data ** p,
                    p * self.data ** (p - 1) * self.tangent)

    def exp(self):                           # (e^x)' = e^x x'
        try:
            e = math.exp(self.data)
        except OverflowError:
            raise ValueError(
                f"exp({self.data}) overflows a float64") from None
        return Dual(e, e * self.tangent)

    def log(self):                           # (ln x)' = x' / x
        if self.data <= 0:
            raise ValueError(
                f"expected a positive number for log, received: {self.data}")
        return Dual(math.log(self.data), self.tangent / self.data)

    def tanh(self):                          # tanh' = 1 - tanh^2
        t = math.tanh(self.data)
        return Dual(t, (1.0 - t * t) * self.tangent)

    def sigmoid(self):                       # sigma' = sigma (1 - sigma)
        s = _sigmoid(self.data)
        return Dual(s, s * (1.0 - s) * self.tangent)

    def relu(self):                          # 1 for x > 0, else 0 (as TF)
        return Dual(max(self.data, 0.0), (self.data > 0) * self.tangent)


def _as_dual(x):
    return x if isinstance(x, Dual) else Dual(x)
