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

The normalization layers follow torch's modules (each forward has its
``_backward``):

===========================  ============  =============================  ==================
forward                      input         statistics over                torch
===========================  ============  =============================  ==================
:func:`batchnorm_forward`    (N, C)        the batch, per feature         ``nn.BatchNorm1d``
:func:`batchnorm2d_forward`  (N, C, H, W)  batch and pixels, per channel  ``nn.BatchNorm2d``
:func:`layernorm_forward`    (..., D)      the last axis, per example     ``nn.LayerNorm``
===========================  ============  =============================  ==================

Batch norm is pure: it takes the running statistics and returns updated
copies (:class:`BatchNormResult`) instead of changing buffers in place.

Two regularizing layers behave differently in training and in evaluation
(``training=True`` / ``False``, like a torch module's ``train()`` and
``eval()``) and draw their randomness from an explicit ``rng``:
:func:`dropout_forward` (inverted dropout, ``F.dropout``) and
:func:`gaussian_noise_forward` (additive input noise).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import as_float_array, check_int, check_number, check_rng, check_same_shape, check_shape
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
    "BatchNormCache",
    "BatchNormResult",
    "batchnorm_forward",
    "batchnorm_backward",
    "BatchNorm2dCache",
    "batchnorm2d_forward",
    "batchnorm2d_backward",
    "LayerNormCache",
    "layernorm_forward",
    "layernorm_backward",
    "DropoutCache",
    "dropout_forward",
    "dropout_backward",
    "GaussianNoiseCache",
    "gaussian_noise_forward",
    "gaussian_noise_backward",
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


# ------------------------------------------------------------ batch norm


class BatchNormCache(NamedTuple):
    """What :func:`batchnorm_backward` needs from :func:`batchnorm_forward`."""

    xhat: np.ndarray
    """Normalized input :math:`\\hat x`, shape ``(N, C)``."""
    gamma: np.ndarray
    """Scale, shape ``(C,)``."""
    inv_std: np.ndarray
    """:math:`1/\\sqrt{\\sigma^2 + \\epsilon}` of the statistics used, shape ``(C,)``."""
    training: bool
    """Whether the batch's statistics were used (``True``) or the running ones."""


class BatchNormResult(NamedTuple):
    """What :func:`batchnorm_forward` returns."""

    out: np.ndarray
    """Output, same shape as ``x``."""
    running_mean: np.ndarray
    """Running mean after this step, shape ``(C,)``."""
    running_var: np.ndarray
    """Running (unbiased) variance after this step, shape ``(C,)``."""
    cache: BatchNormCache
    """For :func:`batchnorm_backward`."""


def _check_batchnorm_args(x, gamma, beta, running_mean, running_var, *, ndim, training, momentum, eps):
    """Validate batch norm's arguments for an ``x`` of ``ndim`` dimensions; return them converted."""
    x = as_float_array(x, "x", ndim=ndim)
    if not isinstance(training, (bool, np.bool_)):
        raise TypeError(f"training must be a bool, got {type(training).__name__} {training!r}")
    momentum = check_number(momentum, "momentum", low=0.0, high=1.0)
    eps = check_number(eps, "eps", low=0.0, low_inclusive=False)
    channels = (x.shape[1],)
    arrays = {"gamma": gamma, "beta": beta, "running_mean": running_mean, "running_var": running_var}
    for name, value in arrays.items():
        arrays[name] = as_float_array(value, name)
        check_shape(arrays[name], name, channels, meaning=f"(one per channel) to match x.shape={x.shape}")
    if np.any(arrays["running_var"] < 0):
        raise ValueError(f"running_var must be >= 0, got a minimum of {arrays['running_var'].min()}")
    values_per_channel = x.shape[0] * int(np.prod(x.shape[2:]))
    if training and values_per_channel < 2:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got x of shape {x.shape} "
            f"({values_per_channel} per channel; torch raises the same ValueError)"
        )
    return (x, *arrays.values(), momentum, eps)


