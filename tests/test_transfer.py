"""Tests for :mod:`lecturelib.torchkit.transfer`: freezing, heads, learning-rate groups, features, probes."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from lecturelib import data
from lecturelib.torchkit import transfer
from lecturelib.torchkit.baselines import mnist1d_cnn, mnist1d_mlp
from lecturelib.torchkit.checkpoint import save_checkpoint
from lecturelib.torchkit.training import evaluate, train
from lecturelib.torchkit.transfer import (
    extract_features, freeze, linear_probe, param_groups_with_lr, pretrained_source, replace_head,
    trainable_parameters, unfreeze,
)

CNN_CHILDREN = ["unflatten", "block1", "block2", "block3", "flatten", "head"]


def _xy(n: int = 64, n_in: int = 40, n_classes: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, n_in)), np.arange(n) % n_classes


def _state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {key: value.clone() for key, value in model.state_dict().items()}


def _train_once(model: nn.Module, *, seed: int = 0) -> None:
    """One epoch of SGD with momentum and weight decay, the optimizer built on *every* parameter."""
    x, y = _xy(seed=seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=0.01)
    train(model, x, y, optimizer=optimizer, epochs=1, batch_size=16, seed=seed, progress=False)


def _child_of(key: str) -> str:
    return key.split(".")[0]


# ---------------------------------------------------------------- freeze and unfreeze


@pytest.mark.parametrize("until", [None, "unflatten", "block1", "block2", "block3", "head"])
@pytest.mark.parametrize("batch_norm", [False, True])
def test_frozen_parameters_stay_bit_identical_through_training(until, batch_norm):
    net = freeze(mnist1d_cnn(5, batch_norm=batch_norm, seed=1), until)
    n_frozen = len(CNN_CHILDREN) if until is None else CNN_CHILDREN.index(until) + 1
    frozen_children = set(CNN_CHILDREN[:n_frozen])
    before = dict((name, p.detach().clone()) for name, p in net.named_parameters())
    for name, p in net.named_parameters():
        assert p.requires_grad == (_child_of(name) not in frozen_children), name
    if until in (None, "head"):  # nothing left to train
        return
    _train_once(net)
    for name, p in net.named_parameters():
        if _child_of(name) in frozen_children:
            assert torch.equal(p, before[name]), name
        else:
            assert not torch.equal(p, before[name]), name


def test_freeze_clears_the_gradients_of_what_it_freezes():
    net = mnist1d_cnn(5)
    x, y = (torch.as_tensor(a) for a in _xy(8))
    nn.functional.cross_entropy(net(x.float()), y).backward()
    freeze(net, "block2")
    assert all((p.grad is None) == (_child_of(name) in ("block1", "block2")) for name, p in net.named_parameters())


def test_freeze_depends_only_on_its_arguments():
    net = mnist1d_cnn(5)
    freeze(net, "block3")
    freeze(net, "block1")
    assert {_child_of(n) for n, p in net.named_parameters() if p.requires_grad} == {"block2", "block3", "head"}
    freeze(net, "head")
    assert not any(p.requires_grad for p in net.parameters())
    unfreeze(net)
    assert all(p.requires_grad for p in net.parameters())


def test_freeze_returns_the_model_and_freezes_its_own_parameters_only_when_until_is_none():
    class WithOwn(nn.Sequential):
        def __init__(self):
            super().__init__(nn.Linear(3, 3), nn.Linear(3, 2))
            self.scale = nn.Parameter(torch.ones(2))

    net = WithOwn()
    assert freeze(net) is net and not any(p.requires_grad for p in net.parameters())
    freeze(net, "0")
    assert net.scale.requires_grad and not net[0].weight.requires_grad and net[1].weight.requires_grad
    assert unfreeze(net) is net


def _bn_stats(net: nn.Module) -> dict[str, torch.Tensor]:
    return {key: value.clone() for key, value in net.state_dict().items() if "running" in key}


@pytest.mark.parametrize("train_bn", [True, False])
def test_batch_norm_statistics_of_the_frozen_part_follow_train_bn(train_bn):
    net = freeze(mnist1d_cnn(5, batch_norm=True), "block2", train_bn=train_bn)
    before = _bn_stats(net)
    for run in range(2):  # train calls model.train() again at every epoch; the second run repeats it
        net.train()
        _train_once(net, seed=run)
        after = _bn_stats(net)
        for key in before:
            frozen = _child_of(key) in ("block1", "block2")
            if frozen and not train_bn:
                assert torch.equal(after[key], before[key]), (run, key)
            else:
                assert not torch.equal(after[key], before[key]), (run, key)
        assert torch.equal(net.block1.bn.num_batches_tracked, torch.tensor(0 if not train_bn else 4 * (run + 1)))


def test_a_held_batch_norm_layer_computes_in_eval_mode_whatever_model_train_did():
    net = freeze(mnist1d_cnn(5, batch_norm=True, seed=2), "block1", train_bn=False)
    _train_once(net)
    x = torch.randn(8, 40, generator=torch.Generator().manual_seed(0))  # batch statistics far from 0 and 1
    net.train()
    assert net.block1.bn.training  # the flag, until the next forward pass ...
    train_mode_out = net.block1(net.unflatten(x))
    assert not net.block1.bn.training  # ... which the hook ran in eval mode
    assert net.block2.bn.training  # the trainable part is in training mode
    net.eval()
    torch.testing.assert_close(net.block1(net.unflatten(x)), train_mode_out, rtol=0, atol=0)


def test_unfreeze_and_freeze_with_train_bn_release_held_batch_norm_layers():
    net = freeze(mnist1d_cnn(5, batch_norm=True), "block3", train_bn=False)
    bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm1d)]
    assert all(len(bn._forward_pre_hooks) == 1 for bn in bns) and not any(bn.training for bn in bns)
    freeze(net, "block3", train_bn=False)  # twice: still one hook each
    assert all(len(bn._forward_pre_hooks) == 1 for bn in bns)
    freeze(net, "block1", train_bn=False)  # block2 and block3 released, in the model's (training) mode
    assert [len(bn._forward_pre_hooks) for bn in bns] == [1, 0, 0]
    assert [bn.training for bn in bns] == [False, True, True]
    freeze(net, "block3", train_bn=True)
    assert all(len(bn._forward_pre_hooks) == 0 and bn.training for bn in bns)
    freeze(net, "block3", train_bn=False)
    net.eval()
    unfreeze(net)
    assert all(len(bn._forward_pre_hooks) == 0 and not bn.training for bn in bns)  # the model's mode: eval
    before = _bn_stats(net)
    net.train()
    _train_once(net)
    assert all(not torch.equal(_bn_stats(net)[key], before[key]) for key in before)


def test_a_copy_of_a_frozen_model_is_frozen_the_same_way():
    net = freeze(mnist1d_cnn(5, batch_norm=True), "block2", train_bn=False)
    twin = copy.deepcopy(net)
    before = _bn_stats(twin)
    _train_once(twin)
    after = _bn_stats(twin)
    assert all(torch.equal(after[k], before[k]) == (_child_of(k) in ("block1", "block2")) for k in before)
    unfreeze(twin)
    assert all(len(m._forward_pre_hooks) == 0 for m in twin.modules())
    assert len(net.block1.bn._forward_pre_hooks) == 1  # the original keeps its hook


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: freeze(mnist1d_cnn(5), "block9"), ValueError,
     r"^until must be one of \['unflatten', 'block1', 'block2', 'block3', 'flatten', 'head'\], got 'block9'"),
    (lambda: freeze(mnist1d_cnn(5), 2), ValueError, "^until must be one of .*, got 2"),
    (lambda: freeze(mnist1d_cnn(5), "block1.conv"), ValueError, "^until must be one of .*, got 'block1.conv'"),
    (lambda: freeze(mnist1d_cnn(5), train_bn=0), TypeError, "^train_bn must be True or False, got 0"),
    (lambda: freeze([nn.Linear(2, 2)]), TypeError, "^model must be a torch.nn.Module, got list"),
    (lambda: unfreeze(None), TypeError, "^model must be a torch.nn.Module, got NoneType"),
])
def test_freeze_rejects_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------- trainable_parameters


@pytest.mark.parametrize("until", [None, "block1", "block3", "head"])
@pytest.mark.parametrize("batch_norm", [False, True])
def test_trainable_parameters_counts_per_child(until, batch_norm):
    net = freeze(mnist1d_cnn(5, batch_norm=batch_norm), until)
    counts = trainable_parameters(net)
    assert [row.name for row in counts.layers] == CNN_CHILDREN
    for name, child in net.named_children():
        n = sum(p.numel() for p in child.parameters())
        trainable = sum(p.numel() for p in child.parameters() if p.requires_grad)
        assert counts[name] == (name, trainable, n - trainable)
    assert counts.total == sum(p.numel() for p in net.parameters())
    assert counts.trainable == sum(p.numel() for p in net.parameters() if p.requires_grad)
    assert counts.frozen == counts.total - counts.trainable


def test_trainable_parameters_by_hand():
    counts = trainable_parameters(freeze(mnist1d_cnn(5), "block3"))
    conv1, conv23, head = 25 * 1 * 5 + 25, 25 * 25 * 3 + 25, 125 * 5 + 5
    assert counts["block1"].frozen == conv1 and counts["block2"].frozen == counts["block3"].frozen == conv23
    assert (counts.trainable, counts.frozen) == (head, conv1 + 2 * conv23)


def test_trainable_parameters_counts_shared_and_own_parameters_once():
    shared = nn.Linear(3, 3)

    class Tied(nn.Sequential):
        def __init__(self):
            super().__init__(shared, nn.ReLU(), shared)
            self.temperature = nn.Parameter(torch.ones(()))

    counts = trainable_parameters(Tied())
    # named_children lists a module once, under its first name, as named_parameters lists a parameter
    assert [tuple(row) for row in counts.layers] == [("temperature", 1, 0), ("0", 12, 0), ("1", 0, 0)]
    assert counts.total == 13


@pytest.mark.parametrize("name_length", [1, 20, 40, 41, 200])
def test_the_table_is_at_most_76_characters_wide(name_length):
    net = nn.Sequential()
    net.add_module("x" * name_length, nn.Linear(1000, 1000))
    net.add_module("head", nn.Linear(1000, 10))
    freeze(net, "x" * name_length)
    table = str(trainable_parameters(net))
    lines = table.splitlines()
    assert max(len(line) for line in lines) <= 76
    assert lines[0].split() == ["layer", "trainable", "frozen"]
    assert lines[-1].split() == ["total", "10,010", "1,001,000"]
    assert len(lines) == 2 + 2 + 2


def test_trainable_parameters_unknown_row():
    with pytest.raises(KeyError, match="name must be one of .*'head'.*, got 'block7'"):
        trainable_parameters(mnist1d_cnn(5))["block7"]


# ---------------------------------------------------------------- replace_head


@pytest.mark.parametrize("n_classes", [2, 5, 7])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_replace_head_gives_new_outputs_and_leaves_the_body_alone(n_classes, dtype):
    net = mnist1d_cnn(10, batch_norm=True, seed=3).to(dtype)
    _train_once(net)
    body = {key: value for key, value in _state(net).items() if not key.startswith("head.")}
    modules = {name: child for name, child in net.named_children() if name != "head"}
    old_head = net.head
    assert replace_head(net, n_classes, generator=torch.Generator().manual_seed(0)) is net
    assert [name for name, _ in net.named_children()] == CNN_CHILDREN
    assert net.head is not old_head and (net.head.in_features, net.head.out_features) == (125, n_classes)
    assert net.head.weight.dtype == dtype and net.head.weight.requires_grad
    for key, value in body.items():
        assert torch.equal(net.state_dict()[key], value), key
    for name, child in modules.items():
        assert getattr(net, name) is child
    assert net(torch.zeros(4, 40, dtype=dtype)).shape == (4, n_classes)


def test_replace_head_draws_torchs_default_init_from_the_generator():
    torch.manual_seed(11)
    state = torch.get_rng_state()
    want = nn.Linear(125, 5)
    torch.set_rng_state(state)
    net = replace_head(mnist1d_cnn(10), 5, generator=torch.Generator().manual_seed(11))
    assert torch.equal(torch.get_rng_state(), state)  # the generator's draws, not the global one's
    assert torch.equal(net.head.weight, want.weight) and torch.equal(net.head.bias, want.bias)
    again = replace_head(mnist1d_cnn(10), 5, generator=torch.Generator().manual_seed(11))
    other = replace_head(mnist1d_cnn(10), 5, generator=torch.Generator().manual_seed(12))
    assert torch.equal(again.head.weight, net.head.weight) and not torch.equal(other.head.weight, net.head.weight)


def test_replace_head_without_a_generator_draws_as_nn_linear_does():
    net = mnist1d_cnn(10)
    torch.manual_seed(5)
    replace_head(net, 3)
    after_replace = torch.get_rng_state()
    torch.manual_seed(5)
    want = nn.Linear(125, 3)
    assert torch.equal(torch.get_rng_state(), after_replace)
    assert torch.equal(net.head.weight, want.weight) and torch.equal(net.head.bias, want.bias)


def test_replace_head_takes_the_last_child_without_a_head():
    net = replace_head(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3, bias=False)), 6)
    assert isinstance(net[2], nn.Linear) and net[2].out_features == 6 and net[2].bias is None
    mlp = replace_head(freeze(mnist1d_mlp(5, hidden=[8])), 2)
    assert mlp.head.out_features == 2 and mlp.head.weight.requires_grad and not mlp.block1.linear.weight.requires_grad


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: replace_head(nn.Sequential(nn.Linear(2, 2), nn.ReLU()), 3), ValueError,
     r"^model's head \(the child named 'head', else the last child\) must be an nn.Linear, got '1': ReLU"),
    (lambda: replace_head(nn.Linear(2, 2), 3), ValueError, "^model must have a child named 'head'"),
    (lambda: replace_head(mnist1d_cnn(5), 1), ValueError, "^n_classes must be >= 2, got 1"),
    (lambda: replace_head(mnist1d_cnn(5), 5.0), TypeError, "^n_classes must be an integer, got float 5.0"),
    (lambda: replace_head(mnist1d_cnn(5), 5, generator=0), TypeError, "^generator must be a torch.Generator"),
])
def test_replace_head_rejects_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------- param_groups_with_lr


def test_every_trainable_parameter_is_in_exactly_one_group_and_the_rates_reach_the_optimizer():
    net = freeze(mnist1d_cnn(5, batch_norm=True), "block1")
    groups = param_groups_with_lr(net, {"block2": 1e-4, "block3": 3e-4, "head": 1e-3})
    optimizer = torch.optim.Adam(groups, lr=0.5)
    assert [(g["name"], g["lr"]) for g in optimizer.param_groups] == [("block2", 1e-4), ("block3", 3e-4),
                                                                      ("head", 1e-3)]
    ids = [id(p) for g in optimizer.param_groups for p in g["params"]]
    trainable = [id(p) for p in net.parameters() if p.requires_grad]
    assert sorted(ids) == sorted(trainable) and len(ids) == len(set(ids))
    for group in optimizer.param_groups:
        assert all(_child_of(name) == group["name"] for name, p in net.named_parameters()
                   if any(p is q for q in group["params"]))


def test_each_group_steps_with_its_own_rate():
    net = mnist1d_mlp(5, hidden=[8, 8], seed=0)
    lrs = {"block1": 0.5, "block2": 0.05}
    optimizer = torch.optim.SGD(param_groups_with_lr(net, lrs, default=0.005))
    before = _state(net)
    x, y = (torch.as_tensor(a) for a in _xy(16))
    loss = nn.functional.cross_entropy(net(x.float()), y)
    loss.backward()
    grads = {name: p.grad.clone() for name, p in net.named_parameters()}
    optimizer.step()
    for name, p in net.named_parameters():
        lr = lrs.get(_child_of(name), 0.005)
        torch.testing.assert_close(p.detach(), before[name] - lr * grads[name], rtol=0, atol=1e-7)


def test_the_longest_prefix_wins_and_default_takes_the_rest():
    net = mnist1d_cnn(5, batch_norm=True)
    groups = param_groups_with_lr(net, {"block1": 1.0, "block1.bn": 2.0}, default=3.0)
    by_name = {g["name"]: g for g in groups}
    assert [g["name"] for g in groups] == ["block1", "block1.bn", "default"]
    assert len(by_name["block1"]["params"]) == 2 and len(by_name["block1.bn"]["params"]) == 2
    assert by_name["default"]["lr"] == 3.0
    assert len(by_name["default"]["params"]) == len(list(net.parameters())) - 4


def test_frozen_parameters_are_left_out_even_when_named():
    net = freeze(mnist1d_cnn(5), "block2")
    groups = param_groups_with_lr(net, {"block1": 1e-5, "head": 1e-3}, default=1e-4)
    assert [(g["name"], len(g["params"])) for g in groups] == [("default", 2), ("head", 2)]


@pytest.mark.parametrize(("lrs", "kwargs", "error", "match"), [
    ({"block7": 1e-3}, {"default": 1e-3}, ValueError,
     r"^lrs keys must name parameters of model, got 'block7', which matches none; its children with "
     r"parameters are \['block1', 'block2', 'block3', 'head'\]"),
    ({"flatten": 1e-3}, {"default": 1e-3}, ValueError, "^lrs keys must name parameters of model, got 'flatten'"),
    ({"block": 1e-3}, {"default": 1e-3}, ValueError, "^lrs keys must name parameters of model, got 'block'"),
    ({"head": 1e-3}, {}, ValueError,
     r"^default must be given when trainable parameters match no key of lrs \['head'\], got default=None and "
     r"\['block1.conv.weight', 'block1.conv.bias', "),
    ({"head": -1.0}, {}, ValueError, r"^lrs\['head'\] must be >= 0.0, got -1.0"),
    ({"head": "fast"}, {}, TypeError, r"^lrs\['head'\] must be a real number"),
    ({"head": 1e-3}, {"default": -1}, ValueError, "^default must be >= 0.0, got -1"),
    ({3: 1e-3}, {"default": 1e-3}, TypeError, "^lrs keys must be non-empty names"),
    ([("head", 1e-3)], {}, TypeError, "^lrs must be a mapping of name prefix to learning rate, got list"),
])
def test_param_groups_reject_bad_input(lrs, kwargs, error, match):
    with pytest.raises(error, match=match):
        param_groups_with_lr(mnist1d_cnn(5), lrs, **kwargs)


def test_param_groups_of_a_fully_frozen_model_raise():
    with pytest.raises(ValueError, match="^model must have trainable parameters, got none"):
        param_groups_with_lr(freeze(mnist1d_cnn(5)), {"head": 1e-3})


# ---------------------------------------------------------------- extract_features


@pytest.mark.parametrize(("layer", "width"), [("unflatten", 40), ("block1", 25 * 19), ("block2", 25 * 10),
                                              ("block3", 25 * 5), ("flatten", 125), ("head", 5),
                                              ("block2.conv", 250)])
@pytest.mark.parametrize("batch_norm", [False, True])
def test_features_are_the_flattened_output_of_the_layer(layer, width, batch_norm):
    net = mnist1d_cnn(5, batch_norm=batch_norm, seed=4)
    _train_once(net)  # batch norm with running statistics that are not 0 and 1
    x, _ = _xy(30)
    features = extract_features(net, x, layer)
    assert features.shape == (30, width) and features.dtype == np.float64
    net.eval()
    with torch.no_grad():
        h = torch.as_tensor(x, dtype=torch.float32)
        for name, child in net.named_children():
            if layer.startswith(name + "."):
                h = getattr(child, layer.split(".")[1])(h)
                break
            h = child(h)
            if name == layer:
                break
    np.testing.assert_array_equal(features, h.reshape(30, -1).double().numpy())


def test_extract_features_runs_in_eval_mode_restores_every_mode_and_removes_its_hook():
    net = mnist1d_cnn(5, batch_norm=True)
    _train_once(net)
    net.train()
    net.block2.eval()  # a mixed state must come back as it was
    modes = {name: m.training for name, m in net.named_modules()}
    stats = _bn_stats(net)
    x, _ = _xy(16)
    features = extract_features(net, x, "block3")
    assert {name: m.training for name, m in net.named_modules()} == modes
    assert all(torch.equal(value, stats[key]) for key, value in _bn_stats(net).items())
    assert all(len(m._forward_hooks) == 0 for m in net.modules())
    net.eval()
    np.testing.assert_array_equal(features, extract_features(net, x, "block3"))


def test_the_hook_is_removed_when_the_forward_pass_fails():
    net = mnist1d_cnn(5)
    with pytest.raises(RuntimeError):
        extract_features(net, np.zeros((4, 7)), "block3")  # 7 points: the unflatten step fails
    assert all(len(m._forward_hooks) == 0 for m in net.modules())
    assert net.training


@pytest.mark.parametrize("layer", ["block2", "head"])
def test_features_do_not_depend_on_the_batch_size(layer):
    net = mnist1d_cnn(5)
    x, _ = _xy(50)
    np.testing.assert_allclose(extract_features(net, x, layer, batch_size=50),
                               extract_features(net, torch.as_tensor(x), layer, batch_size=3),
                               rtol=1e-5, atol=1e-7)  # float32 rounding may depend on the batch's size


class _Twice(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer, self.unused = nn.Linear(3, 3), nn.Linear(3, 3)

    def forward(self, x):
        return self.layer(self.layer(x))


@pytest.mark.parametrize(("model", "x", "layer", "error", "match"), [
    (mnist1d_cnn(5), np.zeros((2, 40)), "block9", ValueError,
     r"^layer must be one of model's children \['unflatten', 'block1', .*'head'\] or a dotted path"),
    (mnist1d_cnn(5), np.zeros((2, 40)), "", ValueError, "^layer must be one of"),
    (mnist1d_cnn(5), np.zeros((2, 40)), 1, ValueError, "^layer must be one of .*, got 1"),
    (mnist1d_cnn(5), np.zeros((2, 40), dtype=int), "head", TypeError, "^x must be a floating-point array"),
    (mnist1d_cnn(5), np.zeros(40), "head", ValueError, r"^x must have shape \(N, ...\)"),
    (_Twice(), np.zeros((2, 3)), "layer", ValueError,
     r"^layer must run once per forward pass, got 2 calls of 'layer' in 1 pass\(es\)"),
    (_Twice(), np.zeros((2, 3)), "unused", ValueError, "^layer must run once per forward pass, got 0 calls"),
])
def test_extract_features_rejects_bad_input(model, x, layer, error, match):
    with pytest.raises(error, match=match):
        extract_features(model, x, layer)
    assert all(len(m._forward_hooks) == 0 for m in model.modules())


def test_extract_features_batch_size_is_checked():
    with pytest.raises(ValueError, match="^batch_size must be >= 1, got 0"):
        extract_features(mnist1d_cnn(5), np.zeros((2, 40)), "head", batch_size=0)


# ---------------------------------------------------------------- linear_probe


def _blobs(n: int, n_classes: int, n_features: int, *, gap: float, seed: int):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    centers = gap * rng.standard_normal((n_classes, n_features))
    return centers[y] + rng.standard_normal((n, n_features)), y


@pytest.mark.parametrize(("n_classes", "n_features"), [(2, 3), (5, 125), (10, 40)])
def test_probe_on_separable_features_is_perfect(n_classes, n_features):
    f, y = _blobs(600, n_classes, n_features, gap=20.0, seed=0)
    assert linear_probe(f[:400], y[:400], features_val=f[400:], y_val=y[400:]) == 1.0


@pytest.mark.parametrize("seed", [0, 1])
def test_probe_on_random_labels_is_at_chance(seed):
    rng = np.random.default_rng(seed)
    f = rng.standard_normal((3000, 20))
    y = rng.integers(0, 5, 3000)
    accuracy = linear_probe(f[:1000], y[:1000], features_val=f[1000:], y_val=y[1000:])
    assert abs(accuracy - 0.2) < 0.04  # 2,000 validation labels: chance 0.2 +- 0.009 (one sd)


def test_probe_is_deterministic_and_blind_to_the_scale_of_each_feature():
    f, y = _blobs(400, 4, 30, gap=0.5, seed=3)  # overlapping: accuracy well below 1
    a = linear_probe(f[:200], y[:200], features_val=f[200:], y_val=y[200:])
    assert 0.3 < a < 1.0
    assert linear_probe(f[:200], y[:200], features_val=f[200:], y_val=y[200:]) == a
    scale, shift = np.linspace(0.01, 100.0, 30), np.linspace(-50.0, 50.0, 30)
    g = f * scale + shift
    assert linear_probe(g[:200], y[:200], features_val=g[200:], y_val=y[200:]) == pytest.approx(a, abs=0.01)


def test_probe_standardizes_with_training_statistics():
    # validation features shifted far away: standardized with *their own* mean they would look like the
    # training features and score 1; with the training mean they all land on one side and score 1/2
    f, y = _blobs(200, 2, 2, gap=20.0, seed=0)
    assert linear_probe(f[:100], y[:100], features_val=f[100:], y_val=y[100:]) == 1.0
    assert linear_probe(f[:100], y[:100], features_val=f[100:] + 500.0, y_val=y[100:]) == 0.5


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"features": np.zeros((4, 2), dtype=int)}, TypeError, "^features must be a floating-point array"),
    ({"features": np.zeros(4)}, ValueError, "^features must be a 2-D array"),
    ({"y": np.zeros(3, dtype=int)}, ValueError, "^features and y must have the same number of rows, got 4 and 3"),
    ({"y": np.zeros(4, dtype=int)}, ValueError, r"^y must hold at least two classes, got only \[0\]"),
    ({"features_val": np.zeros((2, 3))}, ValueError, r"^features_val must have the 2 columns of features"),
    ({"y_val": np.zeros(3, dtype=int)}, ValueError, "^features_val and y_val must have the same number of rows"),
    ({"y_val": np.zeros(2)}, TypeError, "^y_val must be an integer array"),
    ({"C": 0.0}, ValueError, "^C must be > 0.0, got 0.0"),
    ({"max_iter": 0}, ValueError, "^max_iter must be >= 1, got 0"),
])
def test_probe_rejects_bad_input(kwargs, error, match):
    args = {"features": np.arange(8.0).reshape(4, 2), "y": np.array([0, 1, 0, 1]),
            "features_val": np.zeros((2, 2)), "y_val": np.array([0, 1])} | kwargs
    features, y = args.pop("features"), args.pop("y")
    with pytest.raises(error, match=match):
        linear_probe(features, y, **args)


# ---------------------------------------------------------------- the pretrained source network

SMALL = {"n_samples": 1000, "channels": 4, "epochs": 2, "batch_size": 64}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A private, empty cache directory (MNIST-1D is regenerated into it once per test)."""
    monkeypatch.setenv("LECTURELIB_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _same_weights(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_the_cached_model_is_read_back_and_a_missing_file_re_created_bit_for_bit(cache):
    first = pretrained_source(**SMALL)
    assert not first.from_cache and first.path.parent == cache and first.path.is_file()
    assert first.path.name.startswith("mnist1d_cnn_source_") and first.path.suffix == ".pt"
    second = pretrained_source(**SMALL)
    assert second.from_cache and second.path == first.path
    assert _same_weights(second.model, first.model) and second.test_accuracy == first.test_accuracy
    first.path.unlink()
    third = pretrained_source(**SMALL)
    assert not third.from_cache and third.path.is_file()
    assert _same_weights(third.model, second.model)  # re-created: equal to the cached one, bit for bit
    assert pretrained_source(**SMALL).from_cache


@pytest.mark.parametrize("spoil", ["garbage", "truncated", "other architecture", "other settings"])
def test_a_spoilt_cache_file_is_re_created_not_trusted(cache, spoil):
    want = pretrained_source(**SMALL, cache=False).model
    path = pretrained_source(**SMALL).path
    if spoil == "garbage":
        path.write_bytes(b"not a checkpoint")
    elif spoil == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    elif spoil == "other architecture":
        save_checkpoint(mnist1d_cnn(5, channels=3), path, key="whatever")
    else:  # the right architecture, trained otherwise: only the key in the metadata tells
        save_checkpoint(pretrained_source(**(SMALL | {"lr": 0.02}), cache=False).model, path, key={"lr": 0.02})
    again = pretrained_source(**SMALL)
    assert not again.from_cache and _same_weights(again.model, want)
    assert pretrained_source(**SMALL).from_cache  # the file was rewritten


def test_every_setting_has_its_own_cache_file(cache):
    base = pretrained_source(**SMALL)
    for change in ({"epochs": 1}, {"lr": 0.02}, {"seed": 1}, {"batch_norm": True}, {"source": (1, 0, 2, 3, 4)}):
        other = pretrained_source(**(SMALL | change))
        assert other.path != base.path and not other.from_cache, change
        assert not _same_weights(other.model, base.model), change
    assert len(list(cache.glob("mnist1d_cnn_source_*.pt"))) == 6


def test_without_cache_nothing_is_written(cache):
    result = pretrained_source(**SMALL, cache=False)
    assert result.path is None and not result.from_cache
    assert not list(cache.glob("*.pt"))
    assert _same_weights(result.model, pretrained_source(**SMALL).model)


def test_an_unwritable_cache_is_skipped(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("the cache directory cannot be created under a file")
    monkeypatch.setenv("LECTURELIB_CACHE", str(blocker / "cache"))
    data._mnist1d_arrays.cache_clear()
    result = pretrained_source(**SMALL)
    assert not result.from_cache and not result.path.exists()
    assert not pretrained_source(**SMALL).from_cache


def test_the_source_model_and_what_comes_with_it(cache):
    torch.manual_seed(0)
    state = torch.get_rng_state()
    result = pretrained_source(**SMALL, source=(9, 2, 4))
    assert torch.equal(torch.get_rng_state(), state)
    assert result.settings == {"n_samples": 1000, "dataset_seed": 42, "source": [9, 2, 4], "channels": 4,
                               "batch_norm": False, "epochs": 2, "batch_size": 64, "lr": 0.01, "seed": 0}
    assert result.model.head.out_features == 3 and result.model.block1.conv.out_channels == 4
    assert result.model.training and all(p.requires_grad for p in result.model.parameters())
    tasks = data.class_split(data.load_mnist1d(n_samples=1000), source=(9, 2, 4), target=(0, 1, 3, 5, 6, 7, 8))
    from lecturelib.torchkit import evaluate

    assert result.test_accuracy == evaluate(result.model, tasks.source.x_test, tasks.source.y_test)[1]


@pytest.mark.slow
def test_the_default_source_network_is_accurate(cache):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        result = pretrained_source(cache=False)
    finally:
        torch.set_num_threads(threads)
    assert result.test_accuracy >= 0.95  # 0.977 measured


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"source": "01234"}, TypeError, "^source must be a sequence of class labels, got str '01234'"),
    ({"source": (0, 10)}, ValueError, r"^source\[1\] must be <= 9, got 10"),
    ({"source": (0,)}, ValueError, r"^source must hold at least two classes"),
    ({"source": tuple(range(9))}, ValueError, r"^target must hold at least two classes, got \(9,\)"),
    ({"lr": 0.0}, ValueError, "^lr must be > 0.0, got 0.0"),
    ({"epochs": 0}, ValueError, "^epochs must be >= 1, got 0"),
    ({"batch_norm": None}, TypeError, "^batch_norm must be True or False, got None"),
    ({"cache": "yes"}, TypeError, "^cache must be True or False, got 'yes'"),
    ({"n_samples": 1005}, ValueError, "^n_samples must be a multiple of 10"),
])
def test_pretrained_source_rejects_bad_input(cache, kwargs, error, match):
    with pytest.raises(error, match=match):
        pretrained_source(**(SMALL | kwargs))


