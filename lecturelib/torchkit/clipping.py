"""Gradient-norm clipping inside the book's one training loop, through the optimizer.

:func:`~lecturelib.torchkit.training.train` runs ``zero_grad``,
``backward`` and ``optimizer.step()`` for every mini-batch and has no place
of its own for clipping.  Clipping belongs between ``backward`` and
``step``, and PyTorch's optimizers have a hook for exactly that moment:
:meth:`torch.optim.Optimizer.register_step_pre_hook`, a function called at
the start of every ``step()``.  :func:`clip_grad_norm_on_step` registers
one that calls :func:`torch.nn.utils.clip_grad_norm_` on the optimizer's
parameters and records the norm it saw, so any loop that calls
``optimizer.step()`` clips, ``train`` included, without changing the loop.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch.utils.hooks import RemovableHandle

from .._validation import check_number

__all__ = ["GradNormLog", "clip_grad_norm_on_step"]


@dataclass
class GradNormLog:
    """What :func:`clip_grad_norm_on_step` saw: one total gradient norm per optimizer step.

    Attributes
    ----------
    max_norm : float
        The clipping threshold (``inf``: record only, clip nothing).
    norm_type : float
        The ``p`` of the p-norm (``inf`` for the largest absolute entry).
    norms : list of float
        The total norm of all gradients *before* clipping, appended at every
        ``optimizer.step()`` while the hook is registered; ``inf`` or NaN
        once a gradient has overflowed.
    """

    max_norm: float
    norm_type: float
    norms: list[float] = field(default_factory=list)
    _handle: RemovableHandle | None = field(default=None, repr=False)

    def clipped(self) -> np.ndarray:
        """Boolean array of shape ``(len(norms),)``: which steps were scaled down (norm above ``max_norm``)."""
        return np.asarray(self.norms, dtype=float) > self.max_norm

    def remove(self) -> None:
        """Unregister the hook: later steps neither clip nor record."""
        if self._handle is not None:
            self._handle.remove()
            self._handle = None


def _check_norm_type(norm_type: Any) -> float:
    if isinstance(norm_type, str) and norm_type == "inf":
        return math.inf
    if isinstance(norm_type, numbers.Real) and not isinstance(norm_type, bool) and norm_type >= 1:
        return float(norm_type)
    raise ValueError(f"norm_type must be a number >= 1 or 'inf', got {norm_type!r}")


def clip_grad_norm_on_step(
    optimizer: torch.optim.Optimizer, *, max_norm: float,
    norm_type: float | str = 2.0,
) -> GradNormLog:
    r"""Clip the total gradient norm to ``max_norm`` at the start of every ``optimizer.step()``.

    Registers a step pre-hook on ``optimizer`` that, before each update,
    takes every parameter of every parameter group that has a gradient and
    calls :func:`torch.nn.utils.clip_grad_norm_` on them together:

    .. math::

        \|g\| = \Big(\sum_k \|g_k\|_p^p\Big)^{1/p}, \qquad
        g_k \leftarrow g_k \cdot \min\Big(\frac{\text{max\_norm}}{\|g\| + 10^{-6}}, 1\Big),

    so the update keeps the gradient's direction and, for plain SGD, moves
    the parameters by at most ``lr * max_norm``.  The norm before clipping
    is appended to the returned log.

    Parameters
    ----------
    optimizer : torch.optim.Optimizer
        Any torch optimizer; the hook sees its ``param_groups`` as they are
        at each step.
    max_norm : float
        Largest total norm, ``> 0``.  ``math.inf`` records the norm and
        leaves every gradient as it is (computed with
        :func:`torch.nn.utils.get_total_norm`), so that a run with the hook
        is bit-identical to one without it.
    norm_type : float or "inf", default 2.0
        :math:`p \ge 1` of the norm, or ``"inf"`` / ``math.inf``.

    Returns
    -------
    GradNormLog
        Filled in as the optimizer steps; ``log.remove()`` unregisters the
        hook.

    Notes
    -----
    A norm that is already ``inf`` or NaN cannot be clipped:
    ``clip_grad_norm_`` then multiplies every gradient by NaN (torch's
    behaviour with ``error_if_nonfinite=False``) and the step makes the
    parameters NaN.  Clipping prevents divergence by keeping each step
    short *before* anything overflows, not by repairing an overflow.

    References
    ----------
    Pascanu, R., Mikolov, T. and Bengio, Y. (2013). On the difficulty of
    training recurrent neural networks. *ICML*.

    Examples
    --------
    >>> w = torch.nn.Parameter(torch.tensor([3.0, 4.0]))
    >>> opt = torch.optim.SGD([w], lr=1.0)
    >>> log = clip_grad_norm_on_step(opt, max_norm=1.0)
    >>> (w ** 2).sum().div(2).backward()  # gradient (3, 4), norm 5
    >>> opt.step()
    >>> log.norms, w.detach().round(decimals=4)
    ([5.0], tensor([2.4000, 3.2000]))
    """
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError("optimizer must be a torch.optim.Optimizer, got "
                        f"{type(optimizer).__name__}")
    max_norm = check_number(max_norm, "max_norm", allow_nan=True)
    if not max_norm > 0:  # also catches NaN
        raise ValueError(
            f"max_norm must be > 0 (inf allowed), got {max_norm}")
    p = _check_norm_type(norm_type)
    log = GradNormLog(max_norm=max_norm, norm_type=p)

    def clip_first(opt: torch.optim.Optimizer, args: Any,
                   kwargs: Any) -> None:
        params = [q for group in opt.param_groups for q in group["params"]
                  if q.grad is not None]
        if math.isinf(max_norm):  # record only
            grads = [q.grad for q in params]
            norm = torch.nn.utils.get_total_norm(grads, p)
        else:
            norm = torch.nn.utils.clip_grad_norm_(params, max_norm, p)
        log.norms.append(float(norm))

    log._handle = optimizer.register_step_pre_hook(clip_first)
    return log
