"""Tests for lecturelib.torchkit.normalization: batch norm's two modes on torch's own modules, checked against
hand-written train-mode loops, torch's running-statistics update and averages computed with numpy."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

import lecturelib.torchkit.normalization as normalization
from lecturelib.layers import batchnorm_forward
from lecturelib.torchkit.normalization import (
    batch_dependence,
    batchnorm_modules,
    batchnorm_parity,
    evaluate_in_train_mode,
    module_outputs,
    recalibrate_batchnorm_,
)

torch.set_num_threads(1)


def _net(seed: int = 0, *, momentum: float | None = 0.1) -> nn.Sequential:
    """Linear -> BatchNorm1d -> ReLU -> Linear in float64, with non-trivial gamma, beta and running statistics."""
    net = nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5, momentum=momentum), nn.ReLU(), nn.Linear(5, 4)).double()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in (net[0], net[3]):
            m.weight.normal_(0.0, 0.6, generator=g)
            m.bias.uniform_(-0.5, 0.5, generator=g)
        net[1].weight.uniform_(0.5, 1.5, generator=g)
        net[1].bias.uniform_(-0.5, 0.5, generator=g)
        net[1].running_mean.uniform_(-1.0, 1.0, generator=g)
        net[1].running_var.uniform_(0.5, 2.0, generator=g)
        net[1].num_batches_tracked.fill_(7)
    return net


def _plain_net(seed: int = 0) -> nn.Sequential:
    """The same shape without batch norm (nn.Dropout(0.0) behaves alike in both modes)."""
    net = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Dropout(0.0), nn.Linear(5, 4)).double()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in net.parameters():
            p.normal_(0.0, 0.6, generator=g)
    return net


def _data(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(0.5, 2.0, size=(n, 3)), rng.integers(0, 4, size=n)


def _buffers(model: nn.Module) -> list[torch.Tensor]:
    return [b.clone() for m in batchnorm_modules(model) for b in m.buffers()]


def _params(model: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.parameters()]


def _assert_identical(a: list[torch.Tensor], b: list[torch.Tensor]) -> None:
    assert len(a) == len(b)
    for u, v in zip(a, b):
        assert u.dtype == v.dtype and torch.equal(u, v)


# ---------------------------------------------------------------- batchnorm_modules


def test_batchnorm_modules_finds_tracking_layers_in_order():
    bn1, bn2, bn3 = nn.BatchNorm1d(4), nn.BatchNorm2d(2), nn.BatchNorm3d(2)
    untracked = nn.BatchNorm1d(4, track_running_stats=False)
    net = nn.Sequential(nn.Linear(4, 4), bn1, untracked, nn.Sequential(nn.LayerNorm(4), bn2), bn3)
    found = batchnorm_modules(net)
    assert len(found) == 3 and all(a is b for a, b in zip(found, [bn1, bn2, bn3]))
    assert batchnorm_modules(nn.Linear(2, 2)) == []
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        batchnorm_modules("net")


# ---------------------------------------------------------------- evaluate_in_train_mode


def _manual_train_mode_eval(model: nn.Module, x: np.ndarray, y: np.ndarray, batch_size: int):
    """Per-example losses and hits of consecutive train-mode batches, a last batch of one example left out."""
    losses, hits = [], []
    model.train()
    with torch.no_grad():
        for start in range(0, len(y), batch_size):
            xb, yb = torch.from_numpy(x[start:start + batch_size]), torch.from_numpy(y[start:start + batch_size])
            if len(yb) == 1:
                continue
            logits = model(xb)
            losses += nn.functional.cross_entropy(logits, yb, reduction="none").tolist()
            hits += (logits.argmax(dim=1) == yb).tolist()
    return np.mean(losses), np.mean(hits), len(losses)


@pytest.mark.parametrize(("n", "batch_size"), [(12, 4), (13, 4), (14, 4), (9, 2), (5, 8), (2, 2)])
@pytest.mark.parametrize("momentum", [0.1, 1.0, None])
def test_evaluate_in_train_mode_equals_a_manual_train_mode_loop(n, batch_size, momentum):
    x, y = _data(n)
    net, ref = _net(momentum=momentum), _net(momentum=momentum)
    net.eval()
    loss, acc = evaluate_in_train_mode(net, x, y, batch_size=batch_size)
    want_loss, want_acc, n_used = _manual_train_mode_eval(ref, x, y, batch_size)
    assert n_used == (n - 1 if n % batch_size == 1 else n)
    np.testing.assert_allclose(loss, want_loss, rtol=1e-12)
    assert acc == want_acc
    assert not net.training  # the mode is restored ...
    _assert_identical(_buffers(net), _buffers(ref))  # ... the running statistics are not
    _assert_identical(_params(net), _params(ref))


def test_evaluate_in_train_mode_updates_running_statistics_as_torch_does():
    x, y = _data(10)
    net = _net()
    mean, var = net[1].running_mean.clone(), net[1].running_var.clone()
    evaluate_in_train_mode(net, x, y, batch_size=4)  # batches of 4, 4 and 2
    with torch.no_grad():
        z = net[0](torch.from_numpy(x)).numpy()  # what the BN layer sees
    mean, var = mean.numpy(), var.numpy()
    for start in (0, 4, 8):
        zb = z[start:start + 4]
        mean = 0.9 * mean + 0.1 * zb.mean(axis=0)
        var = 0.9 * var + 0.1 * zb.var(axis=0, ddof=1)
    np.testing.assert_allclose(net[1].running_mean.numpy(), mean, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(net[1].running_var.numpy(), var, rtol=1e-12, atol=1e-15)
    assert int(net[1].num_batches_tracked) == 7 + 3


def test_evaluate_in_train_mode_drops_a_last_batch_of_one_example():
    x, y = _data(9)
    net = _net()
    evaluate_in_train_mode(net, x, y, batch_size=4)  # 4, 4 and a dropped 1
    assert int(net[1].num_batches_tracked) == 7 + 2
    # the dropped example counts neither in the loss nor in the accuracy, whatever its label
    want = evaluate_in_train_mode(_net(), x[:8], y[:8], batch_size=4)
    for label in range(4):
        y[8] = label
        assert evaluate_in_train_mode(_net(), x, y, batch_size=4) == want


def test_evaluate_in_train_mode_restores_train_mode_and_uses_custom_loss():
    x, y = _data(6)
    net = _net().train()
    seen = []

    def loss_fn(logits, targets):
        seen.append(len(targets))
        return torch.zeros((), dtype=logits.dtype)

    loss, _ = evaluate_in_train_mode(net, x, y, batch_size=4, loss_fn=loss_fn)
    assert net.training and loss == 0.0 and seen == [4, 2]


def test_evaluate_in_train_mode_rejects_bad_arguments():
    x, y, net = *_data(6), _net()
    for bad in (1, 0, -3):
        with pytest.raises(ValueError, match="batch_size must be >= 2"):
            evaluate_in_train_mode(net, x, y, batch_size=bad)
    with pytest.raises(TypeError, match="batch_size must be an integer"):
        evaluate_in_train_mode(net, x, y, batch_size=2.0)
    with pytest.raises(ValueError, match="x must hold at least 2 examples"):
        evaluate_in_train_mode(net, x[:1], y[:1], batch_size=2)
    with pytest.raises(ValueError, match="same number of rows"):
        evaluate_in_train_mode(net, x, y[:5], batch_size=2)
    with pytest.raises(TypeError, match="loss_fn must be callable"):
        evaluate_in_train_mode(net, x, y, batch_size=2, loss_fn="mse")
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        evaluate_in_train_mode(None, x, y, batch_size=2)
    _assert_identical(_buffers(net), _buffers(_net()))


# ---------------------------------------------------------------- recalibrate_batchnorm_


@pytest.mark.parametrize(("n", "batch_size"), [(24, 8), (24, 24), (20, 6), (25, 8), (7, 256)])
@pytest.mark.parametrize("momentum", [0.1, 0.0, None])
def test_recalibrate_averages_the_batch_statistics_of_the_first_layer(n, batch_size, momentum):
    x = np.random.default_rng(2).normal(3.0, 2.0, size=(n, 5))
    net = nn.Sequential(nn.BatchNorm1d(5, momentum=momentum), nn.Linear(5, 2)).double()
    with torch.no_grad():
        net[0].running_mean.fill_(-9.0)
        net[0].running_var.fill_(9.0)
        net[0].num_batches_tracked.fill_(3)
    params = _params(net)
    net.eval()
    assert recalibrate_batchnorm_(net, x, batch_size=batch_size) is net
    n_used = n - 1 if n % batch_size == 1 else n
    batches = [x[s:min(s + batch_size, n_used)] for s in range(0, n_used, batch_size)]
    want_mean = np.mean([b.mean(axis=0) for b in batches], axis=0)
    want_var = np.mean([b.var(axis=0, ddof=1) for b in batches], axis=0)
    np.testing.assert_allclose(net[0].running_mean.numpy(), want_mean, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(net[0].running_var.numpy(), want_var, rtol=1e-12, atol=1e-14)
    if n_used % batch_size == 0:  # equal batch sizes: the plain mean of x
        np.testing.assert_allclose(net[0].running_mean.numpy(), x[:n_used].mean(axis=0), rtol=1e-12)
    assert int(net[0].num_batches_tracked) == len(batches)
    assert net[0].momentum == momentum and not net.training
    _assert_identical(_params(net), params)


def test_recalibrate_undoes_an_evaluation_in_train_mode_and_keeps_train_mode():
    x_train, _ = _data(32, seed=3)
    x_test, y_test = _data(16, seed=4)
    net = _net().train()
    recalibrate_batchnorm_(net, x_train, batch_size=8)
    clean = _buffers(net)
    evaluate_in_train_mode(net, x_test[np.argsort(y_test)], np.sort(y_test), batch_size=4)
    assert not torch.equal(net[1].running_mean, clean[0])
    recalibrate_batchnorm_(net, x_train, batch_size=8)
    assert net.training
    for got, want in zip(_buffers(net), clean):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-14, atol=1e-15)
    # layer 1 sees the train-mode inputs of the layers before it: here the Linear's outputs
    with torch.no_grad():
        z = net[0](torch.from_numpy(x_train)).numpy()
    np.testing.assert_allclose(net[1].running_mean.numpy(), z.mean(axis=0), rtol=1e-12, atol=1e-14)


def test_recalibrate_works_with_batchnorm2d_per_channel():
    x = np.random.default_rng(5).normal(1.0, 3.0, size=(12, 3, 4, 5))
    net = nn.Sequential(nn.BatchNorm2d(3), nn.Conv2d(3, 2, 3)).double()
    recalibrate_batchnorm_(net, x, batch_size=4)
    batches = x.reshape(3, 4, 3, 4, 5)  # 3 batches of 4 images
    want_mean = batches.mean(axis=(1, 3, 4)).mean(axis=0)
    per_batch_var = [b.transpose(1, 0, 2, 3).reshape(3, -1).var(axis=1, ddof=1) for b in batches]
    np.testing.assert_allclose(net[0].running_mean.numpy(), want_mean, rtol=1e-12)
    np.testing.assert_allclose(net[0].running_mean.numpy(), x.mean(axis=(0, 2, 3)), rtol=1e-12)
    np.testing.assert_allclose(net[0].running_var.numpy(), np.mean(per_batch_var, axis=0), rtol=1e-12)


def test_recalibrate_restores_momentum_and_mode_when_the_forward_raises():
    net = nn.Sequential(nn.BatchNorm1d(3, momentum=0.3), nn.Linear(4, 2)).double().eval()  # 3 != 4: fails
    with pytest.raises(RuntimeError):
        recalibrate_batchnorm_(net, np.zeros((6, 3)), batch_size=2)
    assert net[0].momentum == 0.3 and not net.training


def test_recalibrate_rejects_bad_arguments():
    with pytest.raises(ValueError, match="batch-norm layer"):
        recalibrate_batchnorm_(nn.Sequential(nn.Linear(2, 2), nn.LayerNorm(2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="batch-norm layer"):
        recalibrate_batchnorm_(nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2, track_running_stats=False)),
                               np.zeros((4, 2)))
    net = _net()
    with pytest.raises(ValueError, match="batch_size must be >= 2"):
        recalibrate_batchnorm_(net, np.zeros((4, 3)), batch_size=1)
    for bad in (np.zeros((4, 3), dtype=int), np.zeros(4), np.zeros((1, 3))):
        with pytest.raises(ValueError, match="x must be a floating-point array"):
            recalibrate_batchnorm_(net, bad)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        recalibrate_batchnorm_([], np.zeros((4, 3)))
    _assert_identical(_buffers(net), _buffers(_net()))


# ---------------------------------------------------------------- module_outputs


@pytest.mark.parametrize("training", [False, True])
def test_module_outputs_equal_a_manual_forward_and_leave_buffers_alone(training):
    x, _ = _data(8)
    net = _net(momentum=None).train(not training)  # the opposite mode, to see that it is restored
    buffers, params = _buffers(net), _params(net)
    linears = module_outputs(net, x, training=training)
    (normed,) = module_outputs(net, x, module_type=nn.BatchNorm1d, training=training)
    _assert_identical(_buffers(net), buffers)
    _assert_identical(_params(net), params)
    assert net.training is not training
    xt = torch.from_numpy(x)
    with torch.no_grad():
        z1 = net[0](xt)
        if training:
            want = (z1 - z1.mean(0)) / torch.sqrt(z1.var(0, unbiased=False) + net[1].eps)
        else:
            want = (z1 - net[1].running_mean) / torch.sqrt(net[1].running_var + net[1].eps)
        want = want * net[1].weight + net[1].bias
        z2 = net[3](torch.relu(want))
    assert [o.dtype for o in linears + [normed]] == [torch.float64] * 3
    np.testing.assert_allclose(linears[0].numpy(), z1.numpy(), rtol=1e-14)
    np.testing.assert_allclose(normed.numpy(), want.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(linears[1].numpy(), z2.numpy(), rtol=1e-12, atol=1e-14)


def test_module_outputs_are_float64_for_a_float32_model():
    x, _ = _data(4)
    net = _net().float()
    (out,) = module_outputs(net, x, module_type=nn.ReLU)
    with torch.no_grad():
        want = net.eval()[:3](torch.from_numpy(x).float())
    assert out.dtype == torch.float64
    np.testing.assert_array_equal(out.numpy(), want.double().numpy())


def test_module_outputs_rejects_bad_arguments():
    x, _ = _data(4)
    net = _net()
    for bad in ("Linear", int, nn.Linear(3, 5)):
        with pytest.raises(TypeError, match="module_type must be a subclass of torch.nn.Module"):
            module_outputs(net, x, module_type=bad)
    for bad in (1, None, "yes", np.True_):
        with pytest.raises(TypeError, match="training must be a bool"):
            module_outputs(net, x, training=bad)
    with pytest.raises(ValueError, match="must contain a Conv2d"):
        module_outputs(net, x, module_type=nn.Conv2d)
    assert all(not m._forward_hooks for m in net.modules())  # no hook left behind


# ---------------------------------------------------------------- batch_dependence


def test_batch_dependence_first_row_is_the_train_mode_output_of_the_drawn_batch():
    x, _ = _data(10)
    net = _net().eval()
    buffers = _buffers(net)
    rows = batch_dependence(net, x, index=3, batch_size=4, draws=5, rng=np.random.default_rng(7))
    assert rows.shape == (5, 4) and rows.dtype == np.float64
    _assert_identical(_buffers(net), buffers)
    assert not net.training
    rng = np.random.default_rng(7)
    ref = _net().train()
    for row in rows:
        batch = np.concatenate([[3], rng.choice(np.delete(np.arange(10), 3), size=3, replace=False)])
        with torch.no_grad():
            want = ref(torch.from_numpy(x[batch]))[0].numpy()
        np.testing.assert_allclose(row, want, rtol=1e-12, atol=1e-14)


def test_batch_dependence_rows_differ_only_with_batch_norm():
    x, _ = _data(12)
    plain = _plain_net()
    rows = batch_dependence(plain, x, index=0, batch_size=3, draws=6, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(rows, np.tile(rows[0], (6, 1)))
    with torch.no_grad():
        np.testing.assert_allclose(rows[0], plain(torch.from_numpy(x[:1]))[0].numpy(), rtol=1e-14)
    rows = batch_dependence(_net(), x, index=0, batch_size=3, draws=6, rng=np.random.default_rng(0))
    assert np.ptp(rows, axis=0).min() > 1e-3
    # with the whole data set in every batch there is only one batch
    rows = batch_dependence(_net(), x, index=5, batch_size=12, draws=3, rng=np.random.default_rng(0))
    np.testing.assert_allclose(rows, np.tile(rows[0], (3, 1)), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"index": 5}, "index must be <= 4, got 5"),
    ({"index": -1}, "index must be >= 0, got -1"),
    ({"batch_size": 1}, "batch_size must be >= 2, got 1"),
    ({"batch_size": 6}, "batch_size must be <= 5, got 6"),
    ({"draws": 0}, "draws must be >= 1, got 0"),
])
def test_batch_dependence_rejects_out_of_range_arguments(kwargs, match):
    x, _ = _data(5)
    net = _net()
    with pytest.raises(ValueError, match=match):
        batch_dependence(net, x, **{"index": 0, "batch_size": 2, "draws": 1, **kwargs}, rng=np.random.default_rng(0))
    _assert_identical(_buffers(net), _buffers(_net()))


def test_batch_dependence_rejects_bad_types():
    x, _ = _data(5)
    net, rng = _net(), np.random.default_rng(0)
    with pytest.raises(TypeError, match="index must be an integer"):
        batch_dependence(net, x, index=1.0, batch_size=2, draws=1, rng=rng)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        batch_dependence(net, x, index=0, batch_size=2, draws=1, rng=0)
    with pytest.raises(ValueError, match="x must be a floating-point array"):
        batch_dependence(net, np.zeros(5), index=0, batch_size=2, draws=1, rng=rng)
    _assert_identical(_buffers(net), _buffers(_net()))


# ---------------------------------------------------------------- batchnorm_parity

PARITY_KEYS = {"out", "dx", "dgamma", "dbeta", "running_mean", "running_var", "out (eval)", "dx (eval)"}


@pytest.mark.parametrize(("steps", "n", "channels"), [(1, 2, 1), (3, 5, 4), (6, 64, 3)])
@pytest.mark.parametrize("momentum", [0.0, 0.1, 0.5, 1.0])
def test_batchnorm_parity_is_at_rounding_level(steps, n, channels, momentum):
    batches = np.random.default_rng(steps).normal(2.0, 3.0, size=(steps, n, channels))
    diff = batchnorm_parity(batches, momentum=momentum, eps=1e-3, rng=np.random.default_rng(0))
    assert set(diff) == PARITY_KEYS
    assert all(0.0 <= v < 1e-12 for v in diff.values()), diff


def _unbiased_batchnorm_forward(x, gamma, beta, running_mean, running_var, *, training, momentum=0.1, eps=1e-5):
    """The common mistake: normalize with the unbiased batch variance (the cache stays the correct one)."""
    res = batchnorm_forward(x, gamma, beta, running_mean, running_var, training=training, momentum=momentum, eps=eps)
    if not training:
        return res
    out = gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0, ddof=1) + eps) + beta
    return res._replace(out=out)


def test_batchnorm_parity_detects_the_unbiased_variance(monkeypatch):
    batches = np.random.default_rng(1).normal(0.0, 1.0, size=(3, 4, 2))
    monkeypatch.setattr(normalization, "batchnorm_forward", _unbiased_batchnorm_forward)
    diff = batchnorm_parity(batches, rng=np.random.default_rng(0))
    assert diff["out"] > 1e-3
    assert diff["dx"] < 1e-12 and diff["out (eval)"] < 1e-12  # only the patched quantity differs


def test_batchnorm_parity_rejects_bad_arguments():
    rng = np.random.default_rng(0)
    good = np.zeros((2, 3, 2))
    with pytest.raises(ValueError, match="batches must be a 3-D array"):
        batchnorm_parity(np.zeros((3, 2)), rng=rng)
    with pytest.raises(ValueError, match="N >= 2"):
        batchnorm_parity(np.zeros((2, 1, 2)), rng=rng)
    with pytest.raises(TypeError, match="batches must be a floating-point array"):
        batchnorm_parity(np.zeros((2, 3, 2), dtype=int), rng=rng)
    with pytest.raises(ValueError, match="momentum must be <= 1"):
        batchnorm_parity(good, momentum=1.5, rng=rng)
    with pytest.raises(ValueError, match="eps must be > 0"):
        batchnorm_parity(good, eps=0.0, rng=rng)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        batchnorm_parity(good, rng=None)
