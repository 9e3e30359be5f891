"""Explorables that drive a torch experiment: each wires a computation to a plotting function.

The computation is a plain function that returns data (:func:`activation_snapshots`,
:func:`regularization_run`, :func:`transfer_run`), so that a chapter draws the
printed book's static figure from the same call the widget makes
(:func:`regularization_view`, :func:`transfer_view`); the widget
(:func:`activation_explorer`, :func:`regularization_explorer`,
:func:`transfer_explorer`) only connects controls to it and to
:mod:`lecturelib.plotting`.  The widgets need a running kernel.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from torch import nn

from .._validation import as_float_array, as_labels, check_int, check_number, check_option
from ..activations import ACTIVATIONS, get_activation
from ..data import DataSplit, class_split, load_mnist1d, stratified_subset
from ..diagnostics import Diagnosis, diagnose_learning_curves
from ..history import History
from ..init import INITIALIZER_LABELS, INITIALIZERS
from ..plotting import (_check_limits, _choose_layers, color, plot_functions, plot_histograms_by_layer,
                        plot_learning_curves)
from .baselines import mnist1d_cnn
from .experiments import train_mlp
from .hooks import ActivationRecorder, ActivationTrace, _check_bins
from .models import TORCH_ACTIVATIONS, init_for
from .transfer import FineTuned, fine_tune, pretrained_source, trainable_parameters

__all__ = ["ActivationRun", "activation_snapshots", "explorer_activations", "activation_explorer",
           "REGULARIZATION_BASE", "REGULARIZATION_DROPOUT", "REGULARIZATION_WEIGHT_DECAYS",
           "REGULARIZATION_TRAIN_SIZES", "regularization_run", "regularization_view", "regularization_explorer",
           "TRANSFER_STRATEGIES", "TRANSFER_LABELS_PER_CLASS", "TRANSFER_SEEDS", "TRANSFER_N_SAMPLES",
           "TRANSFER_FINE_TUNE", "TRANSFER_SCRATCH", "TRANSFER_SCRATCH_SEED_OFFSET", "TRANSFER_LOSS_YLIM",
           "transfer_run", "transfer_view", "transfer_explorer"]


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


# ---------------------------------------------------------------- transfer learning (Chapter 7)


#: The strategies :func:`transfer_run` offers: reuse the pretrained source network, or train a fresh one.
TRANSFER_STRATEGIES: tuple[str, ...] = ("transfer", "scratch")
#: The label budgets (labelled training examples per target class) :func:`transfer_explorer` offers.
TRANSFER_LABELS_PER_CLASS: tuple[int, ...] = (1, 5, 20, 100)
#: The seeds :func:`transfer_explorer` offers: (min, max).
TRANSFER_SEEDS: tuple[int, int] = (0, 4)
#: MNIST-1D's size for :func:`transfer_run`: the data :func:`~lecturelib.torchkit.transfer.pretrained_source` uses.
TRANSFER_N_SAMPLES: int = 10_000
#: Keyword arguments of :func:`~lecturelib.torchkit.transfer.fine_tune` for ``strategy="transfer"``:
#: Adam at 1e-3 on the unfrozen blocks and 1e-2 on the new head (discriminative rates).
TRANSFER_FINE_TUNE: dict[str, Any] = dict(lr=1e-3, head_lr=1e-2)
#: Keyword arguments of :func:`~lecturelib.torchkit.transfer.fine_tune` for ``strategy="scratch"``:
#: Adam at 1e-2 on every parameter of a fresh network, whose head is kept.
TRANSFER_SCRATCH: dict[str, Any] = dict(lr=1e-2, new_head=False)
#: ``strategy="scratch"`` initializes its network with ``seed + TRANSFER_SCRATCH_SEED_OFFSET``, so that
#: its weights are not those the source network started from (which used seed 0).
TRANSFER_SCRATCH_SEED_OFFSET: int = 1000
#: The fixed log axis of the training loss in :func:`transfer_view`: (low, high).
TRANSFER_LOSS_YLIM: tuple[float, float] = (1e-5, 10.0)


def _source_model(source: nn.Module | None) -> nn.Module:
    if source is None:
        return pretrained_source().model
    if not isinstance(source, nn.Module):
        raise TypeError(f"source must be a torch.nn.Module (e.g. pretrained_source().model) or None, "
                        f"got {type(source).__name__}")
    return source


def _transfer_data(data: DataSplit | None) -> DataSplit:
    return load_mnist1d(n_samples=TRANSFER_N_SAMPLES) if data is None else _mnist1d(data)


def _n_blocks(model: nn.Module) -> int:
    """How many of ``model``'s top-level children are ``block1, block2, ...``, in a row."""
    names = {name for name, _ in model.named_children()}
    n = 0
    while f"block{n + 1}" in names:
        n += 1
    return n


