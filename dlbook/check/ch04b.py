"""Checkable exercises of chapter 4, sections 6 to 9 (ch04a.py: 1 to 5).

Each ``register`` call states the exercise's id (its label in the book
without ``ex-``), the page that poses it, the reference solution, the
hidden cases and the typical mistakes; see ``dlbook.check``.
"""

import numpy as np

from . import Mistake, register

# ------------------------------------------- 06: one step of RMSprop


def _rmsprop_step(W, g, S, lr, rho, eps):
    """One step of Keras 3's RMSprop (no momentum, not centred)."""
    S_new = rho * S + (1 - rho) * g * g                 # like W
    return W - lr * g / np.sqrt(S_new + eps), S_new


def _rmsprop_cases(rng):
    # epsilon is large here so that where it goes shows in the digits;
    # the first case starts from S = 0, as an optimizer does
    cases = []
    for shape, lr, rho, eps, first in [((3, 2), 0.01, 0.9, 0.01, True),
                                       ((4,), 0.1, 0.875, 0.1, False),
                                       ((2, 5), 0.05, 0.99, 0.05, False)]:
        S = np.zeros(shape) if first else rng.uniform(0.1, 2.0, shape)
        cases.append((rng.normal(size=shape), rng.normal(size=shape), S,
                      lr, rho, eps))
    return cases


def _rmsprop_eps_outside(W, g, S, lr, rho, eps):
    S_new = rho * S + (1 - rho) * g * g
    return W - lr * g / (np.sqrt(S_new) + eps), S_new


def _rmsprop_rho_swapped(W, g, S, lr, rho, eps):
    S_new = (1 - rho) * S + rho * g * g
    return W - lr * g / np.sqrt(S_new + eps), S_new


def _rmsprop_old_S(W, g, S, lr, rho, eps):
    return W - lr * g / np.sqrt(S + eps), rho * S + (1 - rho) * g * g


def _rmsprop_no_sqrt(W, g, S, lr, rho, eps):
    S_new = rho * S + (1 - rho) * g * g
    return W - lr * g / (S_new + eps), S_new


register(
    id="ch4-rmsprop",
    title="one step of RMSprop, (W_new, S_new)",
    page="ch04_math/06_weight_update_optimizers.ipynb",
    stars=1,
    reference=_rmsprop_step,
    cases=_rmsprop_cases,
    outputs=("W_new", "S_new"),
    mistakes=(
        Mistake("epsilon outside the root", _rmsprop_eps_outside,
                "Keras's RMSprop adds epsilon inside the square root, "
                "sqrt(S_t + eps); Adam's form sqrt(S_t) + eps is a "
                "different rule (with a tiny eps the two agree to many "
                "digits, which is why the check uses a large one)"),
        Mistake("rho and 1 - rho swapped", _rmsprop_rho_swapped,
                "S_t is a running average that keeps the fraction rho of "
                "its old value and takes 1 - rho of the new g_t^2; with "
                "the two swapped (rho = 0.9) it forgets almost everything "
                "at every step"),
        Mistake("the old average in the step", _rmsprop_old_S,
                "update S first, then W: the step divides by the new "
                "average S_t, which already contains g_t^2 (on the first "
                "step, from S = 0, the old one would give a step of "
                "lr * g / sqrt(eps))"),
        Mistake("no square root", _rmsprop_no_sqrt,
                "divide by the root of the mean square, sqrt(S_t + eps), "
                "not by S_t itself: the root makes the step about lr "
                "whatever the scale of the gradient"),
    ),
)


# ------------------------------- 07: the gradient of the Laplace NLL


def _laplace_nll(y, y_hat, b):
    return np.log(2 * b) + np.mean(np.abs(y_hat - y)) / b


def _laplace_gradient(y, y_hat, b):
    """dNLL/dy_hat of the average Laplace NLL, shape (n,)."""
    return np.sign(y_hat - y) / (len(y) * b)


def _laplace_cases(rng):
    # residuals kept away from 0, where |r| has no derivative
    cases = []
    for n, b in [(5, 0.5), (8, 2.0), (13, 0.25)]:
        y = rng.normal(size=n)
        r = rng.uniform(0.1, 2.0, n) * rng.choice([-1.0, 1.0], n)
        cases.append((y, y + r, b))
    return cases


register(
    id="ch4-laplace-gradient",
    title="the gradient of the Laplace NLL with respect to y_hat",
    page="ch04_math/07_losses_from_likelihood.ipynb",
    stars=1,
    reference=_laplace_gradient,
    cases=_laplace_cases,
    outputs=("dNLL/dy_hat",),
    loss=_laplace_nll, wrt=(1,),
    n_of=lambda y, y_hat, b: len(y),
    mistakes=(
        Mistake("the residual instead of its sign",
                lambda y, y_hat, b: (y_hat - y) / (len(y) * b),
                "the derivative of |r| is sign(r), not r: that is the "
                "Gaussian's gradient. Under Laplace noise every residual "
                "pulls with the same strength 1/(n b), whatever its size, "
                "which is why an outlier moves the fit less"),
        Mistake("b dropped",
                lambda y, y_hat, b: np.sign(y_hat - y) / len(y),
                "the NLL divides the absolute errors by the scale b, so "
                "its gradient keeps the 1/b (only the constant log(2b) "
                "drops out)"),
        Mistake("sum instead of mean",
                lambda y, y_hat, b: np.sign(y_hat - y) / b,
                "the NLL is averaged over the n samples, so each entry of "
                "its gradient keeps the 1/n"),
    ),
)


