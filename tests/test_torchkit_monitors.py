"""Tests for lecturelib.torchkit.monitors: the update-to-data ratio recorder."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from lecturelib.torchkit.models import init_linear_layers_, torch_mlp
from lecturelib.torchkit.monitors import UpdateRatioRecorder
from lecturelib.torchkit.training import train


def _net(sizes=(4, 6, 5, 3), seed: int = 0, dtype=torch.float64) -> nn.Sequential:
    net = torch_mlp(list(sizes)).to(dtype)
    return init_linear_layers_(net, "kaiming_normal", generator=torch.Generator().manual_seed(seed))


def _data(n: int = 48, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    return torch.from_numpy(rng.standard_normal((n, 4))), torch.from_numpy(rng.integers(0, 3, size=n))


@pytest.mark.parametrize("lr", [1e-3, 0.1])
def test_plain_sgd_ratio_is_lr_times_gradient_norm_over_weight_norm(lr):
    net = _net()
    x, y = _data()
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    recorder = UpdateRatioRecorder()
    recorder(0, net)
    expected = []
    for step in range(1, 4):
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        linears = [m for m in net if isinstance(m, nn.Linear)]
        expected.append([lr * m.weight.grad.norm().item() / m.weight.norm().item() for m in linears])
        opt.step()
        recorder(step, net)
    assert recorder.steps.tolist() == [1, 2, 3]
    np.testing.assert_allclose(recorder.ratios, expected, rtol=1e-12)


def test_scaling_a_weight_gives_the_scale_minus_one_and_biases_are_ignored():
    net = _net()
    recorder = UpdateRatioRecorder()
    recorder(0, net)
    with torch.no_grad():
        net[2].weight.mul_(0.25)  # the second Linear: |0.25 W - W| / |W| = 0.75
        for m in net:
            if isinstance(m, nn.Linear):
                m.bias.add_(5.0)
    recorder(1, net)
    np.testing.assert_allclose(recorder.ratios, [[0.0, 0.75, 0.0]], atol=1e-15)


def test_float32_weights_are_compared_in_float64():
    net = nn.Sequential(nn.Linear(3, 3))
    with torch.no_grad():
        net[0].weight.fill_(1.0)
    recorder = UpdateRatioRecorder()
    recorder(0, net)
    with torch.no_grad():
        net[0].weight[0, 0] += 2.0**-20  # representable in float32
    recorder(1, net)
    np.testing.assert_allclose(recorder.ratios[0, 0], 2.0**-20 / 3.0, rtol=1e-12)


def test_inside_train_one_row_per_step_and_the_run_is_unchanged():
    x, y = _data(n=50)
    runs = []
    for recorder in (UpdateRatioRecorder(), None):
        net = _net(seed=3)
        opt = torch.optim.Adam(net.parameters(), lr=0.01)
        train(net, x, y, optimizer=opt, epochs=3, batch_size=16, seed=1, callback=recorder)
        runs.append((net, recorder))
    (net_a, recorder), (net_b, _) = runs
    assert recorder.steps.tolist() == list(range(1, 13))  # 3 epochs of 4 batches
    assert recorder.ratios.shape == (12, 3)
    assert np.all(recorder.ratios > 0) and np.all(np.isfinite(recorder.ratios))
    for a, b in zip(net_a.parameters(), net_b.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_empty_recorder_has_empty_arrays():
    recorder = UpdateRatioRecorder()
    assert recorder.steps.shape == (0,) and recorder.ratios.shape == (0, 0)
    recorder(0, _net())
    assert recorder.ratios.shape == (0, 3)


def test_steps_must_follow_one_run_from_zero():
    net = _net()
    recorder = UpdateRatioRecorder()
    with pytest.raises(ValueError, match="step must be 0"):
        recorder(1, net)
    recorder(0, net)
    recorder(1, net)
    with pytest.raises(ValueError, match="step must be 2 .*got 3"):
        recorder(3, net)
    with pytest.raises(ValueError, match="step must be 2 .*got 0"):
        recorder(0, net)


@pytest.mark.parametrize("step, model, error, match", [
    (0, nn.Sequential(nn.ReLU()), ValueError, "at least one nn.Linear"),
    (0, "net", TypeError, "model must be a torch.nn.Module"),
    (-1, nn.Linear(2, 2), ValueError, "step must be >= 0"),
    (0.0, nn.Linear(2, 2), TypeError, "step must be an integer"),
])
def test_bad_arguments_are_named(step, model, error, match):
    with pytest.raises(error, match=match):
        UpdateRatioRecorder()(step, model)


def test_a_model_that_loses_a_layer_is_rejected():
    recorder = UpdateRatioRecorder()
    recorder(0, _net())
    with pytest.raises(ValueError, match="keep its 3 nn.Linear layers, got 2"):
        recorder(1, _net(sizes=(4, 6, 3)))
