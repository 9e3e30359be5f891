"""Tests for lecturelib.schedules: every schedule against torch's scheduler, the Scheduler wrapper, argument errors."""

from __future__ import annotations

import math
import warnings
from functools import partial
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from torch.optim import lr_scheduler

from lecturelib.schedules import (
    Scheduler,
    cosine_annealing_lr,
    cyclic_lr,
    exponential_lr,
    inverse_time_lr,
    linear_warmup_lr,
    one_cycle_lr,
    step_lr,
)

N_STEPS = 100
TOL = dict(rtol=1e-12, atol=1e-15)


def torch_lrs(make_scheduler, *, lr=0.1, n_steps=N_STEPS, group_lrs=None):
    """Drive a torch SGD with a torch scheduler; the lr of every group at steps 0..n_steps.

    Returns an array of shape (n_steps + 1, n_groups): row k is the lr after k calls of scheduler.step().
    """
    group_lrs = [lr] if group_lrs is None else group_lrs
    params = [torch.zeros(1, dtype=torch.float64, requires_grad=True) for _ in group_lrs]
    opt = torch.optim.SGD([{"params": [p], "lr": g} for p, g in zip(params, group_lrs)], lr=lr)
    sched = make_scheduler(opt)
    lrs = [[g["lr"] for g in opt.param_groups]]
    for _ in range(n_steps):
        opt.step()  # no gradients: a no-op, but the order torch expects
        sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
    return np.array(lrs, dtype=np.float64)


def ours(fn, n_steps=N_STEPS, **kwargs):
    return np.array([fn(t, **kwargs) for t in range(n_steps + 1)])


# ------------------------------------------------------------ parity with torch, 100 steps


@pytest.mark.parametrize("base_lr, step_size, gamma", [(0.1, 30, 0.1), (1.0, 7, 0.5), (0.05, 1, 0.9), (0.3, 10, 1.5)])
def test_step_lr_matches_torch(base_lr, step_size, gamma):
    want = torch_lrs(lambda o: lr_scheduler.StepLR(o, step_size=step_size, gamma=gamma), lr=base_lr)[:, 0]
    assert_allclose(ours(step_lr, base_lr=base_lr, step_size=step_size, gamma=gamma), want, **TOL)


def test_step_lr_default_gamma_is_torchs():
    want = torch_lrs(lambda o: lr_scheduler.StepLR(o, step_size=10), lr=0.1)[:, 0]
    assert_allclose(ours(step_lr, base_lr=0.1, step_size=10), want, **TOL)


@pytest.mark.parametrize("base_lr, gamma", [(0.1, 0.95), (1.0, 0.5), (0.01, 1.05), (0.2, 1.0)])
def test_exponential_lr_matches_torch(base_lr, gamma):
    want = torch_lrs(lambda o: lr_scheduler.ExponentialLR(o, gamma=gamma), lr=base_lr)[:, 0]
    assert_allclose(ours(exponential_lr, base_lr=base_lr, gamma=gamma), want, **TOL)


@pytest.mark.parametrize(
    "base_lr, decay_rate, decay_steps", [(0.1, 0.5, 1), (1.0, 1.0, 10), (0.3, 0.0, 1), (0.5, 2.0, 2.5)]
)
def test_inverse_time_lr_matches_torch_lambda_lr(base_lr, decay_rate, decay_steps):
    def factor(t):
        return 1 / (1 + decay_rate * t / decay_steps)

    want = torch_lrs(lambda o: lr_scheduler.LambdaLR(o, factor), lr=base_lr)[:, 0]
    got = ours(inverse_time_lr, base_lr=base_lr, decay_rate=decay_rate, decay_steps=decay_steps)
    assert_allclose(got, want, **TOL)


def test_inverse_time_lr_is_one_over_t():
    # base_lr / (1 + t): after 9 steps a tenth, after 99 steps a hundredth
    assert inverse_time_lr(9, base_lr=1.0, decay_rate=1.0) == 0.1
    assert inverse_time_lr(99, base_lr=1.0, decay_rate=1.0) == 0.01
    assert inverse_time_lr(10, base_lr=2.0, decay_rate=1.0, decay_steps=10) == 1.0


