"""Torch helpers for experiments: a plain mini-batch training loop and evaluation.

:func:`train` is the loop every torch experiment of the book runs: shuffle,
forward, loss, backward, step, once per mini-batch, and one
:class:`~lecturelib.history.History` entry per epoch.  :func:`evaluate` measures
loss and accuracy without gradients.  Both accept numpy arrays or tensors
(:func:`to_tensors`).  Around the loop: an ``epoch_callback`` after every
epoch that may stop training, :func:`early_stopping` (the adapter that makes
one of :class:`lecturelib.regularization.EarlyStopping`), an optional data
augmentation ``transform`` of every training batch, :class:`TrainingDiverged`
when the loss becomes nan or inf, and a progress bar.

This module imports torch; the numpy core never imports it.  Randomness
(the order of the mini-batches, and the ``transform``'s generator) comes only
from :class:`torch.Generator` objects seeded from ``seed``; torch's global
generator is never read or reseeded here.
Layers that draw random numbers themselves (dropout) use torch's global
generator: seed it once per notebook with :func:`lecturelib.seed_everything`.
"""

from __future__ import annotations

import importlib.util
import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from torch import nn

from .._validation import check_int
from ..history import History

__all__ = ["BatchCallback", "Callback", "EpochCallback", "LossFn", "Transform", "TrainingDiverged", "to_tensors",
           "evaluate", "predict_proba", "train", "early_stopping", "PROGRESS_ENV"]

#: ``loss_fn(logits, targets) -> scalar``, the mean loss over the batch.
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

#: ``callback(step, model)``, called by :func:`train` before training (step 0)
#: and after every optimizer step (steps 1, 2, ...).
Callback = Callable[[int, nn.Module], object]

#: ``batch_callback(step, loss)``, called by :func:`train` after every optimizer
#: step (steps 1, 2, ...) with the mini-batch loss that step descended.
BatchCallback = Callable[[int, float], object]

#: ``epoch_callback(epoch, history, model) -> bool | None``, called by :func:`train`
#: after each epoch's entry is recorded (epochs 1, 2, ...); ``True`` stops training.
EpochCallback = Callable[[int, History, nn.Module], "bool | None"]

#: ``transform(xb, generator) -> xb``, applied by :func:`train` to every training
#: mini-batch before the forward pass (data augmentation).
Transform = Callable[[torch.Tensor, torch.Generator], torch.Tensor]

#: The environment variable that switches :func:`train`'s automatic progress bar
#: off (``"0"``) or on (``"1"``); the book's executed outputs and nbval set ``"0"``.
PROGRESS_ENV = "LECTURELIB_PROGRESS"

#: Seconds a run must have taken before the automatic progress bar appears
#: (``progress=None``): the many short runs of a chapter then draw no bar, whose
#: Jupyter widget costs about a quarter of a short run's time.  ``progress=True``
#: draws the bar from the first epoch.
PROGRESS_DELAY = 1.0


class TrainingDiverged(FloatingPointError):
    """The training loss became nan or inf: :func:`train` stopped instead of training on.

    Raised by :func:`train` with ``stop_on_nonfinite=True`` as soon as the
    untrained model's loss (epoch 0) or a mini-batch loss is not finite, before
    that batch's optimizer step is taken.

    Attributes
    ----------
    epoch : int
        The epoch that was running (0: the untrained model).
    step : int
        The optimizer step that was about to be taken (1, 2, ... counted across
        epochs; 0 for the untrained model).
    loss : float
        The loss, nan, inf or -inf.

    Examples
    --------
    >>> print(TrainingDiverged(epoch=3, step=17, loss=float("nan")))
    training diverged: the mini-batch loss at optimizer step 17 (epoch 3) is nan; the step was not taken, so
    the model holds its parameters after step 16. Try: lower the learning rate, check the inputs for nan/inf,
    clip the gradients.
    """

    def __init__(self, epoch: int, step: int, loss: float) -> None:
        self.epoch, self.step, self.loss = epoch, step, loss
        if step == 0:
            where = f"the untrained model's loss on the training set (epoch 0, before any optimizer step) is {loss}"
        else:
            where = (f"the mini-batch loss at optimizer step {step} (epoch {epoch}) is {loss}; the step was not "
                     f"taken, so the model holds its parameters after step {step - 1}")
        super().__init__(f"training diverged: {where}. Try: lower the learning rate, check the inputs for "
                         "nan/inf, clip the gradients.")

    def __reduce__(self) -> tuple[type, tuple[int, int, float]]:  # pickles with its three fields
        return type(self), (self.epoch, self.step, self.loss)


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


