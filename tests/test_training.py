"""Tests for lecturelib.torchkit.training: the torch mini-batch loop and evaluation."""

from __future__ import annotations

import copy
import importlib.util
import io
import math
import pickle
import re
import sys
import types

import numpy as np
import pytest
import torch
from torch import nn

from lecturelib.history import History
from lecturelib.regularization import EarlyStopping
from lecturelib.torchkit import training
from lecturelib.torchkit.training import TrainingDiverged, early_stopping, evaluate, predict_proba, to_tensors, train


def _blobs(n: int = 96, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three well-separated Gaussian blobs in 4-D (float64 features, int64 labels)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    centers = 4.0 * np.eye(3, 4)
    return centers[y] + 0.5 * rng.standard_normal((n, 4)), y.astype(np.int64)


def _net(seed: int = 0, dtype: torch.dtype = torch.float32) -> nn.Sequential:
    """A small MLP initialised from its own generator (the global RNG is left alone)."""
    net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3)).to(dtype)
    g = torch.Generator().manual_seed(seed)
    for m in net:
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu", generator=g)
            nn.init.zeros_(m.bias)
    return net


def _fit(seed: int = 0, epochs: int = 3, **kwargs) -> tuple[History, nn.Module]:
    x, y = _blobs()
    net = _net()
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    return train(net, x, y, optimizer=opt, epochs=epochs, batch_size=16, seed=seed, **kwargs), net


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_loss_decreases_on_separable_problem(dtype):
    x, y = _blobs()
    net = _net(dtype=dtype)
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    h = train(net, x, y, optimizer=opt, epochs=10, batch_size=16)
    assert h.last("loss") < 0.5 * h["loss"][0]
    assert h.last("accuracy") == 1.0
    assert evaluate(net, x, y)[1] == 1.0


@pytest.mark.parametrize("epochs", [1, 4])
@pytest.mark.parametrize("with_val", [False, True])
def test_history_has_one_entry_per_epoch_plus_epoch_zero(epochs, with_val):
    x_val, y_val = _blobs(30, seed=1)
    kwargs = {"x_val": x_val, "y_val": y_val} if with_val else {}
    h, _ = _fit(epochs=epochs, **kwargs)
    assert isinstance(h, History)
    assert h.steps == list(range(epochs + 1))
    expected = {"loss", "accuracy"} | ({"val_loss", "val_accuracy"} if with_val else set())
    assert set(h.metrics) == expected
    for name in expected:
        assert len(h[name]) == epochs + 1


def test_epoch_zero_is_the_untrained_model_on_the_full_training_set():
    x, y = _blobs()
    x_val, y_val = _blobs(30, seed=1)
    loss0, acc0 = evaluate(_net(), x, y)
    val_loss0, val_acc0 = evaluate(_net(), x_val, y_val)
    h, _ = _fit(x_val=x_val, y_val=y_val)
    np.testing.assert_allclose([h["loss"][0], h["accuracy"][0]], [loss0, acc0], rtol=1e-6)
    np.testing.assert_allclose([h["val_loss"][0], h["val_accuracy"][0]], [val_loss0, val_acc0], rtol=1e-6)


def test_val_metrics_are_measured_on_the_trained_model():
    x_val, y_val = _blobs(30, seed=1)
    h, net = _fit(x_val=x_val, y_val=y_val)
    expected = evaluate(net, x_val, y_val)
    np.testing.assert_allclose([h.last("val_loss"), h.last("val_accuracy")], expected, rtol=1e-6)


def test_same_seed_gives_identical_history_and_weights():
    (h1, net1), (h2, net2) = _fit(seed=3), _fit(seed=3)
    assert h1.metrics == h2.metrics
    for p1, p2 in zip(net1.parameters(), net2.parameters()):
        assert torch.equal(p1, p2)


def test_different_seed_shuffles_differently():
    (h1, net1), (h2, net2) = _fit(seed=0), _fit(seed=1)
    assert h1["loss"][0] == h2["loss"][0]  # same initial model
    assert not np.array_equal(h1["loss"][1:], h2["loss"][1:])
    assert not torch.equal(net1[0].weight, net2[0].weight)


def test_train_leaves_global_rng_alone():
    x, y = _blobs()
    net = _net()  # nn.Linear's default init draws from the global RNG: build the net first
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    state = torch.get_rng_state()
    train(net, x, y, optimizer=opt, epochs=2, x_val=x, y_val=y)
    assert torch.equal(torch.get_rng_state(), state)


def test_full_batch_training_equals_manual_gradient_descent():
    x, y = _blobs(24)
    net, ref = _net(dtype=torch.float64), _net(dtype=torch.float64)
    train(net, x, y, optimizer=torch.optim.SGD(net.parameters(), lr=0.1), epochs=2, batch_size=24)
    Xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(2):  # with one batch the order does not matter
        loss = nn.functional.cross_entropy(ref(Xt), yt)
        grads = torch.autograd.grad(loss, list(ref.parameters()))
        with torch.no_grad():
            for p, g in zip(ref.parameters(), grads):
                p -= 0.1 * g
    for p, q in zip(net.parameters(), ref.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_train_restores_the_model_mode():
    net = _net().eval()
    x, y = _blobs()
    train(net, x, y, optimizer=torch.optim.SGD(net.parameters(), lr=0.01), epochs=1)
    assert not net.training


@pytest.mark.parametrize("batch_size", [1, 7, 1024])
def test_evaluate_matches_manual_computation(batch_size):
    x, y = _blobs(50)
    net = _net(dtype=torch.float64)
    with torch.no_grad():
        logits = net(torch.from_numpy(x)).numpy()
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss, acc = evaluate(net, x, y, batch_size=batch_size)
    np.testing.assert_allclose(loss, -log_probs[np.arange(len(y)), y].mean(), rtol=1e-12)
    assert acc == np.mean(logits.argmax(axis=1) == y)


@pytest.mark.parametrize("batch_size", [1, 7, 1024])
def test_predict_proba_is_the_softmax_of_the_logits_in_eval_mode(batch_size):
    x, y = _blobs(50)
    net = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 3)).double()
    net.train()
    with torch.no_grad():
        logits = net.eval()(torch.from_numpy(x)).numpy()
    net.train()
    p = predict_proba(net, x, batch_size=batch_size)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))  # the softmax written out
    np.testing.assert_allclose(p, e / e.sum(axis=1, keepdims=True), rtol=1e-12)
    assert p.dtype == np.float64 and p.shape == (50, 3) and net.training
    loss, acc = evaluate(net, x, y)  # the same predictions evaluate scores
    assert acc == np.mean(p.argmax(axis=1) == y)
    np.testing.assert_allclose(loss, -np.log(p[np.arange(50), y]).mean(), rtol=1e-10)