def batchnorm_forward(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    running_mean: np.ndarray,
    running_var: np.ndarray,
    *,
    training: bool,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> BatchNormResult:
    r"""Batch normalization over the batch, like ``torch.nn.BatchNorm1d``.

    Each feature (channel) ``c`` is normalized with a mean and a variance,
    then scaled and shifted:

    .. math::

        \hat x_{nc} = \frac{x_{nc} - \mu_c}{\sqrt{\sigma^2_c + \epsilon}},
        \qquad
        \text{out}_{nc} = \gamma_c \hat x_{nc} + \beta_c

    In training mode :math:`\mu, \sigma^2` are the batch's mean and
    **biased** variance (divided by :math:`N`), and the running
    statistics are updated with the batch's mean and **unbiased**
    variance (divided by :math:`N - 1`):

    .. math::

        r_\mu \leftarrow (1 - m)\, r_\mu + m\, \mu, \qquad
        r_{\sigma^2} \leftarrow (1 - m)\, r_{\sigma^2}
            + m\, \tfrac{N}{N - 1} \sigma^2

    In eval mode :math:`\mu, \sigma^2` are the running statistics, which
    come back unchanged.

    Parameters
    ----------
    x : ndarray of float, shape (N, C)
        A batch of inputs, one per row.
    gamma, beta : ndarray of float, shape (C,)
        Scale and shift (torch's ``weight`` and ``bias``).
    running_mean, running_var : ndarray of float, shape (C,)
        Running statistics (torch's buffers; start at 0 and 1).
        They are never modified: updated copies are returned.
    training : bool
        Use the batch's statistics and update the running ones (``True``,
        ``module.train()``) or use the running ones (``False``,
        ``module.eval()``).
    momentum : float, default 0.1
        Weight :math:`m \in [0, 1]` of the **new** batch statistic.
    eps : float, default 1e-5
        :math:`\epsilon > 0`, added to the variance.

    Returns
    -------
    BatchNormResult
        ``(out, running_mean, running_var, cache)``: ``out`` of shape
        ``(N, C)``, the running statistics after this step, and the cache
        for :func:`batchnorm_backward`.  In eval mode the running
        statistics are the arrays that were passed in.

    Raises
    ------
    ValueError
        In training mode with ``N < 2`` (the variance of one value is 0
        and its unbiased estimate 0/0), as torch: "Expected more than 1
        value per channel when training".

    Notes
    -----
    Torch's ``momentum`` weights the new value; CS231n's and Keras's
    ``momentum`` weights the old average, so their 0.9 (0.99) is torch's
    0.1 (0.01).  Torch's ``momentum=None`` (a cumulative average) is
    ``momentum=1/k`` at the ``k``-th training step.

    The normalization uses the biased variance, the running variance the
    unbiased one, so with ``momentum=1`` eval mode does *not* reproduce
    the last training output: it divides by a slightly larger
    :math:`\sqrt{N \sigma^2 / (N - 1) + \epsilon}`.

    References
    ----------
    Ioffe, S. and Szegedy, C. (2015). Batch normalization: accelerating
    deep network training by reducing internal covariate shift. *ICML*.

    Examples
    --------
    >>> x = np.array([[1.0], [3.0]])  # mean 2, biased var 1, unbiased 2
    >>> res = batchnorm_forward(x, np.ones(1), np.zeros(1), np.zeros(1),
    ...                         np.ones(1), training=True)
    >>> np.round(res.out, 4)
    array([[-1.],
           [ 1.]])
    >>> res.running_mean, res.running_var  # 0.1 * 2;  0.9 * 1 + 0.1 * 2
    (array([0.2]), array([1.1]))
    """
    x, gamma, beta, running_mean, running_var, momentum, eps = (
        _check_batchnorm_args(x, gamma, beta, running_mean, running_var,
                              ndim=2, training=training,
                              momentum=momentum, eps=eps))
    if training:
        n = x.shape[0]
        mean, var = x.mean(axis=0), x.var(axis=0)  # biased: divides by N
        unbiased = var * n / (n - 1)
        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var = (1 - momentum) * running_var + momentum * unbiased
    else:
        mean, var = running_mean, running_var
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = (x - mean) * inv_std
    out = gamma * xhat + beta
    cache = BatchNormCache(xhat, gamma, inv_std, bool(training))
    return BatchNormResult(out, running_mean, running_var, cache)


def batchnorm_backward(
    dout: np.ndarray, cache: BatchNormCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Backward pass of :func:`batchnorm_forward`.

    With :math:`\delta` = ``dout`` and sums over the batch:

    .. math::

        \frac{\partial L}{\partial \beta_c} = \sum_n \delta_{nc}, \qquad
        \frac{\partial L}{\partial \gamma_c} = \sum_n \delta_{nc}\,
            \hat x_{nc}

    In training mode :math:`\mu` and :math:`\sigma^2` depend on every
    :math:`x_{nc}`.  Differentiating :math:`\hat x = (x - \mu) / s` with
    :math:`s = \sqrt{\sigma^2 + \epsilon}`, :math:`\partial \mu /
    \partial x_i = 1/N` and :math:`\partial \sigma^2 / \partial x_i =
    2 (x_i - \mu) / N` gives

    .. math::

        \frac{\partial \hat x_j}{\partial x_i} = \frac{1}{s}
            \Big(\delta_{ij} - \frac{1}{N} - \frac{\hat x_i \hat x_j}{N}
            \Big),

    and the chain rule with :math:`\partial L / \partial \hat x =
    \gamma \delta` collapses to one line that reuses the two sums above:

    .. math::

        \frac{\partial L}{\partial x} = \frac{\gamma}{N s}
            \Big(N \delta - \frac{\partial L}{\partial \beta}
            - \hat x \frac{\partial L}{\partial \gamma}\Big)

    In eval mode the statistics are constants and
    :math:`\partial L / \partial x = \gamma \delta / s`.

    Parameters
    ----------
    dout : ndarray of float, shape (N, C)
        Upstream gradient, same shape as the forward's ``out``.
    cache : BatchNormCache
        The cache returned by :func:`batchnorm_forward`.

    Returns
    -------
    dx : ndarray of float, shape (N, C)
    dgamma, dbeta : ndarray of float, shape (C,)

    References
    ----------
    Ioffe, S. and Szegedy, C. (2015). Batch normalization: accelerating
    deep network training by reducing internal covariate shift. *ICML*.

    Examples
    --------
    >>> x = np.array([[1.0], [3.0]])
    >>> res = batchnorm_forward(x, np.ones(1), np.zeros(1), np.zeros(1),
    ...                         np.ones(1), training=True)
    >>> dx, dgamma, dbeta = batchnorm_backward(np.ones((2, 1)), res.cache)
    >>> dx, dbeta  # a shift of all outputs is normalized away
    (array([[0.],
           [0.]]), array([2.]))
    """
    if not isinstance(cache, BatchNormCache):
        raise TypeError("cache must be the BatchNormCache returned by "
                        f"batchnorm_forward, got {type(cache).__name__}")
    xhat, gamma, inv_std, training = cache
    dout = as_float_array(dout, "dout", ndim=2)
    check_shape(dout, "dout", xhat.shape,
                meaning="(the shape of the forward output)")
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    if not training:  # mean and variance are constants
        return dout * gamma * inv_std, dgamma, dbeta
    n = dout.shape[0]
    dx = (gamma * inv_std / n) * (n * dout - dbeta - xhat * dgamma)
    return dx, dgamma, dbeta


class BatchNorm2dCache(NamedTuple):
    """What :func:`batchnorm2d_backward` needs from :func:`batchnorm2d_forward`."""

    flat: BatchNormCache
    """The cache of :func:`batchnorm_forward` on ``x`` as ``(N * H * W, C)``."""
    shape: tuple[int, int, int, int]
    """Shape ``(N, C, H, W)`` of the input."""


def _channels_last(x: np.ndarray) -> np.ndarray:
    """``(N, C, H, W)`` -> ``(N * H * W, C)``: one row per pixel, one column per channel."""
    return x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])


def _channels_first(x: np.ndarray, shape: tuple[int, int, int, int]) -> np.ndarray:
    """Inverse of :func:`_channels_last` for an input of shape ``(N, C, H, W)``."""
    n, c, h, w = shape
    return x.reshape(n, h, w, c).transpose(0, 3, 1, 2)


def batchnorm2d_forward(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    running_mean: np.ndarray,
    running_var: np.ndarray,
    *,
    training: bool,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> BatchNormResult:
    r"""Batch normalization of images per channel, like ``torch.nn.BatchNorm2d``.

    Each channel is normalized over the batch **and** the spatial axes:
    the pixels of all images are :math:`M = N H W` samples of the channel,
    and the layer is :func:`batchnorm_forward` on ``x`` reshaped to
    ``(N * H * W, C)``.  The running variance is unbiased with that count,
    :math:`\frac{M}{M - 1} \sigma^2`.

    Parameters
    ----------
    x : ndarray of float, shape (N, C, H, W)
        A batch of images, channels first.
    gamma, beta, running_mean, running_var : ndarray of float, shape (C,)
        As in :func:`batchnorm_forward`, one per channel; never modified.
    training : bool
        Use and update batch statistics (``True``) or use the running ones.
    momentum : float, default 0.1
        Weight in ``[0, 1]`` of the new batch statistic.
    eps : float, default 1e-5
        Added to the variance, ``> 0``.

    Returns
    -------
    BatchNormResult
        ``out`` of shape ``(N, C, H, W)``, the running statistics after this
        step (shape ``(C,)``) and a :class:`BatchNorm2dCache`.

    Raises
    ------
    ValueError
        In training mode with fewer than 2 values per channel
        (``N * H * W < 2``).  As in torch, one image of several pixels is enough.

    References
    ----------
    Ioffe, S. and Szegedy, C. (2015). Batch normalization: accelerating deep
    network training by reducing internal covariate shift. *ICML*.

    Examples
    --------
    >>> x = np.array([[[[1.0, 3.0]]]])  # one image, one channel, 1 x 2 pixels
    >>> res = batchnorm2d_forward(x, np.ones(1), np.zeros(1), np.zeros(1), np.ones(1), training=True)
    >>> np.round(res.out, 4), res.running_var
    (array([[[[-1.,  1.]]]]), array([1.1]))
    """
    x, gamma, beta, running_mean, running_var, momentum, eps = _check_batchnorm_args(
        x, gamma, beta, running_mean, running_var, ndim=4, training=training, momentum=momentum, eps=eps
    )
    out, running_mean, running_var, cache = batchnorm_forward(
        _channels_last(x), gamma, beta, running_mean, running_var,
        training=training, momentum=momentum, eps=eps,
    )
    return BatchNormResult(_channels_first(out, x.shape), running_mean, running_var, BatchNorm2dCache(cache, x.shape))


def batchnorm2d_backward(
    dout: np.ndarray, cache: BatchNorm2dCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Backward pass of :func:`batchnorm2d_forward`: :func:`batchnorm_backward` on ``(N * H * W, C)``.

    Parameters
    ----------
    dout : ndarray of float, shape (N, C, H, W)
        Upstream gradient, same shape as the forward's ``out``.
    cache : BatchNorm2dCache
        The cache returned by :func:`batchnorm2d_forward`.

    Returns
    -------
    dx : ndarray of float, shape (N, C, H, W)
    dgamma, dbeta : ndarray of float, shape (C,)

    Examples
    --------
    >>> x = np.array([[[[1.0, 3.0]]]])
    >>> res = batchnorm2d_forward(x, np.ones(1), np.zeros(1), np.zeros(1), np.ones(1), training=True)
    >>> dx, dgamma, dbeta = batchnorm2d_backward(np.ones_like(x), res.cache)
    >>> dx.shape, dbeta
    ((1, 1, 1, 2), array([2.]))
    """
    if not isinstance(cache, BatchNorm2dCache):
        raise TypeError(
            f"cache must be the BatchNorm2dCache returned by batchnorm2d_forward, got {type(cache).__name__}"
        )
    dout = as_float_array(dout, "dout", ndim=4)
    check_shape(dout, "dout", cache.shape, meaning="(the shape of the forward output)")
    dx, dgamma, dbeta = batchnorm_backward(_channels_last(dout), cache.flat)
    return _channels_first(dx, cache.shape), dgamma, dbeta


# ------------------------------------------------------------ layer norm


class LayerNormCache(NamedTuple):
    """What :func:`layernorm_backward` needs from :func:`layernorm_forward`."""

    xhat: np.ndarray
    """Normalized input :math:`\\hat x`, shape ``(..., D)``."""
    gamma: np.ndarray
    """Scale, shape ``(D,)``."""
    inv_std: np.ndarray
    """:math:`1/\\sqrt{\\sigma^2 + \\epsilon}` of each row, shape ``(..., 1)``."""


def layernorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, *, eps: float = 1e-5
) -> tuple[np.ndarray, LayerNormCache]:
    r"""Layer normalization over the last axis, like ``F.layer_norm(x, (D,), gamma, beta, eps)``.

    Every example (every row of the last axis) is normalized with its own
    mean and **biased** variance over its :math:`D` features:

    .. math::

        \mu = \frac{1}{D} \sum_d x_d, \qquad
        \sigma^2 = \frac{1}{D} \sum_d (x_d - \mu)^2, \qquad
        \text{out}_d = \gamma_d \frac{x_d - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta_d

    Nothing depends on the other examples in the batch, so training and
    evaluation compute the same thing and there are no running statistics.

    Parameters
    ----------
    x : ndarray of float, shape (..., D)
        E.g. ``(N, D)`` or ``(N, T, D)``; normalized over the last axis.
    gamma, beta : ndarray of float, shape (D,)
        Scale and shift per feature (torch's ``weight`` and ``bias``).
    eps : float, default 1e-5
        Added to the variance, ``> 0``.

    Returns
    -------
    out : ndarray of float, same shape as ``x``
    cache : LayerNormCache
        For :func:`layernorm_backward`.

    References
    ----------
    Ba, J. L., Kiros, J. R. and Hinton, G. E. (2016). Layer normalization.
    *arXiv:1607.06450*.

    Examples
    --------
    >>> x = np.array([[1.0, 3.0], [10.0, 30.0]])  # each row on its own
    >>> out, cache = layernorm_forward(x, np.ones(2), np.zeros(2))
    >>> np.round(out, 4)
    array([[-1.,  1.],
           [-1.,  1.]])
    """
    x = as_float_array(x, "x")
    if x.ndim == 0:
        raise ValueError("x must have at least 1 dimension (the features), got a 0-D array")
    eps = check_number(eps, "eps", low=0.0, low_inclusive=False)
    gamma = as_float_array(gamma, "gamma")
    beta = as_float_array(beta, "beta")
    check_shape(gamma, "gamma", x.shape[-1:], meaning=f"(one per feature) to match x.shape={x.shape}")
    check_shape(beta, "beta", x.shape[-1:], meaning=f"(one per feature) to match x.shape={x.shape}")
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)  # biased: divides by D
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = (x - mean) * inv_std
    return gamma * xhat + beta, LayerNormCache(xhat, gamma, inv_std)


