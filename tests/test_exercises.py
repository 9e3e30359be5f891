"""Tests for lecturelib.exercises: every checker accepts a right answer and rejects wrong ones."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from lecturelib.exercises import check_answer, check_orthogonal, check_softmax_backward


def _verdict(capsys) -> str:
    return capsys.readouterr().out


@pytest.fixture(autouse=True)
def _one_line_verdicts(monkeypatch):
    """The tests below read what a verdict says; the wrapping is tested on its own."""
    from lecturelib import exercises

    monkeypatch.setattr(exercises, "VERDICT_WIDTH", 10_000)


def test_long_verdicts_are_wrapped_to_the_page_and_keep_their_words(monkeypatch, capsys):
    from lecturelib import exercises

    monkeypatch.setattr(exercises, "VERDICT_WIDTH", 76)
    words = " ".join(f"word{i}" for i in range(60))
    assert exercises._verdict(False, words + "\n  curve A: " + words + "\n  short") is False
    out = capsys.readouterr().out
    lines = out.rstrip("\n").split("\n")
    assert max(map(len, lines)) <= 76 and len(lines) > 4
    assert out.split() == ("Not yet: " + words + " curve A: " + words + " short").split()
    assert lines[-1] == "  short"  # short lines are left as they are
    assert all(line.startswith("    ") for line in lines[lines.index(next(
        line for line in lines if line.startswith("  curve A:"))) + 1:-1])  # continuation indented


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


# ------------------------------------------------------------ Adam's step (Chapter 5)


def adam_textbook(param, grad, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    if not state:
        state["step"] = 0  # an int is fine
        state["exp_avg"] = np.zeros_like(param)
        state["exp_avg_sq"] = np.zeros_like(param)
    state["step"] += 1
    t = state["step"]
    m, v = state["exp_avg"], state["exp_avg_sq"]
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    param -= lr * m_hat / (np.sqrt(v_hat) + eps)


def adam_torch_form(param, grad, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    # torch's arithmetic: a float step, lerp for m, the corrections folded into lr and the denominator;
    # the dict's entries are rebound, not updated in place, which is fine
    if "step" not in state:
        state.update(step=0.0, exp_avg=np.zeros_like(param), exp_avg_sq=np.zeros_like(param))
    state["step"] += 1.0
    state["exp_avg"] = state["exp_avg"] + (1 - betas[0]) * (grad - state["exp_avg"])
    state["exp_avg_sq"] = betas[1] * state["exp_avg_sq"] + (1 - betas[1]) * grad**2
    bc1, bc2 = 1 - betas[0] ** state["step"], 1 - betas[1] ** state["step"]
    denom = np.sqrt(state["exp_avg_sq"]) / np.sqrt(bc2) + eps
    param[...] = param - lr / bc1 * state["exp_avg"] / denom


def adam_library(param, grad, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    from lecturelib.optim import adam_step

    adam_step(param, grad, state, lr=lr, betas=betas, eps=eps)


@pytest.mark.parametrize("student", [adam_textbook, adam_torch_form, adam_library])
@pytest.mark.parametrize("seed", [0, 1, 5])
def test_adam_step_accepts_right_answers(student, seed, capsys):
    from lecturelib.exercises import check_adam_step

    assert check_adam_step(student, seed=seed) is True
    assert _verdict(capsys).startswith("Correct! param, exp_avg, exp_avg_sq and step match torch.optim.Adam")


@pytest.mark.parametrize("seed", [0, 3])
def test_adam_step_expected_values_are_torchs_adam(seed):
    torch = pytest.importorskip("torch")
    from lecturelib.exercises import _adam_cases, _adam_reference

    cases = _adam_cases(seed)
    assert [c.param.shape for c in cases] == [(5,), (3, 4), (2, 3, 2)]
    assert all(c.grads.shape == (25, *c.param.shape) for c in cases)
    assert cases[0].scale.min() < 1e-5 and np.all(cases[0].grads[:, 0] == 0)  # eps matters; a dead entry
    assert [c.kwargs for c in cases] == [{}, {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-3}, {}]
    for case in cases:
        want = _adam_reference(case)
        p = torch.tensor(case.param, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.Adam([p], **case.kwargs)  # torch's own defaults where kwargs is empty
        for t, grad in enumerate(case.grads):
            p.grad = torch.from_numpy(grad.copy())
            opt.step()
            state = opt.state[p]
            assert float(state["step"]) == t + 1
            np.testing.assert_allclose(p.detach().numpy(), want.param[t], rtol=1e-13, atol=1e-15)
            np.testing.assert_allclose(state["exp_avg"].numpy(), want.exp_avg[t], rtol=1e-13, atol=0)
            np.testing.assert_allclose(state["exp_avg_sq"].numpy(), want.exp_avg_sq[t], rtol=1e-13, atol=0)


def test_adam_step_every_hint_is_reachable():
    # no plausible slip may give the right values, or its hint could never be printed
    from lecturelib.exercises import _adam_cases, _adam_reference, _average_slips, _close, _update_slips

    for case in _adam_cases(0):
        ref = _adam_reference(case)
        with np.errstate(all="ignore"):
            for key, atol in (("exp_avg", 1e-12 * case.scale), ("exp_avg_sq", 1e-12 * case.scale**2)):
                for wrong, hint in _average_slips(case, key):
                    assert not np.all(_close(wrong, getattr(ref, key), atol)), hint
            for wrong, hint in _update_slips(case, ref):
                assert not np.all(_close(wrong, ref.param, 1e-11, rtol=1e-12)), hint


def adam_with(slip):
    """adam_textbook with one plausible slip."""

    def student(param, grad, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        beta1, beta2 = betas
        if slip == "betas_swapped":
            beta2, beta1 = betas
        if slip == "betas_fixed":
            beta1, beta2 = 0.9, 0.999
        lr = 1e-3 if slip == "lr_fixed" else lr
        eps = 1e-8 if slip == "eps_fixed" else eps
        if slip == "state_rebound":
            state = {}
        if not state:
            state["step"] = 1 if slip == "step_stuck" else 0
            keys = ("m", "v") if slip == "wrong_keys" else ("exp_avg", "exp_avg_sq")
            state[keys[0]] = np.zeros_like(param)
            state[keys[1]] = np.zeros_like(param)
            if slip == "wrong_keys":
                return
        t_before = state["step"]
        if slip not in ("step_not_incremented", "step_stuck"):
            state["step"] += 1
        t = state["step"]
        if slip == "step_not_incremented":
            t = t_before + 1
        if slip == "bias_uses_old_step":
            t = t_before  # 0 at the first step
        m, v = state["exp_avg"], state["exp_avg_sq"]
        if slip == "grad_in_place":
            grad *= 1.0 - beta1  # scales the caller's gradient; the check stops at that
        g = grad
        g2 = {"v_grad": g, "v_abs": np.abs(g)}.get(slip, g * g)
        m_new = {"m_swapped": (1 - beta1) * m + beta1 * g, "m_no_factor": beta1 * m + g}.get(
            slip, beta1 * m + (1 - beta1) * g)
        v_new = {"v_swapped": (1 - beta2) * v + beta2 * g2, "v_no_factor": beta2 * v + g2}.get(
            slip, beta2 * v + (1 - beta2) * g2)
        if slip == "m_not_stored":
            m = m_new
        else:
            m[...] = m_new
        if slip == "v_not_stored":
            v = v_new
        else:
            v[...] = v_new
        bc1, bc2 = 1 - beta1**t, 1 - beta2**t
        if slip == "bias_python_zero":
            step = lr / (1 - beta1 ** (t - 1)) * m / (np.sqrt(v) / np.sqrt(bc2) + eps)  # lr / 0.0 raises
        if slip == "m_stored_corrected":
            m /= bc1
            m_hat = m
        else:
            m_hat = m / bc1
        if slip == "v_stored_corrected":
            v /= bc2
            v_hat = v
        else:
            v_hat = v / bc2
        step = {
            "no_bc": lambda: lr * m / (np.sqrt(v) + eps),
            "no_bc_m": lambda: lr * m / (np.sqrt(v_hat) + eps),
            "no_bc_v": lambda: lr * m_hat / (np.sqrt(v) + eps),
            "bc_swapped": lambda: lr * (m / bc2) / (np.sqrt(v / bc1) + eps),
            "bc2_no_root": lambda: lr * m_hat / (np.sqrt(v) / bc2 + eps),
            "eps_inside": lambda: lr * m_hat / np.sqrt(v_hat + eps),
            "eps_efficient": lambda: lr * np.sqrt(bc2) / bc1 * m / (np.sqrt(v) + eps),
            "no_eps": lambda: lr * m_hat / np.sqrt(v_hat),
            "divide_v": lambda: lr * m_hat / (v_hat + eps),
            "ascent": lambda: -lr * m_hat / (np.sqrt(v_hat) + eps),
        }.get(slip, lambda: lr * m_hat / (np.sqrt(v_hat) + eps))()
        if slip == "param_rebound":
            param = param - step
        elif slip == "param_returned":
            return param - step
        elif slip == "float32":
            param -= step.astype(np.float32)
        else:
            param -= step

    return student


WRONG_ADAM = [
    # (slip, words the verdict must contain)
    ("no_bc", "no bias correction: m and v start at 0"),
    ("no_bc_m", "m is not bias-corrected: the update uses m_hat = m / (1 - beta1**t)"),
    ("no_bc_v", "v is not bias-corrected"),
    ("bc_swapped", "the bias corrections are swapped"),
    ("bc2_no_root", "v's bias correction needs the square root too"),
    ("eps_inside", "eps is inside the square root: torch adds it outside, sqrt(v_hat) + eps. "
                   "(a parameter of shape (5,), default hyper-parameters)"),
    ("eps_efficient", "the 'efficient' form at the end of Kingma and Ba's Section 2"),
    ("no_eps", "eps is missing: where the gradient is always 0, m_hat / sqrt(v_hat) is 0 / 0"),
    ("divide_v", "that divides by v_hat"),
    ("ascent", "param moves uphill"),
    ("lr_fixed", "called with lr=0.05 the steps are those of lr=0.001: use the lr argument. "
                 "(a parameter of shape (3, 4), lr=0.05, betas=(0.8, 0.99), eps=0.001)"),
    ("eps_fixed", "called with eps=0.001 the steps are those of eps=1e-08: use the eps argument."),
    ("m_swapped", "exp_avg has the weights swapped: m = beta1 * m + (1 - beta1) * grad keeps most"),
    ("v_swapped", "exp_avg_sq has the weights swapped: v = beta2 * v + (1 - beta2) * grad * grad"),
    ("m_no_factor", "exp_avg adds the whole grad: m = beta1 * m + (1 - beta1) * grad is an average"),
    ("v_no_factor", "exp_avg_sq adds the whole grad * grad"),
    ("m_stored_corrected", "state['exp_avg'] holds the bias-corrected m_hat"),
    ("v_stored_corrected", "state['exp_avg_sq'] holds the bias-corrected v_hat"),
    ("m_not_stored", "state['exp_avg'] stays 0: m = beta1 * m + ... makes a new array that the dict does not see"),
    ("v_not_stored", "state['exp_avg_sq'] stays 0"),
    ("betas_swapped", "exp_avg decays with beta2: betas is (beta1, beta2), and m uses beta1."),
    ("v_grad", "exp_avg_sq averages grad: it is the average of the squared gradient"),
    ("v_abs", "exp_avg_sq averages |grad|"),
    ("betas_fixed", "called with betas=(0.8, 0.99) exp_avg decays with 0.9: use the betas argument"),
    ("step_not_incremented", "state['step'] is 0 after 1 call(s): it counts the steps taken"),
    ("step_stuck", "state['step'] is 1 after 2 call(s) (it does not change from call to call)"),
    ("bias_uses_old_step", "after step 1 at index (0,) (a parameter of shape (5,), default hyper-parameters); "
                           "it should stay finite. At the first step t must be 1"),
    ("bias_python_zero", "the function raised ZeroDivisionError: float division by zero. If it divides by "
                         "1 - beta1**t"),
    ("param_rebound", "param did not change: update the array you are given in place"),
    ("param_returned", "The function returned the new values: torch's optimizers change the parameters in place"),
    ("state_rebound", "state is still empty after the first call"),
    ("wrong_keys", "state has no key 'exp_avg', 'exp_avg_sq' after 1 call(s)"),
    ("grad_in_place", "the function changed grad in place"),
    ("float32", "param differs from torch's Adam after step 1 (a parameter of shape (5,), default "
                "hyper-parameters): at index (1,) expected 1.40126534"),
]


@pytest.mark.parametrize("slip, words", WRONG_ADAM)
def test_adam_step_rejects_each_slip_with_its_hint(slip, words, capsys):
    from lecturelib.exercises import check_adam_step

    assert check_adam_step(adam_with(slip)) is False
    verdict = _verdict(capsys)
    assert verdict.startswith("Not yet: ")
    assert words in verdict


def test_adam_step_reports_unfinished_work_and_errors(capsys):
    from lecturelib.exercises import check_adam_step

    def my_adam_step(param, grad, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        raise NotImplementedError

    assert check_adam_step(my_adam_step) is False
    assert _verdict(capsys) == "Not yet: the function still raises NotImplementedError.\n"
    assert check_adam_step(lambda param, grad, state: adam_textbook(param, grad, state)) is False
    assert "the function raised TypeError" in _verdict(capsys)  # no lr keyword
    assert check_adam_step(lambda param, grad, state, **kw: state["exp_avg"]) is False
    assert "the function raised KeyError" in _verdict(capsys)


def test_adam_step_checks_the_state_arrays(capsys):
    from lecturelib.exercises import check_adam_step

    def scalar_average(param, grad, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        adam_textbook(param, grad, state, lr, betas, eps)
        state["exp_avg"] = float(np.mean(state["exp_avg"]))

    def text_step(param, grad, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        adam_textbook(param, grad, state, lr, betas, eps)
        state["step"] = "one"

    assert check_adam_step(scalar_average) is False
    assert "state['exp_avg'] must have the shape of param, (5,), got ()" in _verdict(capsys)
    assert check_adam_step(text_step) is False
    assert "state['step'] must be a number, got str" in _verdict(capsys)


def test_adam_step_unknown_mistake_names_the_first_difference(capsys):
    from lecturelib.exercises import check_adam_step

    def late_drift(param, grad, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        adam_textbook(param, grad, state, lr, betas, eps)
        if state["step"] == 20 and param.shape == (2, 3, 2):
            state["exp_avg"][1, 2, 0] += 1.0

    assert check_adam_step(late_drift) is False
    assert ("exp_avg differs from torch's Adam after step 20 (a parameter of shape (2, 3, 2), default "
            "hyper-parameters): at index (1, 2, 0) expected") in _verdict(capsys)


def test_adam_step_verdict_is_the_same_when_numpy_raises(capsys):
    from lecturelib.exercises import check_adam_step

    with np.errstate(all="raise"):
        assert check_adam_step(adam_with("no_eps")) is False
    assert "eps is missing" in _verdict(capsys)


def test_adam_step_bad_arguments():
    from lecturelib.exercises import check_adam_step

    with pytest.raises(ValueError, match="^seed must be >= 0, got -1"):
        check_adam_step(adam_textbook, seed=-1)


# ------------------------------------------------------------ reading a range test (Chapter 5)


def _synthetic_range_test():
    """A smoothed loss that falls fastest at lr = 1e-3 (tanh's inflection) and blows up past its minimum."""
    lrs = np.logspace(-5, 0, 51)  # ten points per decade
    x = np.log10(lrs)
    return lrs, 2.0 - np.tanh(x + 3) + np.exp(4 * (x + 1))


def _synthetic_minimum_x():
    # independently: the loss's derivative -sech(x + 3)**2 + 4 exp(4 (x + 1)) vanishes once, by bisection
    low, high = -3.0, 0.0
    for _ in range(100):
        mid = (low + high) / 2
        if -1 / np.cosh(mid + 3) ** 2 + 4 * np.exp(4 * (mid + 1)) < 0:
            low = mid
        else:
            high = mid
    return low


def test_range_test_band_on_a_curve_with_known_readings():
    from lecturelib.exercises import range_test_band

    lrs, losses = _synthetic_range_test()
    band = range_test_band(lrs, losses)
    x_min = _synthetic_minimum_x()
    assert -1.75 < x_min < -1.65
    assert band.steepest_lr == pytest.approx(1e-3)
    assert band.min_lr == pytest.approx(10 ** (round(x_min * 10) / 10))  # the grid point nearest the minimum
    assert band.low == pytest.approx(min(1e-3, band.min_lr / 10) / 2)
    assert band.high == pytest.approx(min(2 * max(1e-3, band.min_lr / 10), band.min_lr / 2))


def test_range_test_band_ignores_a_noisy_start_and_a_blown_up_end():
    from lecturelib.exercises import range_test_band

    lrs, losses = _synthetic_range_test()
    noisy = losses.copy()
    noisy[1] -= 0.3  # a single steep drop at the start, as the moving average's first batches give
    noisy[-3:] = [np.inf, np.nan, np.nan]
    assert range_test_band(lrs, noisy) == range_test_band(lrs, losses)


def test_range_test_band_short_curve_uses_neighbouring_points():
    from lecturelib.exercises import range_test_band

    # less than the half-decade window between the first point and the minimum: neighbours' differences
    band = range_test_band([1e-3, 1.2e-3, 1.5e-3, 3e-3], [2.0, 1.5, 1.45, 3.0])
    assert band.min_lr == 1.5e-3 and band.steepest_lr == 1e-3  # np.gradient's one-sided difference at the start
    # a longer curve: the slope over half a decade, centred on points at least a quarter decade inside
    band = range_test_band([1e-3, 2e-3, 4e-3, 8e-3], [2.0, 1.5, 1.4, 3.0])
    assert band.min_lr == 4e-3 and band.steepest_lr == 2e-3


@pytest.mark.parametrize("lrs, losses, words", [
    ([1e-3, 1e-2], [2.0, 1.0], "lrs must be a 1-D array of at least 3"),
    ([1e-3, 1e-2, 1e-1], [2.0, 1.0], "losses must have the shape of lrs"),
    ([1e-3, 1e-4, 1e-1], [2.0, 1.0, 3.0], "lrs must be positive, finite and increasing"),
    ([0.0, 1e-2, 1e-1], [2.0, 1.0, 3.0], "lrs must be positive, finite and increasing"),
    ([1e-3, 1e-2, 1e-1], [np.nan] * 3, "losses has no finite entry"),
    ([1e-3, 1e-2, 1e-1], [np.nan, 1.0, 3.0], "finite up to their minimum"),
    ([1e-3, 1e-2, 1e-1], [1.0, 2.0, 3.0], "smallest at the first learning rate"),
])
def test_range_test_band_bad_arguments(lrs, losses, words):
    from lecturelib.exercises import range_test_band

    with pytest.raises(ValueError, match=words.replace("(", r"\(")):
        range_test_band(lrs, losses)


def test_range_test_choice_accepts_the_band(capsys):
    from lecturelib.exercises import check_range_test_choice, range_test_band

    lrs, losses = _synthetic_range_test()
    band = range_test_band(lrs, losses)
    for answer in [1e-3, band.min_lr / 10, band.low, band.high, np.sqrt(band.low * band.high),
                   np.float32(2e-3), 3e-3, np.array(2e-3), lrs[20]]:
        assert check_range_test_choice(answer, lrs, losses) is True, answer
        assert _verdict(capsys).startswith("Correct! lr_choice = ")


def test_range_test_choice_accepts_a_zero_dimensional_tensor(capsys):
    torch = pytest.importorskip("torch")
    from lecturelib.exercises import check_range_test_choice

    lrs, losses = _synthetic_range_test()
    assert check_range_test_choice(torch.tensor(2e-3), lrs, losses) is True
    assert _verdict(capsys).strip() == ("Correct! lr_choice = 0.002 is where the smoothed loss still falls fast: it falls "
                                "most steeply near 0.001, and a tenth of the learning rate at its minimum is 0.002.")
    assert check_range_test_choice(torch.tensor([2e-3]), lrs, losses) is False
    assert "lr_choice must be a number, got Tensor" in _verdict(capsys)


@pytest.mark.parametrize("answer, words", [
    ("min", "is at the minimum of the smoothed loss (near 0.02) or next to it. Go down about a factor of ten."),
    (0.011, "is at the minimum of the smoothed loss"),
    (0.06, "is past the minimum of the smoothed loss (near 0.02), where the loss climbs"),
    (0.007, "is more than twice both readings, in the last stretch before the minimum (near 0.02): the loss "
            "still falls there"),
    (3e-4, "is too small: less than half of both readings, where the smoothed loss falls more slowly"),
    (np.array([2e-3]), "lr_choice must be a number, got ndarray array([0.002])"),
    (np.bool_(True), "lr_choice must be a number, got bool"),
    (2e-3 + 0j, "lr_choice must be a number, got complex"),
    (1e-6, "is below the smallest learning rate the test tried (1e-05)"),
    (-2.5, "a learning rate is positive. If you read log10 of the learning rate off the axis, the learning rate "
           "is 10 ** -2.5 = 0.00316"),
    (0, "lr_choice = 0 does not move the weights at all"),
    (float("nan"), "lr_choice must be a finite number, got nan"),
    ("3e-3", "lr_choice must be a number, got str '3e-3'"),
    (True, "lr_choice must be a number, got bool True"),
    (None, "set lr_choice to your value first"),
    (..., "set lr_choice to your value first"),
])
def test_range_test_choice_rejects_with_a_hint(answer, words, capsys):
    from lecturelib.exercises import check_range_test_choice, range_test_band

    lrs, losses = _synthetic_range_test()
    band = range_test_band(lrs, losses)
    assert (band.low, band.high, band.min_lr) == pytest.approx((5e-4, 4e-3, 2e-2), rel=0.01)  # the hints' premises
    if answer == "min":
        answer = band.min_lr
    assert check_range_test_choice(answer, lrs, losses) is False
    verdict = _verdict(capsys)
    assert verdict.startswith("Not yet: ")
    assert words in verdict


def test_range_test_choice_on_a_real_range_test(capsys):
    torch = pytest.importorskip("torch")
    from lecturelib import data
    from lecturelib.exercises import check_range_test_choice
    from lecturelib.torchkit.lr_finder import lr_range_test
    from lecturelib.torchkit.models import torch_mlp

    mnist1d = data.load_mnist1d()
    torch.manual_seed(0)
    net = torch_mlp([40, 100, 10])
    rt = lr_range_test(net, mnist1d.x_train, mnist1d.y_train, make_optimizer=torch.optim.Adam,
                       lr_min=1e-5, lr_max=10.0, steps=200, seed=0)
    assert check_range_test_choice(rt.suggested_lr, rt.lrs, rt.smoothed_losses) is True  # a tenth of the minimum
    assert check_range_test_choice(rt.best_lr, rt.lrs, rt.smoothed_losses) is False
    assert "at the minimum of the smoothed loss" in _verdict(capsys)
    assert check_range_test_choice(1e-4, rt.lrs, rt.smoothed_losses) is False
    assert "too small" in _verdict(capsys)


# ------------------------------------------------------------ dropout forward (Chapter 6)


def dropout_right(x, p, training, rng):
    if not training:
        return x.copy()
    if p == 1:
        return np.zeros_like(x)
    return x * (rng.random(x.shape) >= p) / (1 - p)


def dropout_binomial(x, p, training, rng):
    if not training:
        return x  # the input itself, as torch returns it
    keep = rng.binomial(1, 1 - p, size=x.shape).astype(bool)
    with np.errstate(divide="ignore"):
        return np.where(keep, x / (1 - p), 0.0)  # at p = 1 x / 0 is inf, but no entry is kept


def dropout_uniform(x, p, training, rng):
    if not training:
        return x.copy()
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return x * (rng.uniform(size=x.shape) < 1 - p) * scale


def dropout_torch(x, p, training, rng):
    torch = pytest.importorskip("torch")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(rng.integers(2**62)))
        return torch.nn.functional.dropout(torch.from_numpy(x), p, training).numpy()