def test_predict_proba_accepts_a_tensor_of_another_dtype():
    x, _ = _blobs(10)
    net = _net()  # float32
    p = predict_proba(net, torch.from_numpy(x))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)


@pytest.mark.parametrize(("x", "error", "match"), [
    (np.zeros((4, 4), dtype=int), TypeError, "x must be a floating-point array, got dtype int"),
    (np.zeros(4), ValueError, r"x must have shape \(N, \.\.\.\) with N >= 1 examples, got shape \(4,\)"),
    (np.zeros((0, 4)), ValueError, r"got shape \(0, 4\)"),
])
def test_predict_proba_rejects_bad_input(x, error, match):
    with pytest.raises(error, match=match):
        predict_proba(_net(), x)


def test_evaluate_uses_eval_mode_and_custom_loss():
    x, y = _blobs(20)
    net = nn.Sequential(nn.Linear(4, 3), nn.Dropout(0.9)).double()
    net.train()
    calls = []

    def loss_fn(logits, targets):
        calls.append(len(targets))
        return nn.functional.cross_entropy(logits, targets)

    a, b = evaluate(net, x, y, loss_fn=loss_fn, batch_size=8), evaluate(net, x, y)
    np.testing.assert_allclose(a, b, rtol=1e-12)  # dropout is off in eval mode, so the calls agree
    assert calls == [8, 8, 4]
    assert net.training


def test_to_tensors_casts_to_dtype():
    x, y = to_tensors(np.ones((3, 2)), np.array([0, 1, 2], dtype=np.int32), dtype=torch.float64)
    assert x.dtype == torch.float64 and y.dtype == torch.int64
    Xt, yt = to_tensors(torch.ones(3, 1, 2, 2), torch.tensor([0, 1, 0]))
    assert Xt.shape == (3, 1, 2, 2) and Xt.dtype == torch.float32


_Y5 = np.zeros(5, dtype=np.int64)


def _bad(**overrides):
    x, y = _blobs()
    net = _net()
    kwargs = {"optimizer": torch.optim.SGD(net.parameters(), lr=0.1), "epochs": 1}
    kwargs.update(overrides)
    x, y = kwargs.pop("x", x), kwargs.pop("y", y)
    return train(kwargs.pop("model", net), x, y, **kwargs)


@pytest.mark.parametrize(
    ("overrides", "error", "match"),
    [
        ({"epochs": 0}, ValueError, "epochs must be >= 1, got 0"),
        ({"epochs": 2.0}, TypeError, "epochs must be an integer"),
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1, got 0"),
        ({"seed": -1}, ValueError, "seed must be >= 0"),
        ({"optimizer": "sgd"}, TypeError, "optimizer must be a torch.optim.Optimizer, got str"),
        ({"model": lambda x: x}, TypeError, "model must be a torch.nn.Module"),
        ({"model": nn.ReLU()}, ValueError, "model must have at least one parameter"),
        ({"loss_fn": 3}, TypeError, "loss_fn must be callable"),
        ({"optimizer": torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1)}, ValueError, "optimizer must update model"),
        ({"x": np.zeros((95, 4))}, ValueError, r"x and y must have the same number of rows.*\(95, 4\)"),
        ({"x": np.zeros(96)}, ValueError, "x must have shape"),
        ({"x": np.zeros((96, 4), dtype=np.int64)}, TypeError, "x must be a floating-point array"),
        ({"y": np.zeros(96)}, TypeError, "y must be an integer array"),
        ({"y": np.zeros((96, 1), dtype=np.int64)}, ValueError, r"y must be a 1-D array.*\(96, 1\)"),
        ({"x_val": np.zeros((5, 4))}, ValueError, "x_val and y_val must be given together"),
        ({"x_val": np.zeros((5, 3)), "y_val": _Y5}, ValueError, r"x_val must have rows of shape \(4,\)"),
        ({"x_val": np.zeros((5, 4)), "y_val": _Y5[:4]}, ValueError, "x_val and y_val must have the same"),
    ],
)
def test_train_rejects_bad_arguments(overrides, error, match):
    with pytest.raises(error, match=match):
        _bad(**overrides)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1, got 0"),
        ({"loss_fn": "ce"}, TypeError, "loss_fn must be callable"),
        ({"y": np.arange(4)}, ValueError, "x and y must have the same number of rows"),
    ],
)
def test_evaluate_rejects_bad_arguments(kwargs, error, match):
    x, y = _blobs(6)
    args = {"x": x, "y": y, **kwargs}
    with pytest.raises(error, match=match):
        evaluate(_net(), args.pop("x"), args.pop("y"), **args)


