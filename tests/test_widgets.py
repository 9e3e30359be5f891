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
