"""Torch helpers for experiments: a plain mini-batch training loop and evaluation.

:func:`train` is the loop every torch experiment of the book runs: shuffle,
forward, loss, backward, step, once per mini-batch, and one
:class:`~lecturelib.history.History` entry per epoch.  :func:`evaluate` measures
loss and accuracy without gradients.  Both accept numpy arrays or tensors
(:func:`to_tensors`).

This module imports torch; the numpy core never imports it.  Randomness
(the order of the mini-batches) comes only from a :class:`torch.Generator`
seeded with ``seed``; torch's global generator is never read or reseeded here.
Layers that draw random numbers themselves (dropout) use torch's global
generator: seed it once per notebook with :func:`lecturelib.seed_everything`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from torch import nn

from .._validation import check_int
from ..history import History

__all__ = ["BatchCallback", "Callback", "LossFn", "to_tensors", "evaluate", "train"]

#: ``loss_fn(logits, targets) -> scalar``, the mean loss over the batch.
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

#: ``callback(step, model)``, called by :func:`train` before training (step 0)
#: and after every optimizer step (steps 1, 2, ...).
Callback = Callable[[int, nn.Module], object]

#: ``batch_callback(step, loss)``, called by :func:`train` after every optimizer
#: step (steps 1, 2, ...) with the mini-batch loss that step descended.
BatchCallback = Callable[[int, float], object]


def _model_dtype_device(model: Any) -> tuple[torch.dtype, torch.device]:
    """The dtype and device of ``model``'s first parameter."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    param = next(model.parameters(), None)
    if param is None:
        raise ValueError("model must have at least one parameter, got a module without parameters")
    return param.dtype, param.device


