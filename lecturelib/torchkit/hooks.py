"""Per-layer statistics of a torch network, recorded with hooks.

- :func:`layer_statistics`, the torch twin of
  :func:`lecturelib.diagnostics.layer_statistics`: the same
  :class:`~lecturelib.diagnostics.LayerStatistics`, measured on a torch module
  (``nn.Linear`` layers with activations between them) instead of a numpy
  :class:`~lecturelib.mlp.MLP`;
- :func:`hidden_activations` and :func:`activation_statistics`: what the
  hidden layers output on an evaluation batch (mean, spread, saturated and
  dead units, histograms), forward pass only;
- :class:`ActivationRecorder`: the same statistics recorded *during*
  training, as ``train(..., callback=recorder)``, and returned as an
  :class:`ActivationTrace`.

Every function here finds the hidden layers the same way: the activation
``a^(l)`` of hidden layer ``l`` is the input of the ``(l + 1)``-th
``nn.Linear`` (in the order of ``model.modules()``). No module class is
looked up by name, so a hidden layer may be any module (``nn.ReLU``,
``nn.PReLU``, a maxout unit that keeps its affine map as an ``nn.Linear``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from .._validation import check_int, check_number, check_option
from ..activations import ACTIVATIONS, get_activation
from ..diagnostics import MAX_DERIVATIVE, SATURATION_BOUNDS, LayerStatistics, dead_fraction
from .models import MLP_ACTIVATIONS
from .training import _as_batch, _mode, _model_dtype_device

__all__ = [
    "layer_statistics",
    "hidden_activations",
    "ActivationStatistics",
    "activation_statistics",
    "activation_bins",
    "ActivationTrace",
    "ActivationRecorder",
]


def layer_statistics(
    model: nn.Module,
    x: torch.Tensor | np.ndarray,
    y: torch.Tensor | np.ndarray,
    *,
    activation: str,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    saturation_threshold: float = 0.1,
) -> LayerStatistics:
    """One forward and backward pass of ``model``, summarised for every ``nn.Linear``.

    Forward hooks on the ``nn.Linear`` modules (in the order of
    ``model.modules()``) record each layer's input ``a^(l-1)`` and output
    ``z^(l)``, and a tensor hook on ``z^(l)`` records ``delta^(l) = dL/dz^(l)``
    during the backward pass.  The activation ``a^(l)`` of a hidden layer is
    the input of the next ``nn.Linear``; the last layer's is ``z^(L)``
    (identity output).  The hooks are removed before returning, and the
    model's ``.grad`` fields are left set.

    Parameters
    ----------
    model : torch.nn.Module
        A feed-forward network whose ``nn.Linear`` layers run in the order
        they are registered, with ``activation`` between them.
    x : Tensor or ndarray, shape (N, n_0)
        Cast to the model's dtype.
    y : Tensor or ndarray of int, shape (N,)
        Class indices.
    activation : str
        Name of the hidden activation in :data:`lecturelib.activations.ACTIVATIONS`;
        it decides which units count as saturated.
    loss_fn : callable, optional
        ``loss_fn(logits, y)``; default ``torch.nn.functional.cross_entropy``.
    saturation_threshold : float, default 0.1
        As in :func:`lecturelib.diagnostics.layer_statistics`.

    Returns
    -------
    LayerStatistics
        Arrays of shape ``(L,)``, equal to the numpy statistics of the same
        network to rounding (``tests/test_hooks.py``).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    activation = check_option(activation, "activation", ACTIVATIONS)
    saturation_threshold = check_number(saturation_threshold, "saturation_threshold", low=0.0, high=1.0)
    if loss_fn is not None and not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable as loss_fn(logits, y), got {type(loss_fn).__name__}")
    loss_fn = loss_fn or nn.functional.cross_entropy
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise ValueError("model must contain at least one torch.nn.Linear, got none")
    x = torch.as_tensor(x, dtype=linears[0].weight.dtype)
    y = torch.as_tensor(y, dtype=torch.int64)

    inputs: dict[int, torch.Tensor] = {}
    z: dict[int, torch.Tensor] = {}
    delta: dict[int, torch.Tensor] = {}

    def record(l: int):
        def hook(_module, args, out):
            inputs[l], z[l] = args[0].detach(), out.detach()
            if out.requires_grad:
                out.register_hook(lambda g: delta.__setitem__(l, g.detach()))
        return hook

    handles = [m.register_forward_hook(record(l)) for l, m in enumerate(linears)]
    try:
        model.zero_grad()
        loss_fn(model(x), y).backward()
    finally:
        for handle in handles:
            handle.remove()

    n = len(linears)
    acts = [inputs[l + 1] for l in range(n - 1)] + [z[n - 1]]
    derivative = get_activation(activation)[1]
    frac_saturated = np.zeros(n)
    if activation in MAX_DERIVATIVE:
        for l in range(n - 1):  # the output layer's activation is the identity
            grad = derivative(z[l].numpy())
            frac_saturated[l] = np.mean(grad < saturation_threshold * MAX_DERIVATIVE[activation])
    return LayerStatistics(
        activation_mean=np.array([float(a.mean()) for a in acts]),
        activation_std=np.array([float(a.std(unbiased=False)) for a in acts]),
        activation_spread=np.array([float(a.std(dim=0, unbiased=False).mean()) for a in acts]),
        preactivation_std=np.array([float(z[l].std(unbiased=False)) for l in range(n)]),
        frac_zero=np.array([float((a == 0).double().mean()) for a in acts]),
        frac_saturated=frac_saturated,
        delta_std=np.array([float(delta[l].std(unbiased=False)) for l in range(n)]),
        weight_grad_norm=np.array([float(m.weight.grad.norm()) for m in linears]),
    )


