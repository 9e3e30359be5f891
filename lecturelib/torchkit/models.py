"""Torch helpers that mirror the numpy core: the same network in torch, and its graph.

This module imports torch; the numpy core never imports it.
"""

from __future__ import annotations

import torch
from torch import nn

from ..mlp import MLP

__all__ = ["TORCH_ACTIVATIONS", "TORCH_INITIALIZERS", "torch_mlp", "init_linear_layers_", "mlp_to_torch", "autograd_graph"]

#: torch modules for the activation names of :data:`lecturelib.activations.ACTIVATIONS`.
TORCH_ACTIVATIONS: dict[str, type[nn.Module]] = {
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "identity": nn.Identity,
}


#: Weight initializers by the names of :data:`lecturelib.init.INITIALIZERS`;
#: "linear_default" keeps what ``nn.Linear`` did at construction.
TORCH_INITIALIZERS: tuple[str, ...] = (
    "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "lecun_normal", "linear_default",
)


def init_linear_layers_(net: nn.Module, weight_init: str, *, generator: torch.Generator | None = None) -> nn.Module:
    """Re-initialise every ``nn.Linear`` of ``net`` in place: weights by name, biases to zero.

    The formulas are those of ``torch.nn.init`` (``kaiming_*`` with ReLU's
    gain, fan-in mode); unlike ``torch.nn.init`` they accept a seeded
    ``generator``.  ``"linear_default"`` leaves the module untouched.

    Parameters
    ----------
    net : nn.Module
    weight_init : str
        One of :data:`TORCH_INITIALIZERS`.
    generator : torch.Generator, optional
        Source of randomness; default torch's global generator.
    """
    if weight_init not in TORCH_INITIALIZERS:
        raise ValueError(f"weight_init must be one of {list(TORCH_INITIALIZERS)}, got {weight_init!r}")
    if weight_init == "linear_default":
        return net
    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, nn.Linear):
                _fill_(module.weight, weight_init, generator)
                if module.bias is not None:
                    module.bias.zero_()
    return net


def _fill_(w: torch.Tensor, weight_init: str, generator: torch.Generator | None) -> None:
    fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(w)
    if weight_init == "xavier_uniform":
        bound = (6.0 / (fan_in + fan_out)) ** 0.5
        w.uniform_(-bound, bound, generator=generator)
    elif weight_init == "xavier_normal":
        w.normal_(0.0, (2.0 / (fan_in + fan_out)) ** 0.5, generator=generator)
    elif weight_init == "kaiming_uniform":
        bound = (6.0 / fan_in) ** 0.5
        w.uniform_(-bound, bound, generator=generator)
    elif weight_init == "kaiming_normal":
        w.normal_(0.0, (2.0 / fan_in) ** 0.5, generator=generator)
    else:  # lecun_normal
        w.normal_(0.0, fan_in**-0.5, generator=generator)


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
    with torch.random.fork_rng(devices=[]):  # nn.Linear's own init would consume torch's global RNG
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
    stack = [(tensor.grad_fn, 0)]  # iterative depth-first walk: deep graphs do not hit the recursion limit
    while stack:
        fn, depth = stack.pop()
        label = type(fn).__name__
        variable = getattr(fn, "variable", None)
        if variable is not None and id(variable) in names:
            label += f" ({names[id(variable)]})"
        lines.append("  " * depth + label)
        children = [child for child, _ in fn.next_functions if child is not None]
        stack.extend((child, depth + 1) for child in reversed(children))
    return "\n".join(lines)
