"""Tests for lecturelib.plotting: what each function draws, on which Axes, and its errors."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import is_color_like, to_rgb, to_rgba
from numpy.testing import assert_allclose

from lecturelib.plotting import PALETTE, color, plot_curves, plot_decision_boundary, plot_layer_profile


def _blobs(n_classes, n=30, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    X = rng.standard_normal((n, 2)) + 3.0 * np.c_[np.cos(y), np.sin(y)]
    return X, y


def _nearest_centre(X, y):
    centres = np.array([X[y == c].mean(axis=0) for c in range(y.max() + 1)])
    return lambda P: np.argmin(((P[:, None, :] - centres[None]) ** 2).sum(axis=-1), axis=1)


def _legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


@pytest.fixture(autouse=True)
def _no_show(monkeypatch):
    def fail():
        raise AssertionError("plotting functions must not call plt.show()")

    monkeypatch.setattr(plt, "show", fail)


# ---------------------------------------------------------------- palette


def test_palette_has_eight_distinct_colours():
    assert len(PALETTE) == 8
    assert all(is_color_like(c) for c in PALETTE)
    assert len({to_rgb(c) for c in PALETTE}) == 8


@pytest.mark.parametrize("i", [0, 3, 7, 8, 17])
def test_color_cycles_through_the_palette(i):
    assert color(i) == PALETTE[i % 8]


@pytest.mark.parametrize("i, error", [(-1, ValueError), (1.0, TypeError), (True, TypeError)])
def test_color_bad_index(i, error):
    with pytest.raises(error, match="^i must"):
        color(i)


# ---------------------------------------------------------------- decision boundary


@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_decision_boundary_draws_regions_and_one_scatter_per_class(n_classes):
    X, y = _blobs(n_classes)
    ax = plot_decision_boundary(_nearest_centre(X, y), X, y, resolution=50)
    assert isinstance(ax, Axes)
    assert ax.get_title() == "Decision regions"
    assert ax.get_xlabel() and ax.get_ylabel()
    scatters = [c for c in ax.collections if c.get_label().startswith("class")]
    assert len(scatters) == n_classes
    for c, points in enumerate(scatters):
        assert_allclose(points.get_offsets(), X[y == c])
        assert_allclose(points.get_facecolor()[0], to_rgba(PALETTE[c]))
    assert len(ax.collections) == n_classes + 1  # plus the filled contours
    assert _legend_texts(ax) == [f"class {c}" for c in range(n_classes)]


@pytest.mark.parametrize("resolution, margin", [(2, 0.5), (17, 0.0), (40, 1.5)])
def test_decision_boundary_grid_and_limits(resolution, margin):
    X, y = _blobs(2, seed=1)
    seen = []

    def predict(P):
        seen.append(P.copy())
        return (P[:, 0] > X[:, 0].mean()).astype(int)

    ax = plot_decision_boundary(predict, X, y, resolution=resolution, margin=margin, title="t")
    assert len(seen) == 1 and seen[0].shape == (resolution**2, 2)
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    assert_allclose(seen[0].min(axis=0), lo)
    assert_allclose(seen[0].max(axis=0), hi)
    assert_allclose(ax.get_xlim(), (lo[0], hi[0]))
    assert_allclose(ax.get_ylim(), (lo[1], hi[1]))
    assert ax.get_title() == "t"


# ---------------------------------------------------------------- curves and profiles


CURVES = [
    {"train": [2.3, 1.0, 0.5]},
    {"train": np.linspace(2, 0.1, 20), "val": np.linspace(2, 0.4, 20)},
    {f"run {i}": np.arange(1.0, 6.0) * (i + 1) for i in range(9)},  # more than PALETTE
]


@pytest.mark.parametrize("hline", [None, 2.3])
@pytest.mark.parametrize("curves", CURVES)
def test_plot_curves_draws_one_line_per_curve(curves, hline):
    ax = plot_curves(curves, title="Loss", xlabel="epoch", ylabel="cross-entropy", hline=hline, hline_label="chance")
    assert isinstance(ax, Axes)
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("Loss", "epoch", "cross-entropy")
    assert len(ax.lines) == len(curves) + (hline is not None)
    for i, (line, (label, values)) in enumerate(zip(ax.lines, curves.items())):
        assert line.get_label() == label
        assert_allclose(line.get_ydata(), values)
        assert_allclose(line.get_xdata(), np.arange(len(values)))
        assert line.get_color() == PALETTE[i % 8]
    want_legend = list(curves) + (["chance"] if hline is not None else [])
    assert _legend_texts(ax) == want_legend
    if hline is not None:
        assert_allclose(ax.lines[-1].get_ydata(), [hline, hline])
        assert ax.lines[-1].get_linestyle() == "--"
    assert ax.get_yscale() == "linear"


def test_plot_curves_shared_x_and_log_scale():
    x = np.array([1, 2, 5, 10])
    ax = plot_curves({"a": [1.0, 0.5, 0.2, 0.1], "b": [2.0, 1.0, 0.5, 0.2]}, x=x, logy=True)
    assert ax.get_yscale() == "log"
    for line in ax.lines:
        assert_allclose(line.get_xdata(), x)


@pytest.mark.parametrize("logy", [True, False])
@pytest.mark.parametrize("profiles", CURVES)
def test_plot_layer_profile_draws_one_marked_line_per_network(profiles, logy):
    ax = plot_layer_profile(profiles, title="Gradient norms", logy=logy)
    assert isinstance(ax, Axes)
    assert ax.get_title() == "Gradient norms" and ax.get_xlabel() and ax.get_ylabel() == "gradient norm"
    assert len(ax.lines) == len(profiles)
    for line, (label, values) in zip(ax.lines, profiles.items()):
        assert line.get_label() == label and line.get_marker() not in (None, "None", "")
        assert_allclose(line.get_xdata(), np.arange(1, len(values) + 1))  # layer 1 next to the input
        assert_allclose(line.get_ydata(), values)
    assert len({line.get_marker() for line in ax.lines}) == min(len(profiles), 8)
    assert _legend_texts(ax) == list(profiles)
    assert ax.get_yscale() == ("log" if logy else "linear")


# ---------------------------------------------------------------- existing Axes


def _call(name, ax):
    X, y = _blobs(2)
    if name == "plot_decision_boundary":
        return plot_decision_boundary(_nearest_centre(X, y), X, y, resolution=10, ax=ax)
    fn = plot_curves if name == "plot_curves" else plot_layer_profile
    return fn({"a": [1.0, 2.0], "b": [2.0, 1.0]}, ax=ax, title="t")


FUNCTIONS = ["plot_decision_boundary", "plot_curves", "plot_layer_profile"]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_draws_on_a_given_axes_without_a_new_figure(name):
    fig, (left, right) = plt.subplots(1, 2)
    assert _call(name, right) is right
    assert plt.get_fignums() == [fig.number]
    assert right.has_data() and not left.has_data()


@pytest.mark.parametrize("name", FUNCTIONS)
def test_draws_on_a_new_figure_by_default(name):
    ax = _call(name, None)
    assert plt.get_fignums() == [ax.figure.number]
    assert ax.get_legend() is not None


@pytest.mark.parametrize("ax", ["left", 0, plt])
@pytest.mark.parametrize("name", FUNCTIONS)
def test_bad_ax_raises(name, ax):
    with pytest.raises(TypeError, match="^ax must be a matplotlib Axes or None"):
        _call(name, ax)


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.ones((5, 3)), ValueError, r"^x must have shape \(\*, 2\) points in the plane, got shape \(5, 3\)"),
        (np.ones(10), ValueError, "^x must be a 2-D array"),
        (np.ones((5, 2), dtype=int), TypeError, "^x must be a floating-point array"),
        (np.full((5, 2), np.nan), ValueError, "^x must contain only finite"),
    ],
)
def test_decision_boundary_bad_X(X, error, match):
    with pytest.raises(error, match=match):
        plot_decision_boundary(lambda P: np.zeros(len(P), dtype=int), X, np.zeros(len(X), dtype=int))
    assert plt.get_fignums() == []  # validated before a figure is created


def test_decision_boundary_bad_resolution():
    X, y = _blobs(2)
    with pytest.raises(ValueError, match="^resolution must be >= 2, got 1"):
        plot_decision_boundary(_nearest_centre(X, y), X, y, resolution=1)


@pytest.mark.parametrize("bad", ["short", "negative"])
def test_decision_boundary_bad_y(bad):
    X, y = _blobs(2)
    y = y[:-1] if bad == "short" else y - 1
    match = "^x and y must have the same number of rows" if bad == "short" else "^y must hold class indices >= 0"
    with pytest.raises(ValueError, match=match):
        plot_decision_boundary(lambda P: np.zeros(len(P), dtype=int), X, y, resolution=10)


def test_plot_layer_histograms_draws_one_panel_per_layer():
    from lecturelib.plotting import plot_layer_histograms

    rng = np.random.default_rng(0)
    hidden = [rng.standard_normal((50, 8)) * 0.5**l for l in range(10)]
    axes = plot_layer_histograms(hidden, label="demo")
    assert len(axes) == 5 and axes[0].get_ylabel() == "density"
    assert all(ax.get_title().startswith("layer ") for ax in axes)
    assert axes[0].get_legend() is not None
    axes = plot_layer_histograms(hidden, layers=(1, 10), value_range=(-1, 1))
    assert [ax.get_title().split(":")[0] for ax in axes] == ["layer 1", "layer 10"]
    with pytest.raises(ValueError, match="layers\\[i\\] must be <= 10"):
        plot_layer_histograms(hidden, layers=(11,))
    with pytest.raises(ValueError, match="hidden must hold at least one layer"):
        plot_layer_histograms([])


def test_layer_profile_draws_bands_and_distinct_line_styles():
    from lecturelib.diagnostics import over_seeds

    band = over_seeds(lambda rng: 1.0 + rng.uniform(size=4), range(10))
    ax = plot_layer_profile({"band": band, "a": np.ones(4), "same as a": np.ones(4)}, title="t")
    lines = ax.lines
    assert_allclose(lines[0].get_ydata(), band.median)
    assert lines[1].get_linestyle() != lines[2].get_linestyle()  # coinciding series stay visible
    (area,) = ax.collections
    verts = area.get_paths()[0].vertices
    assert_allclose(verts[:, 1].min(), band.low.min())
    assert_allclose(verts[:, 1].max(), band.high.max())


# ---------------------------------------------------------------- examples of a data set


def test_plot_points_one_coloured_legend_entry_per_class():
    from lecturelib.plotting import plot_points

    x, y = _blobs(3)
    ax = plot_points(x, y, title="blobs")
    assert isinstance(ax, Axes) and ax.get_title() == "blobs"
    assert ax.get_xlabel() == "$x_1$" and ax.get_ylabel() == "$x_2$"
    assert _legend_texts(ax) == ["class 0", "class 1", "class 2"]
    for c, points in enumerate(ax.collections):
        assert_allclose(points.get_offsets(), x[y == c])
        assert_allclose(points.get_facecolor()[0], to_rgba(PALETTE[c]))
    ax = plot_points(x, y, class_names=["a", "b", "c"])
    assert _legend_texts(ax) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("x", "y", "kwargs", "error", "match"),
    [
        (np.zeros((4, 3)), np.zeros(4, dtype=int), {}, ValueError,
         r"^x must have shape \(\*, 2\) points in the plane, got shape \(4, 3\)"),
        (np.zeros((4, 2)), np.zeros(3, dtype=int), {}, ValueError, "^x and y must have the same number of rows"),
        (np.zeros((4, 2)), np.arange(4), {"class_names": ["a", "b"]}, ValueError,
         r"^class_names must name every class 0\.\.3, got 2 names"),
    ],
)
def test_plot_points_bad_input(x, y, kwargs, error, match):
    from lecturelib.plotting import plot_points

    with pytest.raises(error, match=match):
        plot_points(x, y, **kwargs)


def test_plot_image_grid_shows_each_image_in_its_own_panel():
    from lecturelib.plotting import plot_image_grid

    images = np.arange(7 * 6, dtype=float).reshape(7, 6)
    axes = plot_image_grid(images, image_shape=(2, 3), titles=[f"image {i}" for i in range(7)], ncols=3)
    assert len(axes) == 7 and [ax.get_title() for ax in axes] == [f"image {i}" for i in range(7)]
    for ax, image in zip(axes, images):
        (shown,) = ax.get_images()
        assert_allclose(shown.get_array(), image.reshape(2, 3))
        assert shown.get_clim() == (0.0, 41.0)  # one grey scale shared by every panel
    grid = axes[0].figure.axes
    assert len(grid) == 9 and sum(ax.get_visible() for ax in grid) == 7  # 3 x 3 grid, two spare panels hidden


def test_plot_image_grid_draws_on_given_axes():
    from lecturelib.plotting import plot_image_grid

    _, given = plt.subplots(1, 2)
    axes = plot_image_grid(np.ones((2, 4)), image_shape=(2, 2), axes=given)
    assert axes == list(given) and axes[0].get_title() == ""


@pytest.mark.parametrize(
    ("images", "kwargs", "error", "match"),
    [
        (np.zeros((2, 5)), {"image_shape": (2, 2)}, ValueError,
         r"^images must have 2 x 2 = 4 pixels per row to match image_shape, got shape \(2, 5\)"),
        (np.zeros((2, 4), dtype=int), {"image_shape": (2, 2)}, TypeError, "^images must be a floating-point array"),
        (np.zeros((2, 4)), {"image_shape": (2, 2), "titles": ["one"]}, ValueError,
         r"^titles must have one title per example \(2\), got 1"),
        (np.zeros((2, 4)), {"image_shape": (0, 4)}, ValueError, r"^image_shape\[i\] must be >= 1, got 0"),
        (np.zeros((2, 4)), {"image_shape": (2, 2), "ncols": 0}, ValueError, "^ncols must be >= 1, got 0"),
    ],
)
def test_plot_image_grid_bad_input(images, kwargs, error, match):
    from lecturelib.plotting import plot_image_grid

    with pytest.raises(error, match=match):
        plot_image_grid(images, **kwargs)


def test_plot_signal_grid_draws_each_sequence_against_its_position():
    from lecturelib.plotting import plot_signal_grid

    signals = np.random.default_rng(0).standard_normal((10, 40))
    axes = plot_signal_grid(signals, titles=[f"digit {k}" for k in range(10)])
    assert len(axes) == 10
    for ax, signal in zip(axes, signals):
        line = ax.get_lines()[0]
        assert_allclose(line.get_xdata(), np.arange(40))
        assert_allclose(line.get_ydata(), signal)
    assert axes[0].get_ylim() == axes[9].get_ylim()  # shared axes: panels compare at a glance
    assert [bool(ax.get_ylabel()) for ax in axes] == [True, False, False, False, False] * 2  # left column
    assert [bool(ax.get_xlabel()) for ax in axes] == [False] * 5 + [True] * 5  # bottom row
    assert axes[3].get_title() == "digit 3"


def test_plot_signal_grid_on_given_axes_labels_every_panel():
    from lecturelib.plotting import plot_signal_grid

    _, given = plt.subplots(1, 2)
    axes = plot_signal_grid(np.zeros((2, 5)), axes=given, xlabel="t", ylabel="x")
    assert [(ax.get_xlabel(), ax.get_ylabel()) for ax in axes] == [("t", "x"), ("t", "x")]
    with pytest.raises(ValueError, match=r"^axes must have one Axes per example \(3\), got 2"):
        plot_signal_grid(np.zeros((3, 5)), axes=given)
    with pytest.raises(ValueError, match="^signals must be a 2-D array"):
        plot_signal_grid(np.zeros(5))


def test_example_plots_are_public():
    import lecturelib.plotting as plotting

    assert {"plot_points", "plot_image_grid", "plot_signal_grid"} <= set(plotting.__all__)


# ---------------------------------------------------------------- activation functions and their statistics


def test_plot_functions_draws_every_curve_in_its_own_colour_and_style():
    from lecturelib.plotting import LINESTYLES, plot_functions

    z = np.linspace(-3, 3, 61)
    curves = {"ReLU": np.maximum(z, 0.0), "leaky ReLU": np.where(z > 0, z, 0.01 * z),
              "GELU-like": z / (1 + np.exp(-1.702 * z)), "tanh": np.tanh(z), "sigmoid": 1 / (1 + np.exp(-z))}
    ax = plot_functions(z, curves, title="Activation functions", ylabel="$f(z)$", xlabel="$z$")
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("Activation functions", "$z$", "$f(z)$")
    assert len(ax.lines) == len(curves)
    for i, (line, (name, values)) in enumerate(zip(ax.lines, curves.items())):
        assert line.get_label() == name
        assert_allclose(line.get_xdata(), z)
        assert_allclose(line.get_ydata(), values)
        assert line.get_color() == PALETTE[i]
    assert len({line.get_linestyle() for line in ax.lines[:4]}) == len(LINESTYLES)  # overlapping curves stay visible
    assert [line.get_zorder() for line in ax.lines] == sorted(line.get_zorder() for line in ax.lines)
    assert _legend_texts(ax) == list(curves)
    assert ax.get_xlim() == (-3.0, 3.0)


def test_plot_functions_on_a_given_axes():
    from lecturelib.plotting import plot_functions

    fig, (left, right) = plt.subplots(1, 2)
    x = np.linspace(0, 1, 5)
    assert plot_functions(x, {"f": x, "f'": np.ones(5)}, title="t", ax=right) is right
    assert plt.get_fignums() == [fig.number] and not left.has_data()


@pytest.mark.parametrize(
    ("x", "curves", "error", "match"),
    [
        (np.linspace(0, 1, 5), {}, ValueError, "^curves must hold at least one named curve"),
        (np.linspace(0, 1, 5), {"f": np.ones(4)}, ValueError,
         r"^x and curves\['f'\] must have the same shape, got \(5,\) and \(4,\)"),
        (np.linspace(0, 1, 5), {"f": np.ones(5, dtype=int)}, TypeError, r"^curves\['f'\] must be a floating-point"),
        (np.ones((5, 2)), {"f": np.ones(5)}, ValueError, "^x must be a 1-D array"),
        (np.ones(1), {"f": np.ones(1)}, ValueError, r"^x must hold at least 2 points, got shape \(1,\)"),
    ],
)
def test_plot_functions_bad_input(x, curves, error, match):
    from lecturelib.plotting import plot_functions

    with pytest.raises(error, match=match):
        plot_functions(x, curves, title="t")
    assert plt.get_fignums() == []


STEPS = np.array([0, 5, 10, 20, 40])


@pytest.mark.parametrize(("n_layers", "layers", "want"), [(3, None, [1, 2, 3]), (10, None, [1, 3, 6, 8, 10]),
                                                          (10, (2, 9), [2, 9]), (12, range(1, 13), list(range(1, 13)))])
def test_plot_layer_statistic_over_time_one_distinct_line_per_layer(n_layers, layers, want):
    from lecturelib.plotting import plot_layer_statistic_over_time

    values = np.zeros((len(STEPS), n_layers))  # every layer at zero: the lines coincide
    values[:, -1] = np.linspace(0, 0.5, len(STEPS))
    ax = plot_layer_statistic_over_time(STEPS, values, ylabel="fraction of dead units", title="Dead units",
                                        layers=layers)
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("Dead units", "training step", "fraction of dead units")
    assert _legend_texts(ax) == [f"layer {l}" for l in want]
    assert len(ax.lines) == len(want)
    for line, l in zip(ax.lines, want):
        assert_allclose(line.get_xdata(), STEPS)
        assert_allclose(line.get_ydata(), values[:, l - 1])
    looks = {(line.get_color(), line.get_linestyle(), line.get_marker()) for line in ax.lines}
    assert len(looks) == len(want)  # no line hides another
    assert len({line.get_color() for line in ax.lines}) == min(len(want), 8)
    assert ax.get_yscale() == "linear"


def test_plot_layer_statistic_over_time_log_scale_and_given_axes():
    from lecturelib.plotting import plot_layer_statistic_over_time

    _, ax = plt.subplots()
    out = plot_layer_statistic_over_time(STEPS, np.ones((5, 2)), ylabel="std", logy=True, xlabel="step", ax=ax)
    assert out is ax and ax.get_yscale() == "log" and ax.get_xlabel() == "step"


@pytest.mark.parametrize(
    ("steps", "values", "kwargs", "error", "match"),
    [
        (STEPS, np.ones((4, 2)), {}, ValueError, r"^values must have shape \(5, \*\) \(steps, layers\), got shape \(4, 2\)"),
        (STEPS, np.ones(5), {}, ValueError, "^values must be a 2-D array"),
        (STEPS[::-1], np.ones((5, 2)), {}, ValueError, "^steps must be strictly increasing"),
        (np.array([]), np.ones((0, 2)), {}, ValueError, "^steps must be a non-empty 1-D array of numbers"),
        (STEPS, np.ones((5, 2)), {"layers": (3,)}, ValueError, r"^layers\[i\] must be <= 2, got 3"),
        (STEPS, np.ones((5, 2)), {"layers": ()}, ValueError, "^layers must be a non-empty sequence"),
        (STEPS, np.ones((5, 2)), {"ax": "left"}, TypeError, "^ax must be a matplotlib Axes or None"),
    ],
)
def test_plot_layer_statistic_over_time_bad_input(steps, values, kwargs, error, match):
    from lecturelib.plotting import plot_layer_statistic_over_time

    with pytest.raises(error, match=match):
        plot_layer_statistic_over_time(steps, values, ylabel="y", **kwargs)


def _histograms(n_steps=5, n_layers=4, n_bins=6, seed=0):
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 50, size=(n_steps, n_layers, n_bins))
    counts[:, :, 0] = 0  # an empty bin
    return counts, np.linspace(-3, 3, n_bins + 1)


def test_plot_histograms_by_layer_draws_fractions_per_series():
    from lecturelib.plotting import plot_histograms_by_layer

    counts, edges = _histograms(n_steps=2)
    axes = plot_histograms_by_layer(counts, edges, labels=["at initialization", "after 40 steps"], layers=(1, 4))
    assert [ax.get_title() for ax in axes] == ["layer 1", "layer 4"]
    assert all(ax.get_xlabel() == "activation $a^{(l)}$" for ax in axes)
    assert axes[0].get_ylabel() == "fraction of values in the bin"
    assert _legend_texts(axes[0]) == ["at initialization", "after 40 steps"]
    for ax, l in zip(axes, (1, 4)):
        assert len(ax.patches) == 2 and ax.get_yscale() == "log"
        for s, stairs in enumerate(ax.patches):
            values, got_edges, _ = stairs.get_data()
            assert_allclose(values, counts[s, l - 1] / counts[s, l - 1].sum())
            assert_allclose(got_edges, edges)
        assert ax.patches[0].get_linestyle() != ax.patches[1].get_linestyle()
        assert ax.get_ylim() == pytest.approx((0.5 / counts.sum(axis=2).max(), 1.0))  # fixed by the batch, not the data
        assert ax.get_xlim() == (-3.0, 3.0)


def test_plot_histograms_by_layer_linear_scale_and_errors():
    from lecturelib.plotting import plot_histograms_by_layer

    counts, edges = _histograms(n_steps=1, n_layers=7)
    axes = plot_histograms_by_layer(counts, edges, labels=["trained"], logy=False)
    assert [ax.get_title() for ax in axes] == ["layer 1", "layer 2", "layer 4", "layer 6", "layer 7"]
    assert axes[0].get_yscale() == "linear"
    with pytest.raises(ValueError, match=r"^labels must hold one label per series \(1\), got 'trained'"):
        plot_histograms_by_layer(counts, edges, labels="trained")
    with pytest.raises(ValueError, match=r"^bin_edges must have shape \(7,\) \(n_bins \+ 1,\), got shape \(6,\)"):
        plot_histograms_by_layer(counts, edges[:-1], labels=["a"])
    with pytest.raises(ValueError, match="^histograms must be a 3-D array of counts"):
        plot_histograms_by_layer(counts[0], edges, labels=["a"])
    with pytest.raises(ValueError, match="^histograms must hold counts >= 0"):
        plot_histograms_by_layer(-counts, edges, labels=["a"])
    with pytest.raises(ValueError, match="^bin_edges must be strictly increasing"):
        plot_histograms_by_layer(counts, edges[::-1], labels=["a"])
    _, given = plt.subplots(1, 2)
    with pytest.raises(ValueError, match=r"^axes must hold one matplotlib Axes per layer \(5\), got 2 items"):
        plot_histograms_by_layer(counts, edges, labels=["a"], axes=given)


@pytest.mark.parametrize("steps", [STEPS, np.array([3])])
def test_plot_activation_histograms_over_time_one_image_per_layer(steps):
    from matplotlib.colors import LogNorm

    from lecturelib.plotting import plot_activation_histograms_over_time

    counts, edges = _histograms(n_steps=len(steps))
    axes = plot_activation_histograms_over_time(steps, counts, edges, layers=(2, 4), title="Activations over time")
    assert [ax.get_title() for ax in axes] == ["layer 2", "layer 4"]
    assert all(ax.get_xlabel() == "training step" for ax in axes) and axes[0].get_ylabel() == "activation $a^{(l)}$"
    figure = axes[0].figure
    assert figure.get_suptitle() == "Activations over time"
    for ax, l in zip(axes, (2, 4)):
        (mesh,) = ax.collections
        shown = mesh.get_array()
        assert_allclose(shown.filled(0).reshape(len(edges) - 1, len(steps)), counts[:, l - 1].T)
        assert shown.mask.reshape(len(edges) - 1, len(steps))[0].all()  # empty bins are masked: white
        assert isinstance(mesh.norm, LogNorm) and mesh.norm.vmin == 1.0
        assert mesh.norm.vmax == counts[:, [1, 3]].max()  # one colour scale shared by the panels
        assert mesh.get_cmap().name == "viridis"
        assert_allclose(ax.get_ylim(), (-3.0, 3.0))
        x0, x1 = ax.get_xlim()
        assert x0 < steps[0] and x1 > steps[-1]  # each step has a column around it
    (colorbar,) = [ax for ax in figure.axes if ax not in axes]
    assert colorbar.get_ylabel() == "values per bin (log scale)"


def test_plot_activation_histograms_over_time_errors_and_given_axes():
    from lecturelib.plotting import plot_activation_histograms_over_time

    counts, edges = _histograms()
    with pytest.raises(ValueError, match=r"^histograms must have one row per step \(4\), got shape \(5, 4, 6\)"):
        plot_activation_histograms_over_time(STEPS[:4], counts, edges)
    with pytest.raises(ValueError, match=r"^layers\[i\] must be >= 1, got 0"):
        plot_activation_histograms_over_time(STEPS, counts, edges, layers=(0,))
    assert plt.get_fignums() == []
    fig, given = plt.subplots(1, 2)
    axes = plot_activation_histograms_over_time(STEPS, counts, edges, layers=(1, 3), axes=given, cmap="cividis")
    assert axes == list(given) and plt.get_fignums() == [fig.number]
    assert axes[0].collections[0].get_cmap().name == "cividis"
    assert fig.get_suptitle() == ""


def test_statistics_plots_are_public():
    import lecturelib.plotting as plotting

    assert {"plot_functions", "plot_layer_statistic_over_time", "plot_histograms_by_layer",
            "plot_activation_histograms_over_time"} <= set(plotting.__all__)


# ---------------------------------------------------------------- batch norm's running statistics


def _stream(**kwargs):
    from lecturelib.normalization import batchnorm_stream

    return batchnorm_stream(**(dict(batch_size=16, steps=50, rng=np.random.default_rng(0)) | kwargs))


@pytest.mark.parametrize("mode", ["eval", "train"])
@pytest.mark.parametrize("momentum, label", [(0.1, "0.1"), (None, "None (cumulative)")])
def test_plot_batchnorm_stream_draws_both_panels(mode, momentum, label):
    from lecturelib.plotting import plot_batchnorm_stream

    stream = _stream(momentum=momentum)
    axes = plot_batchnorm_stream(stream, mode=mode)
    assert len(axes) == 2 and all(isinstance(ax, Axes) for ax in axes)
    left, right = axes
    assert left.get_title() == f"Running mean over training\nbatch size 16, momentum {label}"
    assert (left.get_xlabel(), left.get_ylabel()) == ("training step", "feature value")
    assert _legend_texts(left) == ["running mean", "batch mean", "true mean (3)"]
    running, true_mean = left.lines
    assert_allclose(running.get_xdata(), np.arange(1, 51))
    assert_allclose(running.get_ydata(), stream.running_mean)
    assert_allclose(true_mean.get_ydata(), [3.0, 3.0])
    assert true_mean.get_linestyle() == "--"
    (dots,) = left.collections
    assert_allclose(dots.get_offsets(), np.c_[np.arange(1, 51), stream.batch_means])
    assert dots.get_zorder() > running.get_zorder()  # the dots stay visible where they sit on the line
    assert left.get_ylim() == (-3.0, 9.0)  # the true mean +- 3 std, fixed whatever the settings

    assert right.get_title().startswith(f"Outputs in {mode} mode, normalized with\n")
    assert (right.get_xlabel(), right.get_ylabel()) == ("batch-norm output (scale 1, shift 0)", "density")
    assert _legend_texts(right) == [f"outputs in {mode} mode", "standard normal density"]
    (histogram,) = right.patches
    (normal,) = right.lines
    assert_allclose(normal.get_ydata().max(), 1 / np.sqrt(2 * np.pi), rtol=1e-4)
    assert to_rgba(histogram.get_facecolor())[:3] == to_rgb(PALETTE[0])
    assert (right.get_xlim(), right.get_ylim()) == ((-4.0, 4.0), (0.0, 1.0))
    assert len(right.texts) == 0  # nothing beyond +-4 here


def test_plot_batchnorm_stream_histogram_is_a_density_over_all_outputs():
    from lecturelib.plotting import plot_batchnorm_stream

    stream = _stream(batch_size=2, momentum=1.0, steps=3, n_test=500, rng=np.random.default_rng(3))
    _, right = plot_batchnorm_stream(stream)
    outside = int(np.sum(np.abs(stream.eval_out) > 4))
    assert outside > 0  # with a batch of 2 as the running statistics, some outputs land far out
    (note,) = right.texts
    assert note.get_text().startswith(f"{outside} of 500 outputs")
    (histogram,) = right.patches
    xy = histogram.get_xy()
    tops = xy[1:-1:2, 1]  # the stepfilled outline's top: one height per bin
    assert_allclose(tops.sum() * 8 / 64, 1 - outside / 500, rtol=1e-9)


def test_plot_batchnorm_stream_on_given_axes_and_errors():
    from lecturelib.plotting import plot_batchnorm_stream

    stream = _stream()
    _, given = plt.subplots(1, 2)
    assert plot_batchnorm_stream(stream, mode="train", axes=given) == list(given)
    with pytest.raises(ValueError, match=r"^mode must be one of \['eval', 'train', 'both'\], got 'test'"):
        plot_batchnorm_stream(stream, mode="test")
    with pytest.raises(ValueError, match="^axes must hold 2 matplotlib Axes"):
        plot_batchnorm_stream(stream, axes=given[:1])
    with pytest.raises(TypeError, match="^stream must be the BatchNormStream"):
        plot_batchnorm_stream({"running_mean": np.zeros(3)})


def test_plot_batchnorm_stream_is_public():
    import lecturelib.plotting as plotting

    assert "plot_batchnorm_stream" in plotting.__all__


def test_plot_batchnorm_stream_both_modes_side_by_side():
    from lecturelib.normalization import batchnorm_stream
    from lecturelib.plotting import plot_batchnorm_stream
    stream = batchnorm_stream(batch_size=4, rng=np.random.default_rng(0))
    left, train_ax, eval_ax = plot_batchnorm_stream(stream, mode="both")
    assert "train mode" in train_ax.get_title() and "eval mode" in eval_ax.get_title()
    assert train_ax.get_legend_handles_labels()[1][0] == "outputs in train mode"
    assert eval_ax.get_legend_handles_labels()[1][0] == "outputs in eval mode"
    # the two histograms differ: batch statistics against running statistics
    outlines = [ax.patches[0].get_xy() for ax in (train_ax, eval_ax)]
    assert outlines[0].shape != outlines[1].shape or not np.allclose(*outlines)
    fig, two = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="axes must hold 3 matplotlib Axes"):
        plot_batchnorm_stream(stream, mode="both", axes=two)
    plt.close("all")


# ---------------------------------------------------------------- optimizers on test functions


def _runs(problem, x0, steps=40, **makers):
    from lecturelib.problems import run_optimizer

    return {label: run_optimizer(problem, np.array(x0), make_optimizer=make, steps=steps)
            for label, make in makers.items()}


def test_plot_optimizer_runs_draws_contours_paths_and_losses():
    from functools import partial

    from lecturelib import optim
    from lecturelib.plotting import plot_optimizer_runs
    from lecturelib.problems import rosenbrock

    p = rosenbrock()
    runs = _runs(p, (-1.2, 1.0), SGD=partial(optim.SGD, lr=1e-3), Adam=partial(optim.Adam, lr=0.1))
    axes = plot_optimizer_runs(p, runs, xlim=(-2, 2), ylim=(-1, 3), loss_ylim=(1e-8, 1e4))
    assert len(axes) == 2 and all(isinstance(ax, Axes) for ax in axes)
    left, right = axes
    assert left.collections, "contour lines"
    assert (left.get_xlim(), left.get_ylim()) == ((-2.0, 2.0), (-1.0, 3.0))
    assert (left.get_xlabel(), left.get_ylabel(), left.get_title()) == ("$x_1$", "$x_2$", p.name)
    minimum, start, sgd, adam = left.lines
    assert_allclose(minimum.get_xydata(), [[1.0, 1.0]])
    assert_allclose(start.get_xydata(), [[-1.2, 1.0]])
    for line, run in zip((sgd, adam), runs.values()):
        assert_allclose(line.get_xydata(), run.path)
    for line, run in zip(right.lines, runs.values()):
        assert_allclose(line.get_xdata(), np.arange(41))
        assert_allclose(line.get_ydata(), run.losses)
    # no path hides the other: colour, style, marker and width all differ
    assert sgd.get_color() != adam.get_color() and sgd.get_linestyle() != adam.get_linestyle()
    assert sgd.get_marker() != adam.get_marker() and sgd.get_linewidth() > adam.get_linewidth()
    assert right.get_yscale() == "log" and right.get_ylim() == (1e-8, 1e4) and right.get_xlim() == (0, 40)
    assert (right.get_xlabel(), right.get_ylabel()) == ("step", "loss $f(x)$")
    assert _legend_texts(right) == ["SGD", "Adam"]  # the loss panel lists only what it draws
    assert _legend_texts(left) == ["minimum", "start"]


def test_plot_optimizer_runs_log_contours_are_evenly_spaced_in_log():
    from functools import partial

    from lecturelib import optim
    from lecturelib.plotting import plot_optimizer_runs
    from lecturelib.problems import beale

    runs = _runs(beale(), (1.0, 1.5), Adam=partial(optim.Adam, lr=0.1))
    left, _ = plot_optimizer_runs(beale(), runs, xlim=(-0.5, 4.0), ylim=(-1.5, 2.0))
    levels = np.asarray(left.collections[0].levels)
    assert np.all(levels > 0)
    assert_allclose(np.diff(np.log(levels)), np.log(levels[1] / levels[0]), rtol=1e-9)


def test_plot_optimizer_runs_linear_scale_marks_the_saddle():
    from functools import partial

    from lecturelib import optim
    from lecturelib.plotting import plot_optimizer_runs
    from lecturelib.problems import saddle

    runs = _runs(saddle(), (1.0, 1e-3), Adagrad=partial(optim.Adagrad, lr=0.1))
    left, right = plot_optimizer_runs(saddle(), runs, xlim=(-2, 2), ylim=(-2, 2), scale="linear",
                                      loss_ylim=(-4.5, 1.5), max_step=100, title="a saddle")
    assert left.get_title() == "a saddle"
    assert right.get_yscale() == "linear" and right.get_ylim() == (-4.5, 1.5)
    assert right.get_xlim() == (0, 100)  # fixed, longer than the run
    assert _legend_texts(right) == ["Adagrad"]
    assert _legend_texts(left) == ["saddle point", "start"]
    levels = np.asarray(left.collections[0].levels)
    assert levels.min() < 0 < levels.max()


def test_plot_optimizer_runs_shows_where_a_run_diverged():
    from functools import partial

    from lecturelib import optim
    from lecturelib.plotting import plot_optimizer_runs
    from lecturelib.problems import rosenbrock

    runs = _runs(rosenbrock(), (-1.2, 1.0), SGD=partial(optim.SGD, lr=0.01), steps=50)
    (run,) = runs.values()
    assert run.diverged
    n = len(run.losses)
    left, right = plot_optimizer_runs(rosenbrock(), runs, xlim=(-2, 2), ylim=(-1, 3), max_step=50)
    assert _legend_texts(right)[-1] == f"SGD (diverged at step {n})"
    cross = left.lines[-1]
    assert cross.get_marker() == "X"
    assert_allclose(cross.get_xydata(), [run.path[-1]])
    (losses, failed) = right.lines
    assert_allclose(failed.get_xdata(), [n, n])
    assert failed.get_linestyle() == ":"
    assert right.get_xlim() == (0, 50)


def test_plot_optimizer_runs_on_given_axes_without_legend():
    from functools import partial

    from lecturelib import optim
    from lecturelib.plotting import plot_optimizer_runs
    from lecturelib.problems import quadratic

    p = quadratic(lam_min=1.0, lam_max=10.0)
    runs = _runs(p, (1.0, 1.0), GD=partial(optim.SGD, lr=0.05))
    _, given = plt.subplots(2, 1)
    assert plot_optimizer_runs(p, runs, xlim=(-1, 1), ylim=(-1, 1), axes=given, legend=False) == list(given)
    assert given[0].get_legend() is None and given[1].get_legend() is None


@pytest.mark.parametrize("change, error, match", [
    (dict(problem="rosenbrock"), TypeError, "^problem must be a lecturelib.problems.Problem"),
    (dict(runs={}), ValueError, "^runs must be a non-empty mapping"),
    (dict(runs={"a": np.zeros((3, 2))}), TypeError, r"^runs\['a'\] must be an OptimizerRun"),
    (dict(xlim=(2, -2)), ValueError, "^xlim must have low < high"),
    (dict(ylim=(0, 1, 2)), ValueError, r"^ylim must be a pair \(low, high\)"),
    (dict(scale="symlog"), ValueError, r"^scale must be one of \['log', 'linear'\], got 'symlog'"),
    (dict(loss_ylim=(0, 10)), ValueError, "^loss_ylim must be positive with scale='log'"),
    (dict(max_step=0), ValueError, "^max_step must be >= 1, got 0"),
    (dict(axes=[None]), ValueError, r"^axes must hold 2 matplotlib Axes \(contours, losses\)"),
])
def test_plot_optimizer_runs_bad_input(change, error, match):
    from functools import partial

    from lecturelib import optim
    from lecturelib.plotting import plot_optimizer_runs
    from lecturelib.problems import rosenbrock

    kwargs = dict(problem=rosenbrock(), runs=_runs(rosenbrock(), (0.0, 0.0), A=partial(optim.Adam, lr=0.1),
                                                   steps=3), xlim=(-2, 2), ylim=(-1, 3)) | change
    with pytest.raises(error, match=match):
        plot_optimizer_runs(**kwargs)


def test_plot_optimizer_runs_is_public():
    import lecturelib.plotting as plotting

    assert "plot_optimizer_runs" in plotting.__all__


# ---------------------------------------------------------------- learning curves


def _learning_history(n=12, noise=0.0, seed=0):
    from lecturelib.history import History

    rng = np.random.default_rng(seed)
    h = History()
    for t in range(n):
        loss = 2.3 * np.exp(-t / 3) + 0.1
        h.record(t, loss=loss, accuracy=1 - loss / 2.4, val_loss=loss + 0.05 * t + noise * rng.standard_normal(),
                 val_accuracy=0.9 * (1 - loss / 2.4))
    return h


def test_plot_learning_curves_draws_both_metrics_of_both_sets():
    from lecturelib.plotting import plot_learning_curves

    h = _learning_history()
    axes = plot_learning_curves(h, loss_ylim=(0, 4))
    assert len(axes) == 2 and all(isinstance(ax, Axes) for ax in axes)
    for ax, metric in zip(axes, ("loss", "accuracy")):
        train, val = ax.lines
        for line, name in ((train, metric), (val, "val_" + metric)):
            assert_allclose(line.get_xdata(), np.arange(12))
            assert_allclose(line.get_ydata(), h[name])
        assert _legend_texts(ax) == ["training", "validation"]
        assert (to_rgba(train.get_color()), to_rgba(val.get_color())) == (to_rgba(PALETTE[0]), to_rgba(PALETTE[1]))
        assert train.get_linestyle() != val.get_linestyle()
        assert ax.get_xlabel() == "epoch" and ax.get_xlim() == (0, 11)
    assert [ax.get_ylabel() for ax in axes] == ["cross-entropy loss", "accuracy"]
    assert [ax.get_title() for ax in axes] == ["Loss", "Accuracy"]
    assert axes[0].get_ylim() == (0, 4) and axes[1].get_ylim() == (0, 1)
    assert axes[0].figure is axes[1].figure and axes[0].figure.get_suptitle() == "Learning curves"


@pytest.mark.parametrize(("label", "detail", "title", "want"), [
    ("overfit", None, None, "Learning curves\ndiagnosis: overfit"),
    ("underfit", "still improving", "dropout 0.5", "dropout 0.5\ndiagnosis: underfit (still improving)"),
    (None, None, "no diagnosis", "no diagnosis"),
])
def test_plot_learning_curves_names_the_diagnosis_in_the_heading(label, detail, title, want):
    from dataclasses import replace

    from lecturelib.diagnostics import diagnose_learning_curves
    from lecturelib.plotting import plot_learning_curves

    h = _learning_history(20)
    diagnosis = None if label is None else replace(diagnose_learning_curves(h), label=label, detail=detail)
    loss, _ = plot_learning_curves(h, diagnosis=diagnosis, title=title)
    assert loss.figure.get_suptitle() == want


def test_plot_learning_curves_heading_of_the_real_diagnosis():
    from lecturelib.diagnostics import diagnose_learning_curves
    from lecturelib.plotting import plot_learning_curves

    h = _learning_history(30)
    diagnosis = diagnose_learning_curves(h)
    assert diagnosis.label == "overfit"
    loss, _ = plot_learning_curves(h, diagnosis=diagnosis)
    assert loss.figure.get_suptitle().endswith("diagnosis: overfit")


def test_plot_learning_curves_in_subfigures_with_free_limits():
    from lecturelib.plotting import plot_learning_curves

    fig = plt.figure()
    top, bottom = fig.subfigures(2, 1)
    given = top.subplots(1, 2)
    h = _learning_history(8, noise=0.2)
    assert plot_learning_curves(h, axes=given, acc_ylim=None, title="first") == list(given)
    plot_learning_curves(_learning_history(5), axes=bottom.subplots(1, 2), title="second")
    assert (top.get_suptitle(), bottom.get_suptitle()) == ("first", "second")
    loss, accuracy = given
    low, high = loss.get_ylim()
    assert low <= h["loss"].min() and high >= h["val_loss"].max() and high < 4  # matplotlib's own limits
    assert accuracy.get_ylim() != (0, 1)


@pytest.mark.parametrize(("change", "error", "match"), [
    (dict(history={"loss": [1.0]}), TypeError, "^history must be a lecturelib.history.History, got dict"),
    (dict(history="no val"), ValueError, "^history must record loss, val_loss, accuracy and val_accuracy"),
    (dict(history="empty"), ValueError, "^history must record loss, val_loss, accuracy and val_accuracy"),
    (dict(diagnosis="overfit"), TypeError, "^diagnosis must be a Diagnosis from diagnose_learning_curves or None"),
    (dict(title=3), TypeError, "^title must be a str or None, got int"),
    (dict(loss_ylim=(4, 0)), ValueError, "^loss_ylim must have low < high"),
    (dict(acc_ylim=(0, 1, 2)), ValueError, r"^acc_ylim must be a pair \(low, high\)"),
    (dict(axes="one"), ValueError, r"^axes must hold 2 matplotlib Axes \(loss, accuracy\) of one figure, got 1"),
    (dict(axes="two figures"), ValueError, r"^axes must hold 2 matplotlib Axes \(loss, accuracy\) of one figure"),
])
def test_plot_learning_curves_bad_input(change, error, match):
    from lecturelib.history import History
    from lecturelib.plotting import plot_learning_curves

    no_val = History()
    no_val.record(0, loss=2.3, accuracy=0.1)
    examples = {"no val": no_val, "empty": History(), "one": [plt.subplots()[1]],
                "two figures": [plt.subplots()[1], plt.subplots()[1]]}
    kwargs = dict(history=_learning_history()) | change
    kwargs = {k: examples.get(v, v) if isinstance(v, str) else v for k, v in kwargs.items()}
    with pytest.raises(error, match=match):
        plot_learning_curves(**kwargs)


def test_plot_learning_curves_is_public():
    import lecturelib.plotting as plotting

    assert "plot_learning_curves" in plotting.__all__
