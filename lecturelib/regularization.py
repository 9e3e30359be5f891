"""Keeping training in bounds: gradient clipping now, regularizers later.

The functions here act on what an optimizer is about to use, not on the
model's architecture.  They are grouped by the chapter that introduces
them; each group mirrors a torch utility, with the same names and
defaults, so that ``tests/`` can compare the two step by step.

Gradient clipping (Chapter 5)
    :func:`clip_grad_norm_` rescales all gradients together when their
    total norm exceeds a threshold, which keeps the update's direction;
    :func:`clip_grad_value_` clamps every entry, which does not.  Both
    work **in place** on a list of numpy arrays, as
    ``torch.nn.utils.clip_grad_norm_`` / ``clip_grad_value_`` do on the
    ``.grad`` of parameters (the trailing underscore is torch's mark of
    an in-place function).

Penalties, constraints and early stopping (Chapter 6)
    :func:`l2_penalty` and :func:`l1_penalty` return a parameter-norm
    penalty and its gradients, to be added to the loss and to the
    gradients; :func:`activity_penalty` does the same for a layer's
    activations.  :func:`max_norm_` is a constraint instead of a
    penalty: after each step it rescales, in place, every unit's
    incoming weights whose norm is too large, as ``torch.renorm``.
    :class:`EarlyStopping` watches a validation metric, epoch by epoch,
    and says when to stop and which state was the best.
"""

from __future__ import annotations

import copy
import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from ._validation import as_float_array, check_int, check_number, check_option

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "l2_penalty",
    "l1_penalty",
    "max_norm_",
    "activity_penalty",
    "EarlyStopping",
]


def _as_grads(grads: Any) -> list[np.ndarray]:
    """Return ``grads`` as a list of writeable float arrays, or raise."""
    if isinstance(grads, np.ndarray):
        grads = [grads]  # a single array, as torch accepts one tensor
    elif isinstance(grads, Iterable) and not isinstance(grads, str):
        grads = list(grads)
    else:
        raise TypeError("grads must be a list of numpy arrays, got "
                        f"{type(grads).__name__}")
    for i, g in enumerate(grads):
        _check_in_place(g, f"grads[{i}]")
    return grads


def _check_in_place(x: Any, name: str) -> np.ndarray:
    """Return ``x`` if it is a writeable float ndarray, or raise."""
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        what = (f"dtype {x.dtype}" if isinstance(x, np.ndarray)
                else type(x).__name__)
        raise TypeError(f"{name} must be a floating-point numpy array (it "
                        f"is modified in place), got {what}")
    if not x.flags.writeable:
        raise ValueError(f"{name} must be writeable (it is modified in "
                         "place), got a read-only array")
    return x


def _check_limit(value: Any, name: str) -> float:
    """Return a clipping threshold: a real number >= 0, ``inf`` allowed."""
    value = check_number(value, name, allow_nan=True)
    if not value >= 0:  # also catches NaN
        raise ValueError(f"{name} must be >= 0 (inf allowed), got {value}")
    return value


def _check_norm_type(norm_type: Any) -> float:
    """Return ``norm_type`` as a float ``p >= 1`` or ``inf``."""
    if norm_type == "inf":
        return math.inf
    if (isinstance(norm_type, numbers.Real)
            and not isinstance(norm_type, bool) and norm_type >= 1):
        return float(norm_type)
    raise ValueError(
        f"norm_type must be a number >= 1 or 'inf', got {norm_type!r}")


def _vector_norm(x: np.ndarray, p: float) -> float:
    """The p-norm of ``x`` flattened; 0 for an empty array."""
    a = np.abs(np.ravel(x))
    if p == math.inf:
        return a.max(initial=0.0)
    with np.errstate(over="ignore"):  # overflows to inf, as torch's
        return np.sum(a**p) ** (1.0 / p)


