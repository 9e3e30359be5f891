"""Penalties for :func:`lecturelib.torchkit.training.train`'s ``penalty`` hook.

:class:`ActivityPenalty` penalizes what a network's hidden layers output
rather than its weights: forward hooks record every output of the chosen
activation modules during the forward pass, and the penalty is
:func:`lecturelib.regularization.activity_penalty`'s formula in torch, so
that autograd carries it back into the weights.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .._validation import check_number, check_option

__all__ = ["ActivityPenalty"]


class ActivityPenalty:
    r"""An L1 or L2 penalty on the outputs of a network's activation modules.

    .. math::

        \Omega = \lambda \sum_{\text{layers}} \frac{1}{N} \sum_{n=1}^{N}
        \sum_j |a_{nj}| \quad\text{(L1)}, \qquad
        \frac{\lambda}{2} \sum_{\text{layers}} \frac{1}{N} \sum_n \sum_j a_{nj}^2
        \quad\text{(L2)},

    summed over examples and units, averaged over the batch (as
    :func:`lecturelib.regularization.activity_penalty`).  Use it as
    ``train(..., callback=p.attach, penalty=p)``: ``attach`` is called by
    the loop with ``step=0`` before the first step and registers forward
    hooks on every module of type ``module_type``; each call ``p(model)``
    then penalizes the outputs of the forward pass just made.

    Parameters
    ----------
    strength : float
        :math:`\lambda \ge 0`.
    kind : {"l1", "l2"}, default "l1"
    module_type : type, default nn.ReLU
        The modules whose outputs are penalized.

    Examples
    --------
    >>> net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    >>> p = ActivityPenalty(0.5)
    >>> p.attach(0, net)
    >>> _ = net(torch.ones(4, 2))
    >>> bool(p(net) >= 0)
    True
    """

    def __init__(self, strength: float, *, kind: str = "l1", module_type: type = nn.ReLU) -> None:
        self.strength = check_number(strength, "strength", low=0.0)
        self.kind = check_option(kind, "kind", ("l1", "l2"))
        if not (isinstance(module_type, type) and issubclass(module_type, nn.Module)):
            raise TypeError(f"module_type must be an nn.Module subclass such as nn.ReLU, got {module_type!r}")
        self.module_type = module_type
        self._outputs: list[torch.Tensor] = []
        self._attached: set[int] = set()

    def attach(self, step: int, model: nn.Module) -> None:
        """Register the hooks on ``model`` (once); a ``callback`` for :func:`train`."""
        if id(model) in self._attached:
            return
        modules = [m for m in model.modules() if isinstance(m, self.module_type)]
        if not modules:
            raise ValueError(f"model has no {self.module_type.__name__} module to penalize")
        for m in modules:
            m.register_forward_hook(self._record)
        self._attached.add(id(model))

    def _record(self, module: nn.Module, inputs: Any, output: torch.Tensor) -> None:
        if torch.is_grad_enabled():  # training passes, not evaluation
            self._outputs.append(output)

    def __call__(self, model: nn.Module) -> torch.Tensor:
        """The penalty of the outputs recorded since the last call (then forgotten)."""
        if id(model) not in self._attached:
            raise RuntimeError("call attach(0, model) first, e.g. pass callback=penalty.attach to train")
        outputs, self._outputs = self._outputs, []
        total = sum((a.abs().sum() if self.kind == "l1" else 0.5 * a.square().sum()) / len(a)
                    for a in outputs)
        return self.strength * total if outputs else torch.zeros(())

    def __repr__(self) -> str:
        return f"ActivityPenalty({self.strength}, kind={self.kind!r}, module_type={self.module_type.__name__})"
