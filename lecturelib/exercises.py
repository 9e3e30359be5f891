"""Automatic checkers for the chapters' exercises.

A checker calls the student's function on seeded random inputs, compares it
with an answer derived independently (finite differences, a defining
property), and *prints* a short verdict (it never raises for a wrong answer,
so that a notebook keeps running).  It returns ``True`` when the answer is
correct.  The chapters never show the code a checker expects: the exercise
is to write it.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from . import default_rng
from ._validation import check_int, check_number
from .activations import elu, elu_grad
from .gradcheck import numerical_gradient
from .losses import softmax

__all__ = ["check_softmax_backward", "check_orthogonal", "check_answer", "check_leaky_relu_gain",
           "check_sigmoid_factor", "check_elu", "check_gelu_minimum", "check_batchnorm_forward",
           "check_running_mean_steps"]


def _verdict(ok: bool, message: str) -> bool:
    print(("Correct! " if ok else "Not yet: ") + message)
    return ok


def _call(student_fn: Callable, *args: Any, **kwargs: Any) -> tuple[Any, str | None]:
    """Run the student's function; return ``(result, None)`` or ``(None, reason it failed)``."""
    try:
        return student_fn(*args, **kwargs), None
    except NotImplementedError:
        return None, "the function still raises NotImplementedError."
    except Exception as err:  # a student's bug: report it, do not crash the notebook
        return None, f"the function raised {type(err).__name__}: {err}"


def check_softmax_backward(student_fn: Callable, *, seed: int = 0) -> bool:
    r"""Check a student's ``softmax_backward(dout, p) -> dz``.

    ``p = softmax(z)`` row by row and ``dout = dL/dp``; the answer is
    ``dL/dz``, the product of ``dout`` with the Jacobian of the softmax. The
    reference is a finite-difference gradient of
    :math:`L(z) = \sum_{n,k} \text{dout}_{nk}\,\operatorname{softmax}(z)_{nk}`,
    so the checker never runs a closed form the student could copy.
    """
    seed = check_int(seed, "seed", low=0)
    rng = default_rng(seed)
    for n, k in [(3, 4), (1, 2), (5, 7)]:
        z = 2.0 * rng.standard_normal((n, k))
        dout = rng.standard_normal((n, k))
        p = softmax(z)
        want = numerical_gradient(lambda v: float(np.sum(dout * softmax(v))), z.copy())
        got, failed = _call(student_fn, dout.copy(), p.copy())
        if failed:
            return _verdict(False, failed)
        got = np.asarray(got, dtype=float)
        if got.shape != z.shape:
            return _verdict(False, f"dz must have the shape of p, {z.shape}, got {got.shape}.")
        if not np.allclose(got, want, rtol=1e-6, atol=1e-8):
            if np.allclose(got, dout * p * (1 - p), rtol=1e-6, atol=1e-8):
                return _verdict(False, "that is only the diagonal of the Jacobian: every p_j depends "
                                       "on every z_k.")
            return _verdict(False, f"dz differs from finite differences for a batch of shape {z.shape}.")
    return _verdict(True, "dz matches finite differences on three batch shapes.")


