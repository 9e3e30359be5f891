r"""Transfer learning: reuse a network trained on one task for another.

A network trained on a *source* task is reused on a *target* task in one of
two ways (Yosinski et al., 2014):

- as a **feature extractor**: its body is frozen and only a new head is
  trained on the target's few labels (:func:`freeze`, :func:`replace_head`),
  or its features are read out and a linear classifier is fitted on them
  (:func:`extract_features`, :func:`linear_probe`);
- as an **initialization**: every layer (or the last few) keeps training on
  the target task, often with smaller learning rates for the early layers
  (:func:`param_groups_with_lr`).

Everything works by the names of the model's *top-level children*, the
blocks of :func:`~lecturelib.torchkit.baselines.mnist1d_cnn` (``unflatten,
block1, block2, block3, flatten, head``) or of any ``nn.Sequential`` built
from named modules.  :func:`trainable_parameters` counts what is frozen.
:func:`pretrained_source` trains the book's source network on MNIST-1D's
classes 0-4, caching it on disk (:mod:`~lecturelib.torchkit.checkpoint`).

References
----------
Yosinski, J., Clune, J., Bengio, Y. and Lipson, H. (2014). How transferable
are features in deep neural networks? *NeurIPS 27*.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
from torch import nn

from .. import data as _data
from .. import preprocessing
from .._validation import as_float_array, as_labels, check_bool, check_int, check_number, check_option
from .baselines import mnist1d_cnn
from .checkpoint import load_checkpoint, save_checkpoint
from .models import init_linear_layers_
from .training import _as_batch, _model_dtype_device, evaluate, train

__all__ = ["freeze", "unfreeze", "LayerCount", "ParameterCounts", "trainable_parameters", "replace_head",
           "param_groups_with_lr", "extract_features", "linear_probe", "FineTuned", "fine_tune",
           "greedy_layerwise_pretrain", "PretrainedSource", "pretrained_source"]

#: Every batch norm layer (``BatchNorm1d``, ``2d``, ``3d``, their lazy and sync versions).
_BATCH_NORM = nn.modules.batchnorm._BatchNorm


def _child_names(model: Any) -> list[str]:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return [name for name, _ in model.named_children()]


def _head_name(model: nn.Module) -> str:
    """The output layer's name: the child named ``head`` if there is one, else the last child."""
    names = _child_names(model)
    return "head" if "head" in names else names[-1]


# ---------------------------------------------------------------- freezing


def _stay_in_eval(module: nn.Module, args: tuple[Any, ...]) -> None:
    """Forward pre-hook of a frozen batch norm layer: back to eval mode before every forward pass."""
    module.train(False)


def _hold_in_eval(bn: nn.Module, hold: bool, mode: bool) -> None:
    """Add (``hold``) or remove the :func:`_stay_in_eval` hook of ``bn``; a released layer takes ``mode``."""
    hooks = bn._forward_pre_hooks
    for key in [key for key, hook in hooks.items() if hook is _stay_in_eval]:
        del hooks[key]
    if hold:
        bn.register_forward_pre_hook(_stay_in_eval)
        bn.train(False)
    else:
        bn.train(mode)


def freeze(model: nn.Module, until: str | None = None, *, train_bn: bool = True) -> nn.Module:
    r"""Freeze ``model``'s top-level children up to and including ``until``; the rest trains.

    A frozen parameter has ``requires_grad = False``: backpropagation
    computes no gradient for it and an optimizer leaves it exactly as it
    is.  The children are taken in the order of ``model.named_children()``
    (for an ``nn.Sequential``, the order of the layers): with ``until="block2"``
    every child from the first to ``block2`` is frozen, every later one
    trainable.  The result depends only on the arguments, not on earlier
    calls: ``freeze(model, "block1")`` after ``freeze(model, "block3")``
    makes ``block2`` and ``block3`` trainable again.

    Freezing also clears a frozen parameter's ``.grad``.  An optimizer
    skips every parameter whose ``.grad`` is ``None``, which torch's
    ``optimizer.zero_grad()`` keeps it at, so even one built on all of
    ``model.parameters()`` leaves the frozen ones alone; but build it on
    the trainable ones (``[p for p in model.parameters() if
    p.requires_grad]`` or :func:`param_groups_with_lr`) all the same:
    with gradients zeroed instead (``zero_grad(set_to_none=False)``),
    momentum and weight decay would still move a frozen parameter.

    Parameters
    ----------
    model : torch.nn.Module
        Changed in place.
    until : str, optional
        The name of a top-level child, the last one to freeze; default
        ``None`` freezes every parameter (the model's own ones too).
    train_bn : bool, default True
        What batch norm layers in the frozen part do in training mode.
        ``True``: torch's default -- their :math:`\gamma, \beta` are frozen
        like every parameter, but in training mode they still normalize with
        the batch's statistics and update their running mean and variance.
        ``False``: they stay in eval mode, normalizing with the running
        statistics of the source task, which then never change.

    Returns
    -------
    torch.nn.Module
        ``model`` itself.

    Notes
    -----
    ``model.train()`` puts every submodule in training mode, so a batch norm
    layer switched to eval mode once would be switched back at the next
    epoch.  With ``train_bn=False`` each frozen batch norm layer therefore
    gets a *forward pre-hook*, a function torch calls before every forward
    pass of the layer, that puts the layer back in eval mode::

        def _stay_in_eval(module, args):
            module.train(False)

    Whatever ``model.train()`` did, the layer computes in eval mode.  (Its
    ``training`` flag reads True between ``model.train()`` and the next
    forward pass.)  :func:`unfreeze`, or freezing with ``train_bn=True``,
    removes the hook.  The common alternative in torch code, calling
    ``.eval()`` on those layers after every ``model.train()``, is easy to
    forget inside a training loop.

    References
    ----------
    Yosinski, J., Clune, J., Bengio, Y. and Lipson, H. (2014). How
    transferable are features in deep neural networks? *NeurIPS 27*.

    Examples
    --------
    >>> from lecturelib.torchkit.baselines import mnist1d_cnn
    >>> net = freeze(mnist1d_cnn(5), until="block2")
    >>> [name for name, p in net.named_parameters() if p.requires_grad]
    ['block3.conv.weight', 'block3.conv.bias', 'head.weight', 'head.bias']
    """
    names = _child_names(model)
    if until is not None:
        until = check_option(until, "until", names)
    train_bn = check_bool(train_bn, "train_bn")
    n_frozen = len(names) if until is None else names.index(until) + 1
    for i, (_, child) in enumerate(model.named_children()):
        frozen = i < n_frozen
        for param in child.parameters():
            param.requires_grad_(not frozen)
            if frozen:
                param.grad = None
        for module in child.modules():
            if isinstance(module, _BATCH_NORM):
                _hold_in_eval(module, frozen and not train_bn, model.training)
    for param in model.parameters(recurse=False):
        param.requires_grad_(until is not None)
        if until is None:
            param.grad = None
    return model