def clip_grad_norm_(grads: np.ndarray | Iterable[np.ndarray],
                    max_norm: float, norm_type: float | str = 2.0,
                    error_if_nonfinite: bool = False, *,
                    eps: float = 1e-6) -> float:
    r"""Scale all gradients down, together, to a total norm ``max_norm``.

    The total norm treats all gradients as one long vector, and every
    gradient is multiplied by the same clamped coefficient:

    .. math::

        \|g\|_p = \Big(\sum_k \|g_k\|_p^p\Big)^{1/p}, \qquad
        g_k \leftarrow g_k \cdot \min\Big(
            \frac{\text{max\_norm}}{\|g\|_p + \epsilon}, 1\Big)

    Parameters
    ----------
    grads : ndarray of float or list of ndarray of float, any shapes
        The gradients, modified **in place**.
    max_norm : float
        Largest total norm, ``>= 0``; ``inf`` computes the norm and
        clips nothing.
    norm_type : float or "inf", default 2.0
        :math:`p \ge 1`, or ``"inf"`` / ``math.inf`` for the largest
        absolute entry.
    error_if_nonfinite : bool, default False
        Raise ``RuntimeError``, as torch does, if the total norm is NaN
        or infinite, before any gradient is changed.
    eps : float, default 1e-6
        :math:`\epsilon > 0` in the denominator (torch hard-codes 1e-6).

    Returns
    -------
    float
        The total norm **before** clipping.

    Raises
    ------
    RuntimeError
        With ``error_if_nonfinite=True`` and a NaN or infinite norm
        (torch's exception type and message).

    Notes
    -----
    As torch: the total is the norm of the per-array norms; the
    coefficient is applied even when it is 1 (a no-op); a non-finite
    norm is not an error by default, so an ``inf`` entry makes every
    coefficient 0 (and the ``inf`` itself NaN), a NaN makes everything
    NaN.  Torch does not rescale while squaring: in float64 a norm
    above about 1e154 is ``inf`` here and there.  Unlike torch, the
    ``inf`` norm of an empty array is 0 (torch raises), and ``p < 1``
    (not a norm) is rejected.  The arithmetic is in the arrays' dtype.

    References
    ----------
    Pascanu, R., Mikolov, T. and Bengio, Y. (2013). On the difficulty of
    training recurrent neural networks. *ICML*.

    Examples
    --------
    >>> g = [np.array([3.0]), np.array([4.0])]
    >>> round(clip_grad_norm_(g, max_norm=1.0), 6)
    5.0
    >>> np.round(np.concatenate(g), 6)  # same direction, norm 1
    array([0.6, 0.8])
    """
    grads = _as_grads(grads)
    max_norm = _check_limit(max_norm, "max_norm")
    p = _check_norm_type(norm_type)
    if not isinstance(error_if_nonfinite, bool):
        raise TypeError("error_if_nonfinite must be a bool, got "
                        f"{type(error_if_nonfinite).__name__}")
    eps = check_number(eps, "eps", low=0.0, low_inclusive=False)
    norms = np.array([_vector_norm(g, p) for g in grads])
    total_norm = float(_vector_norm(norms, p))
    if error_if_nonfinite and not math.isfinite(total_norm):
        raise RuntimeError(
            f"The total norm of order {p} for gradients from "
            "`parameters` is non-finite, so it cannot be clipped. To "
            "disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`")
    clip_coef = max_norm / (total_norm + eps)
    clip_coef = np.minimum(clip_coef, 1.0)  # keeps a NaN, as torch
    with np.errstate(invalid="ignore"):  # inf * 0 -> NaN, as torch
        for g in grads:
            g *= clip_coef
    return total_norm


def clip_grad_value_(grads: np.ndarray | Iterable[np.ndarray],
                     clip_value: float) -> None:
    r"""Clamp every gradient entry to ``[-clip_value, clip_value]``.

    .. math::

        g_i \leftarrow \max(-c, \min(g_i, c))

    Unlike :func:`clip_grad_norm_`, this changes the direction of the
    gradient as soon as some entries are clamped and others are not.

    Parameters
    ----------
    grads : ndarray of float or list of ndarray of float, any shapes
        The gradients, modified **in place**.
    clip_value : float
        :math:`c \ge 0`, the largest absolute value kept.

    Notes
    -----
    As ``torch.nn.utils.clip_grad_value_``, NaN entries stay NaN.

    Examples
    --------
    >>> g = [np.array([3.0, -0.5]), np.array([-4.0])]
    >>> clip_grad_value_(g, 1.0)
    >>> g
    [array([ 1. , -0.5]), array([-1.])]
    """
    grads = _as_grads(grads)
    clip_value = _check_limit(clip_value, "clip_value")
    for g in grads:
        np.clip(g, -clip_value, clip_value, out=g)


# ------------------------------------------------------------ penalties