def test_module_exports():
    assert set(transfer.__all__) <= set(dir(transfer))


# ---------------------------------------------------------------- fine_tune


def _split(n_train: int = 20, n_in: int = 6, n_classes: int = 3, seed: int = 0) -> data.DataSplit:
    """A tiny DataSplit of random inputs, every class in the training and test sets."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_train + 24, n_in))
    y = np.arange(n_train + 24) % n_classes
    return data.DataSplit(x[:n_train], y[:n_train], x[n_train:n_train + 12], y[n_train:n_train + 12],
                          x[n_train + 12:], y[n_train + 12:], np.zeros(n_in), np.ones(n_in))


def _source_mlp(n_classes: int = 4, **kwargs) -> nn.Module:
    """A small 'source' network, trained a little so that its weights are not the initial ones."""
    net = mnist1d_mlp(n_classes, n_in=6, hidden=[8, 8], seed=5, **kwargs)
    x, y = _xy(32, n_in=6, n_classes=n_classes, seed=9)
    train(net, x, y, optimizer=torch.optim.SGD(net.parameters(), lr=0.1), epochs=1, batch_size=8, progress=False)
    return net


class _OptimizerSpy:
    """Records every optimizer step torch takes while active: the count, and each parameter's start and lr."""

    def __init__(self):
        self.steps, self.start, self.types = 0, {}, set()

    def _pre_step(self, optimizer, args, kwargs):
        self.steps += 1
        self.types.add(type(optimizer))
        for group in optimizer.param_groups:
            for p in group["params"]:
                self.start.setdefault(id(p), (p.detach().clone(), group["lr"]))

    def __enter__(self):
        from torch.optim.optimizer import register_optimizer_step_pre_hook

        self._handle = register_optimizer_step_pre_hook(self._pre_step)
        return self

    def __exit__(self, *exc):
        self._handle.remove()

    def by_name(self, model: nn.Module) -> dict[str, tuple[torch.Tensor, float]]:
        """``{name: (value before the first step, lr)}`` of the parameters of ``model`` the optimizer held."""
        return {name: self.start[id(p)] for name, p in model.named_parameters() if id(p) in self.start}


