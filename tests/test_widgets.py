"""Tests for lecturelib.widgets: the explorer wires gradient_norm_profile to plot_layer_profile."""

from __future__ import annotations

import logging

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
from numpy.testing import assert_allclose

from lecturelib.data import load_digits_split
from lecturelib.diagnostics import gradient_norm_profile
from lecturelib.widgets import gradient_norm_explorer


@pytest.fixture(scope="module")
def digits():
    split = load_digits_split(seed=0)
    return split.x_train[:100], split.y_train[:100]


@pytest.fixture
def callback_errors(caplog):
    """Records of exceptions that ipywidgets.interactive caught and logged instead of raising."""
    caplog.set_level(logging.WARNING)
    return lambda: [r for r in caplog.records if "Exception in interact callback" in r.getMessage()]


def _drawn(fig_number):
    """(title, y values of the single line) of a figure the explorer drew."""
    (ax,) = plt.figure(fig_number).axes
    (line,) = ax.lines
    return ax.get_title(), line.get_ydata()


def _want(x, y, depth, activation, weight_init="kaiming_normal", seed=0):
    return gradient_norm_profile(x, y, depth=depth, activation=activation, weight_init=weight_init,
                                 rng=np.random.default_rng(seed))


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(),
        dict(depth=3, max_depth=5),
        dict(activations=("relu", "tanh"), depth=2, seed=4, weight_init="xavier_normal"),
    ],
)
def test_explorer_widgets_and_first_drawing(digits, callback_errors, kwargs):
    x, y = digits
    w = gradient_norm_explorer(x, y, **kwargs)
    depth, activations = kwargs.get("depth", 10), kwargs.get("activations", ("sigmoid", "tanh", "relu"))
    init = kwargs.get("weight_init", "kaiming_normal")
    assert isinstance(w, widgets.interactive)
    slider, dropdown = w.children[0], w.children[1]
    assert isinstance(slider, widgets.IntSlider) and slider.description == "depth"
    assert (slider.value, slider.min, slider.max) == (depth, 1, kwargs.get("max_depth", 30))
    assert isinstance(dropdown, widgets.Dropdown) and dropdown.description == "activation"
    assert dropdown.options == tuple(activations) and dropdown.value == activations[0]
    assert callback_errors() == []
    (number,) = plt.get_fignums()
    title, norms = _drawn(number)
    assert title == f"{depth} hidden layers, {activations[0]}, {init} init"
    assert_allclose(norms, _want(x, y, depth, activations[0], init, kwargs.get("seed", 0)), rtol=1e-12)


@pytest.mark.parametrize("new_depth", [1, 4, 12])
def test_moving_the_slider_redraws(digits, callback_errors, new_depth):
    x, y = digits
    w = gradient_norm_explorer(x, y, depth=2, max_depth=12)
    w.children[0].value = new_depth
    assert callback_errors() == []
    title, norms = _drawn(plt.get_fignums()[-1])
    assert title == f"{new_depth} hidden layers, sigmoid, kaiming_normal init"
    assert norms.shape == (new_depth + 1,)
    assert_allclose(norms, _want(x, y, new_depth, "sigmoid"), rtol=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_choosing_an_activation_redraws_with_the_same_seed(digits, callback_errors, activation):
    x, y = digits
    w = gradient_norm_explorer(x, y, depth=3, seed=7)
    w.children[1].value = activation
    w.update()  # an explicit re-run draws the same picture again
    assert callback_errors() == []
    first, second = (_drawn(n) for n in plt.get_fignums()[-2:])
    assert first[0] == second[0] == f"3 hidden layers, {activation}, kaiming_normal init"
    np.testing.assert_array_equal(first[1], second[1])
    assert_allclose(second[1], _want(x, y, 3, activation, seed=7), rtol=1e-12)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [(dict(activations=("swish",)), ValueError, r"activations\[i\] must be one of"),
     (dict(depth=40, max_depth=30), ValueError, "depth must be <= 30, got 40"),
     (dict(x=np.ones((10, 64), dtype=int)), TypeError, "x must be a floating-point array")],
)
def test_bad_arguments_raise_at_construction(digits, kwargs, error, match):
    x, y = digits
    x = kwargs.pop("x", x)
    with pytest.raises(error, match=match):
        gradient_norm_explorer(x, y, **kwargs)