# ---------------------------------------------------------------- activations of the hidden layers


def _activation_names() -> list[str]:
    """Every name a hidden layer of the book's networks can have (:data:`~lecturelib.torchkit.models.MLP_ACTIVATIONS`)."""
    return sorted(set(ACTIVATIONS) | set(MLP_ACTIVATIONS))


#: The range of the outputs of the activations that have one.
_OUTPUT_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}


def activation_bins(activation: str, *, high: float, n_bins: int = 50) -> np.ndarray:
    """Histogram edges that cover the range of an activation's outputs, for :class:`ActivationRecorder`.

    ``(0, 1)`` for the sigmoid and ``(-1, 1)`` for tanh, so that the values
    piling up at the saturated ends get bins of their own; ``(-high, high)``
    for the identity; ``(-1, high)`` for the ReLU family, whose negative
    outputs are small (ELU's are above -1, GELU's above -0.17) and whose
    positive ones are unbounded.  Values outside the edges land in the end
    bins, so choose ``high`` above the largest activation expected.

    Parameters
    ----------
    activation : str
        A name in :data:`~lecturelib.torchkit.models.MLP_ACTIVATIONS`.
    high : float
        Upper edge for the activations without an upper bound, ``> 1``.
    n_bins : int, default 50

    Returns
    -------
    ndarray, shape (n_bins + 1,)
        Evenly spaced, increasing edges.

    Examples
    --------
    >>> activation_bins("tanh", high=5.0, n_bins=4)
    array([-1. , -0.5,  0. ,  0.5,  1. ])
    >>> activation_bins("relu", high=5.0, n_bins=3)
    array([-1.,  1.,  3.,  5.])
    """
    activation = check_option(activation, "activation", MLP_ACTIVATIONS)
    high = check_number(high, "high", low=1.0, low_inclusive=False)
    n_bins = check_int(n_bins, "n_bins", low=1)
    low = -high if activation == "identity" else -1.0
    low, high = _OUTPUT_RANGES.get(activation, (low, high))
    return np.linspace(low, high, n_bins + 1)


def _check_bins(bins: Any) -> np.ndarray:
    edges = np.asarray(bins)
    if edges.dtype.kind not in "iuf":
        raise TypeError(f"bins must be an array of real bin edges, got dtype {edges.dtype}")
    if edges.ndim != 1 or len(edges) < 2:
        raise ValueError(f"bins must be a 1-D array of at least 2 edges, got shape {edges.shape}")
    edges = edges.astype(float)
    if not np.all(np.isfinite(edges)) or np.any(np.diff(edges) <= 0):
        raise ValueError(f"bins must be finite and strictly increasing, got {edges}")
    return edges


