"""Tests for lecturelib.torchkit.widgets: activation_snapshots computes, activation_explorer wires it to plots."""

from __future__ import annotations

import logging

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

from lecturelib.activations import ACTIVATIONS, get_activation
from lecturelib.torchkit.experiments import train_mlp
from lecturelib.torchkit.hooks import ActivationRecorder, ActivationTrace
from lecturelib.torchkit.widgets import ActivationRun, activation_explorer, activation_snapshots, explorer_activations

torch.set_num_threads(1)

SMALL = dict(depth=3, width=8, epochs=2, batch_size=16)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    y = np.arange(64) % 3
    return rng.standard_normal((64, 5)) + 2.0 * np.eye(3, 5)[y], y


@pytest.fixture
def callback_errors(caplog):
    """Records of exceptions that ipywidgets.interactive caught and logged instead of raising."""
    caplog.set_level(logging.WARNING)
    return lambda: [r for r in caplog.records if "Exception in interact callback" in r.getMessage()]


# ---------------------------------------------------------------- the computation


def test_explorer_activations_come_from_the_registries():
    names = explorer_activations()
    assert {"sigmoid", "tanh", "relu"} <= set(names) and "identity" not in names
    assert all(name in ACTIVATIONS for name in names)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_snapshots_at_the_start_and_after_the_last_step(data, activation):
    x, y = data
    run = activation_snapshots(x, y, activation=activation, **SMALL)
    assert isinstance(run, ActivationRun) and isinstance(run.trace, ActivationTrace)
    np.testing.assert_array_equal(run.trace.steps, [0, 8])  # 2 epochs of 64 / 16 = 4 steps
    assert run.trace.histograms.shape == (2, 3, 60) and run.trace.activation == activation
    np.testing.assert_array_equal(run.trace.histograms.sum(axis=2), 64 * 8)
    assert_allclose(run.trace.bin_edges, np.linspace(-3, 3, 61))
    assert run.history.steps == [0, 1, 2]


def test_snapshots_equal_a_run_of_train_mlp_with_a_recorder(data):
    x, y = data
    run = activation_snapshots(x, y, activation="tanh", lr=0.2, every=3, weight_init="xavier_normal", seed=5,
                               bins=np.linspace(-1, 1, 9), x_eval=x[:20], **SMALL)
    recorder = ActivationRecorder(x[:20], activation="tanh", bins=np.linspace(-1, 1, 9), every=3)
    want = train_mlp(x, y, hidden=[8] * 3, activation="tanh", weight_init="xavier_normal", lr=0.2, epochs=2,
                     batch_size=16, seed=5, callback=recorder)
    np.testing.assert_array_equal(run.trace.steps, [0, 3, 6])
    for name in ("steps", "mean", "std", "frac_saturated", "frac_dead", "histograms"):
        np.testing.assert_array_equal(getattr(run.trace, name), getattr(recorder.trace, name), err_msg=name)
    assert run.history.metrics == want.history.metrics


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_snapshots_default_to_the_initializer_suited_to_the_activation(data, activation):
    x, y = data
    want = {"tanh": "xavier_normal", "relu": "kaiming_normal"}[activation]
    default = activation_snapshots(x, y, activation=activation, **SMALL)
    named = activation_snapshots(x, y, activation=activation, weight_init=want, **SMALL)
    np.testing.assert_array_equal(default.trace.histograms, named.trace.histograms)


def test_snapshots_are_deterministic_and_leave_the_global_generator_alone(data):
    x, y = data
    state = torch.get_rng_state()
    first = activation_snapshots(x, y, activation="relu", seed=3, **SMALL)
    assert torch.equal(torch.get_rng_state(), state)
    second = activation_snapshots(x, y, activation="relu", seed=3, **SMALL)
    other = activation_snapshots(x, y, activation="relu", seed=4, **SMALL)
    np.testing.assert_array_equal(first.trace.histograms, second.trace.histograms)
    assert not np.array_equal(first.trace.histograms, other.trace.histograms)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"activation": "swish"}, ValueError, "^activation must be one of"),
        ({"depth": 0}, ValueError, "^depth must be >= 1, got 0"),
        ({"width": 2.5}, TypeError, "^width must be an integer"),
        ({"epochs": 0}, ValueError, "^epochs must be >= 1, got 0"),
        ({"batch_size": 0}, ValueError, "^batch_size must be >= 1, got 0"),
        ({"every": 0}, ValueError, "^every must be >= 1, got 0"),
        ({"lr": 0.0}, ValueError, "^lr must be > 0.0, got 0.0"),
        ({"weight_init": "he"}, ValueError, "^weight_init must be one of"),
        ({"bins": [0.0]}, ValueError, "^bins must be a 1-D array of at least 2 edges"),
        ({"x_eval": np.zeros((4, 3))}, ValueError, r"^x_eval must have 5 features like x, got shape \(4, 3\)"),
        ({"x": np.zeros((64, 5), dtype=int)}, TypeError, "^x must be a floating-point array"),
        ({"y": np.zeros(10, dtype=int)}, ValueError, "^x and y must have the same number of rows"),
        ({"seed": -1}, ValueError, "^seed must be >= 0"),
    ],
)
def test_snapshots_reject_bad_arguments(data, kwargs, error, match):
    x, y = data
    args = {"x": x, "y": y, "activation": "relu", **SMALL, **kwargs}
    with pytest.raises(error, match=match):
        activation_snapshots(args.pop("x"), args.pop("y"), **args)


