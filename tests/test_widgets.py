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
