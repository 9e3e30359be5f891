"""Tests for lecturelib.exercises: every checker accepts a right answer and rejects wrong ones."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from lecturelib.exercises import check_answer, check_orthogonal, check_softmax_backward


def _verdict(capsys) -> str:
    return capsys.readouterr().out


# ------------------------------------------------------------ softmax backward


def softmax_backward_right(dout, p):
    return p * (dout - np.sum(dout * p, axis=1, keepdims=True))


def softmax_backward_diagonal_only(dout, p):
    return dout * p * (1 - p)


def softmax_backward_wrong_axis(dout, p):
    return p * (dout - np.sum(dout * p, axis=0, keepdims=True))


def test_softmax_backward_accepts_the_jacobian_vector_product(capsys):
    assert check_softmax_backward(softmax_backward_right) is True
    assert _verdict(capsys).startswith("Correct!")


@pytest.mark.parametrize("student, words", [
    (softmax_backward_diagonal_only, "only the diagonal of the Jacobian"),
    (softmax_backward_wrong_axis, "differs from finite differences"),
    (lambda dout, p: p[:, :1], "dz must have the shape of p"),
])
def test_softmax_backward_rejects_wrong_answers(student, words, capsys):
    assert check_softmax_backward(student) is False
    assert words in _verdict(capsys)


def test_softmax_backward_reports_student_errors(capsys):
    def unfinished(dout, p):
        raise NotImplementedError

    assert check_softmax_backward(unfinished) is False
    assert "still raises NotImplementedError" in _verdict(capsys)
    assert check_softmax_backward(lambda dout, p: 1 / 0) is False
    assert "raised ZeroDivisionError" in _verdict(capsys)


def test_softmax_backward_cannot_be_fooled_by_changing_its_inputs(capsys):
    def mutates(dout, p):
        dout[...] = 0.0
        return np.zeros_like(p)

    assert check_softmax_backward(mutates) is False


# ------------------------------------------------------------ orthogonal


def orthogonal_right(shape, *, rng):
    rows, cols = shape
    a = rng.standard_normal((max(shape), min(shape)))
    q, r = np.linalg.qr(a)
    q = q * np.sign(np.diag(r))
    return q if rows >= cols else q.T


def orthogonal_no_sign_fix(shape, *, rng):
    rows, cols = shape
    q, _ = np.linalg.qr(rng.standard_normal((max(shape), min(shape))))
    return q if rows >= cols else q.T


def test_orthogonal_accepts_a_right_answer(capsys):
    assert check_orthogonal(orthogonal_right) is True
    assert _verdict(capsys).startswith("Correct!")


def test_orthogonal_accepts_the_library_function(capsys):
    from lecturelib.init import orthogonal

    assert check_orthogonal(orthogonal) is True


@pytest.mark.parametrize("student, words", [
    (orthogonal_no_sign_fix, "not uniformly distributed"),
    (lambda shape, *, rng: rng.standard_normal(shape) / np.sqrt(shape[1]), "are not orthonormal"),
    (lambda shape, *, rng: np.eye(*shape), "two calls gave the same matrix"),
    (lambda shape, *, rng: np.eye(3), "expected an array of shape"),
])
def test_orthogonal_rejects_wrong_answers(student, words, capsys):
    assert check_orthogonal(student) is False
    assert words in _verdict(capsys)


# ------------------------------------------------------------ numbers


@pytest.mark.parametrize("answer", [1.39, 1.387, 1.3868, 1.3868438])
def test_check_answer_accepts_the_precision_the_question_asks_for(answer, capsys):
    # Chapter 2: the gain of a leaky ReLU with slope 0.2 is sqrt(2 / 1.04) = 1.38675..., asked to 2 decimals
    assert check_answer(answer, (2 / 1.04) ** 0.5, name="leaky_gain", decimals=2) is True


@pytest.mark.parametrize("answer", [1.38, 1.40, 1.4, 1.0, float("nan"), "1.39x"])
def test_check_answer_rejects_wrong_answers(answer, capsys):
    assert check_answer(answer, (2 / 1.04) ** 0.5, name="leaky_gain", decimals=2) is False
    assert "leaky_gain" in _verdict(capsys)


def test_check_answer_unanswered(capsys):
    assert check_answer(None, 1.0, decimals=1) is False
    assert "set answer to your value first" in _verdict(capsys)


def test_check_answer_bad_arguments():
    with pytest.raises(ValueError, match="decimals must be >= 0, got -1"):
        check_answer(1.0, 1.0, decimals=-1)
    with pytest.raises(TypeError, match="expected must be a real number, got str"):
        check_answer(1.0, "1", decimals=1)


def test_orthogonal_rejects_a_random_overall_sign(capsys):
    def global_sign(shape, *, rng):
        return orthogonal_no_sign_fix(shape, rng=rng) * rng.choice([-1.0, 1.0])

    assert check_orthogonal(global_sign) is False
    assert "Q[0,0]*Q[1,1]" in _verdict(capsys)


@pytest.mark.parametrize("answer, hint", [
    (1.29, "a**2 * z**2"), (1.92, "variance factor"), (0.52, "E[f(z)^2] / Var(z)"), (1.5, "try again")])
def test_leaky_relu_gain_hints_at_the_slip(answer, hint, capsys):
    from lecturelib.exercises import check_leaky_relu_gain

    assert check_leaky_relu_gain(answer) is False
    assert hint in _verdict(capsys)


@pytest.mark.parametrize("answer", [1.39, 1.387])
def test_leaky_relu_gain_accepts_two_decimals(answer, capsys):
    from lecturelib.exercises import check_leaky_relu_gain

    assert check_leaky_relu_gain(answer) is True


def test_check_answer_mistake_hint(capsys):
    assert check_answer(2 ** -10, 2 ** -9.5, name="ratio", decimals=4,
                        mistakes={2 ** -10: "count the layers again."}) is False
    assert "count the layers again" in _verdict(capsys)
    assert check_answer(0.0014, 2 ** -9.5, name="ratio", decimals=4) is True


@pytest.mark.parametrize("answer", [0.35, 0.354, 2 ** 0.5 / 4])
def test_sigmoid_factor_accepts_sqrt2_over_4(answer, capsys):
    from lecturelib.exercises import check_sigmoid_factor

    # Chapter 1, Exercise 2: sqrt(2) from He's weights times sigma'(0) = 1/4
    assert check_sigmoid_factor(answer) is True
    assert "Correct" in _verdict(capsys)


@pytest.mark.parametrize("answer, hint", [
    (0.25, "the weights add a factor"), (0.5, "the norm gets sqrt(2)"),
    (0.31, "the question asks for z = 0"), (0.7, "try again")])
def test_sigmoid_factor_hints_at_the_slip(answer, hint, capsys):
    from lecturelib.exercises import check_sigmoid_factor

    assert check_sigmoid_factor(answer) is False
    assert hint in _verdict(capsys)



# ------------------------------------------------------------ ELU and its gradient


def elu_plain(x, alpha=1.0):
    return np.where(x > 0, x, alpha * (np.exp(np.minimum(x, 0)) - 1))  # exp(x) - 1, not expm1: still right


def elu_grad_plain(x, alpha=1.0):
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0)))


def elu_masked(x, alpha=1.0):
    out = x.copy()
    out[x <= 0] = alpha * np.expm1(x[x <= 0])
    return out


def elu_grad_from_output(x, alpha=1.0):
    return np.where(x > 0, 1.0, elu_plain(x, alpha) + alpha)  # torch's form of the same derivative


def elu_grad_one_at_zero(x, alpha=1.0):
    return np.where(x >= 0, 1.0, alpha * np.exp(np.minimum(x, 0)))  # the right-hand derivative at the kink


@pytest.mark.parametrize("fn, grad", [
    (elu_plain, elu_grad_plain), (elu_masked, elu_grad_from_output), (elu_plain, elu_grad_one_at_zero),
])
@pytest.mark.parametrize("alpha", [1.0, 0.7])
def test_elu_accepts_right_answers(fn, grad, alpha, capsys):
    from lecturelib.exercises import check_elu

    assert check_elu(fn, grad, alpha=alpha) is True
    assert _verdict(capsys).startswith("Correct!")


def test_elu_accepts_the_library_and_other_seeds(capsys):
    from lecturelib.activations import elu, elu_grad
    from lecturelib.exercises import check_elu

    for seed in (0, 1, 7):
        assert check_elu(elu, elu_grad, seed=seed) is True


def _unfinished(x, alpha=1.0):
    raise NotImplementedError


WRONG_ELU = [
    # (student elu, student elu_grad, words the verdict must contain)
    (lambda x, alpha=1.0: np.where(x > 0, x, alpha * (np.exp(x) - 1)), elu_grad_plain,
     "elu warned (overflow encountered in exp)"),
    (lambda x, alpha=1.0: np.where(x > 0, x, alpha * np.expm1(x)), elu_grad_plain, "np.exp(np.minimum(x, 0))"),
    (elu_plain, lambda x, alpha=1.0: np.where(x > 0, 1.0, alpha * np.exp(x)), "elu_grad warned"),
    (lambda x, alpha=1.0: np.where(x > 0, x, np.exp(np.minimum(x, 0)) - 1), elu_grad_plain, "elu ignores alpha"),
    (lambda x, alpha=1.0: np.where(x > 0, alpha * x, alpha * np.expm1(np.minimum(x, 0))), elu_grad_plain,
     "multiplies the positive side by alpha"),
    (lambda x, alpha=1.0: np.where(x > 0, x, alpha * np.exp(np.minimum(x, 0))), elu_grad_plain,
     "wrong for x <= 0, at x = 0: expected 0, got 1"),
    (elu_plain, lambda x, alpha=1.0: (x > 0).astype(float), "ReLU's derivative"),
    (elu_plain, lambda x, alpha=1.0: np.where(x > 0, 1.0, np.exp(np.minimum(x, 0))), "elu_grad ignores alpha"),
    (elu_plain, lambda x, alpha=1.0: np.where(x > 0, 1.0, elu_plain(x, alpha)), "returns elu(x) for x < 0"),
    (elu_plain, lambda x, alpha=1.0: np.where(x > 0, x, alpha * np.exp(np.minimum(x, 0))),
     "wrong for x > 0, at x = 1000: expected 1, got 1000: the slope there is 1"),
    (elu_plain, lambda x, alpha=1.0: np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0)) * (1 + 1e-3 * x)),
     "wrong for x < 0, at x = -1.5: expected 0.22313"),
    (elu_plain, lambda x, alpha=1.0: np.where(x > 0, 1.0, np.where(x == 0, 0.0, alpha * np.exp(np.minimum(x, 0)))),
     "wrong at x = 0: expected alpha = 1.0 (torch's choice) or 1"),
    (lambda x, alpha=1.0: elu_plain(x, alpha)[0], elu_grad_plain, "elu must return an array of the shape of x, (4, 8)"),
    (lambda x, alpha=1.0: elu_plain(x, alpha) * np.nan, elu_grad_plain,
     "elu returned nan at x = 0; it is finite everywhere"),
    (lambda x, alpha=1.0: "elu", elu_grad_plain, "elu must return an array of numbers, got str"),
    (_unfinished, elu_grad_plain, "elu: the function still raises NotImplementedError"),
    (elu_plain, _unfinished, "elu_grad: the function still raises NotImplementedError"),
    (lambda x: elu_plain(x), elu_grad_plain, "elu: the function raised TypeError"),  # no alpha keyword
]


@pytest.mark.parametrize("fn, grad, words", WRONG_ELU)
def test_elu_rejects_wrong_answers_with_a_hint(fn, grad, words, capsys):
    from lecturelib.exercises import check_elu

    assert check_elu(fn, grad) is False
    assert words in _verdict(capsys)


def test_elu_hints_at_overflow_raised_by_math_exp(capsys):
    import math

    from lecturelib.exercises import check_elu

    def loop(x, alpha=1.0):
        return np.array([alpha * (math.exp(v) - 1) if v <= 0 else v for v in x.ravel()]).reshape(x.shape)

    def loop_grad(x, alpha=1.0):
        return np.array([alpha * math.exp(v) for v in x.ravel()]).reshape(x.shape)

    assert check_elu(loop, elu_grad_plain) is True  # math.exp only where it is needed: fine
    capsys.readouterr()
    assert check_elu(loop, loop_grad) is False
    verdict = _verdict(capsys)
    assert "raised OverflowError" in verdict and "exponentiate only the negative part" in verdict


def test_elu_verdict_is_the_same_when_numpy_raises_on_overflow(capsys):
    from lecturelib.exercises import check_elu

    def overflowing(x, alpha=1.0):
        return np.where(x > 0, x, alpha * (np.exp(x) - 1))

    with np.errstate(all="raise"):
        assert check_elu(overflowing, elu_grad_plain) is False
    assert "overflow encountered in exp" in _verdict(capsys)


def test_elu_does_not_let_the_student_change_its_inputs(capsys):
    from lecturelib.exercises import check_elu

    def zeroes_its_input(x, alpha=1.0):
        out = elu_plain(x, alpha)
        x[...] = 0.0
        return out

    assert check_elu(zeroes_its_input, elu_grad_plain) is True


def test_elu_bad_arguments():
    from lecturelib.exercises import check_elu

    with pytest.raises(ValueError, match="^seed must be >= 0, got -1"):
        check_elu(elu_plain, elu_grad_plain, seed=-1)
    with pytest.raises(TypeError, match="^alpha must be a real number, got str"):
        check_elu(elu_plain, elu_grad_plain, alpha="1")


def test_check_gelu_minimum_accepts_the_value_to_three_decimals_and_rejects_slips(capsys):
    from lecturelib.exercises import check_gelu_minimum

    # independently: a fine grid of z * Phi(z) with Phi from the error function
    import math
    z = np.linspace(-2.0, 0.0, 200_001)
    values = z * 0.5 * (1 + np.array([math.erf(t / math.sqrt(2)) for t in z]))
    minimum = values.min()
    assert abs(minimum - (-0.16997)) < 1e-5
    assert check_gelu_minimum(round(minimum, 3)) is True
    assert check_gelu_minimum(-0.1700) is True
    assert check_gelu_minimum(-0.171) is False
    assert check_gelu_minimum(-0.752) is False and "where the minimum is" in capsys.readouterr().out
    assert check_gelu_minimum(0.170) is False and "negative" in capsys.readouterr().out
    assert check_gelu_minimum(None) is False and "set gelu_min" in capsys.readouterr().out


# ------------------------------------------------------------ batch norm forward (Chapter 4)


def bn_right(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=0)
    var = x.var(axis=0)  # biased: divides by N
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def bn_loops(x, gamma, beta, eps=1e-5):
    import math

    n, d = x.shape
    out = np.empty_like(x)
    for j in range(d):
        mean = sum(x[:, j]) / n
        var = sum((v - mean) ** 2 for v in x[:, j]) / n
        out[:, j] = gamma[j] * (x[:, j] - mean) / math.sqrt(var + eps) + beta[j]
    return out


def bn_keepdims_xhat(x, gamma, beta, eps=1e-5):
    centred = x - np.mean(x, axis=0, keepdims=True)
    inv_std = 1.0 / np.sqrt(np.mean(centred * centred, axis=0, keepdims=True) + eps)
    return (centred * inv_std) * gamma + beta


def bn_library(x, gamma, beta, eps=1e-5):
    from lecturelib.layers import batchnorm_forward

    d = x.shape[1]
    return batchnorm_forward(x, gamma, beta, np.zeros(d), np.ones(d), training=True, eps=eps).out


@pytest.mark.parametrize("student", [bn_right, bn_loops, bn_keepdims_xhat, bn_library])
@pytest.mark.parametrize("seed", [0, 1, 5])
def test_batchnorm_forward_accepts_right_answers(student, seed, capsys):
    from lecturelib.exercises import check_batchnorm_forward

    assert check_batchnorm_forward(student, seed=seed) is True
    assert _verdict(capsys).startswith("Correct!")


def test_batchnorm_forward_expected_value_is_torchs_batchnorm1d():
    torch = pytest.importorskip("torch")
    from lecturelib.exercises import _batchnorm_cases, _batchnorm_reference

    cases = _batchnorm_cases(0)
    assert sorted({x.shape[0] for x, *_ in cases}) == [2, 3, 64]
    assert {kwargs.get("eps", 1e-5) for *_, kwargs in cases} == {1e-5, 0.01}
    for x, gamma, beta, kwargs in cases:
        eps = kwargs.get("eps", 1e-5)
        layer = torch.nn.BatchNorm1d(x.shape[1], eps=eps, dtype=torch.float64)
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(gamma))
            layer.bias.copy_(torch.from_numpy(beta))
        layer.train()
        with torch.no_grad():
            want = layer(torch.from_numpy(x)).numpy()
        np.testing.assert_allclose(_batchnorm_reference(x, gamma, beta, eps), want, rtol=1e-10, atol=1e-10)
        # and torch's running_var took the unbiased variance, which the hint for ddof=1 mentions
        np.testing.assert_allclose(layer.running_var.numpy(), 0.9 + 0.1 * x.var(axis=0, ddof=1), rtol=1e-12)


def _bn_with_variance(var_fn):
    def student(x, gamma, beta, eps=1e-5):
        mean = x.mean(axis=0)
        return gamma * (x - mean) / np.sqrt(var_fn(x) + eps) + beta
    return student


WRONG_BATCHNORM = [
    # (student, words the verdict must contain)
    (_bn_with_variance(lambda x: x.var(axis=0, ddof=1)),
     "torch normalizes with the biased variance (divide by N); the unbiased one goes only into running_var"),
    (lambda x, gamma, beta, eps=1e-5: gamma * (x - x.mean(axis=1, keepdims=True))
     / np.sqrt(x.var(axis=1, keepdims=True) + eps) + beta, "that is layer norm"),
    (lambda x, gamma, beta, eps=1e-5: gamma * (x - x.mean(axis=0)) / (x.std(axis=0) + eps) + beta,
     "eps is added to the standard deviation: it goes inside the square root"),
    (lambda x, gamma, beta, eps=1e-5: gamma * (x - x.mean(axis=0)) / (x.var(axis=0) + eps) + beta,
     "that divides by var + eps"),
    (lambda x, gamma, beta, eps=1e-5: gamma * (x - x.mean(axis=0)) / x.std(axis=0) + beta, "eps is missing"),
    (lambda x, gamma, beta, eps=1e-5: bn_right(x, gamma, beta),
     "called with eps=0.01 the result is the one for eps=1e-05: use the eps argument, not a fixed 1e-05"),
    (lambda x, gamma, beta, eps=1e-5: bn_right(x, np.ones_like(gamma), np.zeros_like(beta), eps),
     "that is x_hat, the normalized x"),
    (lambda x, gamma, beta, eps=1e-5: bn_right(x, gamma, np.zeros_like(beta), eps), "beta is missing"),
    (lambda x, gamma, beta, eps=1e-5: bn_right(x, np.ones_like(gamma), beta, eps), "gamma is missing"),
    (lambda x, gamma, beta, eps=1e-5: bn_right(x, beta, gamma, eps), "gamma and beta are swapped"),
    (_bn_with_variance(lambda x: np.mean(x**2, axis=0) - np.mean(x, axis=0) ** 2),
     "mean(x**2) - mean(x)**2 cancels almost every digit"),
    (lambda x, gamma, beta, eps=1e-5: bn_right(x, gamma, beta, 1e-3), "out is wrong for x of shape (3, 4), eps left"),
    (lambda x, gamma, beta, eps=1e-5: bn_right(x, gamma, beta, eps) + 1e-6 * (x.shape[0] == 64),
     "out is wrong for x of shape (64, 6), eps left at its default 1e-05: at row"),
    (lambda x, gamma, beta, eps=1e-5: (bn_right(x, gamma, beta, eps), None),  # CS231n's (out, cache)
     "returned a tuple of 2; return only out"),
    (lambda x, gamma, beta, eps=1e-5: bn_right(x, gamma, beta, eps)[0],
     "out must have the shape of x, (3, 4), got (4,)"),
    (lambda x, gamma, beta, eps=1e-5: bn_right(x, gamma, beta, eps).T,
     "out must have the shape of x, (3, 4), got (4, 3)"),
    (lambda x, gamma, beta, eps=1e-5: bn_right(x, gamma, beta, eps).astype(np.float32), "out has dtype float32"),
    (lambda x, gamma, beta, eps=1e-5: "out", "out must be an array of numbers, got str"),
    (lambda x, gamma, beta, eps=1e-5: bn_right(x, gamma, beta, eps) * np.inf, "it should be finite"),
    (_bn_with_variance(lambda x: np.where(x.var(axis=0) > 0, x.var(axis=0), -1e-5)),  # eps only where var > 0
     "which is constant in this batch (all 0, like a dead ReLU unit)"),
    (lambda x, gamma, beta, eps=1e-5: 1 / 0, "the function raised ZeroDivisionError"),
    (lambda x, gamma, beta: bn_right(x, gamma, beta), "the function raised TypeError"),  # no eps keyword
    (lambda x, gamma, beta, eps=1e-5: gamma * (x - x.mean(axis=1)) / np.sqrt(x.var(axis=1) + eps) + beta,
     "the function raised ValueError: operands could not be broadcast"),  # axis=1 without keepdims
]


@pytest.mark.parametrize("student, words", WRONG_BATCHNORM)
def test_batchnorm_forward_rejects_wrong_answers_with_a_hint(student, words, capsys):
    from lecturelib.exercises import check_batchnorm_forward

    assert check_batchnorm_forward(student) is False
    verdict = _verdict(capsys)
    assert verdict.startswith("Not yet: ")
    assert words in verdict


def test_batchnorm_forward_reports_unfinished_work(capsys):
    from lecturelib.exercises import check_batchnorm_forward

    def my_batchnorm_forward(x, gamma, beta, eps=1e-5):
        raise NotImplementedError

    assert check_batchnorm_forward(my_batchnorm_forward) is False
    assert _verdict(capsys) == "Not yet: the function still raises NotImplementedError.\n"


@pytest.mark.parametrize("name", ["x", "gamma", "beta"])
def test_batchnorm_forward_rejects_changing_the_inputs(name, capsys):
    from lecturelib.exercises import check_batchnorm_forward

    def in_place(x, gamma, beta, eps=1e-5):
        out = bn_right(x, gamma, beta, eps)
        {"x": x, "gamma": gamma, "beta": beta}[name][...] = 0.0
        return out

    def centres_x_in_place(x, gamma, beta, eps=1e-5):
        x -= x.mean(axis=0)
        return gamma * x / np.sqrt(np.mean(x**2, axis=0) + eps) + beta

    assert check_batchnorm_forward(in_place) is False
    assert f"changed its argument {name} in place" in _verdict(capsys)
    assert check_batchnorm_forward(centres_x_in_place) is False  # right values, but x is gone
    assert "changed its argument x in place (e.g. x -= mean)" in _verdict(capsys)


def test_batchnorm_forward_does_not_leak_warnings_and_ignores_numpy_error_state(capsys):
    from lecturelib.exercises import check_batchnorm_forward

    def no_eps(x, gamma, beta, eps=1e-5):
        return gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0)) + beta  # 0 / 0 on the constant feature

    with np.errstate(all="raise"):
        assert check_batchnorm_forward(no_eps) is False
    assert "eps is missing" in _verdict(capsys)


def test_batchnorm_forward_bad_arguments():
    from lecturelib.exercises import check_batchnorm_forward

    with pytest.raises(ValueError, match="^seed must be >= 0, got -1"):
        check_batchnorm_forward(bn_right, seed=-1)
    with pytest.raises(TypeError, match="^seed must be an integer, got float"):
        check_batchnorm_forward(bn_right, seed=1.0)


# ------------------------------------------------------------ running mean steps (Chapter 4)


def test_running_mean_steps_answer_is_the_first_step_within_one_percent():
    from lecturelib.exercises import _steps_within

    # independently, by simulating torch's update r <- 0.9 r + 0.1 * 5 from r = 0
    r, steps = 0.0, 0
    while r < 4.95:
        r, steps = 0.9 * r + 0.1 * 5.0, steps + 1
    assert steps == 44
    assert _steps_within(Fraction(1, 10), Fraction(1, 100)) == 44
    assert _steps_within(Fraction(9, 10), Fraction(1, 100)) == 2  # the reversed convention
    assert _steps_within(Fraction(1, 2), Fraction(1, 4)) == 2  # the boundary itself counts: 0.5**2 == 0.25


@pytest.mark.parametrize("answer", [44, 44.0, np.int64(44), np.float64(44.0), Fraction(44)])
def test_running_mean_steps_accepts_44(answer, capsys):
    from lecturelib.exercises import check_running_mean_steps

    assert check_running_mean_steps(answer) is True
    assert _verdict(capsys).startswith("Correct! steps = 44")


@pytest.mark.parametrize("answer, words", [
    (10, "1/momentum = 10 steps is the time constant"),
    (22, "that is within 10% of 5; the question asks for 1% (4.95)"),
    (2, "that is the reversed convention: in torch momentum weights the new value"),
    (43, "one step short: 0.9**43 = 0.0108 is still just above 0.01"),
    (45, "one step too many"),
    (45.0, "one step too many"),
    (46, "steps = 46 is not right; try again"),
    (0, "steps = 0 is not right; try again"),
    (10**400, "is not right; try again"),
    (44.5, "steps must be a whole number of training steps, got 44.5"),
    (float("nan"), "steps must be a whole number of training steps, got nan"),
    (float("inf"), "steps must be a whole number of training steps, got inf"),
    ("44", "steps must be a number, got str '44'"),
    (True, "steps must be a number, got bool True"),
    ([44], "steps must be a number, got list [44]"),
    (None, "set steps to your value first"),
    (..., "set steps to your value first"),
])
def test_running_mean_steps_rejects_wrong_answers_with_a_hint(answer, words, capsys):
    from lecturelib.exercises import check_running_mean_steps

    assert check_running_mean_steps(answer) is False
    verdict = _verdict(capsys)
    assert verdict.startswith("Not yet: ")
    assert words in verdict
