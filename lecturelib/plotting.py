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
from matplotlib.colors import ListedColormap
from matplotlib.ticker import MaxNLocator

from ._validation import as_float_array, as_labels, check_int, check_shape

__all__ = [
    "PALETTE",
    "color",
    "plot_decision_boundary",
    "plot_curves",
    "plot_layer_profile",
    "plot_profiles_by_activation",
    "plot_layer_histograms",
    "plot_points",
    "plot_image_grid",
    "plot_signal_grid",
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
    n = len(hidden)
    if layers is None:
        layers = sorted({int(round(v)) for v in np.linspace(1, n, min(n, 5))})
    layers = [check_int(l, "layers[i]", low=1, high=n) for l in layers]
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