@pytest.mark.parametrize(
    "base_lr, T_max, eta_min",
    [(0.1, 100, 0.0), (0.1, 10, 0.001), (1.0, 7, 0.0), (0.5, 1, 0.1), (0.1, 33, 0.02), (0.1, 3, 0.0)],
)
def test_cosine_annealing_lr_matches_torch_before_and_after_T_max(base_lr, T_max, eta_min):
    want = torch_lrs(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=T_max, eta_min=eta_min), lr=base_lr)[:, 0]
    got = ours(cosine_annealing_lr, base_lr=base_lr, T_max=T_max, eta_min=eta_min)
    assert_allclose(got, want, **TOL)


def test_cosine_annealing_lr_goes_back_up_after_T_max_like_torch():
    base_lr, T_max, eta_min = 0.1, 10, 0.01
    want = torch_lrs(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=T_max, eta_min=eta_min), lr=base_lr)[:, 0]
    got = ours(cosine_annealing_lr, base_lr=base_lr, T_max=T_max, eta_min=eta_min)
    # minimum at T_max, 3 T_max, ...; back at base_lr at 2 T_max, 4 T_max, ...: period 2 T_max
    for t in (10, 30, 50):
        assert got[t] == pytest.approx(eta_min, abs=1e-15) and want[t] == pytest.approx(eta_min, abs=1e-15)
    for t in (20, 40, 60):
        assert got[t] == pytest.approx(base_lr, rel=1e-14) and want[t] == pytest.approx(base_lr, rel=1e-14)
    assert got[T_max + 1] > eta_min and want[T_max + 1] > eta_min
    assert_allclose(got[2 * T_max: 4 * T_max], got[:2 * T_max], rtol=1e-12)


@pytest.mark.parametrize(
    "base_lr, warmup_steps, start_factor",
    [(0.1, 10, 1 / 3), (1.0, 5, 0.01), (0.2, 1, 0.5), (0.1, 100, 1.0), (0.1, 150, 0.1)],
)
def test_linear_warmup_lr_matches_torch_linear_lr(base_lr, warmup_steps, start_factor):
    def make(opt):
        return lr_scheduler.LinearLR(opt, start_factor=start_factor, end_factor=1.0, total_iters=warmup_steps)

    want = torch_lrs(make, lr=base_lr)[:, 0]
    got = ours(linear_warmup_lr, base_lr=base_lr, warmup_steps=warmup_steps, start_factor=start_factor)
    assert_allclose(got, want, **TOL)


def test_linear_warmup_lr_default_start_factor_is_torchs():
    want = torch_lrs(lambda o: lr_scheduler.LinearLR(o, total_iters=5), lr=0.3)[:, 0]
    assert_allclose(ours(linear_warmup_lr, base_lr=0.3, warmup_steps=5), want, **TOL)
    assert linear_warmup_lr(0, base_lr=0.3, warmup_steps=5) == pytest.approx(0.1, rel=1e-15)


CYCLIC = [
    dict(base_lr=0.01, max_lr=0.1, step_size_up=10),
    dict(base_lr=0.01, max_lr=0.1, step_size_up=5, step_size_down=15),
    dict(base_lr=0.001, max_lr=0.1, step_size_up=7, step_size_down=3, mode="triangular2"),
    dict(base_lr=0.001, max_lr=0.1, step_size_up=8, mode="exp_range", gamma=0.99),
    dict(base_lr=0.05, max_lr=0.05, step_size_up=4),
    dict(base_lr=0.0, max_lr=1.0, step_size_up=1, step_size_down=1),
]


@pytest.mark.parametrize("kwargs", CYCLIC)
def test_cyclic_lr_matches_torch(kwargs):
    want = torch_lrs(lambda o: lr_scheduler.CyclicLR(o, cycle_momentum=False, **kwargs), lr=123.0)[:, 0]
    assert_allclose(ours(cyclic_lr, **kwargs), want, **TOL)


def test_cyclic_lr_triangle_by_hand():
    got = ours(cyclic_lr, n_steps=8, base_lr=1.0, max_lr=5.0, step_size_up=1, step_size_down=3)
    assert_allclose(got, [1.0, 5.0, 5 - 4 / 3, 5 - 8 / 3, 1.0, 5.0, 5 - 4 / 3, 5 - 8 / 3, 1.0], rtol=1e-15)
    halved = ours(cyclic_lr, n_steps=8, base_lr=0.0, max_lr=8.0, step_size_up=2, mode="triangular2")
    assert_allclose(halved, [0, 4, 8, 4, 0, 2, 4, 2, 0], atol=1e-15)