def _fine_tune_by_hand(model, split, *, lr, head_lr, freeze_until, new_head, steps, batch_size, seed):
    """The recipe of fine_tune's docstring, written out: copy, new head, freeze, Adam with two rates, train."""
    net = copy.deepcopy(model)
    if new_head:
        replace_head(net, 3, generator=torch.Generator().manual_seed(seed))  # _split has 3 classes
    if freeze_until is not None:
        freeze(net, freeze_until)
    head = [p for name, p in net.named_parameters() if _child_of(name) == "head"]
    body = [p for name, p in net.named_parameters() if _child_of(name) != "head" and p.requires_grad]
    groups = [{"params": body, "lr": lr}] if body else []
    optimizer = torch.optim.Adam(groups + [{"params": head, "lr": head_lr}])
    n = len(split.y_train)
    epochs = steps if batch_size is None else max(1, round(steps * batch_size / n))
    history = train(net, split.x_train, split.y_train, optimizer=optimizer, epochs=epochs,
                    batch_size=n if batch_size is None else batch_size, seed=seed, progress=False)
    return net, history


@pytest.mark.parametrize(("freeze_until", "head_lr", "new_head", "batch_size", "seed"), [
    (None, None, True, None, 0),           # fine-tune all, one rate
    (None, 1e-2, True, None, 3),           # fine-tune all, discriminative rates
    ("block1", 1e-2, True, 8, 1),          # fine-tune the last block, mini-batches
    ("block2", 3e-2, True, None, 0),       # feature extraction
    (None, None, False, 5, 2),             # from scratch: the model's own head
])
def test_fine_tune_is_its_recipe_written_out_by_hand(freeze_until, head_lr, new_head, batch_size, seed):
    source, split = _source_mlp(3 if not new_head else 4), _split()
    run = transfer.fine_tune(source, split, lr=1e-3, head_lr=head_lr, freeze_until=freeze_until,
                             new_head=new_head, steps=6, batch_size=batch_size, seed=seed)
    net, history = _fine_tune_by_hand(source, split, lr=1e-3, head_lr=1e-3 if head_lr is None else head_lr,
                                      freeze_until=freeze_until, new_head=new_head, steps=6,
                                      batch_size=batch_size, seed=seed)
    assert isinstance(run, transfer.FineTuned) and run.model is not source
    assert _same_weights(run.model, net)
    assert run.history.steps == history.steps and run.history.metrics == history.metrics
    assert run.test_accuracy == evaluate(net, split.x_test, split.y_test)[1]
    assert run.test_accuracy == evaluate(run.model, split.x_test, split.y_test)[1]


