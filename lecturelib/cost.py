"""What an elementwise function costs: the NumPy operations it runs, and its time.

:func:`count_ufuncs` counts the NumPy universal functions (``np.exp``,
``np.add``, ``np.maximum``, ...) that a formula applies to an array, so the
price of an activation can be read off its formula and asserted: the count
does not depend on the machine.  :func:`time_per_element` measures the
seconds, which do; the book prints them but never asserts them.
"""

from __future__ import annotations

import timeit
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

from ._validation import as_float_array, check_int

__all__ = ["count_ufuncs", "TRANSCENDENTAL", "time_per_element"]

#: Ufuncs that evaluate a transcendental function (a series or table, many
#: times the cost of an addition), as opposed to arithmetic and comparisons.
TRANSCENDENTAL = frozenset({"exp", "expm1", "exp2", "log", "log1p", "log2", "log10", "tanh", "sinh", "cosh",
                            "sin", "cos", "tan", "arctan", "erf", "sqrt", "power", "float_power"})


class _Counting(np.ndarray):
    """An ndarray that logs every ufunc applied to it (and to what the ufunc returns)."""

    log: list[str]

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        log = next(i.log for i in inputs if isinstance(i, _Counting))
        log.append(ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}")
        plain = [i.view(np.ndarray) if isinstance(i, _Counting) else i for i in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, _Counting) else o for o in kwargs["out"])
        result = getattr(ufunc, method)(*plain, **kwargs)
        if isinstance(result, np.ndarray):
            result = result.view(_Counting)
            result.log = log
        return result


def count_ufuncs(fn: Callable[[np.ndarray], Any], x: np.ndarray) -> Counter:
    """Count the NumPy ufuncs that ``fn(x)`` applies, by name.

    ``x`` is wrapped in an array subclass that records each ufunc call on
    it and on every array computed from it.  Write ``fn`` with NumPy ufuncs
    and operators (``1 / (1 + np.exp(-x))``); functions that first convert
    their input with ``np.asarray`` drop the wrapper and count nothing.

    Parameters
    ----------
    fn : callable
        ``fn(x)`` applied elementwise.
    x : ndarray of float
        A sample input; the count does not depend on its values.

    Returns
    -------
    collections.Counter
        Ufunc name -> number of calls (``np.where`` and other non-ufuncs are
        not counted).

    Examples
    --------
    >>> sorted(count_ufuncs(lambda x: 1 / (1 + np.exp(-x)), np.zeros(3)).items())
    [('add', 1), ('divide', 1), ('exp', 1), ('negative', 1)]
    >>> count_ufuncs(lambda x: np.maximum(x, 0), np.zeros(3))
    Counter({'maximum': 1})
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable as fn(x), got {type(fn).__name__}")
    x = as_float_array(x, "x").view(_Counting)
    x.log = []
    fn(x)
    return Counter(x.log)


def time_per_element(fn: Callable[[np.ndarray], Any], x: np.ndarray, *, repeat: int = 5, number: int = 10) -> float:
    """Seconds per element of ``fn(x)``: the best of ``repeat`` timings of ``number`` calls.

    The minimum over repeats is the least disturbed by other work on the
    machine (:mod:`timeit`'s advice).  The value depends on the machine and
    its load: print it, never assert it.

    Parameters
    ----------
    fn : callable
    x : ndarray of float
        Input of every call; use enough elements (say a million) that the
        call overhead does not dominate.
    repeat, number : int

    Returns
    -------
    float
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable as fn(x), got {type(fn).__name__}")
    x = as_float_array(x, "x")
    repeat = check_int(repeat, "repeat", low=1)
    number = check_int(number, "number", low=1)
    best = min(timeit.repeat(lambda: fn(x), repeat=repeat, number=number))
    return best / number / max(x.size, 1)
