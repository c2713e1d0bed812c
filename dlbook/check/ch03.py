"""Checkable exercises of chapter 3; see ``dlbook.check``.

Each ``register`` call states the exercise's id (its label in the book
without ``ex-``), the page that poses it, the reference solution, the
hidden cases and the typical mistakes.
"""

import numpy as np

from . import Mistake, register

# ------------------------------- 02: a polynomial learning-rate schedule


def _polynomial_decay(step, initial_lr, decay_steps, end_lr, power):
    done = min(step, decay_steps) / decay_steps
    return (initial_lr - end_lr) * (1 - done) ** power + end_lr


def _poly_cases(rng):
    # one step each: the start, the middle, the end and beyond the end;
    # the rates and lengths are drawn, so no answer can be a lookup
    lr0 = float(rng.uniform(0.05, 0.2))
    T = int(rng.integers(80, 120))
    return [(0, lr0, T, 1e-3, 2.0),
            (T // 3, lr0, T, 1e-3, 0.5),
            (T - 1, 0.1, T, 0.01, 1.0),
            (2 * T, lr0, T, 1e-3, 2.0)]


register(
    id="ch3-polynomial-decay",
    title="the polynomial decay schedule, the rate at step t",
    page="ch03_algorithm/02_schedules_and_noise.ipynb",
    stars=2,
    reference=_polynomial_decay,
    cases=_poly_cases,
    outputs=("learning rate",),
    mistakes=(
        Mistake("no clamp at decay_steps",
                lambda t, lr0, T, end, p: (lr0 - end) * (1 - t / T) ** p
                + end,
                "after decay_steps the rate must stay at end_lr: the "
                "formula uses min(t, T), without it (1 - t/T)^p climbs "
                "again (or turns complex) once t > T"),
        Mistake("end_lr not subtracted",
                lambda t, lr0, T, end, p: lr0 * (1 - min(t, T) / T) ** p
                + end,
                "at step 0 the rate must be initial_lr exactly: the "
                "decaying part has the amplitude initial_lr - end_lr, "
                "not initial_lr"),
        Mistake("steps counted from 1",
                lambda t, lr0, T, end, p: _polynomial_decay(t + 1, lr0, T,
                                                            end, p),
                "steps are counted from 0, as Keras's optimizer.iterations "
                "counts them: step 0 uses the initial rate, not one that "
                "has already decayed once"),
    ),
)


# -------------------------- 03: batch normalisation's backward, by hand

_EPSILON = 1e-3                            # Keras's default, as in dlbook


def _bn_forward(X, gamma, beta):
    xc = X - X.mean(0)                                      # (m, k)
    x_hat = xc / np.sqrt(np.mean(xc ** 2, axis=0) + _EPSILON)
    return gamma * x_hat + beta


def _bn_loss(X, gamma, beta, dout):
    # the scalar whose gradient is asked: L = sum(Y * dout), so that
    # dL/dY = dout
    return np.sum(_bn_forward(X, gamma, beta) * dout)


def _bn_gradients(X, gamma, beta, dout, ddof=0):
    """(dX, dgamma, dbeta) of training-mode batch normalisation."""
    m = len(X)
    xc = X - X.mean(0)                                      # (m, k)
    var = np.sum(xc ** 2, axis=0) / (m - ddof)              # (k,)
    s = 1 / np.sqrt(var + _EPSILON)                         # (k,)
    x_hat = xc * s                                          # (m, k)
    dbeta, dgamma = dout.sum(0), (dout * x_hat).sum(0)      # (k,) each
    dX = gamma * s / m * (m * dout - dbeta
                          - x_hat * dgamma * m / (m - ddof))
    return dX, dgamma, dbeta


def _bn_constant_statistics(X, gamma, beta, dout):
    dX, dgamma, dbeta = _bn_gradients(X, gamma, beta, dout)
    s = 1 / np.sqrt(X.var(0) + _EPSILON)
    return gamma * s * dout, dgamma, dbeta


def _bn_no_variance_path(X, gamma, beta, dout):
    dX, dgamma, dbeta = _bn_gradients(X, gamma, beta, dout)
    s = 1 / np.sqrt(X.var(0) + _EPSILON)
    return gamma * s * (dout - dout.mean(0)), dgamma, dbeta


def _bn_cases(rng):
    cases = []
    for m, k in [(5, 3), (8, 2), (16, 4)]:
        X = (rng.normal(size=(m, k)) * rng.uniform(0.1, 3.0, k)
             + rng.normal(size=k))
        cases.append((X, rng.uniform(0.5, 2.0, k), rng.normal(size=k),
                      rng.normal(size=(m, k))))
    return cases


register(
    id="ch3-bn-build",
    title="batch normalisation's training-mode backward, (dX, dgamma, "
          "dbeta)",
    page="ch03_algorithm/03_batch_normalization.ipynb",
    stars=3,
    reference=_bn_gradients,
    cases=_bn_cases,
    outputs=("dX", "dgamma", "dbeta"),
    loss=_bn_loss, wrt=(0, 1, 2),
    mistakes=(
        Mistake("mean and variance held constant",
                _bn_constant_statistics,
                "dX is only the direct path: the batch mean and the batch "
                "variance are computed from every x_i, so each input also "
                "reaches the loss through them (a correct dX sums to zero "
                "down each column)"),
        Mistake("no path through the variance",
                _bn_no_variance_path,
                "dX sums to zero down each column, so the path through the "
                "mean is there, but the path through the variance is "
                "missing: x_hat = xc * s is a product of two factors that "
                "both depend on the input, and s depends on it through v"),
        Mistake("variance divided by m - 1",
                lambda X, gamma, beta, dout: _bn_gradients(X, gamma, beta,
                                                           dout, ddof=1),
                "the training-mode variance divides by m (the biased "
                "estimate, as in Keras and in the book's equation), not "
                "by m - 1; np.var's default ddof=0 is the right one"),
    ),
)
