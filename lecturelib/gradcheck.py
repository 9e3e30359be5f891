"""Finite-difference gradient checking.

A backward pass is checked by comparing it with centered differences of the
loss, entry by entry, as in the CS231n ``gradient_check.py``::

    report = check_gradients(lambda: loss(params), params, grads)
    print(report)

The arrays in ``params`` are perturbed *in place* and restored exactly, so a
loss function that closes over them sees every perturbation.
"""

from __future__ import annotations

import decimal
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import as_float_array, check_number, check_option, check_same_shape

__all__ = [
    "numerical_gradient",
    "rel_error",
    "norm_rel_error",
    "GradCheckReport",
    "GradientCheckError",
    "check_gradients",
    "FiniteDifferenceErrors",
    "finite_difference_errors",
]


def _check_float64_array(x: Any, name: str) -> np.ndarray:
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        got = f"dtype {x.dtype}" if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(
            f"{name} must be a float64 ndarray (it is perturbed in place, and finite differences "
            f"need double precision), got {got}"
        )
    if not x.flags.writeable:
        raise ValueError(f"{name} must be writeable (it is perturbed in place), got a read-only array")
    return x


def _as_scalar(value: Any, name: str) -> float:
    arr = np.asarray(value)
    if arr.shape != () or arr.dtype.kind not in "fiu":
        raise TypeError(f"{name} must return a real scalar, got {type(value).__name__} of shape {arr.shape}")
    return float(arr)


