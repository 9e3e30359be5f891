"""Tests for lecturelib.torchkit.training: the torch mini-batch loop and evaluation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from lecturelib.history import History
from lecturelib.torchkit.training import evaluate, to_tensors, train


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