@pytest.mark.parametrize(("batch_size", "steps", "epochs", "batches_per_epoch"), [
    (None, 1, 1, 1),
    (None, 7, 7, 1),      # full batch: one step per epoch
    (5, 8, 2, 4),         # 8 * 5 / 20 = 2 epochs exactly
    (6, 10, 3, 4),        # 10 * 6 / 20 = 3 epochs; the last batch has 2 examples
    (6, 12, 4, 4),        # 3.6 rounds up
    (8, 11, 4, 3),        # 4.4 rounds down
    (3, 1, 1, 7),         # 0.15 epochs: at least one
    (20, 3, 3, 1),        # a batch of the whole set is full batch
    (50, 3, 3, 1),        # larger than the set: one batch of all 20, as full batch
])
def test_fine_tune_rounds_steps_to_whole_epochs(batch_size, steps, epochs, batches_per_epoch):
    source, split = _source_mlp(), _split(n_train=20)
    with _OptimizerSpy() as spy:
        run = transfer.fine_tune(source, split, lr=1e-3, steps=steps, batch_size=batch_size)
    assert spy.steps == epochs * batches_per_epoch
    assert spy.types == {torch.optim.Adam}
    assert run.history.steps == list(range(epochs + 1))


@pytest.mark.parametrize(("freeze_until", "head_lr"), [(None, None), (None, 0.02), ("block1", 0.05),
                                                        ("block2", 0.1)])
