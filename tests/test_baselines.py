"""Tests for :mod:`lecturelib.torchkit.baselines` (the MNIST-1D baseline models)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lecturelib.torchkit.baselines import (
    conv1d_net, conv_output_length, logistic_regression, mlp, mnist1d_cnn, mnist1d_mlp)
from lecturelib.torchkit.models import torch_mlp

BUILDERS = {"logistic_regression": logistic_regression, "mlp": mlp, "conv1d_net": conv1d_net}


def _n_params(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


@pytest.mark.parametrize("name", sorted(BUILDERS))
@pytest.mark.parametrize(("n_in", "n_classes", "batch"), [(40, 10, 3), (64, 5, 1), (17, 2, 8)])
def test_logits_have_one_row_per_example(name, n_in, n_classes, batch):
    net = BUILDERS[name](n_in, n_classes)
    out = net(torch.randn(batch, n_in, generator=torch.Generator().manual_seed(0)))
    assert out.shape == (batch, n_classes) and out.dtype == torch.float32


def test_logistic_regression_is_one_linear_layer():
    net = logistic_regression(40, 10)
    assert isinstance(net, nn.Linear)
    assert net.weight.shape == (10, 40) and net.bias.shape == (10,)


def test_mlp_is_the_papers_40_100_100_10_relu_network():
    net = mlp()
    linears = [m for m in net if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(40, 100), (100, 100), (100, 10)]
    assert [type(m) for m in net if not isinstance(m, nn.Linear)] == [nn.ReLU, nn.ReLU]
    assert _n_params(net) == 40 * 100 + 100 + 100 * 100 + 100 + 100 * 10 + 10


def test_mlp_is_torch_mlp_built_under_the_seed():
    torch.manual_seed(3)
    want = torch_mlp([8, 16, 4], activation="tanh")
    got = mlp(8, 4, hidden=[16], activation="tanh", seed=3)
    for (name, p), (_, q) in zip(want.named_parameters(), got.named_parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=0, atol=0, msg=name)


def test_conv1d_net_matches_the_papers_architecture():
    net = conv1d_net()
    convs = [m for m in net if isinstance(m, nn.Conv1d)]
    assert [tuple(m.weight.shape) for m in convs] == [(25, 1, 5), (25, 25, 3), (25, 25, 3)]
    assert all(m.stride == (2,) and m.padding == (1,) for m in convs)
    assert net.linear.in_features == 25 * 5  # lengths 40 -> 19 -> 10 -> 5
    assert _n_params(net) == (25 * 5 + 25) + 2 * (25 * 25 * 3 + 25) + (125 * 10 + 10)


def test_conv1d_net_computes_what_the_reference_code_computes():
    # Greydanus's ConvBase.forward, written out with torch.nn.functional in float64
    net = conv1d_net(seed=1).double()
    x = torch.randn(6, 40, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    h = x.view(-1, 1, 40)
    for conv in (net.conv1, net.conv2, net.conv3):
        h = F.conv1d(h, conv.weight, conv.bias, stride=2, padding=1).relu()
    want = F.linear(h.reshape(len(x), -1), net.linear.weight, net.linear.bias)
    torch.testing.assert_close(net(x), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("length", "kernel_size", "stride", "padding"),
                         [(40, 5, 2, 1), (19, 3, 2, 1), (10, 3, 2, 1), (7, 7, 1, 0), (8, 3, 3, 2), (1, 1, 1, 0)])
def test_conv_output_length_matches_torch(length, kernel_size, stride, padding):
    conv = nn.Conv1d(1, 1, kernel_size, stride=stride, padding=padding)
    want = conv(torch.zeros(1, 1, length)).shape[-1]
    assert conv_output_length(length, kernel_size, stride=stride, padding=padding) == want


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_seed_fixes_the_weights_and_leaves_torchs_global_generator_alone(name):
    torch.manual_seed(0)
    state = torch.get_rng_state()
    a, b, c = BUILDERS[name](seed=5), BUILDERS[name](seed=5), BUILDERS[name](seed=6)
    assert torch.equal(torch.get_rng_state(), state)
    for p, q, r in zip(a.parameters(), b.parameters(), c.parameters(), strict=True):
        assert torch.equal(p, q)
        assert not torch.equal(p, r)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: logistic_regression(0, 10), ValueError, "^n_in must be >= 1, got 0"),
        (lambda: logistic_regression(40, 1), ValueError, "^n_classes must be >= 2, got 1"),
        (lambda: logistic_regression(40.0, 10), TypeError, "^n_in must be an integer, got float 40.0"),
        (lambda: logistic_regression(seed=-1), ValueError, "^seed must be >= 0, got -1"),
        (lambda: mlp(hidden=[]), TypeError, r"^hidden must be a non-empty sequence of layer widths, got \[\]"),
        (lambda: mlp(hidden=100), TypeError, "^hidden must be a non-empty sequence of layer widths, got 100"),
        (lambda: mlp(hidden=[100, 0]), ValueError, r"^hidden\[1\] must be >= 1, got 0"),
        (lambda: mlp(activation="swish"), ValueError, "^activation must be one of .*, got 'swish'"),
        (lambda: conv1d_net(channels=0), ValueError, "^channels must be >= 1, got 0"),
        (lambda: conv1d_net(kernel_sizes=()), TypeError, r"^kernel_sizes must be a non-empty sequence of ints"),
        (lambda: conv1d_net(kernel_sizes=[5, 0]), ValueError, r"^kernel_sizes\[1\] must be >= 1, got 0"),
        (lambda: conv1d_net(stride=0), ValueError, "^stride must be >= 1, got 0"),
        (lambda: conv1d_net(padding=-1), ValueError, "^padding must be >= 0, got -1"),
        (lambda: conv1d_net(n_in=2), ValueError,
         r"^n_in must be long enough for kernel_sizes \[5, 3, 3\] with stride 2 and padding 1, got n_in=2"),
        (lambda: conv_output_length(0, 3), ValueError, "^length must be >= 1, got 0"),
        (lambda: mnist1d_cnn(1), ValueError, "^n_classes must be >= 2, got 1"),
        (lambda: mnist1d_cnn(channels=0), ValueError, "^channels must be >= 1, got 0"),
        (lambda: mnist1d_cnn(n_in=2), ValueError, r"^n_in must be long enough for kernel_sizes \[5, 3, 3\]"),
        (lambda: mnist1d_cnn(batch_norm=1), TypeError, "^batch_norm must be True or False, got 1"),
        (lambda: mnist1d_cnn(seed=-1), ValueError, "^seed must be >= 0, got -1"),
        (lambda: mnist1d_mlp(hidden=[]), TypeError, r"^hidden must be a non-empty sequence of layer widths"),
        (lambda: mnist1d_mlp(hidden=[8, 0]), ValueError, r"^hidden\[1\] must be >= 1, got 0"),
        (lambda: mnist1d_mlp(activation="maxout"), ValueError, "^activation must be one of .*, got 'maxout'"),
        (lambda: mnist1d_mlp(batch_norm="yes"), TypeError, "^batch_norm must be True or False, got 'yes'"),
    ],
)
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------- the same networks in named blocks


def _blocked_names(name: str) -> str:
    """A parameter name of conv1d_net or mlp, as it is called in mnist1d_cnn or mnist1d_mlp."""
    flat_cnn = {"conv1": "block1.conv", "conv2": "block2.conv", "conv3": "block3.conv", "linear": "head"}
    flat_mlp = {"0": "block1.linear", "2": "block2.linear", "4": "head"}
    layer, kind = name.rsplit(".", 1)
    return f"{flat_cnn.get(layer) or flat_mlp[layer]}.{kind}"


@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize("n_classes", [5, 10])
def test_mnist1d_cnn_is_conv1d_net_in_named_blocks(seed, n_classes):
    flat, blocked = conv1d_net(n_classes=n_classes, seed=seed), mnist1d_cnn(n_classes, seed=seed)
    assert [name for name, _ in blocked.named_children()] == ["unflatten", "block1", "block2", "block3",
                                                              "flatten", "head"]
    want = {_blocked_names(name): p for name, p in flat.named_parameters()}
    got = dict(blocked.named_parameters())
    assert got.keys() == want.keys()
    for name, p in want.items():
        assert torch.equal(got[name], p), name
    x = torch.randn(7, 40, generator=torch.Generator().manual_seed(1))
    assert torch.equal(blocked(x), flat(x))


@pytest.mark.parametrize(("hidden", "activation"), [((100, 100), "relu"), ((16, 8, 4), "sigmoid")])
def test_mnist1d_mlp_is_mlp_in_named_blocks(hidden, activation):
    flat = mlp(40, 5, hidden=hidden, activation=activation, seed=3)
    blocked = mnist1d_mlp(5, hidden=hidden, activation=activation, seed=3)
    assert [name for name, _ in blocked.named_children()] == [f"block{l + 1}" for l in range(len(hidden))] + ["head"]
    flat_linears = [m for m in flat if isinstance(m, nn.Linear)]
    blocked_linears = [blocked[-1] if l == len(hidden) else blocked[l].linear for l in range(len(hidden) + 1)]
    for p, q in zip(flat_linears, blocked_linears, strict=True):
        assert torch.equal(p.weight, q.weight) and torch.equal(p.bias, q.bias)
    x = torch.randn(7, 40, generator=torch.Generator().manual_seed(1))
    assert torch.equal(blocked(x), flat(x))


@pytest.mark.parametrize("build", [mnist1d_cnn, mnist1d_mlp])
def test_batch_norm_sits_between_the_layer_and_its_activation_and_changes_no_draw(build):
    plain, normed = build(5, seed=2), build(5, batch_norm=True, seed=2)
    for name, block in normed.named_children():
        if not name.startswith("block"):
            continue
        kinds = [type(m) for m in block]
        assert kinds[1] is nn.BatchNorm1d and kinds[0] in (nn.Conv1d, nn.Linear) and kinds[2] is nn.ReLU
        assert block[1].num_features == block[0].weight.shape[0]
    for name, p in plain.named_parameters():
        assert torch.equal(dict(normed.named_parameters())[name], p), name
    assert not any(isinstance(m, nn.BatchNorm1d) for m in plain.modules())


@pytest.mark.parametrize("build", [mnist1d_cnn, mnist1d_mlp])
def test_blocked_builders_leave_torchs_global_generator_alone(build):
    torch.manual_seed(0)
    state = torch.get_rng_state()
    a, b, c = build(seed=5), build(seed=5), build(seed=6)
    assert torch.equal(torch.get_rng_state(), state)
    for p, q, r in zip(a.parameters(), b.parameters(), c.parameters(), strict=True):
        assert torch.equal(p, q) and not torch.equal(p, r)
