"""Torch's own optimizers by name, and one MLP trained with any of them.

:data:`TORCH_OPTIMIZERS` maps a name to ``factory(params, lr)``, a
``torch.optim`` optimizer with torch's defaults for everything but the
learning rate (and SGD's momentum 0.9 under ``"SGD+momentum"``), so a
chapter can compare them in a loop.  :func:`train_with` builds the MLP of
:func:`~lecturelib.torchkit.experiments.train_mlp`, trains it with one of
them in the book's one training loop
(:func:`~lecturelib.torchkit.training.train`) at a constant learning rate
or on a schedule (:class:`lecturelib.schedules.Scheduler`, stepped after
every optimizer step), and records the loss and learning rate of every step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from .._validation import check_int, check_number, check_option
from ..history import History
from ..schedules import Scheduler
from .models import init_linear_layers_, torch_mlp
from .training import Callback, train

__all__ = ["TORCH_OPTIMIZERS", "OptimizerRun", "train_with"]

#: ``factory(params, lr) -> torch.optim.Optimizer``, torch's defaults for
#: every other setting (AdamW: ``weight_decay=0.01``; Adadelta: ``rho=0.9``).
TORCH_OPTIMIZERS: dict[str, Callable[[Iterable[nn.Parameter], float], torch.optim.Optimizer]] = {
    "SGD": lambda params, lr: torch.optim.SGD(params, lr=lr),
    "SGD+momentum": lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=0.9),
    "Adagrad": lambda params, lr: torch.optim.Adagrad(params, lr=lr),
    "RMSprop": lambda params, lr: torch.optim.RMSprop(params, lr=lr),
    "Adadelta": lambda params, lr: torch.optim.Adadelta(params, lr=lr),
    "Adam": lambda params, lr: torch.optim.Adam(params, lr=lr),
    "AdamW": lambda params, lr: torch.optim.AdamW(params, lr=lr),
}


@dataclass(frozen=True)
class OptimizerRun:
    """A network trained by :func:`train_with`, and what its training recorded.

    Attributes
    ----------
    net : nn.Sequential
        The trained network.
    history : History
        One entry per epoch (:func:`~lecturelib.torchkit.training.train`).
    batch_losses : ndarray, shape (T,)
        The mini-batch loss of every optimizer step, computed before the step.
    lrs : ndarray, shape (T,)
        The learning rate every step used (``param_groups[0]["lr"]``).
    """

    net: nn.Sequential
    history: History
    batch_losses: np.ndarray
    lrs: np.ndarray


def train_with(
    name: str, x: Any, y: Any, *, lr: float | Callable[[int], float], epochs: int,
    batch_size: int = 100, hidden: Sequence[int] = (100, 100), activation: str = "relu",
    weight_init: str = "kaiming_normal", x_val: Any = None, y_val: Any = None, seed: int = 0,
    callback: Callback | None = None,
) -> OptimizerRun:
    r"""Train a fresh MLP with the torch optimizer called ``name``.

    The network is ``torch_mlp([n_in, *hidden, n_classes], activation=activation)``
    with weights drawn by ``weight_init`` from a generator seeded with
    ``seed``, and the mini-batch order comes from ``seed`` as well: exactly
    :func:`~lecturelib.torchkit.experiments.train_mlp`'s network and order,
    so two calls that differ in the optimizer differ in nothing else.

    Parameters
    ----------
    name : str
        A key of :data:`TORCH_OPTIMIZERS`.
    x : array of shape (N, n_in)
    y : array of int, shape (N,)
        Class indices; ``n_classes = max(y) + 1``.
    lr : float or callable
        A constant learning rate ``> 0``, or a schedule ``lr(step) ->
        float`` (e.g. ``functools.partial(cosine_annealing_lr, base_lr=0.1,
        T_max=180)``): step ``t = 1, 2, ...`` uses ``lr(t - 1)``, set by a
        :class:`~lecturelib.schedules.Scheduler` stepped after every
        optimizer step, as torch's schedulers are when stepped per batch.
    epochs : int
    batch_size : int, default 100
    hidden : sequence of int, default (100, 100)
    activation : str, default "relu"
    weight_init : str, default "kaiming_normal"
        A name in :data:`lecturelib.init.INITIALIZERS`.
    x_val, y_val : arrays, optional
        Validation data, evaluated after every epoch.
    seed : int, default 0
    callback : callable, optional
        ``callback(step, model)``, passed to :func:`train` (e.g.
        :class:`~lecturelib.torchkit.monitors.UpdateRatioRecorder`).

    Returns
    -------
    OptimizerRun
        The trained ``net``, its ``history``, and per step its
        ``batch_losses`` and ``lrs``.

    Examples
    --------
    >>> x = np.random.default_rng(0).standard_normal((40, 3))
    >>> y = (x[:, 0] > 0).astype(int)
    >>> run = train_with("Adam", x, y, lr=1e-2, epochs=2, batch_size=10, hidden=[8])
    >>> run.batch_losses.shape, float(run.lrs[0])
    ((8,), 0.01)
    """
    name = check_option(name, "name", TORCH_OPTIMIZERS)
    if not callable(lr):
        lr = check_number(lr, "lr", low=0.0, low_inclusive=False)
    hidden = [check_int(n, f"hidden[{i}]", low=1) for i, n in enumerate(hidden)]
    seed = check_int(seed, "seed", low=0)
    n_in, n_classes = np.asarray(x).shape[1], int(np.max(y)) + 1
    net = torch_mlp([n_in, *hidden, n_classes], activation=activation)
    init_linear_layers_(net, weight_init, generator=torch.Generator().manual_seed(seed))
    optimizer = TORCH_OPTIMIZERS[name](net.parameters(), 1.0 if callable(lr) else lr)
    scheduler = Scheduler(optimizer, lr) if callable(lr) else None
    losses: list[float] = []
    lrs: list[float] = []

    def record(step: int, loss: float) -> None:
        losses.append(loss)
        lrs.append(optimizer.param_groups[0]["lr"])  # the rate this step used
        if scheduler is not None:
            scheduler.step()

    history = train(net, x, y, optimizer=optimizer, epochs=epochs, batch_size=batch_size, x_val=x_val,
                    y_val=y_val, seed=seed, callback=callback, batch_callback=record)
    return OptimizerRun(net, history, np.array(losses), np.array(lrs))
