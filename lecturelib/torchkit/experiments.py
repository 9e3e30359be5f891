"""Experiments the chapters run on torch's own modules.

Each function builds a network from ``torch.nn`` modules, initialises it by a
name of :data:`lecturelib.init.INITIALIZERS` (``"linear_default"`` is torch's
own construction, weight *and* bias), and measures or trains it with the
book's one training loop, :func:`lecturelib.torchkit.train`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from .._validation import check_int, check_number, check_option, check_rng
from ..diagnostics import LayerStatistics
from ..history import History
from .hooks import layer_statistics
from .models import init_linear_layers_, torch_mlp
from .training import train

__all__ = ["torch_generator", "torch_init_statistics", "TrainedMLP", "OPTIMIZERS", "train_mlp", "train_deep_mlp"]


def torch_generator(rng: np.random.Generator) -> torch.Generator:
    """A ``torch.Generator`` seeded from a numpy ``rng``, so that :func:`lecturelib.diagnostics.over_seeds`
    can drive torch experiments too.

    Examples
    --------
    >>> a = torch_generator(np.random.default_rng(0)).initial_seed()
    >>> a == torch_generator(np.random.default_rng(0)).initial_seed()
    True
    """
    rng = check_rng(rng)
    return torch.Generator().manual_seed(int(rng.integers(0, 2**62)))


def torch_init_statistics(
    x: Any, y: Any, *, depth: int, activation: str, weight_init: str, width: int = 256,
    n_classes: int | None = None, rng: np.random.Generator,
) -> LayerStatistics:
    """Statistics of a fresh ``nn.Sequential`` of ``nn.Linear`` layers, measured with hooks in float64.

    The torch twin of :func:`lecturelib.diagnostics.init_statistics`:
    ``torch_mlp([n_0] + [width] * depth + [n_classes])`` initialised by
    :func:`~lecturelib.torchkit.models.init_linear_layers_` (so
    ``"linear_default"`` measures exactly what ``nn.Linear`` draws, biases
    included), one forward and backward pass of cross-entropy.

    Returns
    -------
    LayerStatistics
        ``depth + 1`` entries, the last for the output layer.
    """
    x = torch.as_tensor(np.asarray(x), dtype=torch.float64)
    y = torch.as_tensor(np.asarray(y), dtype=torch.int64)
    depth = check_int(depth, "depth", low=1)
    width = check_int(width, "width", low=1)
    n_classes = check_int(int(y.max()) + 1 if n_classes is None else n_classes, "n_classes", low=1)
    net = torch_mlp([x.shape[1]] + [width] * depth + [n_classes], activation=activation)
    init_linear_layers_(net, weight_init, generator=torch_generator(rng))
    return layer_statistics(net.double(), x, y, activation=activation)


#: Optimizer names for :func:`train_mlp` -> ``fn(params, lr, momentum)``.
OPTIMIZERS: dict[str, Callable[..., torch.optim.Optimizer]] = {
    "sgd": lambda params, lr, momentum, weight_decay: torch.optim.SGD(
        params, lr=lr, momentum=momentum, weight_decay=weight_decay),
    "adam": lambda params, lr, momentum, weight_decay: torch.optim.Adam(
        params, lr=lr, weight_decay=weight_decay),
    "adamw": lambda params, lr, momentum, weight_decay: torch.optim.AdamW(
        params, lr=lr, weight_decay=weight_decay),
}


@dataclass(frozen=True)
class TrainedMLP:
    """A network trained by :func:`train_mlp`, and what its training recorded."""

    net: nn.Sequential
    history: History


def train_mlp(
    x: Any, y: Any, *, hidden: Sequence[int], activation: str, weight_init: str, lr: float,
    epochs: int, optimizer: str = "sgd", momentum: float = 0.0, batch_size: int = 64,
    weight_std: float | None = None, bias_init: float | None = None, norm: str | None = None,
    x_val: Any = None, y_val: Any = None, seed: int = 0, callback: Callable[[int, nn.Module], None] | None = None,
    drop_last: bool = False, weight_decay: float = 0.0, dropout: float = 0.0, input_noise: float = 0.0,
    penalty: Callable[[nn.Module], torch.Tensor] | None = None, transform: Any = None,
    epoch_callback: Any = None, stop_on_nonfinite: bool = False, progress: bool | None = None,
) -> TrainedMLP:
    r"""Build an MLP from torch's modules, initialise it by name, and train it with :func:`train`.

    The network is ``torch_mlp([n_in, *hidden, n_classes], activation=activation, norm=norm)``;
    its ``nn.Linear`` weights are drawn by the initializer ``weight_init``
    from a generator seeded with ``seed`` (:func:`init_linear_layers_`),
    and the mini-batch order comes from ``seed`` too, so two calls that
    differ in one argument differ in nothing else.  Runs in float32, torch's
    default.

    Parameters
    ----------
    x : array of shape (N, n_in)
    y : array of int, shape (N,)
        Class indices; ``n_classes = max(y) + 1``.
    hidden : sequence of int
        Widths of the hidden layers.
    activation : str
        A name :func:`~lecturelib.torchkit.models.torch_mlp` accepts.
    weight_init : str
        A name in :data:`lecturelib.init.INITIALIZERS`.
    lr : float
        Learning rate, ``> 0``.
    epochs : int
    optimizer : {"sgd", "adam", "adamw"}, default "sgd"
        ``torch.optim.SGD(lr, momentum, weight_decay)``,
        ``torch.optim.Adam(lr, weight_decay)`` or
        ``torch.optim.AdamW(lr, weight_decay)``, with torch's other defaults
        (``weight_decay`` is this function's, 0 by default, also for AdamW).
    momentum : float, default 0.0
        SGD's momentum, in ``[0, 1]``; must be 0 with Adam.
    batch_size : int, default 64
    weight_std : float, optional
        The weights' standard deviation with ``weight_init="normal"``
        (:func:`~lecturelib.torchkit.models.init_linear_layers_`).
    bias_init : float, optional
        If given, every *hidden* layer's bias starts at this constant (the
        output layer's keeps what ``weight_init`` gives it).
    norm : {"batch", "layer"}, optional
        Batch or layer normalization after every hidden ``nn.Linear``
        (:func:`~lecturelib.torchkit.models.torch_mlp`); its ``gamma`` and
        ``beta`` start at torch's 1 and 0 whatever ``weight_init`` is.
    x_val, y_val : arrays, optional
    seed : int, default 0
    callback : callable, optional
        Passed to :func:`train`.
    drop_last : bool, default False
        Passed to :func:`train`: skip each epoch's incomplete last batch
        (needed with ``norm="batch"`` when it would hold one example).
    weight_decay : float, default 0.0
        The optimizer's ``weight_decay``, ``>= 0``: an L2 penalty
        :math:`\tfrac{\lambda}{2}\lVert w\rVert^2` for SGD and Adam (added
        to the gradient), decoupled decay for AdamW.  It applies to every
        parameter, biases included, as torch's does.
    dropout, input_noise : float, default 0.0
        Passed to :func:`~lecturelib.torchkit.models.torch_mlp`: dropout
        after every hidden activation, Gaussian noise on the input.  Both
        draw from torch's global generator (seed it, e.g. with
        :func:`lecturelib.seed_everything`).
    penalty, transform, epoch_callback, stop_on_nonfinite, progress
        Passed to :func:`train`.

    Returns
    -------
    TrainedMLP
        The trained ``net`` and its ``history`` (one entry per epoch).
    """
    hidden = [check_int(n, f"hidden[{i}]", low=1) for i, n in enumerate(hidden)]
    lr = check_number(lr, "lr", low=0.0, low_inclusive=False)
    optimizer = check_option(optimizer, "optimizer", OPTIMIZERS)
    momentum = check_number(momentum, "momentum", low=0.0, high=1.0)
    if optimizer != "sgd" and momentum != 0.0:
        raise ValueError(f"momentum must be 0 with optimizer={optimizer!r} (Adam has its own betas), got {momentum}")
    if bias_init is not None:
        bias_init = check_number(bias_init, "bias_init")
    weight_decay = check_number(weight_decay, "weight_decay", low=0.0)
    seed = check_int(seed, "seed", low=0)
    n_in, n_classes = np.asarray(x).shape[1], int(np.max(y)) + 1
    net = torch_mlp([n_in, *hidden, n_classes], activation=activation, norm=norm, dropout=dropout,
                    input_noise=input_noise)
    init_linear_layers_(net, weight_init, generator=torch.Generator().manual_seed(seed), std=weight_std)
    if bias_init is not None:
        linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
        with torch.no_grad():
            for m in linears[:-1]:
                m.bias.fill_(bias_init)
    opt = OPTIMIZERS[optimizer](net.parameters(), lr, momentum, weight_decay)
    history = train(net, x, y, optimizer=opt, epochs=epochs, batch_size=batch_size, x_val=x_val, y_val=y_val,
                    seed=seed, callback=callback, drop_last=drop_last, penalty=penalty, transform=transform,
                    epoch_callback=epoch_callback, stop_on_nonfinite=stop_on_nonfinite, progress=progress)
    return TrainedMLP(net, history)


def train_deep_mlp(
    x: Any, y: Any, *, x_val: Any, y_val: Any, depth: int, width: int, weight_init: str,
    activation: str = "relu", lr: float, momentum: float = 0.9, epochs: int, batch_size: int = 64,
    seed: int = 0,
) -> History:
    """Train a deep ``nn.Linear`` MLP with SGD and momentum from a named initialization.

    He et al. (2015)'s experiment at laptop scale: the network, optimizer,
    data, mini-batch order (``seed``) and number of epochs are fixed, and only
    ``weight_init`` changes; :func:`train_mlp` with ``depth`` hidden layers
    of ``width`` units.

    Returns
    -------
    History
        Per epoch: ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``.

    References
    ----------
    He, K., Zhang, X., Ren, S. and Sun, J. (2015). Delving deep into
    rectifiers. *ICCV*.
    """
    depth = check_int(depth, "depth", low=1)
    width = check_int(width, "width", low=1)
    return train_mlp(x, y, hidden=[width] * depth, activation=activation, weight_init=weight_init, lr=lr,
                     epochs=epochs, optimizer="sgd", momentum=momentum, batch_size=batch_size, x_val=x_val,
                     y_val=y_val, seed=seed).history