def test_init_explorer_draws_bands_for_every_scheme_and_redraws(callback_errors):
    from lecturelib.diagnostics import activation_profile
    from lecturelib.widgets import init_explorer

    x = np.random.default_rng(0).standard_normal((32, 8))
    w = init_explorer(x, schemes=("xavier_normal", "kaiming_normal"), activations=("tanh", "relu"),
                      depth=3, max_depth=6, width=8, n_seeds=5)
    activation, depth = w.children[:2]
    assert (activation.value, depth.value) == ("tanh", 3)
    assert callback_errors() == []
    (ax,) = plt.figure(plt.get_fignums()[-1]).axes
    assert [line.get_label() for line in ax.lines] == ["Xavier normal", "He normal"]
    runs = [activation_profile(x, depth=3, activation="tanh", weight_init="kaiming_normal", width=8,
                               rng=np.random.default_rng(s)) for s in range(5)]
    assert_allclose(ax.lines[1].get_ydata(), np.median(runs, axis=0), rtol=1e-12)
    assert ax.get_ylim() == (1e-14, 10)

    depth.value = 5
    activation.value = "relu"
    assert callback_errors() == []
    (ax,) = plt.figure(plt.get_fignums()[-1]).axes
    assert ax.get_title() == "relu, 5 layers of width 8"
    assert len(ax.lines[0].get_ydata()) == 5  # the figure changed with the controls


def test_init_explorer_callback_errors_fail_the_test(callback_errors, monkeypatch):
    # the fixture must see an exception that ipywidgets swallows inside the callback
    import lecturelib.widgets
    from lecturelib.widgets import init_explorer

    x = np.random.default_rng(0).standard_normal((16, 4))
    w = init_explorer(x, activations=("tanh",), depth=2, max_depth=4, width=4)
    assert callback_errors() == []

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(lecturelib.widgets, "activation_profile", broken)
    w.children[1].value = 3
    assert len(callback_errors()) == 1


def test_init_explorer_validation():
    from lecturelib.widgets import init_explorer

    x = np.random.default_rng(0).standard_normal((16, 4))
    with pytest.raises(ValueError, match="schemes\\[i\\] must be one of"):
        init_explorer(x, schemes=("he",))
    with pytest.raises(ValueError, match="depth must be <= 6"):
        init_explorer(x, depth=7, max_depth=6)
    with pytest.raises(ValueError, match="n_seeds must be >= 5, got 2"):
        init_explorer(x, n_seeds=2)
    with pytest.raises(ValueError, match="activations must be a non-empty sequence of names, got 'relu'"):
        init_explorer(x, activations="relu")


# ---------------------------------------------------------------- batch norm explorer


def _batchnorm_panels():
    """(left, right) Axes of the last figure the batch norm explorer drew."""
    left, right = plt.figure(plt.get_fignums()[-1]).axes
    return left, right


def test_batchnorm_explorer_controls_and_first_drawing(callback_errors):
    from lecturelib.normalization import batchnorm_stream
    from lecturelib.widgets import batchnorm_explorer

    w = batchnorm_explorer(steps=30, seed=3)
    assert isinstance(w, widgets.interactive)
    batch_size, momentum, mode = w.children[:3]
    assert isinstance(batch_size, widgets.SelectionSlider) and batch_size.description == "batch size"
    assert batch_size.options == (2, 4, 8, 16, 32, 64, 128, 256) and batch_size.value == 32
    assert isinstance(momentum, widgets.Dropdown) and momentum.description == "momentum"
    assert momentum.options == ("0.01", "0.03", "0.1", "0.3", "1.0", "None (cumulative)")
    assert momentum.value == "0.1"
    assert isinstance(mode, widgets.ToggleButtons) and mode.value == "eval"
    assert [value for _, value in mode.options] == ["train", "eval"]
    assert callback_errors() == []
    left, right = _batchnorm_panels()
    want = batchnorm_stream(batch_size=32, momentum=0.1, steps=30, rng=np.random.default_rng(3))
    assert_allclose(left.lines[0].get_ydata(), want.running_mean, rtol=1e-12)
    assert right.get_title().startswith("Outputs in eval mode")