def unfreeze(model: nn.Module) -> nn.Module:
    """Make every parameter of ``model`` trainable again, and release its batch norm layers.

    Undoes :func:`freeze`: ``requires_grad = True`` everywhere, and batch norm
    layers that ``freeze(..., train_bn=False)`` held in eval mode lose their
    hook and take ``model``'s mode.

    Parameters
    ----------
    model : torch.nn.Module
        Changed in place.

    Returns
    -------
    torch.nn.Module
        ``model`` itself.

    Examples
    --------
    >>> net = unfreeze(freeze(nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 2))))
    >>> all(p.requires_grad for p in net.parameters())
    True
    """
    _child_names(model)
    for param in model.parameters():
        param.requires_grad_(True)
    for module in model.modules():
        if isinstance(module, _BATCH_NORM):
            _hold_in_eval(module, False, model.training)
    return model


class LayerCount(NamedTuple):
    """Parameters of one top-level child (a row of :class:`ParameterCounts`)."""

    name: str
    trainable: int
    frozen: int


@dataclass(frozen=True)
class ParameterCounts:
    """Trainable and frozen parameters of a model, per top-level child (:func:`trainable_parameters`).

    Attributes
    ----------
    layers : tuple of LayerCount
        One ``(name, trainable, frozen)`` row per top-level child, in order,
        after a row per parameter of the model's own (if it has any).
    """

    layers: tuple[LayerCount, ...]

    @property
    def trainable(self) -> int:
        """Trainable parameters of the whole model."""
        return sum(row.trainable for row in self.layers)

    @property
    def frozen(self) -> int:
        """Frozen parameters of the whole model."""
        return sum(row.frozen for row in self.layers)

    @property
    def total(self) -> int:
        """All parameters of the model."""
        return self.trainable + self.frozen

    def __getitem__(self, name: str) -> LayerCount:
        for row in self.layers:
            if row.name == name:
                return row
        raise KeyError(f"name must be one of {[row.name for row in self.layers]}, got {name!r}")

    def __str__(self) -> str:
        """A table of at most 76 characters per line, with a total row."""
        width = min(max(len(name) for name in ["layer", "total", *(row.name for row in self.layers)]), 40)

        def line(name: str, trainable: Any, frozen: Any) -> str:
            name = name if len(name) <= width else name[:width - 3] + "..."
            return f"{name:<{width}}  {trainable:>12}  {frozen:>12}"

        rows = [line("layer", "trainable", "frozen"), "-" * (width + 28)]
        rows += [line(row.name, f"{row.trainable:,}", f"{row.frozen:,}") for row in self.layers]
        rows += ["-" * (width + 28), line("total", f"{self.trainable:,}", f"{self.frozen:,}")]
        return "\n".join(rows)


def trainable_parameters(model: nn.Module) -> ParameterCounts:
    """Count ``model``'s trainable and frozen parameters, per top-level child.

    A parameter is trainable when ``requires_grad`` is True.  A parameter
    shared by several layers is counted once, in the first child that has it.

    Parameters
    ----------
    model : torch.nn.Module

    Returns
    -------
    ParameterCounts
        Rows per child (also children without parameters, with zeros),
        ``.trainable``, ``.frozen`` and ``.total``; ``counts["head"]`` is
        one row, and ``print(counts)`` shows the table.

    Examples
    --------
    >>> from lecturelib.torchkit.baselines import mnist1d_cnn
    >>> print(trainable_parameters(freeze(mnist1d_cnn(5), until="block3")))
    layer         trainable        frozen
    -------------------------------------
    unflatten             0             0
    block1                0           150
    block2                0         1,900
    block3                0         1,900
    flatten               0             0
    head                630             0
    -------------------------------------
    total               630         3,950
    """
    names = _child_names(model)
    counts = {name: [0, 0] for name, _ in model.named_parameters(recurse=False)}
    counts.update({name: [0, 0] for name in names})
    for name, param in model.named_parameters():
        counts[name.split(".")[0]][0 if param.requires_grad else 1] += param.numel()
    return ParameterCounts(tuple(LayerCount(name, trainable, frozen) for name, (trainable, frozen) in counts.items()))


