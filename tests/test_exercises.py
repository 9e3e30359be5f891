"""Tests for lecturelib.exercises: the checker's verdicts on right and wrong answers."""

from __future__ import annotations

import numpy as np
import pytest

from lecturelib.exercises import check_linear_backward
from lecturelib.layers import linear_backward

SEEDS = [0, 1, 123]


def _stub(dout, cache):
    raise NotImplementedError


def _transposed_dweight(dout, cache):
    dx, dweight, dbias = linear_backward(dout, cache)
    return dx, dweight.T, dbias


def _bias_2d(dout, cache):
    dx, dweight, dbias = linear_backward(dout, cache)
    return dx, dweight, dbias[None, :]


def _no_bias(dout, cache):
    return linear_backward(dout, cache)[:2] + (None,)


def _mean_bias(dout, cache):  # a classic slip: mean over the batch instead of sum
    dx, dweight, _ = linear_backward(dout, cache)
    return dx, dweight, dout.mean(axis=0)


def _wrong_sign_dx(dout, cache):
    dx, dweight, dbias = linear_backward(dout, cache)
    return -dx, dweight, dbias


def _x_instead_of_weight(dout, cache):  # dout @ x: raises for the first shape
    return dout @ cache.x, dout.T @ cache.x, dout.sum(axis=0)


def _reference_as_list(dout, cache):
    return list(linear_backward(dout, cache))


def _two_values(dout, cache):
    return linear_backward(dout, cache)[:2]


@pytest.mark.parametrize("seed", SEEDS)
def test_reference_is_correct(seed, capsys):
    assert check_linear_backward(linear_backward, seed=seed) is True
    assert capsys.readouterr().out == "Correct! dx, dweight and dbias match the reference on three shapes.\n"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "student, verdict",
    [
        (_stub, "the function still raises NotImplementedError."),
        (_transposed_dweight, "dweight has shape (3, 2), expected (2, 3) (shape of x=(4, 3))."),
        (_bias_2d, "dbias has shape (1, 2), expected (2,) (shape of x=(4, 3))."),
        (_no_bias, "dbias has shape (), expected (2,) (shape of x=(4, 3))."),
        (_mean_bias, "dbias has the right shape but wrong values (shape of x=(4, 3))."),
        (_wrong_sign_dx, "dx has the right shape but wrong values (shape of x=(4, 3))."),
        (_reference_as_list, "return a tuple (dx, dweight, dbias)."),
        (_two_values, "return a tuple (dx, dweight, dbias)."),
    ],
)
def test_wrong_answers_get_a_precise_verdict(student, verdict, seed, capsys):
    assert check_linear_backward(student, seed=seed) is False
    assert capsys.readouterr().out == f"Not yet: {verdict}\n"


def test_other_exceptions_are_reported_not_raised(capsys):
    def student(dout, cache):
        raise KeyError("weight")

    assert check_linear_backward(student) is False
    assert capsys.readouterr().out == "Not yet: the function raised KeyError: 'weight'\n"
    assert check_linear_backward(_x_instead_of_weight) is False
    assert capsys.readouterr().out.startswith("Not yet: the function raised ValueError: matmul")


def test_answer_right_only_on_the_first_shape_fails(capsys):
    calls = []

    def student(dout, cache):
        calls.append(cache.x.shape)
        dx, dweight, dbias = linear_backward(dout, cache)
        return (dx, dweight, dbias) if len(calls) == 1 else (dx, dweight, 2 * dbias)

    assert check_linear_backward(student) is False
    assert calls == [(4, 3), (1, 5)]
    assert capsys.readouterr().out == "Not yet: dbias has the right shape but wrong values (shape of x=(1, 5)).\n"


def test_inputs_are_seeded(capsys):
    def record(log):
        def student(dout, cache):
            log.append((dout.copy(), cache.x.copy()))
            return linear_backward(dout, cache)
        return student

    a, b, c = [], [], []
    for log, seed in ((a, 5), (b, 5), (c, 6)):
        check_linear_backward(record(log), seed=seed)
    capsys.readouterr()
    assert len(a) == 3
    for (dout_a, x_a), (dout_b, x_b) in zip(a, b):
        np.testing.assert_array_equal(dout_a, dout_b)
        np.testing.assert_array_equal(x_a, x_b)
    assert not np.array_equal(a[0][0], c[0][0])


@pytest.mark.parametrize("seed, error", [(-1, ValueError), (0.5, TypeError)])
def test_bad_seed_raises(seed, error, capsys):
    with pytest.raises(error, match="^seed must"):
        check_linear_backward(linear_backward, seed=seed)
    assert capsys.readouterr().out == ""


def test_in_place_changes_to_dout_do_not_fool_the_checker(capsys):
    def student(dout, cache):
        dout[...] = 0.0  # wrong, and it also zeroes the reference's input
        return np.zeros_like(cache.x), np.zeros_like(cache.weight), np.zeros_like(cache.bias)

    assert check_linear_backward(student) is False
    assert capsys.readouterr().out.startswith("Not yet: dx has the right shape but wrong values")


def test_check_xavier_uniform(capsys):
    from lecturelib.exercises import check_xavier_uniform
    from lecturelib.init import xavier_uniform

    assert check_xavier_uniform(xavier_uniform) is True
    assert "Correct!" in capsys.readouterr().out
    too_narrow = lambda shape, gain=1.0, *, rng: xavier_uniform(shape, gain=gain / 2, rng=rng)  # noqa: E731
    assert check_xavier_uniform(too_narrow) is False
    too_wide = lambda shape, gain=1.0, *, rng: xavier_uniform(shape, gain=2 * gain, rng=rng)  # noqa: E731
    assert check_xavier_uniform(too_wide) is False
    normal = lambda shape, gain=1.0, *, rng: np.clip(rng.normal(size=shape), -0.01, 0.01)  # noqa: E731
    assert check_xavier_uniform(normal) is False

    def stub(shape, gain=1.0, *, rng):
        raise NotImplementedError

    assert check_xavier_uniform(stub) is False
    assert "NotImplementedError" in capsys.readouterr().out


def test_check_number(capsys):
    from lecturelib.exercises import check_number

    assert check_number(None, 1.387) is False
    assert check_number(1.2, 1.387, name="g") is False
    assert "g = 1.2 is not right" in capsys.readouterr().out
    assert check_number(1.3868, 1.38675, name="g") is True