def test_fine_tune_gives_the_head_head_lr_the_body_lr_and_the_frozen_part_nothing(freeze_until, head_lr):
    source = _source_mlp()
    before = _state(source)
    with _OptimizerSpy() as spy:
        run = transfer.fine_tune(source, _split(), lr=1e-3, head_lr=head_lr, freeze_until=freeze_until, steps=3)
    frozen = {"block1", "block2"} if freeze_until == "block2" else {"block1"} if freeze_until == "block1" else set()
    start = spy.by_name(run.model)
    assert set(start) == {name for name, _ in run.model.named_parameters() if _child_of(name) not in frozen}
    for name, (value, lr) in start.items():
        assert lr == ((1e-3 if head_lr is None else head_lr) if _child_of(name) == "head" else 1e-3), name
        if _child_of(name) != "head":
            assert torch.equal(value, before[name]), name  # the body starts from the source's weights
    for name, p in run.model.named_parameters():
        assert p.requires_grad == (_child_of(name) not in frozen), name
        if _child_of(name) in frozen:
            assert torch.equal(p, before[name]), name
        else:
            assert not torch.equal(p, start[name][0]), name
    assert _same_weights(source, _source_mlp())  # the model passed in is left as it was ...
    assert all(p.requires_grad for p in source.parameters()) and source.training  # ... frozen nowhere