# ---------------------------------------------------------------- the explorer


def _figure():
    """(function Axes, histogram Axes) of the figure the explorer drew last."""
    fig = plt.figure(plt.get_fignums()[-1])
    top, bottom = fig.subfigs
    return top.axes[0], bottom.axes


def _check_drawing(activation, input_range, trace, layers):
    ax, panels = _figure()
    f, f_grad = get_activation(activation)
    (fn, grad) = ax.lines
    assert (fn.get_label(), grad.get_label()) == (activation, f"derivative of {activation}")
    z = fn.get_xdata()
    assert (z[0], z[-1]) == (-input_range, input_range) and ax.get_xlim() == (-input_range, input_range)
    assert_allclose(fn.get_ydata(), f(z))
    assert_allclose(grad.get_ydata(), f_grad(z))
    assert ax.get_title() == f"{activation} and its derivative on [-{input_range:g}, {input_range:g}]"
    assert ax.get_xlabel() and ax.get_ylabel()
    assert [p.get_title() for p in panels] == [f"layer {l}" for l in layers]
    for panel, l in zip(panels, layers):
        start, end = (stairs.get_data()[0] for stairs in panel.patches)
        assert_allclose(start, trace.histograms[0, l - 1] / trace.histograms[0, l - 1].sum())
        assert_allclose(end, trace.histograms[-1, l - 1] / trace.histograms[-1, l - 1].sum())
    assert [t.get_text() for t in panels[0].get_legend().get_texts()] == \
        ["at initialization", f"after {trace.steps[-1]} SGD steps"]


@pytest.mark.parametrize(
    "kwargs",
    [dict(), dict(activations=("relu", "tanh"), layers=(1, 3), input_range=2.5, seed=2, lr=0.05)],
)
def test_explorer_widgets_and_first_drawing(data, callback_errors, kwargs):
    x, y = data
    w = activation_explorer(x, y, **SMALL, **kwargs)
    assert isinstance(w, widgets.interactive)
    dropdown, slider = w.children[:2]
    activations = kwargs.get("activations", tuple(explorer_activations()))
    assert isinstance(dropdown, widgets.Dropdown) and dropdown.description == "activation"
    assert dropdown.options == tuple(activations) and dropdown.value == activations[0]
    assert isinstance(slider, widgets.FloatSlider)
    assert (slider.value, slider.min, slider.max) == (kwargs.get("input_range", 4.0), 0.5, 10.0)
    assert callback_errors() == []
    assert len(plt.get_fignums()) == 1
    settings = {k: kwargs[k] for k in ("seed", "lr") if k in kwargs}
    trace = activation_snapshots(x, y, activation=activations[0], **SMALL, **settings).trace
    _check_drawing(activations[0], kwargs.get("input_range", 4.0), trace, kwargs.get("layers", (1, 2, 3)))


