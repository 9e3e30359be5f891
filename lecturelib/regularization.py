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

Penalties and early stopping (Chapter 6)
    Parameter-norm penalties and their gradients, and early stopping,
    will join this module.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from ._validation import check_number

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


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
        if not isinstance(g, np.ndarray) or g.dtype.kind != "f":
            what = (f"dtype {g.dtype}" if isinstance(g, np.ndarray)
                    else type(g).__name__)
            raise TypeError(
                f"grads[{i}] must be a floating-point numpy array (it is "
                f"modified in place), got {what}")
        if not g.flags.writeable:
            raise ValueError(f"grads[{i}] must be writeable (it is "
                             "modified in place), got a read-only array")
    return grads


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