def test_fine_tune_without_a_new_head_starts_from_the_old_one_and_with_one_from_a_seeded_fresh_one():
    source = _source_mlp(3)
    with _OptimizerSpy() as spy:
        run = transfer.fine_tune(source, _split(), lr=1e-3, new_head=False, steps=2)
    start = spy.by_name(run.model)
    assert torch.equal(start["head.weight"][0], source.head.weight) and torch.equal(start["head.bias"][0],
                                                                                   source.head.bias)
    source = _source_mlp(4)
    torch.manual_seed(4)
    want = nn.Linear(8, 3)  # torch's default initialization, drawn from a generator seeded with seed
    with _OptimizerSpy() as spy:
        run = transfer.fine_tune(source, _split(), lr=1e-3, steps=2, seed=4)
    start = spy.by_name(run.model)
    assert run.model.head.out_features == 3  # the classes of the data, not the source's 4
    assert torch.equal(start["head.weight"][0], want.weight) and torch.equal(start["head.bias"][0], want.bias)


def test_fine_tune_test_accuracy_is_the_accuracy_on_the_test_set():
    split = _split()
    run = transfer.fine_tune(_source_mlp(), split, lr=1e-2, steps=5)
    loss, accuracy = evaluate(run.model, split.x_test, split.y_test)
    assert run.test_accuracy == accuracy
    predicted = run.model.eval()(torch.as_tensor(split.x_test, dtype=torch.float32)).argmax(dim=1).numpy()
    assert run.test_accuracy == np.mean(predicted == split.y_test)