def test_controls_redraw_and_each_run_is_computed_once(data, callback_errors, monkeypatch):
    import lecturelib.torchkit.widgets as module

    calls = []
    original = module.activation_snapshots

    def counting(*args, **kwargs):
        calls.append(kwargs["activation"])
        return original(*args, **kwargs)

    monkeypatch.setattr(module, "activation_snapshots", counting)
    x, y = data
    w = activation_explorer(x, y, activations=("tanh", "relu"), **SMALL)
    dropdown, slider = w.children[:2]
    dropdown.value = "relu"
    slider.value = 7.5
    dropdown.value = "tanh"
    assert callback_errors() == []
    assert calls == ["tanh", "relu"]  # moving the slider or coming back does not retrain
    trace = original(x, y, activation="tanh", **SMALL).trace
    _check_drawing("tanh", 7.5, trace, (1, 2, 3))
    ylims = {p.get_ylim() for fig in map(plt.figure, plt.get_fignums()) for p in fig.subfigs[1].axes}
    assert len(ylims) == 1  # the histograms' axis stays fixed across settings


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"activations": ("identity",)}, ValueError, r"^activations\[i\] must be one of"),
        ({"activations": ("swish",)}, ValueError, r"^activations\[i\] must be one of"),
        ({"activations": "relu"}, ValueError, "^activations must be a non-empty sequence of names, got 'relu'"),
        ({"activations": ()}, ValueError, "^activations must be a non-empty sequence of names"),
        ({"layers": (4,)}, ValueError, r"^layers\[i\] must be <= 3, got 4"),
        ({"layers": ()}, ValueError, "^layers must be a non-empty sequence"),
        ({"input_range": 12.0}, ValueError, "^input_range must be <= 10.0, got 12.0"),
        ({"input_range": 0.0}, ValueError, "^input_range must be > 0.0, got 0.0"),
        ({"max_input_range": 0.1}, ValueError, "^max_input_range must be >= 0.5, got 0.1"),
        ({"weight_init": "he"}, ValueError, "^weight_init must be one of"),
        ({"lr": -1.0}, ValueError, "^lr must be > 0.0, got -1.0"),
        ({"width": 0}, ValueError, "^width must be >= 1, got 0"),
        ({"bins": [1.0, 0.0]}, ValueError, "^bins must be finite and strictly increasing"),
        ({"x": np.zeros(64)}, ValueError, "^x must be a 2-D array"),
        ({"y": np.zeros(64)}, TypeError, "^y must be an integer array of class indices"),
    ],
)
def test_bad_arguments_raise_at_construction(data, kwargs, error, match):
    x, y = data
    args = {"x": x, "y": y, **SMALL, **kwargs}
    with pytest.raises(error, match=match):
        activation_explorer(args.pop("x"), args.pop("y"), **args)
    assert plt.get_fignums() == []  # nothing drawn before the arguments were checked


# ---------------------------------------------------------------- regularization (Chapter 6)


FAST = dict(n_train=100, epochs=10)


@pytest.fixture(scope="module")
def mnist():
    from lecturelib.data import load_mnist1d

    return load_mnist1d()


def _latest_figure():
    return plt.figure(plt.get_fignums()[-1])


@pytest.mark.parametrize(("dropout", "weight_decay", "n_train"), [(0.0, 0.0, 100), (0.5, 1.0, 250)])
def test_regularization_run_records_every_epoch_and_diagnoses_it(mnist, dropout, weight_decay, n_train):
    from lecturelib.diagnostics import Diagnosis, diagnose_learning_curves
    from lecturelib.torchkit.widgets import regularization_run

    history, diagnosis = regularization_run(dropout=dropout, weight_decay=weight_decay, n_train=n_train, epochs=10,
                                            data=mnist)
    assert history.steps == list(range(11))
    assert set(history.metrics) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert isinstance(diagnosis, Diagnosis) and diagnosis == diagnose_learning_curves(history)


def test_regularization_run_is_train_mlp_seeded_on_a_stratified_subset(mnist):
    from lecturelib.data import stratified_subset
    from lecturelib.torchkit.widgets import REGULARIZATION_BASE, regularization_run

    state = torch.get_rng_state()
    history, _ = regularization_run(dropout=0.3, weight_decay=0.1, seed=2, data=mnist, **FAST)
    assert torch.equal(torch.get_rng_state(), state)
    rows = stratified_subset(mnist.y_train, 100, rng=np.random.default_rng(2))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(2)  # what seed_everything(2) does to torch
        want = train_mlp(mnist.x_train[rows], mnist.y_train[rows], hidden=[100, 100], activation="relu",
                         weight_init="kaiming_normal", optimizer="adamw", lr=3e-3, batch_size=100, epochs=10,
                         dropout=0.3, weight_decay=0.1, x_val=mnist.x_val, y_val=mnist.y_val, seed=2).history
    assert history.metrics == want.metrics
    assert REGULARIZATION_BASE == dict(hidden=(100, 100), activation="relu", weight_init="kaiming_normal",
                                       optimizer="adamw", lr=3e-3, batch_size=100)


def test_regularization_run_is_deterministic_and_each_setting_matters(mnist):
    from lecturelib.torchkit.widgets import regularization_run

    def run(**change):
        return regularization_run(**(dict(dropout=0.2, weight_decay=0.0, data=mnist, **FAST) | change))[0].metrics

    first = run()
    assert run() == first
    for change in (dict(dropout=0.4), dict(weight_decay=1.0), dict(n_train=250), dict(seed=1)):
        assert run(**change) != first, change
    assert run(data=None) == first  # MNIST-1D by default