def check_orthogonal(student_fn: Callable, *, seed: int = 0, n_draws: int = 400) -> bool:
    r"""Check a student's ``orthogonal(shape, *, rng)`` for 2-D shapes.

    Three properties, each derived from the definition rather than from a
    reference implementation:

    1. the rows (wide shapes) or columns (tall shapes) are orthonormal;
    2. a fresh ``rng`` gives a fresh matrix;
    3. the matrix is *uniformly* distributed over orthogonal matrices. Under
       that distribution every entry has mean zero; a QR factorisation
       without the sign correction of Mezzadri (2007) gives
       :math:`Q_{11} < 0` nearly always. The checker averages :math:`Q_{11}`
       over ``n_draws`` draws of a square matrix and asks that the mean be
       within five standard errors (:math:`1/\sqrt{n\,\cdot\,\text{draws}}`) of zero,
       and the same for :math:`Q_{11} Q_{22}` (which a random overall sign
       flip cannot fake).
    """
    seed = check_int(seed, "seed", low=0)
    n_draws = check_int(n_draws, "n_draws", low=10)
    rng = default_rng(seed)
    for shape in [(6, 6), (3, 7), (7, 3)]:
        w, failed = _call(student_fn, shape, rng=rng)
        if failed:
            return _verdict(False, failed)
        w = np.asarray(w, dtype=float)
        if w.shape != shape:
            return _verdict(False, f"expected an array of shape {shape}, got {w.shape}.")
        gram = w @ w.T if shape[0] <= shape[1] else w.T @ w
        if not np.allclose(gram, np.eye(min(shape)), atol=1e-8):
            side = "rows" if shape[0] <= shape[1] else "columns"
            return _verdict(False, f"the {side} of a {shape} result are not orthonormal.")
    n = 6
    corner, product = [], []
    for i in range(n_draws):
        q, failed = _call(student_fn, (n, n), rng=rng)
        if failed:
            return _verdict(False, failed)
        q = np.asarray(q, dtype=float)
        if i == 1 and np.allclose(q, previous):
            return _verdict(False, "two calls gave the same matrix: draw it from rng.")
        previous = q
        corner.append(float(q[0, 0]))
        product.append(float(q[0, 0] * q[1, 1]))
    not_uniform = ("the matrices are orthogonal but not uniformly distributed: draw the matrix "
                   "from a Gaussian, and look at what QR leaves undetermined.")
    if abs(np.mean(corner)) > 5 / math.sqrt(n * n_draws):
        return _verdict(False, f"over {n_draws} draws the top-left entry averages {np.mean(corner):+.2f}, "
                               f"not zero: {not_uniform}")
    if abs(np.mean(product)) > 5 / (n * math.sqrt(n_draws)):
        return _verdict(False, f"over {n_draws} draws Q[0,0]*Q[1,1] averages {np.mean(product):+.2f}, "
                               f"not zero: {not_uniform}")
    return _verdict(True, "orthonormal, freshly drawn, and uniformly distributed.")


def check_answer(
    answer: Any, expected: float, *, name: str = "answer", decimals: int,
    mistakes: Mapping[float, str] | None = None,
) -> bool:
    """Check a number the question asks for to ``decimals`` decimal places.

    An answer is right when it is within half a unit of its last asked-for
    decimal of the exact value, i.e. when it is the exact value rounded to
    ``decimals`` places (or closer). For ``expected = 1.3868`` and
    ``decimals=2``, 1.39 and 1.387 are right; 1.38 and 1.40 are not.

    Parameters
    ----------
    answer : float or None
        The student's value; ``None`` (or ``...``) means "not answered yet".
    expected : float
        The exact value.
    name : str, default "answer"
        The variable's name, used in the verdict.
    decimals : int
        The precision the question asks for, ``>= 0``.
    mistakes : mapping of float to str, optional
        Values a plausible mistake gives, each with a hint printed when the
        answer matches it to the same precision.
    """
    expected = check_number(expected, "expected")
    decimals = check_int(decimals, "decimals", low=0)
    if answer is None or answer is ...:
        return _verdict(False, f"set {name} to your value first.")
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return _verdict(False, f"{name} must be a number, got {answer!r}.")
    # half a unit in the last decimal, plus room for the binary representation of the answer
    tolerance = 0.5 * 10.0**-decimals * (1 + 1e-9)
    if not math.isfinite(value) or abs(value - expected) > tolerance:
        for wrong, hint in (mistakes or {}).items():
            if abs(value - wrong) <= tolerance:
                return _verdict(False, f"{name} = {answer!r}: {hint}")
        return _verdict(False, f"{name} = {answer!r} is not right to {decimals} decimals; try again.")
    return _verdict(True, f"{name} = {expected:.{decimals + 2}f}.")


def check_leaky_relu_gain(answer: Any, *, negative_slope: float = 0.2) -> bool:
    r"""Check the He-style gain of a leaky ReLU, asked to two decimals.

    The expected value, :math:`\sqrt{2 / (1 + a^2)}`, is computed here so that
    the exercise cell does not show it; three plausible slips get a hint.
    """
    a = check_number(negative_slope, "negative_slope", low=0.0, high=1.0, high_inclusive=False)
    mistakes = {
        math.sqrt(2 / (1 + a)): "the negative side contributes a**2 * z**2, not a * z**2.",
        2 / (1 + a * a): "that is the variance factor; the gain scales the standard deviation.",
        (1 + a * a) / 2: "that is E[f(z)^2] / Var(z); the gain is what makes up for it.",
    }
    return check_answer(answer, math.sqrt(2 / (1 + a * a)), name="leaky_gain", decimals=2, mistakes=mistakes)


