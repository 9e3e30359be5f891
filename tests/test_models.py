"""Tests for lecturelib.torchkit.models: the torch twin of the numpy MLP, and the autograd graph printer."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from torch import nn

import lecturelib.torchkit.models
from lecturelib.activations import ACTIVATIONS
from lecturelib.mlp import MLP
from lecturelib.torchkit.models import (
    MLP_ACTIVATIONS,
    TORCH_ACTIVATIONS,
    GaussianNoise,
    Maxout,
    autograd_graph,
    init_for,
    init_linear_layers_,
    mlp_to_torch,
    torch_mlp,
)

SIZES = [[2, 3], [4, 8, 3], [5, 16, 16, 4], [3, 7, 6, 5, 2]]


def _model(sizes, activation="relu", seed=0):
    return MLP(sizes, activation=activation, weight_init="kaiming_normal", rng=np.random.default_rng(seed))


def test_torch_activations_cover_the_numpy_ones():
    assert set(TORCH_ACTIVATIONS) == set(ACTIVATIONS)
    x = np.linspace(-3, 3, 13)
    for name, module in TORCH_ACTIVATIONS.items():
        assert_allclose(module()(torch.from_numpy(x)).numpy(), ACTIVATIONS[name][0](x), rtol=1e-15, atol=1e-300)


@pytest.mark.parametrize("activation", sorted(TORCH_ACTIVATIONS))
@pytest.mark.parametrize("sizes", SIZES)
def test_torch_mlp_structure(sizes, activation):
    net = torch_mlp(sizes, activation=activation)
    n_layers = len(sizes) - 1
    assert isinstance(net, nn.Sequential) and len(net) == 2 * n_layers - 1
    for l in range(n_layers):
        linear = net[2 * l]
        assert type(linear) is nn.Linear
        assert (linear.in_features, linear.out_features) == (sizes[l], sizes[l + 1])
        assert linear.weight.shape == (sizes[l + 1], sizes[l]) and linear.bias.shape == (sizes[l + 1],)
        if l < n_layers - 1:
            assert type(net[2 * l + 1]) is TORCH_ACTIVATIONS[activation]


def test_torch_mlp_default_activation_is_relu():
    assert type(torch_mlp([2, 3, 2])[1]) is nn.ReLU


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("sizes", SIZES)
def test_mlp_to_torch_copies_weights_and_matches_forward(sizes, activation):
    model = _model(sizes, activation, seed=1)
    model.params[f"{model.n_layers - 1}.bias"] += 0.3  # a non-zero bias must be copied too
    net = mlp_to_torch(model)
    for l in range(model.n_layers):
        for kind in ("weight", "bias"):
            got = getattr(net[2 * l], kind)
            assert got.dtype == torch.float64 and got.requires_grad
            np.testing.assert_array_equal(got.detach().numpy(), model.params[f"{l}.{kind}"])
    x = np.random.default_rng(2).standard_normal((7, sizes[0]))
    assert_allclose(net(torch.from_numpy(x)).detach().numpy(), model.forward(x), rtol=1e-12, atol=1e-14)


def test_mlp_to_torch_does_not_share_memory():
    model = _model([3, 4, 2])
    net = mlp_to_torch(model)
    before = net[0].weight.detach().numpy().copy()
    model.params["0.weight"] += 1.0
    with torch.no_grad():
        net[2].bias += 1.0
    np.testing.assert_array_equal(net[0].weight.detach().numpy(), before)
    np.testing.assert_array_equal(model.params["1.bias"], 0.0)


def test_mlp_to_torch_float32():
    model = _model([4, 8, 3], "tanh")
    net = mlp_to_torch(model, dtype=torch.float32)
    assert all(p.dtype == torch.float32 for p in net.parameters())
    np.testing.assert_array_equal(net[0].weight.detach().numpy(), model.params["0.weight"].astype(np.float32))
    x = np.random.default_rng(3).standard_normal((5, 4))
    assert_allclose(net(torch.from_numpy(x).float()).detach().numpy(), model.forward(x), rtol=1e-5, atol=1e-6)


def test_autograd_graph_of_a_small_expression():
    w = torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True)
    b = torch.tensor(0.1, dtype=torch.float64, requires_grad=True)
    x, y = torch.tensor([1.0, 2.0], dtype=torch.float64), torch.tensor([0.0, 1.0], dtype=torch.float64)
    loss = ((w * x + b).tanh() - y).pow(2).sum()
    assert autograd_graph(loss, names={id(w): "w", id(b): "b"}) == (
        "SumBackward0\n"
        "  PowBackward0\n"
        "    SubBackward0\n"
        "      TanhBackward0\n"
        "        AddBackward0\n"
        "          MulBackward0\n"
        "            AccumulateGrad (w)\n"
        "          AccumulateGrad (b)"
    )
    assert autograd_graph(loss).splitlines()[-2:] == ["            AccumulateGrad", "          AccumulateGrad"]


def test_autograd_graph_lists_both_inputs_of_a_binary_op():
    a = torch.tensor(1.0, requires_grad=True)
    b = torch.tensor(2.0, requires_grad=True)
    graph = autograd_graph(a * b, names={id(a): "a", id(b): "b"})
    assert graph == "MulBackward0\n  AccumulateGrad (a)\n  AccumulateGrad (b)"


def test_autograd_graph_of_a_deep_chain():
    w = torch.tensor(1.0, requires_grad=True)
    out = w
    depth = 2 * sys.getrecursionlimit()
    for _ in range(depth):
        out = out * 1.0
    lines = autograd_graph(out, names={id(w): "w"}).splitlines()
    assert len(lines) == depth + 1
    assert lines[-1] == "  " * depth + "AccumulateGrad (w)"


@pytest.mark.parametrize(
    "sizes, activation, error, match",
    [
        ([2, 3], "swish", ValueError, r"^activation must be one of \['sigmoid', 'tanh', 'relu', 'identity', "
                                      r"'leaky_relu', 'elu', 'gelu', 'softplus', 'prelu', 'maxout'\], got 'swish'"),
        ([2, 3, 2], "relu", ValueError, "^pieces applies only to activation='maxout', got activation='relu'"),
        ([2, 3, 2], "maxout", ValueError, "^pieces must be >= 1, got 0"),
        ([2, 3, 2], "maxout", TypeError, "^pieces must be an integer, got float 2.0"),
        ([2], "relu", ValueError, r"^sizes must be a sequence of at least 2 layer widths, got \[2\]"),
        ([], "relu", ValueError, "^sizes must be a sequence of at least 2"),
    ],
)
def test_torch_mlp_bad_inputs(sizes, activation, error, match):
    pieces = {"pieces must be >= 1": 0, "pieces must be an integer": 2.0, "pieces applies": 2}
    kwargs = {"pieces": v for k, v in pieces.items() if k in match}
    with pytest.raises(error, match=match):
        torch_mlp(sizes, activation=activation, **kwargs)


def test_mlp_to_torch_rejects_non_mlp():
    with pytest.raises(TypeError, match="^model must be an MLP, got Sequential"):
        mlp_to_torch(torch_mlp([2, 3]))


def test_autograd_graph_bad_inputs():
    with pytest.raises(TypeError, match="^tensor must be a torch.Tensor, got ndarray"):
        autograd_graph(np.ones(2))
    with pytest.raises(ValueError, match="^tensor has no grad_fn"):
        autograd_graph(torch.ones(2) * 2)
    with pytest.raises(ValueError, match="^tensor has no grad_fn"):
        autograd_graph(torch.ones(2, requires_grad=True))  # a leaf


@pytest.mark.parametrize("scheme, std", [("xavier_normal", (2 / 1024) ** 0.5), ("kaiming_normal", (2 / 512) ** 0.5),
                                         ("xavier_uniform", (2 / 1024) ** 0.5), ("kaiming_uniform", (2 / 512) ** 0.5),
                                         ("lecun_normal", (1 / 512) ** 0.5)])
def test_init_linear_layers_statistics_and_seeding(scheme, std):
    from lecturelib.torchkit.models import init_linear_layers_

    net = init_linear_layers_(torch_mlp([512, 512, 10]), scheme, generator=torch.Generator().manual_seed(0))
    w = net[0].weight.detach().double()
    assert abs(w.std().item() / std - 1) < 5 / (2 * w.numel()) ** 0.5 * 2
    assert net[0].bias.abs().max().item() == 0.0
    again = init_linear_layers_(torch_mlp([512, 512, 10]), scheme, generator=torch.Generator().manual_seed(0))
    assert torch.equal(net[0].weight, again[0].weight)


def test_init_linear_layers_default_and_errors():
    from lecturelib.torchkit.models import init_linear_layers_

    # "linear_default" is torch's own construction, weight and bias, draw for draw
    sizes = [6, 5, 4, 3]
    torch.manual_seed(3)
    constructed = torch_mlp(sizes)
    redrawn = init_linear_layers_(torch_mlp(sizes), "linear_default", generator=torch.Generator().manual_seed(3))
    for (name, a), (_, b) in zip(constructed.named_parameters(), redrawn.named_parameters()):
        assert torch.equal(a, b), name
    net = torch_mlp([4, 3])
    with pytest.raises(ValueError, match="weight_init must be one of"):
        init_linear_layers_(net, "he")
    with pytest.raises(TypeError, match="net must be a torch.nn.Module, got str"):
        init_linear_layers_("net", "orthogonal")
    with pytest.raises(TypeError, match="generator must be a torch.Generator or None, got int"):
        init_linear_layers_(net, "orthogonal", generator=0)


def test_torch_init_covers_the_one_list_of_initializers():
    from lecturelib.init import INITIALIZERS
    from lecturelib.torchkit.models import TORCH_INIT

    assert list(TORCH_INIT) == list(INITIALIZERS)


def test_mlp_to_torch_leaves_torch_global_rng_untouched():
    from lecturelib.mlp import MLP
    from lecturelib.torchkit.models import mlp_to_torch

    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    mlp_to_torch(MLP([4, 8, 2], rng=np.random.default_rng(0)))
    assert torch.equal(torch.rand(3), expected)



# ------------------------------------------------------------ activations with parameters: PReLU and maxout


def test_every_activation_but_identity_builds_trains_a_step_and_matches_the_registry():
    assert set(MLP_ACTIVATIONS) == set(ACTIVATIONS) | {"prelu", "maxout"}
    x = torch.from_numpy(np.random.default_rng(0).standard_normal((9, 5)))
    y = torch.tensor([0, 1, 2] * 3)
    for activation in sorted(set(MLP_ACTIVATIONS) - {"identity"}):
        torch.manual_seed(0)
        net = torch_mlp([5, 8, 6, 3], activation=activation).double()
        logits = net(x)
        assert logits.shape == (9, 3)
        torch.nn.functional.cross_entropy(logits, y).backward()
        for name, param in net.named_parameters():
            assert param.grad is not None and torch.isfinite(param.grad).all(), (activation, name)
            assert param.grad.abs().sum() > 0, (activation, name)
        linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
        assert [m.in_features for m in linears] == [5, 8, 6], activation  # layer l's Linear is the l-th one


def test_torch_mlp_prelu_has_one_slope_per_layer_at_torchs_init():
    net = torch_mlp([4, 8, 6, 3], activation="prelu")
    assert len(net) == 5
    for l in range(3):
        assert type(net[2 * l]) is nn.Linear
    for i in (1, 3):
        assert type(net[i]) is nn.PReLU and net[i].weight.shape == (1,) and net[i].weight.item() == 0.25
    init_linear_layers_(net, "kaiming_normal", generator=torch.Generator().manual_seed(0))
    assert net[1].weight.item() == 0.25  # the initializers touch nn.Linear only


@pytest.mark.parametrize("pieces", [None, 1, 3])
@pytest.mark.parametrize("sizes", SIZES)
def test_torch_mlp_maxout_structure(sizes, pieces):
    k = 2 if pieces is None else pieces
    net = torch_mlp(sizes, activation="maxout", **({} if pieces is None else {"pieces": pieces}))
    n_layers = len(sizes) - 1
    assert isinstance(net, nn.Sequential) and len(net) == n_layers
    for l in range(n_layers - 1):
        assert type(net[l]) is Maxout and net[l].pieces == k
        assert (net[l].in_features, net[l].out_features) == (sizes[l], sizes[l + 1])
        assert net[l].linear.weight.shape == (sizes[l + 1] * k, sizes[l])  # the next layer reads sizes[l + 1]
    assert type(net[-1]) is nn.Linear and (net[-1].in_features, net[-1].out_features) == (sizes[-2], sizes[-1])
    assert net(torch.zeros(3, sizes[0])).shape == (3, sizes[-1])


def test_maxout_module_matches_its_definition_and_ties_go_to_the_first_piece():
    torch.manual_seed(1)
    layer = Maxout(3, 4, pieces=3).double()
    x = torch.randn(5, 3, dtype=torch.float64)
    z = x @ layer.linear.weight.T + layer.linear.bias
    want = torch.stack([z[:, 3 * j:3 * j + 3].max(dim=1).values for j in range(4)], dim=1)
    torch.testing.assert_close(layer(x), want, rtol=1e-12, atol=1e-14)  # addmm vs matmul + add: rounding
    with torch.no_grad():
        layer.linear.weight.copy_(layer.linear.weight[::3].repeat_interleave(3, dim=0))  # all pieces equal
        layer.linear.bias.zero_()
    layer(x).sum().backward()
    grad = layer.linear.weight.grad
    assert grad[0::3].abs().sum() > 0 and grad[1::3].abs().sum() == 0 and grad[2::3].abs().sum() == 0


def test_maxout_module_is_found_by_the_linear_initializers():
    net = torch_mlp([6, 5, 4, 2], activation="maxout")
    init_linear_layers_(net, "zeros")
    assert all(p.abs().sum() == 0 for p in net.parameters())
    assert "in_features=6, out_features=5, pieces=2" in repr(net[0])


@pytest.mark.parametrize("args, error, match", [
    ((0, 3), ValueError, "^in_features must be >= 1, got 0"),
    ((3, 0), ValueError, "^out_features must be >= 1, got 0"),
    ((3, 2, 0), ValueError, "^pieces must be >= 1, got 0"),
    ((3, 2, 1.5), TypeError, "^pieces must be an integer, got float 1.5"),
])
def test_maxout_module_bad_arguments(args, error, match):
    with pytest.raises(error, match=match):
        Maxout(*args)


@pytest.mark.parametrize("activation, want", [
    ("sigmoid", "xavier_normal"), ("tanh", "xavier_normal"), ("identity", "xavier_normal"),
    ("relu", "kaiming_normal"), ("leaky_relu", "kaiming_normal"), ("prelu", "kaiming_normal"),
    ("elu", "kaiming_normal"), ("gelu", "kaiming_normal"), ("softplus", "kaiming_normal"),
    ("maxout", "kaiming_normal"),
])
def test_init_for_pairs_xavier_with_saturating_and_he_with_relu_like(activation, want):
    # written out by hand, one row per activation torch_mlp builds
    assert init_for(activation) == want


def test_init_for_covers_every_mlp_activation_and_rejects_others():
    assert {init_for(a) for a in MLP_ACTIVATIONS} == {"xavier_normal", "kaiming_normal"}
    with pytest.raises(ValueError, match="^activation must be one of .*got 'swish'"):
        init_for("swish")


@pytest.mark.parametrize("norm, module", [("batch", nn.BatchNorm1d), ("layer", nn.LayerNorm)])
def test_torch_mlp_norm_sits_between_linear_and_activation(norm, module):
    net = torch_mlp([4, 6, 5, 3], activation="relu", norm=norm)
    assert [type(m) for m in net] == [nn.Linear, module, nn.ReLU, nn.Linear, module, nn.ReLU, nn.Linear]
    norms = [m for m in net if isinstance(m, module)]
    assert [m.normalized_shape[0] if norm == "layer" else m.num_features for m in norms] == [6, 5]
    assert net[3] is [m for m in net.modules() if isinstance(m, nn.Linear)][1]  # Linear l at index 3 * l


def test_torch_mlp_norm_rejects_unknown_names_and_maxout():
    with pytest.raises(ValueError, match="^norm must be one of"):
        torch_mlp([4, 6, 3], norm="group")
    with pytest.raises(ValueError, match="norm is not available with activation='maxout'"):
        torch_mlp([4, 6, 3], activation="maxout", norm="batch")


def test_init_linear_layers_std_only_with_normal():
    net = init_linear_layers_(torch_mlp([100, 400, 3]), "normal", std=0.05, generator=torch.Generator().manual_seed(0))
    assert abs(float(net[0].weight.detach().std()) - 0.05) < 0.001 and torch.all(net[0].bias == 0)
    with pytest.raises(ValueError, match="std applies only to weight_init='normal'"):
        init_linear_layers_(torch_mlp([4, 3]), "xavier_normal", std=0.1)
    with pytest.raises(ValueError, match="^std must be"):
        init_linear_layers_(torch_mlp([4, 3]), "normal", std=0.0)


# ---------------------------------------------------------------- dropout and input noise


def _expected_types(activation, norm, dropout, input_noise, n_hidden):
    """The module types of torch_mlp, written out from its docstring's layout."""
    act = Maxout if activation == "maxout" else TORCH_ACTIVATIONS[activation]
    block = [Maxout] if activation == "maxout" else [nn.Linear, *([nn.BatchNorm1d] if norm else []), act]
    block += [nn.Dropout] if dropout else []
    return [GaussianNoise] * bool(input_noise) + block * n_hidden + [nn.Linear]