def _as_batch(x: Any, name: str = "x") -> torch.Tensor:
    """``x`` as a floating tensor of shape ``(N, ...)`` with ``N >= 1`` (an array's dtype named as numpy names it)."""
    if not isinstance(x, torch.Tensor):
        x = np.asarray(x)
        if x.dtype.kind != "f":
            raise TypeError(f"{name} must be a floating-point array, got dtype {x.dtype}")
        x = torch.as_tensor(x)
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point array, got dtype {x.dtype}")
    if x.ndim < 2 or x.shape[0] == 0:
        raise ValueError(f"{name} must have shape (N, ...) with N >= 1 examples, got shape {tuple(x.shape)}")
    return x


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


def predict_proba(model: nn.Module, x: Any, *, batch_size: int = 1024) -> np.ndarray:
    r"""The softmax of ``model``'s logits on ``x``, in eval mode and without gradients.

    .. math::
        p_{ik} = \frac{e^{z_{ik}}}{\sum_j e^{z_{ij}}}, \qquad z_i = f(x_i)

    Parameters
    ----------
    model : torch.nn.Module
        Maps inputs of shape ``(B, ...)`` to logits of shape ``(B, K)``.
        Its train/eval mode is restored afterwards.
    x : ndarray or Tensor of shape (N, ...), floating point
    batch_size : int, default 1024
        Examples per forward pass (memory only).

    Returns
    -------
    ndarray of float64, shape (N, K)
        Class probabilities; each row sums to 1 (to the model's precision).
        ``argmax`` over a row is the prediction :func:`evaluate` scores.

    Examples
    --------
    >>> net = nn.Linear(2, 3)
    >>> predict_proba(net, np.zeros((4, 2))).shape
    (4, 3)
    """
    dtype, device = _model_dtype_device(model)
    x = _as_batch(x).to(dtype=dtype, device=device)
    batch_size = check_int(batch_size, "batch_size", low=1)
    with torch.no_grad(), _mode(model, training=False):
        probs = [torch.softmax(model(x[start:start + batch_size]), dim=1)
                 for start in range(0, len(x), batch_size)]
    return torch.cat(probs).to(device="cpu", dtype=torch.float64).numpy()


def _train_epoch(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, optimizer: torch.optim.Optimizer,
    loss_fn: LossFn, batch_size: int, generator: torch.Generator, after_step: Callable[[float], None],
    drop_last: bool = False, *, before_step: Callable[[float], None] | None = None,
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
    penalty: Callable[[nn.Module], torch.Tensor] | None = None,
) -> tuple[float, float]:
    """One pass over ``(x, y)`` in a random order; returns mean loss and accuracy of the batches.

    ``augment(xb)`` transforms each batch before the forward pass;
    ``penalty(model)`` is added to the loss that is differentiated, not to
    the loss that is recorded;
    ``before_step(batch_loss)`` runs before every ``optimizer.step()`` (and
    may raise to stop), ``after_step(batch_loss)`` after it.
    """
    order = torch.randperm(len(y), generator=generator).to(y.device)
    n_used = len(y) - len(y) % batch_size if drop_last else len(y)
    total_loss, n_correct = 0.0, 0
    with _mode(model, training=True):
        for start in range(0, n_used, batch_size):
            idx = order[start:start + batch_size]
            logits = model(x[idx] if augment is None else augment(x[idx]))
            loss = loss_fn(logits, y[idx])
            batch_loss = loss.item()
            if before_step is not None:
                before_step(batch_loss)
            optimizer.zero_grad()
            (loss if penalty is None else loss + penalty(model)).backward()
            optimizer.step()
            after_step(batch_loss)
            total_loss += batch_loss * len(idx)
            n_correct += int((logits.argmax(dim=1) == y[idx]).sum())
    return total_loss / n_used, n_correct / n_used


