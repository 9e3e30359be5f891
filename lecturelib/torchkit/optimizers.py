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
:class:`OnArrays` runs a ``torch.optim`` optimizer on numpy arrays with the
interface of :mod:`lecturelib.optim`, so that an experiment written for the
numpy optimizers can be repeated, unchanged, on torch's own, and
:func:`scheduler_lrs` reads the rates a ``torch.optim.lr_scheduler`` sets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial
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

__all__ = ["TORCH_OPTIMIZERS", "OnArrays", "OptimizerRun", "on_arrays", "scheduler_lrs", "train_with"]

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


class OnArrays:
    """A ``torch.optim`` optimizer that updates float64 numpy arrays in place.

    The interface of :class:`lecturelib.optim.Optimizer`: ``OnArrays(
    torch.optim.Adam, [x], lr=0.1)`` behaves as ``optim.Adam([x], lr=0.1)``
    and ``step(grads)`` takes a list of numpy gradients, but the update is
    torch's own.  Each array is wrapped by :func:`torch.from_numpy`, which
    shares its memory, so torch's in-place update is the array's update;
    nothing is copied back.  Use :func:`on_arrays` to get a drop-in
    replacement for a class of :mod:`lecturelib.optim`, e.g. as
    ``make_optimizer`` of :func:`lecturelib.problems.run_optimizer`.

    Parameters
    ----------
    optimizer_class : type
        A subclass of ``torch.optim.Optimizer``, e.g. ``torch.optim.Adam``.
    params : list of ndarray
        Writeable C-contiguous float64 arrays, updated in place.
    **kwargs
        Passed to ``optimizer_class`` (``lr``, ``betas``, ``amsgrad``, ...).

    Attributes
    ----------
    optimizer : torch.optim.Optimizer
        The wrapped optimizer; its ``param_groups`` and ``state`` are
        torch's (``param_groups`` is also available on this object).
    params : list of ndarray
        The arrays, in order.

    Examples
    --------
    >>> x = np.array([1.0, -2.0])
    >>> opt = OnArrays(torch.optim.SGD, [x], lr=0.5, momentum=0.9)
    >>> opt.step([np.array([1.0, 1.0])])
    >>> opt.step([np.array([1.0, 1.0])])
    >>> x  # 1 - 0.5 * 1 - 0.5 * 1.9, -2 - 0.5 - 0.95
    array([-0.45, -3.45])
    """

    def __init__(self, optimizer_class: type, params: Sequence[np.ndarray], **kwargs: Any) -> None:
        if not (isinstance(optimizer_class, type) and issubclass(optimizer_class, torch.optim.Optimizer)):
            raise TypeError("optimizer_class must be a torch.optim.Optimizer subclass such as torch.optim.Adam, "
                            f"got {optimizer_class!r}")
        if isinstance(params, np.ndarray) or not isinstance(params, Sequence) or not params:
            raise TypeError(f"params must be a non-empty list of numpy arrays, got {type(params).__name__}"
                            + (" (empty)" if isinstance(params, Sequence) and not params else ""))
        for i, p in enumerate(params):
            if not isinstance(p, np.ndarray) or p.dtype != np.float64:
                what = f"dtype {p.dtype}" if isinstance(p, np.ndarray) else type(p).__name__
                raise TypeError(f"params[{i}] must be a float64 numpy array (updated in place), got {what}")
            if not (p.flags.writeable and p.flags.c_contiguous):
                raise ValueError(f"params[{i}] must be a writeable C-contiguous array (torch shares its memory), "
                                 "got a read-only or strided array")
        self.params = list(params)
        self._tensors = [torch.from_numpy(p) for p in self.params]  # the same memory
        self.optimizer = optimizer_class(self._tensors, **kwargs)

    @property
    def param_groups(self) -> list[dict[str, Any]]:
        """Torch's parameter groups (the tensors share the arrays' memory)."""
        return self.optimizer.param_groups

    @property
    def state(self) -> Any:
        """Torch's optimizer state, keyed by tensor."""
        return self.optimizer.state

    def step(self, grads: Sequence[np.ndarray | None]) -> None:
        """One step of torch's optimizer from numpy gradients.

        Parameters
        ----------
        grads : list of (ndarray or None)
            One gradient per array, of its shape; ``None`` leaves that
            array's ``.grad`` unset, so torch skips it.
        """
        if isinstance(grads, np.ndarray) or not isinstance(grads, Sequence):
            raise TypeError(f"grads must be a list of arrays, one per parameter, got {type(grads).__name__}")
        if len(grads) != len(self.params):
            raise ValueError(f"grads must hold one gradient per parameter: expected {len(self.params)}, "
                             f"got {len(grads)}")
        for i, (p, t, g) in enumerate(zip(self.params, self._tensors, grads)):
            if g is None:
                t.grad = None
                continue
            g = np.asarray(g, dtype=np.float64)
            if g.shape != p.shape:
                raise ValueError(f"grads[{i}] must have the shape of params[{i}], {p.shape}, got {g.shape}")
            t.grad = torch.tensor(g)  # a copy: torch may modify .grad in place (maximize, weight decay)
        self.optimizer.step()

    def __repr__(self) -> str:
        return f"OnArrays({type(self.optimizer).__name__}, {len(self.params)} array(s))"


