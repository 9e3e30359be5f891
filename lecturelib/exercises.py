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
import textwrap
import warnings
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np

from . import default_rng
from ._validation import check_int, check_number
from .activations import elu, elu_grad
from .diagnostics import LEARNING_CURVE_LABELS, Diagnosis, diagnose_learning_curves
from .gradcheck import numerical_gradient
from .losses import softmax
from .optim import adam_step

__all__ = ["check_softmax_backward", "check_orthogonal", "check_answer", "check_leaky_relu_gain",
           "check_sigmoid_factor", "check_elu", "check_gelu_minimum", "check_batchnorm_forward",
           "check_running_mean_steps", "check_adam_step", "check_range_test_choice", "RangeTestBand",
           "range_test_band", "check_dropout_forward", "CURVE_LABEL_SYNONYMS", "check_curve_diagnoses",
           "check_trainable_counts", "TRANSFER_CHOICES", "TRANSFER_CHOICE_SYNONYMS", "check_transfer_choices"]


#: Verdicts are wrapped to the width of the book's printed lines.
VERDICT_WIDTH = 76


def _wrap(line: str) -> str:
    """``line`` wrapped at :data:`VERDICT_WIDTH`, continuation lines indented two more spaces."""
    if len(line) <= VERDICT_WIDTH:
        return line
    indent = line[:len(line) - len(line.lstrip())]
    return textwrap.fill(line, VERDICT_WIDTH, subsequent_indent=indent + "  ", break_long_words=False,
                         break_on_hyphens=False)


def _verdict(ok: bool, message: str) -> bool:
    text = ("Correct! " if ok else "Not yet: ") + message
    print("\n".join(_wrap(line) for line in text.split("\n")))
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


def _float64_like(got: Any, x: np.ndarray, call: str, *, inputs: str) -> tuple[np.ndarray | None, str | None]:
    """``(got as a float64 array, None)``, or ``(None, what is wrong)``: a tuple, not numbers, x's shape, float64.

    ``inputs`` ends the message for a lower precision, e.g. "x is float64: keep it in float64".
    """
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
        return None, f"out has dtype {raw.dtype}; {inputs}."
    return out, None


def _batchnorm_output(got: Any, x: np.ndarray, call: str) -> tuple[np.ndarray | None, str | None]:
    """``(out as a float64 array, None)``, or ``(None, what is wrong)`` if it has the wrong type, shape or NaN."""
    out, failed = _float64_like(got, x, call, inputs="the inputs are float64: keep them in float64")
    if failed:
        return None, failed
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


# ------------------------------------------------------------ Chapter 5: optimizers

#: ``torch.optim.Adam``'s defaults, also the defaults of the student's ``my_adam_step``.
_ADAM_DEFAULTS: dict[str, Any] = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8}
_ADAM_STEPS = 25
_ADAM_KEYS = ("step", "exp_avg", "exp_avg_sq")


class _AdamCase(NamedTuple):
    """One parameter the checker trains: its start, its gradients and the keywords passed."""

    param: np.ndarray       # initial value, float64
    grads: np.ndarray       # (steps, *param.shape): the gradient of every step
    scale: np.ndarray       # (*param.shape): each entry's gradient scale, for the tolerances
    kwargs: dict[str, Any]  # keyword arguments of every call; empty: the defaults


class _AdamRun(NamedTuple):
    """Values after every step, each of shape ``(steps, *param.shape)``."""

    param: np.ndarray
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray


def _adam_cases(seed: int) -> list[_AdamCase]:
    """The checker's inputs: three float64 parameters, 25 gradients each.

    Every entry has its own gradient scale, ``10**uniform(lo, hi)``, and
    its gradient is that scale times a persistent drift plus unit noise, so
    that its sign often flips. The first parameter has scales down to 1e-7,
    where ``eps = 1e-8`` matters, and its first entry never gets a gradient
    (like a dead unit: :math:`m = v = 0` there). The second is called with
    ``lr=0.05, betas=(0.8, 0.99), eps=1e-3`` as keywords.
    """
    rng = default_rng(seed)
    settings = [((5,), {}, (-7.0, 1.0)),
                ((3, 4), {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-3}, (-4.0, 1.0)),
                ((2, 3, 2), {}, (-2.0, 2.0))]
    cases = []
    for shape, kwargs, (low, high) in settings:
        scale = 10.0 ** rng.uniform(low, high, shape)
        grads = scale * (rng.standard_normal(shape) + rng.standard_normal((_ADAM_STEPS, *shape)))
        if shape == (5,):
            grads[:, 0] = 0.0
        cases.append(_AdamCase(rng.standard_normal(shape), grads, scale, kwargs))
    return cases


def _adam_hyper(case: _AdamCase) -> tuple[float, float, float, float]:
    """``(lr, beta1, beta2, eps)`` of a case."""
    hyper = {**_ADAM_DEFAULTS, **case.kwargs}
    return hyper["lr"], *hyper["betas"], hyper["eps"]


def _adam_reference(case: _AdamCase) -> _AdamRun:
    """Adam's values after every step, by :func:`lecturelib.optim.adam_step` (tested against torch)."""
    param, state, rows = case.param.copy(), {}, []
    for grad in case.grads:
        adam_step(param, grad.copy(), state, **{**_ADAM_DEFAULTS, **case.kwargs})
        rows.append((param.copy(), state["exp_avg"].copy(), state["exp_avg_sq"].copy()))
    return _AdamRun(*(np.array(column) for column in zip(*rows)))


def _describe_adam_call(case: _AdamCase) -> str:
    if not case.kwargs:
        return f"a parameter of shape {case.param.shape}, default hyper-parameters"
    return f"a parameter of shape {case.param.shape}, " + ", ".join(f"{k}={v}" for k, v in case.kwargs.items())


