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


def test_train_mlp_builds_initialises_and_trains_by_name():
    from lecturelib.torchkit.experiments import train_mlp

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((96, 5)).astype(np.float32), rng.integers(0, 3, size=96)
    kw = dict(hidden=[8, 8], activation="relu", weight_init="kaiming_normal", lr=0.01, epochs=2, batch_size=32,
              seed=1)
    a = train_mlp(x, y, optimizer="adam", **kw)
    b = train_mlp(x, y, optimizer="adam", **kw)
    assert a.history.steps == [0, 1, 2] and a.history["loss"].tolist() == b.history["loss"].tolist()
    linears = [m for m in a.net if isinstance(m, torch.nn.Linear)]
    assert [m.out_features for m in linears] == [8, 8, 3]
    # the initial weights are the named initializer's draw from Generator(seed), as init_linear_layers_ makes them
    fresh = train_mlp(x, y, optimizer="sgd", **{**kw, "lr": 1e-12, "epochs": 1})
    ref = init_linear_layers_(torch_mlp([5, 8, 8, 3]), "kaiming_normal", generator=torch.Generator().manual_seed(1))
    np.testing.assert_allclose(fresh.net[0].weight.detach().numpy(), ref[0].weight.detach().numpy(), atol=1e-9)


def test_train_mlp_bias_init_sets_the_hidden_biases_only():
    from lecturelib.torchkit.experiments import train_mlp

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((32, 4)).astype(np.float32), rng.integers(0, 2, size=32)
    out = train_mlp(x, y, hidden=[6, 6], activation="relu", weight_init="kaiming_normal", lr=1e-30, epochs=1,
                    bias_init=0.25)
    linears = [m for m in out.net if isinstance(m, torch.nn.Linear)]
    for m in linears[:2]:
        assert torch.all(m.bias == 0.25)
    assert torch.all(linears[2].bias.abs() < 1e-20)  # zero from kaiming_normal, moved by one 1e-30 step


def test_train_mlp_rejects_bad_arguments():
    from lecturelib.torchkit.experiments import train_mlp

    x, y = np.zeros((8, 2), dtype=np.float32), np.array([0, 1] * 4)
    kw = dict(hidden=[4], activation="relu", weight_init="kaiming_normal", lr=0.1, epochs=1)
    with pytest.raises(ValueError, match="optimizer must be one of"):
        train_mlp(x, y, optimizer="rmsprop", **kw)
    with pytest.raises(ValueError, match="momentum must be 0 with optimizer='adam'"):
        train_mlp(x, y, optimizer="adam", momentum=0.9, **kw)
    with pytest.raises(ValueError, match=r"hidden\[0\]"):
        train_mlp(x, y, **{**kw, "hidden": [0]})
    with pytest.raises(ValueError, match="lr"):
        train_mlp(x, y, **{**kw, "lr": 0.0})


@pytest.mark.parametrize("norm, module", [("batch", torch.nn.BatchNorm1d), ("layer", torch.nn.LayerNorm)])
def test_train_mlp_with_norm_puts_it_before_each_hidden_activation(norm, module):
    from lecturelib.torchkit.experiments import train_mlp

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((64, 5)).astype(np.float32), rng.integers(0, 3, size=64)
    out = train_mlp(x, y, hidden=[8, 8], activation="tanh", weight_init="xavier_normal", lr=0.1, epochs=1,
                    batch_size=16, norm=norm)
    kinds = [type(m) for m in out.net]
    assert kinds == [torch.nn.Linear, module, torch.nn.Tanh, torch.nn.Linear, module, torch.nn.Tanh, torch.nn.Linear]
    assert np.isfinite(out.history["loss"]).all()


def test_train_mlp_weight_std_draws_normal_weights_of_that_scale():
    from lecturelib.torchkit.experiments import train_mlp

    x, y = np.zeros((8, 200), dtype=np.float32), np.array([0, 1] * 4)
    out = train_mlp(x, y, hidden=[300], activation="relu", weight_init="normal", weight_std=0.03, lr=1e-30,
                    epochs=1, seed=2)
    w = out.net[0].weight.detach().numpy()
    # 60,000 draws of N(0, 0.03^2): the sample std is within 1 % of 0.03 with overwhelming probability
    assert abs(w.std() - 0.03) < 0.0003 and abs(w.mean()) < 0.0003


def test_train_mlp_passes_regularization_through():
    from torch import nn

    from lecturelib.torchkit.experiments import train_mlp

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((60, 4)), np.arange(60) % 3
    kw = dict(hidden=[8], activation="relu", weight_init="kaiming_normal", lr=0.01, epochs=2, batch_size=20)
    run = train_mlp(x, y, optimizer="adamw", weight_decay=0.1, dropout=0.2, input_noise=0.1, **kw)
    kinds = [type(m).__name__ for m in run.net]
    assert kinds == ["GaussianNoise", "Linear", "ReLU", "Dropout", "Linear"]
    assert run.history.steps == [0, 1, 2]
    # SGD's weight_decay is the L2 penalty: the same run as a penalty (lam / 2) ||theta||^2 on every parameter
    a = train_mlp(x, y, weight_decay=0.3, **kw)
    b = train_mlp(x, y, penalty=lambda m: 0.15 * sum(p.square().sum() for p in m.parameters()), **kw)
    for pa, pb in zip(a.net.parameters(), b.net.parameters()):
        np.testing.assert_allclose(pa.detach().numpy(), pb.detach().numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="weight_decay"):
        train_mlp(x, y, weight_decay=-1.0, **kw)
    with pytest.raises(ValueError, match="momentum must be 0 with optimizer='adamw'"):
        train_mlp(x, y, optimizer="adamw", momentum=0.9, **kw)
    assert isinstance(run.net, nn.Sequential)