@pytest.mark.parametrize("student", [dropout_right, dropout_binomial, dropout_uniform, dropout_torch])
@pytest.mark.parametrize("seed", [0, 3])
def test_dropout_forward_accepts_right_answers(student, seed, capsys):
    from lecturelib.exercises import check_dropout_forward

    assert check_dropout_forward(student, seed=seed) is True
    assert _verdict(capsys).startswith("Correct! out is 0 or x / (1 - p)")


def test_dropout_forward_properties_are_torchs():
    # the checker's premises, on torch's own dropout: zero or x / (1 - p), eval is the identity, p = 1 gives zeros
    torch = pytest.importorskip("torch")
    x = torch.from_numpy(1.0 + np.random.default_rng(0).standard_normal((400, 250)))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        out = torch.nn.functional.dropout(x, 0.3, True)
    kept = out != 0
    np.testing.assert_allclose(out[kept].numpy(), (x[kept] / 0.7).numpy(), rtol=1e-12)
    assert abs(kept.double().mean().item() - 0.7) < 5 * np.sqrt(0.21 / x.numel())
    assert torch.equal(torch.nn.functional.dropout(x, 0.3, False), x)
    assert torch.equal(torch.nn.functional.dropout(x, 1.0, True), torch.zeros_like(x))
    assert torch.equal(torch.nn.functional.dropout(x, 0.0, True), x)


