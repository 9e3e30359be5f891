"""Per-layer statistics of a torch network, recorded with hooks.

The torch twin of :func:`lecturelib.diagnostics.layer_statistics`: the same
:class:`~lecturelib.diagnostics.LayerStatistics`, measured on a torch module
(``nn.Linear`` layers with activations between them) instead of a numpy
:class:`~lecturelib.mlp.MLP`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from .._validation import check_number, check_option
from ..activations import ACTIVATIONS, get_activation
from ..diagnostics import MAX_DERIVATIVE, LayerStatistics

__all__ = ["layer_statistics"]


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