def on_arrays(optimizer_class: type) -> Callable[..., OnArrays]:
    """``optimizer_class`` (from ``torch.optim``) with :mod:`lecturelib.optim`'s interface.

    Parameters
    ----------
    optimizer_class : type
        A subclass of ``torch.optim.Optimizer``.

    Returns
    -------
    callable
        ``make(params, **kwargs) -> OnArrays``, called like the numpy class
        of the same name: ``on_arrays(torch.optim.Adam)([x], lr=0.1)``.

    Examples
    --------
    >>> from lecturelib import optim
    >>> a, b = np.array([1.0]), np.array([1.0])
    >>> for make, x in [(optim.Adam, a), (on_arrays(torch.optim.Adam), b)]:
    ...     opt = make([x], lr=0.1, amsgrad=True)
    ...     for g in [3.0, -1.0, -1.0]:
    ...         opt.step([np.array([g])])
    >>> bool(abs(a - b).max() < 1e-15)
    True
    """
    if not (isinstance(optimizer_class, type) and issubclass(optimizer_class, torch.optim.Optimizer)):
        raise TypeError("optimizer_class must be a torch.optim.Optimizer subclass such as torch.optim.Adam, "
                        f"got {optimizer_class!r}")
    return partial(OnArrays, optimizer_class)


def scheduler_lrs(make_scheduler: Callable[[torch.optim.Optimizer], Any], *, lr: float, steps: int) -> np.ndarray:
    """The learning rate each of ``steps`` optimizer steps uses under a torch scheduler.

    Drives a one-parameter ``torch.optim.SGD`` with learning rate ``lr``
    and the scheduler ``make_scheduler(optimizer)`` in torch's order, one
    ``optimizer.step()`` then one ``scheduler.step()`` per step, and reads
    ``param_groups[0]["lr"]`` before every optimizer step: the rates that
    :class:`lecturelib.schedules.Scheduler` and :func:`train_with` record.

    Parameters
    ----------
    make_scheduler : callable
        ``make_scheduler(optimizer)``, e.g.
        ``lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=30)``.
    lr : float
        The optimizer's initial learning rate, ``> 0`` (the scheduler's
        base rate; one-cycle sets its own).
    steps : int
        Number of optimizer steps, ``>= 1``.

    Returns
    -------
    ndarray, shape (steps,)

    Examples
    --------
    >>> from torch.optim import lr_scheduler
    >>> scheduler_lrs(lambda o: lr_scheduler.StepLR(o, step_size=2, gamma=0.5), lr=1.0, steps=5)
    array([1.  , 1.  , 0.5 , 0.5 , 0.25])
    """
    if not callable(make_scheduler):
        raise TypeError(f"make_scheduler must be a callable make_scheduler(optimizer), got {make_scheduler!r}")
    lr = check_number(lr, "lr", low=0.0, low_inclusive=False)
    steps = check_int(steps, "steps", low=1)
    optimizer = torch.optim.SGD([torch.zeros(1, dtype=torch.float64, requires_grad=True)], lr=lr)
    scheduler = make_scheduler(optimizer)
    lrs = []
    for _ in range(steps):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()  # no gradient: nothing moves, but the order torch expects
        scheduler.step()
    return np.array(lrs, dtype=np.float64)
