"""Layers as functional forward/backward pairs.

Each layer is a pair in the style of the CS231n assignments::

    out, cache = linear_forward(x, weight, bias)
    dx, dweight, dbias = linear_backward(dout, cache)

but with torch's layouts (``weight`` is ``(out_features, in_features)`` as in
``torch.nn.Linear``) and caches that are named tuples.  A backward returns the
gradients in the order of the forward's inputs.

:func:`maxout_forward` / :func:`maxout_backward` are an affine layer and
its activation in one: each unit outputs the largest of several affine
pieces of its input.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import as_float_array, check_int, check_same_shape, check_shape
from .activations import get_activation

__all__ = [
    "LinearCache",
    "linear_forward",
    "linear_backward",
    "ActivationCache",
    "activation_forward",
    "activation_backward",
    "MaxoutCache",
    "maxout_forward",
    "maxout_backward",
]


class LinearCache(NamedTuple):
    """What :func:`linear_backward` needs from :func:`linear_forward`."""

    x: np.ndarray
    """Input, shape ``(N, in_features)``."""
    weight: np.ndarray
    """Weight, shape ``(out_features, in_features)``."""
    bias: np.ndarray | None
    """Bias, shape ``(out_features,)``, or ``None``."""


def linear_forward(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None
) -> tuple[np.ndarray, LinearCache]:
    r"""Affine layer, like ``torch.nn.functional.linear``.

    .. math::

        \text{out} = x W^\top + b, \qquad
        \text{out}_{nj} = \sum_i x_{ni} W_{ji} + b_j

    Parameters
    ----------
    x : ndarray of float, shape (N, in_features)
        A batch of inputs, one per row.
    weight : ndarray of float, shape (out_features, in_features)
        Weight matrix ``W`` in torch's layout.
    bias : ndarray of float, shape (out_features,), or None, default None
        Bias ``b``; ``None`` for a layer without bias.

    Returns
    -------
    out : ndarray of float, shape (N, out_features)
    cache : LinearCache
        ``(x, weight, bias)``, for :func:`linear_backward`.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0]])
    >>> weight = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> out, cache = linear_forward(x, weight, np.zeros(3))
    >>> out
    array([[1., 2., 3.]])
    """
    x = as_float_array(x, "x", ndim=2)
    weight = as_float_array(weight, "weight", ndim=2)
    out_features, in_features = weight.shape
    if x.shape[1] != in_features:
        raise ValueError(
            f"x has {x.shape[1]} features but weight expects in_features={in_features}: "
            f"x.shape={x.shape}, weight.shape={weight.shape}"
        )
    out = x @ weight.T
    if bias is not None:
        bias = as_float_array(bias, "bias")
        check_shape(bias, "bias", (out_features,), meaning=f"to match weight.shape={weight.shape}")
        out = out + bias
    return out, LinearCache(x, weight, bias)


def linear_backward(
    dout: np.ndarray, cache: LinearCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    r"""Backward pass of :func:`linear_forward`.

    .. math::

        \frac{\partial L}{\partial x} = \delta W, \qquad
        \frac{\partial L}{\partial W} = \delta^\top x, \qquad
        \frac{\partial L}{\partial b} = \sum_n \delta_{n\cdot}

    where :math:`\delta = \partial L / \partial\,\text{out}` is ``dout``.

    Parameters
    ----------
    dout : ndarray of float, shape (N, out_features)
        Upstream gradient, same shape as the forward's ``out``.
    cache : LinearCache
        The cache returned by :func:`linear_forward`.

    Returns
    -------
    dx : ndarray of float, shape (N, in_features)
    dweight : ndarray of float, shape (out_features, in_features)
    dbias : ndarray of float, shape (out_features,), or None
        ``None`` when the forward had ``bias=None``.

    Examples
    --------
    >>> x, weight = np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])
    >>> out, cache = linear_forward(x, weight, np.zeros(1))
    >>> dx, dweight, dbias = linear_backward(np.ones_like(out), cache)
    >>> dx, dweight, dbias
    (array([[3., 4.]]), array([[1., 2.]]), array([1.]))
    """
    if not isinstance(cache, LinearCache):
        raise TypeError("cache must be the LinearCache returned by "
                        f"linear_forward, got {type(cache).__name__}")
    x, weight, bias = cache
    dout = as_float_array(dout, "dout", ndim=2)
    check_shape(dout, "dout", (x.shape[0], weight.shape[0]),
                meaning="(the shape of the forward output)")
    dx = dout @ weight
    dweight = dout.T @ x
    dbias = None if bias is None else dout.sum(axis=0)
    return dx, dweight, dbias


class ActivationCache(NamedTuple):
    """What :func:`activation_backward` needs from :func:`activation_forward`."""

    x: np.ndarray
    """Input of the activation (pre-activations), any shape."""
    activation: str
    """Name of the activation, a key of :data:`lecturelib.activations.ACTIVATIONS`."""


def activation_forward(x: np.ndarray, activation: str) -> tuple[np.ndarray, ActivationCache]:
    r"""Apply an elementwise activation, :math:`\text{out} = f(x)`.

    Parameters
    ----------
    x : ndarray of float, any shape
        Pre-activations.
    activation : str
        A key of :data:`lecturelib.activations.ACTIVATIONS`: ``"sigmoid"``,
        ``"tanh"``, ``"relu"``, ``"identity"``, ``"leaky_relu"``, ``"elu"``,
        ``"gelu"``, ``"softplus"``, ... (with torch's default settings)

    Returns
    -------
    out : ndarray of float, same shape as ``x``
    cache : ActivationCache
        ``(x, activation)``, for :func:`activation_backward`.

    Examples
    --------
    >>> out, cache = activation_forward(np.array([[-1.0, 2.0]]), "relu")
    >>> out
    array([[0., 2.]])
    """
    fn, _ = get_activation(activation)
    x = as_float_array(x, "x")
    return fn(x), ActivationCache(x, activation)


def activation_backward(dout: np.ndarray, cache: ActivationCache) -> np.ndarray:
    r"""Backward pass of :func:`activation_forward`, :math:`dx = \text{dout} \odot f'(x)`.

    Parameters
    ----------
    dout : ndarray of float, same shape as the forward's ``x``
        Upstream gradient.
    cache : ActivationCache
        The cache returned by :func:`activation_forward`.

    Returns
    -------
    dx : ndarray of float, same shape as ``dout``

    Examples
    --------
    >>> out, cache = activation_forward(np.array([[-1.0, 2.0]]), "relu")
    >>> activation_backward(np.array([[5.0, 5.0]]), cache)
    array([[0., 5.]])
    """
    if not isinstance(cache, ActivationCache):
        raise TypeError(
            f"cache must be the ActivationCache returned by activation_forward, got {type(cache).__name__}"
        )
    _, grad = get_activation(cache.activation)
    dout = as_float_array(dout, "dout")
    check_same_shape(dout, "dout", cache.x, "the forward output")
    return dout * grad(cache.x)


class MaxoutCache(NamedTuple):
    """What :func:`maxout_backward` needs from :func:`maxout_forward`."""

    linear: LinearCache
    """The cache of the affine map, ``(x, weight, bias)``."""
    argmax: np.ndarray
    """Index of each unit's winning piece, shape ``(N, out_features)``, ints in ``[0, pieces)``."""


def maxout_forward(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None, *, pieces: int
) -> tuple[np.ndarray, MaxoutCache]:
    r"""Maxout layer: each unit is the largest of ``pieces`` affine functions of the input.

    .. math::

        z = x W^\top + b, \qquad
        \text{out}_{nj} = \max_{0 \le k < K} z_{n,\,jK + k}

    with :math:`K` = ``pieces``.  The affine map is :func:`linear_forward`
    with ``out_features * pieces`` outputs, in torch's ``nn.Linear`` layout;
    unit ``j``'s pieces are the **consecutive** rows ``j * pieces`` to
    ``j * pieces + pieces - 1`` of ``weight``, so that ``z`` reshaped to
    ``(N, out_features, pieces)`` has unit ``j``'s pieces in row ``[:, j]``,
    as ``F.linear(x, W, b).view(N, out_features, pieces).max(-1)`` in torch
    (:class:`lecturelib.torchkit.models.Maxout`).

    Parameters
    ----------
    x : ndarray of float, shape (N, in_features)
        A batch of inputs, one per row.
    weight : ndarray of float, shape (out_features * pieces, in_features)
        All pieces' weights, unit by unit.
    bias : ndarray of float, shape (out_features * pieces,), or None, default None
        All pieces' biases; ``None`` for pieces without bias.
    pieces : int
        Number of affine pieces per unit, :math:`K \ge 1`; ``pieces=1`` is a
        plain linear layer.

    Returns
    -------
    out : ndarray of float, shape (N, out_features)
    cache : MaxoutCache
        The affine map's cache and the index of every unit's winning piece,
        for :func:`maxout_backward`.

    Notes
    -----
    With two pieces, maxout can represent ReLU (one piece 0), leaky ReLU
    and the absolute value; it learns its activation.  Where pieces tie,
    the first one wins, as ``np.argmax`` and torch's ``max(dim)`` choose.

    References
    ----------
    Goodfellow, I. J., Warde-Farley, D., Mirza, M., Courville, A. and
    Bengio, Y. (2013). Maxout networks. *ICML*.

    Examples
    --------
    >>> x = np.array([[-2.0], [3.0]])
    >>> weight = np.array([[0.0], [1.0]])  # one unit, pieces 0 and x: ReLU
    >>> out, cache = maxout_forward(x, weight, np.zeros(2), pieces=2)
    >>> out
    array([[0.],
           [3.]])
    >>> cache.argmax
    array([[0],
           [1]])
    """
    pieces = check_int(pieces, "pieces", low=1)
    weight = as_float_array(weight, "weight", ndim=2)
    if weight.shape[0] == 0 or weight.shape[0] % pieces != 0:
        raise ValueError(
            f"weight must have out_features * pieces rows, a positive multiple of pieces={pieces}, "
            f"got weight.shape={weight.shape}"
        )
    z, linear_cache = linear_forward(x, weight, bias)
    z = z.reshape(z.shape[0], -1, pieces)  # (N, out_features, pieces)
    argmax = z.argmax(axis=-1)
    out = np.take_along_axis(z, argmax[..., None], axis=-1)[..., 0]
    return out, MaxoutCache(linear_cache, argmax)


def maxout_backward(
    dout: np.ndarray, cache: MaxoutCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    r"""Backward pass of :func:`maxout_forward`.

    The gradient of a maximum flows to the winning piece only:

    .. math::

        \frac{\partial L}{\partial z_{n,\,jK + k}} =
            \begin{cases} \delta_{nj} & k = k^*_{nj} \\ 0 & \text{otherwise} \end{cases}

    where :math:`\delta` = ``dout`` and :math:`k^*` is the cached argmax;
    :func:`linear_backward` takes it from there.

    Parameters
    ----------
    dout : ndarray of float, shape (N, out_features)
        Upstream gradient, same shape as the forward's ``out``.
    cache : MaxoutCache
        The cache returned by :func:`maxout_forward`.

    Returns
    -------
    dx : ndarray of float, shape (N, in_features)
    dweight : ndarray of float, shape (out_features * pieces, in_features)
    dbias : ndarray of float, shape (out_features * pieces,), or None
        ``None`` when the forward had ``bias=None``.

    Examples
    --------
    >>> x, weight = np.array([[-2.0], [3.0]]), np.array([[0.0], [1.0]])
    >>> out, cache = maxout_forward(x, weight, np.zeros(2), pieces=2)
    >>> dx, dweight, dbias = maxout_backward(np.ones_like(out), cache)
    >>> dx.ravel(), dweight.ravel(), dbias
    (array([0., 1.]), array([-2.,  3.]), array([1., 1.]))
    """
    if not isinstance(cache, MaxoutCache):
        raise TypeError(
            f"cache must be the MaxoutCache returned by maxout_forward, got {type(cache).__name__}"
        )
    n, out_features = cache.argmax.shape
    dout = as_float_array(dout, "dout", ndim=2)
    check_shape(dout, "dout", (n, out_features), meaning="(the shape of the forward output)")
    pieces = cache.linear.weight.shape[0] // out_features
    dz = np.zeros((n, out_features, pieces), dtype=dout.dtype)
    np.put_along_axis(dz, cache.argmax[..., None], dout[..., None], axis=-1)
    return linear_backward(dz.reshape(n, out_features * pieces), cache.linear)