def check_sigmoid_factor(answer: Any) -> bool:
    r"""Check the factor by which one sigmoid layer with He weights scales ``||delta||``.

    Chapter 1, Exercise 2, asked to two decimals: with every unit at
    :math:`z = 0`, :math:`W^\top` multiplies :math:`\mathbb{E}\lVert\delta\rVert^2`
    by :math:`n_\text{in}\operatorname{Var}(w) = 2`, so the norm by
    :math:`\sqrt{2}`, and :math:`\sigma'(0) = 1/4` multiplies every entry:
    :math:`\sqrt{2}/4`. It is computed here so that the exercise cell does
    not show it; three plausible slips get a hint.
    """
    mistakes = {
        0.25: "sigma' alone; the weights add a factor.",
        0.5: "2 multiplies ||delta||^2, so the norm gets sqrt(2).",
        0.31: "that is the measured value; the question asks for z = 0.",
    }
    return check_answer(answer, math.sqrt(2) / 4, name="factor", decimals=2, mistakes=mistakes)


def _call_quietly(student_fn: Callable, *args: Any, **kwargs: Any) -> tuple[Any, str | None, str | None]:
    """:func:`_call` that also records the first floating-point warning (overflow, invalid, ...).

    Returns ``(result, reason it failed or None, warning message or None)``.
    NumPy's error state is set to *warn* for the call, so that a notebook
    that set ``np.seterr(all="raise")`` sees the same verdict.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
            result, failed = _call(student_fn, *args, **kwargs)
    runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    return result, failed, (str(runtime[0].message) if runtime else None)


def _first_mismatch(got: np.ndarray, want: np.ndarray, x: np.ndarray, where: np.ndarray) -> str | None:
    """``"at x = ...: expected ..., got ..."`` for the first entry in ``where`` that differs, else None."""
    bad = where & ~np.isclose(got, want, rtol=1e-6, atol=1e-12)
    if not bad.any():
        return None
    i = np.flatnonzero(bad)[0]
    return f"at x = {x.flat[i]:g}: expected {want.flat[i]:.6g}, got {got.flat[i]:.6g}"


def check_elu(student_fn: Callable, student_grad: Callable, *, alpha: float = 1.0, seed: int = 0) -> bool:
    r"""Check a student's ``elu(x, alpha=...)`` and ``elu_grad(x, alpha=...)``.

    The exercise: implement the exponential linear unit and its derivative,

    .. math::

        \operatorname{elu}(x) = \begin{cases} x & x > 0 \\ \alpha (e^x - 1) & x \le 0 \end{cases},
        \qquad
        \operatorname{elu}'(x) = \begin{cases} 1 & x > 0 \\ \alpha e^x & x \le 0 \end{cases},

    elementwise on arrays of any shape.  Both functions are called on a
    seeded ``(4, 8)`` batch of random inputs plus 0, tiny and moderate
    values and :math:`\pm 1000`, with ``alpha`` and with two other values
    (0.5 and 2), and compared with :func:`lecturelib.activations.elu` and
    :func:`~lecturelib.activations.elu_grad` (themselves tested against
    torch) to a relative 1e-6, loose enough for :math:`e^x - 1` in place of
    ``expm1``.  The answer must also be free of overflow warnings: a
    ``np.where`` evaluates ``exp(1000)`` in the branch it discards, and the
    checker says so.  At exactly :math:`x = 0`, where ELU has a kink unless
    :math:`\alpha = 1`, either one-sided derivative (:math:`\alpha`, torch's
    choice, or 1) is accepted.  Each plausible slip gets a hint: ``alpha``
    ignored, ``alpha`` on the positive side, ReLU's derivative on the
    negative side, a wrong shape, NaN or inf.

    Parameters
    ----------
    student_fn, student_grad : callable
        ``student_fn(x, alpha=alpha)`` and ``student_grad(x, alpha=alpha)``,
        ``x`` a float64 array; each returns an array of the shape of ``x``.
        They get copies of the inputs.
    alpha : float, default 1.0
        The exercise's :math:`\alpha`; checked together with 0.5 and 2.
    seed : int, default 0
        Seed of the random inputs, ``>= 0``.

    Returns
    -------
    bool
        Whether both functions are right; a verdict is printed either way.

    Examples
    --------
    >>> from lecturelib.activations import elu, elu_grad
    >>> check_elu(elu, elu_grad)
    Correct! elu and elu_grad match for alpha in (1.0, 0.5, 2.0) on 4x8 random inputs, 0 and +-1000, without overflow.
    True
    """
    alpha = check_number(alpha, "alpha")
    seed = check_int(seed, "seed", low=0)
    x = 3.0 * default_rng(seed).standard_normal((4, 8))
    x.flat[:10] = [0.0, -1000.0, 1000.0, -50.0, 50.0, -1e-8, 1e-8, -1.5, 1.5, -0.2]
    alphas = tuple(dict.fromkeys([alpha, 0.5, 2.0]))
    positive, negative, zero = x > 0, x < 0, x == 0
    stable_hint = ("exp(1000) overflows. np.where(x > 0, x, alpha * (np.exp(x) - 1)) evaluates both branches "
                   "on the whole array before it chooses: exponentiate only the negative part, "
                   "e.g. np.exp(np.minimum(x, 0)).")
    for name, student, reference in (("elu", student_fn, elu), ("elu_grad", student_grad, elu_grad)):
        for a in alphas:
            got, failed, warned = _call_quietly(student, x.copy(), alpha=a)
            if failed:
                hint = f" {stable_hint}" if "OverflowError" in failed else ""
                return _verdict(False, f"{name}: {failed}{hint}")
            try:
                got = np.asarray(got, dtype=float)
            except (TypeError, ValueError):
                return _verdict(False, f"{name} must return an array of numbers, got {type(got).__name__}.")
            if got.shape != x.shape:
                return _verdict(False, f"{name} must return an array of the shape of x, {x.shape}, got {got.shape}.")
            if warned:
                return _verdict(False, f"{name} warned ({warned}) for inputs up to |x| = 1000: {stable_hint}")
            if not np.all(np.isfinite(got)):
                i = np.flatnonzero(~np.isfinite(got))[0]
                return _verdict(False, f"{name} returned {got.flat[i]} at x = {x.flat[i]:g}; it is finite everywhere.")
            want = reference(x, alpha=a)
            if name == "elu_grad":
                want = np.where(zero & np.isclose(got, 1.0), 1.0, want)  # either one-sided derivative at the kink
            if np.allclose(got, want, rtol=1e-6, atol=1e-12):
                continue
            return _verdict(False, _elu_hint(name, got, want, x, a, positive, negative))
    return _verdict(True, f"elu and elu_grad match for alpha in {alphas} on 4x8 random inputs, 0 and +-1000, "
                          "without overflow.")


def _elu_hint(name: str, got: np.ndarray, want: np.ndarray, x: np.ndarray, a: float,
              positive: np.ndarray, negative: np.ndarray) -> str:
    """The hint for a wrong ``elu`` or ``elu_grad`` with ``alpha=a``: which slip it looks like."""

    def near(u: Any, v: Any, where: np.ndarray) -> bool:
        return bool(np.allclose(np.broadcast_to(u, x.shape)[where], np.broadcast_to(v, x.shape)[where],
                                rtol=1e-6, atol=1e-12))

    if name == "elu":
        if a != 1.0 and near(got, elu(x, alpha=1.0), negative):
            return f"elu ignores alpha (alpha={a} gave alpha=1's values): for x <= 0 it is alpha * (exp(x) - 1)."
        if a != 1.0 and near(got, a * x, positive):
            return "elu multiplies the positive side by alpha: for x > 0 ELU is x itself."
        side, mismatch = "x > 0", _first_mismatch(got, want, x, positive)
        if mismatch is None:
            side, mismatch = "x <= 0", _first_mismatch(got, want, x, ~positive)
        return f"elu(x, alpha={a}) is wrong for {side}, {mismatch}."
    if near(got, 0.0, negative):
        return "elu_grad is 0 for x < 0, ReLU's derivative: ELU's slope there is alpha * exp(x)."
    if a != 1.0 and near(got, elu_grad(x, alpha=1.0), negative):
        return f"elu_grad ignores alpha (alpha={a} gave alpha=1's values): for x < 0 it is alpha * exp(x)."
    if near(got, elu(x, alpha=a), negative):
        return "elu_grad returns elu(x) for x < 0; the derivative of alpha * (exp(x) - 1) is alpha * exp(x)."
    mismatch = _first_mismatch(got, want, x, positive)
    if mismatch is not None:
        return f"elu_grad(x, alpha={a}) is wrong for x > 0, {mismatch}: the slope there is 1."
    mismatch = _first_mismatch(got, want, x, negative)
    if mismatch is not None:
        return f"elu_grad(x, alpha={a}) is wrong for x < 0, {mismatch}."
    return f"elu_grad(x, alpha={a}) is wrong at x = 0: expected alpha = {a} (torch's choice) or 1."


def _gelu_minimum() -> tuple[float, float]:
    """``(min_z z Phi(z), argmin)`` by Newton's method on ``Phi(z) + z phi(z) = 0`` from ``z = -0.75``."""
    z = -0.75
    for _ in range(50):
        phi = math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
        big_phi = 0.5 * (1 + math.erf(z / math.sqrt(2)))
        g, dg = big_phi + z * phi, phi * (2 - z * z)  # d/dz [Phi + z phi] = phi + phi - z^2 phi
        z -= g / dg
    return z * 0.5 * (1 + math.erf(z / math.sqrt(2))), z