def layernorm_backward(
    dout: np.ndarray, cache: LayerNormCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Backward pass of :func:`layernorm_forward`.

    The algebra of :func:`batchnorm_backward` with the sums taken over the
    features of one example instead of over the batch.  Here :math:`\gamma`
    varies along that axis, so it stays inside the sums:
    with :math:`g = \gamma \odot \delta` and :math:`s = \sqrt{\sigma^2 + \epsilon}`,

    .. math::

        \frac{\partial L}{\partial x} = \frac{1}{D s}
            \Big(D g - \sum_d g_d - \hat x \sum_d g_d \hat x_d\Big),
        \qquad
        \frac{\partial L}{\partial \gamma} = \sum_{\text{rows}} \delta \odot \hat x,
        \qquad
        \frac{\partial L}{\partial \beta} = \sum_{\text{rows}} \delta

    Parameters
    ----------
    dout : ndarray of float, shape (..., D)
        Upstream gradient, same shape as the forward's ``out``.
    cache : LayerNormCache
        The cache returned by :func:`layernorm_forward`.

    Returns
    -------
    dx : ndarray of float, shape (..., D)
    dgamma, dbeta : ndarray of float, shape (D,)

    Examples
    --------
    >>> out, cache = layernorm_forward(np.array([[1.0, 3.0]]), np.ones(2), np.zeros(2))
    >>> dx, dgamma, dbeta = layernorm_backward(np.ones((1, 2)), cache)
    >>> dx, dbeta  # shifting every feature of a row is normalized away
    (array([[0., 0.]]), array([1., 1.]))
    """
    if not isinstance(cache, LayerNormCache):
        raise TypeError(
            f"cache must be the LayerNormCache returned by layernorm_forward, got {type(cache).__name__}"
        )
    xhat, gamma, inv_std = cache
    dout = as_float_array(dout, "dout")
    check_same_shape(dout, "dout", xhat, "the forward output")
    d = xhat.shape[-1]
    g = dout * gamma  # dL/dxhat
    g_sum = g.sum(axis=-1, keepdims=True)
    gx_sum = (g * xhat).sum(axis=-1, keepdims=True)
    dx = (inv_std / d) * (d * g - g_sum - xhat * gx_sum)
    rows = tuple(range(dout.ndim - 1))  # every axis but the features
    return dx, (dout * xhat).sum(axis=rows), dout.sum(axis=rows)


# ------------------------------------------------------------ dropout and noise


def _check_noise_args(x, training, rng):
    """Validate the arguments every noise layer shares; return ``x`` as a float array."""
    x = as_float_array(x, "x")
    if not isinstance(training, (bool, np.bool_)):
        raise TypeError(f"training must be a bool, got {type(training).__name__} {training!r}")
    check_rng(rng)
    return x


class DropoutCache(NamedTuple):
    """What :func:`dropout_backward` needs from :func:`dropout_forward`."""

    mask: np.ndarray | None
    """``True`` where an entry was kept, same shape as ``x``; ``None`` in eval mode."""
    scale: float
    """Factor of the kept entries: :math:`1/(1-p)`, 0 when ``p = 1``, 1 in eval mode."""
    shape: tuple[int, ...]
    """Shape of ``x``."""


def dropout_forward(
    x: np.ndarray, p: float, *, training: bool, rng: np.random.Generator
) -> tuple[np.ndarray, DropoutCache]:
    r"""Inverted dropout, like ``torch.nn.functional.dropout(x, p, training)``.

    In training, every entry is kept with probability :math:`1 - p` and
    zeroed otherwise, and the kept entries are scaled up by
    :math:`1/(1-p)`:

    .. math::

        m_i \sim \text{Bernoulli}(1 - p), \qquad
        \text{out}_i = \frac{m_i\, x_i}{1 - p}, \qquad
        \mathbb{E}[\text{out}_i] = x_i

    The scaling keeps every unit's expected output what it is in
    evaluation, where the layer is the identity, so nothing needs to
    change at test time.

    Parameters
    ----------
    x : ndarray of float, any shape
        Input, e.g. a hidden layer's activations of shape ``(N, D)``.
    p : float
        Probability of **dropping** an entry (torch's convention), in
        ``[0, 1]``.  ``p=0`` keeps everything (``out`` is a copy of ``x``);
        ``p=1`` drops everything (``out`` is 0, as in torch).
    training : bool
        Drop (``True``) or pass ``x`` through unchanged (``False``).
    rng : numpy.random.Generator
        Source of the mask; required in both modes, so that a call
        switches mode by its ``training`` flag alone.

    Returns
    -------
    out : ndarray of float, same shape as ``x``
    cache : DropoutCache
        The mask and the scale, for :func:`dropout_backward`.

    References
    ----------
    Srivastava, N., Hinton, G., Krizhevsky, A., Sutskever, I. and
    Salakhutdinov, R. (2014). Dropout: a simple way to prevent neural
    networks from overfitting. *JMLR*, 15, 1929-1958.

    Examples
    --------
    >>> x = np.ones((2, 4))
    >>> out, cache = dropout_forward(x, 0.5, training=True, rng=np.random.default_rng(0))
    >>> out  # kept entries are doubled
    array([[2., 0., 0., 0.],
           [2., 2., 2., 2.]])
    >>> dropout_forward(x, 0.5, training=False, rng=np.random.default_rng(0))[0]
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.]])
    """
    x = _check_noise_args(x, training, rng)
    p = check_number(p, "p")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    if not training:
        return x.copy(), DropoutCache(None, 1.0, x.shape)
    mask = rng.random(x.shape) >= p  # True with probability 1 - p
    scale = 1.0 / (1.0 - p) if p < 1.0 else 0.0  # p = 1 drops everything
    return x * mask * scale, DropoutCache(mask, scale, x.shape)


def dropout_backward(dout: np.ndarray, cache: DropoutCache) -> np.ndarray:
    r"""Backward pass of :func:`dropout_forward`.

    The forward multiplies every entry by a constant, :math:`m_i/(1-p)`
    in training and 1 in evaluation, so the backward multiplies by the
    same constant:

    .. math::

        \frac{\partial L}{\partial x_i} = \frac{m_i}{1 - p}\,\delta_i

    Parameters
    ----------
    dout : ndarray of float, same shape as the forward's ``x``
        Upstream gradient :math:`\delta`.
    cache : DropoutCache
        The cache returned by :func:`dropout_forward`.

    Returns
    -------
    dx : ndarray of float, same shape as ``dout``

    Examples
    --------
    >>> x = np.ones((1, 4))
    >>> out, cache = dropout_forward(x, 0.5, training=True, rng=np.random.default_rng(0))
    >>> dropout_backward(np.ones((1, 4)), cache)  # the dropped entries get no gradient
    array([[2., 0., 0., 0.]])
    """
    if not isinstance(cache, DropoutCache):
        raise TypeError("cache must be the DropoutCache returned by "
                        f"dropout_forward, got {type(cache).__name__}")
    dout = as_float_array(dout, "dout")
    check_shape(dout, "dout", cache.shape,
                meaning="(the shape of the forward input)")
    if cache.mask is None:  # eval mode: the identity
        return dout.copy()
    return dout * cache.mask * cache.scale


class GaussianNoiseCache(NamedTuple):
    """What :func:`gaussian_noise_backward` needs from :func:`gaussian_noise_forward`."""

    noise: np.ndarray | None
    """The noise added, same shape as ``x``; ``None`` in eval mode."""
    shape: tuple[int, ...]
    """Shape of ``x``."""


def gaussian_noise_forward(
    x: np.ndarray, std: float, *, training: bool, rng: np.random.Generator
) -> tuple[np.ndarray, GaussianNoiseCache]:
    r"""Add Gaussian noise in training, pass ``x`` through in evaluation.

    .. math::

        \text{out} = x + \varepsilon, \qquad
        \varepsilon_i \sim \mathcal{N}(0, \sigma^2)

    with :math:`\sigma` = ``std``.  Applied to the inputs, this is the
    "training with noise" regularizer.  For a linear model and the loss
    :math:`\frac12 (y - w^\top x)^2`, the noise adds
    :math:`\frac{\sigma^2}{2} \lVert w \rVert^2` to the expected loss:
    an L2 penalty with weight decay :math:`\sigma^2`; for other models,
    approximately so for small :math:`\sigma` (Bishop, 1995).  The
    output's expectation is ``x``, so evaluation needs no correction.

    Parameters
    ----------
    x : ndarray of float, any shape
        Input, e.g. ``(N, D)``.
    std : float
        :math:`\sigma \ge 0`; ``std=0`` adds nothing.
    training : bool
        Add noise (``True``) or return a copy of ``x`` (``False``).
    rng : numpy.random.Generator
        Source of the noise; required in both modes.

    Returns
    -------
    out : ndarray of float, same shape and dtype as ``x``
    cache : GaussianNoiseCache
        The noise, for :func:`gaussian_noise_backward` (and for plots).

    References
    ----------
    Bishop, C. M. (1995). Training with noise is equivalent to Tikhonov
    regularization. *Neural Computation*, 7(1), 108-116.

    Examples
    --------
    >>> x = np.zeros((1, 3))
    >>> out, cache = gaussian_noise_forward(x, 0.1, training=True, rng=np.random.default_rng(0))
    >>> np.round(out, 4)
    array([[ 0.0126, -0.0132,  0.064 ]])
    """
    x = _check_noise_args(x, training, rng)
    std = check_number(std, "std", low=0.0)
    if not training:
        return x.copy(), GaussianNoiseCache(None, x.shape)
    noise = (std * rng.standard_normal(x.shape)).astype(x.dtype, copy=False)
    return x + noise, GaussianNoiseCache(noise, x.shape)


def gaussian_noise_backward(dout: np.ndarray, cache: GaussianNoiseCache) -> np.ndarray:
    r"""Backward pass of :func:`gaussian_noise_forward`: :math:`\partial L/\partial x = \delta`.

    The noise is added, not multiplied, so it does not depend on ``x``
    and the gradient passes through unchanged in both modes.

    Parameters
    ----------
    dout : ndarray of float, same shape as the forward's ``x``
        Upstream gradient :math:`\delta`.
    cache : GaussianNoiseCache
        The cache returned by :func:`gaussian_noise_forward`.

    Returns
    -------
    dx : ndarray of float, same shape as ``dout`` (a copy)

    Examples
    --------
    >>> out, cache = gaussian_noise_forward(np.zeros((1, 2)), 1.0, training=True, rng=np.random.default_rng(0))
    >>> gaussian_noise_backward(np.array([[1.0, -2.0]]), cache)
    array([[ 1., -2.]])
    """
    if not isinstance(cache, GaussianNoiseCache):
        raise TypeError(
            f"cache must be the GaussianNoiseCache returned by gaussian_noise_forward, got {type(cache).__name__}"
        )
    dout = as_float_array(dout, "dout")
    check_shape(dout, "dout", cache.shape, meaning="(the shape of the forward input)")
    return dout.copy()