ONE_CYCLE = [
    dict(max_lr=1.0, total_steps=100),
    dict(max_lr=0.1, total_steps=100, anneal_strategy="linear"),
    dict(max_lr=0.5, total_steps=150, pct_start=0.25, div_factor=10.0, final_div_factor=100.0),
    dict(max_lr=0.5, total_steps=100, pct_start=0.25, three_phase=True),
    dict(max_lr=0.5, total_steps=120, pct_start=0.4, three_phase=True, anneal_strategy="linear"),
    dict(max_lr=2.0, total_steps=100, pct_start=0.5, three_phase=True),
    dict(max_lr=0.3, total_steps=100, pct_start=0.05),
    dict(max_lr=0.3, total_steps=100, pct_start=0.999),
    dict(max_lr=0.3, total_steps=100, pct_start=0.001),
]


@pytest.mark.parametrize("kwargs", ONE_CYCLE)
def test_one_cycle_lr_matches_torch(kwargs):
    want = torch_lrs(lambda o: lr_scheduler.OneCycleLR(o, cycle_momentum=False, **kwargs), lr=123.0)[:, 0]
    assert_allclose(ours(one_cycle_lr, **kwargs), want, **TOL)


def test_one_cycle_lr_ends_and_overshoots_like_torch():
    kwargs = dict(max_lr=1.0, total_steps=10, anneal_strategy="linear")
    want = torch_lrs(lambda o: lr_scheduler.OneCycleLR(o, cycle_momentum=False, **kwargs), n_steps=10)[:, 0]
    got = ours(one_cycle_lr, n_steps=10, **kwargs)
    assert_allclose(got, want, **TOL)
    assert got[0] == pytest.approx(1.0 / 25) and got[2] == 1.0  # peak at pct_start * total_steps - 1
    assert got[9] == pytest.approx(1.0 / 25 / 1e4, rel=1e-9)  # min_lr at total_steps - 1
    assert got[10] < 0 and want[10] < 0  # step == total_steps extrapolates below 0 (torch allows that step)
    cos = ours(one_cycle_lr, n_steps=10, max_lr=1.0, total_steps=10)
    assert cos[10] > cos[9]  # and the cosine comes back up


def test_one_cycle_lr_past_total_steps_raises_like_torch():
    with pytest.raises(ValueError, match=r"^step must be <= total_steps \(10\), got 11"):
        one_cycle_lr(11, max_lr=1.0, total_steps=10)
    with pytest.raises(ValueError, match="Tried to step 11 times"):
        torch_lrs(lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=10, cycle_momentum=False), n_steps=11)


def test_one_cycle_zero_length_phase_raises_where_torch_divides_by_zero():
    with pytest.raises(ValueError, match=r"pct_start=0.1 and total_steps=10 give a phase of zero length"):
        one_cycle_lr(0, max_lr=1.0, total_steps=10, pct_start=0.1)
    with pytest.raises(ZeroDivisionError):
        torch_lrs(lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=0.1), n_steps=1)


def test_schedules_accept_numpy_integers_and_return_floats():
    for value in (
        step_lr(np.int64(31), base_lr=np.float64(0.1), step_size=np.int32(30)),
        exponential_lr(np.int64(2), base_lr=0.1, gamma=0.5),
        inverse_time_lr(np.int64(2), base_lr=0.1, decay_rate=1.0),
        cosine_annealing_lr(np.int64(2), base_lr=0.1, T_max=np.int64(4)),
        linear_warmup_lr(np.int64(2), base_lr=0.1, warmup_steps=4),
        cyclic_lr(np.int64(2), base_lr=0.1, max_lr=0.2, step_size_up=4),
        one_cycle_lr(np.int64(2), max_lr=0.1, total_steps=np.int64(40)),
    ):
        assert type(value) is float


# ------------------------------------------------------------ argument errors

