"""Torch helpers that mirror the numpy core: the same network in torch, and its graph.

This module imports torch; the numpy core never imports it.
"""

from __future__ import annotations

import torch
from torch import nn

from .mlp import MLP

__all__ = ["TORCH_ACTIVATIONS", "torch_mlp", "mlp_to_torch", "autograd_graph"]

#: torch modules for the activation names of :data:`lecturelib.activations.ACTIVATIONS`.
TORCH_ACTIVATIONS: dict[str, type[nn.Module]] = {
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "identity": nn.Identity,
}


def torch_mlp(sizes: list[int], *, activation: str = "relu") -> nn.Sequential:
    """``nn.Sequential(Linear, act, Linear, act, ..., Linear)`` with torch's default init.

    Linear layer ``l`` sits at index ``2 * l`` of the sequence.
    """
    if activation not in TORCH_ACTIVATIONS:
        raise ValueError(f"activation must be one of {list(TORCH_ACTIVATIONS)}, got {activation!r}")
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least 2 layer widths, got {sizes!r}")
    layers: list[nn.Module] = []
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if l < len(sizes) - 2:
            layers.append(TORCH_ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


def mlp_to_torch(model: MLP, *, dtype: torch.dtype = torch.float64) -> nn.Sequential:
    """The torch twin of a numpy :class:`~lecturelib.mlp.MLP`, with copies of its weights.

    Parameter ``"l.weight"`` of the numpy model becomes ``net[2 * l].weight``.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an MLP, got {type(model).__name__}")
    net = torch_mlp(model.sizes, activation=model.activation).to(dtype)
    with torch.no_grad():
        for l in range(model.n_layers):
            net[2 * l].weight.copy_(torch.from_numpy(model.params[f"{l}.weight"]))
            net[2 * l].bias.copy_(torch.from_numpy(model.params[f"{l}.bias"]))
    return net


def autograd_graph(tensor: torch.Tensor, *, names: dict[int, str] | None = None) -> str:
    """The backward graph behind ``tensor`` as an indented tree of ``grad_fn`` nodes.

    Each line is one node of the graph that autograd recorded while the
    forward pass ran; leaves (``AccumulateGrad``) are labelled with the name
    of their tensor when ``names`` maps ``id(tensor)`` to a name.

    Examples
    --------
    >>> w = torch.tensor(2.0, requires_grad=True)
    >>> print(autograd_graph((w * 3).sigmoid(), names={id(w): "w"}))
    SigmoidBackward0
      MulBackward0
        AccumulateGrad (w)
    """
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"tensor must be a torch.Tensor, got {type(tensor).__name__}")
    if tensor.grad_fn is None:
        raise ValueError("tensor has no grad_fn: it was not computed from tensors that require grad")
    names = names or {}
    lines: list[str] = []

    def walk(fn, depth: int) -> None:
        label = type(fn).__name__
        variable = getattr(fn, "variable", None)
        if variable is not None and id(variable) in names:
            label += f" ({names[id(variable)]})"
        lines.append("  " * depth + label)
        for child, _ in fn.next_functions:
            if child is not None:
                walk(child, depth + 1)

    walk(tensor.grad_fn, 0)
    return "\n".join(lines)
