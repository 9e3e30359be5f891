"""The baseline classifiers of MNIST-1D (Greydanus, 2020), as torch modules.

Three models of growing inductive bias, for inputs of shape ``(B, n_in)``
(one sequence per row) and logits of shape ``(B, n_classes)``:

- :func:`logistic_regression`: one linear layer;
- :func:`mlp`: fully connected ReLU layers (:func:`~lecturelib.torchkit.models.torch_mlp`);
- :func:`conv1d_net`: 1-D convolutions sharing weights along the sequence,
  then a linear head.

Each builder draws the initial weights from torch's default initialisation
under its own ``seed`` (torch's global generator is forked, so it is left as
it was), so a model is the same whichever cell builds it first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence

import torch
from torch import nn

from .._validation import check_int
from .models import torch_mlp

__all__ = ["logistic_regression", "mlp", "conv1d_net", "conv_output_length"]


def _seeded(build: Callable[[], nn.Module], seed: int) -> nn.Module:
    """``build()`` with torch's global generator seeded with ``seed``, then restored."""
    seed = check_int(seed, "seed", low=0, high=2**63 - 1)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


def logistic_regression(n_in: int = 40, n_classes: int = 10, *, seed: int = 0) -> nn.Linear:
    r"""Multinomial logistic regression: logits :math:`z = W x + b`.

    Trained with cross-entropy, :math:`\operatorname{softmax}(z)` is the
    predicted class distribution; the decision boundaries are hyperplanes.

    Parameters
    ----------
    n_in : int, default 40
        Input features, ``>= 1``.
    n_classes : int, default 10
        Classes, ``>= 2``.
    seed : int, default 0
        Seed of torch's default initialisation.

    Returns
    -------
    nn.Linear
        ``weight`` of shape ``(n_classes, n_in)``, ``bias`` of shape ``(n_classes,)``.

    References
    ----------
    Greydanus, S. (2020). Scaling down deep learning. arXiv:2011.14439.

    Examples
    --------
    >>> logistic_regression()
    Linear(in_features=40, out_features=10, bias=True)
    """
    n_in = check_int(n_in, "n_in", low=1)
    n_classes = check_int(n_classes, "n_classes", low=2)
    return _seeded(lambda: nn.Linear(n_in, n_classes), seed)


def mlp(
    n_in: int = 40, n_classes: int = 10, *, hidden: Sequence[int] = (100, 100),
    activation: str = "relu", seed: int = 0,
) -> nn.Sequential:
    r"""Fully connected network ``n_in - hidden[0] - ... - n_classes``.

    .. math::
        h^{(0)} = x, \qquad h^{(l)} = \phi(W^{(l)} h^{(l-1)} + b^{(l)}), \qquad
        z = W^{(L)} h^{(L-1)} + b^{(L)}

    The defaults are the MNIST-1D baseline, 40-100-100-10 with ReLU.  (The
    paper's code adds a skip connection around the second hidden layer;
    this is the plain network.)

    Parameters
    ----------
    n_in : int, default 40
    n_classes : int, default 10
    hidden : sequence of int, default (100, 100)
        Widths of the hidden layers, at least one.
    activation : str, default "relu"
        A name in :data:`~lecturelib.torchkit.models.TORCH_ACTIVATIONS`.
    seed : int, default 0
        Seed of torch's default initialisation.

    Returns
    -------
    nn.Sequential
        ``Linear, act, Linear, act, ..., Linear`` (see :func:`~lecturelib.torchkit.models.torch_mlp`).

    References
    ----------
    Greydanus, S. (2020). Scaling down deep learning. arXiv:2011.14439.

    Examples
    --------
    >>> net = mlp()
    >>> [layer.out_features for layer in net if isinstance(layer, nn.Linear)]
    [100, 100, 10]
    """
    n_in = check_int(n_in, "n_in", low=1)
    n_classes = check_int(n_classes, "n_classes", low=2)
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence) or len(hidden) == 0:
        raise TypeError(f"hidden must be a non-empty sequence of layer widths, got {hidden!r}")
    hidden = [check_int(h, f"hidden[{i}]", low=1) for i, h in enumerate(hidden)]
    return _seeded(lambda: torch_mlp([n_in, *hidden, n_classes], activation=activation), seed)