def _check_learning_curves(axes, history, diagnosis, heading):
    loss, accuracy = axes
    for ax, metric in ((loss, "loss"), (accuracy, "accuracy")):
        train, val = ax.lines
        assert_allclose(train.get_ydata(), history[metric])
        assert_allclose(val.get_ydata(), history["val_" + metric])
    assert loss.get_ylim() == (0, 4) and accuracy.get_ylim() == (0, 1)  # fixed, whatever the run
    detail = f" ({diagnosis.detail})" if diagnosis.detail else ""
    assert loss.figure.get_suptitle() == f"{heading}\ndiagnosis: {diagnosis.label}{detail}"


def test_regularization_view_draws_the_run_with_its_diagnosis(mnist):
    from lecturelib.torchkit.widgets import regularization_run, regularization_view

    axes = regularization_view(dropout=0.2, weight_decay=0.3, data=mnist, **FAST)
    assert len(axes) == 2 and len(plt.get_fignums()) == 1
    history, diagnosis = regularization_run(dropout=0.2, weight_decay=0.3, data=mnist, **FAST)
    _check_learning_curves(axes, history, diagnosis, "dropout 0.2, weight decay 0.3, 100 training examples")
    fig = plt.figure()
    given = fig.subfigures(2, 1)[1].subplots(1, 2)
    assert regularization_view(dropout=0.0, weight_decay=0.0, data=mnist, axes=given, loss_ylim=(0, 3),
                               **FAST) == list(given)
    assert given[0].get_ylim() == (0, 3)


def test_regularization_explorer_controls_and_first_drawing(mnist, callback_errors):
    from lecturelib.torchkit.widgets import regularization_explorer, regularization_run

    w = regularization_explorer(epochs=10)
    assert isinstance(w, widgets.interactive)
    dropout, weight_decay, n_train = w.children[:3]
    assert isinstance(dropout, widgets.FloatSlider) and dropout.description == "dropout p"
    assert (dropout.value, dropout.min, dropout.max, dropout.step) == (0.0, 0.0, 0.7, 0.1)
    assert isinstance(weight_decay, widgets.SelectionSlider) and weight_decay.value == 0.0
    assert weight_decay.options == (("0", 0.0), ("0.1", 0.1), ("0.3", 0.3), ("1", 1.0), ("3", 3.0))
    assert isinstance(n_train, widgets.SelectionSlider) and n_train.value == 1000
    assert n_train.options == (100, 250, 500, 1000, 3600)
    assert not any(c.continuous_update for c in (dropout, weight_decay, n_train))  # a run starts on release
    assert callback_errors() == [] and len(plt.get_fignums()) == 1
    history, diagnosis = regularization_run(dropout=0.0, weight_decay=0.0, n_train=1000, epochs=10, data=mnist)
    _check_learning_curves(_latest_figure().axes, history, diagnosis,
                           "dropout 0, weight decay 0, 1000 training examples")


def test_regularization_explorer_redraws_and_keeps_each_run(mnist, callback_errors, monkeypatch):
    import lecturelib.torchkit.widgets as module

    calls = []
    original = module.regularization_run

    def counting(**kwargs):
        calls.append((kwargs["dropout"], kwargs["weight_decay"], kwargs["n_train"]))
        return original(**kwargs)

    monkeypatch.setattr(module, "regularization_run", counting)
    w = module.regularization_explorer(epochs=10, seed=1)
    dropout, weight_decay, n_train = w.children[:3]
    n_train.value = 100
    dropout.value = 0.30000000000000004  # what a dragged slider may send
    weight_decay.value = 1.0
    dropout.value = 0.0
    weight_decay.value = 0.0  # back to n_train=100's first run: redrawn, not retrained
    assert callback_errors() == []
    assert calls == [(0.0, 0.0, 1000), (0.0, 0.0, 100), (0.3, 0.0, 100), (0.3, 1.0, 100), (0.0, 1.0, 100)]
    assert len(plt.get_fignums()) == 6
    history, diagnosis = original(dropout=0.0, weight_decay=0.0, n_train=100, epochs=10, seed=1, data=mnist)
    _check_learning_curves(_latest_figure().axes, history, diagnosis,
                           "dropout 0, weight decay 0, 100 training examples")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"dropout": -0.1}, ValueError, r"^dropout must be >= 0.0, got -0.1"),
        ({"dropout": 1.5}, ValueError, r"^dropout must be <= 1.0, got 1.5"),
        ({"weight_decay": -1.0}, ValueError, r"^weight_decay must be >= 0.0, got -1.0"),
        ({"weight_decay": "0.1"}, TypeError, "^weight_decay must be a real number"),
        ({"n_train": 5}, ValueError, "^n_train must be >= 10, got 5"),
        ({"n_train": 4000}, ValueError, "^n_train must be <= 3600, got 4000"),
        ({"n_train": 250.0}, TypeError, "^n_train must be an integer, got float 250.0"),
        ({"epochs": 2}, ValueError, "^epochs must be >= 9, got 2"),
        ({"seed": -1}, ValueError, "^seed must be >= 0, got -1"),
        ({"data": "mnist1d"}, TypeError, r"^data must be a lecturelib.data.DataSplit \(e.g. load_mnist1d\(\)\)"),
    ],
)
def test_regularization_run_and_view_reject_bad_arguments(mnist, kwargs, error, match):
    from lecturelib.torchkit.widgets import regularization_run, regularization_view

    args = dict(dropout=0.0, weight_decay=0.0, n_train=100, epochs=10, data=mnist) | kwargs
    with pytest.raises(error, match=match):
        regularization_run(**args)
    with pytest.raises(error, match=match):
        regularization_view(**args)
    assert plt.get_fignums() == []