def replace_head(model: nn.Module, n_classes: int, *, generator: torch.Generator | None = None) -> nn.Module:
    r"""Replace ``model``'s output layer with a fresh ``nn.Linear`` of ``n_classes`` outputs.

    The layer replaced is the top-level child named ``"head"`` if there is
    one, otherwise the last top-level child; either must be an
    ``nn.Linear``.  The new layer has the old one's inputs, bias, dtype and
    device, is trainable, and is initialized as ``nn.Linear`` initializes
    itself (torch's default: weight and bias from
    :math:`U[-1/\sqrt{n_\text{in}}, 1/\sqrt{n_\text{in}}]`), drawn from
    ``generator``.  The rest of the model is left exactly as it was.

    A network trained on 5 source classes and reused on 5 *other* classes
    needs this even though the shapes match: the old head's rows are the
    source classes, which the target labels do not mean.

    Parameters
    ----------
    model : torch.nn.Module
        Changed in place.
    n_classes : int
        Outputs of the new head, ``>= 2``.
    generator : torch.Generator, optional
        Source of the initial weights; default torch's global generator,
        which then advances exactly as constructing ``nn.Linear`` would
        advance it.

    Returns
    -------
    torch.nn.Module
        ``model`` itself.

    References
    ----------
    Yosinski, J., Clune, J., Bengio, Y. and Lipson, H. (2014). How
    transferable are features in deep neural networks? *NeurIPS 27*.

    Examples
    --------
    >>> from lecturelib.torchkit.baselines import mnist1d_cnn
    >>> net = replace_head(mnist1d_cnn(10), 5, generator=torch.Generator().manual_seed(0))
    >>> net.head
    Linear(in_features=125, out_features=5, bias=True)
    """
    names = _child_names(model)
    n_classes = check_int(n_classes, "n_classes", low=2)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
    if not names:
        raise ValueError(f"model must have a child named 'head' or a last child to replace, "
                         f"got {type(model).__name__} without children")
    name = _head_name(model)
    old = getattr(model, name)
    if not isinstance(old, nn.Linear):
        raise ValueError(f"model's head (the child named 'head', else the last child) must be an nn.Linear, "
                         f"got {name!r}: {type(old).__name__}")
    with torch.random.fork_rng(devices=[]):  # the constructor's draws are replaced just below
        new = nn.Linear(old.in_features, n_classes, bias=old.bias is not None,
                        dtype=old.weight.dtype, device=old.weight.device)
    init_linear_layers_(new, "linear_default", generator=generator)
    setattr(model, name, new)
    return model


def param_groups_with_lr(
    model: nn.Module, lrs: Mapping[str, float], *, default: float | None = None
) -> list[dict[str, Any]]:
    """Optimizer parameter groups with one learning rate per child (discriminative learning rates).

    Fine-tuning often moves the early, general layers less than the late,
    task-specific ones, e.g. ``{"block1": 1e-4, "block2": 3e-4, "head":
    1e-3}`` (Howard and Ruder, 2018).  A parameter belongs to key ``k`` of
    ``lrs`` when its name (as in ``model.named_parameters()``) is ``k`` or
    starts with ``k + "."``; when several keys match, the longest wins, so
    ``{"block1": 1e-4, "block1.bn": 1e-3}`` is allowed.  Trainable parameters
    that match no key get ``default``; frozen ones (``requires_grad`` False,
    see :func:`freeze`) are left out.  Every trainable parameter is in
    exactly one group.

    Parameters
    ----------
    model : torch.nn.Module
    lrs : mapping of str to float
        Learning rate ``>= 0`` per name prefix, e.g. a top-level child's
        name.  Each key must match at least one parameter.
    default : float, optional
        Learning rate of the trainable parameters no key matches.  Without
        it, every trainable parameter must match a key.

    Returns
    -------
    list of dict
        One group per key with trainable parameters (then ``"default"``),
        in the order their first parameter has in the model:
        ``{"params": [...], "lr": lr, "name": key}``, ready for any
        ``torch.optim`` optimizer, e.g. ``torch.optim.Adam(groups)``.

    References
    ----------
    Howard, J. and Ruder, S. (2018). Universal language model fine-tuning
    for text classification. *ACL*.

    Examples
    --------
    >>> from lecturelib.torchkit.baselines import mnist1d_cnn
    >>> net = freeze(mnist1d_cnn(5), until="block1")
    >>> groups = param_groups_with_lr(net, {"head": 1e-3}, default=1e-4)
    >>> [(g["name"], g["lr"], len(g["params"])) for g in groups]
    [('default', 0.0001, 4), ('head', 0.001, 2)]
    >>> torch.optim.Adam(groups).param_groups[1]["lr"]
    0.001
    """
    names = _child_names(model)
    if not isinstance(lrs, Mapping):
        raise TypeError(f"lrs must be a mapping of name prefix to learning rate, got {type(lrs).__name__}")
    rates = {}
    for key, lr in lrs.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"lrs keys must be non-empty names of model's parameters or children, got {key!r}")
        rates[key] = check_number(lr, f"lrs[{key!r}]", low=0.0)
    if default is not None:
        default = check_number(default, "default", low=0.0)
    params = list(model.named_parameters())

    def matches(name: str, key: str) -> bool:
        return name == key or name.startswith(key + ".")

    with_params = [n for n in names if any(matches(name, n) for name, _ in params)]
    for key in rates:
        if not any(matches(name, key) for name, _ in params):
            raise ValueError(f"lrs keys must name parameters of model, got {key!r}, which matches none; "
                             f"its children with parameters are {with_params}")
    groups: dict[str | None, list[torch.nn.Parameter]] = {}
    unmatched = []
    for name, param in params:
        if not param.requires_grad:
            continue
        keys = [key for key in rates if matches(name, key)]
        key = max(keys, key=len) if keys else None
        if key is None and default is None:
            unmatched.append(name)
        groups.setdefault(key, []).append(param)
    if unmatched:
        raise ValueError(f"default must be given when trainable parameters match no key of lrs {list(rates)}, "
                         f"got default=None and {unmatched}")
    if not groups:
        raise ValueError("model must have trainable parameters, got none (every parameter is frozen)")
    return [{"params": group, "lr": default if key is None else rates[key], "name": "default" if key is None else key}
            for key, group in groups.items()]


