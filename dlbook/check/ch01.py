"""Checkable exercises of chapter 1; see ``dlbook.check``.

``ch1-next-step-pairs``: turn an unlabelled sequence into a supervised
data set for next-step prediction (section "Not only supervised
learning").
"""

import numpy as np

from . import Mistake, register

# ------------------------------------- a self-supervised data set


def _next_step_pairs(seq, context):
    n_pairs = len(seq) - context
    X = np.stack([seq[i:i + context] for i in range(n_pairs)])
    return X, seq[context:]                  # (n_pairs, context), (n_pairs,)


def _pairs_cases(rng):
    return [(rng.integers(0, 27, size=n), context)
            for n, context in [(12, 3), (20, 4), (9, 2)]]


def _target_inside(seq, context):
    X, _ = _next_step_pairs(seq, context)
    return X, X[:, -1]                       # the window's own last element


def _disjoint_windows(seq, context):
    starts = range(0, len(seq) - context, context)
    return (np.stack([seq[i:i + context] for i in starts]),
            np.array([seq[i + context] for i in starts]))


def _one_pair_short(seq, context):
    X, y = _next_step_pairs(seq, context)
    return X[:-1], y[:-1]


register(
    id="ch1-next-step-pairs",
    title="next-step pairs (X, y) from an unlabelled sequence",
    page="ch01_background.ipynb",
    stars=1,
    reference=_next_step_pairs,
    cases=_pairs_cases,
    outputs=("X", "y"),
    mistakes=(
        Mistake("target inside the window", _target_inside,
                "each target equals the last element of its own window: "
                "the target must be the element that FOLLOWS the window, "
                "otherwise the model only learns to copy an input"),
        Mistake("windows that do not overlap", _disjoint_windows,
                "you have too few pairs, one per block of `context` "
                "elements: the windows start at every position (they "
                "overlap), so a sequence gives a pair per position"),
        Mistake("the last pair dropped", _one_pair_short,
                "you have one pair too few: the last window ends just "
                "before the last element, which is its target, so a "
                "sequence of length N gives N - context pairs"),
    ),
)