def _check_epoch_callback(epoch_callback: Any) -> Callable[[int, History, nn.Module], bool]:
    """``epoch_callback`` as a function that returns whether to stop."""
    if epoch_callback is None:
        return lambda epoch, history, model: False
    if not callable(epoch_callback):
        raise TypeError("epoch_callback must be callable as epoch_callback(epoch, history, model) or None, "
                        f"got {type(epoch_callback).__name__}")

    def stops(epoch: int, history: History, model: nn.Module) -> bool:
        result = epoch_callback(epoch, history, model)
        if result is not None and not isinstance(result, (bool, np.bool_)):
            raise TypeError(f"epoch_callback must return True (stop), False or None, got {result!r}")
        return bool(result)

    return stops


def _stream_seed(seed: int, stream: int) -> int:
    """A seed for random stream ``stream`` of ``seed``, independent of the stream seeded with ``seed`` itself."""
    return int(np.random.SeedSequence([seed, stream]).generate_state(1, np.uint64)[0])


def _check_transform(
    transform: Any, seed: int, device: torch.device
) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """``transform`` bound to its own generator, checking what it returns; ``None`` stays ``None``."""
    if transform is None:
        return None
    if not callable(transform):
        raise TypeError("transform must be callable as transform(xb, generator) or None, "
                        f"got {type(transform).__name__}")
    generator = torch.Generator(device=device).manual_seed(_stream_seed(seed, 1))

    def augment(xb: torch.Tensor) -> torch.Tensor:
        out = transform(xb, generator)
        if not isinstance(out, torch.Tensor):
            raise TypeError(f"transform must return a torch.Tensor, got {type(out).__name__}")
        if out.ndim == 0 or out.shape[0] != xb.shape[0]:
            raise ValueError(f"transform must return one row per example, {xb.shape[0]} rows like its input of "
                             f"shape {tuple(xb.shape)}, got shape {tuple(out.shape)}")
        return out

    return augment


def _in_jupyter_kernel() -> bool:
    """Whether this code runs in a Jupyter kernel (JupyterLab, Notebook, Colab, VS Code)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and hasattr(shell, "kernel")


def _show_progress(progress: Any) -> bool:
    """Whether to draw the progress bar: ``progress`` itself, or the automatic choice for ``None``."""
    if progress is not None and not isinstance(progress, bool):
        raise TypeError(f"progress must be True, False or None (automatic), got {progress!r}")
    setting = os.environ.get(PROGRESS_ENV, "")
    if progress is False or (progress is None and setting == "0"):
        return False
    available = importlib.util.find_spec("tqdm") is not None
    if progress and not available:
        raise ModuleNotFoundError("progress=True draws the bar with tqdm, which is not installed: pip install tqdm")
    terminal = getattr(sys.stderr, "isatty", lambda: False)()
    return bool(available and (progress or setting == "1" or _in_jupyter_kernel() or terminal))


def _without_monitor(tqdm_class: type) -> type:
    """``tqdm_class`` without tqdm's monitor thread (``monitor_interval = 0``).

    The monitor wakes every 10 s in a background thread and may refresh a
    bar from there; a Jupyter widget updated from that thread could leave a
    headless client (nbclient, nbconvert) waiting forever for a cell to end.
    Our bar is updated after every epoch anyway, so it needs no monitor.
    """
    return type(tqdm_class.__name__, (tqdm_class,), {"monitor_interval": 0})


@contextmanager
def _progress_bar(show: bool, epochs: int, *, delay: float = 0.0) -> Iterator[Callable[[History], None]]:
    """``update(history)``, to call after every epoch: advances a tqdm bar over epochs, or does nothing.

    The bar is created at the first epoch that ends ``delay`` seconds or more
    after this context was entered, and starts at that epoch.
    """
    if not show:
        yield lambda history: None
        return
    from tqdm.auto import tqdm  # a widget in Jupyter, text on stderr in a terminal

    start = time.perf_counter()
    bar = None

    def update(history: History) -> None:
        nonlocal bar
        if bar is None:
            if time.perf_counter() - start < delay:
                return
            bar = _without_monitor(tqdm)(total=epochs, initial=history.steps[-1] - 1, desc="train", unit="epoch",
                                         leave=False)
        shown = {name: f"{history.last(name):.4g}" for name in ("loss", "val_loss") if name in history}
        bar.set_postfix(shown, refresh=False)
        if not bar.update(1):  # drawn at every epoch, however short
            bar.refresh()

    try:
        yield update
        if bar is not None:
            bar.total = bar.n  # stopped by epoch_callback: a finished bar (after an error, Jupyter's stays red)
    finally:
        if bar is not None:
            bar.close()


def _check_train_setup(model: nn.Module, optimizer: Any, drop_last: Any, stop_on_nonfinite: Any) -> None:
    """The checks of :func:`train`'s arguments that are neither numbers nor data."""
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
    own = {id(p) for p in model.parameters()}
    if not any(id(p) in own for group in optimizer.param_groups for p in group["params"]):
        raise ValueError("optimizer must update model's parameters, got one built on other tensors")
    if not isinstance(drop_last, bool):
        raise TypeError(f"drop_last must be True or False, got {drop_last!r}")
    if not isinstance(stop_on_nonfinite, bool):
        raise TypeError(f"stop_on_nonfinite must be True or False, got {stop_on_nonfinite!r}")