@pytest.mark.parametrize("control, values", [
    (0, (2, 4, 8, 16, 32, 64, 128, 256)),
    (1, ("0.01", "0.03", "0.1", "0.3", "1.0", "None (cumulative)")),
    (2, ("train", "eval")),
])
def test_batchnorm_explorer_redraws_for_every_option(callback_errors, control, values):
    from lecturelib.normalization import batchnorm_stream
    from lecturelib.widgets import BATCHNORM_MOMENTA, batchnorm_explorer

    w = batchnorm_explorer(steps=20)
    for value in values:
        w.children[control].value = value
        w.update()  # draws even when the value is the one already shown
        assert callback_errors() == []
        batch_size, momentum, mode = (c.value for c in w.children[:3])
        left, right = _batchnorm_panels()
        want = batchnorm_stream(batch_size=batch_size, momentum=BATCHNORM_MOMENTA[momentum], steps=20,
                                rng=np.random.default_rng(0))
        assert_allclose(left.lines[0].get_ydata(), want.running_mean, rtol=1e-12)
        assert f"batch size {batch_size}," in left.get_title()
        assert right.get_title().startswith(f"Outputs in {mode} mode")
        assert (left.get_ylim(), right.get_xlim(), right.get_ylim()) == ((-3.0, 9.0), (-4.0, 4.0), (0.0, 1.0))
        plt.close("all")


def test_batchnorm_explorer_cumulative_momentum_reaches_the_stream_as_none(callback_errors):
    from lecturelib.widgets import batchnorm_explorer

    w = batchnorm_explorer(steps=10)
    w.children[1].value = "None (cumulative)"
    left, _ = _batchnorm_panels()
    assert left.get_title().endswith("momentum None (cumulative)")
    (dots,) = left.collections
    batch_means = dots.get_offsets()[:, 1]
    assert_allclose(left.lines[0].get_ydata(), np.cumsum(batch_means) / np.arange(1, 11), rtol=1e-12)
    assert callback_errors() == []


def test_batchnorm_explorer_redraws_quickly(callback_errors):
    import time

    from lecturelib.widgets import batchnorm_explorer

    w = batchnorm_explorer()
    w.children[0].value = 256
    times = []
    for mode in ("train", "eval", "train"):
        start = time.perf_counter()
        w.children[2].value = mode
        times.append(time.perf_counter() - start)
        plt.close("all")
    assert callback_errors() == []
    assert max(times) < 0.5, times


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(steps=0), ValueError, "^steps must be >= 1, got 0"),
    (dict(steps=2.5), TypeError, "^steps must be an integer, got float 2.5"),
    (dict(seed=-1), ValueError, "^seed must be >= 0, got -1"),
])
def test_batchnorm_explorer_bad_arguments_raise_at_construction(kwargs, error, match):
    from lecturelib.widgets import batchnorm_explorer

    with pytest.raises(error, match=match):
        batchnorm_explorer(**kwargs)


# ---------------------------------------------------------------- optimizers on test functions


def _optimizer_panels():
    """(contours, losses) Axes of the last figure the optimizer explorer drew."""
    left, right = plt.figure(plt.get_fignums()[-1]).axes
    return left, right


@pytest.mark.parametrize("name, momentum, want", [
    ("SGD", 0.9, dict(lr=0.05, momentum=0.9)),
    ("RMSprop", 0.5, dict(lr=0.05, momentum=0.5, alpha=0.99)),
    ("Adam", 0.5, dict(lr=0.05, betas=(0.5, 0.999))),
    ("Adagrad", 0.9, dict(lr=0.05, lr_decay=0.0)),
    ("Adadelta", 0.9, dict(lr=0.05, rho=0.9)),
])
def test_explorer_optimizer_builds_the_class_with_momentum_where_it_has_one(name, momentum, want):
    from lecturelib import optim
    from lecturelib.widgets import explorer_optimizer

    opt = explorer_optimizer(name, lr=0.05, momentum=momentum)([np.zeros(2)])
    assert type(opt) is getattr(optim, name)
    assert {key: opt.defaults[key] for key in want} == want
    assert "momentum" not in opt.defaults or name in ("SGD", "RMSprop")


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(name="AdamW", lr=0.1), ValueError, r"^optimizer must be one of \['SGD', 'Adagrad'"),
    (dict(name="SGD", lr=0.0), ValueError, "^lr must be > 0.0, got 0.0"),
    (dict(name="SGD", lr=0.1, momentum=1.0), ValueError, "^momentum must be < 1.0, got 1.0"),
    (dict(name="Adam", lr="0.1"), TypeError, "^lr must be a real number"),
])
def test_explorer_optimizer_bad_arguments(kwargs, error, match):
    from lecturelib.widgets import explorer_optimizer

    name = kwargs.pop("name")
    with pytest.raises(error, match=match):
        explorer_optimizer(name, **kwargs)