def _dropout_with(mask_fn, scale_fn, eval_fn=lambda x, p: x.copy()):
    """A student's dropout built from a mask rule, a scale rule and what eval mode returns."""
    def student(x, p, training, rng):
        if not training:
            return eval_fn(x, p)
        if p == 1:
            return np.zeros_like(x)
        return x * mask_fn(x, p, rng) * scale_fn(p)
    return student


def _keep(x, p, rng):
    return rng.random(x.shape) >= p


def _dropout_in_place(x, p, training, rng):
    if training:
        x *= (rng.random(x.shape) >= p) / (1 - p) if p < 1 else 0.0
    return x


def _dropout_nan_at_one(x, p, training, rng):
    if not training:
        return x.copy()
    return x * (rng.random(x.shape) >= p) / np.float64(1 - p)  # 0 / 0 at p = 1


def _dropout_zero_division_at_one(x, p, training, rng):
    if not training:
        return x.copy()
    scale = 1 / (1 - p)  # a Python float: ZeroDivisionError at p = 1
    return x * (rng.random(x.shape) >= p) * scale


def _dropout_global_rng(x, p, training, rng):
    if not training:
        return x.copy()
    if p == 1:
        return np.zeros_like(x)
    return x * (np.random.random(x.shape) >= p) / (1 - p)