def conv_output_length(length: int, kernel_size: int, *, stride: int = 1, padding: int = 0) -> int:
    r"""Length of a 1-D convolution's output.

    .. math::
        L_\text{out} = \left\lfloor \frac{L + 2p - k}{s} \right\rfloor + 1

    Examples
    --------
    >>> conv_output_length(40, 5, stride=2, padding=1)
    19
    """
    length = check_int(length, "length", low=1)
    kernel_size = check_int(kernel_size, "kernel_size", low=1)
    stride = check_int(stride, "stride", low=1)
    padding = check_int(padding, "padding", low=0)
    return (length + 2 * padding - kernel_size) // stride + 1


def conv1d_net(
    n_in: int = 40, n_classes: int = 10, *, channels: int = 25,
    kernel_sizes: Sequence[int] = (5, 3, 3), stride: int = 2, padding: int = 1, seed: int = 0,
) -> nn.Sequential:
    r"""The MNIST-1D convolutional baseline: ReLU ``Conv1d`` layers, then a linear head.

    A sequence of shape ``(B, n_in)`` becomes one input channel, ``(B, 1,
    n_in)``; each layer ``l`` computes

    .. math::
        h^{(l)}_{c,t} = \operatorname{ReLU}\Big(b_c + \sum_{c'} \sum_{j=0}^{k_l - 1}
        w_{c,c',j}\, h^{(l-1)}_{c',\, s t + j - p}\Big)

    with ``channels`` output channels, stride :math:`s` and zero padding
    :math:`p`, so that the same small filters look at every position.  The
    last feature map is flattened into a linear layer.  With the defaults
    (Greydanus, 2020) the lengths are 40 -> 19 -> 10 -> 5 and the head sees
    25 x 5 = 125 features.

    Parameters
    ----------
    n_in : int, default 40
        Sequence length.
    n_classes : int, default 10
    channels : int, default 25
        Channels of every convolution.
    kernel_sizes : sequence of int, default (5, 3, 3)
        One kernel size per convolution.
    stride, padding : int, default 2, 1
        Of every convolution.
    seed : int, default 0
        Seed of torch's default initialisation.

    Returns
    -------
    nn.Sequential
        Named layers ``unflatten, conv1, relu1, ..., flatten, linear``.

    References
    ----------
    Greydanus, S. (2020). Scaling down deep learning. arXiv:2011.14439.

    Examples
    --------
    >>> net = conv1d_net()
    >>> net(torch.zeros(2, 40)).shape
    torch.Size([2, 10])
    >>> net.linear.in_features
    125
    """
    n_in = check_int(n_in, "n_in", low=1)
    n_classes = check_int(n_classes, "n_classes", low=2)
    channels = check_int(channels, "channels", low=1)
    if isinstance(kernel_sizes, (str, bytes)) or not isinstance(kernel_sizes, Sequence) or not kernel_sizes:
        raise TypeError(f"kernel_sizes must be a non-empty sequence of ints, got {kernel_sizes!r}")
    kernel_sizes = [check_int(k, f"kernel_sizes[{i}]", low=1) for i, k in enumerate(kernel_sizes)]
    length = n_in
    for k in kernel_sizes:
        length = conv_output_length(length, k, stride=stride, padding=padding)
        if length < 1:
            raise ValueError(
                f"n_in must be long enough for kernel_sizes {kernel_sizes} with stride {stride} and "
                f"padding {padding}, got n_in={n_in} (a feature map would be empty)"
            )

    def build() -> nn.Sequential:
        layers: OrderedDict[str, nn.Module] = OrderedDict(unflatten=nn.Unflatten(1, (1, n_in)))
        c_in = 1
        for l, k in enumerate(kernel_sizes, start=1):
            layers[f"conv{l}"] = nn.Conv1d(c_in, channels, k, stride=stride, padding=padding)
            layers[f"relu{l}"] = nn.ReLU()
            c_in = channels
        layers["flatten"] = nn.Flatten()
        layers["linear"] = nn.Linear(channels * length, n_classes)
        return nn.Sequential(layers)

    return _seeded(build, seed)