@pytest.mark.parametrize("train_bn", [True, False])
def test_fine_tune_train_bn_false_keeps_the_running_statistics_of_the_frozen_blocks(train_bn):
    source = mnist1d_cnn(4, channels=4, batch_norm=True, seed=1)
    before = _bn_stats(source)
    split = _split(n_in=40)
    run = transfer.fine_tune(source, split, lr=1e-3, freeze_until="block2", train_bn=train_bn, steps=2)
    after = _bn_stats(run.model)
    for key in before:
        keep = _child_of(key) in ("block1", "block2") and not train_bn
        assert torch.equal(after[key], before[key]) == keep, key
    assert all(torch.equal(value, before[key]) for key, value in _bn_stats(source).items())


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda m, s: transfer.fine_tune([m], s, lr=1e-3), TypeError, "^model must be a torch.nn.Module, got list"),
    (lambda m, s: transfer.fine_tune(m, (s.x_train, s.y_train), lr=1e-3), TypeError,
     "^data must be a DataSplit with x_train, y_train, x_test and y_test, got tuple without x_train"),
    (lambda m, s: transfer.fine_tune(m, _NoTest(s), lr=1e-3), TypeError, "^data must be a DataSplit .* without x_test"),
    (lambda m, s: transfer.fine_tune(m, s, lr=0.0), ValueError, "^lr must be > 0.0, got 0.0"),
    (lambda m, s: transfer.fine_tune(m, s, lr=-1e-3), ValueError, "^lr must be > 0.0, got -0.001"),
    (lambda m, s: transfer.fine_tune(m, s, lr="fast"), TypeError, "^lr must be a real number"),
    (lambda m, s: transfer.fine_tune(m, s, lr=1e-3, head_lr=0), ValueError, "^head_lr must be > 0.0, got 0"),
    (lambda m, s: transfer.fine_tune(m, s, lr=1e-3, steps=0), ValueError, "^steps must be >= 1, got 0"),
    (lambda m, s: transfer.fine_tune(m, s, lr=1e-3, steps=2.0), TypeError, "^steps must be an integer"),
    (lambda m, s: transfer.fine_tune(m, s, lr=1e-3, batch_size=0), ValueError, "^batch_size must be >= 1, got 0"),
    (lambda m, s: transfer.fine_tune(m, s, lr=1e-3, freeze_until="block7"), ValueError,
     r"^freeze_until must name a top-level child of model, \['block1', 'block2', 'head'\], got 'block7'"),
    (lambda m, s: transfer.fine_tune(m, s, lr=1e-3, new_head=1), TypeError, "^new_head must be True or False, got 1"),
    (lambda m, s: transfer.fine_tune(m, s, lr=1e-3, seed=-1), ValueError, "^seed must be >= 0, got -1"),
])
def test_fine_tune_rejects_bad_input(call, error, match):
    model = mnist1d_mlp(3, n_in=6, hidden=[8, 8])
    before = _state(model)
    with pytest.raises(error, match=match):
        call(model, _split())
    assert all(torch.equal(value, before[key]) for key, value in model.state_dict().items())


class _NoTest:
    """A split without a test set."""

    def __init__(self, split):
        self.x_train, self.y_train = split.x_train, split.y_train


# ---------------------------------------------------------------- greedy_layerwise_pretrain


class _Stages:
    """An optimizer factory for greedy_layerwise_pretrain that records each stage.

    Per stage: the parameters it was given, the model's weights when it was called (the end of the
    previous stage) and the number of optimizer steps taken.
    """

    def __init__(self, model: nn.Module, lr: float = 0.5):
        self.model, self.lr = model, lr
        self.params: list[list[nn.Parameter]] = []
        self.states: list[dict[str, torch.Tensor]] = []
        self.steps: list[int] = []

    def __call__(self, params):
        params = list(params)
        self.params.append(params)
        self.states.append(_state(self.model))
        self.steps.append(0)
        optimizer = torch.optim.SGD(params, lr=self.lr)

        def count(optimizer, args, kwargs):
            self.steps[-1] += 1

        optimizer.register_step_post_hook(count)
        return optimizer

    def changed(self, stage: int) -> set[str]:
        """Names of the model's parameters that stage ``stage`` (0-based) changed."""
        after = self.states[stage + 1] if stage + 1 < len(self.states) else _state(self.model)
        return {name for name, _ in self.model.named_parameters()
                if not torch.equal(self.states[stage][name], after[name])}