def check_gelu_minimum(answer: Any) -> bool:
    r"""Check the smallest value of GELU, :math:`\min_z z\,\Phi(z)`, asked to three decimals.

    The value is computed here (Newton's method on the condition
    :math:`\Phi(z) + z\varphi(z) = 0`) so that the exercise cell does not
    show it; two plausible slips get a hint.
    """
    value, where = _gelu_minimum()
    mistakes = {
        where: "that is where the minimum is; the question asks for GELU's value there.",
        -value: "GELU is negative at its minimum.",
    }
    return check_answer(answer, value, name="gelu_min", decimals=3, mistakes=mistakes)


# ------------------------------------------------------------ Chapter 4: batch normalization

_BN_EPS = 1e-5  # torch.nn.BatchNorm1d's default eps, the default of the student's function


def _batchnorm_reference(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    """Training-mode batch norm of ``x`` (N, D): each feature over the batch, biased variance."""
    centred = x - x.mean(axis=0)
    var = np.mean(centred**2, axis=0)  # two passes: the mean first, then the squares
    return gamma * centred / np.sqrt(var + eps) + beta


def _batchnorm_cases(seed: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, float]]]:
    """The checker's inputs: ``(x, gamma, beta, keyword arguments)``, all float64.

    Batches of 3 and 2 standard-normal rows, then two batches of 64 whose
    features have means 0, 100, 0, 0, -100 and standard deviations 1, 1,
    0.001 (below sqrt(eps)), 1000, 0.01, plus a constant feature (all
    zeros, like a dead ReLU unit); the last batch passes ``eps=0.01``.
    """
    rng = default_rng(seed)
    scale = np.array([1.0, 1.0, 1e-3, 1e3, 1e-2, 0.0])
    offset = np.array([0.0, 100.0, 0.0, 0.0, -100.0, 0.0])
    cases = []
    for n, d, kwargs in [(3, 4, {}), (2, 3, {}), (64, 6, {}), (64, 6, {"eps": 0.01})]:
        x = rng.standard_normal((n, d))
        if d == scale.size:
            x = x * scale + offset
        gamma = rng.uniform(0.5, 2.0, d) * rng.choice([-1.0, 1.0], d)
        cases.append((x, gamma, rng.standard_normal(d), kwargs))
    return cases