def test_eval_batch_size_changes_memory_not_results():
    x, y = np.random.default_rng(0).standard_normal((50, 3)), np.arange(50) % 2
    histories = []
    for eval_batch_size in (7, 1024):
        torch.manual_seed(0)
        net = nn.Linear(3, 2).double()
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        histories.append(train(net, x, y, optimizer=opt, epochs=2, x_val=x, y_val=y, eval_batch_size=eval_batch_size))
    for metric in ("loss", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(histories[0][metric], histories[1][metric], rtol=1e-12)
    with pytest.raises(ValueError, match="eval_batch_size must be >= 1, got 0"):
        train(net, x, y, optimizer=opt, epochs=1, eval_batch_size=0)


# ---------------------------------------------------------------- callback


@pytest.mark.parametrize(("n", "batch_size", "epochs"), [(96, 16, 2), (50, 7, 3), (10, 64, 2)])
def test_callback_sees_step_zero_then_every_optimizer_step(n, batch_size, epochs):
    x, y = _blobs(n)
    net = _net()
    calls = []
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    original_step = opt.step

    def counting_step(*args, **kwargs):
        calls.append("optimizer.step")
        return original_step(*args, **kwargs)

    opt.step = counting_step
    train(net, x, y, optimizer=opt, epochs=epochs, batch_size=batch_size,
          callback=lambda step, model: calls.append((step, model)))
    steps_per_epoch = -(-n // batch_size)  # the last batch may be smaller
    n_steps = epochs * steps_per_epoch
    assert calls[0] == (0, net)  # before any optimizer step
    assert calls[1:] == [call for step in range(1, n_steps + 1) for call in ("optimizer.step", (step, net))]


def test_callback_sees_the_parameters_after_each_step():
    x, y = _blobs(24)
    net, ref = _net(dtype=torch.float64), _net(dtype=torch.float64)
    seen = []
    train(net, x, y, optimizer=torch.optim.SGD(net.parameters(), lr=0.1), epochs=2, batch_size=24,
          callback=lambda step, model: seen.append(model[0].weight.detach().clone()))
    Xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    want = [ref[0].weight.detach().clone()]
    for _ in range(2):  # full batch: one step per epoch, as in manual gradient descent
        grads = torch.autograd.grad(nn.functional.cross_entropy(ref(Xt), yt), list(ref.parameters()))
        with torch.no_grad():
            for p, g in zip(ref.parameters(), grads):
                p -= 0.1 * g
        want.append(ref[0].weight.detach().clone())
    assert len(seen) == 3
    for got, expected in zip(seen, want):
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-12, atol=1e-14)


def test_a_callback_that_only_reads_leaves_the_run_unchanged():
    (h1, net1) = _fit(seed=2)
    (h2, net2) = _fit(seed=2, callback=lambda step, model: model(torch.zeros(1, 4)))
    assert h1.metrics == h2.metrics
    for p1, p2 in zip(net1.parameters(), net2.parameters()):
        assert torch.equal(p1, p2)


def test_callback_error_stops_training_and_propagates():
    seen = []

    def callback(step, model):
        seen.append(step)
        if step == 3:
            raise RuntimeError("stop at step 3")

    with pytest.raises(RuntimeError, match="stop at step 3"):
        _fit(callback=callback)
    assert seen == [0, 1, 2, 3]


@pytest.mark.parametrize("callback", [3, "print", [print]])
def test_callback_must_be_callable(callback):
    with pytest.raises(TypeError, match=r"^callback must be callable as callback\(step, model\) or None, got"):
        _bad(callback=callback)


def test_drop_last_skips_the_incomplete_batch_that_batch_norm_cannot_train_on():
    x = torch.randn(33, 4, generator=torch.Generator().manual_seed(0))
    y = torch.arange(33) % 3
    net = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.BatchNorm1d(5), torch.nn.ReLU(), torch.nn.Linear(5, 3))
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        train(net, x, y, optimizer=opt, epochs=1, batch_size=16)  # 16 + 16 + 1
    steps = []
    train(net, x, y, optimizer=opt, epochs=2, batch_size=16, drop_last=True, callback=lambda s, m: steps.append(s))
    assert steps == [0, 1, 2, 3, 4]  # two full batches per epoch, the 33rd example skipped


def test_drop_last_averages_over_the_examples_it_used():
    # a model that always predicts class 0: accuracy over the used examples only
    x, y = torch.zeros(10, 2), torch.tensor([0] * 8 + [1] * 2)
    net = torch.nn.Linear(2, 2)
    with torch.no_grad():
        net.weight.zero_()
        net.bias.copy_(torch.tensor([1.0, 0.0]))
    opt = torch.optim.SGD(net.parameters(), lr=0.0)
    full = train(net, x, y, optimizer=opt, epochs=1, batch_size=4)
    dropped = train(net, x, y, optimizer=opt, epochs=1, batch_size=4, drop_last=True)
    assert full["accuracy"][-1] == pytest.approx(0.8)
    assert 0.5 <= dropped["accuracy"][-1] <= 1.0 and dropped["accuracy"][-1] * 8 == round(dropped["accuracy"][-1] * 8)


def test_drop_last_is_checked():
    x, y = torch.zeros(10, 2), torch.zeros(10, dtype=torch.long)
    net = torch.nn.Linear(2, 2)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    with pytest.raises(TypeError, match="^drop_last must be True or False"):
        train(net, x, y, optimizer=opt, epochs=1, drop_last=1)
    with pytest.raises(ValueError, match="^batch_size must be at most the 10 training examples"):
        train(net, x, y, optimizer=opt, epochs=1, batch_size=11, drop_last=True)


# ---------------------------------------------------------------- batch_callback


