"""Optimizers with the update rules and defaults of Keras 3.

``optimizer.step(params, grads)`` takes two parallel dicts of arrays and
updates ``params`` in place; per-parameter state (velocities, moments) is
kept under the same keys.  Because the rules, defaults and order of
operations are Keras's, a scratch model and its Keras twin take the same
steps from the same state (up to Keras's float32 rounding of the
hyperparameters: it stores ``lr`` as a float32 variable and computes
``beta**t`` from float32 betas, which moves a float64 Adam step by about
3e-6 relative; hyperparameters exact in float32 remove the difference).

Taught in: chapter 2, "Core concepts", and chapter 4, "The weight update
and optimizers".
"""

import math

import numpy as np

from ._checks import check_positive


class Optimizer:
    """Base class: ``step`` applies ``_update`` to every parameter."""

    def __init__(self, lr):
        self.lr = check_positive(lr, "lr")
        self.iterations = 0
        self.state = {}

    def step(self, params, grads):
        """Update every ``params[k]`` in place from ``grads[k]``."""
        if params.keys() != grads.keys():
            missing = sorted(set(params) ^ set(grads))
            raise ValueError(
                "expected grads with the same keys as params, received "
                f"mismatched keys {missing}; call backward() first")
        self.iterations += 1
        for key, p in params.items():
            self._update(key, p, grads[key])

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items()
                         if k not in ("iterations", "state"))
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Plain gradient descent: ``W <- W - lr * dL/dW``.

    Keras equivalent: ``keras.optimizers.SGD(learning_rate=lr)``.
    Taught in: chapter 4, "The weight update and optimizers".
    """

    def __init__(self, lr=0.01):
        super().__init__(lr)

    def _update(self, key, p, g):
        p -= self.lr * g


class Momentum(Optimizer):
    """Gradient descent with momentum, in Keras's form:

    ``v <- momentum * v - lr * g``;  ``W <- W + v``  (``v`` starts at 0).

    Keras equivalent: ``keras.optimizers.SGD(learning_rate=lr,
    momentum=momentum)``.
    """

    def __init__(self, lr=0.01, momentum=0.9):
        super().__init__(lr)
        if not 0 <= momentum < 1:
            raise ValueError("expected momentum in [0, 1), received: "
                             f"momentum={momentum!r}")
        self.momentum = float(momentum)

    def _update(self, key, p, g):
        v = self.state.get(key)
        if v is None:
            v = self.state[key] = np.zeros_like(p)
        v *= self.momentum
        v -= self.lr * g
        p += v


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015) in Keras's form.  At step ``t``:

    ``m <- m + (1 - beta_1) (g - m)``;  ``v <- v + (1 - beta_2) (g**2 - v)``;
    ``alpha = lr sqrt(1 - beta_2**t) / (1 - beta_1**t)``;
    ``W <- W - alpha m / (sqrt(v) + epsilon)``.

    (The bias correction is folded into ``alpha``, so ``epsilon`` is the
    "epsilon hat" of the paper.)

    Keras equivalent: ``keras.optimizers.Adam(learning_rate=lr, beta_1,
    beta_2, epsilon)``, defaults 0.001, 0.9, 0.999, 1e-7.
    """

    def __init__(self, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        super().__init__(lr)
        for name, value in (("beta_1", beta_1), ("beta_2", beta_2)):
            if not 0 <= value < 1:
                raise ValueError(f"expected {name} in [0, 1), received: "
                                 f"{name}={value!r}")
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)
        self.epsilon = check_positive(epsilon, "epsilon")

    def _update(self, key, p, g):
        if key not in self.state:
            self.state[key] = (np.zeros_like(p), np.zeros_like(p))
        m, v = self.state[key]
        t = self.iterations
        # math.sqrt keeps alpha a Python float, so float32 stays float32
        alpha = self.lr * math.sqrt(1 - self.beta_2 ** t) / (
            1 - self.beta_1 ** t)
        m += (1 - self.beta_1) * (g - m)
        v += (1 - self.beta_2) * (g * g - v)
        p -= alpha * m / (np.sqrt(v) + self.epsilon)


_BY_NAME = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def get_optimizer(optimizer):
    """Return an ``Optimizer`` from a name (defaults) or an instance."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in _BY_NAME:
        return _BY_NAME[optimizer.lower()]()
    raise ValueError(f"expected an Optimizer or one of {sorted(_BY_NAME)},"
                     f" received: {optimizer!r}")