def _dropout_own_generator(seed):
    def student(x, p, training, rng):
        own = np.random.default_rng(seed)
        return dropout_right(x, p, training, own)
    return student


def _dropout_by_value(x, p, training, rng):  # keeps the largest 1 - p of the entries: right count, biased mean
    if not training:
        return x.copy()
    if p == 1:
        return np.zeros_like(x)
    return x * (x >= np.quantile(x, p)) / (1 - p)


WRONG_DROPOUT = [
    # (student, words the verdict must contain), one per mistake
    (_dropout_with(_keep, lambda p: 1.0),
     "with p=0.3, the kept entries are x itself: inverted dropout scales them by 1 / (1 - p)"),
    (_dropout_with(_keep, lambda p: 1 - p), "the kept entries are x * (1 - p): that shrinks them"),
    (_dropout_with(lambda x, p, rng: rng.random(x.shape) < p, lambda p: 1 / (1 - p)),
     "the function keeps 30.0% of the entries, about p: p is the probability of dropping an entry"),
    (_dropout_with(lambda x, p, rng: rng.random(x.shape) < p, lambda p: 1 / p),
     "the kept entries are x / p, and about 30% of them are kept with p = 0.3: in torch p is the probability of "
     "*dropping*"),
    (lambda x, p, training, rng: dropout_right(x, p, True, rng),
     "entries are 0: dropout is the identity there, out = x, with nothing dropped"),
    (_dropout_with(_keep, lambda p: 1 / (1 - p), eval_fn=lambda x, p: x * (1 - p)),
     "in eval mode (training=False) out is x * (1 - p): that is the original dropout's test-time scaling"),
    (_dropout_nan_at_one, "with p = 1 out holds nan (NumPy warned: invalid value encountered"),
    (_dropout_zero_division_at_one, "raised ZeroDivisionError: float division by zero. At p = 1 the scale"),
    (_dropout_in_place, "the function changed x in place (p=0.3, training=True), e.g. x *= mask"),
    (_dropout_global_rng, "the function drew from NumPy's global generator"),
    (_dropout_own_generator(None), "two calls with generators seeded alike gave different outputs"),
    (_dropout_own_generator(0), "generators with different seeds gave the same output"),
    (_dropout_by_value, "the mean of out is"),
    (_dropout_with(_keep, lambda p: 1 / (1 - p) + 1e-9),
     "every entry of out is either 0 (dropped) or x / (1 - p) = 1.608186030133419 (kept), to a relative 1e-12."),
    (_dropout_with(lambda x, p, rng: rng.random(x.shape) >= p / 2, lambda p: 1 / (1 - p)),
     "so that fraction should be within 5 standard errors"),
    (lambda x, p, training, rng: x + 1 if p == 0 else dropout_right(x, p, training, rng),
     "with p = 0 nothing is dropped and the scale is 1, so out = x"),
    (lambda x, p, training, rng: x.copy() if p == 1 else dropout_right(x, p, training, rng),
     "with p = 1 every entry is dropped, so out is all zeros; 100000 entries are not"),
    (lambda x, p, training, rng: (dropout_right(x, p, training, rng), None), "returned a tuple of 2; return only out"),
    (lambda x, p, training, rng: dropout_right(x, p, training, rng).astype(np.float32), "out has dtype float32"),
    (lambda x, p, training, rng: dropout_right(x, p, training, rng)[0], "out must have the shape of x, (400, 250)"),
    (lambda x, p, training, rng: "out", "out must be an array of numbers, got str"),
]


