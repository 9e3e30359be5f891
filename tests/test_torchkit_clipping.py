"""Tests for lecturelib.torchkit.clipping: gradient-norm clipping as an optimizer step pre-hook."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from lecturelib.torchkit.clipping import GradNormLog, clip_grad_norm_on_step
from lecturelib.torchkit.training import train


def _data(n: int = 96, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 5, generator=g, dtype=torch.float64)
    y = torch.arange(n) % 3
    return 3.0 * x, y


def _net(seed: int = 0, scale: float = 1.0) -> nn.Sequential:
    g = torch.Generator().manual_seed(seed)
    net = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 3)).double()
    with torch.no_grad():
        for m in net:
            if isinstance(m, nn.Linear):
                m.weight.copy_(scale * torch.randn(m.weight.shape, generator=g, dtype=torch.float64))
                m.bias.copy_(torch.randn(m.bias.shape, generator=g, dtype=torch.float64))
    return net


def _batches(x, y, size=16):
    return [(x[i:i + size], y[i:i + size]) for i in range(0, len(y), size)]


def _grad_norm(net: nn.Module, p: float = 2.0) -> float:
    """The total p-norm of all gradients, as one long float64 numpy vector."""
    flat = np.concatenate([q.grad.detach().numpy().ravel() for q in net.parameters()])
    return float(np.max(np.abs(flat))) if math.isinf(p) else float(np.sum(np.abs(flat) ** p) ** (1 / p))


def _backward(net, xb, yb):
    nn.functional.cross_entropy(net(xb), yb).backward()


@pytest.mark.parametrize("max_norm", [0.05, 1.0, 100.0])
@pytest.mark.parametrize("norm_type", [1.0, 2.0, math.inf])
def test_hook_equals_clipping_by_hand_before_every_step(max_norm, norm_type):
    x, y = _data()
    hooked, by_hand = _net(scale=2.0), _net(scale=2.0)
    opt_h = torch.optim.SGD(hooked.parameters(), lr=0.3, momentum=0.9)
    opt_b = torch.optim.SGD(by_hand.parameters(), lr=0.3, momentum=0.9)
    log = clip_grad_norm_on_step(opt_h, max_norm=max_norm, norm_type=norm_type)
    expected_norms = []
    for xb, yb in _batches(x, y):
        for net, opt in [(hooked, opt_h), (by_hand, opt_b)]:
            opt.zero_grad()
            _backward(net, xb, yb)
        expected_norms.append(_grad_norm(by_hand, norm_type))
        torch.nn.utils.clip_grad_norm_(by_hand.parameters(), max_norm, norm_type)
        opt_h.step()
        opt_b.step()
    for a, b in zip(hooked.parameters(), by_hand.parameters()):
        assert torch.equal(a, b)
    np.testing.assert_allclose(log.norms, expected_norms, rtol=1e-12)


def test_clipped_gradient_keeps_its_direction_and_has_norm_max_norm():
    x, y = _data()
    net = _net(scale=3.0)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    _backward(net, x, y)
    before = torch.cat([q.grad.ravel() for q in net.parameters()]).clone()
    assert before.norm() > 1.0
    log = clip_grad_norm_on_step(opt, max_norm=1.0)
    opt.step()
    after = torch.cat([q.grad.ravel() for q in net.parameters()])
    assert log.norms == [pytest.approx(float(before.norm()), rel=1e-12)]
    # torch's coefficient: max_norm / (norm + 1e-6)
    np.testing.assert_allclose(after.numpy(), before.numpy() / (float(before.norm()) + 1e-6), rtol=1e-12)
    cos = float(before @ after / (before.norm() * after.norm()))
    assert cos == pytest.approx(1.0, abs=1e-12)
    assert log.clipped().tolist() == [True]


def test_small_gradients_pass_unchanged():
    x, y = _data()
    net = _net(scale=0.1)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    _backward(net, x, y)
    before = [q.grad.clone() for q in net.parameters()]
    log = clip_grad_norm_on_step(opt, max_norm=1e6)
    opt.step()
    for q, g in zip(net.parameters(), before):
        assert torch.equal(q.grad, g)
    assert log.clipped().tolist() == [False]


def test_infinite_max_norm_records_and_changes_nothing_inside_train():
    x, y = _data()
    plain, hooked = _net(scale=2.0), _net(scale=2.0)
    train(plain, x, y, optimizer=torch.optim.SGD(plain.parameters(), lr=0.5), epochs=3, batch_size=10, seed=4)
    opt = torch.optim.SGD(hooked.parameters(), lr=0.5)
    log = clip_grad_norm_on_step(opt, max_norm=math.inf)
    train(hooked, x, y, optimizer=opt, epochs=3, batch_size=10, seed=4)
    for a, b in zip(plain.parameters(), hooked.parameters()):
        assert torch.equal(a, b)
    assert len(log.norms) == 3 * math.ceil(96 / 10)  # one per optimizer step, the short last batch included
    assert not log.clipped().any()


def test_infinite_max_norm_leaves_an_overflowed_gradient_alone():
    w = nn.Parameter(torch.tensor([1.0, 2.0]))
    opt = torch.optim.SGD([w], lr=1.0)
    log = clip_grad_norm_on_step(opt, max_norm=math.inf)
    w.grad = torch.tensor([math.inf, 1.0])
    opt.step()
    assert log.norms == [math.inf]
    assert w.detach().tolist() == [-math.inf, 1.0]  # not NaN: the gradient was not multiplied by anything


def test_inside_train_clips_every_step_and_matches_a_hand_written_loop():
    x, y = _data()
    hooked, by_hand = _net(scale=2.0), _net(scale=2.0)
    opt = torch.optim.SGD(hooked.parameters(), lr=0.5)
    log = clip_grad_norm_on_step(opt, max_norm=0.5)
    train(hooked, x, y, optimizer=opt, epochs=2, batch_size=32, seed=7)
    opt_b = torch.optim.SGD(by_hand.parameters(), lr=0.5)
    generator = torch.Generator().manual_seed(7)  # train's shuffling: one randperm per epoch
    norms = []
    for _ in range(2):
        order = torch.randperm(len(y), generator=generator)
        for start in range(0, len(y), 32):
            idx = order[start:start + 32]
            opt_b.zero_grad()
            _backward(by_hand, x[idx], y[idx])
            norms.append(float(torch.nn.utils.clip_grad_norm_(by_hand.parameters(), 0.5)))
            opt_b.step()
    for a, b in zip(hooked.parameters(), by_hand.parameters()):
        assert torch.equal(a, b)
    assert log.norms == norms


def test_remove_stops_clipping_and_recording():
    w = nn.Parameter(torch.tensor([3.0, 4.0], dtype=torch.float64))
    opt = torch.optim.SGD([w], lr=1.0)
    log = clip_grad_norm_on_step(opt, max_norm=1.0)
    w.grad = torch.tensor([3.0, 4.0], dtype=torch.float64)
    opt.step()
    log.remove()
    log.remove()  # twice is harmless
    w.grad = torch.tensor([3.0, 4.0], dtype=torch.float64)
    opt.step()
    assert log.norms == [5.0]
    # first step moved by (3, 4) / (5 + 1e-6), the second by the full (3, 4)
    expected = np.array([3.0, 4.0]) * (1 - 1 / (5 + 1e-6)) - np.array([3.0, 4.0])
    np.testing.assert_allclose(w.detach().numpy(), expected, rtol=1e-12)


def test_all_parameter_groups_share_one_norm_and_missing_gradients_are_skipped():
    a = nn.Parameter(torch.tensor([3.0], dtype=torch.float64))
    b = nn.Parameter(torch.tensor([4.0], dtype=torch.float64))
    c = nn.Parameter(torch.tensor([7.0], dtype=torch.float64))  # no gradient
    opt = torch.optim.SGD([{"params": [a]}, {"params": [b, c], "lr": 2.0}], lr=1.0)
    log = clip_grad_norm_on_step(opt, max_norm=1.0)
    a.grad = torch.tensor([3.0], dtype=torch.float64)
    b.grad = torch.tensor([4.0], dtype=torch.float64)
    opt.step()
    assert log.norms == [5.0]
    coef = 1.0 / (5.0 + 1e-6)
    assert a.item() == pytest.approx(3.0 - 3.0 * coef, rel=1e-14)
    assert b.item() == pytest.approx(4.0 - 2.0 * 4.0 * coef, rel=1e-14)
    assert c.item() == 7.0


def test_log_fields_and_norm_type_spellings():
    opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0)
    log = clip_grad_norm_on_step(opt, max_norm=2, norm_type="inf")
    assert isinstance(log, GradNormLog)
    assert (log.max_norm, log.norm_type, log.norms) == (2.0, math.inf, [])
    assert log.clipped().shape == (0,)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"max_norm": 0.0}, ValueError, r"^max_norm must be > 0 \(inf allowed\), got 0.0"),
    ({"max_norm": -1.0}, ValueError, r"^max_norm must be > 0"),
    ({"max_norm": math.nan}, ValueError, r"^max_norm must be > 0 \(inf allowed\), got nan"),
    ({"max_norm": "1"}, TypeError, r"^max_norm must be a real number, got str '1'"),
    ({"max_norm": 1.0, "norm_type": 0.5}, ValueError, r"^norm_type must be a number >= 1 or 'inf', got 0.5"),
    ({"max_norm": 1.0, "norm_type": "two"}, ValueError, r"^norm_type must be a number >= 1 or 'inf'"),
    ({"max_norm": 1.0, "norm_type": True}, ValueError, r"^norm_type must be a number >= 1 or 'inf'"),
])
def test_bad_arguments(kwargs, error, match):
    opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0)
    with pytest.raises(error, match=match):
        clip_grad_norm_on_step(opt, **kwargs)


def test_optimizer_must_be_a_torch_optimizer():
    with pytest.raises(TypeError, match="^optimizer must be a torch.optim.Optimizer, got list"):
        clip_grad_norm_on_step([nn.Parameter(torch.zeros(1))], max_norm=1.0)


def test_only_the_optimizer_it_was_registered_on_clips():
    w = nn.Parameter(torch.tensor([3.0, 4.0], dtype=torch.float64))
    opt = torch.optim.SGD([w], lr=1.0)
    log = clip_grad_norm_on_step(opt, max_norm=1.0)
    other = torch.optim.SGD([w], lr=1.0)
    w.grad = torch.tensor([3.0, 4.0], dtype=torch.float64)
    other.step()
    assert log.norms == []
    assert w.detach().tolist() == [0.0, 0.0]  # the full gradient step
