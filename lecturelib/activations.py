"""Elementwise activation functions and their derivatives.

Each activation ``fn(x)`` sits next to its derivative ``fn_grad(x)``, the
derivative with respect to the input, evaluated at the *input* ``x`` (not at
the output).  A backward pass multiplies it by the upstream gradient:
``dx = dout * fn_grad(x)``.

The registry :data:`ACTIVATIONS` maps a name to the pair ``(fn, grad)``;
:func:`lecturelib.layers.activation_forward` looks activations up there.  A
chapter adds a new one with a plain assignment::

    ACTIVATIONS["leaky_relu"] = (leaky_relu, leaky_relu_grad)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._validation import as_float_array, check_option

__all__ = [
    "sigmoid",
    "sigmoid_grad",
    "tanh",
    "tanh_grad",
    "relu",
    "relu_grad",
    "identity",
    "identity_grad",
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


#: Activation name -> ``(fn, grad)``; ``grad`` is evaluated at the input ``x``.
ACTIVATIONS: dict[str, tuple[ArrayFn, ArrayFn]] = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "identity": (identity, identity_grad),
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
