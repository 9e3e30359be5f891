"""Tests for lecturelib.torchkit.optimizers: torch's optimizers by name, and train_with."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest
import torch
from torch import nn

from lecturelib.schedules import cosine_annealing_lr, one_cycle_lr
from lecturelib.torchkit.experiments import train_mlp
from lecturelib.torchkit.models import init_linear_layers_, torch_mlp
from lecturelib.torchkit.monitors import UpdateRatioRecorder
from lecturelib.torchkit.optimizers import (TORCH_OPTIMIZERS, OnArrays, OptimizerRun, on_arrays, scheduler_lrs,
                                            train_with)
from lecturelib.torchkit.training import train


def _blobs(n: int = 120, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian blobs in 5-D (float64 features, int64 labels)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    return 2.0 * np.eye(3, 5)[y] + rng.standard_normal((n, 5)), y.astype(np.int64)


# torch's class and defaults for every name; only lr (and SGD+momentum's momentum) set by us
EXPECTED = {
    "SGD": (torch.optim.SGD, {"momentum": 0.0, "dampening": 0.0, "nesterov": False, "weight_decay": 0.0}),
    "SGD+momentum": (torch.optim.SGD, {"momentum": 0.9, "dampening": 0.0, "nesterov": False, "weight_decay": 0.0}),
    "Adagrad": (torch.optim.Adagrad, {"lr_decay": 0.0, "eps": 1e-10, "initial_accumulator_value": 0.0}),
    "RMSprop": (torch.optim.RMSprop, {"alpha": 0.99, "eps": 1e-8, "momentum": 0.0, "centered": False}),
    "Adadelta": (torch.optim.Adadelta, {"rho": 0.9, "eps": 1e-6, "weight_decay": 0.0}),
    "Adam": (torch.optim.Adam, {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False}),
    "AdamW": (torch.optim.AdamW, {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.01, "amsgrad": False}),
}


def test_every_name_is_tested():
    assert set(TORCH_OPTIMIZERS) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_factories_build_torchs_class_with_its_defaults_and_the_given_lr(name):
    cls, defaults = EXPECTED[name]
    params = [nn.Parameter(torch.zeros(3))]
    opt = TORCH_OPTIMIZERS[name](params, 0.037)
    assert type(opt) is cls
    group = opt.param_groups[0]
    assert group["lr"] == 0.037 and group["params"][0] is params[0]
    for key, value in defaults.items():
        assert group[key] == value, key


@pytest.mark.parametrize("name, optimizer, momentum, lr", [
    ("SGD", "sgd", 0.0, 0.3), ("SGD+momentum", "sgd", 0.9, 0.05), ("Adam", "adam", 0.0, 0.01),
])
def test_train_with_trains_exactly_train_mlps_network(name, optimizer, momentum, lr):
    x, y = _blobs()
    ours = train_with(name, x, y, lr=lr, epochs=3, batch_size=16, hidden=[12, 8], seed=4)
    theirs = train_mlp(x, y, hidden=[12, 8], activation="relu", weight_init="kaiming_normal", lr=lr,
                       epochs=3, optimizer=optimizer, momentum=momentum, batch_size=16, seed=4)
    for a, b in zip(ours.net.parameters(), theirs.net.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    np.testing.assert_array_equal(ours.history["loss"], theirs.history["loss"])


def test_run_records_every_steps_loss_and_constant_lr():
    x, y = _blobs(n=120)
    run = train_with("RMSprop", x, y, lr=0.002, epochs=2, batch_size=30, hidden=[8], x_val=x[:20], y_val=y[:20])
    assert isinstance(run, OptimizerRun)
    assert run.batch_losses.shape == run.lrs.shape == (8,)  # 2 epochs of 4 full batches
    np.testing.assert_array_equal(run.lrs, 0.002)
    # equal batches: the epoch's loss in the history is the mean of its batch losses
    np.testing.assert_allclose(run.history["loss"][1:], run.batch_losses.reshape(2, 4).mean(axis=1), rtol=1e-12)
    assert "val_accuracy" in run.history


def test_a_schedule_sets_lr_at_t_minus_1_for_step_t():
    x, y = _blobs(n=100)
    schedule = partial(one_cycle_lr, max_lr=0.2, total_steps=14)
    run = train_with("SGD+momentum", x, y, lr=schedule, epochs=2, batch_size=15, hidden=[8])
    assert len(run.lrs) == 14  # 7 batches per epoch, the last one of 10
    np.testing.assert_allclose(run.lrs, [schedule(t) for t in range(14)], rtol=1e-15)


def test_a_schedule_trains_as_torchs_own_scheduler_stepped_per_batch():
    x, y = _blobs()
    run = train_with("SGD+momentum", x, y, lr=partial(cosine_annealing_lr, base_lr=0.1, T_max=24), epochs=3,
                     batch_size=15, hidden=[8], seed=2)
    net = torch_mlp([5, 8, 3])
    init_linear_layers_(net, "kaiming_normal", generator=torch.Generator().manual_seed(2))
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=24)
    train(net, x, y, optimizer=opt, epochs=3, batch_size=15, seed=2, batch_callback=lambda step, loss: sched.step())
    for a, b in zip(run.net.parameters(), net.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)


def test_same_seed_same_run_other_seed_other_run():
    x, y = _blobs()
    a, b, c = (train_with("Adagrad", x, y, lr=0.05, epochs=2, batch_size=20, hidden=[8], seed=s)
               for s in (1, 1, 2))
    np.testing.assert_array_equal(a.batch_losses, b.batch_losses)
    assert not np.array_equal(a.batch_losses, c.batch_losses)


def test_callback_is_passed_to_the_training_loop():
    x, y = _blobs(n=60)
    recorder = UpdateRatioRecorder()
    run = train_with("Adadelta", x, y, lr=1.0, epochs=2, batch_size=20, hidden=[8, 8], callback=recorder)
    assert recorder.steps.tolist() == list(range(1, len(run.batch_losses) + 1))
    assert recorder.ratios.shape == (6, 3)


def test_training_lowers_the_loss():
    x, y = _blobs()
    run = train_with("Adam", x, y, lr=0.01, epochs=10, batch_size=20, hidden=[16])
    assert run.history["loss"][-1] < 0.5 * run.history["loss"][0]
    assert run.history["loss"][0] == pytest.approx(math.log(3), rel=0.5)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"name": "LBFGS"}, ValueError, "name must be one of"),
    ({"lr": 0.0}, ValueError, "lr must be > 0"),
    ({"lr": -1.0}, ValueError, "lr must be > 0"),
    ({"lr": "fast"}, TypeError, "lr must be a real number"),
    ({"seed": -1}, ValueError, "seed must be >= 0"),
    ({"hidden": [0]}, ValueError, r"hidden\[0\] must be >= 1"),
])
def test_bad_arguments_are_named(kwargs, error, match):
    x, y = _blobs(n=30)
    args = {"name": "SGD", "lr": 0.1, "epochs": 1, "hidden": [4]} | kwargs
    name = args.pop("name")
    with pytest.raises(error, match=match):
        train_with(name, x, y, **args)


# ---------------------------------------------------------------- OnArrays

ON_ARRAYS_CASES = [
    (torch.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    (torch.optim.SGD, dict(lr=0.1, maximize=True)),
    (torch.optim.Adagrad, dict(lr=0.5, lr_decay=0.01)),
    (torch.optim.RMSprop, dict(lr=0.01, centered=True, momentum=0.5)),
    (torch.optim.Adadelta, dict(lr=1.0, rho=0.8)),
    (torch.optim.Adam, dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    (torch.optim.AdamW, dict(lr=0.01, weight_decay=0.1)),
]


@pytest.mark.parametrize("cls, kwargs", ON_ARRAYS_CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_on_arrays_is_the_torch_optimizer_step_for_step(cls, kwargs):
    # the reference drives torch's optimizer the usual way, on tensors with .grad
    rng = np.random.default_rng(0)
    shapes = [(3, 4), (4,)]
    start = [rng.standard_normal(s) for s in shapes]
    grads = [[rng.standard_normal(s) for s in shapes] for _ in range(50)]
    tensors = [torch.tensor(a, requires_grad=True) for a in start]
    reference = cls(tensors, **kwargs)
    arrays = [a.copy() for a in start]
    opt = on_arrays(cls)(arrays, **kwargs)
    for g in grads:
        for t, gi in zip(tensors, g):
            t.grad = torch.tensor(gi)
        reference.step()
        opt.step(g)
    for a, t in zip(arrays, tensors):
        np.testing.assert_array_equal(a, t.detach().numpy())
    assert not np.allclose(arrays[0], start[0])  # it moved


def test_on_arrays_updates_the_arrays_in_place_and_skips_none():
    x, y = np.array([1.0, 2.0]), np.array([5.0])
    opt = OnArrays(torch.optim.SGD, [x, y], lr=0.25)
    before = id(x)
    opt.step([np.array([4.0, -4.0]), None])
    assert id(x) == before
    np.testing.assert_array_equal(x, [0.0, 3.0])  # 1 - 0.25 * 4, 2 + 0.25 * 4
    np.testing.assert_array_equal(y, [5.0])
    assert opt.param_groups[0]["lr"] == 0.25
    assert "OnArrays(SGD, 2 array(s))" == repr(opt)


def test_on_arrays_drives_run_optimizer():
    from lecturelib import problems

    bowl = problems.quadratic(lam_min=0.2, lam_max=4.0)
    run = problems.run_optimizer(bowl, np.array([1.0, 1.0]), steps=3,
                                 make_optimizer=lambda ps: OnArrays(torch.optim.SGD, ps, lr=0.25))
    # gradient descent on a diagonal quadratic: each coordinate times (1 - lr * lambda) per step
    np.testing.assert_allclose(run.path[-1], [0.95**3, 0.0], rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("call, error, words", [
    (lambda: on_arrays("Adam"), TypeError, "optimizer_class must be a torch.optim.Optimizer subclass"),
    (lambda: OnArrays(np.ndarray, [np.zeros(2)], lr=1.0), TypeError, "optimizer_class must be"),
    (lambda: OnArrays(torch.optim.SGD, np.zeros(2), lr=1.0), TypeError, "params must be a non-empty list"),
    (lambda: OnArrays(torch.optim.SGD, [], lr=1.0), TypeError, r"got list \(empty\)"),
    (lambda: OnArrays(torch.optim.SGD, [np.zeros(2, np.float32)], lr=1.0), TypeError,
     r"params\[0\] must be a float64 numpy array \(updated in place\), got dtype float32"),
    (lambda: OnArrays(torch.optim.SGD, [[0.0, 1.0]], lr=1.0), TypeError, "got list"),
    (lambda: OnArrays(torch.optim.SGD, [np.zeros((2, 2)).T[0]], lr=1.0), ValueError, "C-contiguous"),
    (lambda: OnArrays(torch.optim.SGD, [np.zeros(2)], lr=-1.0), ValueError, "Invalid learning rate"),
    (lambda: OnArrays(torch.optim.SGD, [np.zeros(2)], lr=1.0).step([np.zeros(3)]), ValueError,
     r"grads\[0\] must have the shape of params\[0\], \(2,\), got \(3,\)"),
    (lambda: OnArrays(torch.optim.SGD, [np.zeros(2)], lr=1.0).step([]), ValueError, "expected 1, got 0"),
    (lambda: OnArrays(torch.optim.SGD, [np.zeros(2)], lr=1.0).step(np.zeros(2)), TypeError,
     "grads must be a list of arrays"),
])
def test_on_arrays_bad_arguments(call, error, words):
    with pytest.raises(error, match=words):
        call()


# ---------------------------------------------------------------- scheduler_lrs


def test_scheduler_lrs_reads_the_rate_before_every_step():
    from torch.optim import lr_scheduler

    got = scheduler_lrs(lambda o: lr_scheduler.ExponentialLR(o, gamma=0.5), lr=0.8, steps=4)
    np.testing.assert_allclose(got, [0.8, 0.4, 0.2, 0.1], rtol=1e-15)  # 0.8 * 0.5 ** t
    got = scheduler_lrs(lambda o: lr_scheduler.LinearLR(o, start_factor=0.25, total_iters=3), lr=1.0, steps=5)
    np.testing.assert_allclose(got, [0.25, 0.5, 0.75, 1.0, 1.0], rtol=1e-15)


def test_scheduler_lrs_is_what_train_with_records():
    from torch.optim import lr_scheduler

    from lecturelib.schedules import cosine_annealing_lr

    x, y = _blobs()
    run = train_with("SGD+momentum", x, y, lr=partial(cosine_annealing_lr, base_lr=0.1, T_max=12), epochs=2,
                     batch_size=20, hidden=[8])
    want = scheduler_lrs(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=12), lr=0.1, steps=12)
    np.testing.assert_allclose(run.lrs, want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(make_scheduler=None, lr=0.1, steps=3), TypeError, "make_scheduler must be a callable"),
    (dict(make_scheduler=lambda o: None, lr=0.0, steps=3), ValueError, "lr"),
    (dict(make_scheduler=lambda o: None, lr=0.1, steps=0), ValueError, "steps"),
])
def test_scheduler_lrs_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        scheduler_lrs(**kwargs)
