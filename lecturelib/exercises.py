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

__all__ = ["check_linear_backward"]


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
        try:
            got = student_fn(dout, cache)
        except NotImplementedError:
            return _verdict(False, "the function still raises NotImplementedError.")
        except Exception as err:  # a student's bug: report it, do not crash the notebook
            return _verdict(False, f"the function raised {type(err).__name__}: {err}")
        if not isinstance(got, tuple) or len(got) != 3:
            return _verdict(False, "return a tuple (dx, dweight, dbias).")
        for name, g, want in zip(("dx", "dweight", "dbias"), got, linear_backward(dout, cache)):
            g = np.asarray(g)
            if g.shape != want.shape:
                return _verdict(False, f"{name} has shape {g.shape}, expected {want.shape} (shape of x={x.shape}).")
            if not np.allclose(g, want, rtol=1e-10, atol=1e-12):
                return _verdict(False, f"{name} has the right shape but wrong values (shape of x={x.shape}).")
    return _verdict(True, "dx, dweight and dbias match the reference on three shapes.")