@pytest.mark.parametrize("problem", ["Rosenbrock", "Beale", "saddle", "rotated quadratic"])
@pytest.mark.parametrize("name, cls_kwargs", [
    ("SGD", dict(lr=1e-3, momentum=0.9)),
    ("Adam", dict(lr=0.1, betas=(0.9, 0.999))),
    ("Adadelta", dict(lr=0.1)),
])
def test_optimizer_path_is_run_optimizer_from_the_views_start(problem, name, cls_kwargs):
    from functools import partial

    from lecturelib import optim
    from lecturelib.problems import run_optimizer
    from lecturelib.widgets import PROBLEM_VIEWS, optimizer_path

    view = PROBLEM_VIEWS[problem]
    got = optimizer_path(problem, name, lr=cls_kwargs["lr"], momentum=0.9, steps=25)
    want = run_optimizer(view.problem, np.array(view.x0), steps=25,
                         make_optimizer=partial(getattr(optim, name), **cls_kwargs))
    assert_allclose(got.path, want.path, rtol=0, atol=0)
    assert_allclose(got.losses, want.losses, rtol=0, atol=0)
    assert got.diverged == want.diverged


def test_optimizer_path_bad_arguments():
    from lecturelib.widgets import optimizer_path

    with pytest.raises(ValueError, match=r"^problem must be one of \['Rosenbrock', 'Beale', 'saddle', "):
        optimizer_path("Himmelblau", "SGD", lr=0.1)
    with pytest.raises(ValueError, match="^steps must be >= 1, got 0"):
        optimizer_path("saddle", "SGD", lr=0.1, steps=0)


def test_problem_views_start_and_minima_inside_fixed_windows():
    from lecturelib.widgets import PROBLEM_VIEWS

    for name, view in PROBLEM_VIEWS.items():
        points = np.vstack([[view.x0], view.problem.minima, view.problem.saddle_points])
        assert np.all((view.xlim[0] < points[:, 0]) & (points[:, 0] < view.xlim[1])), name
        assert np.all((view.ylim[0] < points[:, 1]) & (points[:, 1] < view.ylim[1])), name
        start_loss = float(view.problem.value(np.array(view.x0)))
        assert view.loss_ylim[0] < start_loss < view.loss_ylim[1], name
        x1, x2 = np.meshgrid(np.linspace(*view.xlim, 50), np.linspace(*view.ylim, 50))
        lowest = view.problem.value(np.stack([x1, x2], axis=-1)).min()
        assert (view.scale == "log") == (lowest >= 0), name  # log scale only for functions >= 0
        assert view.limits == dict(xlim=view.xlim, ylim=view.ylim, scale=view.scale, loss_ylim=view.loss_ylim)


def test_optimizer_view_draws_the_run_on_the_views_axes():
    from lecturelib.widgets import PROBLEM_VIEWS, optimizer_path, optimizer_view

    left, right = optimizer_view("Beale", "RMSprop", lr=0.03, momentum=0.9, steps=50)
    run = optimizer_path("Beale", "RMSprop", lr=0.03, momentum=0.9, steps=50)
    view = PROBLEM_VIEWS["Beale"]
    assert left.get_title() == view.title
    assert (left.get_xlim(), left.get_ylim()) == (view.xlim, view.ylim)
    assert (right.get_xlim(), right.get_ylim()) == ((0, 50), view.loss_ylim)
    (losses,) = right.lines
    assert_allclose(losses.get_ydata(), run.losses, rtol=1e-12)
    assert losses.get_label() == "RMSprop, lr 0.03, momentum 0.9"
    _, given = plt.subplots(1, 2)
    assert optimizer_view("saddle", "Adagrad", lr=0.1, axes=given) == list(given)
    assert given[1].get_legend().get_texts()[-1].get_text() == "Adagrad, lr 0.1"