def _saturation_bounds(activation: str, saturation: Any) -> tuple[float, float] | None:
    """``saturation`` checked, or the default bounds of ``activation`` (``None``: it does not saturate)."""
    if saturation is None:
        return SATURATION_BOUNDS.get(activation)
    if isinstance(saturation, str) or not hasattr(saturation, "__len__") or len(saturation) != 2:
        raise ValueError(f"saturation must be a pair (low, high) of output bounds, got {saturation!r}")
    low = check_number(saturation[0], "saturation[0]")
    high = check_number(saturation[1], "saturation[1]", low=low, low_inclusive=False)
    return low, high


def hidden_activations(model: nn.Module, x: torch.Tensor | np.ndarray) -> list[np.ndarray]:
    """The activations ``a^(1), ..., a^(L)`` of every hidden layer on one batch, forward pass only.

    Forward hooks on the ``nn.Linear`` modules after the first record their
    inputs: the input of the ``(l + 1)``-th ``nn.Linear`` is ``a^(l)``. The
    pass runs in eval mode (the model's mode is restored) without gradients,
    and the hooks are removed before returning, also after an error.

    Parameters
    ----------
    model : torch.nn.Module
        A feed-forward network with at least two ``nn.Linear`` layers, each
        run once per forward pass, in the order they are registered.
    x : Tensor or ndarray, shape (N, n_0)
        Cast to the model's dtype and device.

    Returns
    -------
    list of ndarray of float64, shape (N, n_l) each
        One array per hidden layer, input side first (a layer whose input is
        ``(N, ...)`` is flattened to ``(N, n_l)``).

    Examples
    --------
    >>> net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2))
    >>> [a.shape for a in hidden_activations(net, np.ones((8, 3), dtype=np.float32))]
    [(8, 4), (8, 5)]
    """
    dtype, device = _model_dtype_device(model)
    x = _as_batch(x).to(dtype=dtype, device=device)
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if len(linears) < 2:
        raise ValueError(f"model must contain at least two torch.nn.Linear layers (one hidden layer), "
                         f"got {len(linears)}")
    inputs: dict[int, torch.Tensor] = {}

    def record(l: int):
        return lambda _module, args, _out: inputs.__setitem__(l, args[0].detach())

    handles = [m.register_forward_hook(record(l)) for l, m in enumerate(linears[1:], start=1)]
    try:
        with torch.no_grad(), _mode(model, training=False):
            model(x)
    finally:
        for handle in handles:
            handle.remove()
    missing = [l for l in range(1, len(linears)) if l not in inputs]
    if missing:
        raise ValueError(f"model must run every nn.Linear in its forward pass, got no call of linear layer(s) "
                         f"{missing} (0 = first)")
    return [inputs[l].reshape(len(x), -1).to(device="cpu", dtype=torch.float64, copy=True).numpy()
            for l in range(1, len(linears))]


@dataclass(frozen=True)
class ActivationStatistics:
    """What every hidden layer outputs on one evaluation batch.

    Entry ``l - 1`` of each array belongs to hidden layer ``l`` (1 = next to
    the input), ``L`` hidden layers in all.

    Attributes
    ----------
    mean, std : ndarray, shape (L,)
        Mean and standard deviation of ``a^(l)`` pooled over examples and units.
    frac_saturated : ndarray, shape (L,)
        Fraction of the entries of ``a^(l)`` outside the saturation bounds
        (:data:`lecturelib.diagnostics.SATURATION_BOUNDS` by default); 0 for
        activations without bounds.
    frac_dead : ndarray, shape (L,)
        Fraction of the units of layer ``l`` that are exactly zero on every
        example of the batch (:func:`lecturelib.diagnostics.dead_fraction`).
    histograms : ndarray of int64, shape (L, n_bins)
        Counts of the entries of ``a^(l)`` in each bin of ``bin_edges``,
        values outside the range counted in the first or last bin, NaN not
        counted: row ``l - 1`` sums to ``N * n_l`` when nothing diverged.
    bin_edges : ndarray, shape (n_bins + 1,)
    """

    mean: np.ndarray
    std: np.ndarray
    frac_saturated: np.ndarray
    frac_dead: np.ndarray
    histograms: np.ndarray
    bin_edges: np.ndarray