@pytest.mark.parametrize("input_noise", [0.0, 0.3])
@pytest.mark.parametrize("dropout", [0.0, 0.5])
@pytest.mark.parametrize(("activation", "norm"), [("relu", None), ("tanh", "batch"), ("maxout", None)])
def test_torch_mlp_dropout_and_input_noise_layout(activation, norm, dropout, input_noise):
    sizes = [4, 6, 5, 3]
    net = torch_mlp(sizes, activation=activation, norm=norm, dropout=dropout, input_noise=input_noise)
    assert [type(m) for m in net] == _expected_types(activation, norm, dropout, input_noise, 2)
    assert [m.p for m in net if isinstance(m, nn.Dropout)] == [dropout] * (2 if dropout else 0)
    assert [m.std for m in net if isinstance(m, GaussianNoise)] == ([input_noise] if input_noise else [])
    start = 1 if input_noise else 0
    per_layer = (1 if activation == "maxout" else 2 + (norm is not None)) + (dropout > 0)
    for l in range(2):  # hidden layer l starts at index start + per_layer * l
        assert type(net[start + per_layer * l]) is (Maxout if activation == "maxout" else nn.Linear)
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears][-1] == (5, 3)


@pytest.mark.parametrize("kwargs", [{}, {"norm": "batch"}, {"activation": "maxout", "pieces": 3},
                                    {"activation": "prelu"}])