BAD_ARGS = [
    (step_lr, dict(step=-1, base_lr=0.1, step_size=3), ValueError, r"^step must be >= 0, got -1"),
    (step_lr, dict(step=1.0, base_lr=0.1, step_size=3), TypeError, r"^step must be an integer, got float 1.0"),
    (step_lr, dict(step=1, base_lr=-0.1, step_size=3), ValueError, r"^base_lr must be >= 0.0, got -0.1"),
    (step_lr, dict(step=1, base_lr=0.1, step_size=0), ValueError, r"^step_size must be >= 1, got 0"),
    (step_lr, dict(step=1, base_lr=0.1, step_size=3, gamma=0.0), ValueError, r"^gamma must be > 0.0, got 0.0"),
    (step_lr, dict(step=1, base_lr="0.1", step_size=3), TypeError, r"^base_lr must be a real number, got str"),
    (exponential_lr, dict(step=-2, base_lr=0.1, gamma=0.9), ValueError, r"^step must be >= 0"),
    (exponential_lr, dict(step=1, base_lr=0.1, gamma=-0.9), ValueError, r"^gamma must be > 0.0, got -0.9"),
    (exponential_lr, dict(step=1, base_lr=math.nan, gamma=0.9), ValueError, r"^base_lr must be finite, got nan"),
    (inverse_time_lr, dict(step=1, base_lr=0.1, decay_rate=-1.0), ValueError, r"^decay_rate must be >= 0.0, got -1.0"),
    (inverse_time_lr, dict(step=1, base_lr=0.1, decay_rate=1.0, decay_steps=0), ValueError,
     r"^decay_steps must be > 0.0, got 0.0"),
    (cosine_annealing_lr, dict(step=-1, base_lr=0.1, T_max=10), ValueError, r"^step must be >= 0, got -1"),
    (cosine_annealing_lr, dict(step=1, base_lr=0.1, T_max=0), ValueError, r"^T_max must be >= 1, got 0"),
    (cosine_annealing_lr, dict(step=1, base_lr=0.1, T_max=-5), ValueError, r"^T_max must be >= 1, got -5"),
    (cosine_annealing_lr, dict(step=1, base_lr=0.1, T_max=10.0), TypeError, r"^T_max must be an integer, got float"),
    (cosine_annealing_lr, dict(step=1, base_lr=0.1, T_max=10, eta_min=-1e-3), ValueError, r"^eta_min must be >= 0.0"),
    (linear_warmup_lr, dict(step=1, base_lr=0.1, warmup_steps=0), ValueError, r"^warmup_steps must be >= 1, got 0"),
    (linear_warmup_lr, dict(step=1, base_lr=0.1, warmup_steps=5, start_factor=0.0), ValueError,
     r"^start_factor must be > 0.0, got 0.0"),
    (linear_warmup_lr, dict(step=1, base_lr=0.1, warmup_steps=5, start_factor=1.5), ValueError,
     r"^start_factor must be <= 1.0, got 1.5"),
    (cyclic_lr, dict(step=1, base_lr=0.1, max_lr=0.01, step_size_up=5), ValueError,
     r"^max_lr must be >= base_lr \(0.1\), got 0.01"),
    (cyclic_lr, dict(step=1, base_lr=0.01, max_lr=0.1, step_size_up=0), ValueError,
     r"^step_size_up must be >= 1, got 0"),
    (cyclic_lr, dict(step=1, base_lr=0.01, max_lr=0.1, step_size_up=5, step_size_down=0), ValueError,
     r"^step_size_down must be >= 1, got 0"),
    (cyclic_lr, dict(step=1, base_lr=0.01, max_lr=0.1, step_size_up=5, mode="triangle"), ValueError,
     r"^mode must be one of \['triangular', 'triangular2', 'exp_range'\], got 'triangle'"),
    (cyclic_lr, dict(step=1, base_lr=0.01, max_lr=0.1, step_size_up=5, mode="exp_range", gamma=1.1), ValueError,
     r"^gamma must be <= 1.0, got 1.1"),
    (cyclic_lr, dict(step=-1, base_lr=0.01, max_lr=0.1, step_size_up=5), ValueError, r"^step must be >= 0, got -1"),
    (one_cycle_lr, dict(step=0, max_lr=0.1, total_steps=100, pct_start=0.0), ValueError,
     r"^pct_start must be > 0.0, got 0.0"),
    (one_cycle_lr, dict(step=0, max_lr=0.1, total_steps=100, pct_start=1.0), ValueError,
     r"^pct_start must be < 1.0, got 1.0"),
    (one_cycle_lr, dict(step=0, max_lr=0.1, total_steps=100, pct_start=1.3), ValueError,
     r"^pct_start must be < 1.0, got 1.3"),
    (one_cycle_lr, dict(step=0, max_lr=0.1, total_steps=100, pct_start=0.6, three_phase=True), ValueError,
     r"^pct_start must be <= 0.5 with three_phase=True \(phase 2 mirrors phase 1\), got 0.6"),
    (one_cycle_lr, dict(step=0, max_lr=0.1, total_steps=0), ValueError, r"^total_steps must be >= 1, got 0"),
    (one_cycle_lr, dict(step=-1, max_lr=0.1, total_steps=10), ValueError, r"^step must be >= 0, got -1"),
    (one_cycle_lr, dict(step=0, max_lr=0.1, total_steps=10, anneal_strategy="cosine"), ValueError,
     r"^anneal_strategy must be one of \['cos', 'linear'\], got 'cosine'"),
    (one_cycle_lr, dict(step=0, max_lr=0.1, total_steps=10, div_factor=0.0), ValueError,
     r"^div_factor must be > 0.0, got 0.0"),
    (one_cycle_lr, dict(step=0, max_lr=0.1, total_steps=10, final_div_factor=-1.0), ValueError,
     r"^final_div_factor must be > 0.0, got -1.0"),
    (one_cycle_lr, dict(step=0, max_lr=0.1, total_steps=10, three_phase=1), TypeError,
     r"^three_phase must be a bool, got int 1"),
    (one_cycle_lr, dict(step=0, max_lr=-0.1, total_steps=10), ValueError, r"^max_lr must be >= 0.0, got -0.1"),
]


