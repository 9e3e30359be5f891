"""The learning-rate range test: one short run with a learning rate that grows every step.

Before a long training run, train for a few hundred mini-batches while the
learning rate grows exponentially from tiny to huge, and record the loss of
every batch.  The loss first barely moves (too small a step), then falls
(useful steps), then blows up (too large): the curve of loss against
learning rate, on a log axis, shows the usable range in one run (Smith,
2017).  :func:`lr_range_test` runs it inside the book's one training loop
(:func:`~lecturelib.torchkit.training.train`, through its
``batch_callback``), stops once the loss has blown up, puts the model's
weights back, and returns the data; plotting is left to the caller.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np
import torch
from torch import nn

from .._validation import check_int, check_number
from .training import LossFn, _model_dtype_device, to_tensors, train

__all__ = ["LRRangeTest", "lr_range_test"]

#: ``make_optimizer(params) -> torch.optim.Optimizer``, e.g.
#: ``functools.partial(torch.optim.SGD, lr=1e-3, momentum=0.9)``.
MakeOptimizer = Callable[[Iterator[nn.Parameter]], torch.optim.Optimizer]


class LRRangeTest(NamedTuple):
    """The result of :func:`lr_range_test`; ``T <= steps`` entries, one per optimizer step.

    Attributes
    ----------
    lrs : ndarray, shape (T,)
        The learning rate of every step, ``lr_min * (lr_max / lr_min) ** (t / (steps - 1))``
        for ``t = 0, ..., T - 1``.
    losses : ndarray, shape (T,)
        The mini-batch loss of every step, computed before the step.
    smoothed_losses : ndarray, shape (T,)
        Their bias-corrected exponential moving average (equal to
        ``losses`` with ``smoothing=None``).
    best_loss : float
        The smallest smoothed loss.
    best_lr : float
        The learning rate at which it was reached.
    suggested_lr : float
        ``best_lr / suggestion_divisor`` (see :func:`lr_range_test`, Notes).
    stopped_early : bool
        Whether the test stopped before ``lr_max`` because the smoothed
        loss exceeded ``stop_factor * best_loss`` or was not finite. The
        entry that triggered the stop is the last one recorded.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed_losses: np.ndarray
    best_loss: float
    best_lr: float
    suggested_lr: float
    stopped_early: bool


class _StopRangeTest(Exception):
    """Raised by the range test's batch callback to end ``train`` after the step it records."""


def _build_optimizer(make_optimizer: Any, model: nn.Module) -> torch.optim.Optimizer:
    if not callable(make_optimizer):
        got = type(make_optimizer).__name__
        raise TypeError(f"make_optimizer must be callable as make_optimizer(params), got {got}")
    optimizer = make_optimizer(model.parameters())
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"make_optimizer must return a torch.optim.Optimizer, got {type(optimizer).__name__}")
    own = {id(p) for p in model.parameters()}
    if not any(id(p) in own for group in optimizer.param_groups for p in group["params"]):
        raise ValueError("make_optimizer must build an optimizer on the parameters it is given, "
                         "got one built on other tensors")
    return optimizer


def _set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr


