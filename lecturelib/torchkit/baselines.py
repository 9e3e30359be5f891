"""The baseline classifiers of MNIST-1D (Greydanus, 2020), as torch modules.

Three models of growing inductive bias, for inputs of shape ``(B, n_in)``
(one sequence per row) and logits of shape ``(B, n_classes)``:

- :func:`logistic_regression`: one linear layer;
- :func:`mlp`: fully connected ReLU layers (:func:`~lecturelib.torchkit.models.torch_mlp`);
- :func:`conv1d_net`: 1-D convolutions sharing weights along the sequence,
  then a linear head.

The source networks of transfer learning (Chapter 7) are the same models
with their layers grouped into named blocks, ``block1, block2, ...`` and
``head``, so that a chapter can freeze, probe and replace them by name
(:mod:`lecturelib.torchkit.transfer`):

- :func:`mnist1d_cnn`: :func:`conv1d_net` in blocks, optionally with batch norm;
- :func:`mnist1d_mlp`: :func:`mlp` in blocks, optionally with batch norm.

Each builder draws the initial weights from torch's default initialisation
under its own ``seed`` (torch's global generator is forked, so it is left as
it was), so a model is the same whichever cell builds it first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence

import torch
from torch import nn

from .._validation import check_bool, check_int, check_option
from .models import TORCH_ACTIVATIONS, torch_mlp

__all__ = ["logistic_regression", "mlp", "conv1d_net", "conv_output_length", "mnist1d_cnn", "mnist1d_mlp"]


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
    n_in, n_classes, channels, kernel_sizes, length = _check_conv_args(
        n_in, n_classes, channels, kernel_sizes, stride, padding)

    def build() -> nn.Sequential:
        layers: OrderedDict[str, nn.Module] = OrderedDict(unflatten=nn.Unflatten(1, (1, n_in)))
        for l, k in enumerate(kernel_sizes, start=1):
            layers[f"conv{l}"] = _conv(l, channels, k, stride, padding)
            layers[f"relu{l}"] = nn.ReLU()
        layers["flatten"] = nn.Flatten()
        layers["linear"] = nn.Linear(channels * length, n_classes)
        return nn.Sequential(layers)

    return _seeded(build, seed)


def _check_conv_args(
    n_in: int, n_classes: int, channels: int, kernel_sizes: Sequence[int], stride: int, padding: int,
) -> tuple[int, int, int, list[int], int]:
    """:func:`conv1d_net`'s arguments checked, and the length of the last feature map."""
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
    return n_in, n_classes, channels, kernel_sizes, length


def _conv(l: int, channels: int, kernel_size: int, stride: int, padding: int) -> nn.Conv1d:
    """Convolution ``l`` (from 1) of :func:`conv1d_net`: one input channel for the first, ``channels`` after."""
    return nn.Conv1d(1 if l == 1 else channels, channels, kernel_size, stride=stride, padding=padding)


def mnist1d_cnn(
    n_classes: int = 10, *, n_in: int = 40, channels: int = 25, kernel_sizes: Sequence[int] = (5, 3, 3),
    stride: int = 2, padding: int = 1, batch_norm: bool = False, seed: int = 0,
) -> nn.Sequential:
    r""":func:`conv1d_net` with named blocks, to freeze, probe and transfer by name.

    The same network, with the convolutions grouped into blocks: the
    children of the returned ``nn.Sequential`` are

    ``unflatten``
        ``(B, n_in) -> (B, 1, n_in)``;
    ``block1``, ..., ``blockL``
        one per kernel size, ``nn.Sequential(conv, [bn,] relu)``: a
        ``Conv1d`` (stride, padding and ``channels`` as in
        :func:`conv1d_net`), with ``batch_norm`` a ``BatchNorm1d(channels)``
        (torch's defaults) between it and the ``ReLU``;
    ``flatten``, ``head``
        the last feature map flattened into the linear head.

    Without batch norm, ``mnist1d_cnn(k, seed=s)`` computes exactly what
    ``conv1d_net(n_classes=k, seed=s)`` computes: its parameters are drawn in
    the same order under the same seed, so ``block2.conv.weight`` equals
    ``conv2.weight`` and ``head`` equals ``linear``.  Batch norm adds no
    random draws, so the convolutions and the head are the same with it.
    The convolution keeps its bias before batch norm, where its gradient
    is zero in training mode (as :func:`~lecturelib.torchkit.models.torch_mlp` does).

    Parameters
    ----------
    n_classes : int, default 10
        Outputs of the head, ``>= 2``.
    n_in, channels, kernel_sizes, stride, padding
        As in :func:`conv1d_net`.
    batch_norm : bool, default False
        A ``BatchNorm1d`` in every block.
    seed : int, default 0
        Seed of torch's default initialisation (torch's global generator is
        left as it was).

    Returns
    -------
    nn.Sequential
        Children ``unflatten, block1, ..., blockL, flatten, head``, mapping
        ``(B, n_in)`` to logits ``(B, n_classes)``.

    References
    ----------
    Greydanus, S. (2020). Scaling down deep learning. arXiv:2011.14439.

    Yosinski, J., Clune, J., Bengio, Y. and Lipson, H. (2014). How
    transferable are features in deep neural networks? *NeurIPS 27*.

    Examples
    --------
    >>> net = mnist1d_cnn(5, batch_norm=True)
    >>> [name for name, _ in net.named_children()]
    ['unflatten', 'block1', 'block2', 'block3', 'flatten', 'head']
    >>> [(name, type(layer).__name__) for name, layer in net.block1.named_children()]
    [('conv', 'Conv1d'), ('bn', 'BatchNorm1d'), ('relu', 'ReLU')]
    >>> net(torch.zeros(2, 40)).shape
    torch.Size([2, 5])
    """
    n_in, n_classes, channels, kernel_sizes, length = _check_conv_args(
        n_in, n_classes, channels, kernel_sizes, stride, padding)
    batch_norm = check_bool(batch_norm, "batch_norm")

    def build() -> nn.Sequential:
        layers: OrderedDict[str, nn.Module] = OrderedDict(unflatten=nn.Unflatten(1, (1, n_in)))
        for l, k in enumerate(kernel_sizes, start=1):
            block: OrderedDict[str, nn.Module] = OrderedDict(conv=_conv(l, channels, k, stride, padding))
            if batch_norm:
                block["bn"] = nn.BatchNorm1d(channels)
            block["relu"] = nn.ReLU()
            layers[f"block{l}"] = nn.Sequential(block)
        layers["flatten"] = nn.Flatten()
        layers["head"] = nn.Linear(channels * length, n_classes)
        return nn.Sequential(layers)

    return _seeded(build, seed)


