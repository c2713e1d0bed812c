"""Checkable exercises of chapter 4, sections 1 to 5 (ch04b.py: 6 to 9).

Each ``register`` call states the exercise's id (its label in the book
without ``ex-``), the page that poses it, the reference solution, the
hidden cases and the typical mistakes; see ``dlbook.check``.
"""

import numpy as np

from . import Mistake, register

# ------------------------------------------------ 02: the MSE gradient


def _mse(X, y, w, b):
    return np.mean((X @ w + b - y) ** 2)


def _mse_gradient(X, y, w, b):
    r = X @ w + b - y                                   # (n,)
    n = X.shape[0]
    return 2 / n * X.T @ r, 2 / n * np.sum(r)           # (d,), ()


def _mse_cases(rng):
    cases = []
    for n, d in [(5, 1), (8, 3), (20, 4)]:
        X = rng.normal(size=(n, d))
        cases.append((X, rng.normal(size=n), rng.normal(size=d),
                      float(rng.normal())))
    return cases


register(
    id="ch4-mse-gradient",
    title="the gradient of the MSE, (dL/dw, dL/db)",
    page="ch04_math/02_mse_gradient.ipynb",
    stars=1,
    reference=_mse_gradient,
    cases=_mse_cases,
    outputs=("dw", "db"),
    loss=_mse, wrt=(2, 3),
    n_of=lambda X, y, w, b: X.shape[0],
    mistakes=(
        Mistake("residual y - y_hat",
                lambda X, y, w, b: tuple(-g for g in _mse_gradient(X, y, w,
                                                                   b)),
                "the residual is y_hat - y (prediction minus target); with "
                "y - y_hat both gradients change sign and a step downhill "
                "goes uphill"),
        Mistake("sum instead of mean",
                lambda X, y, w, b: tuple(X.shape[0] * g for g in
                                         _mse_gradient(X, y, w, b)),
                "the loss is a mean, so its gradient keeps the 1/n: "
                "2/n X^T r, not 2 X^T r"),
        Mistake("no factor 2",
                lambda X, y, w, b: tuple(g / 2 for g in
                                         _mse_gradient(X, y, w, b)),
                "d(r^2)/dr = 2r: the factor 2 is missing (it is absent only "
                "for the 1/(2n) form of the loss)"),
    ),
)

# ------------------------------------- 01: least squares through QR


def _design(X):
    return np.hstack([X, np.ones((len(X), 1))])         # A = [X, 1]


def _lstsq_theta(X, y):
    return np.linalg.lstsq(_design(X), y, rcond=None)[0]   # (d + 1,)


def _normal_solve(X, y):
    A = _design(X)
    return np.linalg.solve(A.T @ A, A.T @ y)


def _normal_inverse(X, y):
    A = _design(X)
    return np.linalg.inv(A.T @ A) @ A.T @ y


def _qt_y(X, y):
    Q, _ = np.linalg.qr(_design(X))
    return Q.T @ y


def _ones_first(X, y):
    A = np.hstack([np.ones((len(X), 1)), X])           # theta = (b, w)
    return np.linalg.lstsq(A, y, rcond=None)[0]


def _least_squares_cases(rng):
    cases = []
    for n, d in [(8, 1), (30, 3)]:
        X = rng.normal(size=(n, d))
        cases.append((X, X @ rng.normal(size=d) + rng.normal()
                      + 0.1 * rng.normal(size=n)))
    # the line y = 2x + 1 observed at x between 1e5 and 1e5 + 1:
    # cond(A) is about 3e10, cond(A^T A) about 1e21; QR and lstsq still
    # agree to about 1e-10 here, a solve with A^T A only to about 1e-3
    X = 1e5 + rng.random((50, 1))
    cases.append((X, 2 * X[:, 0] + 1 + 0.1 * rng.normal(size=50)))
    return cases


_ATA_HINT = ("right on the well-conditioned cases, but only a few digits "
             "right where x lies far from 0 (the last case): the mark of "
             "forming A^T A, whose condition number is cond(A)^2; whether "
             "you invert it or solve with it, the digits are lost when it "
             "is formed. Factor A itself (QR) instead")

