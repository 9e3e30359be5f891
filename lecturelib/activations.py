"""Elementwise activation functions and their derivatives.

Each activation ``fn(x)`` sits next to its derivative ``fn_grad(x)``, the
derivative with respect to the input, evaluated at the *input* ``x`` (not at
the output).  A backward pass multiplies it by the upstream gradient:
``dx = dout * fn_grad(x)``.  Settings are keyword-only and carry torch's
names and defaults (``negative_slope``, ``alpha``, ``approximate``,
``beta``, ``threshold``); ``fn_grad`` takes the same keywords as ``fn``.

=====================================  ==========================================
here                                   torch counterpart
=====================================  ==========================================
:func:`sigmoid`                        ``torch.sigmoid``, ``nn.Sigmoid``
:func:`tanh`                           ``torch.tanh``, ``nn.Tanh``
:func:`relu`                           ``F.relu``, ``nn.ReLU``
:func:`identity`                       ``nn.Identity``
:func:`leaky_relu`                     ``F.leaky_relu``, ``nn.LeakyReLU``
:func:`elu`                            ``F.elu``, ``nn.ELU``
:func:`gelu`                           ``F.gelu``, ``nn.GELU``
:func:`softplus`                       ``F.softplus``, ``nn.Softplus``
:func:`prelu`, :func:`prelu_backward`  ``F.prelu``, ``nn.PReLU``
=====================================  ==========================================

(``F`` is ``torch.nn.functional``.)  Where an activation has a kink, the
derivative there is the value torch's autograd returns: ``relu_grad(0) = 0``,
``leaky_relu_grad(0) = negative_slope``, ``elu_grad(0) = alpha`` and PReLU's
slope at 0 is its ``weight``: in every case the derivative from the left,
because torch's kernels test ``x > 0`` and send 0 to the negative branch.

The registry :data:`ACTIVATIONS` maps a name to the pair ``(fn, grad)``,
called with torch's default settings; :func:`lecturelib.layers.activation_forward`
and :class:`lecturelib.mlp.MLP` look activations up there.  A chapter adds a
new one with a plain assignment, and another setting with
:func:`functools.partial`::

    ACTIVATIONS["swish"] = (swish, swish_grad)

PReLU and maxout are *not* in the registry: they are layers with parameters
of their own (PReLU's slopes ``weight``, maxout's affine pieces), so their
backward passes return parameter gradients too.  PReLU is here as
:func:`prelu` / :func:`prelu_backward`; maxout is
:func:`lecturelib.layers.maxout_forward` / ``maxout_backward``
(torch: :class:`lecturelib.torchkit.models.Maxout`; torch has no built-in).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ._validation import as_float_array, check_number, check_option

__all__ = [
    "sigmoid",
    "sigmoid_grad",
    "tanh",
    "tanh_grad",
    "relu",
    "relu_grad",
    "identity",
    "identity_grad",
    "leaky_relu",
    "leaky_relu_grad",
    "elu",
    "elu_grad",
    "gelu",
    "gelu_grad",
    "GELU_APPROXIMATIONS",
    "softplus",
    "softplus_grad",
    "prelu",
    "prelu_backward",
    "ACTIVATIONS",
    "get_activation",
]

ArrayFn = Callable[[np.ndarray], np.ndarray]


def sigmoid(x: np.ndarray) -> np.ndarray:
    r"""Logistic sigmoid, computed without overflow (like ``torch.sigmoid``).

    .. math::

        \sigma(x) = \frac{1}{1 + e^{-x}}
                  = \begin{cases} \frac{1}{1 + e^{-x}} & x \ge 0 \\
                                  \frac{e^{x}}{1 + e^{x}} & x < 0 \end{cases}

    Both branches only ever exponentiate ``-|x|``, so ``exp`` never overflows.

    Parameters
    ----------
    x : ndarray of float, any shape
        Pre-activations.

    Returns
    -------
    ndarray of float, same shape as ``x``
        Values in ``[0, 1]``.

    Examples
    --------
    >>> sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    """
    x = as_float_array(x, "x")
    z = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def sigmoid_grad(x: np.ndarray) -> np.ndarray:
    r"""Derivative of :func:`sigmoid` at ``x``: :math:`\sigma'(x) = \sigma(x)\,(1 - \sigma(x))`.

    Parameters
    ----------
    x : ndarray of float, any shape
        Pre-activations (the input of the forward pass).

    Returns
    -------
    ndarray of float, same shape as ``x``
        Values in ``[0, 1/4]``.

    Examples
    --------
    >>> sigmoid_grad(np.array([0.0]))
    array([0.25])
    """
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh(x: np.ndarray) -> np.ndarray:
    r"""Hyperbolic tangent, :math:`\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}` (``np.tanh`` is stable).

    Parameters
    ----------
    x : ndarray of float, any shape
        Pre-activations.

    Returns
    -------
    ndarray of float, same shape as ``x``
        Values in ``[-1, 1]``.

    Examples
    --------
    >>> tanh(np.array([-1000.0, 0.0, 1000.0]))
    array([-1.,  0.,  1.])
    """
    x = as_float_array(x, "x")
    return np.tanh(x)


def tanh_grad(x: np.ndarray) -> np.ndarray:
    r"""Derivative of :func:`tanh` at ``x``: :math:`\tanh'(x) = 1 - \tanh^2(x)`.

    Parameters
    ----------
    x : ndarray of float, any shape
        Pre-activations (the input of the forward pass).

    Returns
    -------
    ndarray of float, same shape as ``x``
        Values in ``[0, 1]``.

    Examples
    --------
    >>> tanh_grad(np.array([0.0]))
    array([1.])
    """
    t = tanh(x)
    return 1.0 - t * t


def relu(x: np.ndarray) -> np.ndarray:
    r"""Rectified linear unit, :math:`\operatorname{relu}(x) = \max(x, 0)`.

    Parameters
    ----------
    x : ndarray of float, any shape
        Pre-activations.

    Returns
    -------
    ndarray of float, same shape as ``x``

    References
    ----------
    Nair, V. and Hinton, G. E. (2010). Rectified linear units improve
    restricted Boltzmann machines. *ICML*.

    Examples
    --------
    >>> relu(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """
    x = as_float_array(x, "x")
    return np.maximum(x, 0.0)


def relu_grad(x: np.ndarray) -> np.ndarray:
    r"""Derivative of :func:`relu` at ``x``: 1 where ``x > 0``, else 0.

    .. math::

        \operatorname{relu}'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}

    Parameters
    ----------
    x : ndarray of float, any shape
        Pre-activations (the input of the forward pass).

    Returns
    -------
    ndarray of float, same shape and dtype as ``x``

    Notes
    -----
    ReLU has no derivative at 0; like torch's autograd we use 0 there.

    Examples
    --------
    >>> relu_grad(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 1.])
    """
    x = as_float_array(x, "x")
    return (x > 0).astype(x.dtype)


def identity(x: np.ndarray) -> np.ndarray:
    r"""Identity, :math:`f(x) = x` (a linear output layer); returns a copy.

    Parameters
    ----------
    x : ndarray of float, any shape

    Returns
    -------
    ndarray of float, same shape as ``x``

    Examples
    --------
    >>> identity(np.array([-2.0, 3.0]))
    array([-2.,  3.])
    """
    x = as_float_array(x, "x")
    return x.copy()


def identity_grad(x: np.ndarray) -> np.ndarray:
    r"""Derivative of :func:`identity`: :math:`f'(x) = 1` everywhere.

    Parameters
    ----------
    x : ndarray of float, any shape

    Returns
    -------
    ndarray of float, same shape and dtype as ``x``, all ones

    Examples
    --------
    >>> identity_grad(np.array([-2.0, 3.0]))
    array([1., 1.])
    """
    x = as_float_array(x, "x")
    return np.ones_like(x)


def leaky_relu(x: np.ndarray, *, negative_slope: float = 0.01) -> np.ndarray:
    r"""Leaky ReLU, like ``torch.nn.functional.leaky_relu``.

    .. math::

        \operatorname{leaky\_relu}(x) = \begin{cases} x & x > 0 \\ a\,x & x \le 0 \end{cases}

    with :math:`a` = ``negative_slope``.

    Parameters
    ----------
    x : ndarray of float, any shape
        Pre-activations.
    negative_slope : float, default 0.01
        The slope :math:`a` for negative inputs; any real number, as in torch.

    Returns
    -------
    ndarray of float, same shape and dtype as ``x``

    References
    ----------
    Maas, A. L., Hannun, A. Y. and Ng, A. Y. (2013). Rectifier nonlinearities
    improve neural network acoustic models. *ICML Workshop on Deep Learning
    for Audio, Speech and Language Processing*.

    Examples
    --------
    >>> leaky_relu(np.array([-2.0, 0.0, 3.0]))
    array([-0.02,  0.  ,  3.  ])
    >>> leaky_relu(np.array([-2.0, 3.0]), negative_slope=0.2)
    array([-0.4,  3. ])
    """
    x = as_float_array(x, "x")
    negative_slope = check_number(negative_slope, "negative_slope")
    return np.where(x > 0, x, negative_slope * np.minimum(x, 0.0))  # a slope > 1 never meets a huge x > 0


def leaky_relu_grad(x: np.ndarray, *, negative_slope: float = 0.01) -> np.ndarray:
    r"""Derivative of :func:`leaky_relu` at ``x``: 1 where ``x > 0``, else ``negative_slope``.

    .. math::

        \operatorname{leaky\_relu}'(x) = \begin{cases} 1 & x > 0 \\ a & x \le 0 \end{cases}

    Parameters
    ----------
    x : ndarray of float, any shape
        Pre-activations (the input of the forward pass).
    negative_slope : float, default 0.01
        As in :func:`leaky_relu`.

    Returns
    -------
    ndarray of float, same shape and dtype as ``x``

    Notes
    -----
    At the kink ``x = 0`` the value is ``negative_slope``, as torch's autograd
    returns.

    Examples
    --------
    >>> leaky_relu_grad(np.array([-2.0, 0.0, 3.0]))
    array([0.01, 0.01, 1.  ])
    """
    x = as_float_array(x, "x")
    negative_slope = check_number(negative_slope, "negative_slope")
    return np.where(x > 0, 1.0, negative_slope).astype(x.dtype)


def elu(x: np.ndarray, *, alpha: float = 1.0) -> np.ndarray:
    r"""Exponential linear unit, like ``torch.nn.functional.elu``.

    .. math::

        \operatorname{elu}(x) = \begin{cases} x & x > 0 \\ \alpha\,(e^{x} - 1) & x \le 0 \end{cases}

    ``np.where`` evaluates both branches on the whole array, so the
    exponential is taken of ``min(x, 0)`` only: ``exp(1000)`` would overflow
    even though its branch is discarded.  ``expm1`` keeps :math:`e^x - 1`
    accurate for small :math:`|x|` (torch uses it too).

    Parameters
    ----------
    x : ndarray of float, any shape
        Pre-activations.
    alpha : float, default 1.0
        The negative saturation value :math:`-\alpha`; any real number, as in torch.

    Returns
    -------
    ndarray of float, same shape and dtype as ``x``
        Values in :math:`(-\alpha, \infty)` for :math:`\alpha > 0`.

    References
    ----------
    Clevert, D.-A., Unterthiner, T. and Hochreiter, S. (2016). Fast and
    accurate deep network learning by exponential linear units (ELUs). *ICLR*.

    Examples
    --------
    >>> elu(np.array([-1000.0, 0.0, 1000.0]))
    array([  -1.,    0., 1000.])
    """
    x = as_float_array(x, "x")
    alpha = check_number(alpha, "alpha")
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def elu_grad(x: np.ndarray, *, alpha: float = 1.0) -> np.ndarray:
    r"""Derivative of :func:`elu` at ``x``: 1 where ``x > 0``, else :math:`\alpha e^{x}`.

    .. math::

        \operatorname{elu}'(x) = \begin{cases} 1 & x > 0 \\ \alpha\,e^{x} & x \le 0 \end{cases}

    Parameters
    ----------
    x : ndarray of float, any shape
        Pre-activations (the input of the forward pass).
    alpha : float, default 1.0
        As in :func:`elu`.

    Returns
    -------
    ndarray of float, same shape and dtype as ``x``

    Notes
    -----
    At ``x = 0`` the value is :math:`\alpha` (torch's autograd); the
    function has a kink there unless :math:`\alpha = 1`.  For
    :math:`x \le 0` the derivative also equals :math:`\operatorname{elu}(x) + \alpha`,
    the form torch uses when only the output is kept.

    Examples
    --------
    >>> elu_grad(np.array([-1000.0, 0.0, 1000.0]), alpha=2.0)
    array([0., 2., 1.])
    """
    x = as_float_array(x, "x")
    alpha = check_number(alpha, "alpha")
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


#: Allowed values of ``approximate`` in :func:`gelu`, as in ``torch.nn.functional.gelu``.
GELU_APPROXIMATIONS = ("none", "tanh")

# C's M_SQRT1_2, M_SQRT2 and M_2_SQRTPI, the constants torch's GELU kernels are written with
_SQRT1_2 = 0.70710678118654752440
_SQRT2 = 1.41421356237309504880
_2_SQRTPI = 1.12837916709551257390
_INV_SQRT_2PI = _2_SQRTPI * _SQRT1_2 * 0.5  # 1 / sqrt(2 pi), the peak of the normal density
_TANH_BETA = _SQRT2 * _2_SQRTPI * 0.5  # sqrt(2 / pi)
_TANH_KAPPA = 0.044715  # Hendrycks and Gimpel's cubic coefficient
# Past |x| = 10 the tanh argument exceeds 43, where tanh is exactly +-1 in float32 and
# float64; clipping there changes no value but keeps x**3 from overflowing at |x| ~ 1e103.
_TANH_CLIP = 10.0
# Past |x| = 40 the normal density exp(-x**2 / 2) < exp(-800) is exactly 0 in floating point;
# clipping keeps x**2 from overflowing at |x| ~ 1e154.
_PDF_CLIP = 40.0
_erf_object = np.frompyfunc(math.erf, 1, 1)


def _erf(x: np.ndarray) -> np.ndarray:
    """The error function elementwise (numpy has none): ``math.erf`` on every entry."""
    return np.asarray(_erf_object(x), dtype=x.dtype)


def _gelu_tanh_inner(x: np.ndarray) -> np.ndarray:
    xc = np.clip(x, -_TANH_CLIP, _TANH_CLIP)
    return _TANH_BETA * (xc + _TANH_KAPPA * (xc * xc * xc))


def gelu(x: np.ndarray, *, approximate: str = "none") -> np.ndarray:
    r"""Gaussian error linear unit, like ``torch.nn.functional.gelu``.

    .. math::

        \operatorname{gelu}(x) = x\,\Phi(x)
            = \frac{x}{2}\Bigl(1 + \operatorname{erf}\bigl(x/\sqrt{2}\bigr)\Bigr)

    with :math:`\Phi` the standard normal CDF, or with ``approximate="tanh"``

    .. math::

        \operatorname{gelu}(x) \approx \frac{x}{2}\Bigl(1 + \tanh\bigl(\sqrt{2/\pi}\,
            (x + 0.044715\,x^3)\bigr)\Bigr).

    Parameters
    ----------
    x : ndarray of float, any shape
        Pre-activations.
    approximate : {"none", "tanh"}, default "none"
        ``"none"`` for the exact formula (the error function from
        :func:`math.erf`, entry by entry: numpy has no ``erf``), ``"tanh"``
        for the approximation.

    Returns
    -------
    ndarray of float, same shape and dtype as ``x``

    Notes
    -----
    Constants and order of operations are those of torch's CPU kernel.
    Where :math:`|x| > 10` the tanh is exactly :math:`\pm 1`; the cubic is
    evaluated on ``x`` clipped to :math:`[-10, 10]` there, which changes no
    value and keeps :math:`x^3` finite for every float.

    References
    ----------
    Hendrycks, D. and Gimpel, K. (2016). Gaussian error linear units (GELUs).
    *arXiv:1606.08415*.

    Examples
    --------
    >>> gelu(np.array([-3.0, 0.0, 1.0, 3.0])).round(4)
    array([-0.004 ,  0.    ,  0.8413,  2.996 ])
    >>> gelu(np.array([-1000.0, 1000.0]))
    array([  -0., 1000.])
    >>> gelu(np.array([1.0]), approximate="tanh").round(4)
    array([0.8412])
    """
    x = as_float_array(x, "x")
    approximate = check_option(approximate, "approximate", GELU_APPROXIMATIONS)
    if approximate == "tanh":
        return 0.5 * x * (1.0 + np.tanh(_gelu_tanh_inner(x)))
    return x * 0.5 * (1.0 + _erf(x * _SQRT1_2))


def gelu_grad(x: np.ndarray, *, approximate: str = "none") -> np.ndarray:
    r"""Derivative of :func:`gelu` at ``x``.

    .. math::

        \operatorname{gelu}'(x) = \Phi(x) + x\,\varphi(x), \qquad
        \varphi(x) = \frac{e^{-x^2/2}}{\sqrt{2\pi}}

    and with ``approximate="tanh"``, writing :math:`u = \sqrt{2/\pi}\,(x + 0.044715\,x^3)`,

    .. math::

        \frac{1 + \tanh u}{2} + \frac{x}{2}\,(1 - \tanh^2 u)\,\sqrt{2/\pi}\,(1 + 3 \cdot 0.044715\,x^2).

    Parameters
    ----------
    x : ndarray of float, any shape
        Pre-activations (the input of the forward pass).
    approximate : {"none", "tanh"}, default "none"
        As in :func:`gelu`.

    Returns
    -------
    ndarray of float, same shape and dtype as ``x``
        Values in about :math:`[-0.17, 1.13]`: GELU is not monotonic.

    Notes
    -----
    The formulas are torch's backward kernels.  Beyond :math:`|x| > 40`
    the density :math:`\varphi` is evaluated at ``x`` clipped to
    :math:`\pm 40`, where it is already exactly 0, so :math:`x^2` never
    overflows; the same holds for the tanh form past :math:`|x| > 10`.
    There this function returns the limits 1 and 0 where torch's tanh form
    returns NaN (for :math:`|x| \gtrsim 10^{103}`, where its :math:`x^3` overflows).

    Examples
    --------
    >>> gelu_grad(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    """
    x = as_float_array(x, "x")
    approximate = check_option(approximate, "approximate", GELU_APPROXIMATIONS)
    if approximate == "tanh":
        xc = np.clip(x, -_TANH_CLIP, _TANH_CLIP)
        t = np.tanh(_gelu_tanh_inner(x))
        left_derivative = 0.5 * (1.0 + t)
        inner_derivative = _TANH_BETA * (1.0 + 3.0 * _TANH_KAPPA * (xc * xc))
        return left_derivative + 0.5 * x * (1.0 - t * t) * inner_derivative
    cdf = 0.5 * (1.0 + _erf(x * _SQRT1_2))
    xc = np.clip(x, -_PDF_CLIP, _PDF_CLIP)
    pdf = _INV_SQRT_2PI * np.exp(xc * xc * -0.5)
    return cdf + x * pdf


def _check_beta(beta: float) -> float:
    beta = check_number(beta, "beta")
    if beta == 0.0:
        raise ValueError(f"beta must be nonzero (softplus divides by it), got {beta}")
    return beta


def _scaled(x: np.ndarray, beta: float) -> np.ndarray:
    # beta * x overflows only where |x| is near the largest float; it becomes
    # +-inf there, which is past any threshold (the result is x) or gives 0.
    with np.errstate(over="ignore"):
        return beta * x


def softplus(x: np.ndarray, *, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    r"""Softplus, a smooth ReLU, like ``torch.nn.functional.softplus``.

    .. math::

        \operatorname{softplus}(x) = \begin{cases}
            \frac{1}{\beta}\log\bigl(1 + e^{\beta x}\bigr) & \beta x \le \text{threshold} \\
            x & \beta x > \text{threshold} \end{cases}

    Past the threshold the two differ by less than :math:`e^{-\text{threshold}}/\beta`,
    and torch returns ``x`` itself.  The logarithm is computed as
    :math:`\max(\beta x, 0) + \log(1 + e^{-|\beta x|})`, which never
    exponentiates a positive number.

    Parameters
    ----------
    x : ndarray of float, any shape
        Pre-activations.
    beta : float, default 1.0
        Sharpness :math:`\beta`, nonzero (torch returns inf or NaN for 0).
    threshold : float, default 20.0
        Above ``beta * x > threshold`` the function is the identity.

    Returns
    -------
    ndarray of float, same shape and dtype as ``x``
        Positive values for :math:`\beta > 0` (down to 0 by underflow).

    Notes
    -----
    torch evaluates :math:`\log(1 + e^{\beta x})` directly, which is finite
    only because the threshold stops it at :math:`\beta x \le 20`; the form
    here stays finite for any threshold and agrees with torch's to rounding.

    References
    ----------
    Dugas, C., Bengio, Y., Belisle, F., Nadeau, C. and Garcia, R. (2001).
    Incorporating second-order functional knowledge for better option
    pricing. *NeurIPS*.

    Examples
    --------
    >>> softplus(np.array([-1000.0, 0.0, 30.0])).round(4)
    array([ 0.    ,  0.6931, 30.    ])
    """
    x = as_float_array(x, "x")
    beta = _check_beta(beta)
    threshold = check_number(threshold, "threshold")
    bx = _scaled(x, beta)
    smooth = (np.maximum(bx, 0.0) + np.log1p(np.exp(-np.abs(bx)))) / beta
    return np.where(bx > threshold, x, smooth)


def softplus_grad(x: np.ndarray, *, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    r"""Derivative of :func:`softplus` at ``x``: :math:`\sigma(\beta x)`, or 1 past the threshold.

    .. math::

        \operatorname{softplus}'(x) = \begin{cases}
            \sigma(\beta x) = \frac{e^{\beta x}}{1 + e^{\beta x}} & \beta x \le \text{threshold} \\
            1 & \beta x > \text{threshold} \end{cases}

    The threshold applies here too, as in torch's backward: the derivative
    of what the forward returned.

    Parameters
    ----------
    x : ndarray of float, any shape
        Pre-activations (the input of the forward pass).
    beta, threshold : float
        As in :func:`softplus`.

    Returns
    -------
    ndarray of float, same shape and dtype as ``x``
        Values in ``[0, 1]``.

    Examples
    --------
    >>> softplus_grad(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    """
    x = as_float_array(x, "x")
    beta = _check_beta(beta)
    threshold = check_number(threshold, "threshold")
    bx = _scaled(x, beta)
    z = np.exp(-np.abs(bx))  # the stable sigmoid of sigmoid(), without its input checks (bx may be inf)
    s = np.where(bx >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
    return np.where(bx > threshold, 1.0, s)


def _prelu_weight(x: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Check ``weight`` against ``x`` and return it shaped to broadcast along channel axis 1."""
    weight = as_float_array(weight, "weight", ndim=1)
    channels = x.shape[1] if x.ndim >= 2 else 1
    if weight.shape not in ((1,), (channels,)):
        raise ValueError(
            f"weight must have shape (1,) or (C,) = ({channels},), C = x.shape[1] the number of channels, "
            f"got shape {weight.shape} for x.shape={x.shape}"
        )
    shape = [1] * x.ndim
    if x.ndim >= 2:
        shape[1] = weight.shape[0]
    return weight.reshape(shape)


def prelu(x: np.ndarray, weight: np.ndarray) -> np.ndarray:
    r"""Parametric ReLU, like ``torch.nn.functional.prelu``: a leaky ReLU whose slope is learned.

    .. math::

        \operatorname{prelu}(x)_{n c \ldots} = \begin{cases} x_{n c \ldots} & x_{n c \ldots} > 0 \\
            a_c\, x_{n c \ldots} & x_{n c \ldots} \le 0 \end{cases}

    One slope for every entry (``weight`` of shape ``(1,)``) or one per
    channel, channels along axis 1 as in torch (``(N, C)``, ``(N, C, L)``, ...).

    Parameters
    ----------
    x : ndarray of float, any shape
        Pre-activations; axis 1 holds the channels.  Inputs with fewer than
        two axes have one channel.
    weight : ndarray of float, shape (1,) or (C,)
        The slopes :math:`a`, ``C = x.shape[1]``; ``nn.PReLU`` starts them at 0.25.

    Returns
    -------
    ndarray of float, same shape as ``x``

    Raises
    ------
    ValueError
        If ``weight`` has neither shape ``(1,)`` nor ``(C,)``.

    References
    ----------
    He, K., Zhang, X., Ren, S. and Sun, J. (2015). Delving deep into
    rectifiers: surpassing human-level performance on ImageNet
    classification. *ICCV*.

    Examples
    --------
    >>> prelu(np.array([[-2.0, -2.0], [1.0, 3.0]]), np.array([0.25, 0.5]))
    array([[-0.5, -1. ],
           [ 1. ,  3. ]])
    """
    x = as_float_array(x, "x")
    w = _prelu_weight(x, weight)
    return np.where(x > 0, x, w * np.minimum(x, 0.0))  # a slope > 1 never meets a huge x > 0


def prelu_backward(dout: np.ndarray, x: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Backward pass of :func:`prelu`: the gradients with respect to ``x`` and ``weight``.

    .. math::

        \frac{\partial L}{\partial x} = \begin{cases} \delta & x > 0 \\ a_c\,\delta & x \le 0 \end{cases},
        \qquad
        \frac{\partial L}{\partial a_c} = \sum_{x_{n c \ldots} \le 0} x_{n c \ldots}\, \delta_{n c \ldots}

    where :math:`\delta` is ``dout``; with one shared slope the sum runs over
    every entry.

    Parameters
    ----------
    dout : ndarray of float, same shape as ``x``
        Upstream gradient.
    x : ndarray of float, any shape
        The forward's input.
    weight : ndarray of float, shape (1,) or (C,)
        The forward's slopes.

    Returns
    -------
    dx : ndarray of float, same shape as ``x``
    dweight : ndarray of float, same shape as ``weight``

    Notes
    -----
    At ``x = 0`` the slope is ``weight`` (torch's autograd); that entry adds
    nothing to ``dweight`` since its ``x`` is 0.

    Examples
    --------
    >>> x, weight = np.array([[-2.0, 1.0], [-4.0, 3.0]]), np.array([0.25])
    >>> prelu_backward(np.ones_like(x), x, weight)
    (array([[0.25, 1.  ],
           [0.25, 1.  ]]), array([-6.]))
    """
    x = as_float_array(x, "x")
    w = _prelu_weight(x, weight)
    dout = as_float_array(dout, "dout")
    if dout.shape != x.shape:
        raise ValueError(f"dout must have the shape of x, {x.shape}, got shape {dout.shape}")
    dx = np.where(x > 0, dout, w * dout)
    per_entry = np.where(x > 0, 0.0, np.minimum(x, 0.0) * dout)
    shared_axes = tuple(axis for axis in range(x.ndim) if w.shape[axis] == 1)
    dweight = per_entry.sum(axis=shared_axes).reshape(np.shape(weight))
    return dx, dweight


#: Activation name -> ``(fn, grad)``; ``grad`` is evaluated at the input ``x``.
#: Both are called as ``fn(x)``, i.e. with torch's default settings.
ACTIVATIONS: dict[str, tuple[ArrayFn, ArrayFn]] = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "identity": (identity, identity_grad),
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "elu": (elu, elu_grad),
    "gelu": (gelu, gelu_grad),
    "softplus": (softplus, softplus_grad),
}


def get_activation(name: str) -> tuple[ArrayFn, ArrayFn]:
    """Look up an activation and its derivative in :data:`ACTIVATIONS`.

    Parameters
    ----------
    name : str
        A key of :data:`ACTIVATIONS`, e.g. ``"relu"``.

    Returns
    -------
    fn, grad : callable
        ``fn(x)`` and its derivative ``grad(x)``, both elementwise.

    Raises
    ------
    ValueError
        If ``name`` is not registered; the message lists the allowed names.

    Examples
    --------
    >>> fn, grad = get_activation("relu")
    >>> fn(np.array([-1.0, 2.0])), grad(np.array([-1.0, 2.0]))
    (array([0., 2.]), array([0., 1.]))
    """
    check_option(name, "activation", ACTIVATIONS)
    return ACTIVATIONS[name]