# ---------------------------------------------------------------- features and linear probes


@contextmanager
def _eval_mode(model: nn.Module) -> Iterator[None]:
    """Every submodule in eval mode; each one's own mode restored afterwards."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training


def extract_features(model: nn.Module, x: Any, layer: str, *, batch_size: int = 1024) -> np.ndarray:
    """The output of ``model``'s submodule ``layer`` on ``x``, one flattened row per example.

    A forward hook on ``layer`` records its output while ``model`` runs on
    ``x`` in eval mode without gradients (batch norm uses its running
    statistics); the mode of every submodule is restored afterwards and the
    hook removed, also after an error.  The whole model runs, so ``x`` is
    what the model takes.

    Parameters
    ----------
    model : torch.nn.Module
    x : ndarray or Tensor of shape (N, ...), floating point
        Cast to the model's dtype and device.
    layer : str
        A top-level child's name (``"block2"``), or a dotted path to a
        submodule (``"block2.conv"``), as in ``model.named_modules()``.  It
        must run once per forward pass.
    batch_size : int, default 1024
        Examples per forward pass (memory only).

    Returns
    -------
    ndarray of float64, shape (N, F)
        ``F`` is the number of entries of one example's output: for a
        convolutional block of ``C`` channels and length ``L``, ``C * L``
        (channel-major, as ``nn.Flatten`` orders them).

    References
    ----------
    Yosinski, J., Clune, J., Bengio, Y. and Lipson, H. (2014). How
    transferable are features in deep neural networks? *NeurIPS 27*.

    Examples
    --------
    >>> from lecturelib.torchkit.baselines import mnist1d_cnn
    >>> net = mnist1d_cnn(5)
    >>> [extract_features(net, np.zeros((3, 40)), name).shape for name in ("block1", "block3", "head")]
    [(3, 475), (3, 125), (3, 5)]
    """
    names = _child_names(model)
    modules = dict(model.named_modules())
    modules.pop("", None)
    if not isinstance(layer, str) or layer not in modules:
        dotted = [name for name in modules if "." in name]
        example = f" (e.g. {dotted[0]!r})" if dotted else ""
        raise ValueError(f"layer must be one of model's children {names} or a dotted path to a "
                         f"submodule{example}, got {layer!r}")
    batch_size = check_int(batch_size, "batch_size", low=1)
    dtype, device = _model_dtype_device(model)
    x = _as_batch(x).to(dtype=dtype, device=device)
    outputs: list[torch.Tensor] = []

    def record(module: nn.Module, args: tuple[Any, ...], output: Any) -> None:
        if not isinstance(output, torch.Tensor):
            raise TypeError(f"layer must output a tensor, got {type(output).__name__} from {layer!r}")
        outputs.append(output.detach().reshape(len(output), -1))

    handle = modules[layer].register_forward_hook(record)
    n_batches = 0
    try:
        with torch.no_grad(), _eval_mode(model):
            for start in range(0, len(x), batch_size):
                model(x[start:start + batch_size])
                n_batches += 1
    finally:
        handle.remove()
    if len(outputs) != n_batches:
        raise ValueError(f"layer must run once per forward pass, got {len(outputs)} calls of {layer!r} "
                         f"in {n_batches} pass(es)")
    return torch.cat(outputs).to(device="cpu", dtype=torch.float64).numpy()


def linear_probe(
    features: np.ndarray, y: np.ndarray, *, features_val: np.ndarray, y_val: np.ndarray,
    C: float = 1.0, max_iter: int = 1000,
) -> float:
    r"""Accuracy of a linear classifier trained on fixed features: how much of the task they make linear.

    Fits multinomial logistic regression,

    .. math::
        \min_{W, b}\; \frac{1}{2} \lVert W \rVert^2 - C \sum_{i=1}^N \log
        \operatorname{softmax}(W \tilde f_i + b)_{y_i}, \qquad
        \tilde f_i = (f_i - \mu) / \sigma,

    on the features standardized with the *training* mean and standard
    deviation (:func:`lecturelib.preprocessing.standardize`), with
    scikit-learn's ``LogisticRegression`` (L-BFGS, deterministic), and
    returns its accuracy on ``(features_val, y_val)`` standardized the same
    way.  Probing each layer's features (:func:`extract_features`) shows
    where in a network the information a task needs becomes linearly
    readable (Alain and Bengio, 2016).

    Parameters
    ----------
    features : ndarray of shape (N, F), floating point
        Training features.
    y : ndarray of shape (N,), int
        Class labels, at least two classes.
    features_val : ndarray of shape (N_val, F), floating point
    y_val : ndarray of shape (N_val,), int
        The examples the accuracy is measured on.
    C : float, default 1.0
        Inverse strength of the L2 penalty, ``> 0`` (scikit-learn's name).
    max_iter : int, default 1000
        L-BFGS iterations at most, ``>= 1``.

    Returns
    -------
    float
        Accuracy in ``[0, 1]`` on ``(features_val, y_val)``.

    Notes
    -----
    The fit runs NumPy's linear algebra on one thread: for problems this
    small (thousands of rows, hundreds of features) threads only add
    overhead (on a busy 2-core machine one thread was twice as fast), and a
    multi-threaded fit can stop after a different number of L-BFGS steps,
    so the result would depend on the machine.  Measured on a busy 2-core
    machine: 0.4-0.55 s for 5,000 x 125 features of the book's source
    network (10 classes), 0.2 s for 3,600 x 125 and 0.7 s for 3,600 x 475
    (5 classes).

    References
    ----------
    Alain, G. and Bengio, Y. (2016). Understanding intermediate layers using
    linear classifier probes. arXiv:1610.01644.

    Yosinski, J., Clune, J., Bengio, Y. and Lipson, H. (2014). How
    transferable are features in deep neural networks? *NeurIPS 27*.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = np.arange(200) % 2
    >>> f = rng.standard_normal((200, 3)) + 3.0 * y[:, None]
    >>> linear_probe(f[:100], y[:100], features_val=f[100:], y_val=y[100:])
    1.0
    """
    features = as_float_array(features, "features", ndim=2)
    y = as_labels(y, "y", n_rows=len(features), n_rows_of="features")
    features_val = as_float_array(features_val, "features_val", ndim=2)
    y_val = as_labels(y_val, "y_val", n_rows=len(features_val), n_rows_of="features_val")
    if features_val.shape[1] != features.shape[1]:
        raise ValueError(f"features_val must have the {features.shape[1]} columns of features, "
                         f"got shape {features_val.shape}")
    if len(np.unique(y)) < 2:
        raise ValueError(f"y must hold at least two classes, got only {np.unique(y).tolist()}")
    C = check_number(C, "C", low=0.0, low_inclusive=False)
    max_iter = check_int(max_iter, "max_iter", low=1)

    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits  # a dependency of scikit-learn

    scaler = preprocessing.standardize(features)
    with threadpool_limits(limits=1):  # see Notes
        probe = LogisticRegression(C=C, max_iter=max_iter).fit(scaler(features), y)
        predicted = probe.predict(scaler(features_val))
    return float(np.mean(predicted == y_val))


# ---------------------------------------------------------------- one transfer run, greedy pretraining


class FineTuned(NamedTuple):
    """What :func:`fine_tune` returns.

    Attributes
    ----------
    model : nn.Module
        The trained copy (the model passed in is left unchanged).
    history : History
        One entry per epoch of :func:`~lecturelib.torchkit.train`.
    test_accuracy : float
        Accuracy on ``data.x_test, data.y_test``.
    """

    model: nn.Module
    history: Any
    test_accuracy: float


def fine_tune(
    model: nn.Module, data: Any, *, lr: float, head_lr: float | None = None, freeze_until: str | None = None,
    new_head: bool = True, train_bn: bool = True, steps: int = 80, batch_size: int | None = None, seed: int = 0,
    progress: bool | None = None,
) -> FineTuned:
    r"""Train a copy of ``model`` on ``data``: one run of a transfer strategy, or of training from scratch.

    The recipe, step by step: deep-copy ``model``; with ``new_head``, give
    the copy a fresh output layer with one output per class of ``data``
    (the largest label in ``y_train`` and ``y_test``, plus one;
    :func:`replace_head`, drawn from a generator seeded
    with ``seed``); :func:`freeze` its children up to ``freeze_until``;
    train the rest with Adam, the head at ``head_lr`` and every other
    trainable parameter at ``lr`` (:func:`param_groups_with_lr`), for
    ``steps`` mini-batch steps of ``batch_size`` examples
    (:func:`~lecturelib.torchkit.train`, shuffled with ``seed``); measure
    the accuracy on the test set.

    Feature extraction is ``freeze_until`` = the last block; fine-tuning
    the last ``k`` blocks freezes up to the block before them; fine-tuning
    everything is ``freeze_until=None``, usually with ``head_lr`` larger
    than ``lr`` (discriminative learning rates: the new head starts from
    random weights, the body from useful ones).  Training from scratch is
    a freshly initialized ``model`` with ``new_head=False``.

    Parameters
    ----------
    model : torch.nn.Module
        The source network (or a fresh one), with a top-level child named
        ``head`` or a last child that is an ``nn.Linear``.  Not modified.
    data : DataSplit
        ``x_train, y_train`` to train on, ``x_test, y_test`` to measure.
    lr : float
        Adam's learning rate for the body, ``> 0``.
    head_lr : float, optional
        Adam's learning rate for the head, ``> 0``; default ``lr``.
    freeze_until : str, optional
        The last child to freeze (:func:`freeze`); default None freezes
        nothing.
    new_head : bool, default True
        Replace the head before training.
    train_bn : bool, default True
        Of :func:`freeze`: whether frozen batch norm layers update their
        running statistics.
    steps : int, default 80
        Gradient steps, ``>= 1``, rounded to whole epochs (at least one).
    batch_size : int, optional
        Default: the whole training set (full-batch Adam).
    seed : int, default 0
        Seeds the new head and the order of the mini-batches.
    progress : bool, optional
        Of :func:`~lecturelib.torchkit.train`: its progress bar (default:
        automatic).

    Returns
    -------
    FineTuned
        ``model`` (the trained copy), ``history`` and ``test_accuracy``.

    References
    ----------
    Yosinski, J., Clune, J., Bengio, Y. and Lipson, H. (2014). How
    transferable are features in deep neural networks? *NeurIPS 27*.

    Howard, J. and Ruder, S. (2018). Universal language model fine-tuning
    for text classification. *ACL*.

    Examples
    --------
    >>> from lecturelib.data import DataSplit
    >>> from lecturelib.torchkit.baselines import mnist1d_mlp
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.standard_normal((40, 4)), np.arange(40) % 2
    >>> split = DataSplit(x[:20], y[:20], x[20:30], y[20:30], x[30:], y[30:],
    ...                   np.zeros(4), np.ones(4))
    >>> run = fine_tune(mnist1d_mlp(3, n_in=4, hidden=[8]), split, lr=1e-3,
    ...                 head_lr=1e-2, freeze_until="block1", steps=5)
    >>> run.model.head, len(run.history["loss"])
    (Linear(in_features=8, out_features=2, bias=True), 6)
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    for name in ("x_train", "y_train", "x_test", "y_test"):
        if not hasattr(data, name):
            raise TypeError(f"data must be a DataSplit with x_train, y_train, x_test and y_test, "
                            f"got {type(data).__name__} without {name}")
    lr = check_number(lr, "lr", low=0.0, low_inclusive=False)
    head_lr = lr if head_lr is None else check_number(head_lr, "head_lr", low=0.0, low_inclusive=False)
    new_head = check_bool(new_head, "new_head")
    steps = check_int(steps, "steps", low=1)
    seed = check_int(seed, "seed", low=0, high=2**63 - 1)
    n = len(data.y_train)
    batch_size = n if batch_size is None else check_int(batch_size, "batch_size", low=1)
    if freeze_until is not None and freeze_until not in _child_names(model):
        raise ValueError(f"freeze_until must name a top-level child of model, {_child_names(model)}, "
                         f"got {freeze_until!r}")
    net = copy.deepcopy(model)
    if new_head:
        n_classes = int(max(np.max(as_labels(data.y_train, "data.y_train")),
                            np.max(as_labels(data.y_test, "data.y_test")))) + 1
        replace_head(net, n_classes, generator=torch.Generator().manual_seed(seed))
    if freeze_until is None:
        unfreeze(net)
    else:
        freeze(net, until=freeze_until, train_bn=train_bn)
    optimizer = torch.optim.Adam(param_groups_with_lr(net, {_head_name(net): head_lr}, default=lr))
    epochs = max(1, round(steps * min(batch_size, n) / n))
    history = train(net, data.x_train, data.y_train, optimizer=optimizer, epochs=epochs,
                    batch_size=batch_size, seed=seed, progress=progress)
    return FineTuned(net, history, evaluate(net, data.x_test, data.y_test)[1])


def greedy_layerwise_pretrain(
    model: nn.Module, x: Any, y: Any, *, optimizer: Any,
    epochs_per_layer: int, batch_size: int = 64, seed: int = 0,
    generator: torch.Generator | None = None,
) -> nn.Module:
    r"""Greedy layer-wise supervised pretraining: train a deep network one block at a time.

    For ``k = 1, ..., L`` (the children ``block1, ..., blockL`` of
    ``model``): stack blocks ``1..k`` and an output layer -- a fresh
    ``nn.Linear`` for ``k < L`` (torch's default initialization, drawn
    from ``generator``), ``model.head`` itself at ``k = L`` -- and train
    block ``k`` and that output layer for ``epochs_per_layer`` epochs with
    blocks ``1..k-1`` frozen.  Each stage is a network only one trainable
    block deep, so its gradients reach the new block undiminished.
    Afterwards every parameter is trainable again: fine-tune the whole
    ``model`` end to end with :func:`~lecturelib.torchkit.train`
    (Bengio et al., 2007).

    Parameters
    ----------
    model : nn.Sequential
        Children ``block1, ..., blockL, head`` (as
        :func:`~lecturelib.torchkit.baselines.mnist1d_mlp` builds), the
        blocks ending in ``nn.Linear``-fed activations; changed in place.
    x, y : arrays
        Training examples and integer labels, as :func:`train` takes them.
    optimizer : callable
        ``optimizer(params)`` returns a ``torch.optim.Optimizer`` on the
        trainable parameters of one stage, e.g.
        ``lambda p: torch.optim.SGD(p, lr=0.5, momentum=0.9)``.
    epochs_per_layer : int
        Epochs of each stage, ``>= 1``.
    batch_size : int, default 64
    seed : int, default 0
        Order of the mini-batches in every stage.
    generator : torch.Generator, optional
        Draws the temporary output layers; default torch's global generator.

    Returns
    -------
    nn.Module
        ``model``, every parameter trainable.

    References
    ----------
    Bengio, Y., Lamblin, P., Popovici, D. and Larochelle, H. (2007). Greedy
    layer-wise training of deep networks. *NeurIPS 19*.

    Hinton, G. E., Osindero, S. and Teh, Y.-W. (2006). A fast learning
    algorithm for deep belief nets. *Neural Computation* 18(7).
    """
    blocks = _check_greedy_args(model, optimizer, epochs_per_layer,
                                generator)
    for k, name in enumerate(blocks, start=1):
        if k < len(blocks):  # a temporary output layer on block k
            width = _out_features(getattr(model, name))
            head = init_linear_layers_(
                nn.Linear(width, model.head.out_features),
                "linear_default", generator=generator)
        else:  # the last stage trains the model's own head
            head = model.head
        parts = [(b, getattr(model, b)) for b in blocks[:k]]
        stage = nn.Sequential(OrderedDict(parts + [("head", head)]))
        unfreeze(stage)
        if k > 1:
            freeze(stage, until=blocks[k - 2])  # blocks 1..k-1 stay fixed
        params = [p for p in stage.parameters() if p.requires_grad]
        train(stage, x, y, optimizer=optimizer(params), seed=seed,
              epochs=epochs_per_layer, batch_size=batch_size)
    return unfreeze(model)


def _out_features(block: nn.Module) -> int:
    """Outputs of the last ``nn.Linear`` in ``block``."""
    linears = [m for m in block.modules() if isinstance(m, nn.Linear)]
    return linears[-1].out_features


def _check_greedy_args(model: Any, optimizer: Any, epochs_per_layer: Any, generator: Any) -> list[str]:
    """Validate :func:`greedy_layerwise_pretrain`'s arguments; the names of the blocks."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    names = _child_names(model)
    blocks = [n for n in names if n.startswith("block")]
    if not blocks or blocks != [f"block{k}" for k in range(1, len(blocks) + 1)] or names[-1] != "head" \
            or not isinstance(model.head, nn.Linear):
        raise ValueError(f"model must have children block1, ..., blockL and a last nn.Linear 'head', "
                         f"got {names}")
    empty = [b for b in blocks if not any(isinstance(m, nn.Linear) for m in getattr(model, b).modules())]
    if empty:
        raise ValueError(f"model's blocks must each hold an nn.Linear, got none in {empty[0]!r}")
    if not callable(optimizer):
        raise TypeError(f"optimizer must be a callable params -> torch.optim.Optimizer, "
                        f"got {type(optimizer).__name__}")
    check_int(epochs_per_layer, "epochs_per_layer", low=1)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
    return blocks


# ---------------------------------------------------------------- the pretrained source network


class PretrainedSource(NamedTuple):
    """What :func:`pretrained_source` returns.

    Attributes
    ----------
    model : nn.Sequential
        The trained :func:`~lecturelib.torchkit.baselines.mnist1d_cnn`, in
        training mode, every parameter trainable.
    test_accuracy : float
        Its accuracy on the test sequences of the source classes.
    settings : dict
        The arguments it was trained with.
    path : Path or None
        Its cache file (None with ``cache=False``).
    from_cache : bool
        Whether it was read from ``path`` rather than trained.
    """

    model: nn.Sequential
    test_accuracy: float
    settings: dict[str, Any]
    path: Path | None
    from_cache: bool


def _digest(*arrays: np.ndarray) -> str:
    """A short hash of the arrays' bytes, dtypes and shapes."""
    h = hashlib.sha256()
    for array in arrays:
        h.update(f"{array.dtype}{array.shape}".encode())
        h.update(np.ascontiguousarray(array).tobytes())
    return h.hexdigest()[:16]


def pretrained_source(
    *, n_samples: int = 10_000, dataset_seed: int = 42, source: Sequence[int] = (0, 1, 2, 3, 4),
    channels: int = 25, batch_norm: bool = False, epochs: int = 20, batch_size: int = 128, lr: float = 0.01,
    seed: int = 0, cache: bool = True,
) -> PretrainedSource:
    r"""The book's source network: the MNIST-1D CNN trained on the source classes, cached on disk.

    Loads MNIST-1D (:func:`lecturelib.data.load_mnist1d` with ``n_samples``
    and ``dataset_seed``, the validation split seeded with 0), keeps the
    ``source`` classes (:func:`lecturelib.data.class_split`, labels
    ``0, ..., K - 1`` in the order of ``source``), and trains
    ``mnist1d_cnn(K, channels=channels, batch_norm=batch_norm, seed=seed)``
    with Adam (``lr``) for ``epochs`` epochs of mini-batches of
    ``batch_size`` in :func:`~lecturelib.torchkit.train`, shuffled with
    ``seed``: a fixed number of steps, deterministic for a given torch
    version and number of threads.  The defaults take 560 steps, about 2 s on
    one CPU thread (plus generating MNIST-1D the first time, about 4 s), and
    reach a test accuracy of about 0.98 on classes 0-4 (0.977 on one thread).

    With ``cache`` the trained model is kept in a file under
    :func:`lecturelib.data.cache_dir` (never in the repository), whose name
    is a hash of everything the weights depend on: these settings, the
    training data's bytes, the torch and numpy versions and torch's number
    of threads.  A later call with the same settings reads it instead of
    training; a file that is missing, unreadable, of another architecture
    or made with other settings is not trusted: the model is trained again
    and the file rewritten (atomically; on a read-only disk it is skipped).
    So the cache changes only the time a call takes, never its result.

    Parameters
    ----------
    n_samples, dataset_seed : int, default 10_000, 42
        Of :func:`lecturelib.data.load_mnist1d`.
    source : sequence of int, default (0, 1, 2, 3, 4)
        The classes of the source task, at least two, leaving at least two
        for a target task.
    channels, batch_norm
        Of :func:`~lecturelib.torchkit.baselines.mnist1d_cnn`.
    epochs, batch_size : int, default 20, 128
        Of :func:`~lecturelib.torchkit.train`.
    lr : float, default 0.01
        Adam's learning rate, ``> 0``.
    seed : int, default 0
        Seed of the initial weights and of the order of the mini-batches.
    cache : bool, default True
        Read and write the cache file.

    Returns
    -------
    PretrainedSource
        ``model``, ``test_accuracy``, ``settings``, ``path`` and ``from_cache``.

    References
    ----------
    Yosinski, J., Clune, J., Bengio, Y. and Lipson, H. (2014). How
    transferable are features in deep neural networks? *NeurIPS 27*.

    Greydanus, S. (2020). Scaling down deep learning. arXiv:2011.14439.
    """
    if isinstance(source, (str, bytes)) or not isinstance(source, (Sequence, np.ndarray)):
        raise TypeError(f"source must be a sequence of class labels, got {type(source).__name__} {source!r}")
    settings = {
        "n_samples": check_int(n_samples, "n_samples", low=100),
        "dataset_seed": check_int(dataset_seed, "dataset_seed", low=0, high=2**32 - 1),
        "source": [check_int(c, f"source[{i}]", low=0, high=_data.MNIST1D_N_CLASSES - 1)
                   for i, c in enumerate(source)],
        "channels": check_int(channels, "channels", low=1),
        "batch_norm": check_bool(batch_norm, "batch_norm"),
        "epochs": check_int(epochs, "epochs", low=1),
        "batch_size": check_int(batch_size, "batch_size", low=1),
        "lr": check_number(lr, "lr", low=0.0, low_inclusive=False),
        "seed": check_int(seed, "seed", low=0, high=2**63 - 1),
    }
    cache = check_bool(cache, "cache")
    split = _data.load_mnist1d(n_samples=settings["n_samples"], dataset_seed=settings["dataset_seed"])
    target = [c for c in range(_data.MNIST1D_N_CLASSES) if c not in settings["source"]]
    tasks = _data.class_split(split, source=settings["source"], target=target)
    task = tasks.source
    model = mnist1d_cnn(len(tasks.source_classes), channels=settings["channels"],
                        batch_norm=settings["batch_norm"], seed=settings["seed"])
    key = {"settings": settings, "data": _digest(task.x_train, task.y_train), "torch": torch.__version__,
           "numpy": np.__version__, "threads": torch.get_num_threads()}
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    path = _data.cache_dir() / f"mnist1d_cnn_source_{digest}.pt" if cache else None
    from_cache = path is not None and _load_trusted(model, path, key)
    if not from_cache:
        optimizer = torch.optim.Adam(model.parameters(), lr=settings["lr"])
        train(model, task.x_train, task.y_train, optimizer=optimizer, epochs=settings["epochs"],
              batch_size=settings["batch_size"], seed=settings["seed"])
        if path is not None:
            try:
                save_checkpoint(model, path, key=key)
            except OSError:  # a read-only disk: train next time too
                pass
    accuracy = evaluate(model, task.x_test, task.y_test)[1]
    return PretrainedSource(model, accuracy, settings, path, from_cache)


def _load_trusted(model: nn.Module, path: Path, key: dict[str, Any]) -> bool:
    """Load ``path`` into ``model`` if it is a readable checkpoint made with exactly ``key``."""
    if not path.is_file():
        return False
    fresh = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    try:
        metadata = load_checkpoint(model, path)
    except (ValueError, OSError):
        return False
    if metadata.get("key") != json.loads(json.dumps(key)):
        model.load_state_dict(fresh)  # back to the untrained weights, to train from
        return False
    return True