@pytest.mark.parametrize(
    "fn, kwargs, error, match", BAD_ARGS, ids=[f"{b[0].__name__}-{i}" for i, b in enumerate(BAD_ARGS)]
)
def test_bad_arguments_raise(fn, kwargs, error, match):
    kwargs = dict(kwargs)
    step = kwargs.pop("step")
    with pytest.raises(error, match=match):
        fn(step, **kwargs)


def test_settings_are_keyword_only():
    with pytest.raises(TypeError):
        step_lr(1, 0.1, 30)  # type: ignore[misc]


def test_torch_also_rejects_start_factor_zero():
    with pytest.raises(ValueError):
        torch_lrs(lambda o: lr_scheduler.LinearLR(o, start_factor=0.0, total_iters=5), n_steps=1)


# ------------------------------------------------------------ the Scheduler wrapper


def _stub(*lrs):
    return SimpleNamespace(param_groups=[{"lr": lr, "params": []} for lr in lrs])


def test_scheduler_sets_every_group_like_torchs_step_count():
    opt = _stub(1.0, 2.0, 3.0)
    schedule = partial(cosine_annealing_lr, base_lr=0.1, T_max=10)
    sched = Scheduler(opt, schedule)
    assert sched.last_epoch == 0
    assert [g["lr"] for g in opt.param_groups] == [schedule(0)] * 3
    assert sched.get_last_lr() == [schedule(0)] * 3
    for k in range(1, 25):
        sched.step()
        assert sched.last_epoch == k
        assert [g["lr"] for g in opt.param_groups] == [schedule(k)] * 3
        assert sched.get_last_lr() == [schedule(k)] * 3


def test_scheduler_one_function_per_group():
    opt = _stub(0.0, 0.0)
    fns = [partial(exponential_lr, base_lr=0.1, gamma=0.5), partial(step_lr, base_lr=1.0, step_size=2)]
    sched = Scheduler(opt, fns)
    for k in range(6):
        assert [g["lr"] for g in opt.param_groups] == [fns[0](k), fns[1](k)]
        sched.step()


def test_scheduler_get_last_lr_is_a_copy():
    opt = _stub(0.0)
    sched = Scheduler(opt, lambda t: 0.5)
    sched.get_last_lr()[0] = 99.0
    assert sched.get_last_lr() == [0.5] and opt.param_groups[0]["lr"] == 0.5


