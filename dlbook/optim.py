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

from ._checks import check_scalar


class Optimizer:
    """Base class: ``step`` applies ``_update`` to every parameter.

    Parameters
    ----------
    lr : float or Schedule
        The learning rate, or a schedule giving it at each step.
    weight_decay : float, optional
        Decoupled weight decay (Loshchilov and Hutter, 2019): before the
        update, every parameter shrinks by ``W <- W - lr * weight_decay *
        W``, separately from the gradient; as in Keras 3, every
        parameter (biases too) decays.  Unlike an L2 penalty (see
        ``dlbook.regularizers``), this shrinkage is not rescaled by Adam's
        per-parameter step size.
    """

    def __init__(self, lr, *, weight_decay=None):
        self.lr = lr if isinstance(lr, Schedule) else _positive(lr, "lr")
        self.weight_decay = None if weight_decay is None else \
            check_scalar(weight_decay, "weight_decay", float, min_val=0)
        self.iterations = 0
        self.state = {}

    @property
    def learning_rate(self):
        """The rate the next step uses: ``lr``, or ``lr(iterations)`` for
        a schedule (steps counted from 0, as Keras does)."""
        if isinstance(self.lr, Schedule):
            return self.lr(self.iterations)
        return self.lr

    def step(self, params, grads):
        """Update every ``params[k]`` in place from ``grads[k]``."""
        if params.keys() != grads.keys():
            missing = sorted(set(params) ^ set(grads))
            raise ValueError(
                "expected grads with the same keys as params, received "
                f"mismatched keys {missing}; call backward() first")
        lr = self.learning_rate
        self.iterations += 1
        for key, p in params.items():
            if self.weight_decay:
                p -= p * (self.weight_decay * lr)   # decoupled: before
            self._update(key, p, grads[key], lr)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items()
                         if k not in ("iterations", "state")
                         and not (k == "weight_decay" and v is None))
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Plain gradient descent: ``W <- W - lr * dL/dW``.

    Keras equivalent: ``keras.optimizers.SGD(learning_rate=lr)``.
    Taught in: chapter 4, "The weight update and optimizers".
    """

    def __init__(self, lr=0.01, *, weight_decay=None):
        super().__init__(lr, weight_decay=weight_decay)

    def _update(self, key, p, g, lr):
        p -= lr * g


class Momentum(Optimizer):
    """Gradient descent with momentum, in Keras's form:

    ``v <- momentum * v - lr * g``;  ``W <- W + v``  (``v`` starts at 0).

    Keras equivalent: ``keras.optimizers.SGD(learning_rate=lr,
    momentum=momentum)``.
    """

    def __init__(self, lr=0.01, momentum=0.9, *, weight_decay=None):
        super().__init__(lr, weight_decay=weight_decay)
        self.momentum = check_scalar(momentum, "momentum", float, min_val=0,
                                     max_val=1, include_boundaries="left")

    def _update(self, key, p, g, lr):
        v = self.state.get(key)
        if v is None:
            v = self.state[key] = np.zeros_like(p)
        v *= self.momentum
        v -= lr * g
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

    def __init__(self, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, *,
                 weight_decay=None):
        super().__init__(lr, weight_decay=weight_decay)
        self.beta_1, self.beta_2 = (
            check_scalar(value, name, float, min_val=0, max_val=1,
                         include_boundaries="left")
            for name, value in (("beta_1", beta_1), ("beta_2", beta_2)))
        self.epsilon = check_scalar(epsilon, "epsilon", float, min_val=0,
                                    include_boundaries="neither")

    def _update(self, key, p, g, lr):
        if key not in self.state:
            self.state[key] = (np.zeros_like(p), np.zeros_like(p))
        m, v = self.state[key]
        t = self.iterations
        # math.sqrt keeps alpha a Python float, so float32 stays float32
        alpha = lr * math.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)
        m += (1 - self.beta_1) * (g - m)
        v += (1 - self.beta_2) * (g * g - v)
        p -= alpha * m / (np.sqrt(v) + self.epsilon)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter, 2019):
    ``Adam(..., weight_decay=0.004)``, Keras's default for AdamW.

    Keras equivalent: ``keras.optimizers.AdamW(learning_rate=lr,
    weight_decay=weight_decay)``.
    Taught in: chapter 3, "Generalization".
    """

    def __init__(self, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, *,
                 weight_decay=0.004):
        super().__init__(lr, beta_1, beta_2, epsilon,
                         weight_decay=weight_decay)


