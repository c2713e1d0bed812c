"""Linear regression two ways: least squares and gradient descent.

The model is ``y_hat = X @ w + b`` with ``X`` of shape
``(n_samples, n_features)``, ``w`` of shape ``(n_features,)`` and a scalar
``b``.  The loss is the mean squared error

    L(w, b) = 1/n * sum_i (y_hat_i - y_i)**2            (half=False)
    L(w, b) = 1/(2n) * sum_i (y_hat_i - y_i)**2         (half=True)

The 1/(2n) convention only rescales the gradient by 1/2, which is the same
as halving the learning rate.

Taught in: chapter 4, "Linear regression: least squares and gradient
descent".
"""

import numpy as np

from dlbook._checks import (
    as_float_array,
    check_same_n,
    check_scalar,
)

__all__ = ["descent_path", "gradient_descent", "least_squares", "lr_regime",
           "mse", "mse_gradient", "mse_hessian", "stability_bound"]

_BLOW_UP = 1e6      # descent_path stops once the loss grows by this factor


def _check_Xy(X, y):
    """X as (n, d) float64 and y as (n,) float64 ((n, 1) is flattened)."""
    X = as_float_array(X, "X", ndim=2)
    y = as_float_array(y, "y", ndim=(1, 2))
    if y.ndim == 2:
        if y.shape[1] != 1:
            raise ValueError(
                "expected y of shape (n_samples,) or (n_samples, 1), "
                f"received shape {y.shape}")
        y = y[:, 0]
    check_same_n(X, y)
    return X, y


def _check_wb(w, b, n_features):
    """w as (d,) float64 and b as float."""
    w = as_float_array(w, "w", ndim=1)
    if len(w) != n_features:
        raise ValueError(
            f"expected w of shape ({n_features},) to match X's "
            f"{n_features} features, received shape {w.shape}")
    return w, check_scalar(b, "b", float)


def least_squares(X, y):
    """Solve linear regression exactly: minimise ``||X w + b - y||^2``.

    Appends a column of ones to ``X`` and calls ``np.linalg.lstsq`` on
    ``[X, 1] @ [w; b] = y`` (more stable than the normal equations
    ``(A^T A)^-1 A^T y``, which square the condition number).

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,) or (n_samples, 1)

    Returns
    -------
    w : ndarray of shape (n_features,)
    b : float

    Keras equivalent: none (Keras only fits by gradient descent); the
    same answer as ``sklearn.linear_model.LinearRegression``.
    Taught in: chapter 4, "Least squares".
    """
    X, y = _check_Xy(X, y)
    A = np.hstack([X, np.ones((len(X), 1))])          # (n, d + 1)
    theta = np.linalg.lstsq(A, y, rcond=None)[0]      # (d + 1,)
    return theta[:-1], float(theta[-1])


def mse(X, y, w, b, half=False):
    """Mean squared error of ``X @ w + b`` against ``y`` (a float).

    ``1/n sum (y_hat - y)**2``, or ``1/(2n) sum (...)`` with ``half=True``.
    Shapes as in :func:`mse_gradient`.
    Keras equivalent: ``keras.losses.MeanSquaredError()`` (half=False).
    """
    X, y = _check_Xy(X, y)
    w, b = _check_wb(w, b, X.shape[1])
    residual = X @ w + b - y                          # (n,)
    return float(np.mean(residual ** 2) / (2 if half else 1))


def mse_gradient(X, y, w, b, half=False):
    """Gradient of the mean squared error with respect to ``w`` and ``b``.

    With the residual ``r = X @ w + b - y`` (shape (n_samples,))::

        dL/dw = 2/n * X^T r        dL/db = 2/n * sum(r)     (half=False)
        dL/dw = 1/n * X^T r        dL/db = 1/n * sum(r)     (half=True)

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,) or (n_samples, 1)
    w : array_like of shape (n_features,)
    b : float
    half : bool, default False
        Use the 1/(2n) convention for the loss.

    Returns
    -------
    dw : ndarray of shape (n_features,)
    db : float

    Keras equivalent: ``tf.GradientTape().gradient(mse, [w, b])``.
    Taught in: chapter 4, "The gradient of the squared error".
    """
    X, y = _check_Xy(X, y)
    w, b = _check_wb(w, b, X.shape[1])
    return _gradient(X, X @ w + b - y, half)