def _as_arrays(weights: Any, name: str) -> list[np.ndarray]:
    """Return ``weights`` (one array or a list of arrays) as a list of float arrays."""
    if isinstance(weights, np.ndarray):
        weights = [weights]
    elif isinstance(weights, Iterable) and not isinstance(weights, str):
        weights = list(weights)
    else:
        raise TypeError(f"{name} must be a numpy array or a list of numpy "
                        f"arrays, got {type(weights).__name__}")
    return [as_float_array(w, f"{name}[{i}]") for i, w in enumerate(weights)]


def l2_penalty(weights: np.ndarray | Iterable[np.ndarray],
               weight_decay: float) -> tuple[float, list[np.ndarray]]:
    r"""L2 penalty (ridge, weight decay) on the weights, and its gradients.

    .. math::

        R(w) = \frac{\lambda}{2} \sum_k \lVert w_k \rVert_2^2, \qquad
        \frac{\partial R}{\partial w_k} = \lambda\, w_k

    with :math:`\lambda` = ``weight_decay``.  The :math:`\frac12` is there
    so that the gradient is :math:`\lambda w`, exactly what
    ``torch.optim.SGD(..., weight_decay=wd)`` adds to every gradient: SGD
    on ``loss + value`` is SGD with ``weight_decay`` on ``loss``.

    Parameters
    ----------
    weights : ndarray of float or list of ndarray of float, any shapes
        The arrays to penalize (usually the weights, not the biases).
        They are not modified.
    weight_decay : float
        :math:`\lambda \ge 0`.

    Returns
    -------
    value : float
        :math:`R(w)`, to add to the loss.
    grads : list of ndarray of float
        :math:`\lambda w_k`, one per array, same shapes, to add to the
        loss's gradients (a list also for a single array).

    Notes
    -----
    Each step of gradient descent then multiplies the weights by
    :math:`1 - \eta\lambda` before the data gradient acts: hence "weight
    decay".  The two names mean the same update only for plain SGD (with
    or without momentum).  With Adam the penalty's gradient is divided by
    the adaptive denominator like any other; AdamW decays the weights
    separately (decoupled weight decay, Loshchilov and Hutter, 2019).
    Keras' ``regularizers.L2(l2)`` is ``l2 * sum(w**2)``, without the
    :math:`\frac12`: its ``l2`` is :math:`\lambda / 2`.

    References
    ----------
    Krogh, A. and Hertz, J. A. (1992). A simple weight decay can improve
    generalization. *NeurIPS*.

    Loshchilov, I. and Hutter, F. (2019). Decoupled weight decay
    regularization. *ICLR*.

    Examples
    --------
    >>> w = [np.array([[1.0, 2.0]]), np.array([3.0])]
    >>> value, grads = l2_penalty(w, weight_decay=0.1)
    >>> round(value, 12)  # 0.1 / 2 * (1 + 4 + 9)
    0.7
    >>> grads
    [array([[0.1, 0.2]]), array([0.3])]
    """
    weights = _as_arrays(weights, "weights")
    weight_decay = check_number(weight_decay, "weight_decay", low=0.0)
    value = 0.5 * weight_decay * sum(float(np.sum(w * w)) for w in weights)
    return value, [weight_decay * w for w in weights]


def l1_penalty(weights: np.ndarray | Iterable[np.ndarray],
               strength: float) -> tuple[float, list[np.ndarray]]:
    r"""L1 penalty (lasso) on the weights, and its (sub)gradients.

    .. math::

        R(w) = \lambda \sum_k \lVert w_k \rVert_1, \qquad
        \frac{\partial R}{\partial w_k} = \lambda\, \operatorname{sign}(w_k)

    with :math:`\lambda` = ``strength``.  At :math:`w = 0`, where
    :math:`|w|` has a kink, the gradient returned is the subgradient 0
    (``np.sign(0) = 0``, also what torch's autograd gives for ``abs``).

    Parameters
    ----------
    weights : ndarray of float or list of ndarray of float, any shapes
        The arrays to penalize; not modified.
    strength : float
        :math:`\lambda \ge 0`.

    Returns
    -------
    value : float
        :math:`R(w)`, to add to the loss.
    grads : list of ndarray of float
        :math:`\lambda \operatorname{sign}(w_k)`, one per array, same shapes.

    Notes
    -----
    The gradient has the same size, :math:`\lambda`, for a large and a
    tiny weight, so L1 pushes small weights all the way to zero, where L2
    only shrinks them in proportion.  With plain gradient steps a weight
    rarely lands exactly on 0: it jitters around it by about
    :math:`\eta\lambda`.  Exact zeros need a proximal step
    (soft-thresholding).  Torch's optimizers have no L1 option; Keras'
    ``regularizers.L1(l1)`` is this penalty with ``l1`` = :math:`\lambda`.

    References
    ----------
    Tibshirani, R. (1996). Regression shrinkage and selection via the
    lasso. *Journal of the Royal Statistical Society B*, 58(1), 267-288.

    Examples
    --------
    >>> value, grads = l1_penalty(np.array([-2.0, 0.0, 0.5]), strength=0.1)
    >>> round(value, 12)  # 0.1 * (2 + 0 + 0.5)
    0.25
    >>> grads
    [array([-0.1,  0. ,  0.1])]
    """
    weights = _as_arrays(weights, "weights")
    strength = check_number(strength, "strength", low=0.0)
    value = strength * sum(float(np.sum(np.abs(w))) for w in weights)
    return value, [strength * np.sign(w) for w in weights]