@pytest.mark.parametrize("student, words", WRONG_DROPOUT)
def test_dropout_forward_rejects_each_mistake_with_its_hint(student, words, capsys):
    from lecturelib.exercises import check_dropout_forward

    before = np.random.get_state()
    try:
        assert check_dropout_forward(student) is False
    finally:
        np.random.set_state(before)  # the global-generator student drew from it
    verdict = _verdict(capsys)
    assert verdict.startswith("Not yet: ")
    assert words in verdict


def test_dropout_forward_reports_unfinished_work(capsys):
    from lecturelib.exercises import check_dropout_forward

    def my_dropout_forward(x, p, training, rng):
        raise NotImplementedError

    assert check_dropout_forward(my_dropout_forward) is False
    assert _verdict(capsys) == "Not yet: the function still raises NotImplementedError.\n"


def test_dropout_forward_hint_for_ignoring_eval_mode_counts_the_zeros(capsys):
    from lecturelib.exercises import check_dropout_forward

    assert check_dropout_forward(lambda x, p, training, rng: dropout_right(x, p, True, rng)) is False
    verdict = _verdict(capsys)
    zeros = int(verdict.split("(training=False) ")[1].split(" entries")[0])
    assert abs(zeros - 0.3 * 100_000) < 5 * np.sqrt(0.21 * 100_000)
    assert verdict.strip().endswith("dropout is the identity there, out = x, with nothing dropped.")


def test_dropout_forward_does_not_touch_the_global_generator(capsys):
    from lecturelib.exercises import check_dropout_forward

    before = np.random.get_state()
    check_dropout_forward(dropout_right)
    after = np.random.get_state()
    assert before[2] == after[2] and np.array_equal(before[1], after[1])


def test_dropout_forward_bad_arguments():
    from lecturelib.exercises import check_dropout_forward

    with pytest.raises(ValueError, match="^seed must be >= 0, got -1"):
        check_dropout_forward(dropout_right, seed=-1)
    with pytest.raises(TypeError, match="^seed must be an integer, got float"):
        check_dropout_forward(dropout_right, seed=0.0)


# ------------------------------------------------------------ diagnosing learning curves (Chapter 6)

_T = np.arange(41)


def _decay(start, end, tau):
    return end + (start - end) * np.exp(-_T / tau)


def _run(kind, seed=0):
    """A History of each kind of learning curve, as tests/test_diagnostics.py builds them."""
    from lecturelib.history import History

    rng = np.random.default_rng(seed)
    train = _decay(2.3, 0.3, 5)
    val = {
        "good fit": _decay(2.3, 0.36, 5),
        "overfit": _decay(2.3, 0.5, 5) + 0.015 * _T,
        "gap": _decay(2.3, 1.0, 5),
        "noisy": train - 0.05 + 0.2 * rng.standard_normal(_T.size),
        "below": _decay(2.3, 0.05, 5),
    }.get(kind)
    if kind == "flat":
        train = _decay(2.3, 2.2, 3)
        val = train + 0.02
    elif kind == "still improving":
        train, val = _decay(2.3, 0.2, 30), _decay(2.3, 0.25, 30)
    elif kind == "overfit":
        train = _decay(2.3, 0.05, 6)
    h = History()
    for t in _T:
        h.record(int(t), loss=float(train[t]), val_loss=float(val[t]))
    return h