def to_tensors(
    x: Any, y: Any, *, dtype: torch.dtype = torch.float32, device: torch.device | str = "cpu",
    x_name: str = "x", y_name: str = "y",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Features and class labels as tensors, after checking their types and shapes.

    Parameters
    ----------
    x : ndarray or Tensor of shape (N, ...), floating point
        Inputs, one row (or image) per example; cast to ``dtype``.
    y : ndarray or Tensor of shape (N,), integer
        Class indices; cast to ``int64``.
    dtype : torch.dtype, default torch.float32
        Floating dtype of the returned features (use the model's).
    device : torch.device or str, default "cpu"
    x_name, y_name : str
        Parameter names used in error messages (e.g. ``"x_val"``).

    Returns
    -------
    x : Tensor of shape (N, ...), ``dtype``
    y : Tensor of shape (N,), int64

    Examples
    --------
    >>> x, y = to_tensors(np.zeros((3, 2)), np.array([0, 1, 1]))
    >>> x.dtype, y.dtype
    (torch.float32, torch.int64)
    """
    x = x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    y = y if isinstance(y, torch.Tensor) else torch.as_tensor(np.asarray(y))
    if not x.is_floating_point():
        raise TypeError(f"{x_name} must be a floating-point array, got dtype {x.dtype}")
    if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
        raise TypeError(f"{y_name} must be an integer array of class indices, got dtype {y.dtype}")
    if x.ndim < 2:
        raise ValueError(f"{x_name} must have shape (N, ...) with >= 2 dimensions, got shape {tuple(x.shape)}")
    if y.ndim != 1:
        raise ValueError(f"{y_name} must be a 1-D array of shape (N,), got shape {tuple(y.shape)}")
    if x.shape[0] != y.shape[0]:
        raise ValueError(
            f"{x_name} and {y_name} must have the same number of rows, "
            f"got shapes {tuple(x.shape)} and {tuple(y.shape)}"
        )
    if x.shape[0] == 0:
        raise ValueError(f"{x_name} must hold at least one example, got shape {tuple(x.shape)}")
    return x.to(device=device, dtype=dtype), y.to(device=device, dtype=torch.int64)


@contextmanager
def _mode(model: nn.Module, training: bool) -> Iterator[None]:
    """Put ``model`` in train or eval mode, and restore its mode afterwards."""
    was_training = model.training
    model.train(training)
    try:
        yield
    finally:
        model.train(was_training)


def _check_callback(callback: Any) -> Callback:
    if callback is None:
        return lambda step, model: None
    if not callable(callback):
        raise TypeError(f"callback must be callable as callback(step, model) or None, got {type(callback).__name__}")
    return callback


def _check_batch_callback(batch_callback: Any) -> BatchCallback:
    if batch_callback is None:
        return lambda step, loss: None
    if not callable(batch_callback):
        raise TypeError("batch_callback must be callable as batch_callback(step, loss) or None, "
                        f"got {type(batch_callback).__name__}")
    return batch_callback


def _check_loss_fn(loss_fn: Any) -> LossFn:
    if loss_fn is None:
        return nn.functional.cross_entropy
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable as loss_fn(logits, targets), got {type(loss_fn).__name__}")
    return loss_fn


def _evaluate(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn: LossFn, batch_size: int
) -> tuple[float, float]:
    """:func:`evaluate` on tensors that are already checked."""
    total_loss, n_correct = 0.0, 0
    with torch.no_grad(), _mode(model, training=False):
        for start in range(0, len(y), batch_size):
            logits = model(x[start:start + batch_size])
            yb = y[start:start + batch_size]
            total_loss += loss_fn(logits, yb).item() * len(yb)
            n_correct += int((logits.argmax(dim=1) == yb).sum())
    return total_loss / len(y), n_correct / len(y)


def evaluate(
    model: nn.Module, x: Any, y: Any, *, loss_fn: LossFn | None = None, batch_size: int = 1024
) -> tuple[float, float]:
    r"""Mean loss and accuracy of ``model`` on ``(x, y)``, in eval mode and without gradients.

    .. math::
        \text{loss} = \frac1N \sum_{i=1}^N \ell(f(x_i), y_i), \qquad
        \text{accuracy} = \frac1N \sum_{i=1}^N [\operatorname{argmax}_k f(x_i)_k = y_i]

    Parameters
    ----------
    model : torch.nn.Module
        Maps inputs of shape ``(B, ...)`` to logits of shape ``(B, K)``.
        Its train/eval mode is restored afterwards.
    x : ndarray or Tensor of shape (N, ...), floating point
    y : ndarray or Tensor of shape (N,), integer class indices in ``[0, K)``
    loss_fn : callable, optional
        ``loss_fn(logits, targets)`` returning the *mean* loss over a batch;
        default :func:`torch.nn.functional.cross_entropy`.
    batch_size : int, default 1024
        Examples per forward pass (only memory, not the result, depends on it
        up to float rounding).

    Returns
    -------
    loss : float
    accuracy : float in [0, 1]

    Examples
    --------
    >>> net = nn.Linear(2, 3)
    >>> loss, acc = evaluate(net, np.zeros((4, 2)), np.array([0, 1, 2, 0]))
    >>> 0.0 <= acc <= 1.0
    True
    """
    dtype, device = _model_dtype_device(model)
    x, y = to_tensors(x, y, dtype=dtype, device=device)
    batch_size = check_int(batch_size, "batch_size", low=1)
    return _evaluate(model, x, y, _check_loss_fn(loss_fn), batch_size)


def _train_epoch(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, optimizer: torch.optim.Optimizer,
    loss_fn: LossFn, batch_size: int, generator: torch.Generator, after_step: Callable[[float], None],
    drop_last: bool = False,
) -> tuple[float, float]:
    """One pass over ``(x, y)`` in a random order; returns mean loss and accuracy of the batches.

    ``after_step(batch_loss)`` runs after every ``optimizer.step()``.
    """
    order = torch.randperm(len(y), generator=generator).to(y.device)
    n_used = len(y) - len(y) % batch_size if drop_last else len(y)
    total_loss, n_correct = 0.0, 0
    with _mode(model, training=True):
        for start in range(0, n_used, batch_size):
            idx = order[start:start + batch_size]
            logits = model(x[idx])
            loss = loss_fn(logits, y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            batch_loss = loss.item()
            after_step(batch_loss)
            total_loss += batch_loss * len(idx)
            n_correct += int((logits.argmax(dim=1) == y[idx]).sum())
    return total_loss / n_used, n_correct / n_used


def train(
    model: nn.Module, x: Any, y: Any, *, optimizer: torch.optim.Optimizer, epochs: int,
    batch_size: int = 64, x_val: Any = None, y_val: Any = None,
    loss_fn: LossFn | None = None, seed: int = 0, eval_batch_size: int = 1024,
    callback: Callback | None = None, drop_last: bool = False,
    batch_callback: BatchCallback | None = None,
) -> History:
    r"""Train ``model`` with mini-batch gradient descent and record one entry per epoch.

    Every epoch visits the training examples in a fresh random order drawn
    from ``torch.Generator().manual_seed(seed)`` (the last batch may be
    smaller, unless ``drop_last``), and for each batch runs forward, loss, ``backward()`` and
    ``optimizer.step()`` in train mode.

    Parameters
    ----------
    model : torch.nn.Module
        Maps inputs of shape ``(B, ...)`` to logits of shape ``(B, K)``;
        trained in place. Numpy inputs are cast to its parameters' dtype.
    x : ndarray or Tensor of shape (N, ...), floating point
    y : ndarray or Tensor of shape (N,), integer class indices
    optimizer : torch.optim.Optimizer
        Built on ``model.parameters()``, e.g. ``torch.optim.SGD(model.parameters(), lr=0.01)``.
    epochs : int
        Number of passes over the training set, ``>= 1``.
    batch_size : int, default 64
        Examples per gradient step, ``>= 1``.
    x_val : ndarray or Tensor of shape (N_val, ...), optional
    y_val : ndarray or Tensor of shape (N_val,), optional
        Validation data (both or neither), evaluated after every epoch.
    loss_fn : callable, optional
        ``loss_fn(logits, targets)`` returning the mean loss over a batch;
        default :func:`torch.nn.functional.cross_entropy`.
    seed : int, default 0
        Seed of the shuffling generator, ``>= 0``.
    eval_batch_size : int, default 1024
        Examples per forward pass when measuring epoch 0 and the validation
        set (memory only; the result does not depend on it beyond rounding).
    callback : callable, optional
        ``callback(step, model)``, called once with ``step=0`` before the
        first optimizer step and then after every ``optimizer.step()`` with
        ``step = 1, 2, ...``, the number of optimizer steps taken so far
        (counted across epochs, not restarted per epoch), with the model as
        the step left it (in train mode; at step 0 in the mode it came in),
        e.g. to record statistics
        (:class:`~lecturelib.torchkit.hooks.ActivationRecorder`);
        an exception it raises stops training and propagates. It must not
        change the model's parameters, mode or gradients if the run is to stay
        the same as without it.
    drop_last : bool, default False
        Skip the last, incomplete batch of every epoch, as
        ``DataLoader(drop_last=True)`` does: batch norm cannot train on a
        batch of one example. The skipped examples change with the order.
    batch_callback : callable, optional
        ``batch_callback(step, loss)``, called after every
        ``optimizer.step()`` (``step = 1, 2, ...`` as for ``callback``, and
        just before it) with ``loss``, the float mini-batch loss that the
        step descended (computed before the step), e.g. to record the loss
        of every step or to change the learning rate from one step to the
        next (:func:`~lecturelib.torchkit.lr_finder.lr_range_test`); an
        exception it raises stops training and propagates.

    Returns
    -------
    History
        Entries at epochs ``0, 1, ..., epochs`` with metrics ``"loss"`` and
        ``"accuracy"``, plus ``"val_loss"`` and ``"val_accuracy"`` when
        validation data is given.

    Notes
    -----
    *Epoch 0* is the untrained model, measured with :func:`evaluate` (eval
    mode, no gradients) on the full training set, so that every curve starts
    where training starts: at chance level, loss about :math:`\ln K`.
    For epochs ``>= 1``, ``loss`` and ``accuracy`` are averaged over the
    epoch's mini-batches (weighted by batch size) as they were computed
    *during* the epoch, i.e. by a model that kept changing -- the cheap
    running estimate every training loop prints, slightly behind the model
    at the end of the epoch. ``val_*`` are measured at the end of the epoch.

    Examples
    --------
    >>> net = nn.Linear(2, 2)
    >>> _ = nn.init.zeros_(net.weight), nn.init.zeros_(net.bias)
    >>> x, y = np.array([[-1.0, 0.0], [1.0, 0.0]] * 8), np.array([0, 1] * 8)
    >>> opt = torch.optim.SGD(net.parameters(), lr=0.5)
    >>> h = train(net, x, y, optimizer=opt, epochs=5, batch_size=4)
    >>> h.steps, h.last("accuracy")
    ([0, 1, 2, 3, 4, 5], 1.0)
    """
    dtype, device = _model_dtype_device(model)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
    own = {id(p) for p in model.parameters()}
    if not any(id(p) in own for group in optimizer.param_groups for p in group["params"]):
        raise ValueError("optimizer must update model's parameters, got one built on other tensors")
    epochs = check_int(epochs, "epochs", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)
    seed = check_int(seed, "seed", low=0, high=2**63 - 1)
    eval_batch_size = check_int(eval_batch_size, "eval_batch_size", low=1)
    loss_fn = _check_loss_fn(loss_fn)
    callback = _check_callback(callback)
    batch_callback = _check_batch_callback(batch_callback)
    if not isinstance(drop_last, bool):
        raise TypeError(f"drop_last must be True or False, got {drop_last!r}")
    x, y = to_tensors(x, y, dtype=dtype, device=device)
    if drop_last and batch_size > len(y):
        raise ValueError(f"batch_size must be at most the {len(y)} training examples with drop_last=True, "
                         f"got {batch_size}")
    if (x_val is None) != (y_val is None):
        raise ValueError("x_val and y_val must be given together, got only one of them")
    val = None
    if x_val is not None:
        val = to_tensors(x_val, y_val, dtype=dtype, device=device, x_name="x_val", y_name="y_val")
        if val[0].shape[1:] != x.shape[1:]:
            want = tuple(x.shape[1:])
            raise ValueError(f"x_val must have rows of shape {want} like x, got shape {tuple(val[0].shape)}")

    def measure(loss: float, accuracy: float) -> dict[str, float]:
        if val is None:
            return {"loss": loss, "accuracy": accuracy}
        val_loss, val_accuracy = _evaluate(model, *val, loss_fn, eval_batch_size)
        return {"loss": loss, "accuracy": accuracy, "val_loss": val_loss, "val_accuracy": val_accuracy}

    generator = torch.Generator().manual_seed(seed)
    history = History()
    history.record(0, **measure(*_evaluate(model, x, y, loss_fn, eval_batch_size)))
    callback(0, model)
    steps = itertools.count(1)  # optimizer steps, counted across epochs

    def after_step(batch_loss: float) -> None:
        step = next(steps)
        batch_callback(step, batch_loss)
        callback(step, model)

    for epoch in range(1, epochs + 1):
        loss, accuracy = _train_epoch(model, x, y, optimizer, loss_fn, batch_size, generator, after_step,
                                      drop_last)
        history.record(epoch, **measure(loss, accuracy))
    return history