def activity_penalty(activations: np.ndarray, strength: float, *,
                     kind: str = "l1") -> tuple[float, np.ndarray]:
    r"""L1 or L2 penalty on a layer's activations, and its gradient.

    For a batch of :math:`N` activation vectors :math:`a_n`:

    .. math::

        R_1(a) = \frac{\lambda}{N} \sum_n \lVert a_n \rVert_1, \qquad
        \frac{\partial R_1}{\partial a} = \frac{\lambda}{N}
            \operatorname{sign}(a)

    .. math::

        R_2(a) = \frac{\lambda}{2N} \sum_n \lVert a_n \rVert_2^2, \qquad
        \frac{\partial R_2}{\partial a} = \frac{\lambda}{N}\, a

    with :math:`\lambda` = ``strength``.  The gradient is added to the
    upstream gradient of the layer's output before its backward pass.

    Parameters
    ----------
    activations : ndarray of float, shape (N, D) or (N, ...)
        A layer's outputs, one example per row; summed over every axis
        but the first, averaged over the first.
    strength : float
        :math:`\lambda \ge 0`.
    kind : {"l1", "l2"}, default "l1"
        L1 favours sparse activations (few units active per example);
        L2 keeps them small.

    Returns
    -------
    value : float
        :math:`R(a)`, to add to the loss.
    dactivations : ndarray of float, same shape as ``activations``
        :math:`\partial R / \partial a`; 0 where an L1 penalty meets
        :math:`a = 0` (the subgradient).

    Notes
    -----
    The penalty is a **mean over the batch**, like the data loss (torch's
    losses default to ``reduction="mean"``): the balance between the two,
    and hence a good ``strength``, does not change with the batch size.
    Keras divides an activity regularizer by the batch size for the same
    reason.  Keras' ``L2(l2)`` has no :math:`\frac12`: its ``l2`` is
    :math:`\lambda / 2`.

    References
    ----------
    Glorot, X., Bordes, A. and Bengio, Y. (2011). Deep sparse rectifier
    neural networks. *AISTATS* (an L1 penalty on ReLU activations).

    Merity, S., McCann, B. and Socher, R. (2017). Revisiting activation
    regularization for language RNNs. *arXiv:1708.01009* (an L2 penalty).

    Examples
    --------
    >>> a = np.array([[1.0, -2.0], [0.0, 3.0]])
    >>> value, da = activity_penalty(a, 0.1, kind="l1")
    >>> round(value, 12)  # 0.1 * (3 + 3) / 2
    0.3
    >>> da
    array([[ 0.05, -0.05],
           [ 0.  ,  0.05]])
    """
    a = as_float_array(activations, "activations")
    if a.ndim == 0 or a.shape[0] == 0:
        raise ValueError("activations must have shape (N, ...) with N >= 1, "
                         f"got shape {a.shape}")
    strength = check_number(strength, "strength", low=0.0)
    kind = check_option(kind, "kind", ("l1", "l2"))
    n = a.shape[0]
    if kind == "l1":
        return strength * float(np.sum(np.abs(a))) / n, strength * np.sign(a) / n
    return 0.5 * strength * float(np.sum(a * a)) / n, strength * a / n


# ------------------------------------------------------------ max-norm constraint


