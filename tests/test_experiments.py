"""Tests for lecturelib.torchkit.experiments: torch's own modules, measured and trained."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lecturelib.diagnostics import init_statistics
from lecturelib.torchkit.experiments import torch_generator, torch_init_statistics, train_deep_mlp
from lecturelib.torchkit.models import init_linear_layers_, torch_mlp


def test_torch_init_statistics_measure_torchs_own_construction():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((64, 12)), rng.integers(0, 3, size=64)
    stats = torch_init_statistics(x, y, depth=3, activation="relu", weight_init="linear_default", width=10,
                                  rng=np.random.default_rng(4))
    # rebuilt here by hand: nn.Linear constructed under the same seed, forward in float64
    torch.manual_seed(torch_generator(np.random.default_rng(4)).initial_seed())
    net = torch_mlp([12, 10, 10, 10, 3]).double()
    assert any(float(m.bias.detach().abs().max()) > 0 for m in net if isinstance(m, torch.nn.Linear))  # torch's biases
    a = torch.from_numpy(x)
    for i in range(3):
        a = torch.relu(net[2 * i](a))
        np.testing.assert_allclose(stats.activation_std[i], a.std(unbiased=False).item(), rtol=1e-10)
        np.testing.assert_allclose(stats.activation_spread[i], a.std(dim=0, unbiased=False).mean().item(),
                                   rtol=1e-10)


def test_torch_and_numpy_statistics_agree_in_distribution():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((256, 64)), rng.integers(0, 4, size=256)
    t = torch_init_statistics(x, y, depth=2, activation="tanh", weight_init="xavier_normal", width=64,
                              rng=np.random.default_rng(0))
    n, _ = init_statistics(x, y, depth=2, activation="tanh", weight_init="xavier_normal", width=64,
                           rng=np.random.default_rng(0))
    np.testing.assert_allclose(t.activation_std, n.activation_std, rtol=0.1)


def test_train_deep_mlp_differs_only_by_initialization():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((128, 6)).astype(np.float32), rng.integers(0, 2, size=128)
    kw = dict(x_val=x[:32], y_val=y[:32], depth=2, width=8, lr=0.05, epochs=2, batch_size=32, seed=3)
    a = train_deep_mlp(x, y, weight_init="kaiming_normal", **kw)
    b = train_deep_mlp(x, y, weight_init="kaiming_normal", **kw)
    c = train_deep_mlp(x, y, weight_init="xavier_normal", **kw)
    assert a.steps == [0, 1, 2] and a["loss"].tolist() == b["loss"].tolist()
    assert a["loss"].tolist() != c["loss"].tolist()
    with pytest.raises(ValueError, match="momentum must be <= 1.0, got 1.5"):
        train_deep_mlp(x, y, weight_init="orthogonal", momentum=1.5, **kw)
    with pytest.raises(ValueError, match="weight_init must be one of"):
        train_deep_mlp(x, y, weight_init="he", **kw)
