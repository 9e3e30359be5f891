"""Explorables: each widget wires one experiment function to one plotting function.

The widgets need a running kernel. The printed (HTML) book shows a static
figure of the same plot next to each widget instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from . import default_rng, optim, problems
from ._validation import as_float_array, check_int, check_number, check_option
from .activations import ACTIVATIONS
from .init import INITIALIZER_LABELS, INITIALIZERS
from .diagnostics import activation_profile, gradient_norm_profile, over_seeds
from .normalization import batchnorm_stream
from .plotting import plot_batchnorm_stream, plot_layer_profile, plot_optimizer_runs, plot_profiles_by_activation

__all__ = ["gradient_norm_explorer", "init_explorer", "batchnorm_explorer", "ProblemView", "PROBLEM_VIEWS",
           "EXPLORER_OPTIMIZERS", "explorer_optimizer", "optimizer_path", "optimizer_view", "optimizer_explorer"]


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


# ---------------------------------------------------------------- optimizers on test functions


@dataclass(frozen=True)
class ProblemView:
    """A test function with a starting point and fixed axes for drawing optimizers' paths on it.

    Attributes
    ----------
    problem : Problem
    x0 : tuple of two floats
        Where every optimizer starts.
    xlim, ylim : (float, float)
        The window of the contour panel.
    scale : {"log", "linear"}
        Contour levels and loss axis (``"linear"`` for functions with
        negative values).
    loss_ylim : (float, float)
        The loss panel's y range.
    title : str
        A short name for the contour panel's title.
    """

    problem: problems.Problem = field(repr=False)
    x0: tuple[float, float]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    scale: str
    loss_ylim: tuple[float, float]
    title: str

    @property
    def limits(self) -> dict:
        """The keyword arguments of :func:`lecturelib.plotting.plot_optimizer_runs` that fix its axes."""
        return dict(xlim=self.xlim, ylim=self.ylim, scale=self.scale, loss_ylim=self.loss_ylim)


#: The test functions :func:`optimizer_explorer` offers, with their starting points and windows.
PROBLEM_VIEWS: dict[str, ProblemView] = {
    "Rosenbrock": ProblemView(problems.rosenbrock(), x0=(-1.2, 1.0), xlim=(-2.0, 2.0), ylim=(-1.0, 3.0),
                              scale="log", loss_ylim=(1e-8, 1e4),
                              title="Rosenbrock's valley"),
    "Beale": ProblemView(problems.beale(), x0=(1.0, 1.5), xlim=(-0.5, 4.0), ylim=(-1.5, 2.0),
                         scale="log", loss_ylim=(1e-10, 1e5),
                         title="Beale's function"),
    "saddle": ProblemView(problems.saddle(), x0=(1.0, 1e-3), xlim=(-2.0, 2.0), ylim=(-2.0, 2.0),
                          scale="linear", loss_ylim=(-4.5, 1.5),
                          title="saddle $x_1^2 - x_2^2$"),
    "rotated quadratic": ProblemView(problems.quadratic(lam_min=1.0, lam_max=20.0, angle=np.pi / 6),
                                     x0=(-2.0, 1.5), xlim=(-2.5, 2.5), ylim=(-2.5, 2.5), scale="log",
                                     loss_ylim=(1e-10, 1e2),
                                     title="rotated quadratic (eigenvalues 1 and 20)"),
}

#: The optimizers :func:`optimizer_explorer` offers: label -> (class, what the momentum control sets).
#: ``"momentum"`` is the class's ``momentum``, ``"beta1"`` Adam's first beta, ``None`` no momentum.
EXPLORER_OPTIMIZERS: dict[str, tuple[type[optim.Optimizer], str | None]] = {
    "SGD": (optim.SGD, "momentum"),
    "Adagrad": (optim.Adagrad, None),
    "RMSprop": (optim.RMSprop, "momentum"),
    "Adadelta": (optim.Adadelta, None),
    "Adam": (optim.Adam, "beta1"),
}


def explorer_optimizer(name: str, *, lr: float, momentum: float = 0.0) -> Callable[[list], optim.Optimizer]:
    """``make_optimizer(params)`` for one of :data:`EXPLORER_OPTIMIZERS`, as :func:`run_optimizer` takes it.

    ``momentum`` sets SGD's and RMSprop's ``momentum`` and Adam's
    :math:`\\beta_1` (with :math:`\\beta_2` at torch's 0.999); Adagrad and
    Adadelta have none and ignore it.  Every other hyper-parameter keeps
    torch's default (Adadelta's ``lr`` is only a multiplier of its step).

    Examples
    --------
    >>> make = explorer_optimizer("Adam", lr=0.1, momentum=0.5)
    >>> make([np.zeros(2)]).defaults["betas"]
    (0.5, 0.999)
    """
    check_option(name, "optimizer", EXPLORER_OPTIMIZERS)
    lr = check_number(lr, "lr", low=0.0, low_inclusive=False)
    momentum = check_number(momentum, "momentum", low=0.0, high=1.0, high_inclusive=False)
    cls, key = EXPLORER_OPTIMIZERS[name]
    kwargs = {"momentum": dict(momentum=momentum), "beta1": dict(betas=(momentum, 0.999)), None: {}}[key]
    return lambda params: cls(params, lr=lr, **kwargs)


def optimizer_path(problem: str, optimizer: str, *, lr: float, momentum: float = 0.0,
                   steps: int = 300) -> problems.OptimizerRun:
    """Run one of :data:`EXPLORER_OPTIMIZERS` on one of :data:`PROBLEM_VIEWS` from its starting point.

    :func:`lecturelib.problems.run_optimizer` with the optimizer built by
    :func:`explorer_optimizer`; the explorer's compute step.

    Returns
    -------
    OptimizerRun
        ``path`` of shape ``(T + 1, 2)``, ``losses`` of shape ``(T + 1,)``
        and ``diverged``.

    Examples
    --------
    >>> run = optimizer_path("saddle", "SGD", lr=0.1, steps=10)
    >>> run.path.shape, run.diverged
    ((11, 2), False)
    """
    view = PROBLEM_VIEWS[check_option(problem, "problem", PROBLEM_VIEWS)]
    make = explorer_optimizer(optimizer, lr=lr, momentum=momentum)
    return problems.run_optimizer(view.problem, np.array(view.x0), make_optimizer=make,
                                  steps=check_int(steps, "steps", low=1))


def _run_label(optimizer: str, lr: float, momentum: float) -> str:
    key = EXPLORER_OPTIMIZERS[optimizer][1]
    extra = {"momentum": f", momentum {momentum:g}", "beta1": f", beta1 {momentum:g}", None: ""}[key]
    return f"{optimizer}, lr {lr:.3g}{extra}"


def optimizer_view(problem: str, optimizer: str, *, lr: float, momentum: float = 0.0, steps: int = 300,
                   axes: Sequence | None = None) -> list:
    """What :func:`optimizer_explorer` draws for one setting: :func:`optimizer_path` on fixed axes.

    The run of :func:`optimizer_path` drawn by
    :func:`lecturelib.plotting.plot_optimizer_runs` with the function's
    window and loss range from :data:`PROBLEM_VIEWS`, the loss axis from
    step 0 to ``steps``, and a label that names the optimizer and its
    settings.  Use it for the static figure that stands in for the widget.

    Returns
    -------
    list of Axes
        ``[contours, losses]``.
    """
    run = optimizer_path(problem, optimizer, lr=lr, momentum=momentum, steps=steps)
    view = PROBLEM_VIEWS[problem]
    return plot_optimizer_runs(view.problem, {_run_label(optimizer, lr, momentum): run}, max_step=steps,
                               axes=axes, title=view.title, **view.limits)


#: The learning-rate slider's range, as powers of ten.
EXPLORER_LR_EXPONENTS: tuple[int, int] = (-4, 1)


def optimizer_explorer(
    *,
    problem: str = "Rosenbrock",
    optimizer: str = "Adam",
    lr: float = 0.1,
    momentum: float = 0.9,
    steps: int = 300,
) -> widgets.interactive:
    """Choose optimizer, learning rate, momentum and test function; see the path and the loss.

    Each change reruns :func:`optimizer_path` and redraws
    :func:`lecturelib.plotting.plot_optimizer_runs` on the function's fixed
    window and loss range (:data:`PROBLEM_VIEWS`).  The momentum control
    is SGD's and RMSprop's ``momentum`` and Adam's :math:`\\beta_1`; it is
    greyed out for Adagrad and Adadelta, which have none.
    """
    check_option(problem, "problem", PROBLEM_VIEWS)
    check_option(optimizer, "optimizer", EXPLORER_OPTIMIZERS)
    low, high = EXPLORER_LR_EXPONENTS
    lr = check_number(lr, "lr", low=10.0**low, high=10.0**high)
    momentum = check_number(momentum, "momentum", low=0.0, high=0.99)
    steps = check_int(steps, "steps", low=1)

    def show(optimizer: str, lr: float, momentum: float, problem: str) -> None:
        optimizer_view(problem, optimizer, lr=lr, momentum=momentum, steps=steps)
        plt.show()

    optimizer_control = widgets.Dropdown(options=list(EXPLORER_OPTIMIZERS), value=optimizer,
                                         description="optimizer")
    momentum_control = widgets.FloatSlider(value=momentum, min=0.0, max=0.99, step=0.01,
                                           description="momentum", continuous_update=False,
                                           disabled=EXPLORER_OPTIMIZERS[optimizer][1] is None)

    def grey_out(change: dict) -> None:
        momentum_control.disabled = EXPLORER_OPTIMIZERS[change["new"]][1] is None

    optimizer_control.observe(grey_out, names="value")
    return widgets.interactive(
        show,
        optimizer=optimizer_control,
        lr=widgets.FloatLogSlider(value=lr, base=10, min=low, max=high, step=0.1, description="lr",
                                  readout_format=".1e", continuous_update=False),
        momentum=momentum_control,
        problem=widgets.Dropdown(options=list(PROBLEM_VIEWS), value=problem, description="function"),
    )