@pytest.mark.parametrize(
    ("function", "kwargs", "error", "match"),
    [
        ("view", {"loss_ylim": (4, 0)}, ValueError, r"^loss_ylim must have low < high, got \(4, 0\)"),
        ("view", {"axes": [None, None]}, ValueError, r"^axes must hold 2 matplotlib Axes \(loss, accuracy\)"),
        ("explorer", {"epochs": 5}, ValueError, "^epochs must be >= 9, got 5"),
        ("explorer", {"seed": -1}, ValueError, "^seed must be >= 0, got -1"),
        ("explorer", {"loss_ylim": (0,)}, ValueError, r"^loss_ylim must be a pair \(low, high\), got \(0,\)"),
    ],
)
def test_regularization_view_and_explorer_reject_bad_arguments(mnist, function, kwargs, error, match):
    from lecturelib.torchkit.widgets import regularization_explorer, regularization_view

    if function == "view":
        with pytest.raises(error, match=match):
            regularization_view(dropout=0.0, weight_decay=0.0, data=mnist, **FAST, **kwargs)
    else:
        with pytest.raises(error, match=match):
            regularization_explorer(**kwargs)
        assert plt.get_fignums() == []  # nothing drawn before the arguments were checked


def test_regularization_names_are_public():
    import lecturelib.torchkit.widgets as module

    assert {"REGULARIZATION_BASE", "REGULARIZATION_DROPOUT", "REGULARIZATION_WEIGHT_DECAYS",
            "REGULARIZATION_TRAIN_SIZES", "regularization_run", "regularization_view",
            "regularization_explorer"} <= set(module.__all__)


def test_the_widgets_runs_draw_no_progress_bar(monkeypatch, mnist):
    # the widgets redraw their own figures; a tqdm widget inside their output
    # is clutter (and, created inside an Output widget, was seen to hang a
    # headless run), so their training runs pass progress=False
    from lecturelib.torchkit import experiments, training
    from lecturelib.torchkit.widgets import regularization_run

    seen = []
    real = training.train

    def recording_train(*args, **kwargs):
        seen.append(kwargs.get("progress"))
        return real(*args, **kwargs)

    monkeypatch.setattr(experiments, "train", recording_train)
    monkeypatch.setenv("LECTURELIB_PROGRESS", "1")
    regularization_run(dropout=0.0, weight_decay=0.0, data=mnist, **FAST)
    activation_snapshots(np.zeros((20, 4)), np.arange(20) % 2, activation="tanh", depth=2, width=3, epochs=1)
    assert seen == [False, False]


# ---------------------------------------------------------------- transfer learning (Chapter 7)


@pytest.fixture(scope="module")
def transfer_setup():
    """The chapter's data and source network (both cached on disk after the first call)."""
    from lecturelib.data import load_mnist1d
    from lecturelib.torchkit.transfer import pretrained_source

    return load_mnist1d(n_samples=10_000), pretrained_source().model


def _target(split, labels_per_class, seed):
    from lecturelib.data import class_split

    return class_split(split, labels_per_class=labels_per_class, seed=seed).target


def _same_weights(a, b):
    state_a, state_b = a.state_dict(), b.state_dict()
    return state_a.keys() == state_b.keys() and all(torch.equal(state_a[k], state_b[k]) for k in state_a)


