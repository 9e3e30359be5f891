"""Automatic checkers for the chapters' exercises.

A checker calls the student's function on seeded random inputs, compares it
with the library's reference implementation, and *prints* a short verdict
(it never raises for a wrong answer, so that a notebook keeps running).  It
returns ``True`` when the answer is correct.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import default_rng
from .layers import linear_backward, linear_forward

__all__ = ["check_linear_backward", "check_xavier_uniform", "check_number"]


def _verdict(ok: bool, message: str) -> bool:
    print(("Correct! " if ok else "Not yet: ") + message)
    return ok


def check_linear_backward(student_fn: Callable, *, seed: int = 0) -> bool:
    """Check a student's ``linear_backward(dout, cache) -> (dx, dweight, dbias)``.

    The function is compared with :func:`lecturelib.layers.linear_backward` on
    three random shapes; the verdict names the first gradient that differs.
    """
    rng = default_rng(seed)
    for n, n_in, n_out in [(4, 3, 2), (1, 5, 7), (8, 1, 1)]:
        x = rng.standard_normal((n, n_in))
        weight = rng.standard_normal((n_out, n_in))
        bias = rng.standard_normal(n_out)
        out, cache = linear_forward(x, weight, bias)
        dout = rng.standard_normal(out.shape)
        expected = linear_backward(dout, cache)  # before the student's code can touch the arrays
        try:
            got = student_fn(dout.copy(), type(cache)(x.copy(), weight.copy(), bias.copy()))
        except NotImplementedError:
            return _verdict(False, "the function still raises NotImplementedError.")
        except Exception as err:  # a student's bug: report it, do not crash the notebook
            return _verdict(False, f"the function raised {type(err).__name__}: {err}")
        if not isinstance(got, tuple) or len(got) != 3:
            return _verdict(False, "return a tuple (dx, dweight, dbias).")
        for name, g, want in zip(("dx", "dweight", "dbias"), got, expected):
            g = np.asarray(g)
            if g.shape != want.shape:
                return _verdict(False, f"{name} has shape {g.shape}, expected {want.shape} (shape of x={x.shape}).")
            if not np.allclose(g, want, rtol=1e-10, atol=1e-12):
                return _verdict(False, f"{name} has the right shape but wrong values (shape of x={x.shape}).")
    return _verdict(True, "dx, dweight and dbias match the reference on three shapes.")


def check_xavier_uniform(student_fn: Callable, *, seed: int = 0) -> bool:
    """Check a student's ``xavier_uniform(shape, gain=1.0, *, rng)``.

    Draws a large sample and checks the bound ``gain * sqrt(6 / (fan_in + fan_out))``
    (every value inside it, the extremes close to it) and the standard
    deviation ``bound / sqrt(3)`` within five standard errors.
    """
    for shape, gain in [((300, 200), 1.0), ((100, 400), 5 / 3)]:
        bound = gain * np.sqrt(6.0 / sum(shape))
        try:
            w = np.asarray(student_fn(shape, gain=gain, rng=default_rng(seed)))
        except NotImplementedError:
            return _verdict(False, "the function still raises NotImplementedError.")
        except Exception as err:  # a student's bug: report it, do not crash the notebook
            return _verdict(False, f"the function raised {type(err).__name__}: {err}")
        if w.shape != shape:
            return _verdict(False, f"expected an array of shape {shape}, got {w.shape}.")
        if np.abs(w).max() > bound:
            return _verdict(False, f"values exceed the bound {bound:.4f} for shape {shape}, gain {gain:.3g}.")
        if np.abs(w).max() < 0.99 * bound:
            return _verdict(False, f"values stay well inside the bound {bound:.4f}: is the range too narrow?")
        std_err = bound / np.sqrt(3) / np.sqrt(2 * w.size)
        if abs(w.std() - bound / np.sqrt(3)) > 5 * std_err:
            return _verdict(False, f"the standard deviation {w.std():.4f} is not that of U(-a, a).")
    return _verdict(True, "bounds and spread match Glorot & Bengio's uniform initialization.")


def check_number(answer: float | None, expected: float, *, name: str = "answer", rtol: float = 1e-3) -> bool:
    """Check a numeric answer against the expected value to relative tolerance ``rtol``."""
    if answer is None or answer is ...:
        return _verdict(False, f"set {name} to your value first.")
    if not np.isfinite(answer) or not np.isclose(answer, expected, rtol=rtol, atol=0.0):
        return _verdict(False, f"{name} = {answer!r} is not right; try again.")
    return _verdict(True, f"{name} = {expected:.4g}.")
