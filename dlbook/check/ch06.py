"""Checkable exercises of chapter 6; see ``dlbook.check``.

Each ``register`` call states the exercise's id (its label in the book
without ``ex-``), the page that poses it, the reference solution, the
hidden cases and the typical mistakes.
"""

import numpy as np

from . import Mistake, register

# ------------------------------- 02: the backward pass of a mean embedding


def _bag_forward(E, ids):
    """Mean of the rows ``E[ids[n, t]]`` over the non-padding ids (0)."""
    ids = np.asarray(ids).astype(int)
    keep = ids != 0                                          # (n, T)
    m = np.maximum(keep.sum(axis=1, keepdims=True), 1)       # (n, 1)
    return np.einsum("nt,ntd->nd", keep / m, E[ids])         # (n, d)


def _bag_loss(E, ids, dout):
    # L = sum(h * dout), so that dL/dh = dout
    return np.sum(_bag_forward(E, ids) * dout)


def _bag_backward(E, ids, dout):
    keep = ids != 0                                          # (n, T)
    m = keep.sum(axis=1, keepdims=True)                      # (n, 1)
    dE = np.zeros_like(E, dtype=np.float64)                  # (V, d)
    contrib = (keep / m)[:, :, None] * dout[:, None, :]      # (n, T, d)
    np.add.at(dE, ids.reshape(-1), contrib.reshape(-1, E.shape[1]))
    return dE


def _bag_fancy_index(E, ids, dout):
    # dE[ids] += ... buffers the fancy index: a repeated id keeps one
    # contribution, the last one written
    keep = ids != 0
    dE = np.zeros_like(E, dtype=np.float64)
    contrib = (keep / keep.sum(axis=1, keepdims=True))[:, :, None] \
        * dout[:, None, :]
    dE[ids.reshape(-1)] += contrib.reshape(-1, E.shape[1])
    return dE


def _bag_over_length(E, ids, dout):
    # divides by the padded length T instead of the m real words
    keep = ids != 0
    dE = np.zeros_like(E, dtype=np.float64)
    contrib = (keep / ids.shape[1])[:, :, None] * dout[:, None, :]
    np.add.at(dE, ids.reshape(-1), contrib.reshape(-1, E.shape[1]))
    return dE


def _bag_padding_row(E, ids, dout):
    # forgets the mask in the scatter-add: the padding row gets gradient
    m = (ids != 0).sum(axis=1, keepdims=True)
    dE = np.zeros_like(E, dtype=np.float64)
    contrib = np.broadcast_to(1 / m, ids.shape)[:, :, None] \
        * dout[:, None, :]
    np.add.at(dE, ids.reshape(-1), contrib.reshape(-1, E.shape[1]))
    return dE


def _bag_cases(rng):
    cases = []
    for n, T, V, d in [(2, 4, 6, 3), (3, 5, 8, 2), (6, 7, 12, 4)]:
        ids = rng.integers(1, V, size=(n, T))
        for row in range(n):                     # pad each row's tail
            ids[row, rng.integers(2, T + 1):] = 0
        ids[0, 1] = ids[0, 0]                    # a word twice in row 0
        ids[0, -1] = 0                           # and at least one pad
        cases.append((rng.normal(size=(V, d)), ids,
                      rng.normal(size=(n, d))))
    return cases


register(
    id="ch6-embedding-backward",
    title="backward pass of the mean embedding, dL/dE",
    page="ch06_applications/02_language.ipynb",
    stars=2,
    reference=_bag_backward,
    cases=_bag_cases,
    outputs=("dE",),
    loss=_bag_loss, wrt=(0,),
    mistakes=(
        Mistake("fancy-index += (repeated ids lost)", _bag_fancy_index,
                "a word that occurs more than once (in one sentence or in "
                "several) must add up all its contributions: "
                "`dE[ids] += ...` writes each repeated row once, keeping "
                "only one of them; use a scatter-add, np.add.at"),
        Mistake("divided by the padded length T", _bag_over_length,
                "the mean is over the m non-padding words of each "
                "sentence, not over the padded length T: a short sentence "
                "gets a larger share per word"),
        Mistake("padding row gets a gradient", _bag_padding_row,
                "the padding id 0 is not part of the mean, so row 0 of dE "
                "must stay zero: leave the padding positions out of the "
                "scatter-add"),
    ),
)


# ------------------------------------ 05: precision at another prevalence


def _precision_at(y_true, y_pred, prevalence):
    y_true, y_pred = np.asarray(y_true, bool), np.asarray(y_pred, bool)
    sensitivity = np.mean(y_pred[y_true])           # P(flag | sick)
    false_alarm = np.mean(y_pred[~y_true])          # P(flag | healthy)
    flagged_sick = sensitivity * prevalence
    return flagged_sick / (flagged_sick + false_alarm * (1 - prevalence))


def _precision_of_test_set(y_true, y_pred, prevalence):
    y_true, y_pred = np.asarray(y_true, bool), np.asarray(y_pred, bool)
    return np.mean(y_true[y_pred])


def _precision_with_specificity(y_true, y_pred, prevalence):
    y_true, y_pred = np.asarray(y_true, bool), np.asarray(y_pred, bool)
    sensitivity = np.mean(y_pred[y_true])
    specificity = np.mean(~y_pred[~y_true])
    flagged_sick = sensitivity * prevalence
    return flagged_sick / (flagged_sick + specificity * (1 - prevalence))


def _sensitivity(y_true, y_pred, prevalence):
    y_true, y_pred = np.asarray(y_true, bool), np.asarray(y_pred, bool)
    return np.mean(y_pred[y_true])


def _prevalence_cases(rng):
    cases = []
    # (patients, share of sick in the test set, sensitivity, false alarms,
    #  prevalence where the model is used)
    for n, share, sens, fpr, prev in [(200, 0.5, 0.9, 0.1, 0.01),
                                      (400, 0.3, 0.8, 0.05, 0.002),
                                      (300, 0.5, 0.7, 0.2, 0.5)]:
        y_true = (np.arange(n) < share * n).astype(int)
        y_pred = np.where(y_true == 1, rng.random(n) < sens,
                          rng.random(n) < fpr).astype(int)
        cases.append((y_true, y_pred, prev))
    return cases


register(
    id="ch6-precision-at-prevalence",
    title="precision of a screening model at the prevalence where it is "
          "used",
    page="ch06_applications/05_fields.ipynb",
    stars=2,
    reference=_precision_at,
    cases=_prevalence_cases,
    outputs=("precision",),
    mistakes=(
        Mistake("precision of the test set", _precision_of_test_set,
                "the share of sick among the flagged patients of the test "
                "set holds at the test set's own prevalence only; estimate "
                "what does not depend on the prevalence (the rates of "
                "flags among the sick and among the healthy) and combine "
                "them at the prevalence given"),
        Mistake("specificity where the false-alarm rate belongs",
                _precision_with_specificity,
                "the healthy patients who are flagged are the false "
                "alarms, a share 1 - specificity of the healthy, not the "
                "specificity itself"),
        Mistake("sensitivity instead of precision", _sensitivity,
                "the sensitivity is P(flagged | sick); the question asks "
                "for P(sick | flagged), which Bayes' rule turns around "
                "with the prevalence"),
    ),
)
