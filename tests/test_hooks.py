"""Tests for lecturelib.torchkit.hooks: the torch statistics equal the numpy ones, and activation
statistics recorded during training equal what a network built by hand must give."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from lecturelib.diagnostics import dead_fraction, saturated_fraction
from lecturelib.diagnostics import layer_statistics as numpy_layer_statistics
from lecturelib.mlp import MLP
from lecturelib.torchkit.hooks import (
    ActivationRecorder,
    ActivationStatistics,
    ActivationTrace,
    activation_bins,
    activation_statistics,
    hidden_activations,
    layer_statistics,
)
from lecturelib.torchkit.models import mlp_to_torch
from lecturelib.torchkit.training import train

torch.set_num_threads(1)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_layer_statistics_equal_numpy(activation):
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((32, 6)), rng.integers(0, 4, size=32)
    model = MLP([6, 8, 8, 4], activation=activation, weight_init="xavier_normal", rng=np.random.default_rng(0))
    want = numpy_layer_statistics(model, x, y).as_dict()
    got = layer_statistics(mlp_to_torch(model), x, y, activation=activation).as_dict()
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-10, atol=1e-14, err_msg=name)


def test_layer_statistics_rejects_bad_input():
    x, y = np.zeros((4, 2)), np.zeros(4, dtype=int)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        layer_statistics("net", x, y, activation="relu")
    with pytest.raises(ValueError, match="activation must be one of"):
        layer_statistics(torch.nn.Linear(2, 2), x, y, activation="swish")
    with pytest.raises(ValueError, match="at least one torch.nn.Linear"):
        layer_statistics(torch.nn.ReLU(), x, y, activation="relu")
    with pytest.raises(TypeError, match="loss_fn must be callable"):
        layer_statistics(torch.nn.Linear(2, 2), x, y, activation="relu", loss_fn=3)


# ---------------------------------------------------------------- activation statistics


# Inputs of a tiny network whose hidden activations are known by construction.
X_KNOWN = np.array([[-1.0, 2.0], [1.0, 0.0], [2.0, -1.0], [-2.0, 1.0]])
# Layer 1 (4 units): unit 0 passes x_1, units 1-3 ignore x and sit at their bias.
Z1 = np.array([[-1.0, -4.0, 0.0, 4.0], [1.0, -4.0, 0.0, 4.0], [2.0, -4.0, 0.0, 4.0], [-2.0, -4.0, 0.0, 4.0]])
# Layer 2 (3 units): zero weights, so every example sees the biases.
Z2 = np.tile([0.0, -4.0, 4.0], (4, 1))
EDGES = np.array([-1.5, -0.5, 0.5, 1.5, 2.5])  # bins centred on -1, 0, 1, 2
FUNCTIONS = {"relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z))}
# per activation: (frac_dead, frac_saturated, histogram counts) of layers 1 and 2, counted by hand
KNOWN = {
    # relu: layer 1 units 1, 2 are 0 everywhere; 4 > 2.5 is clipped into the last bin
    "relu": ([2 / 4, 2 / 3], [0.0, 0.0], [[0, 10, 1, 5], [0, 8, 0, 4]]),
    # tanh(+-4) = +-0.9993 saturate, tanh(+-2) = +-0.964 do not; tanh(0) = 0 is a dead unit too
    "tanh": ([1 / 4, 1 / 3], [8 / 16, 8 / 12], [[6, 4, 6, 0], [4, 4, 4, 0]]),
    # sigmoid(-4) = 0.018 and sigmoid(4) = 0.982 saturate, sigmoid(+-2) do not; sigmoid(0) = 0.5 sits on an edge
    "sigmoid": ([0.0, 0.0], [8 / 16, 8 / 12], [[0, 6, 10, 0], [0, 4, 8, 0]]),
}
TORCH_MODULES = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


def _known_net(activation: str) -> nn.Sequential:
    net = nn.Sequential(nn.Linear(2, 4), TORCH_MODULES[activation](), nn.Linear(4, 3),
                        TORCH_MODULES[activation](), nn.Linear(3, 2)).double()
    with torch.no_grad():
        for m in (net[0], net[2], net[4]):
            m.weight.zero_()
            m.bias.zero_()
        net[0].weight[0, 0] = 1.0
        net[0].bias.copy_(torch.tensor([0.0, -4.0, 0.0, 4.0]))
        net[2].bias.copy_(torch.tensor([0.0, -4.0, 4.0]))
        net[4].weight.fill_(1.0)
    return net


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_hidden_activations_are_the_inputs_of_the_next_linear(activation):
    f = FUNCTIONS[activation]
    a1, a2 = hidden_activations(_known_net(activation), X_KNOWN)
    np.testing.assert_allclose(a1, f(Z1), rtol=1e-15)
    np.testing.assert_allclose(a2, f(Z2), rtol=1e-15)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_activation_statistics_of_a_network_known_by_construction(activation):
    stats = activation_statistics(_known_net(activation), X_KNOWN, activation=activation, bins=EDGES)
    assert isinstance(stats, ActivationStatistics)
    f = FUNCTIONS[activation]
    frac_dead, frac_saturated, counts = KNOWN[activation]
    np.testing.assert_allclose(stats.mean, [f(Z1).mean(), f(Z2).mean()], rtol=1e-14)
    np.testing.assert_allclose(stats.std, [f(Z1).std(), f(Z2).std()], rtol=1e-14)
    np.testing.assert_allclose(stats.frac_dead, frac_dead, rtol=0, atol=0)
    np.testing.assert_allclose(stats.frac_saturated, frac_saturated, rtol=0, atol=0)
    np.testing.assert_array_equal(stats.histograms, counts)
    assert stats.histograms.dtype == np.int64
    np.testing.assert_array_equal(stats.histograms.sum(axis=1), [16, 12])  # N * n_l: nothing lost by clipping
    np.testing.assert_array_equal(stats.bin_edges, EDGES)


def test_relu_mean_and_std_by_hand():
    stats = activation_statistics(_known_net("relu"), X_KNOWN, activation="relu", bins=EDGES)
    # layer 1 holds 1, 2, four 4s and ten 0s; layer 2 holds four 4s and eight 0s
    np.testing.assert_allclose(stats.mean, [19 / 16, 16 / 12], rtol=1e-15)
    np.testing.assert_allclose(stats.std, [np.sqrt(69 / 16 - (19 / 16) ** 2), np.sqrt(64 / 12 - (16 / 12) ** 2)],
                               rtol=1e-14)


def test_histogram_clips_both_tails_into_the_end_bins():
    net = nn.Sequential(nn.Linear(1, 1), nn.Identity(), nn.Linear(1, 1)).double()
    with torch.no_grad():
        net[0].weight.fill_(1.0), net[0].bias.zero_()
    x = np.array([[-10.0], [-1.0], [-0.2], [0.3], [1.0], [1e6]])
    stats = activation_statistics(net, x, activation="identity", bins=[-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(stats.histograms, [[3, 3]])  # [-1, 0) gets -10, -1, -0.2; [0, 1] the rest


@pytest.mark.parametrize(("saturation", "want"), [((-0.5, 0.5), 12 / 16), ((-2.0, 2.0), 0.0), ((-0.8, 0.8), 10 / 16)])
def test_explicit_saturation_bounds_replace_the_defaults(saturation, want):
    stats = activation_statistics(_known_net("tanh"), X_KNOWN, activation="tanh", bins=EDGES, saturation=saturation)
    assert stats.frac_saturated[0] == want


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_statistics_agree_with_the_numpy_definitions(activation):
    rng = np.random.default_rng(1)
    x = 3.0 * rng.standard_normal((40, 6))
    model = MLP([6, 16, 16, 16, 3], activation=activation, weight_init="kaiming_normal",
                rng=np.random.default_rng(2))
    for l in range(3):
        model.params[f"{l}.bias"][:] = -1.5  # negative biases: some relu units die, some tanh units saturate
    model.forward(x)
    want = model.activations[1:-1]
    net = mlp_to_torch(model)
    stats = activation_statistics(net, x, activation=activation, bins=np.linspace(-3, 3, 25))
    np.testing.assert_allclose(stats.mean, [a.mean() for a in want], rtol=1e-12)
    np.testing.assert_allclose(stats.std, [a.std() for a in want], rtol=1e-12)
    np.testing.assert_allclose(stats.frac_saturated, [saturated_fraction(a, activation) for a in want], atol=0)
    np.testing.assert_allclose(stats.frac_dead, [dead_fraction(a) for a in want], atol=0)
    assert (stats.frac_dead if activation == "relu" else stats.frac_saturated).max() > 0  # not vacuous


class _Maxout(nn.Module):
    """A maxout layer that keeps its affine map as an nn.Linear: max over k pieces."""

    def __init__(self, n_in: int, n_out: int, k: int = 2):
        super().__init__()
        self.k, self.affine = k, nn.Linear(n_in, n_out * k)

    def forward(self, x):
        return self.affine(x).unflatten(-1, (-1, self.k)).amax(dim=-1)


@pytest.mark.parametrize("kind", ["maxout", "prelu"])
def test_hidden_layers_are_found_without_looking_at_module_classes(kind):
    torch.manual_seed(0)
    if kind == "maxout":
        net = nn.Sequential(_Maxout(3, 5), _Maxout(5, 4), nn.Linear(4, 2)).double()
    else:
        net = nn.Sequential(nn.Linear(3, 5), nn.PReLU(), nn.Linear(5, 4), nn.PReLU(), nn.Linear(4, 2)).double()
    x = torch.randn(7, 3, dtype=torch.float64)
    with torch.no_grad():
        want = [net[0](x)] if kind == "maxout" else [net[1](net[0](x))]
        want.append(net[1](want[0]) if kind == "maxout" else net[3](net[2](want[0])))
    got = hidden_activations(net, x)
    assert [a.shape for a in got] == [(7, 5), (7, 4)]
    for a, w in zip(got, want):
        np.testing.assert_allclose(a, w.numpy(), rtol=1e-15)
    stats = activation_statistics(net, x, activation=kind, bins=[-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(stats.frac_saturated, 0.0)


def test_eval_mode_no_gradients_and_mode_restored():
    net = nn.Sequential(nn.Linear(4, 32), nn.Dropout(0.5), nn.ReLU(), nn.Linear(32, 2)).double().train()
    x = np.random.default_rng(0).standard_normal((16, 4))
    seen = []
    net[3].register_forward_hook(lambda m, args, out: seen.append((m.training, torch.is_grad_enabled())))
    first, second = hidden_activations(net, x), hidden_activations(net, x)
    np.testing.assert_array_equal(first[0], second[0])  # dropout is off in eval mode
    assert seen == [(False, False), (False, False)]
    assert net.training and all(p.grad is None for p in net.parameters())
    assert len(net[3]._forward_hooks) == 1  # only the test's own hook is left


def test_hooks_are_removed_after_an_error():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    with pytest.raises(RuntimeError):
        hidden_activations(net, np.zeros((2, 5), dtype=np.float32))  # wrong input width: torch raises
    assert all(not m._forward_hooks for m in net.modules())


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"model": "net"}, TypeError, "^model must be a torch.nn.Module, got str"),
        ({"model": nn.Sequential(nn.Linear(2, 2))}, ValueError,
         r"^model must contain at least two torch.nn.Linear layers \(one hidden layer\), got 1"),
        ({"x": np.zeros((4, 2), dtype=np.int64)}, TypeError, "^x must be a floating-point array, got dtype"),
        ({"x": np.zeros(4)}, ValueError, r"^x must have shape \(N, ...\) with N >= 1 examples, got shape \(4,\)"),
        ({"x": np.zeros((0, 2))}, ValueError, r"^x must have shape \(N, ...\).*got shape \(0, 2\)"),
        ({"activation": "swish"}, ValueError, "^activation must be one of"),
        ({"bins": [0.0]}, ValueError, r"^bins must be a 1-D array of at least 2 edges, got shape \(1,\)"),
        ({"bins": np.zeros((2, 2))}, ValueError, r"^bins must be a 1-D array of at least 2 edges"),
        ({"bins": [0.0, 1.0, 1.0]}, ValueError, "^bins must be finite and strictly increasing"),
        ({"bins": [0.0, np.inf]}, ValueError, "^bins must be finite and strictly increasing"),
        ({"bins": ["a", "b"]}, TypeError, "^bins must be an array of real bin edges"),
        ({"saturation": (0.9, 0.1)}, ValueError, r"^saturation\[1\] must be > 0.9, got 0.1"),
        ({"saturation": (0.1,)}, ValueError, r"^saturation must be a pair \(low, high\)"),
        ({"saturation": 0.97}, ValueError, r"^saturation must be a pair \(low, high\) of output bounds, got 0.97"),
        ({"saturation": ("a", 1.0)}, TypeError, r"^saturation\[0\] must be a real number"),
    ],
)
def test_activation_statistics_rejects_bad_arguments(kwargs, error, match):
    args = {"model": _known_net("relu"), "x": X_KNOWN, "activation": "relu", "bins": EDGES, **kwargs}
    with pytest.raises(error, match=match):
        activation_statistics(args.pop("model"), args.pop("x"), **args)


def test_a_linear_that_the_forward_pass_skips_is_reported():
    class Skips(nn.Module):
        def __init__(self):
            super().__init__()
            self.first, self.unused, self.last = nn.Linear(2, 3), nn.Linear(3, 3), nn.Linear(3, 1)

        def forward(self, x):
            return self.last(self.first(x))

    with pytest.raises(ValueError, match=r"^model must run every nn.Linear.*linear layer\(s\) \[1\]"):
        hidden_activations(Skips(), np.zeros((2, 2), dtype=np.float32))


# ---------------------------------------------------------------- recorded during training


def _spirals(n: int = 120, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    t = rng.uniform(0.2, 1.0, n)
    angle = 4.0 * t + 2 * np.pi * y / 3
    return np.c_[t * np.cos(angle), t * np.sin(angle)] + 0.05 * rng.standard_normal((n, 2)), y


def _deep_net(activation: str = "relu", width: int = 16, depth: int = 3, seed: int = 0) -> nn.Sequential:
    g = torch.Generator().manual_seed(seed)
    layers: list[nn.Module] = []
    for l, (n_in, n_out) in enumerate(zip([2] + [width] * depth, [width] * depth + [3])):
        layers.append(nn.Linear(n_in, n_out))
        nn.init.kaiming_normal_(layers[-1].weight, generator=g)
        nn.init.zeros_(layers[-1].bias)
        if l < depth:
            layers.append(TORCH_MODULES[activation]())
    return nn.Sequential(*layers)


@pytest.mark.parametrize(("every", "epochs", "batch_size"), [(1, 1, 40), (4, 3, 32), (100, 2, 60)])
def test_recorder_during_training(every, epochs, batch_size):
    x, y = _spirals()
    x_eval = x[:50]
    net = _deep_net()
    bins = np.linspace(-3, 3, 31)
    at_start = activation_statistics(net, x_eval, activation="relu", bins=bins)
    recorder = ActivationRecorder(x_eval, activation="relu", bins=bins, every=every)
    train(net, x, y, optimizer=torch.optim.SGD(net.parameters(), lr=0.1), epochs=epochs,
          batch_size=batch_size, callback=recorder)
    n_steps = epochs * -(-len(y) // batch_size)
    trace = recorder.trace
    assert isinstance(trace, ActivationTrace) and trace.activation == "relu"
    np.testing.assert_array_equal(trace.steps, np.arange(0, n_steps + 1, every))
    T = len(trace.steps)
    for name in ("mean", "std", "frac_saturated", "frac_dead"):
        assert getattr(trace, name).shape == (T, 3), name
    assert trace.histograms.shape == (T, 3, 30)
    np.testing.assert_array_equal(trace.histograms.sum(axis=2), 50 * 16)  # N * n_l at every step and layer
    np.testing.assert_array_equal(trace.bin_edges, bins)
    np.testing.assert_array_equal(trace.frac_saturated, 0.0)  # relu has no saturation bounds
    for name in ("mean", "std", "frac_dead", "histograms"):  # step 0 is the untrained network
        np.testing.assert_array_equal(getattr(trace, name)[0], getattr(at_start, name), err_msg=name)
    if n_steps % every == 0:  # the last step recorded is the trained network
        at_end = activation_statistics(net, x_eval, activation="relu", bins=bins)
        np.testing.assert_array_equal(trace.histograms[-1], at_end.histograms)
        np.testing.assert_allclose(trace.std[-1], at_end.std, rtol=1e-12)
    assert not np.array_equal(trace.std[0], trace.std[-1]) or T == 1  # training moved the activations


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_recorder_leaves_the_training_run_unchanged(activation):
    x, y = _spirals()
    runs = []
    for callback in (None, ActivationRecorder(x, activation=activation, bins=np.linspace(-1, 1, 11))):
        net = _deep_net(activation).train()
        net.insert(1, nn.Dropout(0.2))  # eval mode during recording must not touch dropout's draws
        torch.manual_seed(0)
        h = train(net, x, y, optimizer=torch.optim.SGD(net.parameters(), lr=0.5), epochs=2, batch_size=30,
                  callback=callback)
        runs.append((h, [p.detach().clone() for p in net.parameters()], net.training))
    (h1, p1, mode1), (h2, p2, mode2) = runs
    assert h1.metrics == h2.metrics and mode1 and mode2
    assert all(torch.equal(a, b) for a, b in zip(p1, p2))


def test_saturating_tanh_is_recorded():
    x, y = _spirals()
    net = _deep_net("tanh", width=32)
    with torch.no_grad():
        for m in net:
            if isinstance(m, nn.Linear):
                m.weight.mul_(4.0)  # large weights: tanh units pinned near +-1
    bins = np.r_[-1.0, np.linspace(-0.97, 0.97, 11), 1.0]  # the end bins hold the saturated values
    recorder = ActivationRecorder(x, activation="tanh", bins=bins, every=2)
    train(net, x, y, optimizer=torch.optim.SGD(net.parameters(), lr=0.01), epochs=1, batch_size=40,
          callback=recorder)
    trace = recorder.trace
    assert trace.frac_saturated[0, -1] > 0.5 and np.all(trace.frac_dead == 0.0)
    in_end_bins = trace.histograms[:, :, [0, -1]].sum(axis=2)
    np.testing.assert_allclose(in_end_bins, trace.frac_saturated * len(x) * 32, rtol=0, atol=1e-9)


def test_recorder_rejects_reuse_and_reports_an_empty_trace():
    x, y = _spirals(30)
    recorder = ActivationRecorder(x, activation="relu", bins=[-1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match=r"^no statistics recorded yet: pass the recorder to train"):
        recorder.trace
    net = _deep_net()
    train(net, x, y, optimizer=torch.optim.SGD(net.parameters(), lr=0.1), epochs=1, callback=recorder)
    with pytest.raises(ValueError, match="^step must increase, got 0 after 1: use a new ActivationRecorder"):
        train(net, x, y, optimizer=torch.optim.SGD(net.parameters(), lr=0.1), epochs=1, callback=recorder)
    assert recorder.trace.steps.tolist() == [0, 1]  # the failed call recorded nothing


def test_recorder_rejects_a_model_that_changes_depth():
    recorder = ActivationRecorder(X_KNOWN, activation="relu", bins=EDGES)
    recorder(0, _known_net("relu"))
    with pytest.raises(ValueError, match="^model must keep its 2 hidden layers during recording, got 1 at step 1"):
        recorder(1, nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2)).double())


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"every": 0}, ValueError, "^every must be >= 1, got 0"),
        ({"every": 1.5}, TypeError, "^every must be an integer"),
        ({"activation": "Tanh"}, ValueError, "^activation must be one of"),
        ({"bins": [1.0, 0.0]}, ValueError, "^bins must be finite and strictly increasing"),
        ({"x": np.zeros((3, 2), dtype=np.int32)}, TypeError, "^x must be a floating-point array"),
        ({"saturation": "tanh"}, ValueError, r"^saturation must be a pair \(low, high\)"),
    ],
)
def test_recorder_rejects_bad_arguments(kwargs, error, match):
    args = {"x": X_KNOWN, "activation": "relu", "bins": EDGES, **kwargs}
    with pytest.raises(error, match=match):
        ActivationRecorder(args.pop("x"), **args)


@pytest.mark.parametrize("activation, low, high", [
    ("sigmoid", 0.0, 1.0), ("tanh", -1.0, 1.0), ("identity", -6.0, 6.0),
    ("relu", -1.0, 6.0), ("elu", -1.0, 6.0), ("gelu", -1.0, 6.0), ("maxout", -1.0, 6.0),
])
def test_activation_bins_cover_the_output_range(activation, low, high):
    edges = activation_bins(activation, high=6.0, n_bins=12)
    assert edges.shape == (13,) and edges[0] == low and edges[-1] == high
    np.testing.assert_allclose(np.diff(edges), (high - low) / 12)


def test_activation_bins_put_saturated_tanh_values_in_the_end_bins():
    # |tanh| > 0.97 falls in the outer bins of width 0.04 and nowhere else
    edges = activation_bins("tanh", high=2.0)
    counts, _ = np.histogram(np.tanh(np.array([-3.0, -0.5, 0.5, 3.0])), edges)
    assert counts[0] == counts[-1] == 1 and counts.sum() == 4


@pytest.mark.parametrize("kwargs, error, match", [
    ({"activation": "swish", "high": 5.0}, ValueError, "^activation must be one of"),
    ({"activation": "relu", "high": 1.0}, ValueError, "^high must be"),
    ({"activation": "relu", "high": 5.0, "n_bins": 0}, ValueError, "^n_bins must be"),
    ({"activation": "relu", "high": 5.0, "n_bins": 2.5}, TypeError, "^n_bins must be"),
])
def test_activation_bins_reject_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        activation_bins(**kwargs)