@pytest.mark.parametrize(("n", "batch_size", "epochs"), [(96, 16, 2), (50, 7, 3)])
def test_batch_callback_sees_every_step_and_its_batch_loss(n, batch_size, epochs):
    x, y = _blobs(n)
    net = _net()
    calls = []
    h = train(net, x, y, optimizer=torch.optim.SGD(net.parameters(), lr=0.05), epochs=epochs, batch_size=batch_size,
              batch_callback=lambda step, loss: calls.append(("batch", step, loss)),
              callback=lambda step, model: calls.append(("model", step)))
    steps_per_epoch = -(-n // batch_size)
    assert calls[0] == ("model", 0)
    assert [c[:2] for c in calls[1:]] == [
        c for step in range(1, epochs * steps_per_epoch + 1) for c in (("batch", step), ("model", step))]
    losses = np.array([c[2] for c in calls if c[0] == "batch"]).reshape(epochs, steps_per_epoch)
    assert all(type(c[2]) is float for c in calls if c[0] == "batch")
    sizes = np.array([min(batch_size, n - start) for start in range(0, n, batch_size)])
    np.testing.assert_allclose(losses @ sizes / n, h["loss"][1:], rtol=1e-12)  # the epoch's loss is their mean


def test_batch_loss_is_the_loss_before_the_step():
    x, y = _blobs(24)
    net, ref = _net(dtype=torch.float64), _net(dtype=torch.float64)
    seen = []
    train(net, x, y, optimizer=torch.optim.SGD(net.parameters(), lr=0.1), epochs=2, batch_size=24,
          batch_callback=lambda step, loss: seen.append(loss))
    want = []
    for _ in range(2):
        loss = nn.functional.cross_entropy(ref(torch.from_numpy(x)), torch.from_numpy(y))
        want.append(loss.item())
        grads = torch.autograd.grad(loss, list(ref.parameters()))
        with torch.no_grad():
            for p, g in zip(ref.parameters(), grads):
                p -= 0.1 * g
    np.testing.assert_allclose(seen, want, rtol=1e-12)


def test_a_batch_callback_that_only_reads_leaves_the_run_unchanged_and_can_stop_it():
    (h1, net1) = _fit(seed=2)
    (h2, net2) = _fit(seed=2, batch_callback=lambda step, loss: None)
    assert h1.metrics == h2.metrics
    for p1, p2 in zip(net1.parameters(), net2.parameters()):
        assert torch.equal(p1, p2)

    def stop(step, loss):
        if step == 2:
            raise RuntimeError("stop at step 2")

    with pytest.raises(RuntimeError, match="stop at step 2"):
        _fit(batch_callback=stop)


@pytest.mark.parametrize("batch_callback", [3, "print"])
def test_batch_callback_must_be_callable(batch_callback):
    with pytest.raises(TypeError, match=r"^batch_callback must be callable as batch_callback\(step, loss\) or None"):
        _bad(batch_callback=batch_callback)


# ---------------------------------------------------------------- Chapter 6 options: nothing changes by default

# The float64 run of _fit_pinned, recorded with train() as it was before epoch_callback, early_stopping,
# stop_on_nonfinite, transform and progress were added (commit 846bb73); bit-identical on the machine that
# recorded it, compared here to 1e-12 so that a different CPU's last-bit rounding does not fail the test.
_PINNED = {
    "loss": [5.262747392663682, 1.7257431277232405, 0.014922878421049888, 0.002599345869436384],
    "accuracy": [0.0, 0.625, 1.0, 1.0],
    "val_loss": [4.991777529068742, 0.026626802413260323, 0.002625489565394133, 0.0009166720027279656],
    "val_accuracy": [0.0, 1.0, 1.0, 1.0],
}


def _fit_pinned(**kwargs) -> tuple[History, nn.Module]:
    x, y = _blobs()
    x_val, y_val = _blobs(30, seed=1)
    net = _net(dtype=torch.float64)
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    h = train(net, x, y, optimizer=opt, epochs=3, batch_size=16, seed=5, x_val=x_val, y_val=y_val, **kwargs)
    return h, net


def test_a_run_without_the_new_options_gives_the_history_recorded_before_they_existed():
    h, net = _fit_pinned()
    assert h.steps == [0, 1, 2, 3]
    for name, values in _PINNED.items():
        np.testing.assert_allclose(h[name], values, rtol=1e-12, atol=0)
    np.testing.assert_allclose(net[0].weight[0, 0].item(), float.fromhex("-0x1.a2dd9657b176dp+0"), rtol=1e-12)


@pytest.mark.parametrize("kwargs", [
    {"epoch_callback": None, "stop_on_nonfinite": False, "transform": None, "progress": None},
    {"epoch_callback": lambda epoch, history, model: None},
    {"epoch_callback": lambda epoch, history, model: False},
    {"stop_on_nonfinite": True},  # the run stays finite
    {"progress": False},
    {"progress": True},
    {"transform": lambda xb, generator: xb},
])
def test_the_new_options_at_rest_leave_the_run_bit_identical(kwargs):
    h_old, net_old = _fit_pinned()
    h_new, net_new = _fit_pinned(**kwargs)
    assert h_new.steps == h_old.steps and h_new.metrics == h_old.metrics
    for p_old, p_new in zip(net_old.parameters(), net_new.parameters()):
        assert torch.equal(p_old, p_new)


def test_the_new_options_leave_the_global_rng_alone():
    x, y = _blobs()
    net = _net()
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    state = torch.get_rng_state()

    def noise(xb, generator):
        return xb + 0.1 * torch.randn(xb.shape, generator=generator, dtype=xb.dtype)

    train(net, x, y, optimizer=opt, epochs=2, x_val=x, y_val=y, transform=noise, progress=True,
          stop_on_nonfinite=True, epoch_callback=lambda epoch, history, model: None)
    assert torch.equal(torch.get_rng_state(), state)


def test_a_tiny_problem_trains_with_every_new_option_at_once():
    from lecturelib.torchkit.models import torch_mlp

    x, y = _blobs()
    x_val, y_val = _blobs(30, seed=1)
    torch.manual_seed(0)
    net = torch_mlp([4, 16, 3], dropout=0.2, input_noise=0.1).double()
    seen = []

    def noise(xb, generator):
        return xb + 0.1 * torch.randn(xb.shape, generator=generator, dtype=xb.dtype)

    h = train(net, x, y, optimizer=torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9), epochs=8,
              batch_size=16, x_val=x_val, y_val=y_val, transform=noise, stop_on_nonfinite=True, progress=False,
              epoch_callback=lambda epoch, history, model: seen.append(epoch))
    assert seen == list(range(1, 9))
    assert h.last("val_accuracy") == 1.0 and h.last("val_loss") < 0.2 * h["val_loss"][0]