def numerical_gradient(f: Callable[[np.ndarray], Any], x: np.ndarray, *, eps: float = 1e-6) -> np.ndarray:
    r"""Gradient of a scalar function by centered differences, one entry at a time.

    .. math::

        \frac{\partial f}{\partial x_i} \approx
        \frac{f(x + h e_i) - f(x - h e_i)}{2h}, \qquad h = \text{eps}

    The error is :math:`O(h^2)` from truncation plus about
    :math:`\epsilon_\text{mach} |f| / h` from rounding.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a real scalar.  It may ignore its argument and read
        ``x`` through a closure instead: ``x`` itself is modified.
    x : ndarray of float64, any shape
        Point at which to differentiate.  Each entry is perturbed **in place**
        and then set back to its exact old value, so ``x`` is unchanged on
        return (also if ``f`` raises).
    eps : float, default 1e-6
        Step ``h`` (torch.autograd.gradcheck's default), ``> 0``.

    Returns
    -------
    ndarray of float64, same shape as ``x``

    Examples
    --------
    >>> x = np.array([1.0, 2.0])
    >>> np.round(numerical_gradient(lambda x: float(np.sum(x**2)), x), 6)
    array([2., 4.])
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    x = _check_float64_array(x, "x")
    eps = check_number(eps, "eps", low=0.0, low_inclusive=False)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        try:
            x[idx] = old + eps
            f_plus = _as_scalar(f(x), "f")
            x[idx] = old - eps
            f_minus = _as_scalar(f(x), "f")
        finally:
            x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def _max_rel_error(a: np.ndarray, b: np.ndarray, floor: float) -> float:
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)))


def rel_error(a: np.ndarray, b: np.ndarray, *, floor: float = 1e-8) -> float:
    r"""Largest elementwise relative error between two arrays (CS231n style).

    .. math::

        \operatorname{rel\_error}(a, b) = \max_i
        \frac{|a_i - b_i|}{\max(|a_i| + |b_i|,\ \text{floor})}

    The value is 0 for equal arrays and at most 1.  The floor avoids 0/0 where
    both entries are 0; below it, differences count in absolute terms
    (divided by ``floor``).  An empty array has error 0.

    Parameters
    ----------
    a, b : ndarray of float, same shape
        E.g. an analytic and a numerical gradient.
    floor : float, default 1e-8
        Smallest denominator, ``> 0`` (CS231n's value).

    Returns
    -------
    float

    Examples
    --------
    >>> rel_error(np.array([1.0, 3.0, 0.0]), np.array([1.0, 1.0, 0.0]))  # |3 - 1| / (3 + 1)
    0.5
    """
    a = as_float_array(a, "a")
    b = as_float_array(b, "b")
    check_same_shape(a, "a", b, "b")
    floor = check_number(floor, "floor", low=0.0, low_inclusive=False)
    return _max_rel_error(a, b, floor)


def norm_rel_error(a: np.ndarray, b: np.ndarray, *, floor: float = 1e-12) -> float:
    r"""Relative error of two arrays as whole vectors.

    .. math::

        \operatorname{norm\_rel\_error}(a, b) =
        \frac{\lVert a - b \rVert_2}{\max(\lVert a \rVert_2 + \lVert b \rVert_2,\ \text{floor})}

    Unlike the elementwise :func:`rel_error`, a tiny entry of a gradient (whose
    finite-difference estimate is dominated by rounding error) cannot dominate
    the result, which makes this the better test for whole parameter arrays.
    The value is 0 for equal arrays and at most 1.

    Parameters
    ----------
    a, b : ndarray of float, same shape
    floor : float, default 1e-12
        Smallest denominator, ``> 0`` (both arrays zero gives 0, not 0/0).

    Returns
    -------
    float

    Examples
    --------
    >>> norm_rel_error(np.array([3.0, 0.0]), np.array([1.0, 0.0]))  # 2 / (3 + 1)
    0.5
    """
    a = as_float_array(a, "a")
    b = as_float_array(b, "b")
    check_same_shape(a, "a", b, "b")
    floor = check_number(floor, "floor", low=0.0, low_inclusive=False)
    return _norm_rel_error(a, b, floor)


def _norm_rel_error(a: np.ndarray, b: np.ndarray, floor: float) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), floor))


@dataclass(frozen=True)
class GradCheckReport:
    """Result of :func:`check_gradients`; ``print`` it for one line per parameter."""

    errors: dict[str, float]
    """:func:`norm_rel_error` between analytic and numerical gradient, per parameter."""
    max_error: float
    """Largest value in ``errors`` (0 if there are no parameters)."""
    passed: bool
    """Whether every error is ``<= rtol``."""
    rtol: float
    """Tolerance the errors were compared with."""

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        lines = [f"gradient check {verdict}: max relative error {self.max_error:.0e} (rtol={self.rtol:.0e})"]
        width = max((len(name) for name in self.errors), default=0)
        for name, err in self.errors.items():
            mark = "ok" if err <= self.rtol else "FAIL"
            lines.append(f"  {name:<{width}}  {err:.0e}  {mark}")
        return "\n".join(lines)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # IPython / Jupyter display
        p.text(str(self))


class GradientCheckError(ValueError):
    """Raised by :func:`check_gradients` when an analytic gradient disagrees with the numerical one."""

    def __init__(self, report: GradCheckReport) -> None:
        failing = ", ".join(
            f"{name} has relative error {err:.0e}" for name, err in report.errors.items() if err > report.rtol
        )
        super().__init__(f"gradient check failed (rtol={report.rtol:.0e}): {failing}")
        self.report = report


def check_gradients(
    f: Callable[[], Any],
    params: Mapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    *,
    eps: float = 1e-6,
    rtol: float = 1e-6,
    floor: float = 1e-12,
    raise_on_failure: bool = True,
) -> GradCheckReport:
    r"""Compare analytic gradients with centered differences, parameter by parameter.

    For each name ``k``, computes ``numerical_gradient`` of ``f`` with respect
    to ``params[k]`` and its :func:`norm_rel_error` against ``grads[k]``:

    .. math::

        e_k = \frac{\lVert g - \hat g \rVert_2}{\max(\lVert g \rVert_2 + \lVert \hat g \rVert_2,\ \text{floor})},
        \qquad \text{passed} \iff \max_k e_k \le \text{rtol}

    Parameters
    ----------
    f : callable
        ``f()`` takes no arguments and recomputes the scalar loss from the
        *current contents* of the arrays in ``params`` (which are perturbed in
        place and restored exactly).
    params : mapping of str to ndarray of float64
        The parameters, e.g. ``{"weight": W, "bias": b}``.
    grads : mapping of str to ndarray of float
        Analytic gradients of the loss at the unperturbed ``params``; same
        keys and shapes as ``params``.  They are copied first, so ``f`` may
        overwrite them.
    eps : float, default 1e-6
        Finite-difference step, ``> 0``.
    rtol : float, default 1e-6
        Largest accepted relative error, ``> 0``.
    floor : float, default 1e-12
        Smallest denominator of :func:`norm_rel_error`, ``> 0``.
    raise_on_failure : bool, default True
        Raise :class:`GradientCheckError` if any error exceeds ``rtol``;
        otherwise just return the report.

    Returns
    -------
    GradCheckReport

    Raises
    ------
    GradientCheckError
        If the check fails and ``raise_on_failure`` is true.

    Notes
    -----
    With float64 and ``eps=1e-6`` the numerical gradient carries an absolute
    rounding error of roughly :math:`10^{-10} |f|` per entry.  The elementwise
    :func:`rel_error` would let one tiny entry dominate (a correct gradient
    with an entry of ``1e-6`` can show an error of ``1e-4``); comparing whole
    arrays by their norms avoids that.  A ReLU network can still fail
    spuriously if an input to a ReLU lies within ``eps`` of its kink.

    References
    ----------
    CS231n, *Convolutional Neural Networks for Visual Recognition*, Stanford,
    notes on gradient checking (Karpathy, 2016).

    Examples
    --------
    >>> w = np.array([1.0, -2.0])
    >>> report = check_gradients(lambda: float(np.sum(w**3)), {"w": w}, {"w": 3 * w**2})
    >>> report.passed
    True
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    if set(params) != set(grads):
        raise ValueError(
            f"params and grads must have the same keys, got {sorted(params)} and {sorted(grads)}"
        )
    eps = check_number(eps, "eps", low=0.0, low_inclusive=False)
    rtol = check_number(rtol, "rtol", low=0.0, low_inclusive=False)
    floor = check_number(floor, "floor", low=0.0, low_inclusive=False)
    if not isinstance(raise_on_failure, (bool, np.bool_)):
        raise TypeError(f"raise_on_failure must be a bool, got {type(raise_on_failure).__name__}")
    analytic = {}
    for name in params:
        _check_float64_array(params[name], f"params[{name!r}]")
        grad = as_float_array(grads[name], f"grads[{name!r}]")
        check_same_shape(grad, f"grads[{name!r}]", params[name], f"params[{name!r}]")
        analytic[name] = np.array(grad, dtype=np.float64)  # a copy: f() may overwrite grads
    errors = {}
    for name, grad in analytic.items():
        numeric = numerical_gradient(lambda _: f(), params[name], eps=eps)
        if not np.all(np.isfinite(numeric)):
            raise ValueError(f"f returned NaN or inf while perturbing params[{name!r}]")
        errors[name] = _norm_rel_error(grad, numeric, floor)
    max_error = max(errors.values(), default=0.0)
    report = GradCheckReport(errors=errors, max_error=max_error, passed=max_error <= rtol, rtol=rtol)
    if raise_on_failure and not report.passed:
        raise GradientCheckError(report)
    return report


@dataclass(frozen=True)
class FiniteDifferenceErrors:
    """Result of :func:`finite_difference_errors`; arrays of shape ``(S,)`` for ``S`` steps."""

    steps: np.ndarray
    """The steps ``h``, as given (float64)."""
    one_sided: np.ndarray
    """:math:`|(f(x_0 + h) - f(x_0))/h - f'(x_0)|` for each step."""
    centered: np.ndarray
    """:math:`|(f(x_0 + h) - f(x_0 - h))/2h - f'(x_0)|` for each step."""
    derivative: float
    """The exact derivative :math:`f'(x_0)` the errors are measured against."""

    def best_step(self, kind: str = "centered") -> float:
        """The step with the smallest error of ``kind`` (``"centered"`` or ``"one_sided"``)."""
        kind = check_option(kind, "kind", ("centered", "one_sided"))
        return float(self.steps[int(np.argmin(getattr(self, kind)))])


def finite_difference_errors(
    f: Callable[[Any], Any], df: Callable[[Any], Any], x0: Any, steps: Sequence[float] | np.ndarray
) -> FiniteDifferenceErrors:
    r"""Error of the one-sided and the centered difference of a scalar function, per step.

    .. math::

        e_\text{one-sided}(h) = \Big|\frac{f(x_0 + h) - f(x_0)}{h} - f'(x_0)\Big|,
        \qquad
        e_\text{centered}(h) = \Big|\frac{f(x_0 + h) - f(x_0 - h)}{2h} - f'(x_0)\Big|

    The errors are a truncation part, :math:`O(h)` one-sided and
    :math:`O(h^2)` centered (Taylor's theorem), plus a rounding part of
    about :math:`\epsilon |f(x_0)| / h` for an arithmetic with unit roundoff
    :math:`\epsilon`.

    Every step runs in the arithmetic of ``x0``: each ``h`` is first
    converted to ``type(x0)``, and ``f`` and ``df`` receive values of that
    type. With a ``float`` this measures float64; with ``numpy.float32``,
    single precision; with :class:`decimal.Decimal` under a 50-digit
    :func:`decimal.localcontext`, rounding vanishes and what is left is the
    truncation error alone. The errors are returned as float64.

    Parameters
    ----------
    f : callable
        ``f(x)`` for a scalar ``x`` of ``type(x0)``; returns a scalar.
    df : callable
        ``df(x)``, the exact derivative of ``f``.
    x0 : real number (float, numpy floating scalar or decimal.Decimal)
        The point of differentiation.
    steps : 1-D sequence of float, shape (S,)
        The steps ``h``, each ``> 0``.

    Returns
    -------
    FiniteDifferenceErrors

    References
    ----------
    Nocedal, J. and Wright, S. J. (2006). *Numerical Optimization*, 2nd ed.,
    section 8.1 (the trade-off between truncation and rounding error).

    Examples
    --------
    >>> fd = finite_difference_errors(lambda x: x**3, lambda x: 3 * x**2, 1.0, [0.5])
    >>> fd.one_sided, fd.centered  # (1.5**3 - 1) / 0.5 = 4.75;  (1.5**3 - 0.5**3) / 1 = 3.25
    (array([1.75]), array([0.25]))
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    if not callable(df):
        raise TypeError(f"df must be callable, got {type(df).__name__}")
    if isinstance(x0, (bool, np.bool_)) or not isinstance(x0, (numbers.Real, decimal.Decimal)):
        raise TypeError(f"x0 must be a real number (float, numpy floating or Decimal), got {type(x0).__name__}")
    if isinstance(x0, numbers.Integral):
        raise TypeError(f"x0 must be a floating-point number, got {type(x0).__name__} {x0!r}: integer "
                        "arithmetic would truncate the steps")
    steps = as_float_array(steps, "steps", ndim=1)
    if steps.size == 0 or np.any(steps <= 0):
        raise ValueError(f"steps must be a non-empty 1-D array of values > 0, got {steps!r}")
    kind = type(x0)
    exact = df(x0)
    f0 = f(x0)
    one_sided, centered = [], []
    for step in steps:
        h = kind(float(step))  # the step in x0's arithmetic (exact for Decimal and Fraction)
        one_sided.append(abs((f(x0 + h) - f0) / h - exact))
        centered.append(abs((f(x0 + h) - f(x0 - h)) / (2 * h) - exact))
    return FiniteDifferenceErrors(steps=steps.astype(np.float64), one_sided=np.array(one_sided, dtype=np.float64),
                                  centered=np.array(centered, dtype=np.float64), derivative=float(exact))