@pytest.mark.parametrize("frozen_blocks", [0, 2])
def test_transfer_run_is_the_chapters_fine_tune_call(transfer_setup, frozen_blocks):
    from lecturelib.torchkit.transfer import fine_tune
    from lecturelib.torchkit.widgets import TRANSFER_FINE_TUNE, transfer_run

    split, source = transfer_setup
    run = transfer_run(5, "transfer", frozen_blocks, seed=1, source=source, data=split)
    want = fine_tune(source, _target(split, 5, 1), lr=1e-3, head_lr=1e-2,
                     freeze_until=None if frozen_blocks == 0 else f"block{frozen_blocks}", seed=1)
    assert run.test_accuracy == want.test_accuracy
    assert _same_weights(run.model, want.model)
    assert run.history.metrics == want.history.metrics and run.history.steps == list(range(81))
    assert TRANSFER_FINE_TUNE == dict(lr=1e-3, head_lr=1e-2)


def test_transfer_run_scratch_is_a_fresh_network_and_ignores_frozen_blocks(transfer_setup):
    from lecturelib.torchkit.baselines import mnist1d_cnn
    from lecturelib.torchkit.transfer import fine_tune, trainable_parameters
    from lecturelib.torchkit.widgets import TRANSFER_SCRATCH, TRANSFER_SCRATCH_SEED_OFFSET, transfer_run

    split, source = transfer_setup
    run = transfer_run(5, "scratch", 3, seed=2, source=source, data=split)
    want = fine_tune(mnist1d_cnn(5, seed=1002), _target(split, 5, 2), lr=1e-2, new_head=False, seed=2)
    assert run.test_accuracy == want.test_accuracy and _same_weights(run.model, want.model)
    other = transfer_run(5, "scratch", 0, seed=2, source=source, data=split)
    assert other.test_accuracy == run.test_accuracy and _same_weights(other.model, run.model)
    counts = trainable_parameters(run.model)
    assert counts.trainable == counts.total  # nothing frozen
    assert (TRANSFER_SCRATCH, TRANSFER_SCRATCH_SEED_OFFSET) == (dict(lr=1e-2, new_head=False), 1000)


def test_feature_extraction_leaves_the_blocks_and_the_source_unchanged(transfer_setup):
    from lecturelib.torchkit.transfer import trainable_parameters
    from lecturelib.torchkit.widgets import transfer_run

    split, source = transfer_setup
    before = {k: v.clone() for k, v in source.state_dict().items()}
    grads = [p.requires_grad for p in source.parameters()]
    run = transfer_run(5, "transfer", 3, source=source, data=split)
    assert all(torch.equal(before[k], v) for k, v in source.state_dict().items())
    assert [p.requires_grad for p in source.parameters()] == grads
    for block in ("block1", "block2", "block3"):
        assert _same_weights(getattr(run.model, block), getattr(source, block)), block
    assert not torch.equal(run.model.head.weight, source.head.weight)
    counts = trainable_parameters(run.model)
    assert (counts.trainable, counts["head"].trainable) == (630, 630)


def test_transfer_run_defaults_and_seed(transfer_setup):
    from lecturelib.torchkit.widgets import transfer_run

    split, source = transfer_setup
    state = torch.get_rng_state()
    run = transfer_run(5, "transfer", source=source, data=split)
    assert torch.equal(torch.get_rng_state(), state)
    default = transfer_run(5, "transfer")  # the cached source, MNIST-1D of 10,000 sequences, 3 blocks frozen, seed 0
    assert default.test_accuracy == run.test_accuracy and _same_weights(default.model, run.model)
    assert transfer_run(5, "transfer", seed=1, source=source, data=split).history.metrics != run.history.metrics


def test_transfer_run_draws_no_progress_bar(transfer_setup, monkeypatch):
    from lecturelib.torchkit import training, transfer
    from lecturelib.torchkit.widgets import transfer_run

    seen = []
    real = transfer.train

    def recording_train(*args, **kwargs):
        seen.append(training._show_progress(kwargs.get("progress")))
        return real(*args, **kwargs)

    monkeypatch.setattr(transfer, "train", recording_train)
    monkeypatch.setenv("LECTURELIB_PROGRESS", "1")
    split, source = transfer_setup
    transfer_run(1, "transfer", source=source, data=split)
    transfer_run(1, "scratch", source=source, data=split)
    assert seen == [False, False]
    assert training.os.environ["LECTURELIB_PROGRESS"] == "1"  # restored