def _validation_tensors(
    x_val: Any, y_val: Any, x: torch.Tensor, dtype: torch.dtype, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor] | None:
    """``(x_val, y_val)`` as tensors shaped like ``x``'s rows, or ``None`` without validation data."""
    if (x_val is None) != (y_val is None):
        raise ValueError("x_val and y_val must be given together, got only one of them")
    if x_val is None:
        return None
    val = to_tensors(x_val, y_val, dtype=dtype, device=device, x_name="x_val", y_name="y_val")
    if val[0].shape[1:] != x.shape[1:]:
        want = tuple(x.shape[1:])
        raise ValueError(f"x_val must have rows of shape {want} like x, got shape {tuple(val[0].shape)}")
    return val


def train(
    model: nn.Module, x: Any, y: Any, *, optimizer: torch.optim.Optimizer, epochs: int,
    batch_size: int = 64, x_val: Any = None, y_val: Any = None,
    loss_fn: LossFn | None = None, seed: int = 0, eval_batch_size: int = 1024,
    callback: Callback | None = None, drop_last: bool = False,
    batch_callback: BatchCallback | None = None, epoch_callback: EpochCallback | None = None,
    stop_on_nonfinite: bool = False, transform: Transform | None = None, progress: bool | None = None,
    penalty: Callable[[nn.Module], torch.Tensor] | None = None,
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
    epoch_callback : callable, optional
        ``epoch_callback(epoch, history, model) -> bool | None``, called
        after each epoch's entry is recorded in ``history`` (``epoch = 1, 2,
        ...``; not at epoch 0), with the model in the mode it came in.
        Returning ``True`` stops training after that epoch, so the returned
        History ends there; ``False`` or ``None`` trains on.  E.g.
        :func:`early_stopping`.  It may change the model (early stopping
        loads the best weights when it stops); an exception it raises stops
        training and propagates.
    stop_on_nonfinite : bool, default False
        Raise :class:`TrainingDiverged` as soon as the untrained model's loss
        (epoch 0) or a mini-batch loss is nan or inf, before that batch's
        ``backward()`` and ``optimizer.step()``: the model keeps its last
        finite-loss weights and ``batch_callback``/``callback`` never see the
        non-finite loss.  The default, False, trains on and records nan, as
        the book's divergence experiments (learning rates too large, deep
        networks without clipping) need.
    transform : callable, optional
        ``transform(xb, generator) -> xb``, data augmentation: applied to
        every *training* mini-batch ``xb`` (a tensor of shape ``(B, ...)``,
        a copy that may be changed in place) before the forward pass, never
        to the validation data or to epoch 0's measurement.  ``generator``
        is a :class:`torch.Generator` on the model's device, seeded once per
        call of ``train`` from ``seed`` but as a separate stream
        (``np.random.SeedSequence([seed, 1])``), so adding a transform does not
        change the order of the batches.  It must return one row per
        example; ``loss`` and ``accuracy`` are then measured on the
        transformed batches.
    penalty : callable, optional
        ``penalty(model) -> Tensor``, a scalar added to every mini-batch's
        loss before ``backward()``: a weight or activity penalty, e.g.
        ``lambda m: 1e-4 * sum(p.abs().sum() for p in m.parameters())`` for
        L1.  It shapes the gradient only: ``loss`` in the history (and
        ``batch_callback``'s loss) is the data loss without it, so that the
        curves of penalized and unpenalized runs compare like with like.
        (An L2 penalty is usually given as the optimizer's
        ``weight_decay`` instead.)
    progress : bool, optional
        Draw a progress bar over the epochs (:mod:`tqdm.auto`: a widget in
        Jupyter, text on stderr in a terminal), showing the last ``loss``
        and ``val_loss``; it disappears when training ends.  ``None``
        (default) decides automatically: off when the environment variable
        ``LECTURELIB_PROGRESS`` is ``"0"`` (the book's executed outputs and
        nbval set it) or tqdm is not installed, on when it is ``"1"``, in a
        Jupyter kernel, or when stderr is a terminal, off otherwise; when on,
        it appears only once the run has taken :data:`PROGRESS_DELAY`
        seconds (1 s), so that short runs draw none.  ``True`` draws it
        from the first epoch.  The bar never changes the results.

    Returns
    -------
    History
        Entries at epochs ``0, 1, ..., epochs`` (or up to the epoch at which
        ``epoch_callback`` stopped) with metrics ``"loss"`` and
        ``"accuracy"``, plus ``"val_loss"`` and ``"val_accuracy"`` when
        validation data is given.

    Raises
    ------
    TrainingDiverged
        With ``stop_on_nonfinite=True``, when a loss is nan or inf.

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

    Stop as soon as the training accuracy reaches 1:

    >>> net = nn.Linear(2, 2)
    >>> opt = torch.optim.SGD(net.parameters(), lr=0.5)
    >>> h = train(net, x, y, optimizer=opt, epochs=50, batch_size=4,
    ...           epoch_callback=lambda epoch, h, model: h.last("accuracy") == 1.0)
    >>> h.last("accuracy"), len(h) < 51
    (1.0, True)
    """
    dtype, device = _model_dtype_device(model)
    _check_train_setup(model, optimizer, drop_last, stop_on_nonfinite)
    epochs = check_int(epochs, "epochs", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)
    seed = check_int(seed, "seed", low=0, high=2**63 - 1)
    eval_batch_size = check_int(eval_batch_size, "eval_batch_size", low=1)
    loss_fn = _check_loss_fn(loss_fn)
    callback = _check_callback(callback)
    batch_callback = _check_batch_callback(batch_callback)
    epoch_callback = _check_epoch_callback(epoch_callback)
    augment = _check_transform(transform, seed, device)
    if penalty is not None and not callable(penalty):
        raise TypeError(f"penalty must be callable as penalty(model) -> Tensor or None, got {type(penalty).__name__}")
    show_progress = _show_progress(progress)
    x, y = to_tensors(x, y, dtype=dtype, device=device)
    if drop_last and batch_size > len(y):
        raise ValueError(f"batch_size must be at most the {len(y)} training examples with drop_last=True, "
                         f"got {batch_size}")
    val = _validation_tensors(x_val, y_val, x, dtype, device)

    def measure(loss: float, accuracy: float) -> dict[str, float]:
        if val is None:
            return {"loss": loss, "accuracy": accuracy}
        val_loss, val_accuracy = _evaluate(model, *val, loss_fn, eval_batch_size)
        return {"loss": loss, "accuracy": accuracy, "val_loss": val_loss, "val_accuracy": val_accuracy}

    taken, epoch = 0, 0  # optimizer steps (counted across epochs) and the running epoch

    def check_finite(loss: float) -> None:
        if stop_on_nonfinite and not math.isfinite(loss):
            raise TrainingDiverged(epoch, taken + 1 if epoch else 0, loss)

    def after_step(batch_loss: float) -> None:
        nonlocal taken
        taken += 1
        batch_callback(taken, batch_loss)
        callback(taken, model)

    generator = torch.Generator().manual_seed(seed)
    history = History()
    initial = _evaluate(model, x, y, loss_fn, eval_batch_size)
    check_finite(initial[0])
    history.record(0, **measure(*initial))
    callback(0, model)
    delay = 0.0 if progress else PROGRESS_DELAY  # progress=True: from the first epoch
    with _progress_bar(show_progress, epochs, delay=delay) as update_progress:
        for epoch in range(1, epochs + 1):
            loss, accuracy = _train_epoch(model, x, y, optimizer, loss_fn, batch_size, generator, after_step,
                                          drop_last, before_step=check_finite, augment=augment,
                                          penalty=penalty)
            history.record(epoch, **measure(loss, accuracy))
            update_progress(history)
            if epoch_callback(epoch, history, model):
                break
    return history


def early_stopping(stopper: Any, *, monitor: str = "val_loss") -> Callable[[int, History, nn.Module], bool]:
    """An ``epoch_callback`` for :func:`train` that stops when ``stopper`` says so, restoring its best weights.

    After every epoch the callback passes ``history.last(monitor)`` and
    ``model.state_dict()`` to ``stopper.step(value, state=...)``, which keeps
    a deep copy of the state of its best epoch.  When ``step`` returns True,
    training stops after this epoch, and if ``stopper.restore_best`` the
    model is loaded with ``stopper.best_state``, the parameters and buffers
    of the best epoch (``stopper.best_epoch``), as Keras's
    ``EarlyStopping(restore_best_weights=True)`` does.

    Parameters
    ----------
    stopper : lecturelib.regularization.EarlyStopping
        Or any object with its interface: ``step(value, state=None) -> bool``,
        which must copy ``state`` (the state dict's tensors are the model's
        own, and keep changing), and the attributes ``restore_best`` and
        ``best_state``.  Use a fresh one for every run of :func:`train`: it
        counts the epochs it is shown, so its ``best_epoch`` is train's epoch.
    monitor : str, default "val_loss"
        The metric of the History to watch: ``"val_loss"`` or
        ``"val_accuracy"`` (pass ``x_val`` and ``y_val`` to :func:`train`),
        or ``"loss"``, ``"accuracy"``.  The stopper's ``mode`` says whether
        smaller (``"min"``) or larger (``"max"``) is better.

    Returns
    -------
    callable
        ``epoch_callback(epoch, history, model) -> bool``.

    Notes
    -----
    Weights are restored only when the stopper stops training, as in Keras.
    If ``train`` runs all its epochs without a stop, the model keeps the
    last epoch's weights, which may be up to ``patience - 1`` epochs past
    the best one; load the best ones with
    ``model.load_state_dict(stopper.best_state)``.  The History always runs
    to the last epoch trained, past the best epoch.  The stopper's copy of
    the best state costs one more copy of the parameters and buffers.

    References
    ----------
    Prechelt, L. (1998). Early stopping -- but when? In *Neural Networks:
    Tricks of the Trade*, LNCS 1524, 55-69. Springer.

    Examples
    --------
    >>> from lecturelib.regularization import EarlyStopping
    >>> net = nn.Linear(2, 2)
    >>> _ = nn.init.zeros_(net.weight), nn.init.zeros_(net.bias)
    >>> x, y = np.array([[-1.0, 0.0], [1.0, 0.0]] * 8), np.array([0, 1] * 8)
    >>> stopper = EarlyStopping(patience=2, mode="max")
    >>> h = train(net, x, y, optimizer=torch.optim.SGD(net.parameters(), lr=0.5), epochs=50, batch_size=4,
    ...           x_val=x, y_val=y, epoch_callback=early_stopping(stopper, monitor="val_accuracy"))
    >>> stopper.best, stopper.best_epoch, stopper.stopped_epoch, h.steps[-1]
    (1.0, 1, 3, 3)
    """
    for name in ("step", "restore_best", "best_state"):
        if not hasattr(stopper, name):
            raise TypeError("stopper must have EarlyStopping's step(value, state=...), restore_best and "
                            f"best_state, got {type(stopper).__name__} without {name!r}")
    if not callable(stopper.step):
        raise TypeError("stopper.step must be callable as step(value, state=...), "
                        f"got {type(stopper.step).__name__}")
    if not isinstance(monitor, str):
        raise TypeError(f"monitor must be the name of a metric (str), got {type(monitor).__name__}")

    def on_epoch(epoch: int, history: History, model: nn.Module) -> bool:
        if monitor not in history:
            hint = " (pass x_val and y_val to train)" if monitor.startswith("val_") else ""
            raise ValueError(f"monitor must name a metric train records, {sorted(history.metrics)}{hint}, "
                             f"got {monitor!r}")
        stop = bool(stopper.step(history.last(monitor), state=model.state_dict()))
        if stop and stopper.restore_best and stopper.best_state is not None:
            model.load_state_dict(stopper.best_state)
        return stop

    return on_epoch