def _gradient(X, residual, half):
    """Unchecked MSE gradient from the residual ``X @ w + b - y``."""
    scale = (1.0 if half else 2.0) / len(X)
    dw = scale * (X.T @ residual)                     # (d,)
    db = scale * float(residual.sum())
    return dw, db


def gradient_descent(X, y, lr=0.1, epochs=100, half=False, w0=None, b0=0.0,
                     return_path=False):
    """Fit linear regression by full-batch gradient descent.

    Starting from ``w0`` (zeros by default) and ``b0``, repeat ``epochs``
    times::

        w <- w - lr * dL/dw        b <- b - lr * dL/db

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,) or (n_samples, 1)
    lr : float > 0, default 0.1
        Learning rate.
    epochs : int > 0, default 100
        Number of updates (each uses the whole data set).
    half : bool, default False
        Use the 1/(2n) loss convention.
    w0 : array_like of shape (n_features,), optional
    b0 : float, default 0.0
    return_path : bool, default False
        Also return every iterate, for drawing the descent on a loss
        surface (:func:`dlbook.plots.loss_surface`).

    Returns
    -------
    w : ndarray of shape (n_features,)
    b : float
    losses : list of float, length ``epochs``
        ``losses[k]`` is the loss before update ``k``, as Keras reports the
        loss of a full-batch epoch.
    path : ndarray of shape (epochs + 1, n_features + 1)
        Only with ``return_path=True``: row ``k`` is ``[w..., b]`` after
        ``k`` updates (row 0 is the start).

    Raises
    ------
    FloatingPointError
        If the loss becomes NaN or infinite (the learning rate is too large
        and the iterates diverge).

    Keras equivalent: ``Dense(1)`` compiled with ``SGD(lr)`` and ``"mse"``,
    fitted with ``batch_size=n_samples``.
    Taught in: chapter 4, "Gradient descent".
    """
    X, y = _check_Xy(X, y)
    lr = check_scalar(lr, "lr", float, min_val=0, include_boundaries="neither")
    epochs = check_scalar(epochs, "epochs", int, min_val=1)
    w0 = np.zeros(X.shape[1]) if w0 is None else w0
    w, b = _check_wb(w0, b0, X.shape[1])
    w = w.copy()
    losses = []
    path = [np.append(w, b)]
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(epochs):
            residual = X @ w + b - y                  # (n,)
            loss = float(np.mean(residual ** 2) / (2 if half else 1))
            if not np.isfinite(loss):
                raise FloatingPointError(
                    f"the loss became {loss} at epoch {epoch + 1} of "
                    f"{epochs} with lr={lr}: gradient descent diverged; "
                    "try a smaller learning rate")
            losses.append(loss)
            dw, db = _gradient(X, residual, half)
            w -= lr * dw
            b -= lr * db
            path.append(np.append(w, b))
    if return_path:
        return w, b, losses, np.array(path)     # path: (epochs + 1, d + 1)
    return w, b, losses


