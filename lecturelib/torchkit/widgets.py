"""Explorables that drive a torch experiment: each wires a computation to a plotting function.

The computation is a plain function that returns data (:func:`activation_snapshots`,
:func:`regularization_run`), so that a chapter draws the printed book's static
figure from the same call the widget makes (:func:`regularization_view`); the
widget (:func:`activation_explorer`, :func:`regularization_explorer`) only
connects controls to it and to :mod:`lecturelib.plotting`.  The widgets need a
running kernel.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes

from .._validation import as_float_array, as_labels, check_int, check_number, check_option
from ..activations import ACTIVATIONS, get_activation
from ..data import DataSplit, load_mnist1d, stratified_subset
from ..diagnostics import Diagnosis, diagnose_learning_curves
from ..history import History
from ..init import INITIALIZER_LABELS, INITIALIZERS
from ..plotting import _check_limits, _choose_layers, plot_functions, plot_histograms_by_layer, plot_learning_curves
from .experiments import train_mlp
from .hooks import ActivationRecorder, ActivationTrace, _check_bins
from .models import TORCH_ACTIVATIONS, init_for

__all__ = ["ActivationRun", "activation_snapshots", "explorer_activations", "activation_explorer",
           "REGULARIZATION_BASE", "REGULARIZATION_DROPOUT", "REGULARIZATION_WEIGHT_DECAYS",
           "REGULARIZATION_TRAIN_SIZES", "regularization_run", "regularization_view", "regularization_explorer"]


class ActivationRun(NamedTuple):
    """What :func:`activation_snapshots` measured: the activations over training, and the training curve."""

    trace: ActivationTrace
    history: History


def explorer_activations() -> list[str]:
    """The activations the explorer offers: every elementwise one of the registries but ``"identity"``.

    Read from :data:`lecturelib.activations.ACTIVATIONS` (which has the
    derivative to plot) and :data:`~lecturelib.torchkit.models.TORCH_ACTIVATIONS`
    (which builds the network) at call time, so newly registered activations appear.

    Examples
    --------
    >>> {"sigmoid", "tanh", "relu"} <= set(explorer_activations())
    True
    >>> "identity" in explorer_activations()
    False
    """
    return [name for name in ACTIVATIONS if name in TORCH_ACTIVATIONS and name != "identity"]


def activation_snapshots(
    x: np.ndarray,
    y: np.ndarray,
    *,
    activation: str,
    depth: int = 10,
    width: int = 64,
    epochs: int = 1,
    batch_size: int = 32,
    lr: float = 0.1,
    weight_init: str | None = None,
    bins: np.ndarray | None = None,
    every: int | None = None,
    x_eval: np.ndarray | None = None,
    seed: int = 0,
) -> ActivationRun:
    """Train a deep MLP briefly with SGD and record its hidden activations at the start and the end.

    The network is ``torch_mlp([n_0] + [width] * depth + [n_classes])`` with
    ``activation`` after every hidden layer, its ``nn.Linear`` weights drawn by
    ``weight_init`` (by default the one suited to the activation,
    :func:`~lecturelib.torchkit.models.init_for`) from a generator
    seeded with ``seed``, biases zero, trained by
    :func:`~lecturelib.torchkit.experiments.train_mlp` (the book's one loop)
    with plain SGD.  An :class:`~lecturelib.torchkit.hooks.ActivationRecorder`
    measures ``x_eval`` at step 0 and after the last step (or every ``every``
    steps).  Deterministic given ``seed``; torch's global generator is left as
    it was.

    Parameters
    ----------
    x : ndarray, shape (N, n_0)
    y : ndarray of int, shape (N,)
        Class indices; ``n_classes = max(y) + 1``.
    activation : str
        A name of :data:`~lecturelib.torchkit.models.TORCH_ACTIVATIONS` (or
        ``"prelu"``, ``"maxout"`` once :func:`~lecturelib.torchkit.models.torch_mlp`
        builds them).
    depth : int, default 10
        Number of hidden layers.
    width : int, default 64
    epochs : int, default 1
        Passes over ``(x, y)``; with ``batch_size`` they set the number of
        steps, ``epochs * ceil(N / batch_size)``.
    batch_size : int, default 32
    lr : float, default 0.1
        SGD's learning rate, ``> 0``.
    weight_init : str, optional
        A name of :data:`lecturelib.init.INITIALIZERS`; default
        ``init_for(activation)``: Xavier's for sigmoid and tanh, He's for the
        ReLU family.
    bins : array_like, shape (n_bins + 1,), optional
        Histogram edges; default ``np.linspace(-3, 3, 61)``, bins 0.1 wide,
        the same for every activation so that histograms compare.
    every : int, optional
        Record every ``every`` steps; default only at the start and the end.
    x_eval : ndarray, shape (M, n_0), optional
        The batch whose activations are recorded; default ``x``.
    seed : int, default 0

    Returns
    -------
    ActivationRun
        ``trace``, an :class:`~lecturelib.torchkit.hooks.ActivationTrace`
        with ``trace.steps == [0, n_steps]`` by default (hidden layer ``l`` in
        column ``l - 1``), and the training ``history`` (one entry per epoch).

    Examples
    --------
    >>> x, y = np.random.default_rng(0).standard_normal((64, 4)), np.arange(64) % 2
    >>> run = activation_snapshots(x, y, activation="tanh", depth=3, width=8, epochs=2, batch_size=16)
    >>> run.trace.steps, run.trace.histograms.shape
    (array([0, 8]), (2, 3, 60))
    """
    x = as_float_array(x, "x", ndim=2)
    y = as_labels(y, "y", n_rows=len(x))
    depth = check_int(depth, "depth", low=1)
    width = check_int(width, "width", low=1)
    epochs = check_int(epochs, "epochs", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)
    n_steps = epochs * -(-len(x) // batch_size)
    every = n_steps if every is None else check_int(every, "every", low=1)
    x_eval = x if x_eval is None else as_float_array(x_eval, "x_eval", ndim=2)
    if x_eval.shape[1] != x.shape[1]:
        raise ValueError(f"x_eval must have {x.shape[1]} features like x, got shape {x_eval.shape}")
    bins = np.linspace(-3.0, 3.0, 61) if bins is None else bins
    weight_init = init_for(activation) if weight_init is None else weight_init
    recorder = ActivationRecorder(x_eval, activation=activation, bins=bins, every=every)
    with torch.random.fork_rng(devices=[]):  # building the modules draws from torch's global generator
        trained = train_mlp(x, y, hidden=[width] * depth, activation=activation, weight_init=weight_init, lr=lr,
                            epochs=epochs, batch_size=batch_size, seed=seed, callback=recorder,
                            progress=False)  # the widget redraws its figure; no bar inside it
    return ActivationRun(recorder.trace, trained.history)


def _check_names(names: Sequence[str], param: str, allowed: Sequence[str]) -> list[str]:
    if isinstance(names, str) or not names:
        raise ValueError(f"{param} must be a non-empty sequence of names, got {names!r}")
    return [check_option(name, f"{param}[i]", allowed) for name in names]


def activation_explorer(
    x: np.ndarray,
    y: np.ndarray,
    *,
    activations: Sequence[str] | None = None,
    depth: int = 10,
    width: int = 64,
    epochs: int = 1,
    batch_size: int = 32,
    lr: float = 0.1,
    weight_init: str | None = None,
    bins: np.ndarray | None = None,
    layers: Sequence[int] | None = None,
    input_range: float = 4.0,
    max_input_range: float = 10.0,
    seed: int = 0,
) -> widgets.interactive:
    """Choose an activation and an input range; see the function, its derivative, and what it does inside a network.

    Top: the activation and its derivative on ``[-R, R]``
    (:func:`lecturelib.activations.get_activation`,
    :func:`lecturelib.plotting.plot_functions`). Bottom: the histograms of
    the chosen hidden layers of a ``depth``-layer MLP at initialization and
    after a short SGD run on ``(x, y)`` (:func:`activation_snapshots`,
    :func:`lecturelib.plotting.plot_histograms_by_layer`), on fixed bins and a
    fixed log axis so that switching activations shows a real change. Each
    activation's run is computed once and kept, so moving the range slider
    only redraws.

    Parameters
    ----------
    x : ndarray, shape (N, n_0)
    y : ndarray of int, shape (N,)
    activations : sequence of str, optional
        The dropdown's choices; default :func:`explorer_activations`.
    depth, width, epochs, batch_size, lr, weight_init, bins, seed
        As for :func:`activation_snapshots`.
    layers : sequence of int, optional
        1-based hidden layers to show; default up to five evenly spaced ones.
    input_range : float, default 4.0
        Initial half-width ``R`` of the function plot's range ``[-R, R]``.
    max_input_range : float, default 10.0
        Largest ``R`` the slider offers.

    Returns
    -------
    ipywidgets.interactive
        Controls ``activation`` (Dropdown) and ``input_range`` (FloatSlider).
    """
    as_float_array(x, "x", ndim=2)
    as_labels(y, "y", n_rows=len(x))
    allowed = explorer_activations()
    activations = _check_names(allowed if activations is None else activations, "activations", allowed)
    depth = check_int(depth, "depth", low=1)
    layers = _choose_layers(layers, depth)
    if weight_init is not None:
        check_option(weight_init, "weight_init", INITIALIZERS)
    check_number(lr, "lr", low=0.0, low_inclusive=False)
    max_input_range = check_number(max_input_range, "max_input_range", low=0.5)
    input_range = check_number(input_range, "input_range", low=0.0, high=max_input_range, low_inclusive=False)
    bins = None if bins is None else _check_bins(bins)
    settings: dict[str, Any] = dict(depth=depth, width=width, epochs=epochs, batch_size=batch_size, lr=lr,
                                    weight_init=weight_init, bins=bins, seed=seed)
    runs = {activations[0]: activation_snapshots(x, y, activation=activations[0], **settings)}  # fail here, not in the callback

    def show(activation: str, input_range: float) -> None:
        if activation not in runs:
            runs[activation] = activation_snapshots(x, y, activation=activation, **settings)
        trace = runs[activation].trace
        fig = plt.figure(figsize=(2.6 * max(len(layers), 3), 6.0), layout="constrained")
        top, bottom = fig.subfigures(2, 1, height_ratios=(1.1, 1.0))
        z = np.linspace(-input_range, input_range, 401)
        f, f_grad = get_activation(activation)
        plot_functions(z, {activation: f(z), f"derivative of {activation}": f_grad(z)}, ax=top.subplots(),
                       title=f"{activation} and its derivative on [-{input_range:g}, {input_range:g}]",
                       xlabel="input $z$", ylabel="value")
        plot_histograms_by_layer(trace.histograms[[0, -1]], trace.bin_edges, layers=layers,
                                 labels=["at initialization", f"after {trace.steps[-1]} SGD steps"],
                                 axes=bottom.subplots(1, len(layers), sharey=True, squeeze=False)[0])
        scheme = init_for(activation) if weight_init is None else weight_init
        bottom.suptitle(f"Activations of a {depth}-layer {activation} MLP of width {width}, "
                        f"{INITIALIZER_LABELS[scheme]} init",
                        fontsize="medium")
        plt.show()

    return widgets.interactive(
        show,
        activation=widgets.Dropdown(options=activations, value=activations[0], description="activation"),
        input_range=widgets.FloatSlider(value=input_range, min=0.5, max=max_input_range, step=0.5,
                                        description="range R", continuous_update=False),
    )


# ---------------------------------------------------------------- regularization (Chapter 6)


#: The network and optimizer of :func:`regularization_run`: the keyword arguments of
#: :func:`~lecturelib.torchkit.experiments.train_mlp` that every setting shares.
REGULARIZATION_BASE: dict[str, Any] = dict(hidden=(100, 100), activation="relu", weight_init="kaiming_normal",
                                           optimizer="adamw", lr=3e-3, batch_size=100)
#: The dropout slider of :func:`regularization_explorer`: (min, max, step).
REGULARIZATION_DROPOUT: tuple[float, float, float] = (0.0, 0.7, 0.1)
#: The AdamW weight decays :func:`regularization_explorer` offers.
REGULARIZATION_WEIGHT_DECAYS: tuple[float, ...] = (0.0, 0.1, 0.3, 1.0, 3.0)
#: The training-set sizes :func:`regularization_explorer` offers (3600 is all of MNIST-1D's training set).
REGULARIZATION_TRAIN_SIZES: tuple[int, ...] = (100, 250, 500, 1000, 3600)


def _mnist1d(data: DataSplit | None) -> DataSplit:
    if data is None:
        return load_mnist1d()
    if not isinstance(data, DataSplit):
        raise TypeError(f"data must be a lecturelib.data.DataSplit (e.g. load_mnist1d()) or None, "
                        f"got {type(data).__name__}")
    return data


def regularization_run(
    *, dropout: float, weight_decay: float, n_train: int, epochs: int = 40, seed: int = 0,
    data: DataSplit | None = None,
) -> tuple[History, Diagnosis]:
    """Train Chapter 6's MLP on ``n_train`` MNIST-1D examples with dropout and weight decay; diagnose its curves.

    The network and optimizer are :data:`REGULARIZATION_BASE`: two hidden
    ReLU layers of 100 units, He initialization, AdamW with ``lr=3e-3`` and
    decoupled ``weight_decay`` (:math:`w \\leftarrow w - \\eta\\lambda w` each
    step; Loshchilov and Hutter, 2019), ``nn.Dropout(dropout)`` after each
    hidden layer (Srivastava et al., 2014), mini-batches of 100.  It trains
    with :func:`~lecturelib.torchkit.experiments.train_mlp` on a class-balanced
    subset of ``n_train`` training examples (``n_train / 10`` per class,
    drawn with ``np.random.default_rng(seed)``; ``n_train = 3600`` is the
    whole, slightly unbalanced, training set), validates on all of
    ``data``'s validation set after every epoch, and labels the run with
    :func:`lecturelib.diagnostics.diagnose_learning_curves`.

    Deterministic given ``seed``, which also seeds the initialization, the
    batch order and, inside :func:`torch.random.fork_rng`, the dropout masks:
    the result equals ``seed_everything(seed)`` then ``train_mlp``, and
    torch's global generator is left as it was.

    Parameters
    ----------
    dropout : float
        The drop probability ``p`` of ``nn.Dropout``, in ``[0, 1]``.
    weight_decay : float
        AdamW's ``weight_decay``, ``>= 0`` (on biases too, as torch's).
    n_train : int
        Training examples, from 10 (one per class) to ``len(data.y_train)``.
    epochs : int, default 40
        At least 9: the diagnosis needs 10 entries (epoch 0 is the untrained network).
    seed : int, default 0
    data : DataSplit, optional
        Default :func:`lecturelib.data.load_mnist1d` (3,600 training and 400
        validation sequences of 40 points).

    Returns
    -------
    history : History
        Per epoch ``0 .. epochs``: ``loss``, ``accuracy`` (in train mode,
        averaged over the epoch), ``val_loss``, ``val_accuracy``.
    diagnosis : Diagnosis

    References
    ----------
    Srivastava, N., Hinton, G., Krizhevsky, A., Sutskever, I. and
    Salakhutdinov, R. (2014). Dropout: a simple way to prevent neural
    networks from overfitting. *JMLR* 15.

    Loshchilov, I. and Hutter, F. (2019). Decoupled weight decay
    regularization. *ICLR*.

    Examples
    --------
    >>> history, diagnosis = regularization_run(dropout=0.0, weight_decay=0.0, n_train=100, epochs=10)
    >>> len(history), history.steps[-1], isinstance(diagnosis, Diagnosis)
    (11, 10, True)
    """
    dropout = check_number(dropout, "dropout", low=0.0, high=1.0)
    weight_decay = check_number(weight_decay, "weight_decay", low=0.0)
    epochs = check_int(epochs, "epochs", low=9)
    seed = check_int(seed, "seed", low=0)
    split = _mnist1d(data)
    n_train = check_int(n_train, "n_train", low=split.n_classes, high=len(split.y_train))
    rows = stratified_subset(split.y_train, n_train, rng=np.random.default_rng(seed))
    with torch.random.fork_rng(devices=[]):  # dropout draws from torch's global generator
        torch.manual_seed(seed)
        trained = train_mlp(split.x_train[rows], split.y_train[rows], **REGULARIZATION_BASE, epochs=epochs,
                            dropout=dropout, weight_decay=weight_decay, x_val=split.x_val, y_val=split.y_val,
                            seed=seed, progress=False)  # the widget redraws its figure; no bar inside it
    return trained.history, diagnose_learning_curves(trained.history)


def _draw_run(run: tuple[History, Diagnosis], dropout: float, weight_decay: float, n_train: int, *,
              loss_ylim: tuple[float, float], axes: Sequence[Axes] | None = None) -> list[Axes]:
    """The learning curves of one run on fixed axes, headed by its setting and its diagnosis."""
    history, diagnosis = run
    return plot_learning_curves(history, diagnosis=diagnosis, axes=axes, loss_ylim=loss_ylim, acc_ylim=(0.0, 1.0),
                                title=f"dropout {dropout:g}, weight decay {weight_decay:g}, "
                                      f"{n_train} training examples")


def regularization_view(
    *, dropout: float, weight_decay: float, n_train: int, epochs: int = 40, seed: int = 0,
    data: DataSplit | None = None, axes: Sequence[Axes] | None = None, loss_ylim: tuple[float, float] = (0.0, 4.0),
) -> list[Axes]:
    """What :func:`regularization_explorer` draws for one setting: the learning curves of :func:`regularization_run`.

    :func:`lecturelib.plotting.plot_learning_curves` of the run, on the
    explorer's fixed axes (loss ``loss_ylim``, accuracy 0 to 1), headed by
    the setting and the diagnosis, e.g. ``dropout 0, weight decay 0, 1000
    training examples`` / ``diagnosis: overfit``.  Use it for the static
    figure that stands in for the widget.

    Parameters
    ----------
    dropout, weight_decay, n_train, epochs, seed, data
        As for :func:`regularization_run`.
    axes : sequence of two Axes, optional
        Loss and accuracy panels of one figure or subfigure; default a new row of two.
    loss_ylim : (float, float), default (0, 4)

    Returns
    -------
    list of Axes
        ``[loss, accuracy]``.
    """
    loss_ylim = _check_limits(loss_ylim, "loss_ylim")
    run = regularization_run(dropout=dropout, weight_decay=weight_decay, n_train=n_train, epochs=epochs, seed=seed,
                             data=data)
    return _draw_run(run, dropout, weight_decay, n_train, loss_ylim=loss_ylim, axes=axes)


def regularization_explorer(
    *, epochs: int = 40, seed: int = 0, loss_ylim: tuple[float, float] = (0.0, 4.0),
) -> widgets.interactive:
    """Choose dropout, weight decay and training-set size; see the learning curves and their diagnosis.

    Each setting trains Chapter 6's MLP on MNIST-1D
    (:func:`regularization_run`, under a second for 1,000 examples) and
    draws :func:`regularization_view` on fixed axes: the loss from
    ``loss_ylim[0]`` to ``loss_ylim[1]``, the accuracy from 0 to 1.  A run
    starts when a slider is released, not while it moves, and each
    setting's run is kept, so coming back to it only redraws.  Needs a
    running kernel.

    Parameters
    ----------
    epochs, seed
        As for :func:`regularization_run`; the same ``seed`` for every
        setting, so that two settings differ in nothing else.
    loss_ylim : (float, float), default (0, 4)

    Returns
    -------
    ipywidgets.interactive
        Controls ``dropout`` (FloatSlider, :data:`REGULARIZATION_DROPOUT`),
        ``weight_decay`` (SelectionSlider, :data:`REGULARIZATION_WEIGHT_DECAYS`)
        and ``n_train`` (SelectionSlider, :data:`REGULARIZATION_TRAIN_SIZES`);
        they start at 0, 0 and 1000.
    """
    epochs = check_int(epochs, "epochs", low=9)
    seed = check_int(seed, "seed", low=0)
    loss_ylim = _check_limits(loss_ylim, "loss_ylim")
    data = load_mnist1d()
    runs: dict[tuple[float, float, int], tuple[History, Diagnosis]] = {}

    def show(dropout: float, weight_decay: float, n_train: int) -> None:
        dropout = round(dropout, 2)  # the slider's 0.30000000000000004 is 0.3
        if (dropout, weight_decay, n_train) not in runs:
            runs[dropout, weight_decay, n_train] = regularization_run(
                dropout=dropout, weight_decay=weight_decay, n_train=n_train, epochs=epochs, seed=seed, data=data)
        _draw_run(runs[dropout, weight_decay, n_train], dropout, weight_decay, n_train, loss_ylim=loss_ylim)
        plt.show()

    low, high, step = REGULARIZATION_DROPOUT
    return widgets.interactive(
        show,
        dropout=widgets.FloatSlider(value=0.0, min=low, max=high, step=step, description="dropout p",
                                    readout_format=".1f", continuous_update=False),
        weight_decay=widgets.SelectionSlider(options=[(f"{wd:g}", wd) for wd in REGULARIZATION_WEIGHT_DECAYS],
                                             value=0.0, description="weight decay", continuous_update=False),
        n_train=widgets.SelectionSlider(options=list(REGULARIZATION_TRAIN_SIZES), value=1000,
                                        description="examples", continuous_update=False),
    )