# ---------------------------------------------------------------- epoch_callback


@pytest.mark.parametrize("stop_at", [1, 3])
def test_epoch_callback_returning_true_stops_after_that_epoch(stop_at):
    calls, steps = [], []

    def epoch_callback(epoch, history, model):
        calls.append((epoch, list(history.steps), model))
        return epoch == stop_at

    h, net = _fit(epochs=5, epoch_callback=epoch_callback, callback=lambda step, model: steps.append(step))
    assert h.steps == list(range(stop_at + 1))
    assert [c[0] for c in calls] == list(range(1, stop_at + 1))
    assert all(c[1] == list(range(c[0] + 1)) for c in calls)  # called after the epoch's entry is recorded
    assert all(c[2] is net for c in calls)
    assert steps == list(range(stop_at * 6 + 1))  # 96 examples in batches of 16: 6 steps per epoch


def test_a_run_stopped_by_epoch_callback_is_the_start_of_the_full_run():
    full, _ = _fit(epochs=4)
    stopped, _ = _fit(epochs=4, epoch_callback=lambda epoch, history, model: epoch == 2)
    for name in full.metrics:
        assert stopped.metrics[name] == full.metrics[name][:3]


def test_epoch_callback_accepts_numpy_bools_and_sees_the_model_in_its_mode():
    modes = []
    net = _net().eval()
    x, y = _blobs()

    def epoch_callback(epoch, history, model):
        modes.append(model.training)
        return np.bool_(epoch == 2)

    h = train(net, x, y, optimizer=torch.optim.SGD(net.parameters(), lr=0.05), epochs=4,
              epoch_callback=epoch_callback)
    assert h.steps == [0, 1, 2] and modes == [False, False]


@pytest.mark.parametrize(("epoch_callback", "error", "match"), [
    (3, TypeError, r"^epoch_callback must be callable as epoch_callback\(epoch, history, model\) or None, got int"),
    (lambda epoch, history, model: 1, TypeError, r"^epoch_callback must return True \(stop\), False or None, got 1"),
    (lambda epoch, history, model: "stop", TypeError, "^epoch_callback must return True .*got 'stop'"),
])
def test_epoch_callback_is_checked(epoch_callback, error, match):
    with pytest.raises(error, match=match):
        _bad(epoch_callback=epoch_callback)


def test_epoch_callback_error_propagates():
    def epoch_callback(epoch, history, model):
        raise RuntimeError(f"stop at epoch {epoch}")

    with pytest.raises(RuntimeError, match="stop at epoch 1"):
        _fit(epoch_callback=epoch_callback)


# ---------------------------------------------------------------- early_stopping


def _overfit(epoch_callback, epochs=60):
    """24 noisy training points, a wide net: the validation loss falls for two epochs, then rises."""
    def blobs(n, seed):
        rng = np.random.default_rng(seed)
        y = np.arange(n) % 3
        return np.eye(3, 4)[y] + rng.standard_normal((n, 4)), y

    (x, y), (x_val, y_val) = blobs(24, 0), blobs(60, 1)
    net = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 3)).double()
    g = torch.Generator().manual_seed(0)
    for m in (net[0], net[2]):
        nn.init.kaiming_normal_(m.weight, generator=g)
        nn.init.zeros_(m.bias)
    opt = torch.optim.SGD(net.parameters(), lr=0.02, momentum=0.9)
    h = train(net, x, y, optimizer=opt, epochs=epochs, batch_size=8, x_val=x_val, y_val=y_val,
              epoch_callback=epoch_callback)
    return h, net, (x_val, y_val)


def _fit_with_stopper(stopper, epochs=60, **kwargs):
    """:func:`_overfit`, saving a copy of the state at every epoch before early_stopping sees it."""
    saved = {}
    adapter = early_stopping(stopper, **kwargs)

    def epoch_callback(epoch, history, model):
        saved[epoch] = copy.deepcopy(model.state_dict())
        return adapter(epoch, history, model)

    h, net, val = _overfit(epoch_callback, epochs)
    return h, net, saved, val