register(
    id="ch4-normal-solve",
    title="least squares through the QR of A, theta = (w, b)",
    page="ch04_math/01_linear_regression.ipynb",
    stars=2,
    reference=_lstsq_theta,
    cases=_least_squares_cases,
    outputs=("theta",),
    mistakes=(
        Mistake("no column of ones", lambda X, y: np.linalg.lstsq(
                    X, y, rcond=None)[0],
                "theta = (w, b) has d + 1 entries: append a column of ones "
                "to X (A = [X, 1]) so that the bias is fitted too, as the "
                "last entry"),
        Mistake("Q^T y returned", _qt_y,
                "Q^T y is R theta, not theta: solve the triangular system "
                "R theta = Q^T y"),
        Mistake("column of ones first", _ones_first,
                "the entries are in the wrong order: the book's theta is "
                "(w, b), with the column of ones last in A = [X, 1]"),
        Mistake("solve with A^T A", _normal_solve, _ATA_HINT),
        Mistake("inverse of A^T A", _normal_inverse, _ATA_HINT),
    ),
)

# ------------------------------- 03: the backward pass of a dense layer


def _dense_backward(X, W, dout):
    dX = dout @ W.T                                     # (n, n_in)
    dW = X.T @ dout                                     # (n_in, n_out)
    db = dout.sum(axis=0)                               # (n_out,)
    return dX, dW, db


def _dense_cases(rng):
    return [(rng.normal(size=(n, n_in)), rng.normal(size=(n_in, n_out)),
             rng.normal(size=(n, n_out)))
            for n, n_in, n_out in [(4, 2, 3), (1, 3, 2), (5, 4, 4)]]


register(
    id="ch4-dense-backward",
    title="the backward pass of a dense layer, (dX, dW, db)",
    page="ch04_math/03_layer_matrix_form.ipynb",
    stars=1,
    reference=_dense_backward,
    cases=_dense_cases,
    outputs=("dX", "dW", "db"),
    # H = X W + b and dL/dH = dout: L = sum(dout * H) has these gradients
    loss=lambda X, W, dout: np.sum(dout * (X @ W)), wrt=(0, 1),
    n_of=lambda X, W, dout: X.shape[0],
    mistakes=(
        Mistake("dW = dout^T X",
                lambda X, W, dout: (dout @ W.T, dout.T @ X,
                                    dout.sum(axis=0)),
                "dW must have the shape of W, (n_in, n_out): dout.T @ X is "
                "its transpose; put X on the left"),
        Mistake("db not summed",
                lambda X, W, dout: (dout @ W.T, X.T @ dout, dout),
                "b is added to every sample's row, so its gradient "
                "collects all of them: sum dout over the samples (axis 0), "
                "which gives db the shape of b, (n_out,)"),
        Mistake("db averaged",
                lambda X, W, dout: (dout @ W.T, X.T @ dout,
                                    dout.mean(axis=0)),
                "db is a sum over the samples, not a mean: the 1/n of a "
                "mean loss is already inside dout, and a second one makes "
                "db n times too small"),
        Mistake("dX in column form",
                lambda X, W, dout: (W @ dout.T, X.T @ dout,
                                    dout.sum(axis=0)),
                "dX must have the shape of X, (n, n_in), samples as rows: "
                "W @ dout.T is the column form's dX, the transpose"),
    ),
)

# ---------------------- 04: find the bug in a two-layer backward pass


def _two_layer_loss(X, Y, W1, b1, W2, b2):
    return np.mean((np.tanh(X @ W1 + b1) @ W2 + b2 - Y) ** 2)


def _two_layer_backward(X, Y, W1, b1, W2, b2, tanh_prime="A1",
                        mean_over=None):
    Z1 = X @ W1 + b1                                    # (n, d_h)
    A1 = np.tanh(Z1)
    Y_hat = A1 @ W2 + b2                                # (n, k)
    n, k = Y.shape
    delta2 = 2 * (Y_hat - Y) / (mean_over or n * k)     # (n, k)
    dW2, db2 = A1.T @ delta2, delta2.sum(axis=0)
    dA1 = delta2 @ W2.T                                 # (n, d_h)
    factor = {"A1": 1 - A1 ** 2, "Z1": 1 - Z1 ** 2, "none": 1.0}
    delta1 = dA1 * factor[tanh_prime]                   # (n, d_h)
    dW1, db1 = X.T @ delta1, delta1.sum(axis=0)
    return dW1, db1, dW2, db2