def test_scheduler_leaves_other_keys_alone():
    opt = SimpleNamespace(param_groups=[{"lr": 1.0, "momentum": 0.9, "params": ["w"]}])
    Scheduler(opt, lambda t: 0.25).step()
    assert opt.param_groups == [{"lr": 0.25, "momentum": 0.9, "params": ["w"]}]


def test_scheduler_on_a_torch_optimizer_matches_torchs_scheduler():
    group_lrs = [0.1, 0.01]
    want = torch_lrs(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=30, eta_min=1e-4), group_lrs=group_lrs)
    got = torch_lrs(
        lambda o: Scheduler(o, [partial(cosine_annealing_lr, base_lr=lr, T_max=30, eta_min=1e-4) for lr in group_lrs]),
        group_lrs=group_lrs,
    )
    assert got.shape == (N_STEPS + 1, 2)
    assert_allclose(got, want, **TOL)


@pytest.mark.parametrize(
    "make_torch, schedule",
    [
        (lambda o: lr_scheduler.StepLR(o, step_size=7, gamma=0.5),
         partial(step_lr, base_lr=0.2, step_size=7, gamma=0.5)),
        (lambda o: lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=20),
         partial(linear_warmup_lr, base_lr=0.2, warmup_steps=20, start_factor=0.1)),
        (lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.2, total_steps=N_STEPS, cycle_momentum=False),
         partial(one_cycle_lr, max_lr=0.2, total_steps=N_STEPS)),
    ],
)
def test_scheduler_reproduces_torch_schedulers_on_a_stub(make_torch, schedule):
    want = torch_lrs(make_torch, lr=0.2)[:, 0]
    opt = _stub(0.2)
    sched = Scheduler(opt, schedule)
    got = [opt.param_groups[0]["lr"]]
    for _ in range(N_STEPS):
        sched.step()
        got.append(opt.param_groups[0]["lr"])
    assert_allclose(got, want, **TOL)


@pytest.mark.parametrize(
    "optimizer, lr_at, error, match",
    [
        (object(), lambda t: 0.1, TypeError, r"^optimizer must have a non-empty param_groups list of dicts"),
        (SimpleNamespace(param_groups=[]), lambda t: 0.1, TypeError, r"^optimizer must have a non-empty param_groups"),
        (SimpleNamespace(param_groups=[0.1]), lambda t: 0.1, TypeError,
         r"got SimpleNamespace with param_groups=\[0.1\]"),
        (_stub(0.1), 0.1, TypeError, r"^lr_at must be a callable or a sequence of callables, got float"),
        (_stub(0.1), [], TypeError, r"^lr_at must be a callable or a sequence of callables, got list"),
        (_stub(0.1), [lambda t: 0.1, 0.2], TypeError, r"^lr_at must be a callable or a sequence of callables"),
        (_stub(0.1, 0.2), [lambda t: 0.1] * 3, ValueError,
         r"^lr_at must have one function per param group \(2\), got 3"),
        (_stub(0.1), lambda t: math.nan, ValueError, r"^lr_at\(0\) must be finite, got nan"),
        (_stub(0.1), lambda t: "0.1", TypeError, r"^lr_at\(0\) must be a real number, got str"),
    ],
)
def test_scheduler_bad_arguments(optimizer, lr_at, error, match):
    with pytest.raises(error, match=match):
        Scheduler(optimizer, lr_at)


def test_scheduler_bad_value_at_a_later_step_names_the_step():
    sched = Scheduler(_stub(0.1), lambda t: 0.1 if t < 3 else math.inf)
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match=r"^lr_at\(3\) must be finite, got inf"):
        sched.step()
    assert sched.last_epoch == 2 and sched.get_last_lr() == [0.1]


def test_scheduler_with_one_function_per_group_rejects_a_new_group():
    opt = _stub(0.1, 0.1)
    sched = Scheduler(opt, [lambda t: 0.1, lambda t: 0.2])
    opt.param_groups.append({"lr": 0.3})
    with pytest.raises(ValueError, match=r"the optimizer has 3 param groups but lr_at has 2 functions"):
        sched.step()


def test_torch_helper_drives_schedulers_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        torch_lrs(lambda o: lr_scheduler.StepLR(o, step_size=3), n_steps=5)