def test_torch_mlp_without_dropout_or_noise_is_the_network_it_always_was(kwargs):
    torch.manual_seed(7)
    old = torch_mlp([4, 8, 6, 3], **kwargs)
    torch.manual_seed(7)
    new = torch_mlp([4, 8, 6, 3], dropout=0.0, input_noise=0.0, **kwargs)
    assert repr(new) == repr(old)
    assert new.state_dict().keys() == old.state_dict().keys()
    assert all(torch.equal(new.state_dict()[k], v) for k, v in old.state_dict().items())


def test_torch_mlp_draws_the_same_weights_with_dropout_and_noise():
    torch.manual_seed(3)
    plain = torch_mlp([4, 8, 3])
    torch.manual_seed(3)
    regularized = torch_mlp([4, 8, 3], dropout=0.3, input_noise=0.2)
    assert torch.equal(plain[0].weight, regularized[1].weight) and torch.equal(plain[2].bias, regularized[4].bias)
    x = torch.randn(10, 4, generator=torch.Generator().manual_seed(0))
    assert torch.equal(plain.eval()(x), regularized.eval()(x))  # both are the identity in eval mode


def test_torch_mlp_dropout_drops_hidden_units_in_train_mode_only():
    net = torch_mlp([4, 200, 3], dropout=0.5, activation="identity").double()
    with torch.no_grad():
        net[0].weight.fill_(1.0), net[0].bias.fill_(0.0)
    x = torch.ones(50, 4, dtype=torch.float64)
    torch.manual_seed(0)
    hidden = net[:3].train()(x)  # Linear, Identity, Dropout: 4 or 0 (times 1 / (1 - p))
    assert set(hidden.unique().tolist()) == {0.0, 8.0}
    assert abs(float((hidden == 0).double().mean()) - 0.5) < 0.02  # 10,000 units, 5 standard errors
    assert torch.equal(net[:3].eval()(x), torch.full((50, 200), 4.0, dtype=torch.float64))