def _batchnorm_output(got: Any, x: np.ndarray, call: str) -> tuple[np.ndarray | None, str | None]:
    """``(out as a float64 array, None)``, or ``(None, what is wrong)`` if it has the wrong type, shape or NaN."""
    if isinstance(got, tuple):
        return None, f"the function returned a tuple of {len(got)}; return only out, an array of shape {x.shape}."
    try:
        raw = np.asarray(got)
        out = raw.astype(float)
    except (TypeError, ValueError):
        return None, f"out must be an array of numbers, got {type(got).__name__}."
    if out.shape != x.shape:
        return None, f"out must have the shape of x, {x.shape}, got {out.shape} ({call})."
    if raw.dtype.kind == "f" and raw.dtype.itemsize < 8:
        return None, f"out has dtype {raw.dtype}; the inputs are float64: keep them in float64."
    if not np.all(np.isfinite(out)):
        i, j = np.argwhere(~np.isfinite(out))[0]
        if np.ptp(x[:, j]) == 0:
            return None, (f"out is {out[i, j]} in feature {j}, which is constant in this batch (all {x[0, j]:g}, "
                          "like a dead ReLU unit): its variance is 0, and eps inside the square root is what keeps "
                          "the division finite.")
        return None, f"out is {out[i, j]} at row {i}, feature {j} ({call}); it should be finite."
    return out, None