def _summarise(hidden: list[np.ndarray], bin_edges: np.ndarray,
               bounds: tuple[float, float] | None) -> ActivationStatistics:
    """:class:`ActivationStatistics` of the hidden activations ``hidden`` (see :func:`activation_statistics`)."""
    low, high = bounds if bounds is not None else (-np.inf, np.inf)
    clipped = [np.clip(a, bin_edges[0], bin_edges[-1]) for a in hidden]  # the tails land in the end bins
    return ActivationStatistics(
        mean=np.array([a.mean() for a in hidden]),
        std=np.array([a.std() for a in hidden]),
        frac_saturated=np.array([np.mean((a < low) | (a > high)) for a in hidden]),
        frac_dead=np.array([dead_fraction(a) for a in hidden]),
        histograms=np.array([np.histogram(a, bins=bin_edges)[0] for a in clipped], dtype=np.int64),
        bin_edges=bin_edges,
    )


def activation_statistics(
    model: nn.Module,
    x: torch.Tensor | np.ndarray,
    *,
    activation: str,
    bins: np.ndarray,
    saturation: tuple[float, float] | None = None,
) -> ActivationStatistics:
    r"""Mean, spread, saturated and dead units, and a histogram of every hidden layer on a batch.

    One forward pass of :func:`hidden_activations` (eval mode, no gradients),
    summarised per hidden layer ``l`` with ``N`` examples and ``n_l`` units:

    .. math::
        \text{frac\_saturated}_l = \frac{1}{N n_l} \#\{(i, j) : a^{(l)}_{ij} < \text{low}
            \text{ or } a^{(l)}_{ij} > \text{high}\}, \qquad
        \text{frac\_dead}_l = \frac{1}{n_l} \#\{j : a^{(l)}_{ij} = 0 \text{ for all } i\}

    Parameters
    ----------
    model : torch.nn.Module
        As for :func:`hidden_activations`.
    x : Tensor or ndarray, shape (N, n_0)
        An evaluation batch; keep it fixed when comparing steps of training.
    activation : str
        The hidden activation's name (a key of
        :data:`lecturelib.activations.ACTIVATIONS`, or ``"prelu"``,
        ``"maxout"``); it chooses the default saturation bounds.
    bins : array_like, shape (n_bins + 1,)
        Strictly increasing bin edges, shared by every layer (and by every
        step of an :class:`ActivationRecorder`) so that histograms compare.
        Values outside ``[bins[0], bins[-1]]`` are clipped into the first or
        last bin, so that the tails stay counted.
    saturation : (float, float), optional
        Output bounds ``(low, high)``: an entry is saturated below ``low`` or
        above ``high``. Default :data:`lecturelib.diagnostics.SATURATION_BOUNDS`
        of ``activation`` (``|tanh| > 0.97``; sigmoid outside
        ``[0.03, 0.97]``), and no saturation for activations without bounds
        (the ReLU family does not saturate for positive inputs).

    Returns
    -------
    ActivationStatistics

    Examples
    --------
    >>> net = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    >>> with torch.no_grad():
    ...     _ = net[0].weight.zero_(), net[0].bias.copy_(torch.tensor([0.0, 3.0, -3.0]))
    >>> stats = activation_statistics(net, np.ones((4, 2), dtype=np.float32), activation="tanh",
    ...                               bins=np.linspace(-1, 1, 5))
    >>> stats.frac_saturated, stats.frac_dead  # tanh(+-3) = +-0.995; tanh(0) = 0 on every example
    (array([0.66666667]), array([0.33333333]))
    >>> stats.histograms
    array([[4, 0, 4, 4]])
    """
    activation = check_option(activation, "activation", _activation_names())
    bounds = _saturation_bounds(activation, saturation)
    return _summarise(hidden_activations(model, x), _check_bins(bins), bounds)


# ---------------------------------------------------------------- during training


