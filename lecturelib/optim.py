r"""Optimizers in numpy, step for step as ``torch.optim`` (Chapter 5).

Each optimizer is a plain update function next to a thin class, after
PyTorch (``torch/optim/sgd.py``, ``adam.py``, ...):

=====================  ==================  =====================================================
update function        torch               state keys
=====================  ==================  =====================================================
:func:`sgd_step`       ``optim.SGD``       ``momentum_buffer`` (if ``momentum != 0``)
:func:`adagrad_step`   ``optim.Adagrad``   ``step``, ``sum``
:func:`rmsprop_step`   ``optim.RMSprop``   ``step``, ``square_avg``, ``momentum_buffer``
                                           (if ``momentum > 0``), ``grad_avg`` (if ``centered``)
:func:`adadelta_step`  ``optim.Adadelta``  ``step``, ``square_avg``, ``acc_delta``
:func:`adam_step`      ``optim.Adam``      ``step``, ``exp_avg``, ``exp_avg_sq``,
                                           ``max_exp_avg_sq`` (if ``amsgrad``)
:func:`adamw_step`     ``optim.AdamW``     as :func:`adam_step`
=====================  ==================  =====================================================

with the classes :class:`SGD`, :class:`Adagrad`, :class:`RMSprop`,
:class:`Adadelta`, :class:`Adam` and :class:`AdamW` on top.

The update functions have one shape::

    xxx_step(param, grad, state, *, <torch's hyper-parameters>) -> None

They change ``param`` and the ``state`` dict **in place** and return
``None``, as torch's optimizers do (``x[...] = ...``, ``x += ...`` and
``x *= ...`` write into the existing array ``x``).  They check their
arguments first (the decorator ``@_checked``), so that their bodies hold
only the arithmetic of the update.  ``state`` starts as an empty dict; the
first call fills it with torch's keys.  The arrays in ``state`` have the
shape and dtype of ``param``; ``state["step"]`` counts the calls as a
Python float (torch keeps a 0-d float tensor).  Each function follows the
single-tensor path of torch (``_single_tensor_sgd`` and friends), operation
by operation, so that ``tests/test_optim.py`` can compare parameters and
state with torch in float64 to about 1e-12.

The classes hold a list of parameter arrays and call the update function
for each::

    opt = Adam(params, lr=1e-3)          # params: a list of float ndarrays
    opt.step(grads)                      # grads: one array per parameter

``opt.param_groups`` is a list of dicts as in torch (``params`` may also be
a list of such dicts, one per group), and ``opt.state`` is a dict keyed by
the parameter's **position** in the list of all parameters (group after
group), the numbering of torch's ``state_dict()``.

Differences from torch: the hyper-parameters are keyword-only (``SGD(params,
lr=0.1)``, not ``SGD(params, 0.1)``); the same array twice is an error (torch
warns); ``step`` takes the gradients instead of reading ``p.grad``, with
``None`` for a parameter without gradient, which is skipped as in torch; the
hyper-parameters are checked in every group and at every step, not only
those given to the constructor; torch's ``foreach``, ``fused``,
``capturable`` and ``differentiable`` do not exist (they choose how torch
computes, not what).

Weight decay is the L2 penalty added to the gradient,
:math:`g \leftarrow g + \lambda\theta`, in every optimizer except
:func:`adamw_step` (and :func:`adam_step` with
``decoupled_weight_decay=True``), which shrink the weights directly.

Examples
--------
>>> w = np.array([1.0, -1.0])
>>> opt = SGD([w], lr=0.1, momentum=0.9)
>>> opt.step([np.array([1.0, 1.0])])
>>> w
array([ 0.9, -1.1])
>>> opt.state[0]["momentum_buffer"]
array([1., 1.])
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar

import numpy as np

from ._validation import as_float_array, check_number, check_same_shape

__all__ = [
    "sgd_step",
    "adagrad_step",
    "rmsprop_step",
    "adadelta_step",
    "adam_step",
    "adamw_step",
    "Optimizer",
    "SGD",
    "Adagrad",
    "RMSprop",
    "Adadelta",
    "Adam",
    "AdamW",
]

# The ranges torch's constructors accept (torch/optim/*.py).  torch does not
# restrict ``dampening``, nor ``alpha`` from above.
_RANGES: dict[str, dict[str, Any]] = {
    "lr": dict(low=0),
    "momentum": dict(low=0),
    "dampening": dict(),
    "weight_decay": dict(low=0),
    "lr_decay": dict(low=0),
    "initial_accumulator_value": dict(low=0),
    "eps": dict(low=0),
    "alpha": dict(low=0),
    "rho": dict(low=0, high=1),
    "betas": dict(low=0, high=1, high_inclusive=False),
}
_FLAGS = ("nesterov", "maximize", "centered", "amsgrad", "decoupled_weight_decay")


def _check_hyperparameters(hyper: dict[str, Any], where: str = "") -> None:
    """Check torch's hyper-parameters by name; ``where`` prefixes the names."""

    def name(key: str) -> str:
        return f"{where}[{key!r}]" if where else key

    for key, value in hyper.items():
        if key in _FLAGS:
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"{name(key)} must be a bool, got {type(value).__name__} {value!r}")
        elif key == "betas":
            if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 2:
                raise TypeError(f"{name(key)} must be a pair (beta1, beta2), got {type(value).__name__} {value!r}")
            for i, beta in enumerate(value):
                check_number(beta, f"{name(key)}[{i}]", **_RANGES["betas"])
        elif key in _RANGES:
            check_number(value, name(key), **_RANGES[key])
        else:
            raise TypeError(f"unexpected hyper-parameter {name(key)}")
    if hyper.get("nesterov") and (hyper["momentum"] <= 0 or hyper["dampening"] != 0):
        raise ValueError(
            f"{name('nesterov')}=True requires momentum > 0 and dampening == 0, "
            f"got momentum={hyper['momentum']} and dampening={hyper['dampening']}"
        )


