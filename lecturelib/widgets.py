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
from .init import INITIALIZER_LABELS, INITIALIZERS
from .diagnostics import activation_profile, gradient_norm_profile, over_seeds
from .normalization import batchnorm_stream
from .plotting import plot_batchnorm_stream, plot_layer_profile, plot_profiles_by_activation

__all__ = ["gradient_norm_explorer", "init_explorer", "batchnorm_explorer"]


def _check_names(names: Sequence[str], param: str, allowed) -> None:
    if isinstance(names, str) or not names:
        raise ValueError(f"{param} must be a non-empty sequence of names, got {names!r}")
    for name in names:
        check_option(name, f"{param}[i]", allowed)


def _check_explorer_args(x, y, activations, *, depth: int, max_depth: int, seed: int) -> None:
    """Validate an explorer's arguments up front: errors inside a widget callback are only logged."""
    as_float_array(x, "x", ndim=2)
    _check_names(activations, "activations", ACTIVATIONS)
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
    *,
    schemes: Sequence[str] = ("xavier_normal", "kaiming_normal", "linear_default", "lecun_normal"),
    activations: Sequence[str] = ("tanh", "relu", "sigmoid"),
    max_depth: int = 30,
    depth: int = 20,
    width: int = 128,
    n_seeds: int = 5,
) -> widgets.interactive:
    """Choose an activation and a depth; see how every initializer's signal fares layer by layer.

    One panel of :func:`lecturelib.plotting.plot_profiles_by_activation`:
    the spread of the activations across examples at every hidden layer
    (:func:`lecturelib.diagnostics.activation_profile`), median and band over
    ``n_seeds`` weight draws, one line per initializer. The y axis is fixed
    (log scale from 1e-14 to 10) so that moving a control shows a real change.
    """
    as_float_array(x, "x", ndim=2)
    _check_names(activations, "activations", ACTIVATIONS)
    _check_names(schemes, "schemes", INITIALIZERS)
    max_depth = check_int(max_depth, "max_depth", low=1)
    check_int(depth, "depth", low=1, high=max_depth)
    check_int(width, "width", low=1)
    n_seeds = check_int(n_seeds, "n_seeds", low=5)

    def show(activation: str, depth: int) -> None:
        bands = {INITIALIZER_LABELS[s]: over_seeds(
                     lambda rng, s=s: activation_profile(x, depth=depth, activation=activation, weight_init=s,
                                                         width=width, rng=rng), range(n_seeds))
                 for s in schemes}
        (ax,) = plot_profiles_by_activation({activation: bands},
                                            title_suffix=f", {depth} layers of width {width}")
        ax.set_ylim(1e-14, 10)
        plt.show()

    return widgets.interactive(
        show,
        activation=widgets.Dropdown(options=list(activations), value=list(activations)[0],
                                    description="activation"),
        depth=widgets.IntSlider(value=depth, min=1, max=max_depth, step=1, description="depth",
                                continuous_update=False),
    )


#: The batch sizes :func:`batchnorm_explorer` offers.
BATCHNORM_BATCH_SIZES: tuple[int, ...] = (2, 4, 8, 16, 32, 64, 128, 256)
#: The momenta :func:`batchnorm_explorer` offers: label -> torch's ``momentum``.
BATCHNORM_MOMENTA: dict[str, float | None] = {
    "0.01": 0.01, "0.03": 0.03, "0.1": 0.1, "0.3": 0.3, "1.0": 1.0, "None (cumulative)": None,
}


def batchnorm_explorer(*, steps: int = 200, seed: int = 0) -> widgets.interactive:
    """Choose batch size, momentum and mode; see batch norm's running mean and its outputs.

    Each change reruns :func:`lecturelib.normalization.batchnorm_stream` with
    the same ``seed`` (so the test values stay the same) and redraws
    :func:`lecturelib.plotting.plot_batchnorm_stream`, whose axes stay fixed.
    """
    steps = check_int(steps, "steps", low=1)
    seed = check_int(seed, "seed", low=0)

    def show(batch_size: int, momentum: str, mode: str) -> None:
        stream = batchnorm_stream(batch_size=batch_size, momentum=BATCHNORM_MOMENTA[momentum], steps=steps,
                                  rng=default_rng(seed))
        plot_batchnorm_stream(stream, mode=mode)
        plt.show()

    return widgets.interactive(
        show,
        batch_size=widgets.SelectionSlider(options=list(BATCHNORM_BATCH_SIZES), value=32,
                                           description="batch size", continuous_update=False),
        momentum=widgets.Dropdown(options=list(BATCHNORM_MOMENTA), value="0.1", description="momentum"),
        mode=widgets.ToggleButtons(options=[("train mode", "train"), ("eval mode", "eval")], value="eval",
                                   description="mode"),
    )
