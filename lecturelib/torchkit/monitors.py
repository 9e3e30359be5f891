"""Monitors of training that run as ``callback(step, model)`` of the training loop.

:class:`UpdateRatioRecorder` records, after every optimizer step, how large
the step was compared with the weights it changed, per ``nn.Linear`` layer:
the *update-to-data ratio* that Karpathy (2022) watches to tell a learning
rate that is too small or too large.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .._validation import check_int

__all__ = ["UpdateRatioRecorder"]


class UpdateRatioRecorder:
    r"""``callback(step, model)`` that records every ``nn.Linear`` weight's relative update.

    After optimizer step :math:`t` it records, for each ``nn.Linear`` layer
    :math:`l` (in the order of ``model.modules()``),

    .. math::

        r_{t,l} = \frac{\lVert W^{(l)}_t - W^{(l)}_{t-1} \rVert_F}
                       {\lVert W^{(l)}_{t-1} \rVert_F},

    the size of the update that the optimizer actually made (momentum,
    adaptive scaling and weight decay included) relative to the weight it
    changed, in float64.  Biases are left out.  Pass it as ``callback`` to
    :func:`~lecturelib.torchkit.training.train`, which calls it with
    ``step=0`` before the first step (to remember the weights) and with
    ``step = 1, 2, ...`` after each step.

    Attributes
    ----------
    steps : ndarray of int, shape (T,)
        The optimizer steps recorded, ``1, ..., T``.
    ratios : ndarray, shape (T, L)
        :math:`r_{t,l}`, one column per ``nn.Linear`` layer.

    Notes
    -----
    Karpathy (2022) plots :math:`\log_{10}` of ``(lr * grad).std() /
    weight.std()``, the same quantity up to the means of the update and of
    the weights (small for a weight matrix), but computed from the gradient,
    which for SGD with momentum or Adam is not the step taken.  His rule of
    thumb that the ratio should sit near :math:`10^{-3}` is a heuristic from
    experience, not a theorem: far below, the weights hardly move; far
    above, they are rewritten every few steps.

    References
    ----------
    A. Karpathy (2022). Building makemore part 3: activations & gradients,
    BatchNorm. *Neural Networks: Zero to Hero* (video lecture).

    Examples
    --------
    >>> net = nn.Sequential(nn.Linear(2, 2))
    >>> recorder = UpdateRatioRecorder()
    >>> recorder(0, net)
    >>> with torch.no_grad():
    ...     _ = net[0].weight.mul_(1.5)
    >>> recorder(1, net)
    >>> recorder.ratios.round(6).tolist()
    [[0.5]]
    """

    def __init__(self) -> None:
        self._previous: list[torch.Tensor] | None = None
        self._steps: list[int] = []
        self._ratios: list[list[float]] = []

    def __call__(self, step: int, model: nn.Module) -> None:
        step = check_int(step, "step", low=0)
        weights = self._check(step, model)
        if self._previous is not None:
            self._ratios.append([float((w - p).norm() / p.norm())
                                 for w, p in zip(weights, self._previous)])
            self._steps.append(step)
        self._previous = [w.clone() for w in weights]

    def _check(self, step: int, model: nn.Module) -> list[torch.Tensor]:
        """The model's nn.Linear weights in float64, after checking the call."""
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        weights = [m.weight.detach().to(torch.float64) for m in model.modules() if isinstance(m, nn.Linear)]
        if not weights:
            raise ValueError("model must contain at least one nn.Linear layer, got none")
        expected = 0 if self._previous is None else len(self._steps) + 1
        if step != expected:
            raise ValueError(f"step must be {expected} (a recorder follows one training run from step 0), "
                             f"got {step}")
        if self._previous is not None and len(weights) != len(self._previous):
            raise ValueError(f"model must keep its {len(self._previous)} nn.Linear layers, "
                             f"got {len(weights)}")
        return weights

    @property
    def steps(self) -> np.ndarray:
        return np.array(self._steps, dtype=int)

    @property
    def ratios(self) -> np.ndarray:
        n_layers = 0 if self._previous is None else len(self._previous)
        return np.array(self._ratios, dtype=float).reshape(len(self._steps), n_layers)