def _batchnorm_hint(got: np.ndarray, x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> str | None:
    """The hint for a wrong batch-norm output: which plausible slip gives ``got``, or None."""
    with np.errstate(all="ignore"):  # no eps divides 0 by 0 on the constant feature
        slips = _batchnorm_slips(x, gamma, beta, eps)
    for wrong, hint in slips:
        if np.allclose(got, wrong, rtol=1e-8, atol=1e-8):
            return hint
    mean, var = x.mean(axis=0), x.var(axis=0)
    want = _batchnorm_reference(x, gamma, beta, eps)
    bad = ~np.isclose(got, want, rtol=1e-10, atol=1e-10).all(axis=0)
    offset_large = np.abs(mean) > 100 * np.sqrt(var)
    if np.allclose(got, want, rtol=1e-4, atol=1e-4) and np.all(offset_large[bad]):
        j = int(np.flatnonzero(bad)[0])
        return (f"out is close but not right to 1e-10, and wrong only in feature {j} (mean {mean[j]:.4g}, "
                f"std {np.sqrt(var[j]):.2g}). A variance computed as mean(x**2) - mean(x)**2 cancels almost every "
                "digit when the mean is large compared with the spread: subtract the mean first, "
                "var = mean((x - mean)**2).")
    return None


def _batchnorm_slips(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> list[tuple[np.ndarray, str]]:
    """What each plausible slip computes, with its hint."""
    mean, var = x.mean(axis=0), x.var(axis=0)
    xhat = (x - mean) / np.sqrt(var + eps)
    row_mean, row_var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
    slips = [
        (gamma * (x - mean) / np.sqrt(x.var(axis=0, ddof=1) + eps) + beta,
         "that is the unbiased variance (divided by N - 1): torch normalizes with the biased variance "
         "(divide by N); the unbiased one goes only into running_var."),
        (gamma * (x - row_mean) / np.sqrt(row_var + eps) + beta,
         "each example is normalized over its features (axis=1): that is layer norm. Batch norm normalizes "
         "each feature over the batch: mean and var over axis=0."),
        (gamma * (x - mean) / (np.sqrt(var) + eps) + beta,
         "eps is added to the standard deviation: it goes inside the square root, sqrt(var + eps)."),
        (gamma * (x - mean) / (var + eps) + beta,
         "that divides by var + eps: divide by the standard deviation, sqrt(var + eps)."),
        (gamma * (x - mean) / np.sqrt(var) + beta,
         "eps is missing: divide by sqrt(var + eps), not by sqrt(var)."),
        (xhat, "that is x_hat, the normalized x: scale it by gamma and shift it by beta, out = gamma * x_hat + beta."),
        (gamma * xhat, "beta is missing: out = gamma * x_hat + beta."),
        (xhat + beta, "gamma is missing: out = gamma * x_hat + beta."),
        (beta * xhat + gamma, "gamma and beta are swapped: gamma scales x_hat, beta shifts it."),
    ]
    if eps != _BN_EPS:  # else this slip gives the right answer
        slips.append((_batchnorm_reference(x, gamma, beta, _BN_EPS),
                      f"called with eps={eps:g} the result is the one for eps={_BN_EPS:g}: use the eps argument, "
                      f"not a fixed {_BN_EPS:g}."))
    return slips


def check_batchnorm_forward(student_fn: Callable, *, seed: int = 0) -> bool:
    r"""Check a student's ``my_batchnorm_forward(x, gamma, beta, eps=1e-5) -> out``.

    The exercise: batch normalization's *training-mode* forward pass, as
    ``torch.nn.BatchNorm1d`` computes it, with NumPy only. Every feature
    ``j`` of a batch ``x`` of shape ``(N, D)`` is normalized with the mean
    and the **biased** variance (divided by :math:`N`) of its column:

    .. math::

        \mu_j = \frac{1}{N} \sum_n x_{nj}, \qquad
        \sigma^2_j = \frac{1}{N} \sum_n (x_{nj} - \mu_j)^2, \qquad
        \text{out}_{nj} = \gamma_j \frac{x_{nj} - \mu_j}{\sqrt{\sigma^2_j + \epsilon}} + \beta_j

    The expected value is computed here with plain NumPy (the tests check
    that it is torch's). The function is called on four float64 batches:
    3 and 2 random rows with the default ``eps``; then 64 rows whose
    features have means up to :math:`\pm 100`, standard deviations from
    0.001 to 1000, and one constant feature, with the default ``eps`` and
    with ``eps=0.01`` passed as a keyword. The output must have shape
    ``(N, D)``, be finite, keep float64, leave the inputs unchanged, and
    match to a relative and absolute 1e-10. (The feature with mean -100 and
    standard deviation 0.01 is what limits the absolute tolerance: its
    inputs are known to 1e-14, which divided by 0.01 is about 1e-12, and
    the sum that gives the mean adds a little more; a one-pass variance
    :math:`\overline{x^2} - \bar x^2` is off by about 1e-7 there.)

    Each plausible slip gets a hint: the unbiased variance, normalizing
    each example (layer norm), ``eps`` outside the square root or missing
    or ignored, dividing by the variance, ``gamma`` or ``beta`` missing or
    swapped, the one-pass variance, a tuple such as ``(out, cache)``,
    float32, NaN on a constant feature.

    Parameters
    ----------
    student_fn : callable
        ``student_fn(x, gamma, beta)`` and ``student_fn(x, gamma, beta,
        eps=eps)``, with ``x`` of shape (N, D) and ``gamma``, ``beta`` of
        shape (D,), returns ``out`` of shape (N, D). It gets copies of the
        inputs.
    seed : int, default 0
        Seed of the random inputs, ``>= 0``.

    Returns
    -------
    bool
        Whether the function is right; a verdict is printed either way.

    Notes
    -----
    Torch normalizes with the biased variance but puts the unbiased one,
    :math:`\frac{N}{N-1}\sigma^2`, into ``running_var`` (see
    :func:`lecturelib.layers.batchnorm_forward`).

    References
    ----------
    Ioffe, S. and Szegedy, C. (2015). Batch normalization: accelerating
    deep network training by reducing internal covariate shift. *ICML*.

    Examples
    --------
    >>> from lecturelib.layers import batchnorm_forward
    >>> def my_batchnorm_forward(x, gamma, beta, eps=1e-5):
    ...     d = x.shape[1]
    ...     return batchnorm_forward(x, gamma, beta, np.zeros(d), np.ones(d), training=True, eps=eps).out
    >>> check_batchnorm_forward(my_batchnorm_forward)
    Correct! out matches torch's training-mode BatchNorm1d for batches of 3, 2 and 64 rows, means up to +-100,
    standard deviations from 0.001 to 1000, a constant feature, and eps=1e-05 and 0.01.
    True
    """
    seed = check_int(seed, "seed", low=0)
    for x, gamma, beta, kwargs in _batchnorm_cases(seed):
        eps = kwargs.get("eps", _BN_EPS)
        call = f"x of shape {x.shape}, " + (f"eps={eps:g}" if kwargs else f"eps left at its default {_BN_EPS:g}")
        inputs = {"x": x.copy(), "gamma": gamma.copy(), "beta": beta.copy()}
        got, failed, _ = _call_quietly(student_fn, *inputs.values(), **kwargs)
        if failed:
            return _verdict(False, failed)
        for name, original in zip(inputs, (x, gamma, beta)):
            if not np.array_equal(inputs[name], original):
                return _verdict(False, f"the function changed its argument {name} in place (e.g. x -= mean): "
                                       "a forward pass leaves its inputs alone; compute a new array (x - mean).")
        out, failed = _batchnorm_output(got, x, call)
        if failed:
            return _verdict(False, failed)
        want = _batchnorm_reference(x, gamma, beta, eps)
        if np.allclose(out, want, rtol=1e-10, atol=1e-10):
            continue
        hint = _batchnorm_hint(out, x, gamma, beta, eps)
        if hint is not None:
            return _verdict(False, f"{hint} ({call})")
        i, j = np.unravel_index(np.argmax(np.abs(out - want)), x.shape)
        return _verdict(False, f"out is wrong for {call}: at row {i}, feature {j} (batch mean "
                               f"{x[:, j].mean():.4g}, std {x[:, j].std():.2g}) expected {want[i, j]:.10g}, "
                               f"got {out[i, j]:.10g}.")
    return _verdict(True, "out matches torch's training-mode BatchNorm1d for batches of 3, 2 and 64 rows, means up to "
                          "+-100, standard deviations from 0.001 to 1000, a constant feature, and eps=1e-05 and 0.01.")


def _steps_within(momentum: Fraction, gap: Fraction) -> int:
    """Smallest ``n`` with ``(1 - momentum)**n <= gap``: exact arithmetic, no rounding at the boundary."""
    n, remaining = 0, Fraction(1)
    while remaining > gap:
        remaining *= 1 - momentum
        n += 1
    return n


def check_running_mean_steps(answer: Any) -> bool:
    r"""Check the number of training steps a running mean needs to come within 1 % of a constant batch mean.

    The question: a ``BatchNorm1d`` layer with torch's default momentum
    :math:`m = 0.1` starts with ``running_mean`` 0, and every training batch
    has mean exactly 5 in that feature. After how many steps is the running
    mean at least 4.95 for the first time? Torch's update
    :math:`r \leftarrow (1 - m)\,r + m\,\mu` leaves a gap of
    :math:`5 (1 - m)^n` after :math:`n` steps, so the answer is the smallest
    :math:`n` with :math:`0.9^n \le 0.01`. It is computed here in exact
    arithmetic so that the exercise cell does not show it. The answer is a
    count: it must be exact (an integral float such as ``44.0`` is fine).
    Plausible slips get a hint: the time constant :math:`1/m`, 10 % instead
    of 1 %, the reversed momentum convention (CS231n's and Keras's, where
    ``momentum`` weights the old value), one step short or one too many.
    """
    momentum, gap, target = Fraction(1, 10), Fraction(1, 100), 5
    steps = _steps_within(momentum, gap)
    keep, tau, threshold = 1 - momentum, int(1 / momentum), float(target * (1 - gap))

    def running(n: int) -> float:
        return float(target * (1 - keep**n))

    mistakes = {
        tau: (f"1/momentum = {tau} steps is the time constant: after {tau} steps the running mean is only "
              f"{running(tau):.2f}, {running(tau) / target:.0%} of the way (roughly 1 - 1/e)."),
        _steps_within(momentum, 10 * gap): (f"that is within {float(10 * gap):.0%} of {target}; the question asks for "
                                            f"{float(gap):.0%} ({threshold:g})."),
        _steps_within(keep, gap): ("that is the reversed convention: in torch momentum weights the new value, "
                                   "r = (1 - momentum) * r + momentum * batch_mean."),
        steps - 1: (f"one step short: {float(keep):g}**{steps - 1} = {float(keep**(steps - 1)):.4f} is still just "
                    f"above {float(gap):g}, so the running mean is {running(steps - 1):.4f} < {threshold:g}."),
        steps + 1: (f"one step too many: one step earlier the running mean is already at least {threshold:g}, and "
                    "the question asks for the first time."),
    }
    if answer is None or answer is ...:
        return _verdict(False, "set steps to your value first.")
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        return _verdict(False, f"steps must be a number, got {type(answer).__name__} {answer!r}.")
    if not isinstance(answer, numbers.Integral) and not float(answer).is_integer():
        return _verdict(False, f"steps must be a whole number of training steps, got {answer!r}.")
    n = int(answer)
    if n == steps:
        return _verdict(True, f"steps = {steps}: the running mean is {running(steps - 1):.4f} after {steps - 1} steps "
                              f"and {running(steps):.4f} after {steps}.")
    if n in mistakes:
        return _verdict(False, f"steps = {n}: {mistakes[n]}")
    return _verdict(False, f"steps = {n} is not right; try again.")