#: kind of curve -> its label and the words of its hint (which must not contain the label)
CURVE_KINDS = {
    "flat": ("underfit", "look at how far the training loss gets: it ends only 4% below where it started"),
    "still improving": ("underfit", "look at the end of the training loss: it is still falling there, at "),
    "overfit": ("overfit", "the validation loss turns up after epoch 16 (it ends 11% of the starting loss above its "
                           "lowest point) while the training loss keeps falling"),
    "gap": ("unrepresentative training set", "both losses level off, but the validation loss stays 30% of the "
                                              "starting loss above the training loss, without turning up"),
    "noisy": ("unrepresentative validation set", "look at the validation loss from one epoch to the next: it jumps "
                                                 "by about"),
    "below": ("unrepresentative validation set", "compare the two losses at the end: the validation loss is 11% of "
                                                 "the starting loss below the training loss"),
    "good fit": ("good fit", "both losses level off close together (+3% of the starting loss apart), and the "
                             "validation loss never turns up"),
}


def test_curve_kinds_have_their_labels():
    from lecturelib.diagnostics import diagnose_learning_curves

    for kind, (label, _) in CURVE_KINDS.items():
        assert diagnose_learning_curves(_run(kind)).label == label, kind


def test_curve_diagnoses_accepts_right_answers_in_any_spelling(capsys):
    from lecturelib.exercises import check_curve_diagnoses

    curves = {"A": _run("overfit"), "B": _run("good fit"), "C": _run("still improving")}
    for answers in [{"A": "overfit", "B": "good fit", "C": "underfit"},
                    {"C": "Underfitting", "A": "OVERFITTING", "B": "good"},
                    {"A": " over-fit ", "B": "Good_Fit", "C": "under fit"},
                    ["overfitted", "well fit", "underfit"],
                    ("overfit", "good fit", "underfitted")]:
        assert check_curve_diagnoses(answers, curves) is True
        assert _verdict(capsys) == "Correct! A: overfit, B: good fit, C: underfit (still improving).\n"


def test_curve_diagnoses_accepts_a_list_of_curves_and_precomputed_diagnoses(capsys):
    from lecturelib.diagnostics import diagnose_learning_curves
    from lecturelib.exercises import check_curve_diagnoses

    runs = [_run("gap"), _run("below"), _run("flat")]
    assert check_curve_diagnoses(["unrepresentative train set", "Unrepresentative validation data", "underfit"],
                                 runs) is True
    assert "A: unrepresentative training set, B: unrepresentative validation set, C: underfit (flat)" in \
        _verdict(capsys)
    # a Diagnosis with other thresholds is the truth as given: the gap is acceptable at max_gap=0.5
    loose = diagnose_learning_curves(runs[0], max_gap=0.5)
    assert check_curve_diagnoses(["good fit"], [loose]) is True
    assert check_curve_diagnoses(["unrepresentative training set"], [loose]) is False


@pytest.mark.parametrize("kind", list(CURVE_KINDS))
def test_curve_diagnoses_hint_describes_the_curve_without_naming_it(kind, capsys):
    from lecturelib.diagnostics import LEARNING_CURVE_LABELS
    from lecturelib.exercises import check_curve_diagnoses

    label, words = CURVE_KINDS[kind]
    wrong = next(other for other in LEARNING_CURVE_LABELS if other != label)
    assert check_curve_diagnoses({"X": wrong}, {"X": _run(kind)}) is False
    verdict = _verdict(capsys)
    assert verdict.startswith("Not yet: 0 of 1 right.\n  curve X: ")
    assert words in verdict
    for name in LEARNING_CURVE_LABELS:  # neither the label nor any other
        assert name not in verdict.lower()
    assert "represent" not in verdict.lower() and "fit" not in verdict.lower()


def test_curve_diagnoses_hints_only_for_the_wrong_ones(capsys):
    from lecturelib.exercises import check_curve_diagnoses

    curves = {"A": _run("overfit"), "B": _run("good fit"), "C": _run("gap")}
    assert check_curve_diagnoses({"A": "good fit", "B": "good fit", "C": "overfit"}, curves) is False
    lines = _verdict(capsys).splitlines()
    assert lines[0] == "Not yet: 1 of 3 right."
    assert lines[1].startswith("  curve A: the validation loss turns up after epoch 16")
    assert lines[2].startswith("  curve C: both losses level off, but the validation loss stays 30%")
    assert len(lines) == 3


@pytest.mark.parametrize("answers, words", [
    ({"A": "high variance", "B": "good fit"}, "curve A: 'high variance' is not one of the labels ['underfit', "
                                              "'overfit', 'unrepresentative training set', "
                                              "'unrepresentative validation set', 'good fit']."),
    ({"A": 3, "B": "good fit"}, "curve A: 3 is not one of the labels"),
    ({"A": "overfit", "B": None}, "1 of 2 right.\n  curve B: no label yet."),
    ({"A": "overfit"}, "curve B: no label yet."),
    (["overfit", ...], "curve B: no label yet."),
    ({"A": "overfit", "B": "good fit", "D": "overfit"}, "answers names curve 'D', but the curves are ['A', 'B']."),
    (["overfit"], "answers must hold one label per curve (A, B), got 1."),
    ("overfit", "answers must be a dict {curve: label} or a list of 2 labels, got str 'overfit'."),
    (None, "set answers to your labels first."),
    (..., "set answers to your labels first."),
])
def test_curve_diagnoses_rejects_bad_answers_with_a_message(answers, words, capsys):
    from lecturelib.exercises import check_curve_diagnoses

    assert check_curve_diagnoses(answers, {"A": _run("overfit"), "B": _run("good fit")}) is False
    verdict = _verdict(capsys)
    assert verdict.startswith("Not yet: ")
    assert words in verdict


def test_curve_label_synonyms_cover_exactly_the_five_labels():
    from lecturelib.diagnostics import LEARNING_CURVE_LABELS
    from lecturelib.exercises import CURVE_LABEL_SYNONYMS, _curve_label

    assert set(CURVE_LABEL_SYNONYMS.values()) == set(LEARNING_CURVE_LABELS)
    for label in LEARNING_CURVE_LABELS:
        assert CURVE_LABEL_SYNONYMS[label] == label
        assert _curve_label(label.upper().replace(" ", "-")) == label
    for spelling in CURVE_LABEL_SYNONYMS:  # every key is already in the normal form it is looked up in
        assert spelling == " ".join(spelling.lower().split()) and "-" not in spelling and "_" not in spelling
    assert _curve_label("fit") is None and _curve_label(None) is None


