"""Tests for lecturelib.gradcheck."""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest
from numpy.testing import assert_allclose

from lecturelib.gradcheck import (
    FiniteDifferenceErrors,
    GradCheckReport,
    GradientCheckError,
    check_gradients,
    finite_difference_errors,
    numerical_gradient,
    rel_error,
    norm_rel_error,
)


def _rng(seed=0):
    return np.random.default_rng(seed)


@pytest.mark.parametrize("shape", [(1,), (5,), (3, 4), (2, 3, 2)])
def test_numerical_gradient_of_known_function(shape):
    x = _rng().standard_normal(shape)
    numeric = numerical_gradient(lambda z: np.sum(np.sin(z) * z), x)
    assert numeric.shape == shape and numeric.dtype == np.float64
    assert_allclose(numeric, np.cos(x) * x + np.sin(x), rtol=1e-8, atol=1e-9)


def test_numerical_gradient_perturbs_in_place_and_restores_exactly():
    x = _rng(1).standard_normal((4, 3)) * 0.1  # x + eps - eps != x for most of these
    x0 = x.copy()
    seen = []

    def f(_):  # reads x through the closure, as CS231n-style code does
        seen.append(x.copy())
        return np.sum(x**2)

    numeric = numerical_gradient(f, x)
    assert np.array_equal(x, x0)
    assert not np.array_equal(seen[0], x0)  # the closure saw the perturbation
    assert_allclose(numeric, 2 * x0, rtol=1e-8, atol=1e-10)


def test_numerical_gradient_restores_x_when_f_raises():
    x = _rng(2).standard_normal(5)
    x0 = x.copy()
    calls = []

    def f(z):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("boom")
        return np.sum(z)

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    assert np.array_equal(x, x0)


def test_numerical_gradient_eps_is_used():
    x = np.array([1.0])
    # for f = x^3, the centered difference is 3x^2 + h^2 exactly
    assert_allclose(numerical_gradient(lambda z: z[0] ** 3, x, eps=0.1), [3.01], rtol=1e-12)


@pytest.mark.parametrize(
    "x, match",
    [
        (np.ones(3, dtype=np.float32), "x must be a float64 ndarray .*double precision.*got dtype float32"),
        (np.ones(3, dtype=np.int64), "x must be a float64 ndarray .*got dtype int64"),
        ([1.0, 2.0], "x must be a float64 ndarray .*got list"),
    ],
)
def test_numerical_gradient_rejects_non_float64(x, match):
    with pytest.raises(TypeError, match=match):
        numerical_gradient(lambda z: 0.0, x)


def test_numerical_gradient_bad_arguments():
    x = np.ones(3)
    with pytest.raises(ValueError, match="eps must be > 0.0, got 0.0"):
        numerical_gradient(lambda z: 0.0, x, eps=0.0)
    with pytest.raises(ValueError, match="eps must be > 0.0, got -1e-06"):
        numerical_gradient(lambda z: 0.0, x, eps=-1e-6)
    with pytest.raises(TypeError, match="f must be callable"):
        numerical_gradient(1.0, x)
    with pytest.raises(TypeError, match="f must return a real scalar"):
        numerical_gradient(lambda z: z, x)
    x.flags.writeable = False
    with pytest.raises(ValueError, match="x must be writeable"):
        numerical_gradient(lambda z: 0.0, x)


def test_rel_error_formula():
    a = np.array([1.0, -2.0, 0.0, 3.0])
    b = np.array([1.1, -2.0, 0.0, 0.0])
    # entries: 0.1/2.1, 0, 0/floor = 0, 3/3 = 1
    assert rel_error(a, b) == 1.0
    assert_allclose(rel_error(a[:2], b[:2]), 0.1 / 2.1, rtol=1e-15)
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(np.zeros(0), np.zeros(0)) == 0.0
    # below the floor, differences count in absolute terms
    assert_allclose(rel_error(np.array([1e-10]), np.array([2e-10]), floor=1e-8), 1e-10 / 1e-8, rtol=1e-12)
    assert_allclose(rel_error(np.array([1e-10]), np.array([2e-10]), floor=1e-12), 1 / 3, rtol=1e-12)
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0


def test_norm_rel_error_formula():
    a, b = np.array([3.0, 0.0, 4.0]), np.array([3.0, 1e-9, 4.0])
    assert_allclose(norm_rel_error(a, b), 1e-9 / (5.0 + np.sqrt(25.0 + 1e-18)), rtol=1e-12)
    assert norm_rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert_allclose(norm_rel_error(np.array([3.0, 0.0]), np.array([1.0, 0.0])), 0.5, rtol=1e-15)
    # a tiny entry does not dominate, unlike the elementwise error
    g = np.array([1.0, 1e-9])
    g_hat = np.array([1.0, 2e-9])
    assert rel_error(g, g_hat, floor=1e-12) > 0.3
    assert norm_rel_error(g, g_hat) < 1e-9
    with pytest.raises(ValueError, match="a and b must have the same shape"):
        norm_rel_error(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="floor must be > 0.0"):
        norm_rel_error(np.zeros(2), np.zeros(2), floor=0.0)