# -- learning-rate schedules (Keras's keras.optimizers.schedules) ----------
class Schedule:
    """A learning rate as a function of the step (0, 1, 2, ...); pass one
    as an optimizer's ``lr``."""

    def __call__(self, step):
        step = check_scalar(step, "step", int, min_val=0)
        return float(self._rate(step))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class ExponentialDecay(Schedule):
    """``lr(t) = initial_lr * decay_rate ** (t / decay_steps)``; with
    ``staircase=True`` the exponent is floored, giving step decay.

    Keras equivalent: ``keras.optimizers.schedules.ExponentialDecay``.
    Taught in: chapter 3, "Learning-rate schedules and the noise of SGD".
    """

    def __init__(self, initial_lr, decay_steps, decay_rate, *,
                 staircase=False):
        self.initial_lr = _positive(initial_lr, "initial_lr")
        self.decay_steps = check_scalar(decay_steps, "decay_steps", int,
                                        min_val=1)
        self.decay_rate = _positive(decay_rate, "decay_rate")
        self.staircase = bool(staircase)

    def _rate(self, step):
        p = step / self.decay_steps
        return self.initial_lr * self.decay_rate ** (
            math.floor(p) if self.staircase else p)


class PiecewiseConstantDecay(Schedule):
    """``values[i]`` while ``boundaries[i-1] < t <= boundaries[i]``: the
    step decay of the classic recipes ("divide by 10 at epochs 30, 60").

    Keras equivalent: ``keras.optimizers.schedules.PiecewiseConstantDecay``.
    """

    def __init__(self, boundaries, values):
        self.boundaries = [check_scalar(b, "boundaries", int, min_val=0)
                           for b in boundaries]
        self.values = [_positive(v, "values") for v in values]
        if len(self.values) != len(self.boundaries) + 1 or any(
                b >= c for b, c in zip(self.boundaries, self.boundaries[1:])):
            raise ValueError(
                "expected increasing boundaries and one more value than "
                f"boundaries, received: boundaries={boundaries!r}, "
                f"values={values!r}")

    def _rate(self, step):
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return value
        return self.values[-1]


class CosineDecay(Schedule):
    """Cosine decay from ``initial_lr`` to ``alpha * initial_lr`` over
    ``decay_steps``, after an optional linear warm-up of ``warmup_steps``
    from ``initial_lr`` to ``warmup_target`` (then the decay starts from
    ``warmup_target``).

    ``lr(t) = peak * ((1 - alpha) * (1 + cos(pi * t' / decay_steps)) / 2
    + alpha)``, ``t' = min(t - warmup_steps, decay_steps)``.

    Keras equivalent: ``keras.optimizers.schedules.CosineDecay`` (same
    arguments).
    Taught in: chapter 3, "Learning-rate schedules and the noise of SGD".
    """

    def __init__(self, initial_lr, decay_steps, *, alpha=0.0,
                 warmup_target=None, warmup_steps=0):
        self.initial_lr = check_scalar(initial_lr, "initial_lr", float,
                                       min_val=0)
        self.decay_steps = check_scalar(decay_steps, "decay_steps", int,
                                        min_val=1)
        self.alpha = check_scalar(alpha, "alpha", float, min_val=0,
                                  max_val=1)
        self.warmup_target = None if warmup_target is None else \
            _positive(warmup_target, "warmup_target")
        self.warmup_steps = check_scalar(warmup_steps, "warmup_steps", int,
                                         min_val=0)

    def _rate(self, step):
        peak = self.initial_lr
        if self.warmup_target is not None:
            if step < self.warmup_steps:
                return peak + (self.warmup_target - peak) * (
                    step / self.warmup_steps)
            peak, step = self.warmup_target, step - self.warmup_steps
        done = min(step, self.decay_steps) / self.decay_steps
        cosine = 0.5 * (1 + math.cos(math.pi * done))
        return peak * ((1 - self.alpha) * cosine + self.alpha)


def _positive(value, name):
    return check_scalar(value, name, float, min_val=0,
                        include_boundaries="neither")


_BY_NAME = {"sgd": SGD, "momentum": Momentum, "adam": Adam, "adamw": AdamW}



def get_optimizer(optimizer):
    """Return an ``Optimizer`` from a name (defaults) or an instance."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in _BY_NAME:
        return _BY_NAME[optimizer.lower()]()
    raise ValueError(f"expected an Optimizer or one of {sorted(_BY_NAME)},"
                     f" received: {optimizer!r}")