def mnist1d_mlp(
    n_classes: int = 10, *, n_in: int = 40, hidden: Sequence[int] = (100, 100), activation: str = "relu",
    batch_norm: bool = False, seed: int = 0,
) -> nn.Sequential:
    r""":func:`mlp` with named blocks, to freeze, probe and transfer by name.

    The children of the returned ``nn.Sequential`` are ``block1``, ...,
    ``blockL``, one per hidden layer, each ``nn.Sequential(linear, [bn,]
    act)``, and ``head``, the output ``nn.Linear``.  Without batch norm,
    ``mnist1d_mlp(k, n_in=n, hidden=h, activation=a, seed=s)`` computes
    exactly what ``mlp(n, k, hidden=h, activation=a, seed=s)`` computes (the
    same draws in the same order), and with it the same linear layers with
    a ``BatchNorm1d`` before every activation.  For the 8x8 digits pass
    ``n_in=64``.

    Parameters
    ----------
    n_classes : int, default 10
    n_in : int, default 40
    hidden : sequence of int, default (100, 100)
        Widths of the hidden layers, at least one.
    activation : str, default "relu"
        A name in :data:`~lecturelib.torchkit.models.TORCH_ACTIVATIONS`.
    batch_norm : bool, default False
        A ``BatchNorm1d`` between every hidden ``Linear`` and its activation.
    seed : int, default 0
        Seed of torch's default initialisation.

    Returns
    -------
    nn.Sequential
        Children ``block1, ..., blockL, head``.

    References
    ----------
    Yosinski, J., Clune, J., Bengio, Y. and Lipson, H. (2014). How
    transferable are features in deep neural networks? *NeurIPS 27*.

    Examples
    --------
    >>> net = mnist1d_mlp(5, hidden=[32, 16])
    >>> net
    Sequential(
      (block1): Sequential(
        (linear): Linear(in_features=40, out_features=32, bias=True)
        (act): ReLU()
      )
      (block2): Sequential(
        (linear): Linear(in_features=32, out_features=16, bias=True)
        (act): ReLU()
      )
      (head): Linear(in_features=16, out_features=5, bias=True)
    )
    """
    n_in = check_int(n_in, "n_in", low=1)
    n_classes = check_int(n_classes, "n_classes", low=2)
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence) or len(hidden) == 0:
        raise TypeError(f"hidden must be a non-empty sequence of layer widths, got {hidden!r}")
    hidden = [check_int(h, f"hidden[{i}]", low=1) for i, h in enumerate(hidden)]
    activation = check_option(activation, "activation", TORCH_ACTIVATIONS)
    batch_norm = check_bool(batch_norm, "batch_norm")

    def build() -> nn.Sequential:
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        for l, (width_in, width) in enumerate(zip([n_in, *hidden], hidden), start=1):
            block: OrderedDict[str, nn.Module] = OrderedDict(linear=nn.Linear(width_in, width))
            if batch_norm:
                block["bn"] = nn.BatchNorm1d(width)
            block["act"] = TORCH_ACTIVATIONS[activation]()
            layers[f"block{l}"] = nn.Sequential(block)
        layers["head"] = nn.Linear(hidden[-1], n_classes)
        return nn.Sequential(layers)

    return _seeded(build, seed)