def test_rel_error_bad_arguments():
    with pytest.raises(ValueError, match=r"a and b must have the same shape, got \(2, 3\) and \(3, 2\)"):
        rel_error(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="floor must be > 0.0"):
        rel_error(np.zeros(2), np.zeros(2), floor=0.0)
    with pytest.raises(ValueError, match="b must contain only finite values"):
        rel_error(np.zeros(2), np.array([0.0, np.nan]))


def _quadratic_problem(seed=0):
    """loss = sum((x @ W.T + b - y)**2) / 2 with its exact gradients."""
    rng = _rng(seed)
    x, y = rng.standard_normal((6, 4)), rng.standard_normal((6, 3))
    params = {"W": rng.standard_normal((3, 4)), "b": rng.standard_normal(3)}

    def loss():
        return 0.5 * np.sum((x @ params["W"].T + params["b"] - y) ** 2)

    r = x @ params["W"].T + params["b"] - y
    grads = {"W": r.T @ x, "b": r.sum(axis=0)}
    return loss, params, grads


def test_check_gradients_passes_for_correct_gradients():
    loss, params, grads = _quadratic_problem()
    before = {k: v.copy() for k, v in params.items()}
    report = check_gradients(loss, params, grads)
    assert isinstance(report, GradCheckReport)
    assert report.passed and report.rtol == 1e-6
    assert list(report.errors) == ["W", "b"]
    assert report.max_error == max(report.errors.values()) < 1e-7
    for k in params:
        assert np.array_equal(params[k], before[k])


def test_check_gradients_raises_for_wrong_gradient():
    loss, params, grads = _quadratic_problem()
    grads["b"] = grads["b"] * 1.01
    match = r"gradient check failed \(rtol=1e-06\): b has relative error 5e-03$"
    with pytest.raises(GradientCheckError, match=match) as info:
        check_gradients(loss, params, grads)
    assert isinstance(info.value, ValueError)
    assert not info.value.report.passed
    assert "W" not in str(info.value)


def test_check_gradients_report_without_raising():
    loss, params, grads = _quadratic_problem()
    grads["W"] = -grads["W"]
    report = check_gradients(loss, params, grads, raise_on_failure=False)
    assert not report.passed
    assert_allclose(report.errors["W"], 1.0, rtol=1e-12)
    assert report.errors["b"] < 1e-8
    assert report.max_error == report.errors["W"]


def test_check_gradients_copies_grads_that_f_overwrites():
    rng = _rng(3)
    w = rng.standard_normal(4)
    grads = {"w": 2 * w}

    def loss():
        grads["w"][:] = 0.0  # a model that recomputes its gradients in place
        return np.sum(w**2)

    assert check_gradients(loss, {"w": w}, grads).passed


def test_check_gradients_bad_arguments():
    loss, params, grads = _quadratic_problem()
    with pytest.raises(ValueError, match=r"params and grads must have the same keys, got \['W', 'b'\] and \['W'\]"):
        check_gradients(loss, params, {"W": grads["W"]})
    match = r"grads\['b'\] and params\['b'\] must have the same shape, got \(1, 3\) and \(3,\)"
    with pytest.raises(ValueError, match=match):
        check_gradients(loss, params, {"W": grads["W"], "b": grads["b"][None]})
    with pytest.raises(ValueError, match=r"grads\['W'\] must contain only finite values"):
        check_gradients(loss, params, {"W": np.full((3, 4), np.nan), "b": grads["b"]})
    with pytest.raises(TypeError, match=r"params\['W'\] must be a float64 ndarray"):
        check_gradients(loss, {"W": params["W"].astype(np.float32), "b": params["b"]}, grads)
    for name in ["eps", "rtol", "floor"]:
        with pytest.raises(ValueError, match=f"{name} must be > 0.0"):
            check_gradients(loss, params, grads, **{name: -1.0})
    with pytest.raises(TypeError, match="raise_on_failure must be a bool"):
        check_gradients(loss, params, grads, raise_on_failure="no")
    with pytest.raises(TypeError, match="f must be callable"):
        check_gradients(None, params, grads)
    with pytest.raises(ValueError, match=r"f returned NaN or inf while perturbing params\['W'\]"):
        check_gradients(lambda: np.nan, params, grads)


def test_report_str_is_deterministic():
    report = GradCheckReport(errors={"weight": 2.345e-10, "b": 3e-3}, max_error=3e-3, passed=False, rtol=1e-6)
    assert str(report) == (
        "gradient check FAILED: max relative error 3e-03 (rtol=1e-06)\n"
        "  weight  2e-10  ok\n"
        "  b       3e-03  FAIL"
    )
    ok = GradCheckReport(errors={"W": 1e-11}, max_error=1e-11, passed=True, rtol=1e-6)
    assert str(ok).splitlines()[0] == "gradient check passed: max relative error 1e-11 (rtol=1e-06)"


# ---------------------------------------------------------------- finite_difference_errors


def _sigmoid(t):
    return 1.0 / (1.0 + math.exp(-t))


