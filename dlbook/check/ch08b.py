"""Checkable exercises of chapter 8, sections 6 to 11; see ``dlbook.check``.

Inverted dropout (section 6), one DP-SGD gradient (section 9), FGSM on
logistic regression (section 10) and two group-fairness gaps (section
11).  Randomness is passed in (a dropout mask, a standard-normal draw),
so every reader's answer meets the same hidden cases.
"""

import numpy as np

from . import Mistake, register

# ------------------------------------------- 06: inverted dropout


def _dropout(X, dout, p, keep, training):
    if not training:
        return X, dout                      # inference: the identity
    scale = keep / (1 - p)                  # (n, d): 0 or 1/(1-p)
    return X * scale, dout * scale


def _dropout_cases(rng):
    cases = []
    for (n, d), p, training in [((4, 3), 0.5, True), ((6, 5), 0.2, True),
                                ((5, 4), 0.5, False), ((3, 6), 0.8, True)]:
        keep = rng.random((n, d)) >= p      # True: the unit is kept
        keep[0, 0], keep[0, 1] = True, False        # both kinds present
        cases.append((rng.normal(size=(n, d)), rng.normal(size=(n, d)),
                      p, keep, training))
    return cases


def _dropout_no_scale(X, dout, p, keep, training):
    return (X * keep, dout * keep) if training else (X, dout)


def _dropout_test_scaled(X, dout, p, keep, training):
    if training:
        return _dropout(X, dout, p, keep, training)
    return X * (1 - p), dout * (1 - p)


def _dropout_unmasked_backward(X, dout, p, keep, training):
    if not training:
        return X, dout
    return X * keep / (1 - p), dout / (1 - p)


register(
    id="ch8-build-dropout",
    title="inverted dropout, forward and backward: (out, dX)",
    page="ch08_outlook/06_overfitting.ipynb",
    stars=1,
    reference=_dropout,
    cases=_dropout_cases,
    outputs=("out", "dX"),
    mistakes=(
        Mistake("no 1/(1-p) in training", _dropout_no_scale,
                "the kept units must be divided by 1 - p during training: "
                "without it the expected output is (1 - p) x, smaller "
                "than at inference, where nothing is dropped"),
        Mistake("scaled at inference", _dropout_test_scaled,
                "with inverted dropout the rescaling happens in training; "
                "at inference (training=False) the layer is the identity "
                "and its backward passes dout unchanged. Multiplying by "
                "1 - p there is the other convention, and doing both "
                "shrinks the activations twice"),
        Mistake("backward without the mask", _dropout_unmasked_backward,
                "a dropped unit's output does not depend on its input: "
                "its gradient is 0. The backward pass multiplies dout by "
                "the same mask and scale as the forward pass"),
    ),
)

# --------------------------------------- 09: one DP-SGD gradient


def _dp_gradient(G, C, noise_multiplier, z):
    norms = np.linalg.norm(G, axis=1)                      # (B,)
    factor = np.minimum(1.0, C / np.maximum(norms, 1e-12))  # (B,)
    total = (G * factor[:, None]).sum(axis=0)              # (P,)
    return (total + noise_multiplier * C * z) / len(G)


def _dp_cases(rng):
    cases = []
    for B, P, C, nu in [(4, 3, 1.0, 1.0), (8, 5, 0.5, 2.0),
                        (6, 4, 2.0, 0.5)]:
        G = rng.normal(size=(B, P))
        G *= (rng.uniform(0.2, 3.0, size=B) * C
              / np.linalg.norm(G, axis=1))[:, None]        # norms 0.2C..3C
        G[0] *= 0.3 * C / np.linalg.norm(G[0])             # one below C
        G[1] *= 2.5 * C / np.linalg.norm(G[1])             # one above C
        cases.append((G, C, nu, rng.standard_normal(P)))
    return cases


def _dp_clip_mean(G, C, noise_multiplier, z):
    mean = G.mean(axis=0)
    mean = mean * min(1.0, C / np.linalg.norm(mean))
    return mean + noise_multiplier * C * z / len(G)


def _dp_normalise(G, C, noise_multiplier, z):
    unit = G * (C / np.linalg.norm(G, axis=1))[:, None]
    return (unit.sum(axis=0) + noise_multiplier * C * z) / len(G)


def _dp_noise_on_mean(G, C, noise_multiplier, z):
    return _dp_gradient(G, C, 0.0, z) + noise_multiplier * C * z


register(
    id="ch8-build-dp-gradient",
    title="one DP-SGD gradient: clip each example, sum, add noise, average",
    page="ch08_outlook/09_privacy.ipynb",
    stars=2,
    reference=_dp_gradient,
    cases=_dp_cases,
    mistakes=(
        Mistake("clipped the batch mean", _dp_clip_mean,
                "clip each example's gradient (each row of G) before "
                "summing: clipping the mean bounds the whole batch, not "
                "the influence of any one example, which is what the "
                "privacy guarantee needs"),
        Mistake("divided by the norm always", _dp_normalise,
                "clipping scales a row by min(1, C / ||g_i||): a gradient "
                "whose norm is already below C stays as it is. Dividing "
                "every row by its norm stretches the small ones up to C"),
        Mistake("noise added to the mean", _dp_noise_on_mean,
                "the noise N(0, (nu C)^2) is added once to the SUM of the "
                "clipped gradients, and the sum is then divided by the "
                "batch size B; added to the mean, it is B times too large"),
    ),
)