def _two_layer_cases(rng):
    cases = []
    for n, d, d_h, k in [(4, 2, 3, 2), (6, 3, 5, 1), (1, 2, 4, 3)]:
        cases.append((rng.normal(size=(n, d)), rng.normal(size=(n, k)),
                      rng.normal(size=(d, d_h)), 0.1 * rng.normal(size=d_h),
                      rng.normal(size=(d_h, k)), 0.1 * rng.normal(size=k)))
    return cases


register(
    id="ch4-find-the-bug",
    title="find and fix the bug in a two-layer backward pass",
    page="ch04_math/04_chain_rule_backprop.ipynb",
    stars=2,
    reference=_two_layer_backward,
    cases=_two_layer_cases,
    outputs=("dW1", "db1", "dW2", "db2"),
    loss=_two_layer_loss, wrt=(2, 3, 4, 5),
    n_of=lambda X, Y, W1, b1, W2, b2: X.shape[0],
    mistakes=(
        Mistake("tanh' of Z1",
                lambda *a: _two_layer_backward(*a, tanh_prime="Z1"),
                "dW2 and db2 are right, dW1 and db1 are not: the error "
                "enters between the layers, in the derivative of tanh; "
                "tanh'(z) = 1 - tanh(z)^2 is written with the activation "
                "A1 = tanh(Z1), not with Z1"),
        Mistake("no tanh'",
                lambda *a: _two_layer_backward(*a, tanh_prime="none"),
                "the gradient passes the tanh without its derivative: "
                "multiply dL/dA1 elementwise by tanh'(Z1) to get delta1"),
        Mistake("1/n without 1/k",
                lambda *a: _two_layer_backward(
                    *a, mean_over=a[0].shape[0]),
                "all four gradients are k times too large (k outputs): the "
                "Keras MSE averages over all n k entries of Y, so "
                "delta2 = 2 (Y_hat - Y) / (n k)"),
    ),
)

# --------------------- 05: the softmax cross-entropy gradient, from logits


def _log_softmax(Z):
    S = Z - Z.max(axis=1, keepdims=True)                # every entry <= 0
    return S - np.log(np.exp(S).sum(axis=1, keepdims=True))


def _xent(Y, Z):
    return -np.sum(Y * _log_softmax(Z)) / Z.shape[0]


def _xent_gradient(Y, Z):
    return (np.exp(_log_softmax(Z)) - Y) / Z.shape[0]   # (P - Y)/n


def _literal_softmax_gradient(Y, Z):
    with np.errstate(over="ignore", invalid="ignore"):
        E = np.exp(Z)
        P = E / E.sum(axis=1, keepdims=True)
    return (P - Y) / Z.shape[0]


def _column_softmax_gradient(Y, Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return (E / E.sum(axis=0, keepdims=True) - Y) / Z.shape[0]


def _xent_cases(rng):
    def one_hot(n, k):
        return np.eye(k)[rng.integers(0, k, n)]
    return [(one_hot(5, 4), 2 * rng.normal(size=(5, 4))),
            (one_hot(1, 3), rng.normal(size=(1, 3))),
            # large logits: e^z is finite, but a row's sum overflows
            (one_hot(6, 3), 709 + 0.7 * rng.random((6, 3)))]


register(
    id="ch4-softmax-xent-gradient",
    title="the gradient of softmax cross-entropy from logits, (P - Y)/n",
    page="ch04_math/05_activations_softmax_xent.ipynb",
    stars=1,
    reference=_xent_gradient,
    cases=_xent_cases,
    outputs=("dZ",),
    loss=_xent, wrt=(1,),
    n_of=lambda Y, Z: Z.shape[0],
    mistakes=(
        Mistake("no 1/n", lambda Y, Z: Z.shape[0] * _xent_gradient(Y, Z),
                "the loss is a mean over the n samples, so its gradient "
                "keeps the 1/n"),
        Mistake("Y - P", lambda Y, Z: -_xent_gradient(Y, Z),
                "the sign is flipped: the gradient is probabilities minus "
                "targets; with targets minus probabilities a step "
                "downhill goes uphill"),
        Mistake("softmax over the columns", _column_softmax_gradient,
                "each row is one sample, so softmax normalises each row "
                "(axis=1, keepdims=True); over axis 0 it mixes the "
                "samples"),
        Mistake("literal softmax", _literal_softmax_gradient,
                "right for ordinary logits, wrong for large ones (the last "
                "case): a row's sum of e^z overflowed to inf. Subtract each "
                "row's largest logit before exponentiating; the softmax "
                "does not change"),
    ),
)
