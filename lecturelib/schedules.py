"""Learning-rate schedules as pure functions of the step.

Each schedule is a function ``lr = schedule(step, **settings)`` that
returns the learning rate at ``step``, where ``step`` counts the calls of
``scheduler.step()`` so far: ``step=0`` is the learning rate of the first
update.  The values are torch's up to rounding (the tests compare 100
steps at a relative tolerance of 1e-12):

============================  =======================================
function                      torch (``torch.optim.lr_scheduler``)
============================  =======================================
:func:`step_lr`               ``StepLR``
:func:`exponential_lr`        ``ExponentialLR``
:func:`inverse_time_lr`       ``LambdaLR`` with ``1 / (1 + k t / s)``
:func:`cosine_annealing_lr`   ``CosineAnnealingLR``
:func:`linear_warmup_lr`      ``LinearLR`` (``end_factor=1.0``)
:func:`cyclic_lr`             ``CyclicLR``
:func:`one_cycle_lr`          ``OneCycleLR``
============================  =======================================

Torch computes most of these *recursively*, multiplying the current
learning rate by a factor at every step, so that schedules can be
chained; here each is written in closed form, which is what a plot or a
chapter needs.  :class:`Scheduler` turns any of them into a torch-style
scheduler that writes ``param_groups[i]["lr"]`` of an optimizer::

    from functools import partial
    sched = Scheduler(opt, partial(cosine_annealing_lr, base_lr=0.1,
                                   T_max=100))
    for batch in batches:
        ...; opt.step(); sched.step()
"""

from __future__ import annotations

import math
from collections.abc import Callable, MutableMapping, Sequence
from typing import Any

from ._validation import check_int, check_number, check_option

__all__ = [
    "step_lr",
    "exponential_lr",
    "inverse_time_lr",
    "cosine_annealing_lr",
    "linear_warmup_lr",
    "cyclic_lr",
    "one_cycle_lr",
    "Scheduler",
]


