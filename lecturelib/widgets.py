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
from .diagnostics import gradient_norm_profile
from .plotting import plot_layer_profile

__all__ = ["gradient_norm_explorer"]


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