def _check_transfer_axes(ax, run, heading):
    (line,) = ax.lines
    assert_allclose(line.get_xdata(), range(81))
    assert_allclose(line.get_ydata(), run.history["loss"])
    assert ax.get_xlabel() == "epoch (one full-batch Adam step each)"
    assert ax.get_ylabel() == "training loss (cross-entropy)"
    assert ax.get_yscale() == "log" and ax.get_ylim() == (1e-5, 10.0)  # fixed, whatever the run
    assert ax.get_title() == heading
    assert all(len(line) <= 60 for line in heading.split("\n"))


@pytest.mark.parametrize(
    ("setting", "heading"),
    [
        ((5, "transfer", 3), "transfer, 3 blocks frozen, 5 labels/class\n"
                             "test accuracy {acc:.3f}, 630 of 4,580 parameters train"),
        ((100, "transfer", 1), "transfer, 1 block frozen, 100 labels/class\n"
                               "test accuracy {acc:.3f}, 4,430 of 4,580 parameters train"),
        ((1, "scratch", 2), "scratch (frozen blocks do not apply), 1 label/class\n"
                            "test accuracy {acc:.3f}, 4,580 of 4,580 parameters train"),
    ],
    ids=["feature-extraction", "one-block-frozen", "scratch"],
)
def test_transfer_view_draws_the_loss_of_the_run_and_returns_it(transfer_setup, setting, heading):
    from lecturelib.torchkit.widgets import transfer_run, transfer_view

    split, source = transfer_setup
    fig, axes = plt.subplots(1, 2)
    run = transfer_view(*setting, source=source, data=split, ax=axes[1])
    assert plt.get_fignums() == [fig.number] and len(axes[0].lines) == 0
    want = transfer_run(*setting, source=source, data=split)
    assert run.test_accuracy == want.test_accuracy and _same_weights(run.model, want.model)
    _check_transfer_axes(axes[1], run, heading.format(acc=run.test_accuracy))


def test_transfer_view_draws_a_new_figure_by_default(transfer_setup):
    from lecturelib.torchkit.widgets import transfer_view

    split, source = transfer_setup
    run = transfer_view(1, "transfer", 0, source=source, data=split)
    assert len(plt.get_fignums()) == 1
    _check_transfer_axes(_latest_figure().axes[0], run, "transfer, 0 blocks frozen, 1 label/class\n"
                         f"test accuracy {run.test_accuracy:.3f}, 4,580 of 4,580 parameters train")


def test_transfer_explorer_controls_and_first_drawing(transfer_setup, callback_errors):
    from lecturelib.torchkit.widgets import transfer_explorer, transfer_run

    split, source = transfer_setup
    w = transfer_explorer(source=source, data=split)
    assert isinstance(w, widgets.interactive)
    labels, strategy, frozen, seed = w.children[:4]
    assert isinstance(labels, widgets.Dropdown) and labels.options == (1, 5, 20, 100) and labels.value == 5
    assert isinstance(strategy, widgets.Dropdown) and strategy.options == ("transfer", "scratch")
    assert strategy.value == "transfer"
    assert isinstance(frozen, widgets.IntSlider) and (frozen.value, frozen.min, frozen.max) == (3, 0, 3)
    assert isinstance(seed, widgets.IntSlider) and (seed.value, seed.min, seed.max) == (0, 0, 4)
    assert not frozen.continuous_update and not seed.continuous_update and not frozen.disabled
    assert callback_errors() == [] and len(plt.get_fignums()) == 1
    run = transfer_run(5, "transfer", 3, 0, source=source, data=split)  # the chapter's reference setting
    _check_transfer_axes(_latest_figure().axes[0], run, "transfer, 3 blocks frozen, 5 labels/class\n"
                         f"test accuracy {run.test_accuracy:.3f}, 630 of 4,580 parameters train")