def max_norm_(weight: np.ndarray, max_norm: float, dim: int = 0, *,
              eps: float = 1e-7) -> np.ndarray:
    r"""Rescale, in place, every slice of ``weight`` whose norm exceeds ``max_norm``.

    The slices are ``weight[i]`` along ``dim`` (for ``dim=0``), each with
    its 2-norm over all its entries:

    .. math::

        w_i \leftarrow
        \begin{cases}
            w_i \dfrac{c}{\lVert w_i \rVert_2 + \epsilon}
                & \lVert w_i \rVert_2 > c \\[1ex]
            w_i & \text{otherwise}
        \end{cases}

    with :math:`c` = ``max_norm``: the semantics of
    ``torch.renorm(weight, p=2, dim=dim, maxnorm=max_norm)``, which
    hard-codes :math:`\epsilon = 10^{-7}`, so a rescaled slice ends just
    under :math:`c`.  Call it after each optimizer step: it is a
    constraint (a projection), not a penalty, and has no gradient.

    For an ``nn.Linear`` weight of shape ``(out_features, in_features)``,
    **``dim=0``** slices it into its rows: row ``j`` holds unit ``j``'s
    incoming weights, and each unit's fan-in vector is kept in a ball of
    radius :math:`c`, as in Srivastava et al. (2014).  ``dim=1`` would
    bound each input's outgoing weights instead.

    Parameters
    ----------
    weight : ndarray of float, at least 2-D
        Modified **in place** (as torch.renorm, at least 2-D).
    max_norm : float
        :math:`c > 0`, the largest norm of a slice.
    dim : int, default 0
        The axis to slice along, in ``[-weight.ndim, weight.ndim - 1]``;
        the norms are taken over all the other axes.
    eps : float, default 1e-7
        :math:`\epsilon \ge 0`, torch's constant.

    Returns
    -------
    ndarray of float
        ``weight`` itself, rescaled.

    Notes
    -----
    Keras' ``constraints.MaxNorm(max_value, axis=0)`` is the same idea
    with two differences: its ``axis`` names the axes the norm is taken
    **over** (a Dense kernel is ``(in, out)``, so ``axis=0`` means each
    unit's incoming weights, as ``dim=0`` here), and it multiplies every
    slice by :math:`\min(\lVert w_i \rVert, c) / (\lVert w_i \rVert +
    \epsilon)`, so slices within the ball shrink by a factor just under 1.

    References
    ----------
    Srebro, N. and Shraibman, A. (2005). Rank, trace-norm and max-norm.
    *COLT*.

    Srivastava, N., Hinton, G., Krizhevsky, A., Sutskever, I. and
    Salakhutdinov, R. (2014). Dropout: a simple way to prevent neural
    networks from overfitting. *JMLR*, 15, 1929-1958.

    Examples
    --------
    >>> weight = np.array([[3.0, 4.0], [0.3, 0.4]])  # row norms 5 and 0.5
    >>> max_norm_(weight, max_norm=1.0)  # row 0 to norm 5 / (5 + 1e-7)
    array([[0.59999999, 0.79999998],
           [0.3       , 0.4       ]])
    >>> np.linalg.norm(weight, axis=1)
    array([0.99999998, 0.5       ])
    """
    weight = as_float_array(_check_in_place(weight, "weight"), "weight")
    if weight.ndim < 2:
        raise ValueError("weight must have at least 2 dimensions (as "
                         f"torch.renorm), got shape {weight.shape}")
    max_norm = check_number(max_norm, "max_norm", low=0.0, low_inclusive=False)
    dim = check_int(dim, "dim")
    if not -weight.ndim <= dim < weight.ndim:
        raise ValueError(f"dim must be in [{-weight.ndim}, {weight.ndim - 1}] "
                         f"for a {weight.ndim}-D weight, got {dim}")
    eps = check_number(eps, "eps", low=0.0)
    others = tuple(a for a in range(weight.ndim) if a != dim % weight.ndim)
    norms = np.sqrt(np.sum(weight * weight, axis=others, keepdims=True))
    factor = np.where(norms > max_norm, max_norm / (norms + eps), 1.0)
    weight *= factor
    return weight


# ------------------------------------------------------------ early stopping


