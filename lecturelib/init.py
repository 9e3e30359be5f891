"""Weight initialisation: a NumPy mirror of :mod:`torch.nn.init`.

Every function here returns a fresh ``float64`` array of the requested
``shape`` instead of filling a tensor in place, but names, defaults, gains and
the fan computation are torch's, so ``tests/test_init.py`` can compare the
two.  Shapes follow torch's layouts: a linear weight is
``(out_features, in_features)`` and a convolution weight is
``(out_channels, in_channels, *kernel_size)``.

Randomness comes only through the keyword-only ``rng``
(:class:`numpy.random.Generator`); the global NumPy state is never used.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

import numpy as np

from ._validation import check_int, check_number, check_option, check_rng

__all__ = [
    "NONLINEARITIES",
    "FAN_MODES",
    "calculate_gain",
    "fan_in_and_fan_out",
    "zeros",
    "constant",
    "normal",
    "uniform",
    "xavier_uniform",
    "xavier_normal",
    "kaiming_uniform",
    "kaiming_normal",
    "lecun_normal",
    "orthogonal",
    "linear_default",
    "linear_bias_default",
    "INITIALIZERS",
    "INITIALIZER_LABELS",
    "get_initializer",
]

#: Names accepted by :func:`calculate_gain` (torch's ``nn.functional`` names).
NONLINEARITIES: tuple[str, ...] = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "selu",
)

#: Values accepted for ``mode`` by the Kaiming initialisers.
FAN_MODES: tuple[str, ...] = ("fan_in", "fan_out")

#: Nonlinearities whose gain is 1 because the layer itself is linear.
_LINEAR_FNS: tuple[str, ...] = (
    "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
)
_LEAKY_RELU_DEFAULT_SLOPE = 0.01  # torch.nn.LeakyReLU's default negative_slope


def _check_shape_arg(shape: int | Sequence[int], name: str = "shape") -> tuple[int, ...]:
    """Return ``shape`` as a tuple of positive ints (a bare int means ``(n,)``)."""
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)) or len(shape) == 0:
        raise TypeError(f"{name} must be a non-empty tuple of positive ints, got {shape!r}")
    return tuple(check_int(s, f"{name}[{i}]", low=1) for i, s in enumerate(shape))


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    r"""Return the recommended gain for a nonlinearity, as ``torch.nn.init.calculate_gain``.

    ================================  ==============================================
    nonlinearity                      gain
    ================================  ==============================================
    linear, conv*d, conv_transpose*d  :math:`1`
    sigmoid                           :math:`1`
    tanh                              :math:`5/3`
    relu                              :math:`\sqrt{2}`
    leaky_relu                        :math:`\sqrt{2 / (1 + \text{negative\_slope}^2)}`
    selu                              :math:`3/4`
    ================================  ==============================================

    Parameters
    ----------
    nonlinearity : str
        One of :data:`NONLINEARITIES`.
    param : float, optional
        Negative slope for ``"leaky_relu"`` (default 0.01, as
        ``torch.nn.LeakyReLU``); ignored for every other nonlinearity, as in
        torch.

    Returns
    -------
    float
        The gain.

    Raises
    ------
    ValueError
        If ``nonlinearity`` is unknown (the message lists the allowed names) or
        ``param`` is not a real number.

    Notes
    -----
    The SELU value 3/4 is torch's empirical choice; for a self-normalising
    network use ``"linear"`` (gain 1, i.e. :func:`lecun_normal`) instead
    (Klambauer et al., 2017).

    References
    ----------
    He, K., Zhang, X., Ren, S. and Sun, J. (2015). Delving deep into
    rectifiers. *ICCV*.

    Examples
    --------
    >>> round(calculate_gain("leaky_relu", 0.2), 4)
    1.3868
    """
    nonlinearity = check_option(nonlinearity, "nonlinearity", NONLINEARITIES)
    if nonlinearity in _LINEAR_FNS or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = _LEAKY_RELU_DEFAULT_SLOPE
        elif isinstance(param, numbers.Real) and not isinstance(param, bool):
            negative_slope = float(param)
        else:
            raise ValueError(f"negative_slope (param) must be a real number, got {param!r}")
        return math.sqrt(2.0 / (1 + negative_slope**2))
    return 3.0 / 4  # selu


def fan_in_and_fan_out(shape: Sequence[int]) -> tuple[int, int]:
    r"""Return ``(fan_in, fan_out)`` of a weight of this shape, as torch computes them.

    For a weight of shape ``(out, in, k_1, ..., k_d)``

    .. math::
        \text{fan\_in} = \text{in} \prod_j k_j, \qquad
        \text{fan\_out} = \text{out} \prod_j k_j .

    Parameters
    ----------
    shape : tuple of int
        Weight shape with at least 2 dimensions, e.g. ``(out_features,
        in_features)`` or ``(out_channels, in_channels, kh, kw)``.

    Returns
    -------
    fan_in, fan_out : int

    Raises
    ------
    ValueError
        If ``shape`` has fewer than 2 dimensions.

    Examples
    --------
    >>> fan_in_and_fan_out((16, 3, 5, 5))
    (75, 400)
    """
    shape = _check_shape_arg(shape)
    if len(shape) < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for a shape with fewer than "
            f"2 dimensions, got shape {shape}"
        )
    receptive_field_size = math.prod(shape[2:])
    return shape[1] * receptive_field_size, shape[0] * receptive_field_size


def _correct_fan(shape: tuple[int, ...], mode: str) -> int:
    mode = mode.lower() if isinstance(mode, str) else mode  # torch lower-cases too
    mode = check_option(mode, "mode", FAN_MODES)
    fan_in, fan_out = fan_in_and_fan_out(shape)
    return fan_in if mode == "fan_in" else fan_out


def zeros(shape: Sequence[int], *, rng: np.random.Generator | None = None) -> np.ndarray:
    """Return an all-zero ``float64`` array, as ``torch.nn.init.zeros_``.

    Parameters
    ----------
    shape : tuple of int
        Output shape.
    rng : numpy.random.Generator, optional
        Ignored; accepted so that every entry of :data:`INITIALIZERS` can be
        called as ``fn(shape, rng=rng)``.

    Returns
    -------
    ndarray, shape ``shape``

    Examples
    --------
    >>> float(zeros((2, 3)).sum())
    0.0
    """
    shape = _check_shape_arg(shape)
    if rng is not None:
        check_rng(rng)
    return np.zeros(shape, dtype=np.float64)


def constant(shape: Sequence[int], val: float, *, rng: np.random.Generator | None = None) -> np.ndarray:
    """Return an array filled with ``val``, as ``torch.nn.init.constant_``.

    Parameters
    ----------
    shape : tuple of int
        Output shape.
    val : float
        Fill value.
    rng : numpy.random.Generator, optional
        Ignored; accepted so that ``partial(constant, val=0.1)`` can be called
        as ``fn(shape, rng=rng)`` like every initializer.

    Returns
    -------
    ndarray, shape ``shape``

    Examples
    --------
    >>> constant((2,), 0.5)
    array([0.5, 0.5])
    """
    shape = _check_shape_arg(shape)
    val = check_number(val, "val")
    if rng is not None:
        check_rng(rng)
    return np.full(shape, val, dtype=np.float64)


def normal(
    shape: Sequence[int], mean: float = 0.0, std: float = 1.0, *, rng: np.random.Generator
) -> np.ndarray:
    r"""Sample :math:`\mathcal{N}(\text{mean}, \text{std}^2)`, as ``torch.nn.init.normal_``.

    .. math::
        W_{ij} \sim \mathcal{N}(\text{mean}, \text{std}^2)

    Parameters
    ----------
    shape : tuple of int
        Output shape.
    mean : float, default 0.0
        Mean.
    std : float, default 1.0
        Standard deviation, ``>= 0``.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ndarray, shape ``shape``

    Examples
    --------
    >>> normal((256, 128), std=0.01, rng=np.random.default_rng(0)).shape
    (256, 128)
    """
    shape = _check_shape_arg(shape)
    std = check_number(std, "std", low=0.0)
    mean = check_number(mean, "mean")
    rng = check_rng(rng)
    return rng.normal(mean, std, size=shape).astype(np.float64, copy=False)


def uniform(
    shape: Sequence[int], a: float = 0.0, b: float = 1.0, *, rng: np.random.Generator
) -> np.ndarray:
    r"""Sample :math:`\mathcal{U}(a, b)`, as ``torch.nn.init.uniform_``.

    .. math::
        W_{ij} \sim \mathcal{U}(a, b), \qquad \operatorname{std} = \frac{b - a}{\sqrt{12}}

    Parameters
    ----------
    shape : tuple of int
        Output shape.
    a, b : float, default 0.0 and 1.0
        Lower and upper bound, ``a <= b``.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ndarray, shape ``shape``
        Values in ``[a, b)``.

    Examples
    --------
    >>> w = uniform((3, 4), -0.1, 0.1, rng=np.random.default_rng(0))
    >>> bool(np.all(np.abs(w) <= 0.1))
    True
    """
    shape = _check_shape_arg(shape)
    a = check_number(a, "a")
    b = check_number(b, "b")
    if a > b:
        raise ValueError(f"a must be <= b, got a={a} and b={b}")
    rng = check_rng(rng)
    return rng.uniform(a, b, size=shape).astype(np.float64, copy=False)


def xavier_uniform(
    shape: Sequence[int], gain: float = 1.0, *, rng: np.random.Generator
) -> np.ndarray:
    r"""Glorot/Xavier uniform initialisation, like torch's xavier_uniform_.

    .. math::
        W_{ij} \sim \mathcal{U}(-a, a), \qquad
        a = \text{gain} \sqrt{\frac{6}{\text{fan\_in} + \text{fan\_out}}}

    so that :math:`\operatorname{Var}(W) = 2\,\text{gain}^2 /
    (\text{fan\_in} + \text{fan\_out})`.

    Parameters
    ----------
    shape : tuple of int
        Weight shape, at least 2-D (see :func:`fan_in_and_fan_out`).
    gain : float, default 1.0
        Scaling factor, e.g. ``calculate_gain("tanh")``.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ndarray, shape ``shape``

    References
    ----------
    Glorot, X. and Bengio, Y. (2010). Understanding the difficulty of
    training deep feedforward neural networks. *AISTATS*.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> gain = calculate_gain("tanh")
    >>> xavier_uniform((128, 64), gain=gain, rng=rng).shape
    (128, 64)
    """
    shape = _check_shape_arg(shape)
    gain = check_number(gain, "gain")
    fan_in, fan_out = fan_in_and_fan_out(shape)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std  # a uniform on [-b, b] has std b / sqrt(3)
    return uniform(shape, -bound, bound, rng=rng)


def xavier_normal(
    shape: Sequence[int], gain: float = 1.0, *, rng: np.random.Generator
) -> np.ndarray:
    r"""Glorot/Xavier normal initialisation, as ``torch.nn.init.xavier_normal_``.

    .. math::
        W_{ij} \sim \mathcal{N}(0, \text{std}^2), \qquad
        \text{std} = \text{gain} \sqrt{\frac{2}{\text{fan\_in} + \text{fan\_out}}}

    Parameters
    ----------
    shape : tuple of int
        Weight shape, at least 2-D.
    gain : float, default 1.0
        Scaling factor.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ndarray, shape ``shape``

    References
    ----------
    Glorot, X. and Bengio, Y. (2010). Understanding the difficulty of training
    deep feedforward neural networks. *AISTATS*.

    Examples
    --------
    >>> xavier_normal((128, 64), rng=np.random.default_rng(0)).shape
    (128, 64)
    """
    shape = _check_shape_arg(shape)
    gain = check_number(gain, "gain")
    fan_in, fan_out = fan_in_and_fan_out(shape)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal(shape, std=std, rng=rng)


def _kaiming_std(shape: tuple[int, ...], a: float, mode: str, nonlinearity: str) -> float:
    a = check_number(a, "a")
    fan = _correct_fan(shape, mode)
    gain = calculate_gain(nonlinearity, a)
    return gain / math.sqrt(fan)


def kaiming_uniform(
    shape: Sequence[int],
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    *,
    rng: np.random.Generator,
) -> np.ndarray:
    r"""He/Kaiming uniform initialisation, as ``torch.nn.init.kaiming_uniform_``.

    .. math::
        W_{ij} \sim \mathcal{U}(-\text{bound}, \text{bound}), \qquad
        \text{bound} = \text{gain} \sqrt{\frac{3}{\text{fan\_mode}}}

    with ``gain = calculate_gain(nonlinearity, a)``.  With the defaults
    (``a=0``, ``"leaky_relu"``) the gain is :math:`\sqrt{2}`, i.e. ReLU's.

    Parameters
    ----------
    shape : tuple of int
        Weight shape, at least 2-D.
    a : float, default 0
        Negative slope of the rectifier after this layer (only used with
        ``"leaky_relu"``).
    mode : {"fan_in", "fan_out"}, default "fan_in"
        ``"fan_in"`` preserves the variance of activations in the forward
        pass, ``"fan_out"`` that of gradients in the backward pass.
    nonlinearity : str, default "leaky_relu"
        One of :data:`NONLINEARITIES`.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ndarray, shape ``shape``

    References
    ----------
    He, K., Zhang, X., Ren, S. and Sun, J. (2015). Delving deep into
    rectifiers: surpassing human-level performance on ImageNet
    classification. *ICCV*.

    Examples
    --------
    >>> kaiming_uniform((64, 32), nonlinearity="relu", rng=np.random.default_rng(0)).shape
    (64, 32)
    """
    shape = _check_shape_arg(shape)
    std = _kaiming_std(shape, a, mode, nonlinearity)
    bound = math.sqrt(3.0) * std
    return uniform(shape, -bound, bound, rng=rng)


def kaiming_normal(
    shape: Sequence[int],
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    *,
    rng: np.random.Generator,
) -> np.ndarray:
    r"""He/Kaiming normal initialisation, as ``torch.nn.init.kaiming_normal_``.

    .. math::
        W_{ij} \sim \mathcal{N}(0, \text{std}^2), \qquad
        \text{std} = \frac{\text{gain}}{\sqrt{\text{fan\_mode}}}

    with ``gain = calculate_gain(nonlinearity, a)``.

    Parameters
    ----------
    shape : tuple of int
        Weight shape, at least 2-D.
    a : float, default 0
        Negative slope of the rectifier (only used with ``"leaky_relu"``).
    mode : {"fan_in", "fan_out"}, default "fan_in"
        Which fan to normalise by.
    nonlinearity : str, default "leaky_relu"
        One of :data:`NONLINEARITIES`.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ndarray, shape ``shape``

    References
    ----------
    He, K., Zhang, X., Ren, S. and Sun, J. (2015). Delving deep into
    rectifiers: surpassing human-level performance on ImageNet
    classification. *ICCV*.

    Examples
    --------
    >>> kaiming_normal((64, 32), mode="fan_out", nonlinearity="relu", rng=np.random.default_rng(0)).shape
    (64, 32)
    """
    shape = _check_shape_arg(shape)
    std = _kaiming_std(shape, a, mode, nonlinearity)
    return normal(shape, std=std, rng=rng)


def lecun_normal(shape: Sequence[int], *, rng: np.random.Generator) -> np.ndarray:
    r"""LeCun normal initialisation, the one SELU networks need.

    .. math::
        W_{ij} \sim \mathcal{N}(0, \text{std}^2), \qquad
        \text{std} = \frac{1}{\sqrt{\text{fan\_in}}}

    It equals ``kaiming_normal(shape, nonlinearity="linear")``; torch has no
    separate function for it.

    Parameters
    ----------
    shape : tuple of int
        Weight shape, at least 2-D.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ndarray, shape ``shape``

    References
    ----------
    LeCun, Y., Bottou, L., Orr, G. B. and Müller, K.-R. (1998). Efficient
    BackProp. In *Neural Networks: Tricks of the Trade*.

    Klambauer, G., Unterthiner, T., Mayr, A. and Hochreiter, S. (2017).
    Self-normalizing neural networks. *NeurIPS*.

    Examples
    --------
    >>> lecun_normal((64, 32), rng=np.random.default_rng(0)).shape
    (64, 32)
    """
    shape = _check_shape_arg(shape)
    fan_in, _ = fan_in_and_fan_out(shape)
    return normal(shape, std=1.0 / math.sqrt(fan_in), rng=rng)


def orthogonal(shape: Sequence[int], gain: float = 1.0, *, rng: np.random.Generator) -> np.ndarray:
    r"""A (semi-)orthogonal matrix, as ``torch.nn.init.orthogonal_``.

    Draw :math:`A \in \mathbb{R}^{r \times c}` with standard-normal entries
    (``r = shape[0]``, ``c`` the product of the other dimensions), take its QR
    factorisation (of :math:`A^\top` when :math:`r < c`), and fix the signs so
    that the result is uniformly distributed over orthogonal matrices
    (Mezzadri, 2007):

    .. math::
        A = QR, \qquad W = \text{gain} \cdot Q \operatorname{diag}(\operatorname{sign} R_{ii}).

    The rows (if :math:`r \le c`) or the columns (if :math:`r \ge c`) of
    :math:`W / \text{gain}` are orthonormal, so every singular value equals
    ``gain``: the layer preserves the length of every vector in (or out of)
    its range exactly, not just on average as Xavier's and He's do.

    Parameters
    ----------
    shape : tuple of int
        Weight shape, at least 2-D; trailing dimensions are flattened.
    gain : float, default 1.0
        Scale of the result (e.g. ``calculate_gain("relu")``).
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ndarray, shape ``shape``

    References
    ----------
    Saxe, A. M., McClelland, J. L. and Ganguli, S. (2014). Exact solutions to
    the nonlinear dynamics of learning in deep linear neural networks. *ICLR*.

    Mezzadri, F. (2007). How to generate random matrices from the classical
    compact groups. *Notices of the AMS* 54(5).

    Examples
    --------
    >>> w = orthogonal((3, 5), rng=np.random.default_rng(0))
    >>> np.allclose(w @ w.T, np.eye(3))
    True
    """
    shape = _check_shape_arg(shape)
    if len(shape) < 2:
        raise ValueError(f"shape must have at least 2 dimensions, got {shape}")
    gain = check_number(gain, "gain")
    rng = check_rng(rng)
    rows = shape[0]
    cols = math.prod(shape[1:])
    a = rng.standard_normal((rows, cols))
    if rows < cols:
        a = a.T
    q, r = np.linalg.qr(a)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return gain * q.reshape(shape)


def linear_default(shape: Sequence[int], *, rng: np.random.Generator) -> np.ndarray:
    r"""The weight ``torch.nn.Linear`` (and ``Conv*d``) starts from.

    ``reset_parameters`` calls ``kaiming_uniform_(weight, a=sqrt(5))``, which
    gives gain :math:`\sqrt{2/(1+5)} = 1/\sqrt{3}` and hence

    .. math::
        W_{ij} \sim \mathcal{U}\left(-\frac{1}{\sqrt{\text{fan\_in}}},
        \frac{1}{\sqrt{\text{fan\_in}}}\right), \qquad
        \operatorname{Var}(W) = \frac{1}{3\,\text{fan\_in}} .

    Parameters
    ----------
    shape : tuple of int
        Weight shape ``(out_features, in_features)`` (or a conv shape).
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ndarray, shape ``shape``

    Notes
    -----
    That variance is a third of LeCun's :math:`1/\text{fan\_in}` and a sixth
    of He's :math:`2/\text{fan\_in}`: torch's default is *not* He
    initialisation (see pytorch/pytorch issue 57109).

    References
    ----------
    He, K., Zhang, X., Ren, S. and Sun, J. (2015). Delving deep into
    rectifiers. *ICCV*.

    Examples
    --------
    >>> w = linear_default((10, 4), rng=np.random.default_rng(0))
    >>> bool(np.all(np.abs(w) <= 0.5))
    True
    """
    return kaiming_uniform(shape, a=math.sqrt(5), rng=rng)


def linear_bias_default(fan_in: int, out_features: int, *, rng: np.random.Generator) -> np.ndarray:
    r"""The bias ``torch.nn.Linear`` starts from.

    .. math::
        b_i \sim \mathcal{U}\left(-\frac{1}{\sqrt{\text{fan\_in}}},
        \frac{1}{\sqrt{\text{fan\_in}}}\right)

    Parameters
    ----------
    fan_in : int
        Fan-in of the layer's weight (``in_features`` for a linear layer),
        ``>= 1``.
    out_features : int
        Number of biases, ``>= 1``.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ndarray, shape (out_features,)

    Examples
    --------
    >>> linear_bias_default(4, 10, rng=np.random.default_rng(0)).shape
    (10,)
    """
    fan_in = check_int(fan_in, "fan_in", low=1)
    out_features = check_int(out_features, "out_features", low=1)
    bound = 1 / math.sqrt(fan_in)
    return uniform((out_features,), -bound, bound, rng=rng)


#: The book's one list of weight initialisers: each can be called as
#: ``fn(shape, rng=rng)``.  :class:`~lecturelib.mlp.MLP`, the widgets and
#: :func:`lecturelib.torchkit.models.init_linear_layers_` (which calls
#: ``torch.nn.init`` by these names) all accept exactly these names.
#: ``"linear_default"`` means what ``torch.nn.Linear`` does at construction,
#: for the weight *and* the bias (:func:`linear_bias_default`); with every
#: other name the biases start at zero.
INITIALIZERS: dict[str, Callable[..., np.ndarray]] = {
    "zeros": zeros,
    "normal": normal,
    "uniform": uniform,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "kaiming_uniform": kaiming_uniform,
    "kaiming_normal": kaiming_normal,
    "lecun_normal": lecun_normal,
    "orthogonal": orthogonal,
    "linear_default": linear_default,
}


#: How the book names each initializer in a legend or a sentence.
INITIALIZER_LABELS: dict[str, str] = {
    "zeros": "zeros",
    "normal": "standard normal",
    "uniform": "uniform on [0, 1)",
    "xavier_uniform": "Xavier uniform",
    "xavier_normal": "Xavier normal",
    "kaiming_uniform": "He uniform",
    "kaiming_normal": "He normal",
    "lecun_normal": "LeCun normal",
    "orthogonal": "orthogonal",
    "linear_default": "PyTorch default",
}


def get_initializer(name: str) -> Callable[..., np.ndarray]:
    """Return the initialiser called ``name`` from :data:`INITIALIZERS`.

    Parameters
    ----------
    name : str
        One of the keys of :data:`INITIALIZERS`.

    Returns
    -------
    callable
        ``fn(shape, *, rng, ...)`` returning a ``float64`` array.

    Raises
    ------
    ValueError
        If ``name`` is unknown; the message lists the allowed names.

    Examples
    --------
    >>> get_initializer("xavier_normal")((4, 3), rng=np.random.default_rng(0)).shape
    (4, 3)
    """
    return INITIALIZERS[check_option(name, "name", INITIALIZERS)]
