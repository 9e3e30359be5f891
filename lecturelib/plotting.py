"""Plots for the book. Each function draws data it is given onto ``ax``.

Conventions: ``ax=None`` draws on a new figure, the ``Axes`` is returned, and
nothing here calls ``plt.show()`` or runs an experiment.  Colours come from
the Okabe-Ito palette, which stays distinguishable under the common forms of
colour blindness (Okabe & Ito, 2008).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap, LogNorm
from matplotlib.ticker import MaxNLocator, NullLocator

from ._validation import (as_float_array, as_labels, check_int, check_number, check_option, check_same_shape,
                          check_shape)
from .diagnostics import Diagnosis
from .history import History
from .normalization import BatchNormStream
from .problems import OptimizerRun, Problem

__all__ = [
    "PALETTE",
    "color",
    "plot_decision_boundary",
    "plot_curves",
    "plot_layer_profile",
    "plot_profiles_by_activation",
    "plot_layer_histograms",
    "plot_functions",
    "plot_layer_statistic_over_time",
    "plot_histograms_by_layer",
    "plot_activation_histograms_over_time",
    "plot_points",
    "plot_image_grid",
    "plot_signal_grid",
    "plot_batchnorm_stream",
    "plot_optimizer_runs",
    "plot_learning_curves",
]

#: Okabe-Ito colour-blind-safe palette (black last).
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)


#: Markers and line styles cycled with the colours, so that no series hides another.
MARKERS = "osD^vP*X"
LINESTYLES = ("-", "--", "-.", ":")


def color(i: int) -> str:
    """The ``i``-th colour of :data:`PALETTE` (cycling)."""
    return PALETTE[check_int(i, "i", low=0) % len(PALETTE)]


def _style(i: int) -> dict[str, str]:
    """Colour, line style and marker of series ``i``: no two of the first 32 series look alike."""
    shift = i + i // len(PALETTE)  # after a full round of colours, the styles move on by one
    return {"color": color(i), "linestyle": LINESTYLES[shift % len(LINESTYLES)], "marker": MARKERS[shift % len(MARKERS)]}


def _new_ax(ax: Axes | None, figsize: tuple[float, float] = (5.0, 3.5)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def plot_decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    *,
    ax: Axes | None = None,
    resolution: int = 200,
    margin: float = 0.5,
    title: str = "Decision regions",
) -> Axes:
    """Colour the plane by ``predict`` and scatter the labelled points on top.

    Parameters
    ----------
    predict : callable
        Maps an array of points ``(M, 2)`` to class indices ``(M,)``.
    x : ndarray, shape (N, 2)
    y : ndarray of int, shape (N,)
    resolution : int, default 200
        Grid points per axis.
    margin : float, default 0.5
        Padding around the data, in data units.
    """
    x = as_float_array(x, "x", ndim=2)
    check_shape(x, "x", (None, 2), meaning="points in the plane")
    y = as_labels(y, "y", n_rows=len(x))
    resolution = check_int(resolution, "resolution", low=2)
    ax = _new_ax(ax, (4.5, 4.0))
    (x0, y0), (x1, y1) = x.min(axis=0) - margin, x.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    zz = np.asarray(predict(np.c_[xx.ravel(), yy.ravel()])).reshape(xx.shape)
    classes = np.unique(y)
    cmap = ListedColormap([PALETTE[int(c) % len(PALETTE)] for c in range(int(classes.max()) + 1)])
    ax.contourf(xx, yy, zz, levels=np.arange(classes.max() + 2) - 0.5, cmap=cmap, alpha=0.25)
    for c in classes:
        mask = y == c
        ax.scatter(x[mask, 0], x[mask, 1], s=12, color=color(int(c)), edgecolor="white", linewidth=0.3,
                   label=f"class {int(c)}")
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=title, xlim=(x0, x1), ylim=(y0, y1))
    ax.legend(loc="upper right", fontsize="small", framealpha=0.8)
    return ax


def plot_curves(
    curves: Mapping[str, Sequence[float] | np.ndarray],
    *,
    x: Sequence[float] | np.ndarray | None = None,
    ax: Axes | None = None,
    xlabel: str = "step",
    ylabel: str = "loss",
    title: str = "",
    logy: bool = False,
    hline: float | None = None,
    hline_label: str | None = None,
) -> Axes:
    """Draw one line per entry of ``curves`` (e.g. training and validation loss).

    Parameters
    ----------
    curves : mapping of label -> 1-D array
    x : 1-D array, optional
        Shared x values (steps or epochs); default ``0, 1, ...``.
    hline : float, optional
        A reference level to draw dashed (e.g. the chance-level loss ``ln 10``).
    """
    ax = _new_ax(ax)
    for i, (label, values) in enumerate(curves.items()):
        values = np.asarray(values, dtype=float)
        xs = np.arange(len(values)) if x is None else np.asarray(x)
        ax.plot(xs, values, color=color(i), label=label, linewidth=1.6,
                linestyle=LINESTYLES[i % len(LINESTYLES)])
    if hline is not None:
        ax.axhline(hline, color="0.4", linestyle=(0, (1, 3)), linewidth=1, label=hline_label)
    if logy:
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return ax


def plot_layer_profile(
    profiles: Mapping[str, Sequence[float] | np.ndarray],
    *,
    ax: Axes | None = None,
    ylabel: str = "gradient norm",
    title: str = "",
    logy: bool = True,
    xlabel: str = "layer $l$ (1 = next to the input)",
) -> Axes:
    """Draw a per-layer quantity (one value per layer) for several networks.

    Each series gets its own colour, marker *and* line style, so two series
    that coincide stay visible (a dashed line over a solid one).

    Parameters
    ----------
    profiles : mapping of label -> 1-D array, or -> band
        ``profiles[label][l - 1]`` is the value at layer ``l``. A band is any
        object with ``median``, ``low`` and ``high`` arrays (such as
        :class:`lecturelib.diagnostics.SeedBand`): its median is drawn as the
        line and the range from ``low`` to ``high`` as a shaded area.
    """
    ax = _new_ax(ax)
    for i, (label, values) in enumerate(profiles.items()):
        band = values if hasattr(values, "median") else None
        values = np.asarray(band.median if band is not None else values, dtype=float)
        layers = np.arange(1, len(values) + 1)
        ax.plot(layers, values, marker=MARKERS[i % len(MARKERS)], markersize=4, color=color(i),
                linestyle=LINESTYLES[i % len(LINESTYLES)], label=label)
        if band is not None:
            ax.fill_between(layers, np.asarray(band.low, dtype=float), np.asarray(band.high, dtype=float),
                            color=color(i), alpha=0.18, linewidth=0)
    if logy:
        ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # layers are whole numbers
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3, which="both")
    return ax


def plot_profiles_by_activation(
    profiles: Mapping[str, Mapping[str, object]],
    *,
    axes: Sequence[Axes] | None = None,
    ylabel: str = "spread of activations across examples",
    title_suffix: str = "",
) -> list[Axes]:
    """One panel per activation, one line (or band) per initializer: the explorer's layout.

    The live widget (:func:`lecturelib.widgets.init_explorer`) draws one panel
    of this layout, the book's static figure all of them, so both show the
    same thing the same way.

    Parameters
    ----------
    profiles : mapping activation -> mapping label -> 1-D array or band
        As for :func:`plot_layer_profile`, one mapping per panel.
    axes : sequence of Axes, optional
        One per activation; by default a new row of panels, each with its own
        y range (the activations differ by orders of magnitude).
    ylabel : str
    title_suffix : str
        Appended to each panel's title (the activation's name).

    Returns
    -------
    list of Axes
    """
    if not profiles:
        raise ValueError("profiles must hold at least one activation, got an empty mapping")
    if axes is None:
        _, axes = plt.subplots(1, len(profiles), figsize=(4.2 * len(profiles), 3.6),
                               layout="constrained", squeeze=False)
        axes = list(axes[0])
    axes = list(axes)
    if len(axes) != len(profiles):
        raise ValueError(f"axes must have one Axes per activation ({len(profiles)}), got {len(axes)}")
    for ax, (activation, series) in zip(axes, profiles.items()):
        plot_layer_profile(series, ax=ax, ylabel=ylabel, title=f"{activation}{title_suffix}")
    return axes


def plot_layer_histograms(
    hidden: Sequence[np.ndarray],
    *,
    layers: Sequence[int] | None = None,
    axes: Sequence[Axes] | None = None,
    bins: int = 41,
    value_range: tuple[float, float] | None = None,
    label: str = "",
    color_index: int = 0,
) -> list[Axes]:
    """One histogram per selected layer: the distribution of its activations.

    Parameters
    ----------
    hidden : sequence of ndarray
        ``hidden[l - 1]`` holds the activations ``a^(l)`` of hidden layer ``l``.
    layers : sequence of int, optional
        1-based layer numbers to draw; default up to five evenly spaced layers.
    axes : sequence of Axes, optional
        One per selected layer; default a new row of panels.
    value_range : (float, float), optional
        Histogram range; default the range of the values drawn.
    label : str
        Legend label (drawn in the first panel), e.g. the initialization.
    color_index : int
        Colour of :data:`PALETTE` to use.

    Returns
    -------
    list of Axes
    """
    if not hidden:
        raise ValueError("hidden must hold at least one layer's activations, got an empty sequence")
    layers = _choose_layers(layers, len(hidden))
    if axes is None:
        _, axes = plt.subplots(1, len(layers), figsize=(2.2 * len(layers), 2.4), sharey=True,
                               layout="constrained", squeeze=False)
        axes = list(axes[0])
    if len(axes) != len(layers):
        raise ValueError(f"axes must have one Axes per layer ({len(layers)}), got {len(axes)}")
    if value_range is None:
        lo = min(float(hidden[l - 1].min()) for l in layers)
        hi = max(float(hidden[l - 1].max()) for l in layers)
        value_range = (lo, hi) if hi > lo else (lo - 1.0, hi + 1.0)
    for ax, l in zip(axes, layers):
        values = np.asarray(hidden[l - 1]).ravel()
        ax.hist(values, bins=bins, range=value_range, density=True, histtype="step",
                color=color(color_index), linewidth=1.4, label=label or None)
        ax.set_title(f"layer {l}: std {values.std():.2g}", fontsize="small")
        ax.set_xlabel("activation $a^{(l)}$")
    axes[0].set_ylabel("density")
    if label:
        axes[0].legend(fontsize="x-small")
    return list(axes)


def _choose_layers(layers: Sequence[int] | None, n: int) -> list[int]:
    """``layers`` (1-based) checked against ``n`` layers, or up to five evenly spaced ones from 1 to ``n``."""
    if layers is None:
        return sorted({int(round(v)) for v in np.linspace(1, n, min(n, 5))})
    if isinstance(layers, (str, bytes)) or len(layers) == 0:
        raise ValueError(f"layers must be a non-empty sequence of layer numbers, got {layers!r}")
    return [check_int(l, "layers[i]", low=1, high=n) for l in layers]


def _panels(n: int, axes: Sequence[Axes] | None, panel_size: tuple[float, float], **subplot_kw: object) -> list[Axes]:
    """``axes`` checked to hold one Axes per layer, or a new row of ``n`` panels."""
    if axes is None:
        _, row = plt.subplots(1, n, figsize=(panel_size[0] * n, panel_size[1]), layout="constrained",
                              squeeze=False, **subplot_kw)
        return list(row[0])
    axes = list(axes)
    if len(axes) != n or not all(isinstance(ax, Axes) for ax in axes):
        raise ValueError(f"axes must hold one matplotlib Axes per layer ({n}), got {len(axes)} items")
    return axes


def plot_functions(
    x: np.ndarray,
    curves: Mapping[str, np.ndarray],
    *,
    title: str,
    xlabel: str = "$x$",
    ylabel: str = "$f(x)$",
    ax: Axes | None = None,
) -> Axes:
    """Draw several named functions over the same ``x``, e.g. activation functions or their derivatives.

    Each curve gets its own colour *and* line style (solid, dashed,
    dash-dotted, dotted), drawn in order so that a later, broken line runs
    on top of an earlier one: curves that coincide over part of the range
    (ReLU, leaky ReLU and GELU for large ``x``) all stay visible.

    Parameters
    ----------
    x : ndarray, shape (M,)
        Shared inputs, e.g. ``np.linspace(-4, 4, 401)``.
    curves : mapping of str -> ndarray of shape (M,)
        ``curves[name][i]`` is the value at ``x[i]``; the names label the legend
        (in words: ``"leaky ReLU"``, ``"derivative of tanh"``).
    title, xlabel, ylabel : str

    Returns
    -------
    Axes

    Examples
    --------
    >>> z = np.linspace(-3, 3, 61)
    >>> ax = plot_functions(z, {"ReLU": np.maximum(z, 0), "tanh": np.tanh(z)}, title="Two activations")
    >>> [line.get_label() for line in ax.lines]
    ['ReLU', 'tanh']
    """
    x = as_float_array(x, "x", ndim=1)
    if len(x) < 2:
        raise ValueError(f"x must hold at least 2 points, got shape {x.shape}")
    if not curves:
        raise ValueError("curves must hold at least one named curve, got an empty mapping")
    values = {}
    for name, y in curves.items():
        y = as_float_array(y, f"curves[{name!r}]", ndim=1, allow_nan=True)
        check_same_shape(x, "x", y, f"curves[{name!r}]")
        values[name] = y
    ax = _new_ax(ax)
    for i, (name, y) in enumerate(values.items()):
        style = _style(i)
        ax.plot(x, y, color=style["color"], linestyle=style["linestyle"], linewidth=1.8, label=name,
                zorder=2 + i)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title, xlim=(x.min(), x.max()))
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return ax


def plot_layer_statistic_over_time(
    steps: np.ndarray,
    values: np.ndarray,
    *,
    ylabel: str,
    title: str = "",
    layers: Sequence[int] | None = None,
    xlabel: str = "training step",
    logy: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Draw a per-layer statistic against training step, one line per layer.

    For instance the fraction of saturated or dead units that an
    :class:`~lecturelib.torchkit.hooks.ActivationRecorder` recorded:
    ``plot_layer_statistic_over_time(trace.steps, trace.frac_dead, ylabel="fraction of dead units")``.
    Each layer gets its own colour, line style *and* marker (the markers of
    different layers sit at different steps), so layers whose values
    coincide, such as several at zero, all stay visible.

    Parameters
    ----------
    steps : ndarray, shape (T,)
        Steps at which the statistic was recorded, increasing.
    values : ndarray, shape (T, L)
        ``values[t, l - 1]`` is the statistic of hidden layer ``l`` at ``steps[t]``.
    ylabel : str
        What the statistic is, in words.
    title : str
    layers : sequence of int, optional
        1-based layers to draw; default up to five evenly spaced layers from 1 to ``L``.
    xlabel : str, default "training step"
    logy : bool, default False

    Returns
    -------
    Axes
    """
    steps = _as_steps(steps)
    values = as_float_array(values, "values", ndim=2, allow_nan=True)
    check_shape(values, "values", (len(steps), None), meaning="(steps, layers)")
    layers = _choose_layers(layers, values.shape[1])
    ax = _new_ax(ax)
    stride = max(1, len(steps) // 8)  # about 8 markers per line, staggered from line to line
    for i, l in enumerate(layers):
        ax.plot(steps, values[:, l - 1], markersize=4, linewidth=1.5, label=f"layer {l}",
                markevery=(i % stride, stride), **_style(i))
    if logy:
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return ax


def _as_steps(steps: np.ndarray) -> np.ndarray:
    steps = np.asarray(steps)
    if steps.dtype.kind not in "iuf" or steps.ndim != 1 or len(steps) == 0:
        raise ValueError(f"steps must be a non-empty 1-D array of numbers, got dtype {steps.dtype} "
                         f"and shape {steps.shape}")
    if np.any(np.diff(steps) <= 0):
        raise ValueError(f"steps must be strictly increasing, got {steps}")
    return steps


def _check_histograms(histograms: np.ndarray, bin_edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counts of shape ``(S, L, n_bins)`` and their ``n_bins + 1`` increasing edges."""
    histograms = np.asarray(histograms)
    if histograms.dtype.kind not in "iuf" or histograms.ndim != 3:
        raise ValueError(f"histograms must be a 3-D array of counts, got dtype {histograms.dtype} "
                         f"and shape {histograms.shape}")
    if np.any(histograms < 0):
        raise ValueError("histograms must hold counts >= 0, got a negative entry")
    bin_edges = as_float_array(bin_edges, "bin_edges", ndim=1)
    check_shape(bin_edges, "bin_edges", (histograms.shape[2] + 1,), meaning="(n_bins + 1,)")
    if np.any(np.diff(bin_edges) <= 0):
        raise ValueError(f"bin_edges must be strictly increasing, got {bin_edges}")
    return histograms, bin_edges


def plot_histograms_by_layer(
    histograms: np.ndarray,
    bin_edges: np.ndarray,
    *,
    labels: Sequence[str],
    layers: Sequence[int] | None = None,
    logy: bool = True,
    xlabel: str = "activation $a^{(l)}$",
    axes: Sequence[Axes] | None = None,
) -> list[Axes]:
    """One panel per layer, one histogram line per series (e.g. at initialization and after training).

    Counts are drawn as the *fraction* of the layer's values in each bin, as
    steps over the bins, so that layers of different widths compare.  With
    ``logy`` the y axis runs from half the smallest non-zero fraction
    possible (one value) to 1, the same for every call on the same batch:
    moving a control shows a real change.  The end bins also hold the values
    beyond them (:func:`lecturelib.torchkit.hooks.activation_statistics`
    clips them in).

    Parameters
    ----------
    histograms : ndarray, shape (S, L, n_bins)
        Counts of series ``s`` at layer ``l`` in ``histograms[s, l - 1]``, e.g.
        ``trace.histograms`` of an
        :class:`~lecturelib.torchkit.hooks.ActivationTrace` with one series per recorded step.
    bin_edges : ndarray, shape (n_bins + 1,)
    labels : sequence of str, length S
        Legend labels in words (``"at initialization"``, ``"after 40 steps"``).
    layers : sequence of int, optional
        1-based layers to draw; default up to five evenly spaced layers.
    logy : bool, default True
    xlabel : str
    axes : sequence of Axes, optional
        One per layer; default a new row of panels sharing the y axis.

    Returns
    -------
    list of Axes
    """
    histograms, bin_edges = _check_histograms(histograms, bin_edges)
    if isinstance(labels, str) or len(labels) != histograms.shape[0]:
        raise ValueError(f"labels must hold one label per series ({histograms.shape[0]}), got {labels!r}")
    layers = _choose_layers(layers, histograms.shape[1])
    axes = _panels(len(layers), axes, (2.6, 2.6), sharey=True)
    totals = histograms.sum(axis=2, keepdims=True)
    fractions = histograms / np.maximum(totals, 1)
    for ax, l in zip(axes, layers):
        for s, label in enumerate(labels):
            style = _style(s)
            # each later series drawn thinner and on top, so an earlier one that it covers still shows
            ax.stairs(fractions[s, l - 1], bin_edges, color=style["color"], linestyle=style["linestyle"],
                      linewidth=max(3.0 - 0.8 * s, 1.2), label=label, zorder=2 + s)
        ax.set(title=f"layer {l}", xlabel=xlabel, xlim=(bin_edges[0], bin_edges[-1]))
        if logy:
            ax.set_yscale("log")
            ax.set_ylim(0.5 / max(int(totals.max()), 1), 1.0)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("fraction of values in the bin")
    axes[0].legend(fontsize="x-small")
    return axes


def plot_activation_histograms_over_time(
    steps: np.ndarray,
    histograms: np.ndarray,
    bin_edges: np.ndarray,
    *,
    layers: Sequence[int] | None = None,
    title: str = "",
    cmap: str = "viridis",
    axes: Sequence[Axes] | None = None,
) -> list[Axes]:
    """Activations over time: one image per layer, step across, activation value up, count as colour.

    Column ``t`` of a panel is the histogram of the layer's activations at
    ``steps[t]``, so a distribution that drifts, spreads or piles up at the
    ends (saturation) or at zero (dead units) is seen at a glance. The colour
    scale is logarithmic, shared by all panels and explained by one colorbar;
    bins with no values stay white. The end bins also hold the values beyond
    them.

    Parameters
    ----------
    steps : ndarray, shape (T,)
        Increasing training steps (need not be evenly spaced: each column
        reaches halfway to its neighbours).
    histograms : ndarray, shape (T, L, n_bins)
        Counts, as in :attr:`lecturelib.torchkit.hooks.ActivationTrace.histograms`.
    bin_edges : ndarray, shape (n_bins + 1,)
    layers : sequence of int, optional
        1-based layers to draw; default up to five evenly spaced layers.
    title : str
        Title of the whole figure.
    cmap : str, default "viridis"
        A perceptually uniform, colour-blind-safe sequential colormap
        (``"viridis"``, ``"cividis"``).
    axes : sequence of Axes, optional
        One per layer; default a new row of panels sharing the y axis.

    Returns
    -------
    list of Axes
        The panels; the colorbar is an extra Axes of the same figure.
    """
    steps = _as_steps(steps)
    histograms, bin_edges = _check_histograms(histograms, bin_edges)
    if histograms.shape[0] != len(steps):
        raise ValueError(f"histograms must have one row per step ({len(steps)}), got shape {histograms.shape}")
    layers = _choose_layers(layers, histograms.shape[1])
    axes = _panels(len(layers), axes, (2.8, 2.8), sharey=True)
    middles = (steps[1:] + steps[:-1]) / 2.0
    half = (steps[1] - steps[0]) / 2.0 if len(steps) > 1 else 0.5
    last = (steps[-1] - steps[-2]) / 2.0 if len(steps) > 1 else 0.5
    step_edges = np.r_[steps[0] - half, middles, steps[-1] + last]
    chosen = histograms[:, [l - 1 for l in layers]]
    norm = LogNorm(vmin=1.0, vmax=max(float(chosen.max()), 2.0))
    for ax, l in zip(axes, layers):
        counts = np.ma.masked_less_equal(histograms[:, l - 1].T.astype(float), 0.0)  # (n_bins, T); zero: white
        mesh = ax.pcolormesh(step_edges, bin_edges, counts, cmap=cmap, norm=norm, shading="flat")
        ax.set(title=f"layer {l}", xlabel="training step")
    axes[0].set_ylabel("activation $a^{(l)}$")
    figure = axes[0].figure
    figure.colorbar(mesh, ax=axes, label="values per bin (log scale)")
    if title:
        figure.suptitle(title)
    return axes


# ---------------------------------------------------------------- examples of a data set



def plot_points(
    x: np.ndarray,
    y: np.ndarray,
    *,
    ax: Axes | None = None,
    title: str = "",
    class_names: Sequence[str] | None = None,
) -> Axes:
    """Scatter labelled points in the plane, one colour and legend entry per class.

    Parameters
    ----------
    x : ndarray of shape (N, 2)
    y : ndarray of int, shape (N,)
        Class indices.
    class_names : sequence of str, optional
        ``class_names[k]`` labels class ``k`` in the legend; default ``"class k"``.
    """
    x = as_float_array(x, "x", ndim=2)
    check_shape(x, "x", (None, 2), meaning="points in the plane")
    y = as_labels(y, "y", n_rows=len(x))
    classes = np.unique(y)
    if class_names is not None and len(class_names) <= classes.max():
        raise ValueError(
            f"class_names must name every class 0..{classes.max()}, got {len(class_names)} names"
        )
    ax = _new_ax(ax, (3.6, 3.4))
    for c in classes:
        mask = y == c
        name = f"class {int(c)}" if class_names is None else class_names[int(c)]
        ax.scatter(x[mask, 0], x[mask, 1], s=10, color=color(int(c)), edgecolor="white", linewidth=0.3,
                   label=name)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=title, aspect="equal")
    ax.legend(fontsize="x-small", framealpha=0.8, loc="best")
    return ax


def _panel_grid(n: int, ncols: int, axes: Sequence[Axes] | None, panel_size: tuple[float, float],
                **subplot_kw: object) -> list[Axes]:
    """``axes`` checked to hold ``n`` Axes, or a new grid of ``n`` panels (unused ones hidden)."""
    ncols = check_int(ncols, "ncols", low=1)
    if axes is None:
        nrows = -(-n // ncols)
        cols = min(ncols, n)
        _, grid = plt.subplots(nrows, cols, figsize=(panel_size[0] * cols, panel_size[1] * nrows),
                               layout="constrained", squeeze=False, **subplot_kw)
        grid = list(grid.ravel())
        for ax in grid[n:]:
            ax.set_visible(False)
        return grid[:n]
    axes = list(axes)
    if len(axes) != n:
        raise ValueError(f"axes must have one Axes per example ({n}), got {len(axes)}")
    return axes


def _check_titles(titles: Sequence[str] | None, n: int) -> list[str] | None:
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles must have one title per example ({n}), got {len(titles)}")
    return None if titles is None else list(titles)


def plot_image_grid(
    images: np.ndarray,
    *,
    image_shape: tuple[int, int],
    titles: Sequence[str] | None = None,
    axes: Sequence[Axes] | None = None,
    ncols: int = 5,
    cmap: str = "gray_r",
) -> list[Axes]:
    """Show flattened images side by side, one panel each, dark ink on a light background.

    Parameters
    ----------
    images : ndarray of shape (N, H * W)
        One flattened image per row (e.g. the digits' 64 pixels).
    image_shape : (int, int)
        ``(H, W)``, e.g. ``(8, 8)``.
    titles : sequence of str, optional
        One per image, e.g. ``"digit 3"``.
    axes : sequence of Axes, optional
        One per image; default a new grid with ``ncols`` columns.
    cmap : str, default "gray_r"
        A grey scale reads the same to every reader.

    Returns
    -------
    list of Axes
    """
    images = as_float_array(images, "images", ndim=2)
    height, width = (check_int(s, "image_shape[i]", low=1) for s in image_shape)
    if images.shape[1] != height * width:
        raise ValueError(
            f"images must have {height} x {width} = {height * width} pixels per row to match image_shape, "
            f"got shape {images.shape}"
        )
    titles = _check_titles(titles, len(images))
    axes = _panel_grid(len(images), ncols, axes, (1.5, 1.6))
    lo, hi = float(images.min()), float(images.max())
    for i, (ax, image) in enumerate(zip(axes, images)):
        ax.imshow(image.reshape(height, width), cmap=cmap, vmin=lo, vmax=hi)
        ax.set_xticks([]), ax.set_yticks([])
        if titles is not None:
            ax.set_title(titles[i], fontsize="small")
    return axes


def plot_signal_grid(
    signals: np.ndarray,
    *,
    titles: Sequence[str] | None = None,
    axes: Sequence[Axes] | None = None,
    ncols: int = 5,
    xlabel: str = "position $t$",
    ylabel: str = "value $x_t$",
) -> list[Axes]:
    """Draw 1-D sequences as line plots, one panel each, on shared axes.

    Parameters
    ----------
    signals : ndarray of shape (N, T)
        One sequence per row (e.g. MNIST-1D's 40 points).
    titles : sequence of str, optional
        One per sequence, e.g. ``"digit 3"``.
    axes : sequence of Axes, optional
        One per sequence; default a new grid with ``ncols`` columns sharing
        both axes, labelled on the left column and the bottom row.
    xlabel, ylabel : str

    Returns
    -------
    list of Axes
    """
    signals = as_float_array(signals, "signals", ndim=2)
    titles = _check_titles(titles, len(signals))
    new = axes is None
    axes = _panel_grid(len(signals), ncols, axes, (1.6, 1.5), sharex=True, sharey=True)
    ncols = min(ncols, len(signals))
    t = np.arange(signals.shape[1])
    for i, (ax, signal) in enumerate(zip(axes, signals)):
        ax.plot(t, signal, color=color(0), linewidth=1.4, marker=".", markersize=3)
        ax.axhline(0.0, color="0.7", linewidth=0.6, zorder=0)
        if titles is not None:
            ax.set_title(titles[i], fontsize="small")
        ax.grid(alpha=0.3)
        if not new or i % ncols == 0:
            ax.set_ylabel(ylabel)
        if not new or i >= len(signals) - ncols:
            ax.set_xlabel(xlabel)
    return axes


# ---------------------------------------------------------------- batch norm's running statistics


def plot_batchnorm_stream(
    stream: BatchNormStream,
    *,
    mode: str = "eval",
    axes: Sequence[Axes] | None = None,
) -> list[Axes]:
    r"""The running mean finding the true mean, and the layer's outputs in one mode or both.

    Left, the running mean after every training step (line), each batch's
    mean (faint dots) and the true mean (dashed).  Right, the histogram
    (density) of the test values' outputs in training mode (each test batch
    normalized with its own statistics) or eval mode (the final running
    statistics), with the standard normal density :math:`\varphi(z)` that a
    well-normalized feature would follow.

    The axes do not move with the settings, so that an explorer shows real
    changes: the left y axis spans the true mean :math:`\pm 3` standard
    deviations (and 0, where the running mean starts), the right panel
    :math:`z \in [-4, 4]` and densities from 0 to 1.  The histogram's
    density is a share of *all* outputs: those beyond :math:`\pm 4` are not
    drawn and a note in the panel says how many there are.  Very small training batches
    pile their outputs up at a few values (batch size 2: exactly
    :math:`\pm 1`, up to :math:`\epsilon`), whose bars run off the top.

    Parameters
    ----------
    stream : BatchNormStream
        From :func:`lecturelib.normalization.batchnorm_stream`.
    mode : {"eval", "train", "both"}, default "eval"
        Which outputs to draw on the right; ``"both"`` draws the train-mode
        and the eval-mode outputs in two panels side by side, so that the
        two modes of the same layer can be compared.
    axes : sequence of Axes, optional
        Left and right panel (three with ``mode="both"``: left, train,
        eval); default a new row.

    Returns
    -------
    list of Axes
        ``[left, right]``, or ``[left, train, eval]`` with ``mode="both"``.
    """
    if not isinstance(stream, BatchNormStream):
        raise TypeError(f"stream must be the BatchNormStream returned by batchnorm_stream, "
                        f"got {type(stream).__name__}")
    mode = check_option(mode, "mode", ("eval", "train", "both"))
    n_panels = 3 if mode == "both" else 2
    if axes is None:
        _, row = plt.subplots(1, n_panels, figsize=(4.8 * n_panels, 3.6), layout="constrained")
        axes = list(row)
    axes = list(axes)
    if len(axes) != n_panels or not all(isinstance(ax, Axes) for ax in axes):
        names = "left, train, eval" if mode == "both" else "left, right"
        raise ValueError(f"axes must hold {n_panels} matplotlib Axes ({names}) with mode={mode!r}, "
                         f"got {len(axes)} items")
    left = axes[0]

    steps = np.arange(1, len(stream.running_mean) + 1)
    momentum = "None (cumulative)" if stream.momentum is None else f"{stream.momentum:g}"
    left.plot(steps, stream.running_mean, color=color(0), linewidth=1.8, label="running mean", zorder=2)
    # the faint dots go on top: with momentum 1 the running mean *is* each step's batch mean
    left.scatter(steps, stream.batch_means, s=10, color=color(1), alpha=0.55, linewidth=0, label="batch mean",
                 zorder=3)
    left.axhline(stream.true_mean, color=color(7), linestyle="--", linewidth=1.2,
                 label=f"true mean ({stream.true_mean:g})", zorder=4)
    spread = 3.0 * np.sqrt(stream.true_var)
    left.set(xlim=(0, steps[-1] + 1),
             ylim=(min(0.0, stream.true_mean - spread), max(0.0, stream.true_mean + spread)),
             xlabel="training step", ylabel="feature value",
             title=f"Running mean over training\nbatch size {stream.batch_size}, momentum {momentum}")
    left.legend(fontsize="small", loc="lower right")
    left.grid(alpha=0.3)

    modes = ["train", "eval"] if mode == "both" else [mode]
    for right, panel_mode in zip(axes[1:], modes):
        _plot_batchnorm_outputs(right, stream, panel_mode)
    return axes


def _plot_batchnorm_outputs(right: Axes, stream: BatchNormStream, mode: str) -> None:
    """The histogram panel of :func:`plot_batchnorm_stream` for one mode."""
    values = stream.eval_out if mode == "eval" else stream.train_out
    statistics = "the running statistics" if mode == "eval" else "each test batch's own statistics"
    edges = np.linspace(-4.0, 4.0, 65)
    weights = np.full(len(values), 1.0 / (len(values) * (edges[1] - edges[0])))  # density over all values
    right.hist(values, bins=edges, weights=weights, histtype="stepfilled", color=color(0), alpha=0.45,
               label=f"outputs in {mode} mode", zorder=1)
    z = np.linspace(-4.0, 4.0, 401)
    right.plot(z, np.exp(-0.5 * z**2) / np.sqrt(2.0 * np.pi), color=color(5), linestyle="--", linewidth=1.6,
               label="standard normal density", zorder=2)
    outside = int(np.sum(np.abs(values) > 4.0))
    if outside:  # a note inside the panel, so that the panel keeps its size from setting to setting
        right.text(0.98, 0.78, f"{outside} of {len(values)} outputs\nbeyond $\\pm 4$, not drawn",
                   transform=right.transAxes, va="top", ha="right", fontsize="small")
    right.set(xlim=(-4.0, 4.0), ylim=(0.0, 1.0), xlabel="batch-norm output (scale 1, shift 0)",
              ylabel="density", title=f"Outputs in {mode} mode, normalized with\n{statistics}")
    right.legend(fontsize="small", loc="upper right")
    right.grid(alpha=0.3)


# ---------------------------------------------------------------- optimizers on test functions


def _check_limits(limits: object, name: str) -> tuple[float, float]:
    """A pair ``(low, high)`` of finite numbers with ``low < high``."""
    if isinstance(limits, (str, bytes)) or not isinstance(limits, Sequence) or len(limits) != 2:
        raise ValueError(f"{name} must be a pair (low, high), got {limits!r}")
    low, high = (check_number(v, f"{name}[{i}]") for i, v in enumerate(limits))
    if not low < high:
        raise ValueError(f"{name} must have low < high, got {limits!r}")
    return low, high


def plot_optimizer_runs(
    problem: Problem,
    runs: Mapping[str, OptimizerRun],
    *,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    scale: str = "log",
    loss_ylim: tuple[float, float] | None = None,
    max_step: int | None = None,
    axes: Sequence[Axes] | None = None,
    title: str | None = None,
    legend: bool = True,
    resolution: int = 200,
) -> list[Axes]:
    r"""Optimizers' paths over a function's contour lines, and their losses against the step.

    Left, the contour lines of ``problem.value`` over the window ``xlim``
    :math:`\times` ``ylim`` (grey), the minimizers (star) and saddle
    points (plus), the common starting point (circle) and one path per
    run, each in its own colour, line style, marker and width (the first
    run drawn widest, so that no path hides another), with a legend of the
    markers.  Right, each run's loss against the step, with a legend of the
    runs.  A run that
    diverged says so in its label; its path ends in a large cross at its
    last finite point, and a dotted vertical line marks the step that
    failed in the loss panel.

    The axes do not move with the runs, so that an explorer shows real
    changes: the window is ``xlim``, ``ylim``; the loss panel spans
    ``0 .. max_step`` and ``loss_ylim``.

    Parameters
    ----------
    problem : Problem
        The function the runs minimized, e.g. :func:`lecturelib.problems.rosenbrock`.
    runs : mapping of label -> OptimizerRun
        From :func:`lecturelib.problems.run_optimizer`, all from the same
        starting point (the first row of the first run's path is marked).
    xlim, ylim : (float, float)
        The window of the contour panel, in the problem's coordinates.
    scale : {"log", "linear"}, default "log"
        ``"log"``: contour levels spaced evenly in :math:`\log f` and a
        log loss axis, for functions :math:`\ge 0` (Rosenbrock, Beale,
        quadratics); ``"linear"`` for functions with negative values (the
        saddle).
    loss_ylim : (float, float), optional
        The loss panel's y range; default matplotlib's.
    max_step : int, optional
        The loss panel's last step; default the longest run's.
    axes : sequence of two Axes, optional
        Contour panel and loss panel; default a new row of two.
    title : str, optional
        The contour panel's title; default ``problem.name``.
    legend : bool, default True
        A legend of the markers in the contour panel and one of the runs in
        the loss panel; turn it off to draw one legend for several panels,
        e.g. with
        ``fig.legend(*axes[0].get_legend_handles_labels())``.
    resolution : int, default 200
        Grid points per axis for the contours.

    Returns
    -------
    list of Axes
        ``[contours, losses]``.

    Examples
    --------
    >>> from functools import partial
    >>> from lecturelib import optim, problems
    >>> p = problems.rosenbrock()
    >>> run = problems.run_optimizer(p, np.array([-1.2, 1.0]), steps=100,
    ...                              make_optimizer=partial(optim.Adam, lr=0.1))
    >>> axes = plot_optimizer_runs(p, {"Adam": run}, xlim=(-2, 2), ylim=(-1, 3))
    """
    if not isinstance(problem, Problem):
        raise TypeError(f"problem must be a lecturelib.problems.Problem, got {type(problem).__name__}")
    if not isinstance(runs, Mapping) or not runs:
        raise ValueError(f"runs must be a non-empty mapping of label -> OptimizerRun, got {runs!r}")
    for label, run in runs.items():
        if not isinstance(run, OptimizerRun):
            raise TypeError(f"runs[{label!r}] must be an OptimizerRun from run_optimizer, got {type(run).__name__}")
    xlim, ylim = _check_limits(xlim, "xlim"), _check_limits(ylim, "ylim")
    scale = check_option(scale, "scale", ("log", "linear"))
    if loss_ylim is not None:
        loss_ylim = _check_limits(loss_ylim, "loss_ylim")
        if scale == "log" and loss_ylim[0] <= 0:
            raise ValueError(f"loss_ylim must be positive with scale='log', got {loss_ylim!r}")
    longest = max(len(run.losses) for run in runs.values()) - 1
    max_step = max(longest, 1) if max_step is None else check_int(max_step, "max_step", low=1)
    resolution = check_int(resolution, "resolution", low=2)
    if axes is None:
        _, row = plt.subplots(1, 2, figsize=(9.2, 3.8), layout="constrained")
        axes = list(row)
    axes = list(axes)
    if len(axes) != 2 or not all(isinstance(ax, Axes) for ax in axes):
        raise ValueError(f"axes must hold 2 matplotlib Axes (contours, losses), got {len(axes)} items")
    left, right = axes

    _draw_contours(left, problem, xlim, ylim, scale, resolution)
    start = next(iter(runs.values())).path[0]
    left.plot(*start, marker="o", markersize=8, linestyle="none", markerfacecolor="white",
              markeredgecolor="black", label="start", zorder=5)
    n = len(runs)
    for i, (label, run) in enumerate(runs.items()):
        style = _style(i)
        width = 2.4 - 1.4 * i / max(n - 1, 1)  # the first run widest
        every = max(1, (len(run.path) - 1) // 12)
        if run.diverged:
            label = f"{label} (diverged at step {len(run.losses)})"
        left.plot(run.path[:, 0], run.path[:, 1], linewidth=width, markersize=4, markevery=every,
                  label=label, zorder=3, **style)
        steps = np.arange(len(run.losses))
        right.plot(steps, run.losses, linewidth=width, markersize=4, markevery=every, label=label,
                   zorder=3, **style)
        if run.diverged:  # a cross at the last finite point, a dotted line at the step that failed
            left.plot(*run.path[-1], marker="X", markersize=11, color=style["color"], linestyle="none", zorder=6)
            right.axvline(len(run.losses), color=style["color"], linestyle=":", linewidth=1.5, zorder=2)
    left.set(xlim=xlim, ylim=ylim, xlabel="$x_1$", ylabel="$x_2$",
             title=problem.name if title is None else title)
    if scale == "log":  # major ticks only: the loss may span a dozen decades
        right.set_yscale("log", nonpositive="clip")
        right.yaxis.set_minor_locator(NullLocator())
    right.set(xlim=(0, max_step), xlabel="step", ylabel="loss $f(x)$", title="Loss against step")
    if loss_ylim is not None:
        right.set_ylim(loss_ylim)
    right.grid(alpha=0.3)
    if legend:  # the runs where their losses are, the markers where they are drawn
        handles, labels = left.get_legend_handles_labels()
        k = len(labels) - n  # minimum, saddle point and start come before the runs
        right.legend(handles[k:], labels[k:], fontsize="small")
        left.legend(handles[:k], labels[:k], fontsize="small", loc="best", framealpha=0.8)
    return axes


def _draw_contours(ax: Axes, problem: Problem, xlim: tuple[float, float], ylim: tuple[float, float],
                   scale: str, resolution: int) -> None:
    """Grey contour lines of ``problem`` over the window, with its minima and saddle points marked."""
    x1, x2 = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    z = problem.value(np.stack([x1, x2], axis=-1))
    if scale == "log":
        positive = z[z > 0]
        levels = np.geomspace(max(positive.min(), positive.max() * 1e-7), positive.max(), 20)
    else:
        levels = np.linspace(z.min(), z.max(), 21)[1:-1]
    ax.contour(x1, x2, z, levels=levels, colors="0.6", linewidths=0.7, zorder=1)
    if len(problem.minima):
        ax.plot(problem.minima[:, 0], problem.minima[:, 1], marker="*", markersize=14, linestyle="none",
                color="black", label="minimum", zorder=5)
    if len(problem.saddle_points):
        ax.plot(problem.saddle_points[:, 0], problem.saddle_points[:, 1], marker="P", markersize=10,
                linestyle="none", color="0.3", label="saddle point", zorder=5)


# ---------------------------------------------------------------- learning curves


def _learning_curves_heading(title: str | None, diagnosis: Diagnosis | None) -> str:
    """``title`` (default "Learning curves"), and the diagnosis on a second line."""
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None, got {type(title).__name__}")
    heading = "Learning curves" if title is None else title
    if diagnosis is None:
        return heading
    if not isinstance(diagnosis, Diagnosis):
        raise TypeError(f"diagnosis must be a Diagnosis from diagnose_learning_curves or None, "
                        f"got {type(diagnosis).__name__}")
    detail = f" ({diagnosis.detail})" if diagnosis.detail else ""
    return f"{heading}\ndiagnosis: {diagnosis.label}{detail}"


def plot_learning_curves(
    history: History,
    *,
    diagnosis: Diagnosis | None = None,
    axes: Sequence[Axes] | None = None,
    loss_ylim: tuple[float, float] | None = None,
    acc_ylim: tuple[float, float] | None = (0.0, 1.0),
    title: str | None = None,
) -> list[Axes]:
    """Training and validation loss, and training and validation accuracy, against the epoch.

    Left, the loss; right, the accuracy; in each, the training curve solid
    (blue) and the validation curve dashed (orange).  The heading over
    both panels (the suptitle of their figure or subfigure) is ``title``
    and, if a ``diagnosis`` is given, its label, e.g. ``diagnosis:
    overfit`` or ``diagnosis: underfit (still improving)``.  Give
    ``loss_ylim`` in an explorer, so that the axis stays put when the curves
    move.  With dropout, the training curves are measured in train mode
    (see :func:`lecturelib.diagnostics.diagnose_learning_curves`).

    Parameters
    ----------
    history : History
        One entry per epoch with ``"loss"``, ``"val_loss"``, ``"accuracy"``
        and ``"val_accuracy"``, as :func:`lecturelib.torchkit.train` records
        them with validation data; the x axis is ``history.steps``.
    diagnosis : Diagnosis, optional
        From :func:`lecturelib.diagnostics.diagnose_learning_curves`.
    axes : sequence of two Axes, optional
        Loss panel and accuracy panel, of the same figure or subfigure (the
        heading is its suptitle: draw several runs in
        ``fig.subfigures``); default a new row of two.
    loss_ylim : (float, float), optional
        The loss panel's y range; default matplotlib's.
    acc_ylim : (float, float) or None, default (0, 1)
        The accuracy panel's y range; ``None`` for matplotlib's.
    title : str, optional
        The heading's first line; default ``"Learning curves"``.

    Returns
    -------
    list of Axes
        ``[loss, accuracy]``.

    Examples
    --------
    >>> h = History()
    >>> for t in range(3):
    ...     h.record(t, loss=2.3 / (t + 1), accuracy=0.3 * t, val_loss=2.3 / (t + 1) + 0.1 * t, val_accuracy=0.25 * t)
    >>> loss, accuracy = plot_learning_curves(h, loss_ylim=(0, 3), title="a short run")
    >>> loss.get_ylabel(), loss.get_ylim() == (0, 3), accuracy.get_ylim() == (0, 1)
    ('cross-entropy loss', True, True)
    >>> loss.figure.get_suptitle()
    'a short run'
    """
    if not isinstance(history, History):
        raise TypeError(f"history must be a lecturelib.history.History, got {type(history).__name__}")
    missing = [name for name in ("loss", "val_loss", "accuracy", "val_accuracy") if name not in history]
    if missing or len(history) == 0:
        raise ValueError(f"history must record loss, val_loss, accuracy and val_accuracy (train with validation "
                         f"data), got {history!r}")
    loss_ylim = None if loss_ylim is None else _check_limits(loss_ylim, "loss_ylim")
    acc_ylim = None if acc_ylim is None else _check_limits(acc_ylim, "acc_ylim")
    heading = _learning_curves_heading(title, diagnosis)
    if axes is None:
        _, row = plt.subplots(1, 2, figsize=(9.0, 3.6), layout="constrained")
        axes = list(row)
    axes = list(axes)
    if len(axes) != 2 or not all(isinstance(ax, Axes) for ax in axes) or axes[0].figure is not axes[1].figure:
        raise ValueError(f"axes must hold 2 matplotlib Axes (loss, accuracy) of one figure, got {len(axes)} items")
    epochs = np.asarray(history.steps)
    for ax, metric, name, ylim in ((axes[0], "loss", "cross-entropy loss", loss_ylim),
                                   (axes[1], "accuracy", "accuracy", acc_ylim)):
        for i, (prefix, label) in enumerate((("", "training"), ("val_", "validation"))):
            ax.plot(epochs, history[prefix + metric], color=color(i), linestyle=LINESTYLES[i], linewidth=1.8,
                    label=label)
        ax.set(xlabel="epoch", ylabel=name, title=metric.capitalize(),
               xlim=(epochs[0], max(epochs[-1], epochs[0] + 1)))
        if ylim is not None:
            ax.set_ylim(ylim)
        ax.legend(fontsize="small")
        ax.grid(alpha=0.3)
    axes[0].figure.suptitle(heading, fontsize="medium")
    return axes