def test_transfer_explorer_redraws_and_computes_each_run_once(transfer_setup, callback_errors, monkeypatch):
    import lecturelib.torchkit.widgets as module

    calls = []
    original = module.transfer_run

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, "transfer_run", counting)
    monkeypatch.setattr(module, "pretrained_source", lambda: pytest.fail("the source was loaded again"))
    monkeypatch.setattr(module, "load_mnist1d", lambda **kwargs: pytest.fail("the data were loaded again"))
    split, source = transfer_setup
    w = module.transfer_explorer(source=source, data=split)
    labels, strategy, frozen, seed = w.children[:4]
    labels.value = 1
    frozen.value = 0
    strategy.value = "scratch"
    assert frozen.disabled
    frozen.value = 2  # does not matter for scratch: redrawn, not retrained
    strategy.value = "transfer"
    assert not frozen.disabled
    frozen.value = 0  # back to an earlier run
    assert callback_errors() == []
    assert calls == [(5, "transfer", 3, 0), (1, "transfer", 3, 0), (1, "transfer", 0, 0), (1, "scratch", 0, 0),
                     (1, "transfer", 2, 0)]
    assert len(plt.get_fignums()) == 7
    run = original(1, "transfer", 0, 0, source=source, data=split)
    _check_transfer_axes(_latest_figure().axes[0], run, "transfer, 0 blocks frozen, 1 label/class\n"
                         f"test accuracy {run.test_accuracy:.3f}, 4,580 of 4,580 parameters train")
    ylims = {fig.axes[0].get_ylim() for fig in map(plt.figure, plt.get_fignums())}
    assert ylims == {(1e-5, 10.0)}


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"strategy": "foo"}, ValueError, r"^strategy must be one of \['transfer', 'scratch'\], got 'foo'"),
        ({"strategy": 1}, ValueError, r"^strategy must be one of \['transfer', 'scratch'\], got 1"),
        ({"frozen_blocks": 4}, ValueError, "^frozen_blocks must be <= 3, got 4"),
        ({"frozen_blocks": -1}, ValueError, "^frozen_blocks must be >= 0, got -1"),
        ({"frozen_blocks": 1.0}, TypeError, "^frozen_blocks must be an integer, got float 1.0"),
        ({"labels_per_class": 0}, ValueError, "^labels_per_class must be >= 1, got 0"),
        ({"labels_per_class": "5"}, TypeError, "^labels_per_class must be an integer, got str '5'"),
        ({"labels_per_class": True}, TypeError, "^labels_per_class must be an integer, got bool True"),
        ({"labels_per_class": 10_000}, ValueError, "^labels_per_class must be <= "),
        ({"seed": -1}, ValueError, "^seed must be >= 0, got -1"),
        ({"seed": 0.5}, TypeError, "^seed must be an integer, got float 0.5"),
        ({"source": "cnn"}, TypeError, r"^source must be a torch.nn.Module \(e.g. pretrained_source\(\).model\)"),
        ({"data": "mnist1d"}, TypeError, r"^data must be a lecturelib.data.DataSplit"),
    ],
)
def test_transfer_run_and_view_reject_bad_arguments(transfer_setup, kwargs, error, match):
    from lecturelib.torchkit.widgets import transfer_run, transfer_view

    split, source = transfer_setup
    args = dict(labels_per_class=5, strategy="transfer", frozen_blocks=3, seed=0, source=source, data=split)
    args |= kwargs
    with pytest.raises(error, match=match):
        transfer_run(**args)
    with pytest.raises(error, match=match):
        transfer_view(**args)
    assert plt.get_fignums() == []


@pytest.mark.parametrize(
    ("function", "kwargs", "error", "match"),
    [
        ("view", {"ax": "axes"}, TypeError, "^ax must be a matplotlib Axes or None, got str"),
        ("view", {"loss_ylim": (0.0, 10.0)}, ValueError, r"^loss_ylim must be positive for the log axis"),
        ("view", {"loss_ylim": (10.0, 1.0)}, ValueError, r"^loss_ylim must have low < high"),
        ("explorer", {"loss_ylim": (1.0,)}, ValueError, r"^loss_ylim must be a pair \(low, high\)"),
        ("explorer", {"source": 3}, TypeError, "^source must be a torch.nn.Module"),
        ("explorer", {"data": (1, 2)}, TypeError, "^data must be a lecturelib.data.DataSplit"),
    ],
)
def test_transfer_view_and_explorer_reject_bad_arguments(transfer_setup, function, kwargs, error, match):
    from lecturelib.torchkit.widgets import transfer_explorer, transfer_view

    split, source = transfer_setup
    with pytest.raises(error, match=match):
        if function == "view":
            transfer_view(5, "transfer", source=source, data=split, **kwargs)
        else:
            transfer_explorer(**(dict(source=source, data=split) | kwargs))
    assert plt.get_fignums() == []  # nothing drawn before the arguments were checked


def test_transfer_names_are_public():
    import lecturelib.torchkit.widgets as module

    assert {"TRANSFER_STRATEGIES", "TRANSFER_LABELS_PER_CLASS", "TRANSFER_SEEDS", "TRANSFER_N_SAMPLES",
            "TRANSFER_FINE_TUNE", "TRANSFER_SCRATCH", "TRANSFER_SCRATCH_SEED_OFFSET", "TRANSFER_LOSS_YLIM",
            "transfer_run", "transfer_view", "transfer_explorer"} <= set(module.__all__)