# --------------------------------------- 08: the softmax Jacobian


def _softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()


def _softmax_jacobian(z):
    """J[i, j] = dp_i / dz_j = p_i (delta_ij - p_j), shape (k, k)."""
    p = _softmax(z)
    return np.diag(p) - np.outer(p, p)


def _softmax_cases(rng):
    return [(rng.normal(scale=1.5, size=k),) for k in (3, 4, 6)]


register(
    id="ch4-softmax-modes",
    title="the Jacobian of the softmax, dp_i/dz_j",
    page="ch04_math/08_backprop_cost.ipynb",
    stars=2,
    reference=_softmax_jacobian,
    cases=_softmax_cases,
    outputs=("J",),
    mistakes=(
        Mistake("elementwise, like the sigmoid",
                lambda z: np.diag(_softmax(z) * (1 - _softmax(z))),
                "the softmax is not elementwise: every p_i depends on every "
                "z_j through the sum in the denominator, so the "
                "off-diagonal entries are -p_i p_j, not 0"),
        Mistake("the denominator held constant",
                lambda z: np.diag(_softmax(z)),
                "the denominator depends on z too: the quotient rule gives "
                "a second term, -p_i p_j (in a graph, the gradient that "
                "arrives through the sum must be added)"),
        Mistake("the diagonal term lost",
                lambda z: -np.outer(_softmax(z), _softmax(z)),
                "dp_i/dz_j has the term p_i when i = j (from the numerator "
                "e^{z_i}) besides -p_i p_j: J = diag(p) - p p^T"),
    ),
)


# ------------------------------------------- 09: He initialisation


def _he_normal(shape, rng):
    """A plain normal of variance 2 / n_in, shape (n_in, n_out)."""
    return np.random.default_rng(rng).normal(
        scale=np.sqrt(2 / shape[0]), size=shape)


def _he_cases(rng):
    # large kernels, so that the draw's statistics are sharp (the std to
    # about 0.2%); the seeds are ints, as dlbook's initialisers accept
    seeds = rng.integers(0, 2 ** 31, size=3)
    return [((512, 256), int(seeds[0])), ((256, 512), int(seeds[1])),
            ((1024, 128), int(seeds[2]))]


def _he_compare(expected, received, args):
    """None if ``received`` looks like a plain normal draw of variance
    2 / n_in, else what is wrong with it."""
    shape = tuple(args[0])
    try:
        w = np.asarray(received, dtype=np.float64)
    except (TypeError, ValueError):
        return f"expected an array, received {type(received).__name__}"
    if w.shape != shape:
        return f"expected shape {shape}, received shape {w.shape}"
    if not np.all(np.isfinite(w)):
        return "the draw contains inf or nan"
    target, n = np.sqrt(2 / shape[0]), w.size
    # tolerances of 6 (the mean) to 10 or more standard errors
    if abs(w.mean()) > 6 * target / np.sqrt(n):
        return (f"the mean of the {n} weights is {w.mean():.3g}, expected "
                "0 (the weights must be centred)")
    std = w.std()
    if abs(std / target - 1) > 0.02:
        return (f"the standard deviation of the {n} weights is "
                f"{std:.5g}, expected sqrt(2 / n_in) = {target:.5g} "
                f"(n_in = {shape[0]}) within 2%")
    kurtosis = np.mean(w ** 4) / np.mean(w ** 2) ** 2
    if abs(kurtosis - 3) > 0.25:
        return (f"the right std, but E[w^4] / E[w^2]^2 = {kurtosis:.2f}, "
                "where a normal draw gives 3 (a uniform one 1.8, a normal "
                "truncated at 2 std about 2.4): draw from a plain normal")
    return None


register(
    id="ch4-build-he",
    title="He initialisation, a plain normal of variance 2 / n_in",
    page="ch04_math/09_initialization.ipynb",
    stars=1,
    reference=_he_normal,
    cases=_he_cases,
    outputs=("W",),
    compare=_he_compare,
    mistakes=(
        Mistake("fan-out instead of fan-in",
                lambda shape, rng: np.random.default_rng(rng).normal(
                    scale=np.sqrt(2 / shape[1]), size=shape),
                "the forward condition uses the fan-in: a kernel has the "
                "layout (n_in, n_out), so n_in is shape[0] (2 / n_out is "
                "the backward condition's choice)"),
        Mistake("LeCun's variance 1 / n_in",
                lambda shape, rng: np.random.default_rng(rng).normal(
                    scale=np.sqrt(1 / shape[0]), size=shape),
                "variance 1 / n_in keeps the second moment of a linear or "
                "tanh layer; ReLU halves the second moment, so He doubles "
                "the variance to 2 / n_in"),
        Mistake("the variance used as the std",
                lambda shape, rng: np.random.default_rng(rng).normal(
                    scale=2 / shape[0], size=shape),
                "2 / n_in is the variance; a normal draw takes the "
                "standard deviation, its square root sqrt(2 / n_in)"),
        Mistake("the kernel transposed",
                lambda shape, rng: np.random.default_rng(rng).normal(
                    scale=np.sqrt(2 / shape[0]), size=shape[::-1]),
                "return an array of the shape asked for, (n_in, n_out): "
                "the Keras kernel layout, which Dense multiplies as X @ W"),
    ),
)
