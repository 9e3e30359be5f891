"""Tests for lecturelib.torchkit.lr_finder: the learning-rate range test."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from torch import nn

from lecturelib.torchkit.lr_finder import LRRangeTest, lr_range_test


def _blobs(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian blobs in 4-D, overlapping a little (float64 features, int64 labels)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    return 2.0 * np.eye(3, 4)[y] + rng.standard_normal((n, 4)), y.astype(np.int64)


def _net(seed: int = 0, batch_norm: bool = False) -> nn.Sequential:
    g = torch.Generator().manual_seed(seed)
    layers = [nn.Linear(4, 16)] + ([nn.BatchNorm1d(16)] if batch_norm else []) + [nn.ReLU(), nn.Linear(16, 3)]
    net = nn.Sequential(*layers).double()
    for m in net:
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu", generator=g)
            nn.init.zeros_(m.bias)
    return net


SGD = functools.partial(torch.optim.SGD, lr=1.0)


class _Spy(torch.optim.SGD):
    """SGD that records the learning rate of every step it takes."""

    def __init__(self, params, **kwargs):
        super().__init__(params, **kwargs)
        self.seen_lrs = []

    def step(self, closure=None):
        self.seen_lrs.append(self.param_groups[0]["lr"])
        return super().step(closure)


def _run(net=None, **kwargs) -> LRRangeTest:
    x, y = _blobs()
    args = {"make_optimizer": SGD, "lr_min": 1e-5, "lr_max": 1e2, "steps": 60, "batch_size": 32}
    args.update(kwargs)
    return lr_range_test(_net() if net is None else net, x, y, **args)


def test_lrs_are_exponentially_spaced_from_lr_min_to_lr_max():
    result = _run(stop_factor=None, lr_max=1.0, steps=40)
    assert isinstance(result, LRRangeTest) and not result.stopped_early
    assert result.lrs.shape == result.losses.shape == result.smoothed_losses.shape == (40,)
    assert result.lrs[0] == 1e-5
    np.testing.assert_allclose(result.lrs[-1], 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.diff(np.log(result.lrs)), np.log(1e5) / 39, rtol=1e-9)


def test_each_step_uses_its_lr_and_the_optimizer_of_make_optimizer():
    spies = []

    def make(params):
        spies.append(_Spy(params, lr=123.0, momentum=0.9))
        return spies[0]

    result = _run(make_optimizer=make, stop_factor=None, steps=25)
    assert len(spies) == 1
    np.testing.assert_array_equal(spies[0].seen_lrs, result.lrs)
    assert spies[0].param_groups[0]["momentum"] == 0.9  # only the lr is overwritten


def test_losses_are_the_batch_losses_before_each_step():
    x, y = _blobs()
    net = _net()
    result = lr_range_test(net, x, y, make_optimizer=SGD, lr_min=1e-3, lr_max=1e-1, steps=3, batch_size=32,
                           seed=5, stop_factor=None)
    ref = _net()  # replay the three steps by hand with the same order of examples
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(5))
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for t, lr in enumerate(result.lrs):
        idx = order[32 * t:32 * (t + 1)]
        loss = nn.functional.cross_entropy(ref(xt[idx]), yt[idx])
        np.testing.assert_allclose(result.losses[t], loss.item(), rtol=1e-12)
        grads = torch.autograd.grad(loss, list(ref.parameters()))
        with torch.no_grad():
            for p, g in zip(ref.parameters(), grads):
                p -= lr * g


def test_stops_when_the_smoothed_loss_exceeds_stop_factor_times_the_best():
    for stop_factor in (2.0, 4.0, 10.0):
        result = _run(stop_factor=stop_factor, steps=200, lr_max=1e4)
        assert result.stopped_early and len(result.lrs) < 200
        smoothed = result.smoothed_losses
        best_so_far = np.minimum.accumulate(smoothed)
        assert smoothed[-1] > stop_factor * best_so_far[-1] or not np.isfinite(smoothed[-1])
        assert np.all(smoothed[:-1] <= stop_factor * best_so_far[:-1])  # it did not stop too late
    lengths = [len(_run(stop_factor=f, steps=200, lr_max=1e4).lrs) for f in (1.5, 4.0, 100.0)]
    assert lengths == sorted(lengths)


def test_without_stop_factor_it_runs_to_lr_max_unless_the_loss_stops_being_finite():
    result = _run(stop_factor=None, steps=80, lr_max=1e6)
    assert len(result.lrs) == 80 or not np.isfinite(result.smoothed_losses[-1])
    assert np.isfinite(result.smoothed_losses[:-1]).all()


def test_smoothing_is_a_bias_corrected_moving_average():
    result = _run(smoothing=0.9, stop_factor=None, steps=30)
    m, want = 0.0, []
    for t, loss in enumerate(result.losses, start=1):
        m = 0.9 * m + 0.1 * loss
        want.append(m / (1 - 0.9**t))
    np.testing.assert_allclose(result.smoothed_losses, want, rtol=1e-12)
    assert result.smoothed_losses[0] == pytest.approx(result.losses[0], rel=1e-12)
    raw = _run(smoothing=None, stop_factor=None, steps=30)
    np.testing.assert_array_equal(raw.smoothed_losses, raw.losses)
    np.testing.assert_array_equal(raw.losses, result.losses)  # smoothing changes the record, not the run


def test_best_loss_best_lr_and_suggestion():
    result = _run()
    best = int(np.argmin(result.smoothed_losses))
    assert result.best_loss == result.smoothed_losses[best] and result.best_lr == result.lrs[best]
    assert result.suggested_lr == pytest.approx(result.best_lr / 10, rel=1e-15)
    assert result.best_loss < result.losses[0]  # the loss did fall on this easy problem
    other = _run(suggestion_divisor=3.0)
    assert other.suggested_lr == pytest.approx(result.best_lr / 3, rel=1e-15)


@pytest.mark.parametrize("batch_norm", [False, True])
def test_the_model_is_restored_in_place(batch_norm):
    net = _net(batch_norm=batch_norm)
    net.eval()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    params = list(net.parameters())
    result = _run(net, lr_max=1e4, steps=200)
    assert result.stopped_early  # the weights had blown up before they were restored
    assert not net.training
    for k, v in net.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert all(p is q for p, q in zip(net.parameters(), params))


def test_the_model_is_restored_when_the_test_raises():
    net = _net()
    before = [p.detach().clone() for p in net.parameters()]
    calls = []

    def loss_fn(logits, targets):
        calls.append(1)
        if len(calls) == 5:  # call 1 evaluates the untrained model, calls 2-4 are steps 1-3
            raise RuntimeError("boom")
        return nn.functional.cross_entropy(logits, targets)

    with pytest.raises(RuntimeError, match="boom"):
        _run(net, loss_fn=loss_fn)
    for p, q in zip(net.parameters(), before):
        assert torch.equal(p, q)


def test_deterministic_given_the_seed():
    a, b, c = _run(seed=3), _run(seed=3), _run(seed=4)
    for field in ("lrs", "losses", "smoothed_losses"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert (a.best_lr, a.stopped_early) == (b.best_lr, b.stopped_early)
    assert not np.array_equal(a.losses[:5], c.losses[:5])


def test_batch_larger_than_the_data_uses_all_examples_every_step():
    x, y = _blobs(20)
    result = lr_range_test(_net(), x, y, make_optimizer=SGD, lr_min=1e-9, lr_max=1e-8, steps=4,
                           batch_size=64, stop_factor=None)
    full = nn.functional.cross_entropy(_net()(torch.from_numpy(x)), torch.from_numpy(y)).item()
    np.testing.assert_allclose(result.losses, full, rtol=1e-6)  # tiny lrs: the full-batch loss barely moves


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"lr_min": 0.0}, ValueError, "^lr_min must be > 0.0, got 0.0"),
        ({"lr_min": 1.0, "lr_max": 1.0}, ValueError, "^lr_max must be > 1.0, got 1.0"),
        ({"steps": 1}, ValueError, "^steps must be >= 2, got 1"),
        ({"steps": 10.0}, TypeError, "^steps must be an integer"),
        ({"stop_factor": 1.0}, ValueError, "^stop_factor must be > 1.0, got 1.0"),
        ({"stop_factor": "4"}, TypeError, "^stop_factor must be a real number"),
        ({"smoothing": 1.0}, ValueError, "^smoothing must be < 1.0, got 1.0"),
        ({"smoothing": -0.1}, ValueError, "^smoothing must be >= 0.0"),
        ({"batch_size": 0}, ValueError, "^batch_size must be >= 1, got 0"),
        ({"seed": -1}, ValueError, "^seed must be >= 0"),
        ({"suggestion_divisor": 0.0}, ValueError, "^suggestion_divisor must be > 0.0"),
        ({"make_optimizer": torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1)}, TypeError,
         r"^make_optimizer must be callable as make_optimizer\(params\)"),
        ({"make_optimizer": lambda params: "sgd"}, TypeError, "^make_optimizer must return a torch.optim.Optimizer"),
        ({"make_optimizer": lambda params: torch.optim.SGD(nn.Linear(2, 2).parameters())}, ValueError,
         "^make_optimizer must build an optimizer on the parameters it is given"),
        ({"x": np.zeros((5, 4))}, ValueError, "^x and y must have the same number of rows"),
        ({"y": np.zeros(200)}, TypeError, "^y must be an integer array"),
        ({"net": nn.ReLU()}, ValueError, "^model must have at least one parameter"),
    ],
)
def test_arguments_are_checked(kwargs, error, match):
    x, y = _blobs()
    args = {"make_optimizer": SGD, "x": x, "y": y, "net": _net(), **kwargs}
    with pytest.raises(error, match=match):
        lr_range_test(args.pop("net"), args.pop("x"), args.pop("y"), **args)