def descent_path(X, y, *, lr, steps, start=None):
    """Gradient descent on the MSE, keeping every point even if it diverges.

    The run is :func:`gradient_descent` with ``return_path=True``:
    ``steps`` updates ``theta <- theta - lr * dL/dtheta`` of
    ``theta = (w, b)`` from ``start``.  Where :func:`gradient_descent`
    raises on divergence, this keeps the path for drawing: a diverging
    run is cut where its loss first exceeds a million times the initial
    loss (plus one), and if the loss would overflow within ``steps`` the
    run is shortened (halved until it stays finite) before it is cut.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,) or (n_samples, 1)
    lr : float > 0
    steps : int > 0
        Number of updates.
    start : array_like of shape (n_features + 1,), optional
        The initial ``(w..., b)``; default all zeros.

    Returns
    -------
    path : ndarray of shape (k + 1, n_features + 1)
        The points ``(w..., b)`` visited, ``k = steps`` unless cut early.
    losses : ndarray of shape (k + 1,)
        The loss at each point of ``path``.

    Keras equivalent: ``Dense(1)`` with ``SGD(lr)`` and ``"mse"``, fitted
    full-batch, recording the weights after every epoch.
    Taught in: chapter 4, "The MSE gradient" (the learning-rate explorer).
    """
    X, y = _check_Xy(X, y)
    lr = check_scalar(lr, "lr", float, min_val=0,
                      include_boundaries="neither")
    epochs = check_scalar(steps, "steps", int, min_val=1)
    n_params = X.shape[1] + 1
    start = (np.zeros(n_params) if start is None
             else as_float_array(start, "start", ndim=1))
    if start.shape != (n_params,):
        raise ValueError(
            f"expected start of shape ({n_params},), (w..., b) for X's "
            f"{n_params - 1} feature(s), received shape {start.shape}")
    while True:
        try:
            _, _, losses, path = gradient_descent(
                X, y, lr=lr, epochs=epochs, w0=start[:-1], b0=start[-1],
                return_path=True)           # path: (epochs + 1, d + 1)
            break
        except FloatingPointError:
            if epochs == 1:
                raise
            epochs //= 2                    # overflowed: a shorter run
    losses = np.asarray(losses)             # loss before each update
    limit = _BLOW_UP * (losses[0] + 1.0)
    over = np.flatnonzero(losses > limit)
    if over.size:
        k = over[0]                         # first blown-up point
        return path[:k + 1], losses[:k + 1]
    with np.errstate(over="ignore", invalid="ignore"):
        residual = X @ path[-1, :-1] + path[-1, -1] - y       # (n,)
        final = float(np.mean(residual ** 2))
    if not final <= limit:                  # the last step blew up
        return path[:-1], losses
    return path, np.append(losses, final)


def mse_hessian(X):
    """Hessian of the mean squared error of ``X @ w + b`` w.r.t. ``(w, b)``.

    With ``A = [X, 1]`` (a column of ones appended) the loss
    ``L = 1/n ||A theta - y||^2`` is quadratic in ``theta = (w, b)`` and its
    Hessian is constant::

        H_L = 2/n A^T A

    It does not depend on ``y`` or on the point where it is evaluated.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)

    Returns
    -------
    H : ndarray of shape (n_features + 1, n_features + 1)
        Symmetric positive semi-definite; the last row and column belong
        to ``b``.

    Keras equivalent: none (``tf.GradientTape`` nested twice gives it).
    Taught in: chapter 4, "The MSE gradient" (the stability bound).
    """
    X = as_float_array(X, "X", ndim=2)
    A = np.hstack([X, np.ones((len(X), 1))])             # (n, d + 1)
    return 2.0 / len(X) * (A.T @ A)                      # (d + 1, d + 1)


def stability_bound(X):
    """The largest stable learning rate of gradient descent on the MSE.

    Gradient descent on a quadratic moves each eigen-direction ``v_i`` of
    the Hessian by the factor ``1 - lr * lambda_i`` per step, so it
    converges from every start exactly when ``|1 - lr lambda_i| < 1`` for
    all ``i``, that is when ``lr < 2 / lambda_max``.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)

    Returns
    -------
    lambda_max : float
        Largest eigenvalue of :func:`mse_hessian` ``(X)``.
    lr_max : float
        ``2 / lambda_max``.

    Taught in: chapter 4, "The MSE gradient".
    """
    lambda_max = float(np.linalg.eigvalsh(mse_hessian(X))[-1])
    return lambda_max, 2.0 / lambda_max


def lr_regime(lr, X):
    """How gradient descent on the MSE behaves with learning rate ``lr``.

    Parameters
    ----------
    lr : float > 0
    X : array_like of shape (n_samples, n_features)

    Returns
    -------
    str
        ``"converges"`` for ``lr <= 1 / lambda_max`` (every factor
        ``1 - lr lambda_i`` lies in [0, 1): a monotone approach),
        ``"oscillates"`` for ``1 / lambda_max < lr <= 2 / lambda_max`` (the
        steepest direction overshoots and changes sign every step; it still
        converges, except exactly at the bound where it oscillates for
        ever) and ``"diverges"`` for ``lr > 2 / lambda_max``.

    Taught in: chapter 4, "The MSE gradient".
    """
    lr = check_scalar(lr, "lr", float, min_val=0, include_boundaries="neither")
    lambda_max, lr_max = stability_bound(X)
    if lr * lambda_max <= 1.0:
        return "converges"
    return "oscillates" if lr <= lr_max else "diverges"
