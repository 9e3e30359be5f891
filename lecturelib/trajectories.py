"""Paths of gradient descent in a two-parameter model, for pictures of how steps move.

A model with two weights can be drawn: every update is an arrow in the
plane.  :func:`sgd_trajectory` records those arrows for the simplest model
there is, one linear unit without a bias trained on squared error one example
at a time, the unit that Chapter 3 uses to show why inputs that are all
positive force a zig-zag.  :func:`gd_trajectory` takes full-batch steps on
the same loss, the setting in which Chapter 4 shows how the scale of the
inputs sets the curvature (:func:`squared_error_hessian`) and with it the
number of steps.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_int, check_number, check_rng, check_shape

__all__ = ["sgd_trajectory", "gd_trajectory", "squared_error_hessian", "same_sign_fraction"]


def sgd_trajectory(
    x: np.ndarray, y: np.ndarray, *, w0: np.ndarray, lr: float, epochs: int, rng: np.random.Generator,
) -> np.ndarray:
    r"""Weights of a linear unit after every step of SGD with one example per step.

    The unit computes :math:`\hat y = w^\top x` and each step takes one
    example, in a fresh random order every epoch, and follows the gradient
    of :math:`\tfrac12 (w^\top x_i - y_i)^2`:

    .. math:: w \leftarrow w - \eta\, \delta_i\, x_i, \qquad \delta_i = w^\top x_i - y_i .

    Every step is a multiple of the input :math:`x_i`: if every input has
    only positive entries, every step moves all weights in the same direction
    (all up when :math:`\delta_i < 0`, all down when :math:`\delta_i > 0`).

    Parameters
    ----------
    x : ndarray, shape (N, d)
        Inputs.
    y : ndarray, shape (N,)
        Targets.
    w0 : ndarray, shape (d,)
        Starting weights.
    lr : float
        Step size :math:`\eta > 0`.
    epochs : int
        Passes over the ``N`` examples, ``>= 1``.
    rng : numpy.random.Generator
        Draws the order of the examples.

    Returns
    -------
    ndarray, shape (epochs * N + 1, d)
        Row 0 is ``w0``; row ``t`` the weights after ``t`` steps.

    Examples
    --------
    >>> x = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> path = sgd_trajectory(x, np.array([2.0, -1.0]), w0=np.zeros(2), lr=1.0, epochs=1,
    ...                       rng=np.random.default_rng(0))
    >>> path[-1]  # with lr = 1 each example's weight is fitted in one step
    array([ 2., -1.])
    """
    x, y, w = _check_regression(x, y, w0)
    lr = check_number(lr, "lr", low=0.0, low_inclusive=False)
    epochs = check_int(epochs, "epochs", low=1)
    rng = check_rng(rng)
    path = [w.copy()]
    for _ in range(epochs):
        for i in rng.permutation(len(y)):
            delta = w @ x[i] - y[i]
            w -= lr * delta * x[i]
            path.append(w.copy())
    return np.array(path)


def _check_regression(x: np.ndarray, y: np.ndarray, w0: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = as_float_array(x, "x", ndim=2)
    y = as_float_array(y, "y", ndim=1)
    check_shape(y, "y", (x.shape[0],), meaning="one target per row of x")
    w = as_float_array(w0, "w0", ndim=1).copy()
    check_shape(w, "w0", (x.shape[1],), meaning="one weight per column of x")
    return x, y, w


def squared_error_hessian(x: np.ndarray) -> np.ndarray:
    r"""Hessian of the mean squared error of a linear unit, :math:`H = X^\top X / N`.

    For :math:`L(w) = \frac{1}{2N} \lVert X w - y \rVert^2` the Hessian does
    not depend on ``w`` or ``y``: the inputs alone set the curvature.  Its
    condition number :math:`\lambda_\max / \lambda_\min` is the ratio of
    the steepest to the flattest direction of the loss.

    Parameters
    ----------
    x : ndarray, shape (N, d)

    Returns
    -------
    ndarray, shape (d, d)
        Symmetric positive semi-definite.

    Examples
    --------
    >>> squared_error_hessian(np.array([[1.0, 0.0], [0.0, 3.0]])).tolist()
    [[0.5, 0.0], [0.0, 4.5]]
    """
    x = as_float_array(x, "x", ndim=2)
    if x.shape[0] == 0:
        raise ValueError(f"x must have at least one row, got shape {x.shape}")
    return x.T @ x / x.shape[0]


def gd_trajectory(x: np.ndarray, y: np.ndarray, *, w0: np.ndarray, lr: float, steps: int) -> np.ndarray:
    r"""Weights of a linear unit after every step of full-batch gradient descent on squared error.

    .. math::
        L(w) = \frac{1}{2N} \lVert X w - y \rVert^2, \qquad
        w \leftarrow w - \eta\, \frac1N X^\top (X w - y) .

    The loss is a quadratic with Hessian :func:`squared_error_hessian`;
    gradient descent converges for :math:`\eta < 2 / \lambda_\max`, and at
    :math:`\eta = 1 / \lambda_\max` the error along the eigenvector of
    eigenvalue :math:`\lambda` shrinks by :math:`1 - \lambda / \lambda_\max`
    per step: the flattest direction sets the number of steps.

    Parameters
    ----------
    x : ndarray, shape (N, d)
    y : ndarray, shape (N,)
    w0 : ndarray, shape (d,)
        Starting weights.
    lr : float
        Step size :math:`\eta > 0`.
    steps : int
        Number of steps, ``>= 1``.

    Returns
    -------
    ndarray, shape (steps + 1, d)
        Row 0 is ``w0``; row ``t`` the weights after ``t`` steps.

    Examples
    --------
    >>> x = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> gd_trajectory(x, np.array([2.0, -1.0]), w0=np.zeros(2), lr=2.0, steps=1)[-1].tolist()
    [2.0, -1.0]
    """
    x, y, w = _check_regression(x, y, w0)
    if x.shape[0] == 0:
        raise ValueError(f"x must have at least one row, got shape {x.shape}")
    lr = check_number(lr, "lr", low=0.0, low_inclusive=False)
    steps = check_int(steps, "steps", low=1)
    path = np.empty((steps + 1, len(w)))
    path[0] = w
    for t in range(steps):
        w = w - lr * (x.T @ (x @ w - y)) / len(y)
        path[t + 1] = w
    return path


def same_sign_fraction(path: np.ndarray) -> float:
    """Fraction of the steps of a two-weight ``path`` that move both weights the same way.

    Among the steps that move at all (``path[t + 1] != path[t]``), the
    fraction whose two components are nonzero and have the same sign (both
    up or both down).

    Parameters
    ----------
    path : ndarray, shape (T + 1, 2)
        Weights before and after every step, as from :func:`sgd_trajectory`.

    Returns
    -------
    float in [0, 1]
        ``nan`` if no step moves.

    Examples
    --------
    >>> same_sign_fraction(np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 1.0], [0.0, 2.0], [-1.0, 1.0]]))
    0.6666666666666666
    """
    path = as_float_array(path, "path", ndim=2)
    check_shape(path, "path", (None, 2), meaning="two weights per row")
    if len(path) < 2:
        raise ValueError(f"path must hold at least two rows (one step), got {len(path)}")
    steps = np.diff(path, axis=0)
    moved = np.any(steps != 0, axis=1)
    if not moved.any():
        return float("nan")
    return float(np.mean(steps[moved, 0] * steps[moved, 1] > 0))