def _running_average(grads: np.ndarray, update: Callable[[np.ndarray, np.ndarray, int], np.ndarray],
                     value: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """What a state entry holds after every step: ``avg <- update(avg, value(grad), t)`` from zero."""
    avg, out = np.zeros_like(grads[0]), []
    for t, grad in enumerate(grads, start=1):
        avg = update(avg, value(grad), t)
        out.append(avg)
    return np.array(out)


def _average_slips(case: _AdamCase, key: str) -> list[tuple[np.ndarray, str]]:
    """What plausible slips store in ``state[key]`` (``exp_avg`` or ``exp_avg_sq``) after every step, with hints."""
    _, beta1, beta2, _ = _adam_hyper(case)
    first = key == "exp_avg"
    beta, other = (beta1, beta2) if first else (beta2, beta1)
    default = _ADAM_DEFAULTS["betas"][0 if first else 1]
    sym, b, x = ("m", "beta1", "grad") if first else ("v", "beta2", "grad * grad")
    right = f"{sym} = {b} * {sym} + (1 - {b}) * {x}"
    square = (lambda g: g) if first else (lambda g: g * g)

    def run(update: Callable[[np.ndarray, np.ndarray, int], np.ndarray],
            value: Callable[[np.ndarray], np.ndarray] = square) -> np.ndarray:
        return _running_average(case.grads, update, value)

    slips = [
        (run(lambda a, g, t: (1 - beta) * a + beta * g),
         f"{key} has the weights swapped: {right} keeps most of the old average and adds a little of the new "
         f"{'gradient' if first else 'squared gradient'}."),
        (run(lambda a, g, t: beta * a + g),
         f"{key} adds the whole {x}: {right} is an average; without the factor (1 - {b}) it is a sum that "
         f"grows to {x} / (1 - {b})."),
        (run(lambda a, g, t: (beta * a + (1 - beta) * g) / (1 - beta**t)),
         f"state['{key}'] holds the bias-corrected {sym}_hat: keep the raw average {sym} in the state and compute "
         f"{sym}_hat = {sym} / (1 - {b}**t) as a new array ({sym}_hat = {sym} / ..., not {sym} /= ...)."),
        (run(lambda a, g, t: np.zeros_like(a)),
         f"state['{key}'] stays 0: {sym} = {b} * {sym} + ... makes a new array that the dict does not see. "
         f"Store it back (state['{key}'] = {sym}) or update the array in place ({sym} *= {b}; {sym} += ...)."),
        (run(lambda a, g, t: other * a + (1 - other) * g),
         f"{key} decays with {'beta2' if first else 'beta1'}: betas is (beta1, beta2), and {sym} uses {b}."),
    ]
    if not first:
        slips += [
            (run(lambda a, g, t: beta * a + (1 - beta) * g, value=lambda g: g),
             "exp_avg_sq averages grad: it is the average of the squared gradient, "
             "v = beta2 * v + (1 - beta2) * grad * grad."),
            (run(lambda a, g, t: beta * a + (1 - beta) * g, value=np.abs),
             "exp_avg_sq averages |grad|: it is the average of the squared gradient, grad * grad."),
        ]
    if beta != default:  # else this slip gives the right answer
        slips.append((run(lambda a, g, t: default * a + (1 - default) * g),
                      f"called with betas={case.kwargs['betas']} {key} decays with {default}: use the betas "
                      f"argument (beta1, beta2 = betas), not a fixed {default}."))
    return slips


def _update_slips(case: _AdamCase, ref: _AdamRun) -> list[tuple[np.ndarray, str]]:
    """``param`` after every step for plausible slips in the update (with the right m and v), with hints."""
    lr, beta1, beta2, eps = _adam_hyper(case)
    t = np.arange(1.0, _ADAM_STEPS + 1).reshape(-1, *[1] * case.param.ndim)
    bc1, bc2 = 1 - beta1**t, 1 - beta2**t
    m, v = ref.exp_avg, ref.exp_avg_sq
    m_hat, v_hat = m / bc1, v / bc2

    def run(step: np.ndarray) -> np.ndarray:
        return case.param - np.cumsum(step, axis=0)

    slips = [
        (run(lr * m / (np.sqrt(v) + eps)),
         "no bias correction: m and v start at 0, so in the first steps they are far too small. Divide them by "
         "1 - beta1**t and 1 - beta2**t: m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t)."),
        (run(lr * m / (np.sqrt(v_hat) + eps)),
         "m is not bias-corrected: the update uses m_hat = m / (1 - beta1**t)."),
        (run(lr * m_hat / (np.sqrt(v) + eps)),
         "v is not bias-corrected: the square root is taken of v_hat = v / (1 - beta2**t)."),
        (run(lr * (m / bc2) / (np.sqrt(v / bc1) + eps)),
         "the bias corrections are swapped: m_hat = m / (1 - beta1**t) and v_hat = v / (1 - beta2**t)."),
        (run(lr * m_hat / (np.sqrt(v) / bc2 + eps)),
         "v's bias correction needs the square root too: sqrt(v_hat) = sqrt(v) / sqrt(1 - beta2**t), "
         "not sqrt(v) / (1 - beta2**t)."),
        (run(lr * m_hat / np.sqrt(v_hat + eps)),
         "eps is inside the square root: torch adds it outside, sqrt(v_hat) + eps."),
        (run(lr * np.sqrt(bc2) / bc1 * m / (np.sqrt(v) + eps)),
         "eps is added to sqrt(v) before the bias correction (the 'efficient' form at the end of Kingma and Ba's "
         "Section 2): torch adds it to the corrected root, sqrt(v_hat) + eps, which differs while 1 - beta2**t "
         "is small."),
        (run(lr * m_hat / np.sqrt(v_hat)),
         "eps is missing: where the gradient is always 0, m_hat / sqrt(v_hat) is 0 / 0. Divide by "
         "sqrt(v_hat) + eps."),
        (run(lr * m_hat / (v_hat + eps)),
         "that divides by v_hat: divide by its square root, sqrt(v_hat) + eps."),
        (2 * case.param - ref.param,
         "param moves uphill: Adam subtracts its step, param -= lr * m_hat / (sqrt(v_hat) + eps)."),
    ]
    if lr != _ADAM_DEFAULTS["lr"]:
        slips.append((case.param + (ref.param - case.param) * _ADAM_DEFAULTS["lr"] / lr,
                      f"called with lr={lr} the steps are those of lr={_ADAM_DEFAULTS['lr']}: use the lr argument."))
    if eps != _ADAM_DEFAULTS["eps"]:
        slips.append((run(lr * m_hat / (np.sqrt(v_hat) + _ADAM_DEFAULTS["eps"])),
                      f"called with eps={eps} the steps are those of eps={_ADAM_DEFAULTS['eps']}: use the eps "
                      "argument."))
    return slips


def _close(got: np.ndarray, want: np.ndarray, atol: Any, rtol: float = 1e-9) -> np.ndarray:
    """Elementwise: ``|got - want| <= atol + rtol * |want|``, or both NaN, or equal (e.g. the same infinity)."""
    with np.errstate(invalid="ignore", over="ignore"):
        near = np.abs(got - want) <= atol + rtol * np.abs(want)
    return near | (np.isnan(got) & np.isnan(want)) | (got == want)


def _first_difference(name: str, got: np.ndarray, want: np.ndarray, atol: Any, call: str,
                      rtol: float = 1e-9) -> str:
    """``"name differs from torch's Adam after step t (call): at index ... expected ..., got ..."``."""
    step, *index = np.argwhere(~_close(got, want, atol, rtol))[0]
    right, wrong = want[(step, *index)], got[(step, *index)]
    return (f"{name} differs from torch's Adam after step {step + 1} ({call}): at index "
            f"{tuple(int(i) for i in index)} expected {right:.15g}, got {wrong:.15g} (off by {abs(wrong - right):.2g}).")


def _adam_state_problem(state: Any, t: int, shape: tuple[int, ...]) -> str | None:
    """What is wrong with the student's ``state`` after ``t`` calls, or None."""
    if not isinstance(state, dict) or not state:
        return ("state is still empty after the first call: store the step count and the averages in the dict "
                "you are given (state['step'] = ..., not state = {...}, which makes a new dict).")
    missing = [key for key in _ADAM_KEYS if key not in state]
    if missing:
        return (f"state has no key {', '.join(map(repr, missing))} after {t} call(s): torch's names are "
                "'step', 'exp_avg' and 'exp_avg_sq'.")
    try:
        step = float(state["step"])
    except (TypeError, ValueError):
        return f"state['step'] must be a number, got {type(state['step']).__name__}."
    if step != t:
        stuck = " (it does not change from call to call)" if t > 1 and step == t - 1 else ""
        return (f"state['step'] is {state['step']!r} after {t} call(s){stuck}: it counts the steps taken. Start at "
                "0 and add 1 at every call, before the bias corrections use it, so that the first step has t = 1.")
    for key in _ADAM_KEYS[1:]:
        try:
            value = np.asarray(state[key], dtype=float)
        except (TypeError, ValueError):
            return f"state['{key}'] must be an array of numbers, got {type(state[key]).__name__}."
        if value.shape != shape:
            return f"state['{key}'] must have the shape of param, {shape}, got {value.shape}."
    return None


def _run_student_adam(student_fn: Callable, case: _AdamCase, ref: _AdamRun) -> tuple[_AdamRun | None, str | None]:
    """Call the student's function for every gradient of ``case``; return its values or what went wrong."""
    param, state, rows = case.param.copy(), {}, []
    for t, grad in enumerate(case.grads, start=1):
        before, grad_in = param.copy(), grad.copy()
        returned, failed, _ = _call_quietly(student_fn, param, grad_in, state, **case.kwargs)
        if failed:
            if "ZeroDivisionError" in failed:
                failed += (". If it divides by 1 - beta1**t: t must be at least 1 there; add 1 to state['step'] "
                           "before computing the bias corrections.")
            return None, failed
        if not np.array_equal(grad_in, grad):
            return None, ("the function changed grad in place: the caller's gradient must stay as it was "
                          "(compute grad * grad as a new array, not grad **= 2).")
        problem = _adam_state_problem(state, t, param.shape)
        if problem:
            return None, problem
        if t == 1 and np.array_equal(param, before):  # Adam's first step moves every entry with a gradient
            returned_right = (isinstance(returned, np.ndarray) and returned.shape == param.shape
                              and np.allclose(returned, ref.param[t - 1], rtol=1e-9, atol=1e-11))
            also = (" The function returned the new values: torch's optimizers change the parameters in place, "
                    "so write them into param instead." if returned_right else "")
            return None, ("param did not change: update the array you are given in place, param -= ... "
                          f"(param = param - ... makes a new array and leaves the caller's as it was).{also}")
        rows.append((param.copy(), np.array(state["exp_avg"], dtype=float),
                     np.array(state["exp_avg_sq"], dtype=float)))
    return _AdamRun(*(np.array(column) for column in zip(*rows))), None


def _adam_verdict(got: _AdamRun, case: _AdamCase, ref: _AdamRun) -> str | None:
    """The reason the student's values differ from torch's (a hint if a plausible slip explains it), or None."""
    call = _describe_adam_call(case)
    for key, atol in (("exp_avg", 1e-12 * case.scale), ("exp_avg_sq", 1e-12 * case.scale**2)):
        values, right = getattr(got, key), getattr(ref, key)
        if np.all(_close(values, right, atol)):
            continue
        for wrong, hint in _average_slips(case, key):
            with np.errstate(all="ignore"):
                if np.all(_close(values, wrong, atol)):
                    return f"{hint} ({call})"
        return _first_difference(key, values, right, atol, call)
    atol = 1e-11
    if np.all(_close(got.param, ref.param, atol, rtol=1e-12)):
        return None
    with np.errstate(all="ignore"):
        slips = _update_slips(case, ref)
    for wrong, hint in slips:
        if np.all(_close(got.param, wrong, atol, rtol=1e-12)):
            return f"{hint} ({call})"
    finite = np.isfinite(got.param)
    if not finite.all():
        step, *index = np.argwhere(~finite)[0]
        first = (" At the first step t must be 1: with t = 0 the bias corrections 1 - beta**t are 0 and the "
                 "update divides by zero." if step == 0 else "")
        return (f"param is {got.param[(step, *index)]} after step {step + 1} at index {tuple(map(int, index))} "
                f"({call}); it should stay finite.{first}")
    return _first_difference("param", got.param, ref.param, atol, call, rtol=1e-12)


def check_adam_step(student_fn: Callable, *, seed: int = 0) -> bool:
    r"""Check a student's ``my_adam_step(param, grad, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8)``.

    The exercise: one step of Adam as ``torch.optim.Adam`` takes it, with
    NumPy only, changing ``param`` and ``state`` in place. ``state`` starts
    as an empty dict; the function fills it with torch's keys ``'step'``
    (the number of steps taken, :math:`t`), ``'exp_avg'`` (:math:`m`) and
    ``'exp_avg_sq'`` (:math:`v`):

    .. math::

        t &\leftarrow t + 1 \\
        m &\leftarrow \beta_1 m + (1 - \beta_1)\, g \\
        v &\leftarrow \beta_2 v + (1 - \beta_2)\, g^2 \\
        \theta &\leftarrow \theta - \eta\, \frac{\hat m}{\sqrt{\hat v} + \epsilon}, \qquad
        \hat m = \frac{m}{1 - \beta_1^t}, \quad \hat v = \frac{v}{1 - \beta_2^t}

    The function trains three float64 parameters of shapes (5,), (3, 4) and
    (2, 3, 2) for 25 steps each on seeded gradients whose scales range from
    1e-7 to 100 (one entry never gets a gradient), the second with
    ``lr=0.05, betas=(0.8, 0.99), eps=1e-3`` as keywords, the others with
    the defaults. After every call ``state['step']`` must equal the number
    of calls (an int or a float) and ``grad`` must be unchanged; the first
    call must have changed ``param`` in place. At the end the values of ``param``, ``exp_avg`` and
    ``exp_avg_sq`` after every step are compared with Adam's, computed by
    :func:`lecturelib.optim.adam_step` (which matches ``torch.optim.Adam``
    to about 1e-13, and the tests check the checker's expected values
    against torch directly): ``exp_avg`` and ``exp_avg_sq`` to a relative
    1e-9 (plus 1e-12 times the entry's gradient scale, or its square),
    ``param`` to 1e-11. The student's function gets copies of the inputs.

    Each plausible slip gets a hint: no bias correction, or only of
    :math:`m` or of :math:`v`, or the two swapped, or :math:`\sqrt{1 -
    \beta_2^t}` without its root; :math:`\epsilon` inside the square root,
    added before the bias correction (Kingma and Ba's "efficient" form),
    missing or ignored; dividing by :math:`\hat v`; a factor
    :math:`(1 - \beta)` missing or in the wrong place (weights swapped);
    :math:`g` or :math:`|g|` instead of :math:`g^2` in :math:`v`;
    :math:`\beta_1` and :math:`\beta_2` swapped or ignored; the corrected
    averages stored in the state; ``step`` not incremented or counted from
    zero; ``param``, ``state`` or its averages rebound instead of updated
    in place; ``grad`` changed; an ascent step; ``lr`` ignored.

    Parameters
    ----------
    student_fn : callable
        ``student_fn(param, grad, state)`` and ``student_fn(param, grad,
        state, lr=..., betas=..., eps=...)``; its return value is ignored.
    seed : int, default 0
        Seed of the parameters and gradients, ``>= 0``.

    Returns
    -------
    bool
        Whether the function is right; a verdict is printed either way.

    References
    ----------
    Kingma, D. P. and Ba, J. (2015). Adam: a method for stochastic
    optimization. *ICLR*.

    Examples
    --------
    >>> from lecturelib.optim import adam_step
    >>> def my_adam_step(param, grad, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    ...     adam_step(param, grad, state, lr=lr, betas=betas, eps=eps)
    >>> check_adam_step(my_adam_step)
    Correct! param, exp_avg, exp_avg_sq and step match torch.optim.Adam over 25 steps for parameters of shapes (5,), (3, 4) and (2, 3, 2), with the default hyper-parameters and with lr=0.05, betas=(0.8, 0.99), eps=0.001.
    True
    """
    seed = check_int(seed, "seed", low=0)
    cases = _adam_cases(seed)
    for case in cases:
        ref = _adam_reference(case)
        got, failed = _run_student_adam(student_fn, case, ref)
        if failed is None:
            failed = _adam_verdict(got, case, ref)
        if failed is not None:
            return _verdict(False, failed)
    shapes = [case.param.shape for case in cases]
    other = next(case.kwargs for case in cases if case.kwargs)
    return _verdict(True, f"param, exp_avg, exp_avg_sq and step match torch.optim.Adam over {_ADAM_STEPS} steps "
                          f"for parameters of shapes {shapes[0]}, {shapes[1]} and {shapes[2]}, with the default "
                          "hyper-parameters and with " + ", ".join(f"{k}={v}" for k, v in other.items()) + ".")


class RangeTestBand(NamedTuple):
    """The learning rates :func:`check_range_test_choice` accepts, and the two readings they come from."""

    low: float          # smallest accepted learning rate
    high: float         # largest accepted learning rate
    steepest_lr: float  # where the smoothed loss falls fastest, per decade of learning rate
    min_lr: float       # where the smoothed loss is smallest


def range_test_band(lrs: Any, losses: Any, *, window: float = 0.5) -> RangeTestBand:
    r"""The band of learning rates a range test supports: between its steepest point and a tenth of its minimum.

    Two readings of the smoothed loss :math:`\bar\ell` against
    :math:`x = \log_{10}\eta` are in common use (fastai's ``lr_find``
    suggestions "steep" and "minimum"): the learning rate where the loss
    falls fastest, and one tenth of the learning rate at its minimum. The
    band runs from half the smaller reading to twice the larger one (a
    factor of two for reading a log axis by eye), but never above half the
    learning rate at the minimum:

    .. math::

        \text{low} = \tfrac12 \min(\eta_\text{steep}, \eta_\text{min} / 10), \qquad
        \text{high} = \min\bigl(2 \max(\eta_\text{steep}, \eta_\text{min} / 10),\ \eta_\text{min} / 2\bigr).

    The slope at :math:`x_i` is measured over ``window`` decades,
    :math:`(\bar\ell(x_i + w/2) - \bar\ell(x_i - w/2)) / w`, with
    :math:`\bar\ell` interpolated linearly, so that the wiggles of a noisy
    curve (and its first steps, where the moving average has seen few
    batches) do not count; the steepest point is searched among the
    :math:`x_i` whose window lies between the first learning rate and the
    minimum. (If there is no such :math:`x_i`, the slope is taken between
    neighbouring points.)

    Parameters
    ----------
    lrs : array_like of float, shape (T,)
        The learning rates of the test, positive and increasing, ``T >= 3``.
    losses : array_like of float, shape (T,)
        The smoothed losses; entries after the minimum may be inf or NaN
        (a test stops once the loss blows up).
    window : float, default 0.5
        Width in decades of the window over which the slope is measured, ``> 0``.

    Returns
    -------
    RangeTestBand
        ``low``, ``high``, ``steepest_lr`` and ``min_lr``.

    Examples
    --------
    >>> lrs = np.logspace(-5, 0, 51)
    >>> x = np.log10(lrs)
    >>> band = range_test_band(lrs, 2.0 - np.tanh(x + 3) + np.exp(4 * (x + 1)))
    >>> float(band.steepest_lr), round(band.min_lr, 3)
    (0.001, 0.02)
    """
    window = check_number(window, "window", low=0.0, low_inclusive=False)
    lrs = np.asarray(lrs, dtype=float)
    losses = np.asarray(losses, dtype=float)
    if lrs.ndim != 1 or lrs.size < 3:
        raise ValueError(f"lrs must be a 1-D array of at least 3 learning rates, got shape {lrs.shape}")
    if losses.shape != lrs.shape:
        raise ValueError(f"losses must have the shape of lrs, {lrs.shape}, got {losses.shape}")
    if not (np.all(np.isfinite(lrs)) and np.all(lrs > 0) and np.all(np.diff(lrs) > 0)):
        raise ValueError("lrs must be positive, finite and increasing")
    finite = np.isfinite(losses)
    if not finite.any():
        raise ValueError("losses has no finite entry")
    best = int(np.argmin(np.where(finite, losses, np.inf)))
    if not finite[:best + 1].all():
        raise ValueError("losses must be finite up to their minimum")
    if best == 0:
        raise ValueError("the loss is smallest at the first learning rate: the test shows no range where it falls; "
                         "start it at a smaller learning rate")
    x, s = np.log10(lrs[:best + 1]), losses[:best + 1]
    half = window / 2
    inside = (x - half >= x[0]) & (x + half <= x[-1])
    if inside.any():
        slope = (np.interp(x + half, x, s) - np.interp(x - half, x, s)) / window
        steepest = int(np.flatnonzero(inside)[np.argmin(slope[inside])])
    else:
        steepest = int(np.argmin(np.gradient(s, x)))
    steep_lr, min_lr = float(lrs[steepest]), float(lrs[best])
    low = min(steep_lr, min_lr / 10) / 2
    high = min(2 * max(steep_lr, min_lr / 10), min_lr / 2)
    return RangeTestBand(low, high, steep_lr, min_lr)


def _is_real_scalar(answer: Any) -> bool:
    """A real number: a Python or NumPy scalar, or a 0-d array or tensor; never a bool or a string."""
    if isinstance(answer, (bool, np.bool_, str, bytes)) or not hasattr(answer, "__float__"):
        return False
    if np.ndim(answer) != 0:
        return False
    dtype = getattr(answer, "dtype", None)
    if dtype is not None and ("bool" in str(dtype) or "complex" in str(dtype)):
        return False
    return isinstance(answer, numbers.Real) or dtype is not None


def check_range_test_choice(answer: Any, lrs: Any, losses: Any) -> bool:
    r"""Check a learning rate read off a learning-rate range test.

    The question gives the learning rates ``lrs`` of a range test and its
    smoothed losses, and asks for a learning rate to train with, following
    the two common readings: where the smoothed loss falls most steeply, or
    one tenth of the learning rate at its minimum. Any answer in the band of
    :func:`range_test_band` is right: from half the smaller reading to twice
    the larger, but at most half the learning rate at the minimum. A wrong
    answer gets a hint for where it lies: past the minimum (the loss
    climbs), at or next to the minimum (part (b) of the exercise asks why
    that is a poor choice, so the hint does not say), between the
    band and the minimum, below the band (the loss falls more slowly) or below
    the tested range; a negative answer gets a hint about reading
    :math:`\log_{10}` of the learning rate instead of the learning rate.

    Parameters
    ----------
    answer : float or None
        The student's ``lr_choice``: a number, also a NumPy scalar or a 0-d
        array or tensor (``rt.suggested_lr`` or ``lrs[k]``); ``None`` (or
        ``...``) means "not answered yet".
    lrs, losses : array_like of float, shape (T,)
        The range test: learning rates (positive, increasing) and smoothed
        losses, as :func:`range_test_band` takes them.

    Returns
    -------
    bool
        Whether the answer is in the band; a verdict is printed either way.

    References
    ----------
    L. N. Smith (2017). Cyclical learning rates for training neural
    networks. *WACV*.

    J. Howard and S. Gugger (2020). Fastai: a layered API for deep learning.
    *Information* 11(2), 108.

    Examples
    --------
    >>> lrs = np.logspace(-5, 0, 51)
    >>> x = np.log10(lrs)
    >>> losses = 2.0 - np.tanh(x + 3) + np.exp(4 * (x + 1))
    >>> check_range_test_choice(0.003, lrs, losses)
    Correct! lr_choice = 0.003 is where the smoothed loss still falls fast: it falls most steeply near 0.001, and a tenth of the learning rate at its minimum is 0.002.
    True
    """
    band = range_test_band(lrs, losses)
    lrs = np.asarray(lrs, dtype=float)
    if answer is None or answer is ...:
        return _verdict(False, "set lr_choice to your value first.")
    if not _is_real_scalar(answer):
        return _verdict(False, f"lr_choice must be a number, got {type(answer).__name__} {answer!r}.")
    value = float(answer)  # also a 0-d NumPy array or torch tensor
    name = f"lr_choice = {value:.3g}"
    readings = (f"it falls most steeply near {band.steepest_lr:.2g}, and a tenth of the learning rate at its "
                f"minimum is {band.min_lr / 10:.2g}")
    if not math.isfinite(value):
        return _verdict(False, f"lr_choice must be a finite number, got {answer!r}.")
    if value < 0:
        return _verdict(False, f"{name}: a learning rate is positive. If you read log10 of the learning rate off "
                               f"the axis, the learning rate is 10 ** {value:g} = {10 ** value:.3g}.")
    if value == 0:
        return _verdict(False, "lr_choice = 0 does not move the weights at all.")
    if band.low <= value <= band.high:
        return _verdict(True, f"{name} is where the smoothed loss still falls fast: {readings}.")
    if value > 2 * band.min_lr:
        return _verdict(False, f"{name} is past the minimum of the smoothed loss (near {band.min_lr:.2g}), where "
                               "the loss climbs: training would diverge.")
    if value >= band.min_lr / 2:
        return _verdict(False, f"{name} is at the minimum of the smoothed loss (near {band.min_lr:.2g}) or next "
                               "to it. Go down about a factor of ten.")
    if value > band.high:
        return _verdict(False, f"{name} is more than twice both readings, in the last stretch before the minimum "
                               f"(near {band.min_lr:.2g}): the loss still falls there, but more slowly than where "
                               "it falls fastest, and so close to the blow-up that a little noise tips training "
                               "over. Go lower, to where it falls fastest.")
    if value < lrs[0]:
        return _verdict(False, f"{name} is below the smallest learning rate the test tried ({lrs[0]:.2g}): "
                               "read the answer off the curve.")
    return _verdict(False, f"{name} is too small: less than half of both readings, where the smoothed loss "
                           "falls more slowly than it does further up, so training would be slower than it needs "
                           "to be. Go up, to where it falls fastest.")


# ------------------------------------------------------------ Chapter 6: dropout and learning curves

_DROPOUT_SHAPE = (400, 250)  # 100,000 entries: the kept fraction is known to about 0.0015
_DROPOUT_PS = (0.3, 0.75)    # neither is 1/2, so that "keep with probability p" shows
_DROPOUT_SIGMAS = 5.0        # statistical checks allow this many standard errors


def _global_rng_state() -> tuple[Any, ...]:
    """NumPy's legacy global state (read only), to see whether a call drew from ``np.random``."""
    _, keys, pos, has_gauss, cached = np.random.get_state()
    return keys.tobytes(), pos, has_gauss, cached


def _call_dropout(student_fn: Callable, x: np.ndarray, p: float, training: bool,
                  seed: int) -> tuple[np.ndarray | None, str | None]:
    """Call ``student_fn(x, p, training, rng)`` on a copy of ``x``; ``(out, None)`` or ``(None, what is wrong)``."""
    call = f"p={p}, training={training}"
    x_in, before = x.copy(), _global_rng_state()
    got, failed, warned = _call_quietly(student_fn, x_in, p, training, default_rng(seed))
    if failed:
        if p == 1.0 and "ZeroDivisionError" in failed:
            failed += (". At p = 1 the scale 1 / (1 - p) divides by zero, but every entry is dropped anyway: "
                       "handle p = 1 on its own, out is all zeros there.")
        return None, failed
    if _global_rng_state() != before:
        return None, ("the function drew from NumPy's global generator (np.random.rand, np.random.binomial, ...): "
                      "draw the mask from the rng it is given (rng.random(...)), so that a seed reproduces it.")
    if not np.array_equal(x_in, x):
        return None, (f"the function changed x in place ({call}), e.g. x *= mask: a forward pass leaves its input "
                      "alone; return a new array.")
    out, failed = _float64_like(got, x, call, inputs="x is float64: keep it in float64")
    if failed:
        return None, failed
    if p == 1.0 and training and not np.all(np.isfinite(out)):
        cause = f" (NumPy warned: {warned})" if warned else ""
        return None, (f"with p = 1 out holds {out[~np.isfinite(out)][0]}{cause}: every entry is dropped, so out is "
                      "all zeros, but the scale 1 / (1 - p) is 1 / 0 there and 0 * inf is nan. Handle p = 1 on "
                      "its own.")
    return out, None


def _dropout_scale_problem(out: np.ndarray, x: np.ndarray, p: float) -> str | None:
    """Why the entries of a training-mode ``out`` are not all 0 or ``x / (1 - p)``, or None if they are."""
    scaled = x / (1 - p)
    right = (out == 0) | np.isclose(out, scaled, rtol=1e-12, atol=0.0)
    if right.all():
        return None
    kept = out != 0
    ratio = out[kept] / x[kept]
    kept_fraction = float(kept.mean())
    slips = [
        (1.0, "the kept entries are x itself: inverted dropout scales them by 1 / (1 - p), so that every entry "
              "keeps its expected value, E[out] = x, and eval mode needs no change."),
        (1 - p, "the kept entries are x * (1 - p): that shrinks them where inverted dropout enlarges them. Divide "
                "by (1 - p), the probability of keeping an entry, so that E[out] = x."),
        (1 / p, "the kept entries are x / p" + (f", and about {kept_fraction:.0%} of them are kept with p = {p}"
                if abs(kept_fraction - p) < 0.02 else "") + ": in torch p is the probability of *dropping* an "
                "entry, so an entry is kept with probability 1 - p and scaled by 1 / (1 - p)."),
    ]
    for factor, hint in slips:
        if ratio.size and np.allclose(ratio, factor, rtol=1e-12, atol=0.0):
            return f"with p={p}, {hint}"
    i = np.flatnonzero(~right)[0]
    index = tuple(int(k) for k in np.unravel_index(i, x.shape))
    return (f"with p={p}, at entry {index} x = {x.flat[i]:.17g} gave out = {out.flat[i]:.17g}: every entry of out "
            f"is either 0 (dropped) or x / (1 - p) = {scaled.flat[i]:.17g} (kept), to a relative 1e-12.")


def _dropout_statistics_problem(out: np.ndarray, x: np.ndarray, p: float) -> str | None:
    """Whether about ``1 - p`` of the entries are kept and the mean of ``x`` is kept, within 5 standard errors."""
    n, kept = x.size, float(np.mean(out != 0))
    if abs(kept - (1 - p)) > _DROPOUT_SIGMAS * math.sqrt(p * (1 - p) / n):
        if abs(kept - p) <= _DROPOUT_SIGMAS * math.sqrt(p * (1 - p) / n):
            return (f"with p={p} the function keeps {kept:.1%} of the entries, about p: p is the probability of "
                    "dropping an entry, so each is kept with probability 1 - p.")
        return (f"with p={p} the function keeps {kept:.2%} of {n} entries; each entry is kept with probability "
                f"1 - p = {1 - p:g}, so that fraction should be within {_DROPOUT_SIGMAS:g} standard errors "
                f"(+-{_DROPOUT_SIGMAS * math.sqrt(p * (1 - p) / n):.2%}) of {1 - p:.0%}.")
    error = _DROPOUT_SIGMAS * math.sqrt(p / (1 - p) * np.mean(x * x) / n)
    if abs(out.mean() - x.mean()) > error:
        return (f"with p={p} the mean of out is {out.mean():.4f} but that of x is {x.mean():.4f} (allowed: "
                f"+-{error:.4f}): each entry must be dropped independently of its value, with the same "
                "probability p, so that E[out] = x.")
    return None


def _dropout_mode_problem(student_fn: Callable, x: np.ndarray, seed: int) -> str | None:
    """Eval mode, ``p = 0`` and ``p = 1``: identity, identity, zeros."""
    p = _DROPOUT_PS[0]
    out, failed = _call_dropout(student_fn, x, p, False, seed)
    if failed:
        return failed
    if not np.array_equal(out, x):
        if np.allclose(out, x * (1 - p), rtol=1e-12, atol=0.0):
            return ("in eval mode (training=False) out is x * (1 - p): that is the original dropout's test-time "
                    "scaling. Inverted dropout scales in training, so eval mode is the identity, out = x.")
        dropped = int(np.sum(out == 0))
        what = f"{dropped} entries are 0" if dropped else "out differs from x"
        return f"in eval mode (training=False) {what}: dropout is the identity there, out = x, with nothing dropped."
    out, failed = _call_dropout(student_fn, x, 0.0, True, seed)
    if failed:
        return failed
    if not np.allclose(out, x, rtol=1e-12, atol=0.0):
        return f"with p = 0 nothing is dropped and the scale is 1, so out = x; {int(np.sum(out != x))} entries differ."
    out, failed = _call_dropout(student_fn, x, 1.0, True, seed)
    if failed:
        return failed
    if np.any(out != 0):
        return f"with p = 1 every entry is dropped, so out is all zeros; {int(np.sum(out != 0))} entries are not."
    return None


def _dropout_rng_problem(student_fn: Callable, x: np.ndarray, seed: int) -> str | None:
    """The same seed gives the same output, another seed another one."""
    p = _DROPOUT_PS[0]
    outs = []
    for s in (seed, seed, seed + 1):
        out, failed = _call_dropout(student_fn, x, p, True, s)
        if failed:
            return failed
        outs.append(out)
    if not np.array_equal(outs[0], outs[1]):
        return ("two calls with generators seeded alike gave different outputs: draw the mask from the rng "
                "argument, not from a generator of your own.")
    if np.array_equal(outs[0], outs[2]):
        return ("generators with different seeds gave the same output: the mask must come from the rng argument, "
                "not from a generator seeded inside the function.")
    return None


def check_dropout_forward(student_fn: Callable, *, seed: int = 0) -> bool:
    r"""Check a student's ``my_dropout_forward(x, p, training, rng) -> out``.

    The exercise: *inverted* dropout as ``torch.nn.functional.dropout``
    computes it, with NumPy only. ``p`` is the probability of **dropping**
    an entry (torch's convention). In training every entry is kept
    independently with probability :math:`1 - p`, drawn from ``rng``, and
    the kept entries are scaled up; in eval mode the layer is the identity:

    .. math::

        m_i \sim \operatorname{Bernoulli}(1 - p), \qquad
        \text{out}_i = \frac{m_i\, x_i}{1 - p}, \qquad \mathbb{E}[\text{out}_i] = x_i

    with ``p = 0`` keeping everything and ``p = 1`` giving zeros (not NaN).

    The mask is random, so the checker tests properties, never the
    student's draws. On a float64 ``x`` of shape (400, 250), entries
    :math:`1 + \mathcal N(0, 1)`, with ``p`` = 0.3 and 0.75, in training:
    every entry of ``out`` is 0 or :math:`x_i / (1 - p)` (to a relative
    1e-12); the kept fraction is within five binomial standard errors
    :math:`5\sqrt{p(1-p)/n}` of :math:`1 - p`; the mean of ``out`` is within
    five standard errors :math:`5\sqrt{\tfrac{p}{1-p}\overline{x^2}/n}` of
    the mean of ``x``. Then generators seeded alike must give the same
    output and another seed another one; eval mode must return ``x``
    exactly; ``p = 0`` must return ``x`` and ``p = 1`` zeros. Every call
    gets a copy of ``x`` and a fresh ``numpy.random.default_rng``, must
    leave ``x`` unchanged, must not draw from NumPy's global generator, and
    must return a float64 array of the shape of ``x``.

    Each plausible slip gets a hint: no scaling, scaling by :math:`1 - p`,
    keeping with probability :math:`p` (and scaling by :math:`1/p`),
    dropping or scaling in eval mode, NaN or ``ZeroDivisionError`` at
    ``p = 1``, changing ``x`` in place, drawing from ``np.random``'s global
    generator or a generator of one's own, returning a tuple such as
    ``(out, cache)``, float32.

    Parameters
    ----------
    student_fn : callable
        ``student_fn(x, p, training, rng)``, positionally, with ``x`` a
        float64 array, ``p`` a float, ``training`` a bool and ``rng`` a
        :class:`numpy.random.Generator`; returns ``out``, an array of the
        shape of ``x``.
    seed : int, default 0
        Seed of ``x`` and of the generators passed in, ``>= 0``.

    Returns
    -------
    bool
        Whether the function is right; a verdict is printed either way.

    References
    ----------
    Srivastava, N., Hinton, G., Krizhevsky, A., Sutskever, I. and
    Salakhutdinov, R. (2014). Dropout: a simple way to prevent neural
    networks from overfitting. *JMLR*, 15, 1929-1958.

    Examples
    --------
    >>> def my_dropout_forward(x, p, training, rng):
    ...     if not training:
    ...         return x.copy()
    ...     if p == 1:
    ...         return np.zeros_like(x)
    ...     return x * (rng.random(x.shape) >= p) / (1 - p)
    >>> check_dropout_forward(my_dropout_forward)
    Correct! out is 0 or x / (1 - p) with about 1 - p of the entries kept and the mean of x kept, for p = 0.3
    and 0.75; the rng decides the mask; eval mode and p = 0 return x, p = 1 zeros.
    True
    """
    seed = check_int(seed, "seed", low=0)
    x = 1.0 + default_rng(seed).standard_normal(_DROPOUT_SHAPE)
    for k, p in enumerate(_DROPOUT_PS):
        out, failed = _call_dropout(student_fn, x, p, True, seed + 1 + k)
        if failed is None:
            failed = _dropout_scale_problem(out, x, p) or _dropout_statistics_problem(out, x, p)
        if failed is not None:
            return _verdict(False, failed)
    failed = _dropout_rng_problem(student_fn, x, seed + 10) or _dropout_mode_problem(student_fn, x, seed + 20)
    if failed is not None:
        return _verdict(False, failed)
    return _verdict(True, "out is 0 or x / (1 - p) with about 1 - p of the entries kept and the mean of x kept, "
                          f"for p = {_DROPOUT_PS[0]} and {_DROPOUT_PS[1]}; the rng decides the mask; eval mode and "
                          "p = 0 return x, p = 1 zeros.")


#: The spellings :func:`check_curve_diagnoses` accepts for each of the five labels of
#: :data:`lecturelib.diagnostics.LEARNING_CURVE_LABELS`, after lower-casing, turning ``-`` and
#: ``_`` into spaces and collapsing runs of spaces (so ``"Good-Fit"`` is ``"good fit"``).
CURVE_LABEL_SYNONYMS: dict[str, str] = {
    "underfit": "underfit", "underfitting": "underfit", "underfitted": "underfit", "under fit": "underfit",
    "under fitting": "underfit",
    "overfit": "overfit", "overfitting": "overfit", "overfitted": "overfit", "over fit": "overfit",
    "over fitting": "overfit",
    "unrepresentative training set": "unrepresentative training set",
    "unrepresentative train set": "unrepresentative training set",
    "unrepresentative training data": "unrepresentative training set",
    "unrepresentative training dataset": "unrepresentative training set",
    "unrepresentative training": "unrepresentative training set",
    "unrepresentative validation set": "unrepresentative validation set",
    "unrepresentative val set": "unrepresentative validation set",
    "unrepresentative validation data": "unrepresentative validation set",
    "unrepresentative validation dataset": "unrepresentative validation set",
    "unrepresentative validation": "unrepresentative validation set",
    "good fit": "good fit", "good": "good fit", "well fit": "good fit", "well fitted": "good fit",
    "good fitting": "good fit",
}


def _curve_label(answer: Any) -> str | None:
    """The label an answer means, by :data:`CURVE_LABEL_SYNONYMS`, or None."""
    if not isinstance(answer, str):
        return None
    text = " ".join(answer.lower().replace("-", " ").replace("_", " ").split())
    for detail in ("flat", "still improving"):  # "underfit (flat)", "underfit, still improving"
        for form in (f"underfit ({detail})", f"underfit, {detail}", f"underfit {detail}"):
            if text == form:
                return "underfit"
    return CURVE_LABEL_SYNONYMS.get(text)


def _curve_hint(d: Diagnosis) -> str:
    """What to look at in a curve whose label was missed, from its measurements; it never names the label."""
    if d.label == "underfit" and d.detail == "flat":
        return f"look at how far the training loss gets: it ends only {d.train_fall:.0%} below where it started."
    if d.label == "underfit":
        return (f"look at the end of the training loss: it is still falling there, at {d.train_end_rate:.0%} of its "
                "average rate.")
    if d.label == "overfit":
        return (f"the validation loss turns up after epoch {d.val_min_epoch} (it ends {d.val_rise:.0%} of the "
                "starting loss above its lowest point) while the training loss keeps falling.")
    if d.label == "unrepresentative training set":
        return (f"both losses level off, but the validation loss stays {d.final_gap:.0%} of the starting loss above "
                "the training loss, without turning up.")
    if d.detail == "noisy":
        return (f"look at the validation loss from one epoch to the next: it jumps by about {d.val_noise:.0%} of the "
                "starting loss, up and down.")
    if d.detail == "below training":
        return (f"compare the two losses at the end: the validation loss is {-d.final_gap:.0%} of the starting loss "
                "below the training loss.")
    return (f"both losses level off close together ({d.final_gap:+.0%} of the starting loss apart), and the "
            "validation loss never turns up.")


def _curve_truths(curves: Any) -> dict[str, Diagnosis]:
    """``{name: Diagnosis}`` from a mapping or a sequence (named A, B, ...) of histories or diagnoses."""
    if isinstance(curves, Mapping):
        items = list(curves.items())
    elif isinstance(curves, (list, tuple)):
        items = [(chr(ord("A") + i), curve) for i, curve in enumerate(curves)]
    else:
        raise TypeError(f"curves must be a dict {{name: history}} or a list of histories, got {type(curves).__name__}")
    if not 1 <= len(items) <= 26:
        raise ValueError(f"curves must hold 1 to 26 curves, got {len(items)}")
    truths = {}
    for name, curve in items:
        if not isinstance(name, str):
            raise TypeError(f"curves must be named by strings, got {type(name).__name__} {name!r}")
        truths[name] = curve if isinstance(curve, Diagnosis) else diagnose_learning_curves(curve)
    return truths


def _answers_by_curve(answers: Any, names: list[str]) -> tuple[dict[str, Any] | None, str | None]:
    """The student's answers as ``{name: answer}`` (None where missing), or ``(None, what is wrong with them)``."""
    if isinstance(answers, Mapping):
        unknown = [key for key in answers if key not in names]
        if unknown:
            return None, f"answers names curve {unknown[0]!r}, but the curves are {names}."
        return {name: answers.get(name) for name in names}, None
    if isinstance(answers, (list, tuple)):
        if len(answers) != len(names):
            return None, f"answers must hold one label per curve ({', '.join(names)}), got {len(answers)}."
        return dict(zip(names, answers)), None
    return None, (f"answers must be a dict {{curve: label}} or a list of {len(names)} labels, "
                  f"got {type(answers).__name__} {answers!r}.")


def check_curve_diagnoses(answers: Any, curves: Any) -> bool:
    r"""Check a student's diagnoses of unlabelled learning curves.

    The exercise shows a few pairs of training and validation loss curves
    and asks for each one of the five labels of
    :data:`lecturelib.diagnostics.LEARNING_CURVE_LABELS`. The right answer
    is :func:`~lecturelib.diagnostics.diagnose_learning_curves`'s label.
    Labels are compared case-insensitively, with the spellings of
    :data:`CURVE_LABEL_SYNONYMS` ("Overfitting", "good", ...); an
    ``"underfit"`` answer is right for both of its details. A wrong label
    gets a hint that says what to look at in that curve, with its numbers
    ("the validation loss turns up after epoch 12 ...") but not the label;
    an unknown label gets the list of labels.

    Parameters
    ----------
    answers : dict or list
        The student's labels: ``{"A": "overfit", ...}`` keyed like
        ``curves``, or a list in the order of ``curves``. ``None`` (or
        ``...``) means "not answered yet".
    curves : dict or list
        The curves, ``{name: history}`` or a list (named ``"A"``, ``"B"``,
        ... in order), each a :class:`~lecturelib.history.History` (diagnosed
        with the default thresholds) or a
        :class:`~lecturelib.diagnostics.Diagnosis` (for other thresholds).

    Returns
    -------
    bool
        Whether every label is right; a verdict is printed either way.

    Raises
    ------
    TypeError, ValueError
        If ``curves`` is not a dict or list of 1 to 26 histories or
        diagnoses (an error of the notebook, not of the student).

    References
    ----------
    Brownlee, J. (2019). How to use learning curves to diagnose machine
    learning model performance. *Machine Learning Mastery*.

    Examples
    --------
    >>> from lecturelib.history import History
    >>> h = History()
    >>> for t in range(30):
    ...     h.record(t, loss=0.1 + 2.2 * np.exp(-t / 4), val_loss=0.6 + 1.7 * np.exp(-t / 4) + 0.03 * t)
    >>> check_curve_diagnoses({"A": "Overfitting"}, {"A": h})
    Correct! A: overfit.
    True
    >>> check_curve_diagnoses(["good fit"], [h])
    Not yet: 0 of 1 right.
      curve A: the validation loss turns up after epoch 11 (it ends 16% of the starting loss above its lowest
      point) while the training loss keeps falling.
    False
    """
    truths = _curve_truths(curves)
    names = list(truths)
    if answers is None or answers is ...:
        return _verdict(False, "set answers to your labels first.")
    by_curve, failed = _answers_by_curve(answers, names)
    if failed:
        return _verdict(False, failed)
    problems = []
    for name, truth in truths.items():
        label = _curve_label(by_curve[name])
        if by_curve[name] is None or by_curve[name] is ...:
            problems.append(f"curve {name}: no label yet.")
        elif label is None:
            problems.append(f"curve {name}: {by_curve[name]!r} is not one of the labels "
                            f"{list(LEARNING_CURVE_LABELS)}.")
        elif label != truth.label:
            problems.append(f"curve {name}: {_curve_hint(truth)}")
    if problems:
        right = len(names) - len(problems)
        return _verdict(False, f"{right} of {len(names)} right.\n  " + "\n  ".join(problems))
    return _verdict(True, ", ".join(f"{name}: {d.label}" + (f" ({d.detail})" if d.label == "underfit" else "")
                                    for name, d in truths.items()) + ".")


# ------------------------------------------------------------ Chapter 7: transfer learning

#: The linear layers of Chapter 7's digits source network,
#: ``mnist1d_mlp(5, n_in=64, hidden=(100, 100))``: ``(in_features, out_features)`` per child.
_DIGITS_SOURCE_LAYERS: dict[str, tuple[int, int]] = {"block1": (64, 100), "block2": (100, 100), "head": (100, 5)}

#: The keys of :func:`check_trainable_counts`'s answers: which children train.
_TRAINABLE_KEYS: dict[str, tuple[str, ...]] = {"head": ("head",), "block2 and head": ("block2", "head")}


def _linear_count(n_in: int, n_out: int, *, biases: bool = True) -> int:
    """Parameters of an ``nn.Linear(n_in, n_out)``: a weight per input and output, and a bias per output."""
    return n_in * n_out + (n_out if biases else 0)


def _dict_with_keys(answers: Any, keys: list[str], example: str) -> dict[str, Any]:
    """``answers`` as a dict with exactly ``keys``; a TypeError or ValueError if it is malformed."""
    if not isinstance(answers, Mapping):
        raise TypeError(f"answers must be a dict {example}, got {type(answers).__name__} {answers!r}")
    missing = [key for key in keys if key not in answers]
    unknown = [key for key in answers if key not in keys]
    if missing or unknown:
        raise ValueError(f"answers must have exactly the keys {keys}, got {list(answers)}"
                         + (f" (missing {missing[0]!r})" if missing else f" (unknown {unknown[0]!r})"))
    return dict(answers)


def check_trainable_counts(answers: Any) -> bool:
    r"""Check how many parameters of the digits source network train with parts of it frozen.

    Chapter 7, Exercise 1: the digits source network is
    ``mnist1d_mlp(5, n_in=64, hidden=(100, 100))``, children ``block1``
    (``Linear(64, 100)``), ``block2`` (``Linear(100, 100)``) and ``head``
    (``Linear(100, 5)``). How many parameters train when everything but
    the head is frozen, and when only ``block1`` is? An ``nn.Linear`` with
    :math:`n_\text{in}` inputs and :math:`n_\text{out}` outputs has

    .. math::
        n_\text{in} n_\text{out} + n_\text{out}

    parameters (weights and biases), so the answers, computed here from the
    layer sizes, are :math:`100 \cdot 5 + 5 = 505` and
    :math:`(100 \cdot 100 + 100) + 505 = 10{,}605`. A count is exact: only
    an ``int`` (or a numpy integer) can be right, a float such as
    ``505.0`` is not accepted. Hints for the weights without the biases,
    for the whole network's total (the frozen layers counted too), and for
    ``block2`` without the head.

    Parameters
    ----------
    answers : dict
        ``{"head": int, "block2 and head": int}``: the counts with only the
        head trainable and with ``block2`` and the head trainable. ``None``
        (or ``...``), as a whole or as a value, means "not answered yet".

    Returns
    -------
    bool
        Whether both counts are right; a verdict is printed either way.

    Raises
    ------
    TypeError, ValueError
        If ``answers`` is not a dict with exactly those two keys, or a
        count is not a number (a malformed answer, not a wrong one).

    Examples
    --------
    >>> check_trainable_counts({"head": 505, "block2 and head": 10605})
    Correct! head: 100 * 5 + 5 = 505; block2 and head: (100 * 100 + 100) + 505 =
      10605, of the network's 17105 parameters.
    True
    >>> check_trainable_counts({"head": 500, "block2 and head": 10605})
    Not yet: 1 of 2 right.
      head = 500: count the biases too, one per output of every trainable layer.
    False
    """
    if answers is None or answers is ...:
        return _verdict(False, "set answers to your two counts first.")
    answers = _dict_with_keys(answers, list(_TRAINABLE_KEYS), '{"head": int, "block2 and head": int}')
    counts = {name: _linear_count(*sizes) for name, sizes in _DIGITS_SOURCE_LAYERS.items()}
    total = sum(counts.values())
    problems = []
    for key, children in _TRAINABLE_KEYS.items():
        answer = answers[key]
        if answer is None or answer is ...:
            problems.append(f"{key}: no count yet.")
            continue
        if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
            raise TypeError(f"answers[{key!r}] must be an int, got {type(answer).__name__} {answer!r}")
        if not isinstance(answer, numbers.Integral):
            problems.append(f"{key} = {answer!r}: a count of parameters is an exact whole number; give it "
                            f"as an int, not as {type(answer).__name__}.")
            continue
        weights_only = sum(_linear_count(*_DIGITS_SOURCE_LAYERS[c], biases=False) for c in children)
        mistakes = {
            weights_only: "count the biases too, one per output of every trainable layer.",
            total: "that counts the frozen layers too; only the parameters that train count.",
            counts["block2"]: "that is block2 alone; the head trains too.",
        }
        if int(answer) != sum(counts[c] for c in children):
            hint = mistakes.get(int(answer), "not right; each nn.Linear(n_in, n_out) has n_in * n_out weights "
                                             "and n_out biases, and only the unfrozen layers count.")
            problems.append(f"{key} = {int(answer)}: {hint}")
    if problems:
        right = len(_TRAINABLE_KEYS) - len(problems)
        return _verdict(False, f"{right} of {len(_TRAINABLE_KEYS)} right.\n  " + "\n  ".join(problems))
    (h_in, h_out), (b_in, b_out) = _DIGITS_SOURCE_LAYERS["head"], _DIGITS_SOURCE_LAYERS["block2"]
    return _verdict(True, f"head: {h_in} * {h_out} + {h_out} = {counts['head']}; block2 and head: "
                          f"({b_in} * {b_out} + {b_out}) + {counts['head']} = {counts['block2'] + counts['head']}, "
                          f"of the network's {total} parameters.")


#: The three strategies of :func:`check_transfer_choices`.
TRANSFER_CHOICES: tuple[str, ...] = ("feature extraction", "fine-tune all", "from scratch")

#: The spellings :func:`check_transfer_choices` accepts for each of :data:`TRANSFER_CHOICES`,
#: after lower-casing, turning ``-`` and ``_`` into spaces and collapsing runs of spaces (so
#: ``" Fine-Tune  All"`` is ``"fine tune all"``).
TRANSFER_CHOICE_SYNONYMS: dict[str, str] = {
    "feature extraction": "feature extraction", "feature extractor": "feature extraction",
    "frozen": "feature extraction", "frozen body": "feature extraction",
    "fine tune all": "fine-tune all", "fine tune": "fine-tune all", "fine tune everything": "fine-tune all",
    "fine tune all layers": "fine-tune all", "finetune all": "fine-tune all", "finetune": "fine-tune all",
    "from scratch": "from scratch", "scratch": "from scratch", "train from scratch": "from scratch",
    "training from scratch": "from scratch",
}

#: Chapter 7, Exercise 2: the right strategy per scenario, and a hint per wrong one, from what the
#: chapter measured.
_TRANSFER_SCENARIOS: dict[str, tuple[str, dict[str, str]]] = {
    "A": ("feature extraction", {
        "fine-tune all": ("fine-tuning changes the shared body, which the three other products need "
                          "unchanged; and with five labels per class the transfer strategies tied, so "
                          "freezing it loses nothing."),
        "from scratch": ("training from scratch changes every weight, so the body could not be shared, and "
                         "with five labels per class every transfer strategy beat it on every seed."),
    }),
    "B": ("fine-tune all", {
        "feature extraction": ("with 100 labels per class fine-tuning every layer beat feature extraction "
                               "on every seed: there are enough labels to adapt the body."),
        "from scratch": ("the tasks are alike, so the source's body is a better start than random weights, "
                         "and fine-tuning keeps that start while every layer adapts: for a similar task "
                         "with many labels the chapter's table says to fine-tune more layers, not to "
                         "throw the body away."),
    }),
    "C": ("from scratch", {
        "feature extraction": ("on the shuffled sequences every transfer strategy lost to training from "
                               "scratch at 100 labels per class: the source's convolutions look for "
                               "neighbouring patterns that such inputs do not have."),
        "fine-tune all": ("on the shuffled sequences every transfer strategy lost to training from scratch "
                          "at 100 labels per class, on every seed; fine-tuning everything lost least, but "
                          "its start, features made for neighbouring patterns, is no help there."),
    }),
}


def _transfer_choice(answer: Any) -> str | None:
    """The strategy an answer means, by :data:`TRANSFER_CHOICE_SYNONYMS`, or None."""
    if not isinstance(answer, str):
        return None
    return TRANSFER_CHOICE_SYNONYMS.get(" ".join(answer.lower().replace("-", " ").replace("_", " ").split()))


def check_transfer_choices(answers: Any) -> bool:
    """Check the choice of a transfer strategy for three scenarios.

    Chapter 7, Exercise 2: for each scenario choose one of
    :data:`TRANSFER_CHOICES`, ``"feature extraction"``, ``"fine-tune all"``
    or ``"from scratch"``.

    - **A**: the new task is like the source task, there are 5 labels per
      class, and three other products share the network's body, so its
      weights must not change. Right: feature extraction.
    - **B**: the new task is like the source task, there are 100 labels per
      class, and every layer can be trained. Right: fine-tune all.
    - **C**: the new task's inputs share no local structure with the
      source's (like the chapter's shuffled sequences), and there are 100
      labels per class. Right: from scratch.

    Answers are compared case-insensitively, with ``-``, ``_`` and spaces
    alike, in the spellings of :data:`TRANSFER_CHOICE_SYNONYMS`
    (``"scratch"``, ``"frozen body"``, ``"fine-tune"``, ...). A wrong
    choice gets a hint from what the chapter measured; an answer that is
    none of the three gets the list of choices.

    Parameters
    ----------
    answers : dict
        ``{"A": str, "B": str, "C": str}``. ``None`` (or ``...``), as a
        whole or as a value, means "not answered yet".

    Returns
    -------
    bool
        Whether all three are right; a verdict is printed either way.

    Raises
    ------
    TypeError, ValueError
        If ``answers`` is not a dict with exactly the keys ``"A"``,
        ``"B"`` and ``"C"``.

    Examples
    --------
    >>> check_transfer_choices({"A": "Feature extraction", "B": "fine-tune", "C": "scratch"})
    Correct! A: feature extraction, B: fine-tune all, C: from scratch.
    True
    >>> check_transfer_choices({"A": "fine-tune all", "B": "fine-tune all", "C": "retrain"})
    Not yet: 1 of 3 right.
      A: fine-tuning changes the shared body, which the three other products
        need unchanged; and with five labels per class the transfer strategies
        tied, so freezing it loses nothing.
      C: 'retrain' is not one of the choices ['feature extraction', 'fine-tune
        all', 'from scratch'].
    False
    """
    if answers is None or answers is ...:
        return _verdict(False, "set answers to your three choices first.")
    answers = _dict_with_keys(answers, list(_TRANSFER_SCENARIOS), '{"A": str, "B": str, "C": str}')
    problems = []
    for name, (right, hints) in _TRANSFER_SCENARIOS.items():
        answer, choice = answers[name], _transfer_choice(answers[name])
        if answer is None or answer is ...:
            problems.append(f"{name}: no choice yet.")
        elif choice is None:
            problems.append(f"{name}: {answer!r} is not one of the choices {list(TRANSFER_CHOICES)}.")
        elif choice != right:
            problems.append(f"{name}: {hints[choice]}")
    if problems:
        right = len(_TRANSFER_SCENARIOS) - len(problems)
        return _verdict(False, f"{right} of {len(_TRANSFER_SCENARIOS)} right.\n  " + "\n  ".join(problems))
    return _verdict(True, ", ".join(f"{name}: {right}" for name, (right, _) in _TRANSFER_SCENARIOS.items()) + ".")