def lr_range_test(
    model: nn.Module, x: Any, y: Any, *, make_optimizer: MakeOptimizer,
    lr_min: float = 1e-7, lr_max: float = 10.0, steps: int = 100,
    stop_factor: float | None = 4.0, smoothing: float | None = 0.98,
    batch_size: int = 64, seed: int = 0, loss_fn: LossFn | None = None,
    suggestion_divisor: float = 10.0,
) -> LRRangeTest:
    r"""Train for ``steps`` mini-batches with an exponentially growing learning rate; record the losses.

    Step :math:`t = 0, 1, \dots, \text{steps} - 1` uses the learning rate

    .. math:: \eta_t = \eta_\min \left(\frac{\eta_\max}{\eta_\min}\right)^{t / (\text{steps} - 1)},

    evenly spaced on a log axis from ``lr_min`` to ``lr_max``, one mini-batch
    per step, in :func:`~lecturelib.torchkit.training.train`.  The batch
    losses :math:`\ell_t` are smoothed with a bias-corrected exponential
    moving average, as in Adam,

    .. math::
        m_t = \beta m_{t-1} + (1 - \beta)\, \ell_t, \quad m_{-1} = 0, \qquad
        \bar\ell_t = \frac{m_t}{1 - \beta^{t+1}},

    and the test stops after the first step whose smoothed loss exceeds
    ``stop_factor`` times the smallest smoothed loss so far, or is not
    finite: the loss has blown up, and larger learning rates teach nothing.

    **The model's weights are restored afterwards.** Every parameter and
    buffer (e.g. batch norm's running statistics) is put back, in place,
    to its value before the test, also if the test raises, and the model
    is left in the train/eval mode it came in. The optimizer is built for the test by
    ``make_optimizer`` and thrown away, so no optimizer state
    (momentum, Adam's moments) carries over either. Torch's global random
    generator (dropout) is *not* restored.

    Parameters
    ----------
    model : torch.nn.Module
        Maps inputs of shape ``(B, ...)`` to logits of shape ``(B, K)``.
    x : ndarray or Tensor of shape (N, ...), floating point
    y : ndarray or Tensor of shape (N,), integer class indices
    make_optimizer : callable
        ``make_optimizer(model.parameters())`` returns the
        :class:`torch.optim.Optimizer` to test, e.g.
        ``functools.partial(torch.optim.SGD, lr=1.0, momentum=0.9)``.  Its
        ``lr`` is overwritten at every step, in every parameter group.
    lr_min : float, default 1e-7
        Learning rate of the first step, ``> 0``.
    lr_max : float, default 10.0
        Learning rate of step ``steps - 1``, ``> lr_min``.
    steps : int, default 100
        Largest number of optimizer steps, ``>= 2``.
    stop_factor : float or None, default 4.0
        Stop once the smoothed loss exceeds ``stop_factor * best_loss``,
        ``> 1``; ``None`` runs all ``steps`` (unless the loss stops being
        finite). Assumes a non-negative loss, such as cross-entropy.
    smoothing : float or None, default 0.98
        :math:`\beta \in [0, 1)` of the moving average; ``None`` (or 0)
        uses the raw batch losses, which makes the stop test jumpy.
    batch_size : int, default 64
        Examples per step, ``>= 1``. Every step sees a full batch (an
        epoch's incomplete last batch is skipped), or all ``N`` examples if
        ``batch_size > N``.
    seed : int, default 0
        Seed of the order of the mini-batches (as in ``train``), ``>= 0``.
    loss_fn : callable, optional
        ``loss_fn(logits, targets)``, the mean loss over a batch; default
        :func:`torch.nn.functional.cross_entropy`.
    suggestion_divisor : float, default 10.0
        ``suggested_lr = best_lr / suggestion_divisor``, ``> 0``.

    Returns
    -------
    LRRangeTest
        ``lrs``, ``losses``, ``smoothed_losses`` (each of shape ``(T,)``,
        ``T <= steps``), ``best_loss``, ``best_lr``, ``suggested_lr`` and
        ``stopped_early``.

    Notes
    -----
    The learning rate grows exponentially rather than linearly (Smith's
    first version) so that every decade gets the same number of steps; the
    smoothing, the stop at four times the best loss and the suggestion
    follow Gugger (2018) and fastai's ``lr_find`` (Howard and Gugger, 2020).

    The suggestion is *one tenth of the learning rate at the smallest
    smoothed loss*: at that learning rate the loss is about to blow up
    (and the moving average lags behind the raw loss, so the minimum sits
    a little late), while a tenth of it is still in the range where the
    loss falls fast. It is a starting point, not an optimum: the test
    measures a few hundred steps of a run whose learning rate keeps
    changing. Smith (2017, Sec. 3.3) reads two values off the curve
    instead: where the loss starts to fall and where it stops falling, as
    the bounds of a cyclical schedule.

    References
    ----------
    L. N. Smith (2017). Cyclical learning rates for training neural networks.
    *IEEE Winter Conference on Applications of Computer Vision (WACV)*,
    464-472. arXiv:1506.01186.

    S. Gugger (2018). How do you find a good learning rate?
    https://sgugger.github.io/how-do-you-find-a-good-learning-rate.html

    J. Howard and S. Gugger (2020). Fastai: a layered API for deep learning.
    *Information* 11(2), 108.

    Examples
    --------
    >>> import functools
    >>> net = nn.Linear(2, 2)
    >>> x, y = np.array([[-1.0, 0.0], [1.0, 0.0]] * 32), np.array([0, 1] * 32)
    >>> result = lr_range_test(net, x, y, make_optimizer=functools.partial(torch.optim.SGD, lr=1.0),
    ...                        lr_min=1e-4, lr_max=1e3, steps=50, batch_size=16)
    >>> float(result.lrs[0]), len(result.lrs) <= 50
    (0.0001, True)
    """
    dtype, device = _model_dtype_device(model)
    x, y = to_tensors(x, y, dtype=dtype, device=device)
    lr_min = _positive(lr_min, "lr_min")
    lr_max = check_number(lr_max, "lr_max", low=lr_min, low_inclusive=False)
    steps = check_int(steps, "steps", low=2)
    if stop_factor is not None:
        stop_factor = check_number(stop_factor, "stop_factor", low=1.0,
                                   low_inclusive=False)
    if smoothing is not None:
        smoothing = check_number(smoothing, "smoothing", low=0.0, high=1.0,
                                 high_inclusive=False)
    batch_size = check_int(batch_size, "batch_size", low=1)
    seed = check_int(seed, "seed", low=0, high=2**63 - 1)
    divisor = _positive(suggestion_divisor, "suggestion_divisor")
    optimizer = _build_optimizer(make_optimizer, model)

    lrs = np.geomspace(lr_min, lr_max, steps)
    losses: list[float] = []
    smoothed: list[float] = []
    average = 0.0

    def record(step: int, loss: float) -> None:  # step used lrs[step - 1]
        nonlocal average
        losses.append(loss)
        if smoothing is None:
            smoothed.append(loss)
        else:
            average = smoothing * average + (1 - smoothing) * loss
            smoothed.append(average / (1 - smoothing**step))
        last, best = smoothed[-1], min(smoothed)
        too_high = stop_factor is not None and last > stop_factor * best
        if not math.isfinite(last) or too_high or step == steps:
            raise _StopRangeTest
        _set_lr(optimizer, float(lrs[step]))

    drop_last = batch_size <= len(y)  # every step sees as many examples
    per_epoch = len(y) // batch_size if drop_last else 1
    initial = copy.deepcopy(model.state_dict())
    _set_lr(optimizer, float(lrs[0]))
    try:
        train(model, x, y, optimizer=optimizer,
              epochs=math.ceil(steps / per_epoch), batch_size=batch_size,
              loss_fn=loss_fn, seed=seed, drop_last=drop_last,
              batch_callback=record)
    except _StopRangeTest:
        pass
    finally:
        model.load_state_dict(initial)  # in place: the same tensors
    return _result(lrs[:len(losses)], losses, smoothed, steps, divisor)


def _positive(value: Any, name: str) -> float:
    return check_number(value, name, low=0.0, low_inclusive=False)


def _result(
    lrs: np.ndarray, losses: list[float], smoothed: list[float], steps: int, suggestion_divisor: float
) -> LRRangeTest:
    losses, smoothed = np.array(losses), np.array(smoothed)
    stopped_early = len(losses) < steps
    if np.isnan(smoothed).all():  # the untrained model's first loss was already NaN
        return LRRangeTest(lrs, losses, smoothed, float("nan"), float("nan"), float("nan"), stopped_early)
    best = int(np.nanargmin(smoothed))
    best_lr = float(lrs[best])
    return LRRangeTest(lrs, losses, smoothed, float(smoothed[best]), best_lr, best_lr / suggestion_divisor,
                       stopped_early)