def step_lr(step: int, *, base_lr: float, step_size: int,
            gamma: float = 0.1) -> float:
    r"""Step decay: multiply by ``gamma`` every ``step_size`` steps.

    .. math::

        \eta_t = \eta_0 \, \gamma^{\lfloor t / s \rfloor}

    Parameters
    ----------
    step : int
        :math:`t \ge 0`, the number of scheduler steps so far.
    base_lr : float
        :math:`\eta_0 \ge 0`, the learning rate at step 0.
    step_size : int
        :math:`s \ge 1`, steps between two decays.
    gamma : float, default 0.1
        :math:`\gamma > 0`, the factor of each decay (> 1 grows).

    Returns
    -------
    float
        The learning rate at ``step``, as
        ``torch.optim.lr_scheduler.StepLR``.

    References
    ----------
    He, K., Zhang, X., Ren, S. and Sun, J. (2016). Deep residual learning
    for image recognition. *CVPR* (0.1, divided by 10 twice).

    Examples
    --------
    >>> [round(step_lr(t, base_lr=0.1, step_size=2), 6) for t in range(5)]
    [0.1, 0.1, 0.01, 0.01, 0.001]
    """
    step = check_int(step, "step", low=0)
    base_lr = check_number(base_lr, "base_lr", low=0.0)
    step_size = check_int(step_size, "step_size", low=1)
    gamma = check_number(gamma, "gamma", low=0.0, low_inclusive=False)
    return base_lr * gamma ** (step // step_size)


def exponential_lr(step: int, *, base_lr: float, gamma: float) -> float:
    r"""Exponential decay: multiply by ``gamma`` at every step.

    .. math::

        \eta_t = \eta_0 \, \gamma^{t}

    Parameters
    ----------
    step : int
        :math:`t \ge 0`, the number of scheduler steps so far.
    base_lr : float
        :math:`\eta_0 \ge 0`, the learning rate at step 0.
    gamma : float
        :math:`\gamma > 0`, the factor per step; ``gamma > 1`` grows the
        learning rate (as in a learning-rate range test).

    Returns
    -------
    float
        The learning rate at ``step``, as
        ``torch.optim.lr_scheduler.ExponentialLR``.

    References
    ----------
    Szegedy, C. et al. (2015). Going deeper with convolutions. *CVPR*
    (the learning rate decreased by 4 % every 8 epochs).

    Examples
    --------
    >>> round(exponential_lr(2, base_lr=1.0, gamma=0.5), 6)
    0.25
    """
    step = check_int(step, "step", low=0)
    base_lr = check_number(base_lr, "base_lr", low=0.0)
    gamma = check_number(gamma, "gamma", low=0.0, low_inclusive=False)
    return base_lr * gamma**step


def inverse_time_lr(step: int, *, base_lr: float, decay_rate: float,
                    decay_steps: float = 1) -> float:
    r"""Inverse-time (:math:`1/t`) decay.

    .. math::

        \eta_t = \frac{\eta_0}{1 + k \, t / s}

    The steps sum to infinity while their squares do not, the
    Robbins-Monro conditions under which SGD converges on a convex
    problem.  Torch has no class for it; ``LambdaLR`` with
    ``lambda t: 1 / (1 + k * t / s)`` gives the same values.

    Parameters
    ----------
    step : int
        :math:`t \ge 0`, the number of scheduler steps so far.
    base_lr : float
        :math:`\eta_0 \ge 0`, the learning rate at step 0.
    decay_rate : float
        :math:`k \ge 0`; after ``decay_steps`` steps the learning rate is
        :math:`\eta_0 / (1 + k)`.
    decay_steps : float, default 1
        :math:`s > 0`, the time scale of the decay (Keras's name).

    Returns
    -------
    float
        The learning rate at ``step``.

    References
    ----------
    Robbins, H. and Monro, S. (1951). A stochastic approximation method.
    *The Annals of Mathematical Statistics* 22(3).

    Bottou, L. (2012). Stochastic gradient descent tricks. In *Neural
    Networks: Tricks of the Trade*, 2nd ed.

    Examples
    --------
    >>> inverse_time_lr(3, base_lr=1.0, decay_rate=1.0)
    0.25
    """
    step = check_int(step, "step", low=0)
    base_lr = check_number(base_lr, "base_lr", low=0.0)
    decay_rate = check_number(decay_rate, "decay_rate", low=0.0)
    decay_steps = check_number(decay_steps, "decay_steps", low=0.0,
                               low_inclusive=False)
    return base_lr / (1 + decay_rate * step / decay_steps)


def cosine_annealing_lr(step: int, *, base_lr: float, T_max: int,
                        eta_min: float = 0.0) -> float:
    r"""Cosine annealing from ``base_lr`` to ``eta_min`` in ``T_max`` steps.

    .. math::

        \eta_t = \eta_{\min} + \tfrac12 (\eta_0 - \eta_{\min})
                 \Big(1 + \cos \frac{\pi t}{T_{\max}}\Big)

    Parameters
    ----------
    step : int
        :math:`t \ge 0`, the number of scheduler steps so far.
    base_lr : float
        :math:`\eta_0 \ge 0`, the learning rate at step 0.
    T_max : int
        :math:`T_{\max} \ge 1`, the step at which :math:`\eta_{\min}`
        is reached.
    eta_min : float, default 0.0
        :math:`\eta_{\min} \ge 0`, the learning rate at ``T_max``.

    Returns
    -------
    float
        The learning rate at ``step``, as
        ``torch.optim.lr_scheduler.CosineAnnealingLR``.

    Notes
    -----
    After ``T_max`` the learning rate does **not** stay at ``eta_min``:
    the cosine goes on, back up to ``base_lr`` at ``2 * T_max`` and down
    again, with period ``2 * T_max``.  Torch does the same: its recursion
    :math:`\eta_t - \eta_{\min} = (\eta_{t-1} - \eta_{\min})
    \frac{1 + \cos(\pi t / T)}{1 + \cos(\pi (t-1) / T)}` has a special
    case for the step after each minimum (where the ratio's denominator
    is 0), and its values agree with this closed form up to rounding
    that the recursion accumulates (about 1e-14 relative after five
    periods).
    This is not SGDR's warm restart, which jumps back to ``base_lr`` at
    once (``CosineAnnealingWarmRestarts``).

    References
    ----------
    Loshchilov, I. and Hutter, F. (2017). SGDR: stochastic gradient
    descent with warm restarts. *ICLR*.

    Examples
    --------
    >>> [round(cosine_annealing_lr(t, base_lr=1.0, T_max=2), 6)
    ...  for t in range(5)]
    [1.0, 0.5, 0.0, 0.5, 1.0]
    """
    step = check_int(step, "step", low=0)
    base_lr = check_number(base_lr, "base_lr", low=0.0)
    T_max = check_int(T_max, "T_max", low=1)
    eta_min = check_number(eta_min, "eta_min", low=0.0)
    cosine = 1 + math.cos(math.pi * step / T_max)
    return eta_min + (base_lr - eta_min) * cosine / 2


def linear_warmup_lr(step: int, *, base_lr: float, warmup_steps: int,
                     start_factor: float = 1.0 / 3) -> float:
    r"""Linear warmup from ``start_factor * base_lr`` to ``base_lr``.

    .. math::

        \eta_t = \eta_0 \Big(f + (1 - f) \frac{\min(t, W)}{W}\Big)

    and :math:`\eta_t = \eta_0` from step :math:`W` on.

    Parameters
    ----------
    step : int
        :math:`t \ge 0`, the number of scheduler steps so far.
    base_lr : float
        :math:`\eta_0 \ge 0`, the learning rate after the warmup.
    warmup_steps : int
        :math:`W \ge 1`, the step at which ``base_lr`` is reached
        (torch's ``total_iters``).
    start_factor : float, default 1/3
        :math:`f \in (0, 1]`, the fraction of ``base_lr`` at step 0
        (torch's default and range).

    Returns
    -------
    float
        The learning rate at ``step``, as
        ``torch.optim.lr_scheduler.LinearLR(opt, start_factor,
        end_factor=1.0, total_iters=warmup_steps)``.

    Notes
    -----
    Torch rejects ``start_factor=0``: its recursive update multiplies
    the current rate by a factor, and a rate of 0 would stay 0.

    References
    ----------
    Goyal, P. et al. (2017). Accurate, large minibatch SGD: training
    ImageNet in 1 hour. *arXiv:1706.02677*.

    Examples
    --------
    >>> [round(linear_warmup_lr(t, base_lr=1.0, warmup_steps=4,
    ...                         start_factor=0.2), 6) for t in range(6)]
    [0.2, 0.4, 0.6, 0.8, 1.0, 1.0]
    """
    step = check_int(step, "step", low=0)
    base_lr = check_number(base_lr, "base_lr", low=0.0)
    warmup_steps = check_int(warmup_steps, "warmup_steps", low=1)
    start_factor = check_number(start_factor, "start_factor", low=0.0,
                                low_inclusive=False, high=1.0)
    done = min(step, warmup_steps) / warmup_steps
    return base_lr * (start_factor + (1.0 - start_factor) * done)


_CYCLIC_MODES = ("triangular", "triangular2", "exp_range")


def cyclic_lr(step: int, *, base_lr: float, max_lr: float,
              step_size_up: int, step_size_down: int | None = None,
              mode: str = "triangular", gamma: float = 1.0) -> float:
    r"""Cyclical learning rate: up to ``max_lr`` and back, again and again.

    A cycle has :math:`U + D` steps; its position
    :math:`x \in [0, 1)` gives a triangle :math:`h(x)` that rises from 0
    to 1 in the first :math:`U` steps and falls back in the next
    :math:`D`:

    .. math::

        \eta_t = \eta_{\text{base}} + (\eta_{\max} - \eta_{\text{base}})
                 \, h(x) \, s, \qquad
        h(x) = \begin{cases} x / r & x \le r \\
                             (1 - x) / (1 - r) & x > r \end{cases}

    with :math:`r = U / (U + D)` and the amplitude scale :math:`s`:
    1 (``"triangular"``), :math:`2^{-(c-1)}` in cycle :math:`c = 1, 2,
    \dots` (``"triangular2"``), or :math:`\gamma^t` (``"exp_range"``).

    Parameters
    ----------
    step : int
        :math:`t \ge 0`, the number of scheduler steps (batches) so far.
    base_lr : float
        :math:`\eta_{\text{base}} \ge 0`, the lowest learning rate.
    max_lr : float
        :math:`\eta_{\max} \ge \eta_{\text{base}}`, the highest.
    step_size_up : int
        :math:`U \ge 1`, steps from ``base_lr`` up to ``max_lr``.
    step_size_down : int or None, default None
        :math:`D \ge 1`, steps back down; ``None`` means :math:`U`.
    mode : {"triangular", "triangular2", "exp_range"}
        How the amplitude shrinks from cycle to cycle.
    gamma : float, default 1.0
        :math:`\gamma \in (0, 1]`, used by ``"exp_range"`` only.

    Returns
    -------
    float
        The learning rate at ``step``, as
        ``torch.optim.lr_scheduler.CyclicLR``.

    References
    ----------
    Smith, L. N. (2017). Cyclical learning rates for training neural
    networks. *WACV*.

    Examples
    --------
    >>> [round(cyclic_lr(t, base_lr=0.1, max_lr=0.5, step_size_up=2), 6)
    ...  for t in range(6)]
    [0.1, 0.3, 0.5, 0.3, 0.1, 0.3]
    """
    step = check_int(step, "step", low=0)
    base_lr = check_number(base_lr, "base_lr", low=0.0)
    max_lr = check_number(max_lr, "max_lr", low=0.0)
    if max_lr < base_lr:
        raise ValueError(
            f"max_lr must be >= base_lr ({base_lr}), got {max_lr}")
    up = check_int(step_size_up, "step_size_up", low=1)
    down = up if step_size_down is None else check_int(
        step_size_down, "step_size_down", low=1)
    mode = check_option(mode, "mode", _CYCLIC_MODES)
    gamma = check_number(gamma, "gamma", low=0.0, low_inclusive=False,
                         high=1.0)
    total = float(up + down)
    ratio = up / total
    cycle = math.floor(1 + step / total)
    x = 1.0 + step / total - cycle  # position in the cycle, [0, 1)
    height = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
    if mode == "triangular":
        scale = 1.0
    elif mode == "triangular2":
        scale = 1 / (2.0 ** (cycle - 1))
    else:
        scale = gamma**step
    return base_lr + (max_lr - base_lr) * height * scale


def _anneal(start: float, end: float, pct: float, strategy: str) -> float:
    """From ``start`` (pct 0) to ``end`` (pct 1), as torch's OneCycleLR."""
    if strategy == "cos":
        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
    return (end - start) * pct + start


def one_cycle_lr(step: int, *, max_lr: float, total_steps: int,
                 pct_start: float = 0.3, anneal_strategy: str = "cos",
                 div_factor: float = 25.0, final_div_factor: float = 1e4,
                 three_phase: bool = False) -> float:
    r"""The 1cycle policy: warm up to ``max_lr``, then anneal far below.

    Phase 1 goes from :math:`\eta_{\max} / d` up to :math:`\eta_{\max}`
    in the first ``pct_start`` of the steps; phase 2 goes down to
    :math:`\eta_{\max} / (d f)` at step ``total_steps - 1``.  Each phase
    anneals from :math:`a` to :math:`b` as its fraction :math:`p` goes
    from 0 to 1:

    .. math::

        \text{cos:}\ b + \tfrac12 (a - b)(1 + \cos \pi p), \qquad
        \text{linear:}\ a + (b - a)\, p

    With ``three_phase=True`` (Smith's original), phase 2 comes back
    down to :math:`\eta_{\max} / d` in as many steps as phase 1 went up,
    and phase 3 anneals from there to :math:`\eta_{\max} / (d f)`.

    Parameters
    ----------
    step : int
        :math:`0 \le t \le` ``total_steps``, scheduler steps so far.
    max_lr : float
        :math:`\eta_{\max} \ge 0`, the peak learning rate.
    total_steps : int
        Number of steps (batches) in the cycle, ``>= 1``.
    pct_start : float, default 0.3
        Fraction of the steps spent warming up, in :math:`(0, 1)`
        (at most 0.5 with ``three_phase``).
    anneal_strategy : {"cos", "linear"}, default "cos"
        The shape of every phase.
    div_factor : float, default 25.0
        :math:`d > 0`; the learning rate starts at :math:`\eta_{\max}/d`.
    final_div_factor : float, default 1e4
        :math:`f > 0`; it ends at :math:`\eta_{\max} / (d f)`.
    three_phase : bool, default False
        Smith's three phases instead of fastai's two (torch's default).

    Returns
    -------
    float
        The learning rate at ``step``, as
        ``torch.optim.lr_scheduler.OneCycleLR`` (its ``lr``; torch also
        cycles the momentum, inversely).

    Notes
    -----
    Phase boundaries are torch's, ``pct_start * total_steps - 1`` and
    ``total_steps - 1``.  Torch allows ``step == total_steps`` (a loop
    that calls ``scheduler.step()`` after each of ``total_steps``
    batches gets there) and extrapolates past the end: back up for
    ``"cos"``, *below* the final rate, even negative, for ``"linear"``.
    That value is never used for an update; this function returns it
    too, and raises for ``step > total_steps`` as torch does.

    References
    ----------
    Smith, L. N. and Topin, N. (2019). Super-convergence: very fast
    training of neural networks using large learning rates. *Artificial
    Intelligence and Machine Learning for Multi-Domain Operations
    Applications*, SPIE.

    Examples
    --------
    >>> [round(one_cycle_lr(t, max_lr=1.0, total_steps=5, pct_start=0.4,
    ...                     anneal_strategy="linear", div_factor=10.0,
    ...                     final_div_factor=1.0), 6) for t in range(5)]
    [0.1, 1.0, 0.7, 0.4, 0.1]
    """
    total_steps = check_int(total_steps, "total_steps", low=1)
    step = check_int(step, "step", low=0)
    if step > total_steps:
        raise ValueError(f"step must be <= total_steps ({total_steps}), "
                         f"got {step}")
    max_lr = check_number(max_lr, "max_lr", low=0.0)
    if not isinstance(three_phase, bool):
        raise TypeError("three_phase must be a bool, got "
                        f"{type(three_phase).__name__} {three_phase!r}")
    pct_start = check_number(pct_start, "pct_start", low=0.0, high=1.0,
                             low_inclusive=False, high_inclusive=False)
    if three_phase and pct_start > 0.5:
        raise ValueError("pct_start must be <= 0.5 with three_phase=True "
                         f"(phase 2 mirrors phase 1), got {pct_start}")
    anneal_strategy = check_option(anneal_strategy, "anneal_strategy",
                                   ("cos", "linear"))
    div_factor = check_number(div_factor, "div_factor", low=0.0,
                              low_inclusive=False)
    final_div_factor = check_number(final_div_factor, "final_div_factor",
                                    low=0.0, low_inclusive=False)
    phases = _one_cycle_phases(max_lr, total_steps, pct_start, div_factor,
                               final_div_factor, three_phase)
    start_step = 0.0
    for end_step, start_lr, end_lr in phases[:-1]:
        if step <= end_step:
            break
        start_step = end_step
    else:  # past the other phases: the last one, also at total_steps
        end_step, start_lr, end_lr = phases[-1]
    pct = (step - start_step) / (end_step - start_step)
    return _anneal(start_lr, end_lr, pct, anneal_strategy)


def _one_cycle_phases(max_lr, total_steps, pct_start, div_factor,
                      final_div_factor, three_phase):
    """Torch's OneCycleLR phases as ``(end_step, start_lr, end_lr)``."""
    initial_lr = max_lr / div_factor
    min_lr = initial_lr / final_div_factor
    up_end = float(pct_start * total_steps) - 1
    if three_phase:
        phases = [(up_end, initial_lr, max_lr),
                  (float(2 * pct_start * total_steps) - 2, max_lr,
                   initial_lr),
                  (total_steps - 1, initial_lr, min_lr)]
    else:
        phases = [(up_end, initial_lr, max_lr),
                  (total_steps - 1, max_lr, min_lr)]
    starts = [0.0] + [end for end, _, _ in phases[:-1]]
    for start, (end, _, _) in zip(starts, phases):
        if end == start:  # torch would divide by zero in this phase
            raise ValueError(
                f"pct_start={pct_start} and total_steps={total_steps} "
                f"give a phase of zero length (from step {start} to "
                f"{end}); pick pct_start * total_steps != 1")
    return phases


class Scheduler:
    """Set an optimizer's learning rates from a schedule, as torch's do.

    Like a ``torch.optim.lr_scheduler`` class, it sets
    ``optimizer.param_groups[i]["lr"]``: to ``lr_at(0)`` when it is
    created, and to ``lr_at(k)`` at the ``k``-th call of :meth:`step`.
    Call ``optimizer.step()`` first, then ``scheduler.step()``.

    Parameters
    ----------
    optimizer : object with ``param_groups``
        Anything with a ``param_groups`` list of dicts holding ``"lr"``:
        a ``torch.optim.Optimizer`` or a numpy optimizer.
    lr_at : callable or sequence of callables
        ``lr_at(step) -> float``, the learning rate itself (unlike
        torch's ``LambdaLR``, whose function returns a factor of the
        initial rate), e.g. ``functools.partial(cosine_annealing_lr,
        base_lr=0.1, T_max=100)``.  One callable sets every param group;
        a sequence gives one per group.  Its values must be finite real
        numbers; their sign is not checked, since torch's ``OneCycleLR``
        itself ends on a negative rate after its last step (see
        :func:`one_cycle_lr`).

    Attributes
    ----------
    optimizer : object
        The optimizer whose learning rates are set.
    lr_fns : list of callable
        The schedules, one per param group or a single one for all.
    last_epoch : int
        Number of :meth:`step` calls so far (torch's name, although it
        counts whatever you step on: epochs or batches).

    Examples
    --------
    >>> from functools import partial
    >>> from types import SimpleNamespace
    >>> opt = SimpleNamespace(param_groups=[{"lr": 1.0}, {"lr": 1.0}])
    >>> sched = Scheduler(opt, partial(exponential_lr, base_lr=0.1,
    ...                                gamma=0.5))
    >>> sched.get_last_lr()
    [0.1, 0.1]
    >>> sched.step()
    >>> sched.last_epoch, opt.param_groups[1]["lr"]
    (1, 0.05)
    """

    def __init__(self, optimizer: Any,
                 lr_at: Callable[[int], float]
                 | Sequence[Callable[[int], float]]) -> None:
        groups = getattr(optimizer, "param_groups", None)
        if (not isinstance(groups, list) or not groups
                or not all(isinstance(g, MutableMapping) for g in groups)):
            raise TypeError(
                "optimizer must have a non-empty param_groups list of "
                "dicts (like torch.optim.Optimizer), got "
                f"{type(optimizer).__name__} with param_groups={groups!r}")
        if callable(lr_at):
            fns = [lr_at]
        elif isinstance(lr_at, Sequence) and lr_at and all(
                callable(f) for f in lr_at):
            fns = list(lr_at)
            if len(fns) != len(groups):
                raise ValueError(
                    "lr_at must have one function per param group "
                    f"({len(groups)}), got {len(fns)}")
        else:
            raise TypeError(
                "lr_at must be a callable or a sequence of callables, "
                f"got {type(lr_at).__name__}")
        self.optimizer = optimizer
        self.lr_fns = fns
        self.last_epoch = -1
        self.step()  # torch's initial step: sets lr_at(0)

    def step(self) -> None:
        """Advance one step and set every param group's ``"lr"``."""
        groups = self.optimizer.param_groups
        fns = self.lr_fns
        if len(fns) == 1:
            fns = fns * len(groups)
        if len(fns) != len(groups):
            raise ValueError(
                f"the optimizer has {len(groups)} param groups but lr_at "
                f"has {len(fns)} functions")
        step = self.last_epoch + 1
        lrs = [check_number(fn(step), f"lr_at({step})") for fn in fns]
        for group, lr in zip(groups, lrs):
            group["lr"] = lr
        self.last_epoch = step
        self._last_lr = lrs

    def get_last_lr(self) -> list[float]:
        """Return the learning rates last set, one per param group."""
        return list(self._last_lr)
