"""Explorables: each widget wires one experiment function to one plotting function.

The widgets need a running kernel. The printed (HTML) book shows a static
figure of the same plot next to each widget instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from . import default_rng
from ._validation import as_float_array, check_int, check_option
from .activations import ACTIVATIONS
from .init import INITIALIZERS
from .diagnostics import gradient_norm_profile, init_statistics
from .plotting import plot_layer_histograms, plot_layer_profile

__all__ = ["gradient_norm_explorer", "init_explorer"]


def _check_explorer_args(x, y, activations, *, depth: int, max_depth: int, seed: int) -> None:
    """Validate an explorer's arguments up front: errors inside a widget callback are only logged."""
    as_float_array(x, "x", ndim=2)
    if not activations:
        raise ValueError("activations must name at least one activation, got an empty sequence")
    for name in activations:
        check_option(name, "activations[i]", ACTIVATIONS)
    max_depth = check_int(max_depth, "max_depth", low=1)
    check_int(depth, "depth", low=1, high=max_depth)
    check_int(seed, "seed", low=0)


def gradient_norm_explorer(
    x: np.ndarray,
    y: np.ndarray,
    *,
    activations: Sequence[str] = ("sigmoid", "tanh", "relu"),
    max_depth: int = 30,
    depth: int = 10,
    weight_init: str = "kaiming_normal",
    seed: int = 0,
) -> widgets.interactive:
    """Choose depth and activation; see the back-propagated gradient at every layer.

    Each change re-initialises the network with the same ``seed`` and redraws
    :func:`lecturelib.diagnostics.gradient_norm_profile` (the norm of
    ``delta^(l) = dL/dz^(l)``) on a log scale.
    """

    _check_explorer_args(x, y, activations, depth=depth, max_depth=max_depth, seed=seed)
    gradient_norm_profile(x, y, depth=1, activation=activations[0], weight_init=weight_init,
                          rng=default_rng(seed))  # fail here, not inside the widget's callback

    def show(depth: int, activation: str) -> None:
        norms = gradient_norm_profile(x, y, depth=depth, activation=activation,
                                      weight_init=weight_init, rng=default_rng(seed))
        ax = plot_layer_profile({activation: norms},
                                title=f"{depth} hidden layers, {activation}, {weight_init} init")
        ax.set_ylabel(r"$\|\boldsymbol{\delta}^{(l)}\|$")
        plt.show()

    return widgets.interactive(
        show,
        depth=widgets.IntSlider(value=depth, min=1, max=max_depth, step=1, description="depth",
                                continuous_update=False),
        activation=widgets.Dropdown(options=list(activations), value=list(activations)[0],
                                    description="activation"),
    )


def init_explorer(
    x: np.ndarray,
    y: np.ndarray,
    *,
    schemes: Sequence[str] = ("xavier_normal", "kaiming_normal", "linear_default", "lecun_normal"),
    activations: Sequence[str] = ("tanh", "relu", "sigmoid"),
    max_depth: int = 30,
    depth: int = 10,
    width: int = 256,
    seed: int = 0,
) -> widgets.interactive:
    """Choose an initialization, an activation and a depth; see every layer's activations.

    Top row: histograms of the activations of up to five layers; bottom: the
    standard deviation of the activations and of the back-propagated gradient
    ``delta^(l)`` at every layer, from
    :func:`lecturelib.diagnostics.init_statistics`.
    """

    _check_explorer_args(x, y, activations, depth=depth, max_depth=max_depth, seed=seed)
    for scheme in schemes:
        check_option(scheme, "schemes[i]", INITIALIZERS)

    def show(weight_init: str, activation: str, depth: int) -> None:
        stats, hidden = init_statistics(x, y, depth=depth, activation=activation, weight_init=weight_init,
                                        width=width, rng=default_rng(seed))
        fig = plt.figure(figsize=(11, 5.2), layout="constrained")
        top, bottom = fig.subfigures(2, 1, height_ratios=[1, 1.2])
        n_panels = min(depth, 5)
        plot_layer_histograms(hidden, axes=list(np.atleast_1d(top.subplots(1, n_panels, sharey=True))))
        ax = bottom.subplots()
        plot_layer_profile({"activation std": stats.activation_std[:-1],
                            "gradient (delta) std": stats.delta_std[:-1]}, ax=ax, ylabel="standard deviation",
                           title=f"{weight_init}, {activation}, {depth} hidden layers of width {width}")
        plt.show()

    return widgets.interactive(
        show,
        weight_init=widgets.Dropdown(options=list(schemes), value=list(schemes)[0], description="init"),
        activation=widgets.Dropdown(options=list(activations), value=list(activations)[0],
                                    description="activation"),
        depth=widgets.IntSlider(value=depth, min=1, max=max_depth, step=1, description="depth",
                                continuous_update=False),
    )