def _check_transfer_setting(labels_per_class: int, strategy: str, frozen_blocks: int,
                            seed: int) -> tuple[int, str, int, int]:
    return (check_int(labels_per_class, "labels_per_class", low=1),
            check_option(strategy, "strategy", TRANSFER_STRATEGIES),
            check_int(frozen_blocks, "frozen_blocks", low=0),
            check_int(seed, "seed", low=0, high=2**32 - 1))


def transfer_run(
    labels_per_class: int, strategy: str, frozen_blocks: int = 3, seed: int = 0, *,
    source: nn.Module | None = None, data: DataSplit | None = None,
) -> FineTuned:
    """One run of Chapter 7: reuse the source network on MNIST-1D's classes 5-9, or train from scratch.

    The target task is :func:`lecturelib.data.class_split` of ``data``:
    classes 5-9 relabelled 0-4, with ``labels_per_class`` labelled training
    examples per class drawn with ``seed``, tested on every test example of
    those classes.  Then :func:`~lecturelib.torchkit.transfer.fine_tune`
    trains for 80 full-batch Adam steps:

    - ``"transfer"``: a copy of ``source`` with a new head, its children up
      to ``block{frozen_blocks}`` frozen (none for 0; all three blocks, i.e.
      *feature extraction*, for 3), at the rates of :data:`TRANSFER_FINE_TUNE`
      (1e-3 for the blocks, 1e-2 for the head);
    - ``"scratch"``: a fresh ``mnist1d_cnn(5, seed=seed + 1000)``
      (:data:`TRANSFER_SCRATCH_SEED_OFFSET`), every parameter trained at
      :data:`TRANSFER_SCRATCH` (1e-2); ``frozen_blocks`` does not apply and
      is only checked.

    These are the chapter's calls, so a setting's run here equals the
    chapter's run of it.  Deterministic given the arguments; ``source`` is
    not modified; no progress bar is drawn.

    Parameters
    ----------
    labels_per_class : int
        Labelled training examples per target class, ``>= 1`` (the explorer
        offers :data:`TRANSFER_LABELS_PER_CLASS`).
    strategy : {"transfer", "scratch"}
    frozen_blocks : int, default 3
        Blocks frozen for ``"transfer"``, from 0 to the number of blocks of
        ``source`` (3).
    seed : int, default 0
        Seeds the label budget, the new head (or the scratch network, with
        the offset) and the batch order, in ``[0, 2**32 - 1]``.
    source : torch.nn.Module, optional
        The source network, with children ``block1, ...`` and ``head``;
        default :func:`~lecturelib.torchkit.transfer.pretrained_source`'s
        model (trained on classes 0-4, cached on disk).
    data : DataSplit, optional
        Default ``load_mnist1d(n_samples=10_000)`` (:data:`TRANSFER_N_SAMPLES`),
        the data the source network was trained on.

    Returns
    -------
    FineTuned
        The trained copy ``model``, its ``history`` (``loss`` and ``accuracy``
        at epochs 0-80; epoch 0 is the network before training) and its
        ``test_accuracy`` on classes 5-9.

    References
    ----------
    Yosinski, J., Clune, J., Bengio, Y. and Lipson, H. (2014). How
    transferable are features in deep neural networks? *NeurIPS 27*.

    Examples
    --------
    >>> run = transfer_run(5, "transfer", frozen_blocks=3)
    >>> len(run.history["loss"]), trainable_parameters(run.model).trainable
    (81, 630)
    """
    labels_per_class, strategy, frozen_blocks, seed = _check_transfer_setting(labels_per_class, strategy,
                                                                              frozen_blocks, seed)
    source = _source_model(source)
    frozen_blocks = check_int(frozen_blocks, "frozen_blocks", low=0, high=_n_blocks(source))
    tasks = class_split(_transfer_data(data), labels_per_class=labels_per_class, seed=seed)
    if strategy == "scratch":
        net = mnist1d_cnn(len(tasks.target_classes), seed=TRANSFER_SCRATCH_SEED_OFFSET + seed)
        return fine_tune(net, tasks.target, **TRANSFER_SCRATCH, seed=seed, progress=False)
    return fine_tune(source, tasks.target, **TRANSFER_FINE_TUNE, progress=False,
                     freeze_until=None if frozen_blocks == 0 else f"block{frozen_blocks}", seed=seed)