def _betas_as_tuple(hyper: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``hyper`` with ``betas`` a tuple, as torch stores it."""
    return {key: tuple(value) if key == "betas" else value for key, value in hyper.items()}


def _check_param(param: Any, name: str) -> None:
    """A parameter must be a writeable float ndarray: it is updated in place."""
    if not isinstance(param, np.ndarray) or param.dtype.kind != "f":
        what = f"dtype {param.dtype}" if isinstance(param, np.ndarray) else type(param).__name__
        raise TypeError(f"{name} must be a floating-point numpy array (updated in place), got {what}")
    if not param.flags.writeable:
        raise ValueError(f"{name} must be a writeable array (updated in place), got a read-only array")


def _check_step(param: Any, grad: Any, state: Any, **hyper: Any) -> np.ndarray:
    """Validate the arguments of an update function; return ``grad`` as an array."""
    _check_param(param, "param")
    grad = as_float_array(grad, "grad", allow_nan=True)
    check_same_shape(param, "param", grad, "grad")
    if not isinstance(state, dict):
        raise TypeError(f"state must be a dict (empty before the first step), got {type(state).__name__}")
    _check_hyperparameters(hyper)
    return grad


def _checked(update: Callable[..., None]) -> Callable[..., None]:
    """Wrap an update function so that it validates its arguments first.

    The wrapper checks ``param``, ``grad``, ``state`` and every
    hyper-parameter (with the function's defaults filled in) by
    :func:`_check_step`, then calls ``update``; the update function itself
    holds only the arithmetic that the book shows next to the equations.
    """
    defaults = update.__kwdefaults__

    @functools.wraps(update)
    def checked(param: np.ndarray, grad: np.ndarray, state: dict, **hyper: Any) -> None:
        unknown = sorted(hyper.keys() - defaults.keys())
        if unknown:
            raise TypeError(f"{update.__name__}() got unexpected keyword argument(s) {unknown}; "
                            f"its hyper-parameters are {sorted(defaults)}")
        grad = _check_step(param, grad, state, **{**defaults, **hyper})
        update(param, grad, state, **hyper)

    return checked


# ---------------------------------------------------------------------------
# Update functions: one step for one parameter array.
# ---------------------------------------------------------------------------


@_checked
def sgd_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    *,
    lr: float = 1e-3,
    momentum: float = 0.0,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
    nesterov: bool = False,
    maximize: bool = False,
) -> None:
    r"""One step of stochastic gradient descent, as ``torch.optim.SGD``.

    .. math::

        g &\leftarrow \nabla_\theta f + \lambda \theta \\
        b &\leftarrow \mu b + (1 - \tau) g
            \qquad (b \leftarrow g \text{ at the first step}) \\
        \theta &\leftarrow \theta - \eta\, (g + \mu b)
            \quad\text{(Nesterov)}, \qquad
        \theta \leftarrow \theta - \eta\, b \quad\text{(otherwise)}

    with learning rate :math:`\eta` (``lr``), momentum :math:`\mu`,
    dampening :math:`\tau` and weight decay :math:`\lambda`; without
    momentum, :math:`\theta \leftarrow \theta - \eta g`.

    Parameters
    ----------
    param : ndarray of float, any shape
        Parameter, updated in place.
    grad : ndarray of float, same shape as ``param``
        Gradient of the loss with respect to ``param``.
    state : dict
        Empty before the first step; holds ``"momentum_buffer"`` (same
        shape as ``param``) once a step with ``momentum != 0`` was taken.
    lr : float, default 1e-3
        Learning rate, >= 0 (torch's default since 2.6).
    momentum : float, default 0
        Momentum factor, >= 0.
    dampening : float, default 0
        Damps the gradient's share of the buffer (not at the first step).
    weight_decay : float, default 0
        L2 penalty added to the gradient, >= 0.
    nesterov : bool, default False
        Nesterov momentum; requires ``momentum > 0`` and ``dampening == 0``.
    maximize : bool, default False
        Ascend instead of descend (the gradient's sign is flipped).

    Notes
    -----
    Torch's momentum is not Sutskever et al.'s
    :math:`v \leftarrow \mu v - \eta g,\ \theta \leftarrow \theta + v`: the
    buffer sums gradients and the learning rate multiplies it at the
    update, so :math:`v = -\eta b` only while :math:`\eta` is constant.
    The first step copies the gradient into the buffer, undamped.

    References
    ----------
    Polyak, B. T. (1964). Some methods of speeding up the convergence of
    iteration methods. *USSR Computational Mathematics and Mathematical
    Physics*.

    Sutskever, I., Martens, J., Dahl, G. and Hinton, G. (2013). On the
    importance of initialization and momentum in deep learning. *ICML*.

    Examples
    --------
    >>> param, state = np.array([1.0, -2.0]), {}
    >>> sgd_step(param, np.array([0.5, -1.0]), state, lr=0.1, momentum=0.9)
    >>> param, state["momentum_buffer"]
    (array([ 0.95, -1.9 ]), array([ 0.5, -1. ]))
    """
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * param
    if momentum != 0:
        buf = state.get("momentum_buffer")
        if buf is None:                       # first step: b = g
            buf = state["momentum_buffer"] = g.copy()
        else:
            buf[...] = momentum * buf + (1 - dampening) * g
        g = g + momentum * buf if nesterov else buf
    param -= lr * g


@_checked
def adagrad_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    *,
    lr: float = 1e-2,
    lr_decay: float = 0.0,
    weight_decay: float = 0.0,
    initial_accumulator_value: float = 0.0,
    eps: float = 1e-10,
    maximize: bool = False,
) -> None:
    r"""One step of Adagrad, as ``torch.optim.Adagrad``.

    .. math::

        g &\leftarrow \nabla_\theta f + \lambda \theta \\
        s &\leftarrow s + g^2 \\
        \theta &\leftarrow \theta - \frac{\eta}{1 + (t - 1)\,\delta}\,
            \frac{g}{\sqrt{s} + \epsilon}

    at step :math:`t = 1, 2, \ldots`, with ``lr_decay`` :math:`\delta` and
    :math:`s` starting at ``initial_accumulator_value``; all operations are
    elementwise.

    Parameters
    ----------
    param : ndarray of float, any shape
        Parameter, updated in place.
    grad : ndarray of float, same shape as ``param``
        Gradient of the loss with respect to ``param``.
    state : dict
        Empty before the first step; then ``"step"`` (float) and ``"sum"``
        (same shape as ``param``), the accumulated squared gradients.
    lr : float, default 1e-2
        Learning rate, >= 0.
    lr_decay : float, default 0
        Learning-rate decay, >= 0 (none at the first step).
    weight_decay : float, default 0
        L2 penalty added to the gradient, >= 0.
    initial_accumulator_value : float, default 0
        Starting value of every entry of ``sum``, >= 0; read only when
        ``state`` is empty.
    eps : float, default 1e-10
        Added to :math:`\sqrt{s}`, >= 0.
    maximize : bool, default False
        Ascend instead of descend.

    Notes
    -----
    The decayed learning rate (torch's ``clr``) uses the step count before
    this step, :math:`t - 1`.  With ``initial_accumulator_value=0`` the
    first step moves every coordinate with a nonzero gradient by almost
    exactly ``lr``, whatever the gradient's size.

    References
    ----------
    Duchi, J., Hazan, E. and Singer, Y. (2011). Adaptive subgradient methods
    for online learning and stochastic optimization. *JMLR*.

    Examples
    --------
    >>> param, state = np.array([1.0, 1.0]), {}
    >>> adagrad_step(param, np.array([3.0, -0.5]), state, lr=0.1, eps=0.0)
    >>> param, state["sum"], state["step"]
    (array([0.9, 1.1]), array([9.  , 0.25]), 1.0)
    """
    if not state:
        state["step"] = 0.0
        state["sum"] = np.full_like(param, initial_accumulator_value)
    state["step"] += 1
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * param
    clr = lr / (1 + (state["step"] - 1) * lr_decay)
    state["sum"] += g * g
    param -= clr * g / (np.sqrt(state["sum"]) + eps)


@_checked
def rmsprop_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    *,
    lr: float = 1e-2,
    alpha: float = 0.99,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    centered: bool = False,
    maximize: bool = False,
) -> None:
    r"""One step of RMSprop, as ``torch.optim.RMSprop``.

    .. math::

        g &\leftarrow \nabla_\theta f + \lambda \theta \\
        v &\leftarrow \alpha v + (1 - \alpha) g^2 \\
        \bar g &\leftarrow \alpha \bar g + (1 - \alpha) g
            \quad\text{(centered only)} \\
        d &= \sqrt{v - \bar g^2} + \epsilon \quad\text{(centered)}, \qquad
        d = \sqrt{v} + \epsilon \quad\text{(otherwise)} \\
        b &\leftarrow \mu b + g / d, \quad \theta \leftarrow \theta - \eta b
            \quad\text{(momentum)}, \qquad
        \theta \leftarrow \theta - \eta\, g / d \quad\text{(otherwise)}

    Parameters
    ----------
    param : ndarray of float, any shape
        Parameter, updated in place.
    grad : ndarray of float, same shape as ``param``
        Gradient of the loss with respect to ``param``.
    state : dict
        Empty before the first step; then ``"step"`` (float),
        ``"square_avg"`` (:math:`v`), ``"momentum_buffer"`` (:math:`b`, if
        ``momentum > 0``) and ``"grad_avg"`` (:math:`\bar g`, if
        ``centered``), the arrays of the shape of ``param``.  Which buffers
        exist is decided at the first step, as in torch.
    lr : float, default 1e-2
        Learning rate, >= 0.
    alpha : float, default 0.99
        Smoothing constant of the averages, >= 0.
    eps : float, default 1e-8
        Added to the root, >= 0.
    weight_decay : float, default 0
        L2 penalty added to the gradient, >= 0.
    momentum : float, default 0
        Momentum factor, >= 0.
    centered : bool, default False
        Divide by an estimate of the gradient's standard deviation instead
        of its root mean square.
    maximize : bool, default False
        Ascend instead of descend.

    Notes
    -----
    ``eps`` is added *outside* the root, also when centered (Graves (2013)
    adds it inside).  The momentum buffer accumulates the normalized step
    :math:`g / d`, and the learning rate multiplies it at the update.

    References
    ----------
    Tieleman, T. and Hinton, G. (2012). Lecture 6.5, rmsprop: divide the
    gradient by a running average of its recent magnitude. *COURSERA: Neural
    Networks for Machine Learning*.

    Graves, A. (2013). Generating sequences with recurrent neural networks.
    *arXiv:1308.0850*.

    Examples
    --------
    >>> param, state = np.array([1.0]), {}
    >>> rmsprop_step(param, np.array([2.0]), state, lr=0.1, alpha=0.75,
    ...              eps=0.0)
    >>> param, state["square_avg"]
    (array([0.8]), array([1.]))
    """
    if not state:
        state["step"] = 0.0
        state["square_avg"] = np.zeros_like(param)
        if momentum > 0:
            state["momentum_buffer"] = np.zeros_like(param)
        if centered:
            state["grad_avg"] = np.zeros_like(param)
    state["step"] += 1
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * param
    v = state["square_avg"]
    v[...] = alpha * v + (1 - alpha) * g * g
    if centered:
        g_avg = state["grad_avg"]
        g_avg += (1 - alpha) * (g - g_avg)        # torch's lerp_
        d = np.sqrt(v - g_avg * g_avg) + eps
    else:
        d = np.sqrt(v) + eps
    if momentum > 0:
        buf = state["momentum_buffer"]
        buf[...] = momentum * buf + g / d
        param -= lr * buf
    else:
        param -= lr * g / d


@_checked
def adadelta_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    *,
    lr: float = 1.0,
    rho: float = 0.9,
    eps: float = 1e-6,
    weight_decay: float = 0.0,
    maximize: bool = False,
) -> None:
    r"""One step of Adadelta, as ``torch.optim.Adadelta``.

    .. math::

        g &\leftarrow \nabla_\theta f + \lambda \theta \\
        v &\leftarrow \rho v + (1 - \rho) g^2 \\
        \Delta &= \frac{\sqrt{u + \epsilon}}{\sqrt{v + \epsilon}}\, g \\
        u &\leftarrow \rho u + (1 - \rho) \Delta^2 \\
        \theta &\leftarrow \theta - \eta \Delta

    Parameters
    ----------
    param : ndarray of float, any shape
        Parameter, updated in place.
    grad : ndarray of float, same shape as ``param``
        Gradient of the loss with respect to ``param``.
    state : dict
        Empty before the first step; then ``"step"`` (float),
        ``"square_avg"`` (:math:`v`) and ``"acc_delta"`` (:math:`u`), the
        arrays of the shape of ``param``.
    lr : float, default 1.0
        Scales the step, >= 0 (Zeiler's method has none: ``lr=1``).
    rho : float, default 0.9
        Decay of the averages, in [0, 1].
    eps : float, default 1e-6
        Added inside both roots, >= 0; it sets the size of the first steps,
        :math:`\sqrt{\epsilon / (\epsilon + (1 - \rho) g^2)}\, g`.
    weight_decay : float, default 0
        L2 penalty added to the gradient, >= 0.
    maximize : bool, default False
        Ascend instead of descend.

    References
    ----------
    Zeiler, M. D. (2012). ADADELTA: an adaptive learning rate method.
    *arXiv:1212.5701*.

    Examples
    --------
    >>> param, state = np.array([1.0]), {}
    >>> adadelta_step(param, np.array([2.0]), state, rho=0.25, eps=1.0)
    >>> param, state["square_avg"], state["acc_delta"]
    (array([0.]), array([3.]), array([0.75]))
    """
    if not state:
        state["step"] = 0.0
        state["square_avg"] = np.zeros_like(param)
        state["acc_delta"] = np.zeros_like(param)
    state["step"] += 1
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * param
    v, u = state["square_avg"], state["acc_delta"]
    v[...] = rho * v + (1 - rho) * g * g
    delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
    u[...] = rho * u + (1 - rho) * delta * delta
    param -= lr * delta


@_checked
def adam_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    *,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    amsgrad: bool = False,
    maximize: bool = False,
    decoupled_weight_decay: bool = False,
) -> None:
    r"""One step of Adam, as ``torch.optim.Adam``.

    .. math::

        g &\leftarrow \nabla_\theta f + \lambda \theta \\
        m &\leftarrow \beta_1 m + (1 - \beta_1) g \\
        v &\leftarrow \beta_2 v + (1 - \beta_2) g^2 \\
        \theta &\leftarrow \theta - \frac{\eta}{1 - \beta_1^t}\,
            \frac{m}{\sqrt{v} / \sqrt{1 - \beta_2^t} + \epsilon}

    at step :math:`t = 1, 2, \ldots`; with ``amsgrad`` the running maximum
    :math:`\hat v \leftarrow \max(\hat v, v)` replaces :math:`v` in the
    update.  With ``decoupled_weight_decay`` (AdamW) the gradient is left
    alone and the weights shrink first, :math:`\theta \leftarrow (1 -
    \eta\lambda)\theta`.

    Parameters
    ----------
    param : ndarray of float, any shape
        Parameter, updated in place.
    grad : ndarray of float, same shape as ``param``
        Gradient of the loss with respect to ``param``.
    state : dict
        Empty before the first step; then ``"step"`` (:math:`t`, a float),
        ``"exp_avg"`` (:math:`m`), ``"exp_avg_sq"`` (:math:`v`) and, with
        ``amsgrad``, ``"max_exp_avg_sq"`` (:math:`\hat v`), the arrays of
        the shape of ``param``.
    lr : float, default 1e-3
        Learning rate, >= 0.
    betas : (float, float), default (0.9, 0.999)
        Decay rates of :math:`m` and :math:`v`, each in [0, 1).
    eps : float, default 1e-8
        Added to the bias-corrected root, >= 0.
    weight_decay : float, default 0
        L2 penalty added to the gradient (or, decoupled, the weights'
        shrink factor per unit learning rate), >= 0.
    amsgrad : bool, default False
        Use the running maximum of :math:`v`.
    maximize : bool, default False
        Ascend instead of descend.
    decoupled_weight_decay : bool, default False
        Decay the weights directly, as :func:`adamw_step`.

    Notes
    -----
    Since :math:`m` and :math:`v` start at zero, the bias corrections make
    the first step :math:`\eta\, g / (|g| + \epsilon) \approx \eta\,
    \mathrm{sign}(g)` in every coordinate.  With ``amsgrad``, torch keeps
    the maximum of the *uncorrected* :math:`v` and then divides it by
    :math:`\sqrt{1 - \beta_2^t}` too (Reddi et al.'s AMSGrad has no bias
    correction).  :math:`m` is updated as torch's ``lerp_``,
    :math:`m + (1 - \beta_1)(g - m)`.

    References
    ----------
    Kingma, D. P. and Ba, J. (2015). Adam: a method for stochastic
    optimization. *ICLR*.

    Reddi, S. J., Kale, S. and Kumar, S. (2018). On the convergence of Adam
    and beyond. *ICLR*.

    Examples
    --------
    >>> param, state = np.array([1.0, 1.0]), {}
    >>> adam_step(param, np.array([3.0, -0.5]), state, lr=0.1, eps=0.0)
    >>> param, state["step"]
    (array([0.9, 1.1]), 1.0)
    """
    if not state:
        state["step"] = 0.0
        state["exp_avg"] = np.zeros_like(param)
        state["exp_avg_sq"] = np.zeros_like(param)
        if amsgrad:
            state["max_exp_avg_sq"] = np.zeros_like(param)
    state["step"] += 1
    g = -grad if maximize else grad
    if weight_decay != 0 and decoupled_weight_decay:
        param *= 1 - lr * weight_decay            # AdamW
    elif weight_decay != 0:
        g = g + weight_decay * param
    beta1, beta2 = betas
    m, v = state["exp_avg"], state["exp_avg_sq"]
    m += (1 - beta1) * (g - m)                    # torch's lerp_
    v[...] = beta2 * v + (1 - beta2) * g * g
    if amsgrad:
        v_max = state["max_exp_avg_sq"]
        v = np.maximum(v_max, v, out=v_max)
    bias_correction1 = 1 - beta1 ** state["step"]
    bias_correction2 = 1 - beta2 ** state["step"]
    denom = np.sqrt(v) / bias_correction2 ** 0.5 + eps
    param -= lr / bias_correction1 * m / denom


@_checked
def adamw_step(
    param: np.ndarray,
    grad: np.ndarray,
    state: dict,
    *,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 1e-2,
    amsgrad: bool = False,
    maximize: bool = False,
) -> None:
    r"""One step of AdamW, as ``torch.optim.AdamW``.

    :func:`adam_step` with ``decoupled_weight_decay=True``: before the
    moments are updated, the weights shrink,

    .. math::

        \theta \leftarrow (1 - \eta\lambda)\, \theta,

    and the gradient does not see :math:`\lambda`, so the decay is not
    divided by :math:`\sqrt{v}`.

    Parameters
    ----------
    param, grad, state, lr, betas, eps, amsgrad, maximize
        As in :func:`adam_step`.
    weight_decay : float, default 1e-2
        Decoupled weight decay :math:`\lambda`, >= 0.

    Notes
    -----
    Torch multiplies the decay by the learning rate: each step removes
    the fraction :math:`\eta\lambda` of the weights (1e-5 with the
    defaults), so a learning-rate schedule also schedules the decay.
    Loshchilov and Hutter write :math:`\theta \leftarrow \theta -
    \eta_t(\alpha\,\hat m / (\sqrt{\hat v} + \epsilon) + \lambda\theta)`
    with a schedule multiplier :math:`\eta_t` separate from the step size
    :math:`\alpha`; torch's :math:`\lambda` is theirs divided by
    :math:`\alpha`.

    References
    ----------
    Loshchilov, I. and Hutter, F. (2019). Decoupled weight decay
    regularization. *ICLR*.

    Examples
    --------
    >>> param, state = np.array([1.0, 1.0]), {}
    >>> adamw_step(param, np.array([3.0, -0.5]), state, lr=0.1, eps=0.0,
    ...            weight_decay=0.5)
    >>> param
    array([0.85, 1.05])
    """
    adam_step(param, grad, state, lr=lr, betas=betas, eps=eps,
              weight_decay=weight_decay, amsgrad=amsgrad,
              maximize=maximize, decoupled_weight_decay=True)


# ---------------------------------------------------------------------------
# Classes: a list of parameters, torch's param_groups, one state per array.
# ---------------------------------------------------------------------------


class Optimizer:
    """A list of parameter arrays updated in place by an update function.

    The base of :class:`SGD`, :class:`Adagrad`, :class:`RMSprop`,
    :class:`Adadelta`, :class:`Adam` and :class:`AdamW`; a subclass names
    its update function (``update``) and passes its hyper-parameters as
    ``defaults``.

    Parameters
    ----------
    params : list of ndarray, or list of dict
        The float arrays to optimize (updated in place, never copied), or,
        as torch's parameter groups, dicts with a ``"params"`` list and
        hyper-parameters that override ``defaults`` for that group.
    defaults : dict
        The hyper-parameters of every group that does not set its own.

    Attributes
    ----------
    param_groups : list of dict
        One dict per group: ``"params"`` (the list of arrays) and every
        hyper-parameter.  Changing a value (e.g. ``"lr"`` in a schedule)
        takes effect at the next :meth:`step`.
    state : dict of int to dict
        ``state[i]`` is the update function's state of the ``i``-th
        parameter, counting group after group (the numbering of torch's
        ``state_dict()``); it appears at the parameter's first step.
    defaults : dict
        The constructor's hyper-parameters.
    """

    update: ClassVar[Callable[..., None]]

    def __init__(self, params: Iterable[np.ndarray] | Iterable[dict], defaults: dict[str, Any]) -> None:
        if isinstance(params, np.ndarray) or not isinstance(params, Iterable):
            raise TypeError(
                "params must be a list of arrays or a list of dicts (parameter groups), "
                f"got {type(params).__name__}"
            )
        _check_hyperparameters(defaults)
        self.defaults = _betas_as_tuple(defaults)
        groups = list(params)
        if not groups:
            raise ValueError("params must hold at least one array, got an empty list")
        as_dicts = isinstance(groups[0], dict)
        if not as_dicts:
            groups = [{"params": groups}]
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[int, dict[str, Any]] = {}
        seen: dict[int, int] = {}
        for k, group in enumerate(groups):
            where = f"param_groups[{k}]" if as_dicts else ""
            if not isinstance(group, dict):
                raise TypeError(f"params must be all arrays or all dicts, got a {type(group).__name__} "
                                f"after a dict at position {k}")
            if "params" not in group:
                raise ValueError(f"{where} must have a 'params' entry, got keys {sorted(group)}")
            arrays = group["params"]
            arrays = [arrays] if isinstance(arrays, np.ndarray) else list(arrays)
            for p in arrays:
                i = len(seen)
                _check_param(p, f"params[{i}]")
                if id(p) in seen:
                    raise ValueError(f"params[{i}] is the same array as params[{seen[id(p)]}]; "
                                     "each parameter may appear only once")
                seen[id(p)] = i
            hyper = {key: group.get(key, value) for key, value in self.defaults.items()}
            _check_hyperparameters(hyper, where)
            hyper = _betas_as_tuple(hyper)
            self.param_groups.append({**group, "params": arrays, **hyper})

    def _parameters(self) -> list[np.ndarray]:
        return [p for group in self.param_groups for p in group["params"]]

    def step(self, grads: Sequence[np.ndarray | None]) -> None:
        """Update every parameter in place from its gradient.

        Parameters
        ----------
        grads : list of (ndarray of float or None)
            One gradient per parameter, in the order of the parameters
            (group after group), each of its parameter's shape; ``None``
            skips that parameter, as a tensor without ``.grad`` in torch.

        Raises
        ------
        ValueError, TypeError
            For a wrong number, type or shape of gradients or an invalid
            hyper-parameter in ``param_groups``; then no parameter changes.
        """
        params = self._parameters()
        if isinstance(grads, np.ndarray) or not isinstance(grads, Sequence):
            raise TypeError(f"grads must be a list of arrays, one per parameter, got {type(grads).__name__}")
        if len(grads) != len(params):
            raise ValueError(f"grads must hold one gradient per parameter: expected {len(params)}, got {len(grads)}")
        checked = []
        for i, (p, g) in enumerate(zip(params, grads)):
            if g is not None:
                g = as_float_array(g, f"grads[{i}]", allow_nan=True)
                check_same_shape(p, f"params[{i}]", g, f"grads[{i}]")
            checked.append(g)
        for k, group in enumerate(self.param_groups):
            _check_hyperparameters({key: group[key] for key in self.defaults}, f"param_groups[{k}]")
        i = 0
        for group in self.param_groups:
            hyper = {key: group[key] for key in self.defaults}
            for p in group["params"]:
                if checked[i] is not None:
                    type(self).update(p, checked[i], self.state.setdefault(i, {}), **hyper)
                i += 1

    def __repr__(self) -> str:
        sizes = [sum(p.size for p in group["params"]) for group in self.param_groups]
        return f"{type(self).__name__}({len(self.param_groups)} group(s) of {sizes} values, {self.defaults})"


class SGD(Optimizer):
    """Stochastic gradient descent over a list of arrays, as ``torch.optim.SGD``.

    See :func:`sgd_step` for the update and :class:`Optimizer` for
    ``params``, ``param_groups`` and ``state``.

    Examples
    --------
    >>> w = np.array([1.0, 2.0])
    >>> opt = SGD([w], lr=0.5)
    >>> opt.step([np.array([1.0, -1.0])])
    >>> w
    array([0.5, 2.5])
    """

    update = staticmethod(sgd_step)

    def __init__(
        self,
        params: Iterable[np.ndarray] | Iterable[dict],
        *,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov, maximize=maximize))


class Adagrad(Optimizer):
    """Adagrad over a list of arrays, as ``torch.optim.Adagrad``.

    See :func:`adagrad_step`.  As torch does, the constructor fills the
    state at once (``step`` 0 and ``sum`` equal to each group's
    ``initial_accumulator_value``).
    """

    update = staticmethod(adagrad_step)

    def __init__(
        self,
        params: Iterable[np.ndarray] | Iterable[dict],
        *,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps,
                                      maximize=maximize))
        i = 0
        for group in self.param_groups:
            for p in group["params"]:
                self.state[i] = {"step": 0.0, "sum": np.full_like(p, group["initial_accumulator_value"])}
                i += 1


class RMSprop(Optimizer):
    """RMSprop over a list of arrays, as ``torch.optim.RMSprop``; see :func:`rmsprop_step`."""

    update = staticmethod(rmsprop_step)

    def __init__(
        self,
        params: Iterable[np.ndarray] | Iterable[dict],
        *,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))


class Adadelta(Optimizer):
    """Adadelta over a list of arrays, as ``torch.optim.Adadelta``; see :func:`adadelta_step`."""

    update = staticmethod(adadelta_step)

    def __init__(
        self,
        params: Iterable[np.ndarray] | Iterable[dict],
        *,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize))


class Adam(Optimizer):
    """Adam over a list of arrays, as ``torch.optim.Adam``; see :func:`adam_step`.

    Examples
    --------
    >>> w = np.array([1.0, 1.0])
    >>> opt = Adam([w], lr=0.1)
    >>> opt.step([np.array([3.0, -0.5])])
    >>> np.round(w, 6)
    array([0.9, 1.1])
    """

    update = staticmethod(adam_step)

    def __init__(
        self,
        params: Iterable[np.ndarray] | Iterable[dict],
        *,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))


class AdamW(Adam):
    """AdamW over a list of arrays, as ``torch.optim.AdamW``; see :func:`adamw_step`.

    As in torch, this is :class:`Adam` with ``decoupled_weight_decay=True``
    and ``weight_decay=1e-2`` by default.
    """

    def __init__(
        self,
        params: Iterable[np.ndarray] | Iterable[dict],
        *,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize, decoupled_weight_decay=True)