@pytest.mark.parametrize("curves, error, match", [
    (5, TypeError, r"^curves must be a dict \{name: history\} or a list of histories, got int"),
    ({}, ValueError, "^curves must hold 1 to 26 curves, got 0"),
    ([], ValueError, "^curves must hold 1 to 26 curves, got 0"),
    ({1: "history"}, TypeError, "^curves must be named by strings, got int 1"),
    ({"A": {"loss": np.linspace(2.0, 1.0, 12)}}, ValueError, "^history must record 'val_loss' every epoch"),
    ({"A": "not a history"}, TypeError, "^history must be a History or support"),
])
def test_curve_diagnoses_bad_curves_raise(curves, error, match):
    from lecturelib.exercises import check_curve_diagnoses

    with pytest.raises(error, match=match):
        check_curve_diagnoses({"A": "overfit"}, curves)


def test_curve_diagnoses_too_many_curves_raise():
    from lecturelib.exercises import check_curve_diagnoses

    with pytest.raises(ValueError, match="^curves must hold 1 to 26 curves, got 27"):
        check_curve_diagnoses(["overfit"] * 27, [_run("overfit")] * 27)


@pytest.mark.parametrize("answer", ["underfit (still improving)", "Underfit (flat)", "underfit, still improving",
                                    "underfit still improving"])
def test_curve_diagnoses_accept_the_underfit_details_as_written_on_the_page(answer, capsys):
    from lecturelib.exercises import check_curve_diagnoses
    from lecturelib.history import History

    h = History()
    for t in range(12):
        h.record(t, loss=2.3 - 0.05 * t, val_loss=2.32 - 0.05 * t)
    assert check_curve_diagnoses({"A": answer}, {"A": h}) is True
    assert capsys.readouterr().out.startswith("Correct!")


# ------------------------------------------------------------ trainable counts (Chapter 7)


def _trainable_after_freezing(frozen: tuple[str, ...]) -> int:
    """Trainable parameters of the digits source network with ``frozen`` children, counted in torch."""
    import torch  # noqa: F401  (the oracle; lecturelib.exercises never imports torch)

    from lecturelib.torchkit.baselines import mnist1d_mlp

    net = mnist1d_mlp(5, n_in=64, hidden=(100, 100))
    assert [name for name, _ in net.named_children()] == ["block1", "block2", "head"]
    for name, child in net.named_children():
        for p in child.parameters():
            p.requires_grad = name not in frozen
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


RIGHT_COUNTS = {"head": 505, "block2 and head": 10605}


def test_trainable_counts_right_answers_are_what_torch_counts(capsys):
    from lecturelib.exercises import check_trainable_counts

    counted = {"head": _trainable_after_freezing(("block1", "block2")),
               "block2 and head": _trainable_after_freezing(("block1",))}
    assert counted == RIGHT_COUNTS
    assert check_trainable_counts(counted) is True
    assert _verdict(capsys) == ("Correct! head: 100 * 5 + 5 = 505; block2 and head: (100 * 100 + 100) + 505 = "
                                "10605, of the network's 17105 parameters.\n")


@pytest.mark.parametrize("convert", [int, np.int64, np.int32, np.uint16])
def test_trainable_counts_accept_python_and_numpy_integers(convert, capsys):
    from lecturelib.exercises import check_trainable_counts

    assert check_trainable_counts({key: convert(value) for key, value in RIGHT_COUNTS.items()}) is True
    assert _verdict(capsys).startswith("Correct!")


@pytest.mark.parametrize("answers, words", [
    ({"head": 500}, "1 of 2 right.\n  head = 500: count the biases too, one per output of every trainable layer."),
    ({"block2 and head": 10500}, "block2 and head = 10500: count the biases too"),
    ({"head": 17105}, "head = 17105: that counts the frozen layers too"),
    ({"block2 and head": 17105}, "block2 and head = 17105: that counts the frozen layers too"),
    ({"block2 and head": 10100}, "block2 and head = 10100: that is block2 alone; the head trains too."),
    ({"head": 504}, "head = 504: not right; each nn.Linear(n_in, n_out) has n_in * n_out weights and n_out "
                    "biases, and only the unfrozen layers count."),
    ({"head": 10605, "block2 and head": 505}, "0 of 2 right.\n  head = 10605: not right;"),
    ({"head": 505.5}, "head = 505.5: a count of parameters is an exact whole number; give it as an int, not as "
                      "float."),
    ({"head": 505.0}, "head = 505.0: a count of parameters is an exact whole number"),
    ({"block2 and head": np.float64(10605.0)}, "block2 and head = np.float64(10605.0): a count of parameters is"),
    ({"head": None}, "1 of 2 right.\n  head: no count yet."),
    ({"head": ..., "block2 and head": ...}, "0 of 2 right.\n  head: no count yet.\n  block2 and head: no count yet."),
])
def test_trainable_counts_reject_wrong_answers_with_a_hint(answers, words, capsys):
    from lecturelib.exercises import check_trainable_counts

    assert check_trainable_counts(RIGHT_COUNTS | answers) is False
    verdict = _verdict(capsys)
    assert verdict.startswith("Not yet: ")
    assert words in verdict


@pytest.mark.parametrize("answers", [None, ...])
def test_trainable_counts_unanswered(answers, capsys):
    from lecturelib.exercises import check_trainable_counts

    assert check_trainable_counts(answers) is False
    assert _verdict(capsys) == "Not yet: set answers to your two counts first.\n"


@pytest.mark.parametrize("answers, error, match", [
    ([505, 10605], TypeError, r"^answers must be a dict \{\"head\": int, \"block2 and head\": int\}, got list"),
    (505, TypeError, "^answers must be a dict .*, got int 505"),
    ({"head": 505}, ValueError, r"^answers must have exactly the keys \['head', 'block2 and head'\], got \['head'\] "
                                r"\(missing 'block2 and head'\)"),
    (RIGHT_COUNTS | {"block1": 6500}, ValueError, r"^answers must have exactly the keys .* \(unknown 'block1'\)"),
    ({"Head": 505, "block2 and head": 10605}, ValueError, r"\(missing 'head'\)"),
    (RIGHT_COUNTS | {"head": "505"}, TypeError, r"^answers\['head'\] must be an int, got str '505'"),
    (RIGHT_COUNTS | {"head": True}, TypeError, r"^answers\['head'\] must be an int, got bool True"),
    (RIGHT_COUNTS | {"block2 and head": [10605]}, TypeError,
     r"^answers\['block2 and head'\] must be an int, got list \[10605\]"),
])
def test_trainable_counts_malformed_answers_raise(answers, error, match, capsys):
    from lecturelib.exercises import check_trainable_counts

    with pytest.raises(error, match=match):
        check_trainable_counts(answers)
    assert _verdict(capsys) == ""


