r"""How fast an optimizer converges on a quadratic: closed forms and measurements.

On a quadratic :math:`f(x) = \tfrac12 x^\top H x` whose Hessian has
eigenvalues in :math:`[\lambda_\min, \lambda_\max]`, with condition number
:math:`\kappa = \lambda_\max / \lambda_\min`, the error of gradient descent
and of heavy-ball momentum shrinks geometrically.  This module gives the
best rates the textbook analysis predicts, and measures the rate and the
number of steps on a recorded path (e.g. ``problems.run_optimizer(...).path``)
so that the chapter can put the two side by side:

- :func:`gd_rate`: :math:`(\kappa - 1) / (\kappa + 1)`, gradient descent at
  its best step :math:`\eta = 2 / (\lambda_\min + \lambda_\max)`;
- :func:`heavy_ball_params` and :func:`heavy_ball_rate`: Polyak's optimal
  step and momentum, and the rate :math:`(\sqrt\kappa - 1)/(\sqrt\kappa + 1)`
  they reach;
- :func:`distances`, :func:`contraction_rate` and :func:`steps_to_tolerance`:
  the distance to the minimum along a path, its average contraction per
  step over the last steps, and the step from which it stays below a
  fraction of where it started.

Everything is numpy; the closed forms take and return Python floats.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ._validation import as_float_array, check_int, check_number, check_same_shape

__all__ = [
    "gd_rate",
    "HeavyBallParams",
    "heavy_ball_params",
    "heavy_ball_rate",
    "distances",
    "contraction_rate",
    "steps_to_tolerance",
]


def _check_kappa(kappa: Any) -> float:
    return check_number(kappa, "kappa", low=1.0)


def gd_rate(kappa: float) -> float:
    r"""Error contraction per step of gradient descent at its best constant step.

    .. math::
        \eta^\star = \frac{2}{\lambda_\min + \lambda_\max}, \qquad
        \max_{\lambda \in \{\lambda_\min, \lambda_\max\}} |1 - \eta^\star \lambda|
        = \frac{\kappa - 1}{\kappa + 1}

    At :math:`\eta^\star` the flattest and the steepest direction shrink by
    the same factor (the steepest with alternating sign), and no other
    constant step does better on the worst direction.

    Parameters
    ----------
    kappa : float
        Condition number :math:`\lambda_\max / \lambda_\min \ge 1`.

    Returns
    -------
    float
        The rate, in ``[0, 1)``.

    Examples
    --------
    >>> gd_rate(1.0), gd_rate(3.0), round(gd_rate(100.0), 6)
    (0.0, 0.5, 0.980198)
    """
    kappa = _check_kappa(kappa)
    return (kappa - 1.0) / (kappa + 1.0)


class HeavyBallParams(NamedTuple):
    """Step size and momentum of heavy ball, named as in ``torch.optim.SGD``."""

    lr: float
    momentum: float


def heavy_ball_params(lam_min: float, lam_max: float) -> HeavyBallParams:
    r"""Polyak's optimal step and momentum for eigenvalues in [lam_min, lam_max].

    .. math::
        \alpha = \frac{4}{(\sqrt{\lambda_\max} + \sqrt{\lambda_\min})^2},
        \qquad
        \beta = \left(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\right)^2

    for the heavy-ball iteration
    :math:`x_{t+1} = x_t - \alpha \nabla f(x_t) + \beta (x_t - x_{t-1})`,
    which is ``torch.optim.SGD(lr=alpha, momentum=beta)``.  With these values
    every eigen-direction's error has characteristic roots of modulus
    :math:`\sqrt\beta` (:func:`heavy_ball_rate`); at :math:`\lambda_\min` and
    :math:`\lambda_\max` the roots are double, so the error there behaves
    like :math:`t\,\sqrt\beta^{\,t}`.

    Parameters
    ----------
    lam_min, lam_max : float
        Smallest and largest Hessian eigenvalue, ``0 < lam_min <= lam_max``.

    Returns
    -------
    HeavyBallParams
        ``(lr, momentum)``.

    References
    ----------
    Polyak, B. T. (1964). Some methods of speeding up the convergence of
    iteration methods. *USSR Computational Mathematics and Mathematical
    Physics* 4(5), 1-17.

    Examples
    --------
    >>> heavy_ball_params(1.0, 9.0)  # kappa 9: beta = (2 / 4) ** 2
    HeavyBallParams(lr=0.25, momentum=0.25)
    """
    lam_min = check_number(lam_min, "lam_min", low=0.0, low_inclusive=False)
    lam_max = check_number(lam_max, "lam_max", low=lam_min)
    lr = 4.0 / (math.sqrt(lam_max) + math.sqrt(lam_min)) ** 2
    return HeavyBallParams(lr=lr, momentum=heavy_ball_rate(lam_max / lam_min) ** 2)


def heavy_ball_rate(kappa: float) -> float:
    r"""Asymptotic error contraction per step of heavy ball at its optimal parameters.

    .. math:: \frac{\sqrt\kappa - 1}{\sqrt\kappa + 1} = \sqrt{\beta}

    the rate of :func:`gd_rate` with :math:`\kappa` replaced by
    :math:`\sqrt\kappa`: the steps needed grow like :math:`\sqrt\kappa`
    instead of :math:`\kappa`.

    Parameters
    ----------
    kappa : float
        Condition number, ``>= 1``.

    Returns
    -------
    float

    Examples
    --------
    >>> heavy_ball_rate(1.0), heavy_ball_rate(9.0), gd_rate(3.0)
    (0.0, 0.5, 0.5)
    """
    root = math.sqrt(_check_kappa(kappa))
    return (root - 1.0) / (root + 1.0)


def distances(path: np.ndarray, minimum: np.ndarray) -> np.ndarray:
    r"""Euclidean distance of every iterate to the minimum, :math:`\lVert x_t - x^\star \rVert`.

    Parameters
    ----------
    path : ndarray, shape (T + 1, d)
        Row ``t`` the iterate after ``t`` steps.
    minimum : ndarray, shape (d,)
        The minimizer :math:`x^\star`.

    Returns
    -------
    ndarray, shape (T + 1,)

    Examples
    --------
    >>> distances(np.array([[3.0, 4.0], [0.0, 1.0]]), np.zeros(2))
    array([5., 1.])
    """
    path = as_float_array(path, "path", ndim=2)
    minimum = as_float_array(minimum, "minimum", ndim=1)
    check_same_shape(path[0], "a row of path", minimum, "minimum")
    return np.linalg.norm(path - minimum, axis=1)


def contraction_rate(path: np.ndarray, minimum: np.ndarray, *, last: int) -> float:
    r"""Average factor by which the distance to the minimum shrinks per step, over the last steps.

    .. math::
        \hat r = \left(\frac{d_T}{d_{T - m}}\right)^{1/m}
        = \Bigl(\prod_{t = T - m + 1}^{T} \frac{d_t}{d_{t-1}}\Bigr)^{1/m},
        \qquad d_t = \lVert x_t - x^\star \rVert,\ m = \text{last}

    the geometric mean of the per-step ratios.  For an error
    :math:`d_t = c\, r^t` it is exactly :math:`r`; for momentum, whose error
    oscillates, the single ratios jump around and their geometric mean over
    many steps approaches the asymptotic rate.  A factor polynomial in
    :math:`t` (e.g. :math:`t\, r^t`) biases it up by
    :math:`(T / (T - m))^{1/m}`.

    Parameters
    ----------
    path : ndarray, shape (T + 1, d)
    minimum : ndarray, shape (d,)
    last : int
        Number of final steps :math:`m`, ``1 <= last <= T``.

    Returns
    -------
    float
        :math:`\hat r`; above 1 for a path moving away from the minimum.

    Examples
    --------
    >>> path = np.array([[8.0, 0.0], [-4.0, 0.0], [2.0, 0.0], [-1.0, 0.0]])
    >>> contraction_rate(path, np.zeros(2), last=3)
    0.5
    """
    d = distances(path, minimum)
    last = check_int(last, "last", low=1, high=len(d) - 1)
    if d[-1 - last] == 0:
        raise ValueError(f"the distance {last} steps before the end is zero: the rate is undefined; "
                         "use fewer steps (last) or a shorter path")
    return float((d[-1] / d[-1 - last]) ** (1.0 / last))


def steps_to_tolerance(path: np.ndarray, minimum: np.ndarray, *, tol: float) -> int:
    r"""The first step from which the distance to the minimum stays within tol of where it started.

    .. math:: t^\star = \min\{t : d_s \le \text{tol}\cdot d_0 \text{ for all } s \ge t\}

    "Stays" matters for momentum, whose distance may dip below the
    tolerance and rise again.

    Parameters
    ----------
    path : ndarray, shape (T + 1, d)
    minimum : ndarray, shape (d,)
    tol : float
        Fraction of the initial distance, ``0 < tol < 1``.

    Returns
    -------
    int
        :math:`t^\star`, between 0 and ``T``.

    Raises
    ------
    ValueError
        If the path ends farther than ``tol * d_0`` from the minimum (run
        more steps).

    Examples
    --------
    >>> path = np.array([[1.0, 0.0], [0.05, 0.0], [0.2, 0.0], [0.01, 0.0]])
    >>> steps_to_tolerance(path, np.zeros(2), tol=0.1)  # dips at 1, stays from 3
    3
    """
    tol = check_number(tol, "tol", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    d = distances(path, minimum)
    above = np.flatnonzero(d > tol * d[0])
    if len(above) and above[-1] == len(d) - 1:
        raise ValueError(f"the path ends at {d[-1] / d[0]:.3g} times its initial distance, "
                         f"above tol={tol:g}: run more steps")
    return int(above[-1] + 1) if len(above) else 0