def _state_equal(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize(("monitor", "mode"), [("val_loss", "min"), ("val_accuracy", "max")])
@pytest.mark.parametrize("patience", [1, 3])
def test_early_stopping_stops_and_restores_the_best_weights_bit_for_bit(monitor, mode, patience):
    stopper = EarlyStopping(patience, mode=mode)
    h, net, saved, (x_val, y_val) = _fit_with_stopper(stopper, monitor=monitor)
    values = h[monitor][1:]  # what the stopper was fed, epochs 1, 2, ...
    best = int(np.argmin(values) if mode == "min" else np.argmax(values)) + 1  # the first best epoch
    assert stopper.best_epoch == best and stopper.best == values[best - 1]
    assert stopper.stopped_epoch == best + patience == h.steps[-1] < 60  # the History ends at the stop
    assert _state_equal(net.state_dict(), saved[best])
    assert not _state_equal(net.state_dict(), saved[h.steps[-1]])
    if monitor.startswith("val_"):  # the restored model measures what the best epoch measured
        assert evaluate(net, x_val, y_val)[monitor == "val_accuracy"] == stopper.best


@pytest.mark.parametrize(("monitor", "mode"), [("loss", "min"), ("accuracy", "max")])
def test_early_stopping_can_monitor_the_training_metrics(monitor, mode):
    stopper = EarlyStopping(patience=100, mode=mode)
    h, _, _, _ = _fit_with_stopper(stopper, epochs=8, monitor=monitor)
    values = h[monitor][1:]
    assert stopper.epoch == 8 and stopper.best == (values.min() if mode == "min" else values.max())


def test_early_stopping_in_the_overfitting_run_waits_past_the_best_epoch():
    stopper = EarlyStopping(patience=5)
    h, net, saved, _ = _fit_with_stopper(stopper)
    assert 1 < stopper.best_epoch and h.last("val_loss") > stopper.best  # a real minimum, then a rise
    assert h.steps[-1] == stopper.best_epoch + 5


def test_early_stopping_without_restore_best_keeps_the_last_weights():
    stopper = EarlyStopping(patience=2, restore_best=False)
    h, net, saved, _ = _fit_with_stopper(stopper)
    assert stopper.stopped_epoch == h.steps[-1] < 60 and stopper.best_state is None
    assert _state_equal(net.state_dict(), saved[h.steps[-1]])


def test_early_stopping_that_never_stops_keeps_the_last_weights():
    # the documented choice, as Keras: weights are restored only when the stopper stops training
    stopper = EarlyStopping(patience=100)
    h, net, saved, _ = _fit_with_stopper(stopper, epochs=6)
    assert h.steps == list(range(7)) and stopper.stopped_epoch is None and stopper.best_epoch < 6
    assert _state_equal(net.state_dict(), saved[6])
    net.load_state_dict(stopper.best_state)  # what the docstring tells the reader to do
    assert _state_equal(net.state_dict(), saved[stopper.best_epoch])


def test_early_stopping_checks_its_arguments():
    with pytest.raises(TypeError, match="^stopper must have EarlyStopping's step.*got object without 'step'"):
        early_stopping(object())
    with pytest.raises(TypeError, match="^monitor must be the name of a metric"):
        early_stopping(EarlyStopping(1), monitor=3)
    with pytest.raises(ValueError, match=r"^monitor must name a metric train records, \['accuracy', 'loss'\] "
                                         r"\(pass x_val and y_val to train\), got 'val_loss'"):
        _fit(epoch_callback=early_stopping(EarlyStopping(1)))
    with pytest.raises(ValueError, match="^monitor must name a metric train records.*got 'lost'"):
        _fit(epoch_callback=early_stopping(EarlyStopping(1), monitor="lost"))


# ---------------------------------------------------------------- stop_on_nonfinite


def test_a_diverging_run_raises_training_diverged_before_the_bad_step():
    x, y = _blobs()
    net = _net(dtype=torch.float64)
    states, losses = {}, []
    with pytest.raises(TrainingDiverged) as info:
        train(net, x, y, optimizer=torch.optim.SGD(net.parameters(), lr=1e10), epochs=3, batch_size=16,
              stop_on_nonfinite=True, batch_callback=lambda step, loss: losses.append(loss),
              callback=lambda step, model: states.update({step: copy.deepcopy(model.state_dict())}))
    err = info.value
    assert isinstance(err, FloatingPointError)
    assert not math.isfinite(err.loss) and err.step >= 2 and err.epoch >= 1
    assert err.step == len(losses) + 1 and all(math.isfinite(v) for v in losses)  # callbacks never saw it
    assert _state_equal(net.state_dict(), states[err.step - 1])  # the step was not taken
    assert re.fullmatch(
        rf"training diverged: the mini-batch loss at optimizer step {err.step} \(epoch {err.epoch}\) is "
        rf"{err.loss}; the step was not taken, so the model holds its parameters after step {err.step - 1}\. "
        r"Try: lower the learning rate, check the inputs for nan/inf, clip the gradients\.", str(err))


def test_without_stop_on_nonfinite_a_diverging_run_trains_on_and_records_nan():
    x, y = _blobs()
    net = _net(dtype=torch.float64)
    h = train(net, x, y, optimizer=torch.optim.SGD(net.parameters(), lr=1e10), epochs=3, batch_size=16)
    assert h.steps == [0, 1, 2, 3] and np.isnan(h.last("loss"))


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_a_nonfinite_input_is_caught_at_epoch_zero(bad):
    x, y = _blobs()
    x[5, 2] = bad
    net = _net(dtype=torch.float64)
    calls = []
    with pytest.raises(TrainingDiverged, match=r"^training diverged: the untrained model's loss on the training "
                                               r"set \(epoch 0, before any optimizer step\) is nan\. Try: lower the "
                                               r"learning rate, check the inputs for nan/inf, clip the gradients\.$"):
        train(net, x, y, optimizer=torch.optim.SGD(net.parameters(), lr=0.1), epochs=1,
              stop_on_nonfinite=True, callback=lambda step, model: calls.append(step))
    assert calls == []
    h = train(net, x, y, optimizer=torch.optim.SGD(net.parameters(), lr=0.1), epochs=1)
    assert np.isnan(h["loss"][0])


def test_an_infinite_batch_loss_is_caught_too():
    x, y = _blobs(32)

    def loss_fn(logits, targets):  # finite on the full set (epoch 0), inf on the training batches
        loss = nn.functional.cross_entropy(logits, targets)
        return loss * float("inf") if len(targets) == 8 else loss

    net = _net()
    with pytest.raises(TrainingDiverged, match=r"loss at optimizer step 1 \(epoch 1\) is inf;") as info:
        train(net, x, y, optimizer=torch.optim.SGD(net.parameters(), lr=0.1), epochs=1, batch_size=8,
              loss_fn=loss_fn, stop_on_nonfinite=True)
    assert (info.value.epoch, info.value.step, info.value.loss) == (1, 1, float("inf"))


def test_training_diverged_pickles_with_its_fields():
    err = pickle.loads(pickle.dumps(TrainingDiverged(epoch=2, step=9, loss=float("inf"))))
    assert (err.epoch, err.step, err.loss) == (2, 9, float("inf"))
    assert str(err).startswith("training diverged: the mini-batch loss at optimizer step 9 (epoch 2) is inf;")


@pytest.mark.parametrize("value", [1, None, "yes"])
def test_stop_on_nonfinite_must_be_a_bool(value):
    with pytest.raises(TypeError, match=f"^stop_on_nonfinite must be True or False, got {re.escape(repr(value))}"):
        _bad(stop_on_nonfinite=value)


# ---------------------------------------------------------------- transform


class _Recorder(nn.Module):
    """A linear model that records every input it sees in train mode."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 3)
        self.seen = []

    def forward(self, x):
        if self.training:
            self.seen.append(x.detach().clone())
        return self.linear(x)


def _recorded_run(transform=None, seed=0, epochs=2):
    x, y = _blobs(50)
    torch.manual_seed(0)
    net = _Recorder()
    h = train(net, x, y, optimizer=torch.optim.SGD(net.parameters(), lr=0.1), epochs=epochs, batch_size=16,
              seed=seed, transform=transform)
    return h, net.seen


def test_an_identity_transform_sees_every_batch_once_in_the_same_order():
    calls = []

    def identity(xb, generator):
        calls.append((xb.clone(), generator))
        return xb

    h_plain, plain = _recorded_run()
    h_ident, seen = _recorded_run(identity)
    assert len(calls) == len(plain) == 2 * 4  # 50 examples in batches of 16: 4 per epoch
    assert all(torch.equal(a, b) for a, b in zip(seen, plain))
    assert all(torch.equal(c[0], b) for c, b in zip(calls, plain))
    assert all(isinstance(c[1], torch.Generator) and c[1] is calls[0][1] for c in calls)
    assert h_plain.metrics == h_ident.metrics


def test_a_random_transform_does_not_change_the_batch_order_and_is_seeded():
    clean = []

    def noise(xb, generator):
        clean.append(xb.clone())
        return xb + torch.randn(xb.shape, generator=generator, dtype=xb.dtype)

    _, plain = _recorded_run()
    h1, noisy1 = _recorded_run(noise)
    assert all(torch.equal(a, b) for a, b in zip(clean, plain))  # the shuffling stream is untouched
    assert all(not torch.equal(a, b) for a, b in zip(noisy1, plain))
    h2, noisy2 = _recorded_run(noise)
    assert all(torch.equal(a, b) for a, b in zip(noisy1, noisy2)) and h1.metrics == h2.metrics
    stream = int(np.random.SeedSequence([0, 1]).generate_state(1, np.uint64)[0])  # as train's docstring says
    first_noise = torch.randn(clean[0].shape, generator=torch.Generator().manual_seed(stream), dtype=clean[0].dtype)
    assert torch.equal(noisy1[0], clean[0] + first_noise)
    _, noisy3 = _recorded_run(noise, seed=1)
    assert not torch.equal(noisy3[0] - clean[16], first_noise)  # another seed, another stream


def test_the_transform_is_not_applied_to_epoch_zero_or_the_validation_data():
    x, y = _blobs()
    x_val, y_val = _blobs(30, seed=1)
    net = _net(dtype=torch.float64)
    loss0 = evaluate(_net(dtype=torch.float64), x, y)[0]
    h = train(net, x, y, optimizer=torch.optim.SGD(net.parameters(), lr=0.05), epochs=2, x_val=x_val, y_val=y_val,
              transform=lambda xb, generator: torch.zeros_like(xb))
    assert h["loss"][0] == loss0
    assert (h.last("val_loss"), h.last("val_accuracy")) == evaluate(net, x_val, y_val)
    assert h.last("accuracy") <= 0.5  # trained on all-zero inputs, it can only learn the biases


@pytest.mark.parametrize(("transform", "error", "match"), [
    ("flip", TypeError, r"^transform must be callable as transform\(xb, generator\) or None, got str"),
    (lambda xb, g: xb.numpy(), TypeError, "^transform must return a torch.Tensor, got ndarray"),
    (lambda xb, g: xb[:3], ValueError, r"^transform must return one row per example, 64 rows like its input of "
                                       r"shape \(64, 4\), got shape \(3, 4\)"),
    (lambda xb, g: xb.sum(), ValueError, r"^transform must return one row per example.*got shape \(\)"),
])
def test_transform_is_checked(transform, error, match):
    with pytest.raises(error, match=match):
        _bad(transform=transform)


# ---------------------------------------------------------------- progress


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_false_prints_nothing(capfd):
    _fit(progress=False)
    assert capfd.readouterr() == ("", "")


def test_progress_true_draws_a_bar_with_the_last_losses_on_stderr(capsys):
    x_val, y_val = _blobs(30, seed=1)
    h, _ = _fit(progress=True, x_val=x_val, y_val=y_val)
    out, err = capsys.readouterr()
    assert out == ""
    assert "train" in err and "epoch" in err
    assert f"loss={h.last('loss'):.4g}" in err and f"val_loss={h.last('val_loss'):.4g}" in err


@pytest.mark.parametrize(("setting", "terminal", "drawn"), [
    ("0", True, False), ("0", False, False), (None, True, True), (None, False, False), ("1", False, True),
])
def test_the_automatic_bar_follows_the_terminal_and_lecturelib_progress(monkeypatch, setting, terminal, drawn):
    monkeypatch.setattr(training, "PROGRESS_DELAY", 0.0)  # short runs draw it too
    if setting is None:
        monkeypatch.delenv("LECTURELIB_PROGRESS", raising=False)
    else:
        monkeypatch.setenv("LECTURELIB_PROGRESS", setting)
    stderr = _Terminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    _fit()
    assert ("loss=" in stderr.getvalue()) is drawn


def test_the_automatic_bar_waits_for_progress_delay_and_progress_true_does_not(monkeypatch):
    import tqdm.auto
    import tqdm.std

    bars = []

    class Recorded(tqdm.std.tqdm):
        def __init__(self, *args, **kwargs):
            bars.append(kwargs.get("initial", 0))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(tqdm.auto, "tqdm", Recorded)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    monkeypatch.setenv("LECTURELIB_PROGRESS", "1")
    monkeypatch.setattr(training, "PROGRESS_DELAY", 1e9)
    _fit(epochs=4)
    assert bars == []  # a short run: no bar at all
    _fit(epochs=4, progress=True)
    assert bars == [0]  # asked for: from the first epoch
    clock = iter(range(0, 1000, 10))  # each reading of the clock 10 s later
    monkeypatch.setattr(training.time, "perf_counter", lambda: float(next(clock)))
    monkeypatch.setattr(training, "PROGRESS_DELAY", 25.0)
    _fit(epochs=6)
    assert bars == [0, 2]  # start at 0 s; epochs 1, 2 end at 10, 20 s; epoch 3 at 30 s: the bar from epoch 3
    assert "6/6" in sys.stderr.getvalue()


def test_the_bar_starts_no_monitor_thread(monkeypatch):
    # tqdm's monitor refreshes bars from a background thread; a Jupyter widget
    # refreshed from there could hang a headless client (nbclient), so the
    # bar is drawn by a tqdm class whose monitor_interval is 0
    import tqdm.auto
    import tqdm.std

    intervals = []

    class Recorded(tqdm.std.tqdm):
        def __init__(self, *args, **kwargs):
            intervals.append(type(self).monitor_interval)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(tqdm.auto, "tqdm", Recorded)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    _fit(epochs=3, progress=True)
    assert intervals == [0]
    assert Recorded.monitor_interval == tqdm.std.tqdm.monitor_interval == 10  # tqdm itself is left alone


def test_the_automatic_bar_is_on_in_a_jupyter_kernel(monkeypatch):
    class Shell:
        kernel = object()

    monkeypatch.delenv("LECTURELIB_PROGRESS", raising=False)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert not training._show_progress(None)
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: Shell()))
    assert training._show_progress(None)
    monkeypatch.setenv("LECTURELIB_PROGRESS", "0")
    assert not training._show_progress(None)


def test_without_tqdm_the_automatic_bar_is_off_and_progress_true_says_why(monkeypatch):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == "tqdm" else find_spec(name, *args))
    monkeypatch.setenv("LECTURELIB_PROGRESS", "1")
    assert not training._show_progress(None)
    with pytest.raises(ModuleNotFoundError, match="^progress=True draws the bar with tqdm, which is not installed"):
        _fit(progress=True)


@pytest.mark.parametrize("progress", [1, "auto"])
def test_progress_must_be_a_bool_or_none(progress):
    with pytest.raises(TypeError, match=f"^progress must be True, False or None \\(automatic\\), got {progress!r}"):
        _bad(progress=progress)


def _boom_at_3(epoch, history, model):
    if epoch == 3:
        raise RuntimeError("boom")


def test_a_bar_stopped_by_epoch_callback_ends_finished_and_one_stopped_by_an_error_does_not(monkeypatch):
    import tqdm.auto
    import tqdm.std

    bars = []

    class Recorded(tqdm.std.tqdm):
        def close(self):
            if not self.disable:  # the first close; tqdm closes again on garbage collection
                bars.append((self.n, self.total))
            super().close()

    monkeypatch.setattr(tqdm.auto, "tqdm", Recorded)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    _fit(epochs=5, progress=True, epoch_callback=lambda epoch, history, model: epoch == 2)
    with pytest.raises(RuntimeError, match="boom"):
        _fit(epochs=5, progress=True, epoch_callback=_boom_at_3)
    assert bars == [(2, 2), (3, 5)]  # Jupyter's bar turns red when closed with n < total


# ---------------------------------------------------------------- penalty


def test_penalty_shapes_the_gradient_but_not_the_recorded_loss():
    x, y = _blobs()
    lam = 0.5

    def run(penalty):
        torch.manual_seed(0)
        net = nn.Linear(x.shape[1], 3)
        losses = []
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        train(net, x, y, optimizer=opt, epochs=1, batch_size=len(y), penalty=penalty,
              batch_callback=lambda step, loss: losses.append(loss))
        return net, losses

    plain, plain_losses = run(None)
    l2, l2_losses = run(lambda m: lam / 2 * m.weight.square().sum())
    # one full-batch step from the same start: the same data loss was recorded ...
    assert plain_losses == l2_losses
    # ... and the penalty added lam * w to the weight's gradient: the weights differ by lr * lam * w0
    torch.manual_seed(0)
    w0 = nn.Linear(x.shape[1], 3).weight.detach()
    np.testing.assert_allclose((plain.weight - l2.weight).detach().numpy(), (0.1 * lam * w0).numpy(),
                               rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(plain.bias.detach().numpy(), l2.bias.detach().numpy())


def test_penalty_must_be_callable():
    x, y = _blobs()
    net = nn.Linear(x.shape[1], 3)
    with pytest.raises(TypeError, match="penalty must be callable as penalty"):
        train(net, x, y, optimizer=torch.optim.SGD(net.parameters(), lr=0.1), epochs=1, penalty=0.1)