def _transfer_title(run: FineTuned, labels_per_class: int, strategy: str, frozen_blocks: int) -> str:
    """Two lines of at most 60 characters: the setting, then the result."""
    labels = f"{labels_per_class} label{'s' if labels_per_class != 1 else ''}/class"
    if strategy == "scratch":
        setting = f"scratch (frozen blocks do not apply), {labels}"
    else:
        setting = f"transfer, {frozen_blocks} block{'s' if frozen_blocks != 1 else ''} frozen, {labels}"
    counts = trainable_parameters(run.model)
    return (f"{setting}\ntest accuracy {run.test_accuracy:.3f}, "
            f"{counts.trainable:,} of {counts.total:,} parameters train")


def _draw_transfer(run: FineTuned, labels_per_class: int, strategy: str, frozen_blocks: int, *,
                   loss_ylim: tuple[float, float], ax: Axes | None = None) -> Axes:
    """The training loss of one run on a fixed log axis, headed by its setting and its result."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    loss = run.history["loss"]
    ax.plot(run.history.steps, loss, color=color(0 if strategy == "transfer" else 1))
    ax.set_yscale("log", nonpositive="clip")  # a loss of exactly 0 runs off the bottom
    ax.set_ylim(*loss_ylim)
    ax.set_xlim(0, run.history.steps[-1])
    ax.set_xlabel("epoch (one full-batch Adam step each)")
    ax.set_ylabel("training loss (cross-entropy)")
    ax.set_title(_transfer_title(run, labels_per_class, strategy, frozen_blocks), fontsize="medium")
    ax.grid(True, which="major", alpha=0.3)
    return ax


def _check_loss_ylim(loss_ylim: tuple[float, float]) -> tuple[float, float]:
    low, high = _check_limits(loss_ylim, "loss_ylim")
    if low <= 0:
        raise ValueError(f"loss_ylim must be positive for the log axis, got {loss_ylim!r}")
    return low, high


def transfer_view(
    labels_per_class: int, strategy: str, frozen_blocks: int = 3, seed: int = 0, *,
    source: nn.Module | None = None, data: DataSplit | None = None, ax: Axes | None = None,
    loss_ylim: tuple[float, float] = TRANSFER_LOSS_YLIM,
) -> FineTuned:
    """What :func:`transfer_explorer` draws for one setting: the training loss of :func:`transfer_run`.

    One line, the training loss at every epoch (epoch 0 before training,
    then one full-batch Adam step per epoch), on a fixed log axis from
    ``loss_ylim[0]`` to ``loss_ylim[1]`` (a loss below it runs off the
    bottom), headed by the setting and the result, e.g.::

        transfer, 3 blocks frozen, 5 labels/class
        test accuracy 0.515, 630 of 4,580 parameters train

    The training loss of every strategy falls towards 0 with few labels;
    the test accuracy in the title tells whether that was learning or
    memorizing.  Use it for the static figure that stands in for the widget.

    Parameters
    ----------
    labels_per_class, strategy, frozen_blocks, seed, source, data
        As for :func:`transfer_run`.
    ax : matplotlib Axes, optional
        Default a new figure's.
    loss_ylim : (float, float), default (1e-5, 10)
        The loss axis, ``0 < low < high`` (:data:`TRANSFER_LOSS_YLIM`).

    Returns
    -------
    FineTuned
        The run, as :func:`transfer_run` returns it (``ax`` holds the drawing).
    """
    _check_transfer_setting(labels_per_class, strategy, frozen_blocks, seed)
    loss_ylim = _check_loss_ylim(loss_ylim)
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    run = transfer_run(labels_per_class, strategy, frozen_blocks, seed, source=source, data=data)
    _draw_transfer(run, labels_per_class, strategy, frozen_blocks, loss_ylim=loss_ylim, ax=ax)
    return run


def transfer_explorer(
    *, source: nn.Module | None = None, data: DataSplit | None = None,
    loss_ylim: tuple[float, float] = TRANSFER_LOSS_YLIM,
) -> widgets.interactive:
    """Choose a label budget, a strategy, the frozen blocks and a seed; see the training loss and the test accuracy.

    Each setting runs :func:`transfer_run` (0.1-0.5 s on one CPU thread) and draws
    :func:`transfer_view` on a fixed log axis.  ``source`` and ``data`` are
    loaded once, here; each setting's run is kept, so coming back to it only
    redraws, and the frozen-blocks slider is disabled (and moving it does
    not retrain) while the strategy is ``"scratch"``.  The controls start at
    the chapter's reference setting: 5 labels per class, transfer, 3 blocks
    frozen, seed 0.  Needs a running kernel.

    Parameters
    ----------
    source, data
        As for :func:`transfer_run`.
    loss_ylim : (float, float), default (1e-5, 10)
        As for :func:`transfer_view`.

    Returns
    -------
    ipywidgets.interactive
        Controls ``labels_per_class`` (Dropdown, :data:`TRANSFER_LABELS_PER_CLASS`),
        ``strategy`` (Dropdown, :data:`TRANSFER_STRATEGIES`), ``frozen_blocks``
        (IntSlider from 0 to the number of blocks) and ``seed`` (IntSlider,
        :data:`TRANSFER_SEEDS`).
    """
    loss_ylim = _check_loss_ylim(loss_ylim)
    source = _source_model(source)
    n_blocks = _n_blocks(source)
    data = _transfer_data(data)
    runs: dict[tuple[int, str, int | None, int], FineTuned] = {}
    frozen_slider = widgets.IntSlider(value=n_blocks, min=0, max=n_blocks, description="frozen blocks",
                                      continuous_update=False)

    def show(labels_per_class: int, strategy: str, frozen_blocks: int, seed: int) -> None:
        frozen_slider.disabled = strategy == "scratch"
        key = (labels_per_class, strategy, None if strategy == "scratch" else frozen_blocks, seed)
        if key not in runs:
            runs[key] = transfer_run(labels_per_class, strategy, frozen_blocks, seed, source=source, data=data)
        _draw_transfer(runs[key], labels_per_class, strategy, frozen_blocks, loss_ylim=loss_ylim)
        plt.show()

    low, high = TRANSFER_SEEDS
    return widgets.interactive(
        show,
        labels_per_class=widgets.Dropdown(options=list(TRANSFER_LABELS_PER_CLASS), value=5,
                                          description="labels/class"),
        strategy=widgets.Dropdown(options=list(TRANSFER_STRATEGIES), value="transfer", description="strategy"),
        frozen_blocks=frozen_slider,
        seed=widgets.IntSlider(value=low, min=low, max=high, description="seed", continuous_update=False),
    )