# ------------------------------------ 10: FGSM on logistic regression


def _sigmoid(t):
    return 1 / (1 + np.exp(-t))


def _fgsm(X, y, w, b, eps):
    p = _sigmoid(X @ w + b)                     # (n,)
    grad = (p - y)[:, None] * w[None, :]        # (n, d): dl_i / dx_i
    return X + eps * np.sign(grad)


def _fgsm_cases(rng):
    cases = []
    for n, d, eps in [(4, 3, 0.1), (6, 5, 0.25), (8, 2, 0.05)]:
        y = np.arange(n) % 2                    # both labels in each case
        cases.append((rng.normal(size=(n, d)), y.astype(float),
                      rng.normal(size=d), float(rng.normal()), eps))
    return cases


def _fgsm_no_sign(X, y, w, b, eps):
    p = _sigmoid(X @ w + b)
    return X + eps * (p - y)[:, None] * w[None, :]


def _fgsm_downhill(X, y, w, b, eps):
    return 2 * X - _fgsm(X, y, w, b, eps)       # X - eps * sign(grad)


def _fgsm_ignores_label(X, y, w, b, eps):
    return X + eps * np.sign(np.tile(w, (len(X), 1)))


register(
    id="ch8-build-fgsm",
    title="FGSM against logistic regression: the perturbed inputs",
    page="ch08_outlook/10_security.ipynb",
    stars=2,
    reference=_fgsm,
    cases=_fgsm_cases,
    mistakes=(
        Mistake("gradient instead of its sign", _fgsm_no_sign,
                "FGSM moves every input by the full eps in the direction "
                "of the SIGN of its gradient (the best step when each "
                "coordinate may change by at most eps); the gradient "
                "itself gives a smaller step, of another size per input"),
        Mistake("step downhill", _fgsm_downhill,
                "the attack must RAISE the loss: add eps sign(dl/dx), do "
                "not subtract it; the step you took makes the model more "
                "confident in the right answer"),
        Mistake("direction ignores the label", _fgsm_ignores_label,
                "dl/dx_i = (p_i - y_i) w: for an example of class 1, p_i "
                "- y_i < 0, so its step goes against w, for class 0 along "
                "it. sign(w) alone is right for class 0 only"),
    ),
)

# ----------------------------------------- 11: group fairness gaps


def _fair_gaps(y_true, y_pred, group):
    a, b = group == 0, group == 1
    parity = abs(y_pred[b].mean() - y_pred[a].mean())
    tpr_a = y_pred[a & (y_true == 1)].mean()
    tpr_b = y_pred[b & (y_true == 1)].mean()
    return parity, abs(tpr_b - tpr_a)


def _fair_cases(rng):
    cases = []
    for n, share_b in [(20, 0.5), (40, 0.3), (60, 0.2)]:
        group = (np.arange(n) < share_b * n).astype(int)
        y_true = rng.integers(0, 2, size=n)
        y_true[:2], y_true[-2:] = 1, 1          # positives in both groups
        y_pred = rng.integers(0, 2, size=n)
        cases.append((y_true, y_pred, group))
    return cases


def _fair_all_examples(y_true, y_pred, group):
    parity = _fair_gaps(y_true, y_pred, group)[0]
    return parity, parity


def _fair_over_n(y_true, y_pred, group):
    n = len(y_true)
    a, b = group == 0, group == 1
    parity = abs(y_pred[b].sum() - y_pred[a].sum()) / n
    pos = y_true == 1
    return parity, abs(y_pred[b & pos].sum() - y_pred[a & pos].sum()) / n


def _fair_precision(y_true, y_pred, group):
    parity = _fair_gaps(y_true, y_pred, group)[0]
    a, b = group == 0, group == 1
    prec_a = y_true[a & (y_pred == 1)].mean()
    prec_b = y_true[b & (y_pred == 1)].mean()
    return parity, abs(prec_b - prec_a)


register(
    id="ch8-build-fairness-gaps",
    title="demographic parity and equal opportunity gaps of two groups",
    page="ch08_outlook/11_fairness.ipynb",
    stars=1,
    reference=_fair_gaps,
    cases=_fair_cases,
    outputs=("parity gap", "opportunity gap"),
    mistakes=(
        Mistake("true positive rate over all examples", _fair_all_examples,
                "equal opportunity compares true positive rates: the share "
                "predicted positive among the examples of the group whose "
                "TRUE label is 1, not among all of the group's examples "
                "(that is demographic parity again)"),
        Mistake("divided by n, not by the group size", _fair_over_n,
                "a rate of a group is a count divided by the size of that "
                "group (or of its positives); dividing by the whole data "
                "set's n makes the smaller group's rate look smaller"),
        Mistake("precision instead of recall", _fair_precision,
                "the true positive rate conditions on the true label, "
                "P(y_pred = 1 | y_true = 1, group); conditioning on the "
                "prediction, P(y_true = 1 | y_pred = 1, group), is the "
                "precision, the quantity behind another criterion"),
    ),
)