@dataclass(frozen=True)
class ActivationTrace:
    """:class:`ActivationStatistics` of the same evaluation batch at several steps of training.

    Row ``t`` belongs to ``steps[t]``; column ``l - 1`` to hidden layer ``l``.

    Attributes
    ----------
    steps : ndarray of int, shape (T,)
        Optimizer steps at which the statistics were recorded (0 = before
        training), increasing.
    mean, std, frac_saturated, frac_dead : ndarray, shape (T, L)
        As in :class:`ActivationStatistics`.
    histograms : ndarray of int64, shape (T, L, n_bins)
    bin_edges : ndarray, shape (n_bins + 1,)
        Shared by every step and layer.
    activation : str
        Name of the hidden activation.
    """

    steps: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    frac_saturated: np.ndarray
    frac_dead: np.ndarray
    histograms: np.ndarray
    bin_edges: np.ndarray
    activation: str


class ActivationRecorder:
    """Record :func:`activation_statistics` of one batch while :func:`~lecturelib.torchkit.training.train` runs.

    Pass it as ``train(..., callback=recorder)``: it measures at step 0
    (before training) and after every ``every``-th optimizer step, in eval
    mode and without gradients (the run itself is the same as without it),
    then :attr:`trace` returns everything as an :class:`ActivationTrace`.
    Use a new recorder for each run.

    Parameters
    ----------
    x : Tensor or ndarray, shape (N, n_0)
        The evaluation batch, the same at every step.
    activation : str
        As for :func:`activation_statistics`.
    bins : array_like, shape (n_bins + 1,)
        Bin edges shared by every step and layer.
    every : int, default 1
        Record at steps ``0, every, 2 * every, ...``.
    saturation : (float, float), optional
        As for :func:`activation_statistics`.

    Examples
    --------
    >>> from lecturelib.torchkit.training import train
    >>> net = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> x, y = np.random.default_rng(0).standard_normal((32, 2)), np.arange(32) % 2
    >>> recorder = ActivationRecorder(x, activation="relu", bins=np.linspace(-3, 3, 13), every=2)
    >>> _ = train(net, x, y, optimizer=torch.optim.SGD(net.parameters(), lr=0.1), epochs=2, batch_size=8,
    ...           callback=recorder)
    >>> recorder.trace.steps, recorder.trace.histograms.shape
    (array([0, 2, 4, 6, 8]), (5, 1, 12))
    """

    def __init__(self, x: torch.Tensor | np.ndarray, *, activation: str, bins: np.ndarray, every: int = 1,
                 saturation: tuple[float, float] | None = None) -> None:
        self.x = _as_batch(x)
        self.activation = check_option(activation, "activation", _activation_names())
        self.bins = _check_bins(bins)
        self.every = check_int(every, "every", low=1)
        self.saturation = _saturation_bounds(self.activation, saturation)
        self._last_step = -1
        self._steps: list[int] = []
        self._records: list[ActivationStatistics] = []

    def __call__(self, step: int, model: nn.Module) -> None:
        """Record the statistics of ``model`` if ``step`` is a multiple of ``every``."""
        step = check_int(step, "step", low=0)
        if step <= self._last_step:
            raise ValueError(f"step must increase, got {step} after {self._last_step}: "
                             f"use a new ActivationRecorder for each training run")
        self._last_step = step
        if step % self.every:
            return
        stats = _summarise(hidden_activations(model, self.x), self.bins, self.saturation)
        if self._records and len(stats.mean) != len(self._records[0].mean):
            raise ValueError(f"model must keep its {len(self._records[0].mean)} hidden layers during "
                             f"recording, got {len(stats.mean)} at step {step}")
        self._steps.append(step)
        self._records.append(stats)

    @property
    def trace(self) -> ActivationTrace:
        """Everything recorded so far, as arrays with one row per recorded step."""
        if not self._records:
            raise ValueError("no statistics recorded yet: pass the recorder to train(..., callback=recorder)")
        fields = ("mean", "std", "frac_saturated", "frac_dead", "histograms")
        stacked = {name: np.stack([getattr(r, name) for r in self._records]) for name in fields}
        return ActivationTrace(steps=np.array(self._steps), bin_edges=self.bins.copy(),
                               activation=self.activation, **stacked)