def _greedy_setup(hidden=(8, 8, 8), n=32, n_in=6, n_classes=3, seed=0):
    net = mnist1d_mlp(n_classes, n_in=n_in, hidden=list(hidden), activation="sigmoid", seed=seed)
    x, y = _xy(n, n_in=n_in, n_classes=n_classes, seed=seed)
    return net, x, y


@pytest.mark.parametrize("hidden", [(8, 8, 8), (8, 6, 4), (5,)])
def test_greedy_stage_k_trains_block_k_and_its_own_output_layer_only(hidden):
    net, x, y = _greedy_setup(hidden)
    stages = _Stages(net)
    names = {id(p): name for name, p in net.named_parameters()}
    out = transfer.greedy_layerwise_pretrain(net, x, y, optimizer=stages, epochs_per_layer=2, batch_size=8,
                                             generator=torch.Generator().manual_seed(0))
    assert out is net and len(stages.params) == len(hidden)
    for k, params in enumerate(stages.params, start=1):
        last = k == len(hidden)
        in_model = {names[id(p)] for p in params if id(p) in names}
        temporary = [p for p in params if id(p) not in names]
        want = {f"block{k}.linear.weight", f"block{k}.linear.bias"} | ({"head.weight", "head.bias"} if last else set())
        assert in_model == want, k
        if last:
            assert temporary == []  # the last stage trains model.head itself
        else:  # a fresh output layer on block k's width
            assert sorted(tuple(p.shape) for p in temporary) == [(3,), (3, hidden[k - 1])], k
        assert stages.changed(k - 1) == want, k  # earlier blocks (and later ones) stay as they were
    assert all(p.requires_grad for p in net.parameters())
    assert net(torch.zeros(2, 6)).shape == (2, 3)


@pytest.mark.parametrize(("epochs_per_layer", "batch_size", "steps_per_stage"), [(1, 64, 1), (3, 10, 12),
                                                                                  (2, 32, 2)])
def test_greedy_trains_each_stage_for_epochs_per_layer_epochs(epochs_per_layer, batch_size, steps_per_stage):
    net, x, y = _greedy_setup(n=32)
    stages = _Stages(net)
    transfer.greedy_layerwise_pretrain(net, x, y, optimizer=stages, epochs_per_layer=epochs_per_layer,
                                       batch_size=batch_size)
    assert stages.steps == [steps_per_stage] * 3  # 32 examples: ceil(32 / batch_size) steps per epoch


def test_greedy_is_deterministic_given_its_seeds():
    def run(generator_seed: int, seed: int = 0) -> nn.Module:
        net, x, y = _greedy_setup()
        return transfer.greedy_layerwise_pretrain(
            net, x, y, optimizer=lambda p: torch.optim.SGD(p, lr=0.5, momentum=0.9), epochs_per_layer=2,
            batch_size=8, seed=seed, generator=torch.Generator().manual_seed(generator_seed))

    first = run(0)
    assert _same_weights(run(0), first)
    assert not _same_weights(run(1), first)  # other temporary output layers
    assert not _same_weights(run(0, seed=1), first)  # another order of the batches
    torch.manual_seed(7)
    net, x, y = _greedy_setup()
    a = transfer.greedy_layerwise_pretrain(net, x, y, optimizer=lambda p: torch.optim.SGD(p, lr=0.5),
                                           epochs_per_layer=1)
    torch.manual_seed(7)
    net, x, y = _greedy_setup()
    b = transfer.greedy_layerwise_pretrain(net, x, y, optimizer=lambda p: torch.optim.SGD(p, lr=0.5),
                                           epochs_per_layer=1)
    assert _same_weights(a, b)  # without a generator: torch's global one


def _head_not_linear() -> nn.Module:
    net = mnist1d_mlp(3, n_in=6, hidden=[8, 8])
    net.head = nn.Sequential(nn.Linear(8, 3))
    return net


def _no_linear_in_block1() -> nn.Module:
    net = mnist1d_mlp(3, n_in=6, hidden=[6, 8])
    net.block1 = nn.Sequential(nn.Tanh())
    return net


def _sgd(params):
    return torch.optim.SGD(params, lr=0.1)


@pytest.mark.parametrize(("model", "kwargs", "error", "match"), [
    (lambda: nn.Sequential(nn.Linear(6, 8), nn.Sigmoid(), nn.Linear(8, 3)), {}, ValueError,
     r"^model must have children block1, ..., blockL and a last nn.Linear 'head', got \['0', '1', '2'\]"),
    (lambda: mnist1d_cnn(3), {}, ValueError, "^model's blocks must each hold an nn.Linear, got none in 'block1'"),
    (_head_not_linear, {}, ValueError, r"^model must have children .*, got \['block1', 'block2', 'head'\]"),
    (_no_linear_in_block1, {}, ValueError, "^model's blocks must each hold an nn.Linear, got none in 'block1'"),
    (lambda: [mnist1d_mlp(3, n_in=6)], {}, TypeError, "^model must be a torch.nn.Module, got list"),
    (lambda: mnist1d_mlp(3, n_in=6), {"optimizer": torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.1)},
     TypeError, "^optimizer must be a callable params -> torch.optim.Optimizer, got SGD"),
    (lambda: mnist1d_mlp(3, n_in=6), {"epochs_per_layer": 0}, ValueError, "^epochs_per_layer must be >= 1, got 0"),
    (lambda: mnist1d_mlp(3, n_in=6), {"generator": 0}, TypeError,
     "^generator must be a torch.Generator or None, got int"),
    (lambda: mnist1d_mlp(3, n_in=6), {"generator": np.random.default_rng(0)}, TypeError,
     "^generator must be a torch.Generator or None, got Generator"),
])
def test_greedy_rejects_bad_input(model, kwargs, error, match):
    x, y = _xy(16, n_in=6, n_classes=3)
    with pytest.raises(error, match=match):
        transfer.greedy_layerwise_pretrain(model(), x, y, **({"optimizer": _sgd, "epochs_per_layer": 1} | kwargs))


def test_greedy_checks_every_block_before_training_any():
    net = mnist1d_mlp(3, n_in=6, hidden=[8, 8, 8])
    net.block3 = nn.Sequential(nn.Tanh())
    before = _state(net)
    x, y = _xy(16, n_in=6, n_classes=3)
    with pytest.raises(ValueError, match="^model's blocks must each hold an nn.Linear, got none in 'block3'"):
        transfer.greedy_layerwise_pretrain(net, x, y, optimizer=_sgd, epochs_per_layer=1)
    assert all(torch.equal(value, before[key]) for key, value in net.state_dict().items())