class EarlyStopping:
    r"""Stop training when a monitored value has stopped improving.

    Call :meth:`step` once per epoch with the validation metric; it
    returns ``True`` when training should stop.  A value **improves** on
    the best so far when it beats it by more than ``min_delta``:

    .. math::

        v_t + \delta < v^\ast \;\; (\text{mode "min"}), \qquad
        v_t - \delta > v^\ast \;\; (\text{mode "max"})

    Each epoch without improvement adds 1 to :attr:`wait`, an improvement
    resets it to 0, and :meth:`step` returns ``True`` once
    ``wait >= patience``.

    Parameters
    ----------
    patience : int
        Epochs without improvement to tolerate, ``>= 0``.  ``patience=0``
        stops at the first epoch without improvement, and so does
        ``patience=1`` (as in Keras and Lightning).
    min_delta : float, default 0.0
        :math:`\delta \ge 0`, the smallest change that counts.
    mode : {"min", "max"}, default "min"
        ``"min"`` for a loss, ``"max"`` for an accuracy.
    restore_best : bool, default True
        Keep a deep copy of the ``state`` passed with every improvement
        in :attr:`best_state`, for the loop to restore at the end (this
        class never touches a model).

    Attributes
    ----------
    best : float
        Best value so far (``inf`` for "min", ``-inf`` for "max" before
        any improvement).
    best_epoch : int or None
        Epoch of :attr:`best`; epochs count the calls of :meth:`step`,
        from 1.
    best_state : object or None
        ``copy.deepcopy(state)`` at :attr:`best_epoch`; ``None`` before,
        or if ``restore_best=False``.
    epoch : int
        Calls of :meth:`step` so far.
    wait : int
        Epochs since the last improvement.
    stopped_epoch : int or None
        Epoch at which :meth:`step` first returned ``True``.

    Notes
    -----
    The rule is Keras' and PyTorch Lightning's ``EarlyStopping``
    (``monitor_op(current - min_delta, best)`` with the sign of
    ``min_delta`` set by the mode).  A non-finite value (NaN, or an
    infinite loss after a divergence) is never an improvement: it counts
    as an epoch without one, as in Keras.  Lightning, with
    ``check_finite=True``, stops at once instead.  Unlike Keras, which
    takes ``abs(min_delta)``, a negative ``min_delta`` raises.

    ``state`` can be anything ``copy.deepcopy`` copies: a dict of numpy
    arrays, or ``model.state_dict()`` (a copy is needed: the state dict's
    tensors are the model's own parameters, and keep changing).

    References
    ----------
    Prechelt, L. (1998). Early stopping - but when? In *Neural Networks:
    Tricks of the Trade*, Springer, 55-69.

    Keras, ``keras.callbacks.EarlyStopping``; PyTorch Lightning,
    ``lightning.pytorch.callbacks.EarlyStopping``.

    Examples
    --------
    >>> stopper = EarlyStopping(patience=2)
    >>> for epoch, val_loss in enumerate([1.0, 0.8, 0.9, 0.85, 0.7], start=1):
    ...     if stopper.step(val_loss, state={"epoch": epoch}):
    ...         break
    >>> stopper.stopped_epoch, stopper.best_epoch, stopper.best, stopper.best_state
    (4, 2, 0.8, {'epoch': 2})
    """

    def __init__(self, patience: int, *, min_delta: float = 0.0,
                 mode: str = "min", restore_best: bool = True) -> None:
        self.patience = check_int(patience, "patience", low=0)
        self.min_delta = check_number(min_delta, "min_delta", low=0.0)
        self.mode = check_option(mode, "mode", ("min", "max"))
        if not isinstance(restore_best, (bool, np.bool_)):
            raise TypeError("restore_best must be a bool, got "
                            f"{type(restore_best).__name__} {restore_best!r}")
        self.restore_best = bool(restore_best)
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch: int | None = None
        self.best_state: Any = None
        self.epoch = 0
        self.wait = 0
        self.stopped_epoch: int | None = None

    def __repr__(self) -> str:
        return (f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, "
                f"mode={self.mode!r}, restore_best={self.restore_best})")

    def is_improvement(self, value: float) -> bool:
        """Whether ``value`` beats :attr:`best` by more than ``min_delta``.

        Never for a NaN or infinite ``value``.
        """
        if not math.isfinite(value):
            return False
        if self.mode == "min":
            return value + self.min_delta < self.best
        return value - self.min_delta > self.best

    def step(self, value: float, state: Any = None) -> bool:
        """Record one epoch's ``value`` (and ``state``); return whether to stop.

        ``value`` is a real number (NaN and inf allowed: they count as no
        improvement); pass ``loss.item()`` rather than a tensor.
        """
        value = check_number(value, "value", allow_nan=True)
        self.epoch += 1
        if self.is_improvement(value):
            self.best, self.best_epoch, self.wait = value, self.epoch, 0
            if self.restore_best:
                self.best_state = copy.deepcopy(state)
            return False
        self.wait += 1
        if self.wait < self.patience:
            return False
        if self.stopped_epoch is None:
            self.stopped_epoch = self.epoch
        return True