def test_trainable_counts_layer_sizes_are_the_digits_source_networks():
    from torch import nn

    from lecturelib.exercises import _DIGITS_SOURCE_LAYERS
    from lecturelib.torchkit.baselines import mnist1d_mlp

    net = mnist1d_mlp(5, n_in=64, hidden=(100, 100))
    linears = {name: next(m for m in child.modules() if isinstance(m, nn.Linear))
               for name, child in net.named_children()}
    assert _DIGITS_SOURCE_LAYERS == {name: (m.in_features, m.out_features) for name, m in linears.items()}


# ------------------------------------------------------------ transfer choices (Chapter 7)


RIGHT_CHOICES = {"A": "feature extraction", "B": "fine-tune all", "C": "from scratch"}


@pytest.mark.parametrize("answers", [
    RIGHT_CHOICES,
    {"A": "Feature Extraction", "B": "FINE-TUNE ALL", "C": "  From scratch "},
    {"A": "feature-extraction", "B": "fine tune all", "C": "from_scratch"},
    {"A": "frozen", "B": "fine-tune", "C": "scratch"},
    {"A": "Frozen body", "B": "fine tune everything", "C": "train from scratch"},
    {"A": "feature extractor", "B": "Fine-tune all layers", "C": "Training from scratch"},
    {"A": "feature   extraction", "B": "finetune", "C": "SCRATCH"},
])
def test_transfer_choices_accept_the_right_choices_in_any_spelling(answers, capsys):
    from lecturelib.exercises import check_transfer_choices

    assert check_transfer_choices(answers) is True
    assert _verdict(capsys) == "Correct! A: feature extraction, B: fine-tune all, C: from scratch.\n"


@pytest.mark.parametrize("scenario, wrong, words", [
    ("A", "fine-tune all", "fine-tuning changes the shared body"),
    ("A", "from scratch", "with five labels per class every transfer strategy beat it on every seed"),
    ("B", "feature extraction", "with 100 labels per class fine-tuning every layer beat feature extraction on "
                                "every seed"),
    ("B", "from scratch", "the tasks are alike, so the source's body is a better start than random weights"),
    ("C", "feature extraction", "on the shuffled sequences every transfer strategy lost to training from scratch "
                                "at 100 labels per class"),
    ("C", "fine-tune all", "on the shuffled sequences every transfer strategy lost to training from scratch at "
                           "100 labels per class"),
])
def test_transfer_choices_reject_each_wrong_choice_with_a_hint_from_the_chapter(scenario, wrong, words, capsys):
    from lecturelib.exercises import check_transfer_choices

    assert check_transfer_choices(RIGHT_CHOICES | {scenario: wrong}) is False
    verdict = _verdict(capsys)
    assert verdict.startswith("Not yet: 2 of 3 right.\n")
    lines = verdict.rstrip("\n").split("\n")[1:]
    assert len(lines) == 1 and lines[0].startswith(f"  {scenario}: ") and words in lines[0]
    assert not any(ch.isdigit() for ch in lines[0].replace("100 labels", ""))  # in words, no measured numbers


@pytest.mark.parametrize("answer", ["retrain", "", "fine-tune last block", 3, ["from scratch"], "scratch!"])
def test_transfer_choices_list_the_options_for_an_unknown_answer(answer, capsys):
    from lecturelib.exercises import check_transfer_choices

    assert check_transfer_choices(RIGHT_CHOICES | {"C": answer}) is False
    assert _verdict(capsys) == (f"Not yet: 2 of 3 right.\n  C: {answer!r} is not one of the choices "
                                "['feature extraction', 'fine-tune all', 'from scratch'].\n")


def test_transfer_choices_unanswered(capsys):
    from lecturelib.exercises import check_transfer_choices

    assert check_transfer_choices(None) is False
    assert _verdict(capsys) == "Not yet: set answers to your three choices first.\n"
    assert check_transfer_choices({"A": ..., "B": None, "C": "from scratch"}) is False
    assert _verdict(capsys) == "Not yet: 1 of 3 right.\n  A: no choice yet.\n  B: no choice yet.\n"


@pytest.mark.parametrize("answers, error, match", [
    (["feature extraction", "fine-tune all", "from scratch"], TypeError,
     r"^answers must be a dict \{\"A\": str, \"B\": str, \"C\": str\}, got list"),
    ("feature extraction", TypeError, "^answers must be a dict .*, got str 'feature extraction'"),
    ({"A": "frozen", "B": "fine-tune"}, ValueError,
     r"^answers must have exactly the keys \['A', 'B', 'C'\], got \['A', 'B'\] \(missing 'C'\)"),
    (RIGHT_CHOICES | {"D": "from scratch"}, ValueError, r"\(unknown 'D'\)"),
    ({"a": "frozen", "b": "fine-tune", "c": "scratch"}, ValueError, r"\(missing 'A'\)"),
])
def test_transfer_choices_malformed_answers_raise(answers, error, match):
    from lecturelib.exercises import check_transfer_choices

    with pytest.raises(error, match=match):
        check_transfer_choices(answers)


def test_transfer_choice_synonyms_cover_exactly_the_three_choices():
    from lecturelib.exercises import TRANSFER_CHOICE_SYNONYMS, TRANSFER_CHOICES, _transfer_choice

    assert set(TRANSFER_CHOICE_SYNONYMS.values()) == set(TRANSFER_CHOICES)
    for choice in TRANSFER_CHOICES:
        assert _transfer_choice(choice) == choice and _transfer_choice(choice.upper().replace(" ", "_")) == choice
    for spelling in TRANSFER_CHOICE_SYNONYMS:  # every key is already in the normal form it is looked up in
        assert spelling == " ".join(spelling.lower().split()) and "-" not in spelling and "_" not in spelling


def test_chapter_7_verdicts_fit_the_page(monkeypatch, capsys):
    from lecturelib import exercises

    monkeypatch.setattr(exercises, "VERDICT_WIDTH", 76)
    exercises.check_trainable_counts({"head": 17105, "block2 and head": 10500})
    exercises.check_transfer_choices({"A": "from scratch", "B": "from scratch", "C": "fine-tune all"})
    exercises.check_transfer_choices({"A": "fine-tune all", "B": "frozen", "C": "feature extraction"})
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) > 12 and max(map(len, lines)) <= 76
