"""Batch norm's two modes, measured on torch's own ``nn.BatchNorm`` modules.

A batch-norm layer normalizes with the statistics of the current batch in
train mode and with its running averages in eval mode, and in train mode it
also *updates* those running averages, whether gradients are computed or not
(``torch.no_grad()`` does not change the mode).  The functions here make
each half of that visible:

- :func:`batchnorm_modules`: the batch-norm layers of a model;
- :func:`evaluate_in_train_mode`: the classic bug, evaluating without
  ``model.eval()``: batch statistics of the evaluation batches, and running
  statistics overwritten as a side effect;
- :func:`recalibrate_batchnorm_`: recompute the running statistics as exact
  averages over the training set (``momentum=None``), e.g. after they were
  polluted;
- :func:`module_outputs`: what chosen modules output on one batch, in
  either mode, leaving every running statistic untouched;
- :func:`batch_dependence`: one example's train-mode output in many
  different batches, the noise that batch statistics add;
- :func:`batchnorm_parity`: the numpy layer of :mod:`lecturelib.layers`
  against ``nn.BatchNorm1d`` over several steps, as the largest differences.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from torch import nn

from .._validation import as_float_array, check_int, check_number, check_rng
from ..layers import batchnorm_backward, batchnorm_forward
from .training import _mode, _model_dtype_device, _check_loss_fn, LossFn, to_tensors

__all__ = ["batchnorm_modules", "evaluate_in_train_mode", "recalibrate_batchnorm_", "module_outputs",
           "batch_dependence", "batchnorm_parity"]

_BatchNorm = nn.modules.batchnorm._BatchNorm


def batchnorm_modules(model: nn.Module) -> list[nn.Module]:
    """The ``nn.BatchNorm1d/2d/3d`` layers of ``model`` that keep running statistics, in registration order.

    Examples
    --------
    >>> net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    >>> [type(m).__name__ for m in batchnorm_modules(net)]
    ['BatchNorm1d']
    """
    _model_dtype_device(model)
    return [m for m in model.modules() if isinstance(m, _BatchNorm) and m.track_running_stats]


@contextmanager
def _saved_running_stats(model: nn.Module) -> Iterator[None]:
    """Restore every batch-norm buffer (running mean, variance and batch count) on exit."""
    saved = [{k: v.clone() for k, v in m.named_buffers() if v is not None} for m in batchnorm_modules(model)]
    try:
        yield
    finally:
        with torch.no_grad():
            for m, buffers in zip(batchnorm_modules(model), saved):
                for name, value in buffers.items():
                    getattr(m, name).copy_(value)


def evaluate_in_train_mode(
    model: nn.Module, x: Any, y: Any, *, batch_size: int, loss_fn: LossFn | None = None,
) -> tuple[float, float]:
    r"""Loss and accuracy measured the wrong way: in train mode, batch by batch, without gradients.

    This is what an evaluation loop computes when it forgets
    ``model.eval()``: every batch-norm layer normalizes each batch with that
    batch's own mean and variance, so an example's output depends on the
    examples it shares the batch with, and every batch *updates* the running
    statistics (``momentum`` weights the evaluation batch) that a later
    evaluation in eval mode will use.  The model is left in the mode it came
    in, with its running statistics changed, as the bug leaves it.

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(B, ...)`` to logits ``(B, K)``.
    x : ndarray or Tensor of shape (N, ...)
    y : ndarray or Tensor of shape (N,)
        Evaluated in the given order, in consecutive batches (sort them to
        see what unrepresentative batches do).
    batch_size : int
        Examples per batch, ``>= 2`` (a batch-norm layer cannot normalize
        one example in train mode); a last batch of one example is dropped.
    loss_fn : callable, optional
        Default :func:`torch.nn.functional.cross_entropy`.

    Returns
    -------
    loss : float
        Mean over the examples evaluated.
    accuracy : float in [0, 1]
    """
    dtype, device = _model_dtype_device(model)
    x, y = to_tensors(x, y, dtype=dtype, device=device)
    batch_size = check_int(batch_size, "batch_size", low=2)
    loss_fn = _check_loss_fn(loss_fn)
    if len(y) < 2:
        raise ValueError(f"x must hold at least 2 examples (one cannot be normalized in train mode), "
                         f"got shape {tuple(x.shape)}")
    n_used = len(y) - 1 if len(y) % batch_size == 1 else len(y)
    total_loss, n_correct = 0.0, 0
    with torch.no_grad(), _mode(model, training=True):
        for start in range(0, n_used, batch_size):
            xb, yb = x[start:min(start + batch_size, n_used)], y[start:min(start + batch_size, n_used)]
            logits = model(xb)
            total_loss += float(loss_fn(logits, yb)) * len(yb)
            n_correct += int((logits.argmax(dim=1) == yb).sum())
    return total_loss / n_used, n_correct / n_used


def recalibrate_batchnorm_(model: nn.Module, x: Any, *, batch_size: int = 256) -> nn.Module:
    r"""Recompute every batch-norm layer's running statistics from ``x``, in place.

    Resets the running mean to 0, the running variance to 1 and the batch
    count to 0, sets ``momentum=None`` (torch's cumulative moving average:
    after :math:`t` batches the running value is the plain average of the
    :math:`t` batch statistics) and runs ``x`` through the model in train
    mode without gradients, in consecutive batches; then restores each
    layer's ``momentum`` and the model's mode.  No parameter changes.

    Use it after the running statistics were polluted (an evaluation in
    train mode) or when they lag behind the weights (a short run with a small
    momentum).  Layer ``l`` sees the inputs that layers ``< l`` produce in
    train mode, as during training.

    Parameters
    ----------
    model : torch.nn.Module
        Must contain at least one batch-norm layer that tracks running
        statistics.
    x : ndarray or Tensor of shape (N, ...)
        Usually the training inputs.
    batch_size : int, default 256
        Examples per batch, ``>= 2``; a last batch of one example is dropped.

    Returns
    -------
    torch.nn.Module
        ``model`` itself.
    """
    dtype, device = _model_dtype_device(model)
    layers = batchnorm_modules(model)
    if not layers:
        raise ValueError("model must contain a batch-norm layer with track_running_stats=True, got none")
    batch_size = check_int(batch_size, "batch_size", low=2)
    x = x if isinstance(x, torch.Tensor) else torch.as_tensor(x)
    if not x.is_floating_point() or x.ndim < 2 or len(x) < 2:
        raise ValueError(f"x must be a floating-point array of shape (N, ...) with N >= 2, "
                         f"got dtype {x.dtype} and shape {tuple(x.shape)}")
    x = x.to(dtype=dtype, device=device)
    momenta = [m.momentum for m in layers]
    n_used = len(x) - 1 if len(x) % batch_size == 1 else len(x)
    try:
        for m in layers:
            m.reset_running_stats()
            m.momentum = None
        with torch.no_grad(), _mode(model, training=True):
            for start in range(0, n_used, batch_size):
                model(x[start:min(start + batch_size, n_used)])
    finally:
        for m, momentum in zip(layers, momenta):
            m.momentum = momentum
    return model


def module_outputs(
    model: nn.Module, x: Any, *, module_type: type = nn.Linear, training: bool = False,
) -> list[torch.Tensor]:
    """The outputs of every module of ``module_type`` on one batch, as float64 tensors.

    Forward hooks record the outputs; the pass runs without gradients in the
    chosen mode, and every batch-norm running statistic is restored
    afterwards, so that measuring in train mode (batch statistics of ``x``)
    does not change the model.

    Parameters
    ----------
    model : torch.nn.Module
    x : ndarray or Tensor of shape (N, ...)
    module_type : type, default torch.nn.Linear
        E.g. ``nn.Linear`` for the pre-activations of a plain MLP,
        ``nn.BatchNorm1d`` for what the activations see in a normalized one.
    training : bool, default False
        Run in train mode (batch statistics) instead of eval mode.

    Returns
    -------
    list of Tensor of shape (N, ...), float64
        One per module of the type, in the order they ran.

    Examples
    --------
    >>> net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    >>> out = module_outputs(net, torch.randn(8, 3), module_type=nn.BatchNorm1d, training=True)
    >>> [tuple(o.shape) for o in out], float(net[1].running_mean.abs().max())
    ([(8, 4)], 0.0)
    """
    dtype, device = _model_dtype_device(model)
    if not isinstance(module_type, type) or not issubclass(module_type, nn.Module):
        raise TypeError(f"module_type must be a subclass of torch.nn.Module, got {module_type!r}")
    if not isinstance(training, bool):
        raise TypeError(f"training must be a bool, got {type(training).__name__}")
    x = x if isinstance(x, torch.Tensor) else torch.as_tensor(x)
    x = x.to(dtype=dtype, device=device)
    targets = [m for m in model.modules() if isinstance(m, module_type)]
    if not targets:
        raise ValueError(f"model must contain a {module_type.__name__}, got none")
    outputs: list[torch.Tensor] = []
    handles = [m.register_forward_hook(lambda _m, _args, out: outputs.append(out.detach())) for m in targets]
    try:
        with torch.no_grad(), _mode(model, training=training), _saved_running_stats(model):
            model(x)
    finally:
        for handle in handles:
            handle.remove()
    return [o.to(dtype=torch.float64, device="cpu") for o in outputs]


def batchnorm_parity(
    batches: Any, *, momentum: float = 0.1, eps: float = 1e-5, rng: np.random.Generator,
) -> dict[str, float]:
    r"""Largest absolute differences between :func:`lecturelib.layers.batchnorm_forward` /
    :func:`~lecturelib.layers.batchnorm_backward` and ``nn.BatchNorm1d``, in float64.

    Both start from the same random ``gamma`` and ``beta`` and torch's
    running statistics (0 and 1).  Every batch is run through both in train
    mode, forward and backward with the same random upstream gradient; then
    one eval-mode forward and backward on the last batch uses the running
    statistics the steps produced.  Each entry is the maximum over all steps.

    Parameters
    ----------
    batches : array of shape (steps, N, C)
        ``steps >= 1`` training batches of ``N >= 2`` examples.
    momentum : float, default 0.1
    eps : float, default 1e-5
    rng : numpy.random.Generator
        Draws ``gamma``, ``beta`` and the upstream gradients.

    Returns
    -------
    dict of str to float
        ``"out"``, ``"dx"``, ``"dgamma"``, ``"dbeta"`` (train mode),
        ``"running_mean"``, ``"running_var"`` (after every step) and
        ``"out (eval)"``, ``"dx (eval)"``.
    """
    batches = as_float_array(batches, "batches", ndim=3)
    if batches.shape[1] < 2:
        raise ValueError(f"batches must have shape (steps, N, C) with N >= 2, got {batches.shape}")
    momentum = check_number(momentum, "momentum", low=0.0, high=1.0)
    eps = check_number(eps, "eps", low=0.0, low_inclusive=False)
    rng = check_rng(rng)
    channels = batches.shape[2]
    gamma, beta = rng.normal(1.0, 0.5, channels), rng.normal(0.0, 0.5, channels)
    layer = nn.BatchNorm1d(channels, momentum=momentum, eps=eps, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(gamma))
        layer.bias.copy_(torch.from_numpy(beta))
    running_mean, running_var = np.zeros(channels), np.ones(channels)
    diff: dict[str, float] = {}

    def record(name: str, ours: np.ndarray, theirs: torch.Tensor) -> None:
        diff[name] = max(diff.get(name, 0.0), float(np.max(np.abs(ours - theirs.detach().numpy()))))

    for x, training in [(b, True) for b in batches] + [(batches[-1], False)]:
        dout = rng.standard_normal(x.shape)
        res = batchnorm_forward(x, gamma, beta, running_mean, running_var, training=training,
                                momentum=momentum, eps=eps)
        dx, dgamma, dbeta = batchnorm_backward(dout, res.cache)
        layer.train(training)
        layer.zero_grad()
        xt = torch.tensor(x, requires_grad=True)
        out = layer(xt)
        out.backward(torch.from_numpy(dout))
        suffix = "" if training else " (eval)"
        record("out" + suffix, res.out, out)
        record("dx" + suffix, dx, xt.grad)
        if training:
            record("dgamma", dgamma, layer.weight.grad)
            record("dbeta", dbeta, layer.bias.grad)
            running_mean, running_var = res.running_mean, res.running_var
            record("running_mean", running_mean, layer.running_mean)
            record("running_var", running_var, layer.running_var)
    return diff


def batch_dependence(
    model: nn.Module, x: Any, *, index: int, batch_size: int, draws: int, rng: np.random.Generator,
) -> np.ndarray:
    r"""The train-mode outputs of example ``x[index]`` in ``draws`` random batches.

    Each draw puts the example in a batch with ``batch_size - 1`` other
    examples of ``x``, drawn without replacement, and runs the batch in train
    mode without gradients (the running statistics are restored afterwards).
    In eval mode every row would be the same; in train mode the rows differ
    because every batch-norm layer normalizes with that batch's statistics:
    the noise batch norm adds during training.

    Parameters
    ----------
    model : torch.nn.Module
    x : ndarray or Tensor of shape (N, ...)
    index : int
        The example followed, in ``[0, N)``.
    batch_size : int
        In ``[2, N]``.
    draws : int
        Number of batches, ``>= 1``.
    rng : numpy.random.Generator
        Draws the companions.

    Returns
    -------
    ndarray of shape (draws, K), float64
        The model's output for ``x[index]`` in each batch.
    """
    dtype, device = _model_dtype_device(model)
    x = x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    if not x.is_floating_point() or x.ndim < 2:
        raise ValueError(f"x must be a floating-point array of shape (N, ...), got dtype {x.dtype} "
                         f"and shape {tuple(x.shape)}")
    x = x.to(dtype=dtype, device=device)
    index = check_int(index, "index", low=0, high=len(x) - 1)
    batch_size = check_int(batch_size, "batch_size", low=2, high=len(x))
    draws = check_int(draws, "draws", low=1)
    rng = check_rng(rng)
    others = np.delete(np.arange(len(x)), index)
    rows = []
    with torch.no_grad(), _mode(model, training=True), _saved_running_stats(model):
        for _ in range(draws):
            batch = np.concatenate([[index], rng.choice(others, size=batch_size - 1, replace=False)])
            rows.append(model(x[torch.from_numpy(batch)])[0].to(dtype=torch.float64, device="cpu").numpy())
    return np.array(rows)