@pytest.mark.parametrize("std", [0.1, 2.0])
def test_gaussian_noise_adds_noise_of_its_std_in_train_mode(std):
    noise = GaussianNoise(std)
    x = torch.linspace(-1, 1, 200_000, dtype=torch.float64).reshape(-1, 4)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        out = noise.train()(x)
        torch.manual_seed(0)
        want = x + std * torch.randn_like(x)
    assert torch.equal(out, want)  # x + std * N(0, 1), from torch's global generator
    eps = (out - x) / std
    assert abs(float(eps.mean())) < 5 / np.sqrt(eps.numel())
    assert abs(float(eps.std()) - 1.0) < 5 * np.sqrt(0.5 / eps.numel())


@pytest.mark.parametrize("std", [0.0, 0.5])
def test_gaussian_noise_is_the_identity_in_eval_mode_and_at_std_zero(std):
    x = torch.randn(5, 3, generator=torch.Generator().manual_seed(1))
    noise = GaussianNoise(std)
    assert noise.eval()(x) is x
    assert (noise.train()(x) is x) is (std == 0.0)
    assert repr(GaussianNoise(0.25)) == "GaussianNoise(std=0.25)" and list(noise.parameters()) == []


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"dropout": 1.5}, ValueError, "^dropout must be <= 1.0, got 1.5"),
    ({"dropout": -0.1}, ValueError, "^dropout must be >= 0.0, got -0.1"),
    ({"dropout": float("nan")}, ValueError, "^dropout must be finite, got nan"),
    ({"dropout": "0.5"}, TypeError, "^dropout must be a real number, got str '0.5'"),
    ({"input_noise": -1.0}, ValueError, "^input_noise must be >= 0.0, got -1.0"),
    ({"input_noise": float("inf")}, ValueError, "^input_noise must be finite, got inf"),
    ({"input_noise": True}, TypeError, "^input_noise must be a real number, got bool True"),
])
def test_torch_mlp_checks_dropout_and_input_noise(kwargs, error, match):
    with pytest.raises(error, match=match):
        torch_mlp([4, 6, 3], **kwargs)


@pytest.mark.parametrize(("std", "error", "match"), [
    (-0.5, ValueError, "^std must be >= 0.0, got -0.5"),
    (None, TypeError, "^std must be a real number, got NoneType None"),
])
def test_gaussian_noise_checks_std(std, error, match):
    with pytest.raises(error, match=match):
        GaussianNoise(std)


def test_dropout_one_is_allowed_and_drops_everything():
    net = torch_mlp([4, 6, 3], dropout=1.0).train()
    hidden = net[:3](torch.ones(2, 4))
    assert torch.equal(hidden, torch.zeros(2, 6))