def test_optimizer_explorer_controls_and_first_drawing(callback_errors):
    from lecturelib.widgets import PROBLEM_VIEWS, optimizer_explorer, optimizer_path

    w = optimizer_explorer(steps=40)
    assert isinstance(w, widgets.interactive)
    optimizer, lr, momentum, problem = w.children[:4]
    assert isinstance(optimizer, widgets.Dropdown) and optimizer.description == "optimizer"
    assert optimizer.options == ("SGD", "Adagrad", "RMSprop", "Adadelta", "Adam") and optimizer.value == "Adam"
    assert isinstance(lr, widgets.FloatLogSlider) and (lr.min, lr.max, lr.base) == (-4, 1, 10)
    assert lr.value == pytest.approx(0.1)
    assert isinstance(momentum, widgets.FloatSlider) and (momentum.min, momentum.max) == (0.0, 0.99)
    assert momentum.value == 0.9 and not momentum.disabled
    assert isinstance(problem, widgets.Dropdown) and problem.description == "function"
    assert problem.options == tuple(PROBLEM_VIEWS) and problem.value == "Rosenbrock"
    assert callback_errors() == []
    left, right = _optimizer_panels()
    run = optimizer_path("Rosenbrock", "Adam", lr=0.1, momentum=0.9, steps=40)
    assert_allclose(right.lines[0].get_ydata(), run.losses, rtol=1e-12)
    assert right.lines[0].get_label() == "Adam, lr 0.1, beta1 0.9"


@pytest.mark.parametrize("control, values", [
    (0, ("SGD", "Adagrad", "RMSprop", "Adadelta", "Adam")),
    (1, (1e-4, 1e-2, 10.0)),
    (2, (0.0, 0.5, 0.99)),
    (3, ("Rosenbrock", "Beale", "saddle", "rotated quadratic")),
])
def test_optimizer_explorer_redraws_on_fixed_axes_for_every_control(callback_errors, control, values):
    from lecturelib.widgets import PROBLEM_VIEWS, optimizer_explorer, optimizer_path

    w = optimizer_explorer(optimizer="SGD", lr=1e-3, momentum=0.5, problem="Beale", steps=30)
    for value in values:
        w.children[control].value = value
        w.update()  # draws even when the value is the one already shown
        assert callback_errors() == []
        name, lr, momentum, problem = (c.value for c in w.children[:4])
        left, right = _optimizer_panels()
        run = optimizer_path(problem, name, lr=lr, momentum=momentum, steps=30)
        assert_allclose(right.lines[0].get_ydata(), run.losses, rtol=1e-12)
        view = PROBLEM_VIEWS[problem]
        assert (left.get_xlim(), left.get_ylim()) == (view.xlim, view.ylim)
        assert (right.get_xlim(), right.get_ylim()) == ((0, 30), view.loss_ylim)
        assert left.get_title() == view.title
        plt.close("all")


def test_optimizer_explorer_greys_out_momentum_for_methods_without_it(callback_errors):
    from lecturelib.widgets import optimizer_explorer

    w = optimizer_explorer(optimizer="Adagrad", steps=5)
    optimizer, _, momentum = w.children[:3]
    assert momentum.disabled
    for name, disabled in [("SGD", False), ("Adadelta", True), ("RMSprop", False), ("Adam", False),
                           ("Adagrad", True)]:
        optimizer.value = name
        assert momentum.disabled is disabled, name
    assert callback_errors() == []
    _, right = _optimizer_panels()
    assert right.lines[0].get_label() == "Adagrad, lr 0.1"  # no momentum in the label


def test_optimizer_explorer_redraws_quickly(callback_errors):
    import time

    from lecturelib.widgets import optimizer_explorer

    w = optimizer_explorer()
    times = []
    for problem in ("Beale", "saddle", "Rosenbrock"):
        start = time.perf_counter()
        w.children[3].value = problem
        times.append(time.perf_counter() - start)
        plt.close("all")
    assert callback_errors() == []
    assert max(times) < 1.0, times


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(problem="Himmelblau"), ValueError, r"^problem must be one of \['Rosenbrock'"),
    (dict(optimizer="LBFGS"), ValueError, r"^optimizer must be one of \['SGD'"),
    (dict(lr=20.0), ValueError, "^lr must be <= 10.0, got 20.0"),
    (dict(lr=1e-5), ValueError, "^lr must be >= 0.0001, got 1e-05"),
    (dict(momentum=0.995), ValueError, "^momentum must be <= 0.99, got 0.995"),
    (dict(steps=0), ValueError, "^steps must be >= 1, got 0"),
    (dict(steps=2.5), TypeError, "^steps must be an integer, got float 2.5"),
])
def test_optimizer_explorer_bad_arguments_raise_at_construction(kwargs, error, match):
    from lecturelib.widgets import optimizer_explorer

    with pytest.raises(error, match=match):
        optimizer_explorer(**kwargs)