def _sigmoid_derivatives(t):
    """First and third derivative of the sigmoid, written out by hand.

    s' = s (1 - s) and s''' = s' (1 - 6 s + 6 s^2).
    """
    s = _sigmoid(t)
    d1 = s * (1 - s)
    return d1, d1 * (1 - 6 * s + 6 * s * s)


def test_finite_difference_errors_exact_in_rational_arithmetic():
    # f = x^3 at x0 = 1: the one-sided quotient is 3 + 3h + h^2, the centered one 3 + h^2, exactly
    steps = [0.5, 0.25, 2.0**-10]
    fd = finite_difference_errors(lambda x: x**3, lambda x: 3 * x**2, Fraction(1), steps)
    assert isinstance(fd, FiniteDifferenceErrors)
    h = np.array(steps)
    np.testing.assert_array_equal(fd.one_sided, 3 * h + h**2)
    np.testing.assert_array_equal(fd.centered, h**2)
    assert fd.derivative == 3.0 and fd.steps.dtype == np.float64


def test_finite_difference_errors_float64_truncation_then_rounding():
    x0 = 0.5
    d1, d3 = _sigmoid_derivatives(x0)
    fd = finite_difference_errors(_sigmoid, lambda t: _sigmoid_derivatives(t)[0], x0, [1e-2, 1e-3, 1e-10])
    # large steps: Taylor's leading term |f'''| h^2 / 6 (truncation)
    assert_allclose(fd.centered[:2], abs(d3) * np.array([1e-4, 1e-6]) / 6, rtol=1e-3)
    # tiny step: rounding, of order eps |f| / h, far above the truncation term
    assert fd.centered[2] > 1e3 * abs(d3) * 1e-20 / 6
    assert fd.centered[2] < 10 * np.finfo(float).eps * _sigmoid(x0) / 1e-10
    assert fd.derivative == d1


def test_finite_difference_errors_in_decimal_have_no_rounding():
    with localcontext(prec=50):
        s = lambda t: 1 / (1 + (-t).exp())  # noqa: E731
        fd = finite_difference_errors(s, lambda t: s(t) * (1 - s(t)), Decimal("0.5"), [1e-6, 1e-10])
    d3 = _sigmoid_derivatives(0.5)[1]
    # pure truncation, even at steps where float64 is all rounding
    assert_allclose(fd.centered, abs(d3) * np.array([1e-12, 1e-20]) / 6, rtol=1e-6)


def test_finite_difference_errors_float32_rounds_far_more():
    sig32 = lambda t: np.float32(1) / (np.float32(1) + np.exp(-t))  # noqa: E731
    fd32 = finite_difference_errors(sig32, lambda t: sig32(t) * (1 - sig32(t)), np.float32(0.5), [1e-6])
    fd64 = finite_difference_errors(_sigmoid, lambda t: _sigmoid_derivatives(t)[0], 0.5, [1e-6])
    eps32 = float(np.finfo(np.float32).eps)
    # the float32 error is of the order of its rounding, eps32 |f| / h, and far above float64's
    assert 0.01 * eps32 * 0.62 / 1e-6 < fd32.centered[0] < 10 * eps32 * 0.62 / 1e-6
    assert fd32.centered[0] > 1e6 * fd64.centered[0]


def test_finite_difference_errors_best_step():
    fd = FiniteDifferenceErrors(steps=np.array([1e-1, 1e-2, 1e-3]), one_sided=np.array([3.0, 1.0, 2.0]),
                                centered=np.array([3.0, 2.0, 1.0]), derivative=1.0)
    assert fd.best_step() == 1e-3 and fd.best_step("centered") == 1e-3
    assert fd.best_step("one_sided") == 1e-2
    with pytest.raises(ValueError, match=r"^kind must be one of \['centered', 'one_sided'\], got 'forward'"):
        fd.best_step("forward")


def test_finite_difference_errors_bad_arguments():
    f, df = (lambda x: x * x), (lambda x: 2 * x)
    with pytest.raises(TypeError, match="^f must be callable, got float"):
        finite_difference_errors(1.0, df, 0.5, [1e-3])
    with pytest.raises(TypeError, match="^df must be callable, got NoneType"):
        finite_difference_errors(f, None, 0.5, [1e-3])
    with pytest.raises(TypeError, match="^x0 must be a real number .*got str"):
        finite_difference_errors(f, df, "0.5", [1e-3])
    with pytest.raises(TypeError, match="^x0 must be a real number .*got complex"):
        finite_difference_errors(f, df, 0.5j, [1e-3])
    with pytest.raises(TypeError, match="^x0 must be a floating-point number, got int 1"):
        finite_difference_errors(f, df, 1, [1e-3])
    with pytest.raises(ValueError, match="^steps must be a non-empty 1-D array of values > 0"):
        finite_difference_errors(f, df, 0.5, [1e-3, 0.0])
    with pytest.raises(ValueError, match="^steps must be a non-empty 1-D array of values > 0"):
        finite_difference_errors(f, df, 0.5, np.zeros(0))
    with pytest.raises(ValueError, match="^steps must be a 1-D array"):
        finite_difference_errors(f, df, 0.5, np.ones((2, 2)))
