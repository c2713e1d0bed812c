"""Checkable exercises of chapter 2; see ``dlbook.check``.

``ch2-softmax``: a softmax over the rows of a batch of logits that does
not overflow (section "Activation functions").
"""

import numpy as np

from . import Mistake, register

# ------------------------------------------------ the softmax of a batch


def _softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))     # (n, k), at most 1
    return E / E.sum(axis=1, keepdims=True)          # rows sum to 1


def _softmax_cases(rng):
    big = np.array([[1000.0, 999.0, 0.0, 1.0],       # exp overflows
                    [-1000.0, -1001.0, -1002.0, -1000.0],   # underflows
                    [0.0, 1.0, 2.0, 3.0]])
    return [(2 * rng.normal(size=(3, 3)),),          # square: see below
            (3 * rng.normal(size=(5, 4)),),
            (big,)]


def _format(a):
    with np.printoptions(precision=4, suppress=True, threshold=8,
                         edgeitems=2):
        return np.array2string(a, separator=", ").replace("\n", " ")


def _softmax_compare(expected, received, args):
    """None if ``received`` is the softmax, else what is wrong."""
    try:
        rec = np.asarray(received, dtype=np.float64)
    except (TypeError, ValueError):
        return f"expected an array of numbers, received {received!r:.60}"
    if rec.shape != expected.shape:
        return (f"expected shape {expected.shape} (one row of "
                f"probabilities per sample), received shape {rec.shape}")
    if not np.all(np.isfinite(rec)):
        return (f"received nan or inf for logits as far from 0 as "
                f"{np.abs(args[0]).max():g}: np.exp overflowed (inf / inf)"
                " or a whole row underflowed to 0 (0 / 0); the softmax "
                "does not change when a constant is subtracted from all "
                "the logits of a row, so subtract each row's maximum")
    if np.allclose(rec, expected, rtol=1e-6, atol=1e-12):
        return None
    return f"expected {_format(expected)}, received {_format(rec)}"


def _over_samples(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)          # columns sum to 1


def _over_batch(Z):
    E = np.exp(Z - Z.max())
    return E / E.sum()                               # everything sums to 1


def _no_keepdims(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1)                         # (n, k) / (n,)


register(
    id="ch2-softmax",
    title="a softmax over the rows of a batch that does not overflow",
    page="ch02_concepts.ipynb",
    stars=1,
    reference=_softmax,
    cases=_softmax_cases,
    compare=_softmax_compare,
    mistakes=(
        Mistake("normalised over the samples", _over_samples,
                "your columns sum to 1: samples are rows, so each sample's "
                "k logits compete along axis=1, not over the batch along "
                "axis=0"),
        Mistake("normalised over the whole batch", _over_batch,
                "the whole batch sums to 1: each sample needs its own "
                "denominator, the sum of its own row"),
        Mistake("row sums without keepdims", _no_keepdims,
                "the row sums have shape (n,), and dividing an (n, k) "
                "array by them broadcasts along the last axis: entry "
                "(i, j) was divided by row j's sum; keep the sums as a "
                "column, shape (n, 1), with keepdims=True"),
    ),
)
