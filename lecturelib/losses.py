"""Loss functions, each returning ``(loss, gradient)``.

Every loss averages over all entries (torch's ``reduction="mean"``), returns
the loss as a Python ``float`` and, next to it, the gradient of that loss with
respect to its first argument, ready to start a backward pass::

    loss, dlogits = cross_entropy(logits, target)

The names and arguments are torch's (``torch.nn.functional.cross_entropy``,
``mse_loss``, ``binary_cross_entropy_with_logits``).  The classification
losses work from logits (not probabilities) and stay finite, without
overflow warnings, at logits of +-1000.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, as_index_array, check_same_shape
from .activations import sigmoid

__all__ = [
    "log_softmax",
    "softmax",
    "cross_entropy",
    "mse_loss",
    "binary_cross_entropy_with_logits",
]


def _check_nonempty_last_axis(x: np.ndarray, name: str) -> None:
    if x.ndim == 0 or x.shape[-1] == 0:
        raise ValueError(f"{name} must have at least one entry along its last axis, got shape {x.shape}")


def _check_nonempty(x: np.ndarray, name: str) -> None:
    if x.size == 0:
        raise ValueError(f"{name} must not be empty (the mean of no entries is undefined), got shape {x.shape}")


def log_softmax(logits: np.ndarray) -> np.ndarray:
    r"""Log of the softmax over the last axis, via log-sum-exp (like ``F.log_softmax(logits, dim=-1)``).

    .. math::

        \log\operatorname{softmax}(z)_c = z_c - m - \log \sum_k e^{z_k - m},
        \qquad m = \max_k z_k

    Subtracting the maximum leaves the result unchanged but keeps every
    exponent ``<= 0``, so nothing overflows.

    Parameters
    ----------
    logits : ndarray of float, shape (..., C)
        Unnormalised scores, classes along the last axis.

    Returns
    -------
    ndarray of float, shape (..., C)
        Log-probabilities; ``exp`` of each row sums to 1.

    Examples
    --------
    >>> log_softmax(np.array([1000.0, 1000.0]))
    array([-0.69314718, -0.69314718])
    """
    logits = as_float_array(logits, "logits")
    _check_nonempty_last_axis(logits, "logits")
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    r"""Softmax over the last axis, shifted by the maximum (like ``F.softmax(logits, dim=-1)``).

    .. math::

        \operatorname{softmax}(z)_c = \frac{e^{z_c - m}}{\sum_k e^{z_k - m}},
        \qquad m = \max_k z_k

    Parameters
    ----------
    logits : ndarray of float, shape (..., C)
        Unnormalised scores, classes along the last axis.

    Returns
    -------
    ndarray of float, shape (..., C)
        Probabilities; each row sums to 1.

    Examples
    --------
    >>> softmax(np.array([-1000.0, 0.0, 1000.0]))
    array([0., 0., 1.])
    """
    logits = as_float_array(logits, "logits")
    _check_nonempty_last_axis(logits, "logits")
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def cross_entropy(logits: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    r"""Mean cross-entropy of softmax(logits) against class indices, and its gradient.

    Equals ``F.cross_entropy(logits, target)`` (``reduction="mean"``).

    .. math::

        L = -\frac{1}{N} \sum_{n=1}^{N} \log\operatorname{softmax}(z_n)_{y_n},
        \qquad
        \frac{\partial L}{\partial z_n} = \frac{\operatorname{softmax}(z_n) - \operatorname{onehot}(y_n)}{N}

    Parameters
    ----------
    logits : ndarray of float, shape (N, C)
        Unnormalised class scores, ``N >= 1``.
    target : ndarray of int, shape (N,)
        Class indices in ``[0, C)``.

    Returns
    -------
    loss : float
    dlogits : ndarray of float, shape (N, C)
        Gradient of ``loss`` with respect to ``logits``.

    Raises
    ------
    TypeError
        If ``target`` is not an integer array (e.g. one-hot floats).
    ValueError
        On NaN/inf logits, target out of range or mismatched shapes.

    Notes
    -----
    torch's ``weight``, ``ignore_index`` and ``label_smoothing`` options are
    not implemented.

    Examples
    --------
    >>> loss, dlogits = cross_entropy(np.zeros((2, 4)), np.array([0, 3]))
    >>> round(loss, 6), round(float(np.log(4)), 6)
    (1.386294, 1.386294)
    """
    logits = as_float_array(logits, "logits", ndim=2)
    _check_nonempty(logits, "logits")
    n, n_classes = logits.shape
    target = as_index_array(target, "target", n_classes=n_classes)
    if target.shape[0] != n:
        raise ValueError(
            f"target has {target.shape[0]} entries but logits has {n} rows: "
            f"logits.shape={logits.shape}, target.shape={target.shape}"
        )
    rows = np.arange(n)
    loss = -log_softmax(logits)[rows, target].mean()
    dlogits = softmax(logits)
    dlogits[rows, target] -= 1.0
    return float(loss), dlogits / n


def mse_loss(input: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    r"""Mean squared error and its gradient, like ``F.mse_loss(input, target)``.

    .. math::

        L = \frac{1}{M} \sum_{i=1}^{M} (\hat y_i - y_i)^2,
        \qquad
        \frac{\partial L}{\partial \hat y_i} = \frac{2 (\hat y_i - y_i)}{M}

    where :math:`M` is the number of entries (``input.size``).

    Parameters
    ----------
    input : ndarray of float, any shape
        Predictions :math:`\hat y` (torch's name for the argument).
    target : ndarray of float, same shape as ``input``
        Targets :math:`y`.

    Returns
    -------
    loss : float
    dinput : ndarray of float, same shape as ``input``
        Gradient of ``loss`` with respect to ``input``.

    Notes
    -----
    Unlike torch, shapes are never broadcast: a ``(N, 1)`` prediction against
    a ``(N,)`` target is an error, not an ``(N, N)`` loss.

    Examples
    --------
    >>> loss, dinput = mse_loss(np.array([1.0, 2.0]), np.array([1.0, 4.0]))
    >>> loss, dinput
    (2.0, array([ 0., -2.]))
    """
    input = as_float_array(input, "input")
    target = as_float_array(target, "target")
    check_same_shape(input, "input", target, "target")
    _check_nonempty(input, "input")
    diff = input - target
    return float(np.mean(diff * diff)), 2.0 * diff / diff.size


def binary_cross_entropy_with_logits(logits: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    r"""Mean binary cross-entropy of sigmoid(logits), and its gradient.

    Equals ``F.binary_cross_entropy_with_logits(logits, target)``.  Computed
    from the logits in a form that never overflows:

    .. math::

        \ell_i = -y_i \log\sigma(z_i) - (1 - y_i) \log(1 - \sigma(z_i))
               = \max(z_i, 0) - z_i y_i + \log\left(1 + e^{-|z_i|}\right),

    .. math::

        L = \frac{1}{M} \sum_{i=1}^{M} \ell_i,
        \qquad
        \frac{\partial L}{\partial z_i} = \frac{\sigma(z_i) - y_i}{M}

    where :math:`M` is the number of entries (``logits.size``).

    Parameters
    ----------
    logits : ndarray of float, any shape
        Unnormalised scores :math:`z`.
    target : ndarray of float, same shape as ``logits``
        Target probabilities :math:`y \in [0, 1]` (usually 0 or 1).

    Returns
    -------
    loss : float
    dlogits : ndarray of float, same shape as ``logits``
        Gradient of ``loss`` with respect to ``logits``.

    Notes
    -----
    torch's ``weight`` and ``pos_weight`` options are not implemented.

    Examples
    --------
    >>> loss, dlogits = binary_cross_entropy_with_logits(np.array([1000.0, -1000.0]), np.array([1.0, 0.0]))
    >>> loss, dlogits
    (0.0, array([0., 0.]))
    """
    logits = as_float_array(logits, "logits")
    target = as_float_array(target, "target")
    check_same_shape(logits, "logits", target, "target")
    _check_nonempty(logits, "logits")
    if np.any((target < 0) | (target > 1)):
        raise ValueError(
            f"target must lie in [0, 1], got values from {target.min()} to {target.max()}"
        )
    losses = np.maximum(logits, 0.0) - logits * target + np.log1p(np.exp(-np.abs(logits)))
    return float(np.mean(losses)), (sigmoid(logits) - target) / logits.size
