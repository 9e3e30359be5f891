"""Two-dimensional test functions for watching optimizers move, and a loop that records the path.

An optimizer with two parameters can be drawn: its iterates are a path over
the contour lines of the loss.  Every problem here is a :class:`Problem`
whose value and gradient are written side by side and work on one point of
shape ``(2,)`` or on a whole grid of shape ``(..., 2)`` (for contour plots):

- :func:`quadratic`: :math:`\\tfrac12 x^\\top H x` with chosen Hessian
  eigenvalues, the model of ill conditioning and of the step-size limit
  :math:`2 / \\lambda_\\max`;
- :func:`rosenbrock`: a curved, narrow valley (Rosenbrock, 1960);
- :func:`beale`: flat plateaus and steep walls (Beale, 1958);
- :func:`saddle`: :math:`x_1^2 - x_2^2`, a stationary point that is not a
  minimum;
- :func:`noisy`: any of them with Gaussian noise on the gradient, a
  stand-in for the mini-batch gradient of SGD.

:func:`run_optimizer` runs an optimizer on a problem and returns the path
and the losses.  An optimizer is anything built as
``make_optimizer(params)`` from a list of numpy arrays whose ``step(grads)``
updates those arrays in place -- the interface of the book's numpy
optimizers (e.g. ``functools.partial(optim.Adam, lr=0.1)``), and, through a
few lines of adapter, of ``torch.optim``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple, Protocol

import numpy as np

from ._validation import as_float_array, check_int, check_number, check_rng, check_shape

__all__ = [
    "Problem",
    "Optimizer",
    "OptimizerRun",
    "quadratic",
    "rosenbrock",
    "beale",
    "saddle",
    "noisy",
    "run_optimizer",
]


def _points(x: Any) -> np.ndarray:
    """``x`` as a float array of points, shape ``(..., 2)``; NaN and inf pass (a diverged iterate)."""
    x = as_float_array(x, "x", allow_nan=True)
    if x.ndim == 0 or x.shape[-1] != 2:
        raise ValueError(f"x must have shape (2,) or (..., 2), one point per row, got shape {x.shape}")
    return x


def _coords(x: Any) -> tuple[np.ndarray, np.ndarray]:
    """The coordinates ``x1, x2`` of points of shape ``(..., 2)``, each of shape ``(...)``."""
    x = _points(x)
    return x[..., 0], x[..., 1]


@dataclass(frozen=True, eq=False)
class Problem:
    """A function of two variables, its gradient, and its minimizers.

    Attributes
    ----------
    name : str
        For titles and legends, e.g. ``"Rosenbrock (a=1, b=100)"``.
    value : callable
        ``value(x)`` for ``x`` of shape ``(2,)`` or ``(..., 2)`` returns
        the function's values, of shape ``()`` or ``(...)``.
    grad : callable
        ``grad(x)`` returns the gradient, of the same shape as ``x``.
    minima : ndarray, shape (m, 2)
        The global minimizers (``m = 0`` for a function unbounded below).
    saddle_points : ndarray, shape (k, 2)
        Known saddle points (stationary points that are not minima); may
        be empty.
    hessian : ndarray of shape (2, 2), or None
        The Hessian where it is constant (quadratics), else ``None``.
    hessian_eigenvalues : ndarray of shape (2,), or None
        Its eigenvalues in ascending order, else ``None``.

    Build one with :func:`quadratic`, :func:`rosenbrock`, :func:`beale`,
    :func:`saddle` or :func:`noisy`, or directly for a function of your
    own: ``Problem("bowl", value, grad, minima=np.zeros((1, 2)))``.
    """

    name: str
    value: Callable[[np.ndarray], np.ndarray] = field(repr=False)
    grad: Callable[[np.ndarray], np.ndarray] = field(repr=False)
    minima: np.ndarray
    saddle_points: np.ndarray = field(
        default_factory=lambda: np.zeros((0, 2)))
    hessian: np.ndarray | None = None
    hessian_eigenvalues: np.ndarray | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a str, got {type(self.name).__name__}")
        for attr in ("value", "grad"):
            if not callable(getattr(self, attr)):
                got = type(getattr(self, attr)).__name__
                raise TypeError(f"{attr} must be callable as {attr}(x), got {got}")
        for attr, shape in [("minima", (None, 2)), ("saddle_points", (None, 2)), ("hessian", (2, 2)),
                            ("hessian_eigenvalues", (2,))]:
            value = getattr(self, attr)
            if value is None and attr.startswith("hessian"):
                continue
            arr = np.array(as_float_array(value, attr), dtype=np.float64)  # a read-only copy
            check_shape(arr, attr, shape, meaning="one point per row" if shape[0] is None else None)
            arr.setflags(write=False)
            object.__setattr__(self, attr, arr)


def _check_problem(problem: Any) -> Problem:
    if not isinstance(problem, Problem):
        raise TypeError(
            "problem must be a lecturelib.problems.Problem (e.g. problems.rosenbrock()), "
            f"got {type(problem).__name__}"
        )
    return problem


def quadratic(
    *, lam_min: float, lam_max: float, angle: float = 0.0
) -> Problem:
    r"""An ill-conditioned bowl with Hessian eigenvalues lam_min and lam_max.

    .. math::
        f(x) = \tfrac12\, x^\top H x, \qquad \nabla f(x) = H x, \qquad
        H = R_\theta \begin{pmatrix} \lambda_\min & 0 \\ 0 & \lambda_\max
        \end{pmatrix} R_\theta^\top

    where :math:`R_\theta` rotates by ``angle``.  With ``angle=0`` this is
    :math:`\tfrac12(\lambda_\min x_1^2 + \lambda_\max x_2^2)`: flat along
    :math:`x_1`, steep along :math:`x_2`.  The minimizer is the origin.
    Gradient descent converges for step sizes
    :math:`\eta < 2 / \lambda_\max`; at :math:`\eta = 1 / \lambda_\max`
    the error along the flat direction shrinks by
    :math:`1 - \lambda_\min / \lambda_\max = 1 - 1/\kappa` per step.

    Parameters
    ----------
    lam_min, lam_max : float
        Eigenvalues of :math:`H`, ``0 < lam_min <= lam_max``; the condition
        number is :math:`\kappa = \lambda_\max / \lambda_\min`.
    angle : float, default 0.0
        Angle in radians between the :math:`x_1`-axis and the flat
        eigenvector. A rotated bowl is no longer aligned with the coordinate
        axes, which matters to per-coordinate methods (Adam, RMSprop).

    Returns
    -------
    Problem
        With ``hessian`` and ``hessian_eigenvalues = [lam_min, lam_max]``.

    Examples
    --------
    >>> p = quadratic(lam_min=0.2, lam_max=4.0)  # 0.1 x1^2 + 2 x2^2
    >>> float(p.value(np.array([1.0, 1.0]))), p.grad(np.array([1.0, 1.0]))
    (2.1, array([0.2, 4. ]))
    >>> kappas = (1.0, 10.0, 100.0)
    >>> family = [quadratic(lam_min=1.0, lam_max=k) for k in kappas]
    """
    lam_min = check_number(lam_min, "lam_min", low=0.0, low_inclusive=False)
    lam_max = check_number(lam_max, "lam_max", low=lam_min)
    angle = check_number(angle, "angle")
    c, s = np.cos(angle), np.sin(angle)
    rotation = np.array([[c, -s], [s, c]])
    hessian = rotation @ np.diag([lam_min, lam_max]) @ rotation.T

    def value(x):
        x = _points(x)
        return 0.5 * np.sum(x * (x @ hessian), axis=-1)

    def grad(x):
        return _points(x) @ hessian  # H is symmetric: (H x)^T = x^T H

    name = f"quadratic (eigenvalues {lam_min:g}, {lam_max:g})"
    if angle:
        name = f"{name[:-1]}, rotated by {angle:.3g} rad)"
    return Problem(name, value, grad, minima=np.zeros((1, 2)),
                   hessian=hessian,
                   hessian_eigenvalues=np.array([lam_min, lam_max]))


def rosenbrock(*, a: float = 1.0, b: float = 100.0) -> Problem:
    r"""Rosenbrock's banana function: a narrow curved valley.

    .. math::
        f(x) = (a - x_1)^2 + b\,(x_2 - x_1^2)^2, \qquad
        \nabla f(x) = \begin{pmatrix}
            -2 (a - x_1) - 4 b\, x_1 (x_2 - x_1^2) \\ 2 b\, (x_2 - x_1^2)
        \end{pmatrix}

    The only stationary point, and the global minimizer, is
    :math:`(a, a^2)` with :math:`f = 0`.  The floor of the valley
    :math:`x_2 = x_1^2` is easy to reach and slow to follow: across it the
    curvature is about :math:`2b`, along it about 2 near the minimum.
    The classic starting point is :math:`(-1.2, 1)`.

    Parameters
    ----------
    a : float, default 1.0
    b : float, default 100.0
        Steepness of the valley's walls, ``> 0``.

    Returns
    -------
    Problem

    References
    ----------
    H. H. Rosenbrock (1960). An automatic method for finding the greatest or
    least value of a function. *The Computer Journal* 3(3), 175-184.

    Examples
    --------
    >>> p = rosenbrock()
    >>> p.minima, float(p.value(p.minima[0]))
    (array([[1., 1.]]), 0.0)
    """
    a = check_number(a, "a")
    b = check_number(b, "b", low=0.0, low_inclusive=False)

    def value(x):
        x1, x2 = _coords(x)
        return (a - x1) ** 2 + b * (x2 - x1**2) ** 2

    def grad(x):
        x1, x2 = _coords(x)
        d1 = -2 * (a - x1) - 4 * b * x1 * (x2 - x1**2)
        d2 = 2 * b * (x2 - x1**2)
        return np.stack([d1, d2], axis=-1)

    return Problem(f"Rosenbrock (a={a:g}, b={b:g})", value, grad,
                   minima=np.array([[a, a**2]]))


#: Beale's function: the constants :math:`c_i` of its three terms.
_BEALE = (1.5, 2.25, 2.625)


def beale() -> Problem:
    r"""Beale's function: flat plateaus, steep walls and a narrow minimum.

    .. math::
        f(x) = \sum_{i=1}^{3} r_i^2, \qquad r_i = c_i - x_1 + x_1 x_2^i,
        \qquad (c_1, c_2, c_3) = (1.5,\ 2.25,\ 2.625)

        \frac{\partial f}{\partial x_1} = \sum_i 2 r_i\, (x_2^i - 1),
        \qquad
        \frac{\partial f}{\partial x_2} = \sum_i 2 r_i\, i\, x_1 x_2^{i-1}

    The global minimizer is :math:`(3, 0.5)` with :math:`f = 0`;
    :math:`(0, 1)` is a saddle point (:math:`f = 14.203125`).  The usual
    window is :math:`[-4.5, 4.5]^2`, over which the values span ten
    orders of magnitude (plot them on a log scale).

    Returns
    -------
    Problem

    References
    ----------
    E. M. L. Beale (1958). On an iterative method for finding a local
    minimum of a function of more than one variable. Technical Report 25,
    Statistical Techniques Research Group, Princeton University.

    Examples
    --------
    >>> p = beale()
    >>> float(p.value(p.minima[0])), p.grad(p.saddle_points[0])
    (0.0, array([0., 0.]))
    """

    def value(x):
        x1, x2 = _coords(x)
        return sum((c - x1 + x1 * x2**i) ** 2
                   for i, c in enumerate(_BEALE, start=1))

    def grad(x):
        x1, x2 = _coords(x)
        r = [(i, c - x1 + x1 * x2**i)
             for i, c in enumerate(_BEALE, start=1)]
        d1 = sum(2 * ri * (x2**i - 1) for i, ri in r)
        d2 = sum(2 * ri * i * x1 * x2 ** (i - 1) for i, ri in r)
        return np.stack([d1, d2], axis=-1)

    return Problem("Beale", value, grad, minima=np.array([[3.0, 0.5]]),
                   saddle_points=np.array([[0.0, 1.0]]))


def saddle() -> Problem:
    r"""A saddle: a minimum along x1 and a maximum along x2.

    .. math::
        f(x) = x_1^2 - x_2^2, \qquad \nabla f(x) = (2 x_1,\ -2 x_2),
        \qquad H = \operatorname{diag}(2, -2)

    The origin is a stationary point but not a minimum; the function is
    unbounded below, so there is no minimizer (``minima`` is empty).
    Gradient descent started exactly on the :math:`x_1`-axis converges to
    the saddle; the smallest offset in :math:`x_2` grows by
    :math:`1 + 2\eta` per step, and so does noise on the gradient.

    Returns
    -------
    Problem
        With ``saddle_points = [[0, 0]]`` and
        ``hessian_eigenvalues = [-2, 2]``.

    Examples
    --------
    >>> p = saddle()
    >>> float(p.value(np.array([1.0, 2.0]))), p.grad(np.array([1.0, 2.0]))
    (-3.0, array([ 2., -4.]))
    """

    def value(x):
        x1, x2 = _coords(x)
        return x1**2 - x2**2

    def grad(x):
        x1, x2 = _coords(x)
        return np.stack([2 * x1, -2 * x2], axis=-1)

    return Problem("saddle", value, grad, minima=np.zeros((0, 2)),
                   saddle_points=np.zeros((1, 2)),
                   hessian=np.diag([2.0, -2.0]),
                   hessian_eigenvalues=np.array([-2.0, 2.0]))


def noisy(
    problem: Problem, *, noise_std: float, rng: np.random.Generator
) -> Problem:
    r"""``problem`` with Gaussian noise on its gradient; exact values.

    .. math::
        g(x) = \nabla f(x) + \sigma\, \xi, \qquad
        \xi \sim \mathcal N(0, I_2)\ \text{drawn afresh at every call}

    An unbiased gradient estimate with standard deviation :math:`\sigma`
    per coordinate, the simplest model of a mini-batch gradient.  For a
    grid of points each point gets its own noise.

    Parameters
    ----------
    problem : Problem
    noise_std : float
        :math:`\sigma \ge 0`.
    rng : numpy.random.Generator
        Draws the noise; calls consume it in order.

    Returns
    -------
    Problem
        Same ``value``, minima and Hessian; a noisy ``grad``.

    Examples
    --------
    >>> p = noisy(saddle(), noise_std=0.1, rng=np.random.default_rng(0))
    >>> np.round(p.grad(np.zeros(2)), 3)  # zero gradient + noise
    array([ 0.013, -0.013])
    """
    problem = _check_problem(problem)
    noise_std = check_number(noise_std, "noise_std", low=0.0)
    rng = check_rng(rng)
    exact = problem.grad

    def grad(x):
        g = exact(x)
        return g + noise_std * rng.standard_normal(g.shape)

    name = f"{problem.name} + gradient noise (std {noise_std:g})"
    return replace(problem, name=name, grad=grad)


class Optimizer(Protocol):
    """What :func:`run_optimizer` needs: ``step(grads)`` updates the parameters in place."""

    def step(self, grads: list[np.ndarray]) -> object: ...


class OptimizerRun(NamedTuple):
    """The result of :func:`run_optimizer`.

    Attributes
    ----------
    path : ndarray, shape (T + 1, 2)
        Row 0 is ``x0``, row ``t`` the iterate after ``t`` steps;
        ``T = steps`` unless the run diverged.
    losses : ndarray, shape (T + 1,)
        The problem's value at every row of ``path``.
    diverged : bool
        Whether the run stopped early because step ``T + 1`` produced a
        non-finite iterate or value (not recorded: every recorded number is
        finite, so the path can be drawn).
    """

    path: np.ndarray
    losses: np.ndarray
    diverged: bool


def run_optimizer(
    problem: Problem, x0: np.ndarray, *,
    make_optimizer: Callable[[list[np.ndarray]], Optimizer], steps: int,
) -> OptimizerRun:
    r"""Run an optimizer on a two-variable problem and record every iterate.

    .. code-block:: text

        x = x0;  optimizer = make_optimizer([x])
        repeat steps times:  optimizer.step([grad(x)])  # updates x

    The run stops early, with ``diverged=True``, when an iterate or its
    value stops being finite: divergence shows in the result instead of
    raising (overflow warnings are silenced for the run).

    Parameters
    ----------
    problem : Problem
    x0 : ndarray, shape (2,)
        Starting point; copied, never modified.
    make_optimizer : callable
        ``make_optimizer(params)``, with ``params`` a list holding one
        float64 array of shape ``(2,)``, returns an object whose ``step(grads)``
        updates ``params[0]`` in place from ``grads``, a list holding the
        gradient, e.g. ``functools.partial(optim.SGD, lr=0.1)``.
    steps : int
        Number of optimizer steps, ``>= 1``.

    Returns
    -------
    OptimizerRun
        ``path`` of shape ``(T + 1, 2)``, ``losses`` of shape ``(T + 1,)``
        and ``diverged``.

    Examples
    --------
    >>> class GD:  # the smallest optimizer with this interface
    ...     def __init__(self, params, lr):
    ...         self.params, self.lr = params, lr
    ...     def step(self, grads):
    ...         for p, g in zip(self.params, grads):
    ...             p -= self.lr * g
    >>> p = quadratic(lam_min=0.2, lam_max=4.0)
    >>> run = run_optimizer(p, np.array([1.0, 1.0]), steps=3,
    ...                     make_optimizer=lambda ps: GD(ps, lr=0.25))
    >>> run.path[-1], run.diverged  # 1 - 0.25 * 0.2 = 0.95 per step on x1
    (array([0.857375, 0.      ]), False)
    """
    problem = _check_problem(problem)
    x = as_float_array(x0, "x0", ndim=1).astype(np.float64)  # a copy
    check_shape(x, "x0", (2,), meaning="a point in the plane")
    steps = check_int(steps, "steps", low=1)
    optimizer = _build_optimizer(make_optimizer, x)
    path, losses = [x.copy()], [float(problem.value(x))]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            optimizer.step([problem.grad(x)])
            loss = float(problem.value(x))
            if not (np.isfinite(x).all() and np.isfinite(loss)):
                return OptimizerRun(np.array(path), np.array(losses), True)
            path.append(x.copy())
            losses.append(loss)
    return OptimizerRun(np.array(path), np.array(losses), False)


def _build_optimizer(make_optimizer: Any, x: np.ndarray) -> Optimizer:
    if not callable(make_optimizer):
        got = type(make_optimizer).__name__
        raise TypeError(f"make_optimizer must be callable as make_optimizer(params), got {got}")
    optimizer = make_optimizer([x])
    if not callable(getattr(optimizer, "step", None)):
        got = type(optimizer).__name__
        raise TypeError(f"make_optimizer must return an object with a step(grads) method, got {got}")
    return optimizer
