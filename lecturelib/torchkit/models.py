"""Torch helpers that mirror the numpy core: the same network in torch, and its graph.

This module imports torch; the numpy core never imports it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from .._validation import check_int, check_number, check_option
from ..init import INITIALIZERS
from ..mlp import MLP, _check_sizes

__all__ = ["TORCH_ACTIVATIONS", "MLP_ACTIVATIONS", "NORMS", "init_for", "Maxout", "GaussianNoise", "TORCH_INIT",
           "torch_mlp", "init_linear_layers_", "mlp_to_torch", "autograd_graph"]

#: torch modules for the activation names of :data:`lecturelib.activations.ACTIVATIONS`,
#: constructed without arguments: torch's defaults are the registry's
#: (``negative_slope=0.01``, ``alpha=1.0``, ``approximate="none"``, ``beta=1.0, threshold=20.0``).
TORCH_ACTIVATIONS: dict[str, type[nn.Module]] = {
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "identity": nn.Identity,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "softplus": nn.Softplus,
}

#: Every ``activation`` :func:`torch_mlp` accepts: the elementwise ones, and two
#: with parameters of their own, ``"prelu"`` (``nn.PReLU``) and ``"maxout"`` (:class:`Maxout`).
MLP_ACTIVATIONS: tuple[str, ...] = (*TORCH_ACTIVATIONS, "prelu", "maxout")

#: Activations symmetric around zero with slope 1 there, for which Xavier's
#: variance argument holds (Chapter 2); every other one is ReLU-like and gets He's.
_XAVIER_ACTIVATIONS = ("sigmoid", "tanh", "identity")


def init_for(activation: str) -> str:
    """The weight initializer this book pairs with a hidden activation: Xavier's or He's.

    ``"xavier_normal"`` for the sigmoid, tanh and the identity, whose
    derivative is largest at zero and which Glorot and Bengio's argument
    covers; ``"kaiming_normal"`` for the ReLU family (ReLU, leaky ReLU, PReLU,
    ELU, GELU, softplus, maxout), which pass about half of a symmetric
    input's variance and need He's factor of 2 (Chapter 2).

    Parameters
    ----------
    activation : str
        A name in :data:`MLP_ACTIVATIONS`.

    Returns
    -------
    str
        A name of :data:`lecturelib.init.INITIALIZERS`.

    Examples
    --------
    >>> init_for("tanh"), init_for("gelu")
    ('xavier_normal', 'kaiming_normal')
    """
    activation = check_option(activation, "activation", MLP_ACTIVATIONS)
    return "xavier_normal" if activation in _XAVIER_ACTIVATIONS else "kaiming_normal"


class Maxout(nn.Module):
    r"""Maxout layer: each of ``out_features`` units is the largest of ``pieces`` affine pieces.

    The torch twin of :func:`lecturelib.layers.maxout_forward`, with the same
    layout: ``self.linear`` is an ``nn.Linear(in_features, out_features * pieces)``
    whose consecutive rows ``j * pieces`` to ``j * pieces + pieces - 1`` are
    unit ``j``'s pieces.  Keeping the affine map an ``nn.Linear`` lets code
    that looks for ``nn.Linear`` modules (:func:`init_linear_layers_`,
    :func:`lecturelib.torchkit.hooks.layer_statistics`) find it.  The
    gradient flows to the first maximal piece (``Tensor.max(dim)``), as in
    the numpy version.

    Parameters
    ----------
    in_features, out_features : int
        Input width and number of units, ``>= 1``.
    pieces : int, default 2
        Affine pieces per unit, ``>= 1``.
    bias : bool, default True

    References
    ----------
    Goodfellow, I. J., Warde-Farley, D., Mirza, M., Courville, A. and
    Bengio, Y. (2013). Maxout networks. *ICML*.

    Examples
    --------
    >>> layer = Maxout(3, 4, pieces=2)
    >>> layer.linear
    Linear(in_features=3, out_features=8, bias=True)
    >>> layer(torch.zeros(5, 3)).shape
    torch.Size([5, 4])
    """

    def __init__(self, in_features: int, out_features: int, pieces: int = 2, *, bias: bool = True) -> None:
        super().__init__()
        self.in_features = check_int(in_features, "in_features", low=1)
        self.out_features = check_int(out_features, "out_features", low=1)
        self.pieces = check_int(pieces, "pieces", low=1)
        self.linear = nn.Linear(self.in_features, self.out_features * self.pieces, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.linear(x)
        return z.view(*z.shape[:-1], self.out_features, self.pieces).max(dim=-1).values

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, pieces={self.pieces}"


class GaussianNoise(nn.Module):
    r"""Additive Gaussian noise in training mode, the identity in eval mode.

    .. math::
        \text{train:}\ y = x + \sigma \varepsilon, \quad \varepsilon_{ij} \sim \mathcal N(0, 1)
        \text{ independently;} \qquad \text{eval:}\ y = x

    A regularizer: as the first layer of a network it trains on a fresh
    noisy copy of every input, which for small :math:`\sigma` acts like a
    penalty on the network's sensitivity to its input (Bishop, 1995).  Like
    ``nn.Dropout`` it draws from torch's global generator and has no
    parameters; Keras calls it ``GaussianNoise(stddev)``.

    Parameters
    ----------
    std : float
        Standard deviation :math:`\sigma` of the noise, ``>= 0`` (0: the identity).
        The input may have any shape; the output has the same.

    References
    ----------
    Bishop, C. M. (1995). Training with noise is equivalent to Tikhonov
    regularization. *Neural Computation* 7(1), 108-116.

    Examples
    --------
    >>> noise = GaussianNoise(0.5)
    >>> x = torch.ones(3, 2)
    >>> torch.equal(noise.eval()(x), x)
    True
    >>> noise.train()(x).shape
    torch.Size([3, 2])
    """

    def __init__(self, std: float) -> None:
        super().__init__()
        self.std = check_number(std, "std", low=0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.std == 0.0:
            return x
        return x + self.std * torch.randn_like(x)

    def extra_repr(self) -> str:
        return f"std={self.std}"


def _linear_default_(weight: torch.Tensor, generator: torch.Generator | None) -> None:
    # what nn.Linear.reset_parameters does to the weight (its bias is handled below)
    nn.init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)


#: ``torch.nn.init`` by the names of :data:`lecturelib.init.INITIALIZERS`, the
#: book's one list of initializers (``tests/test_models.py`` checks that the
#: two lists are the same): ``fn(weight, generator)`` fills ``weight`` in place.
TORCH_INIT: dict[str, Callable[[torch.Tensor, torch.Generator | None], object]] = {
    "zeros": lambda w, g: nn.init.zeros_(w),
    "normal": lambda w, g: nn.init.normal_(w, generator=g),
    "uniform": lambda w, g: nn.init.uniform_(w, generator=g),
    "xavier_uniform": lambda w, g: nn.init.xavier_uniform_(w, generator=g),
    "xavier_normal": lambda w, g: nn.init.xavier_normal_(w, generator=g),
    "kaiming_uniform": lambda w, g: nn.init.kaiming_uniform_(w, generator=g),
    "kaiming_normal": lambda w, g: nn.init.kaiming_normal_(w, generator=g),
    "lecun_normal": lambda w, g: nn.init.kaiming_normal_(w, nonlinearity="linear", generator=g),
    "orthogonal": lambda w, g: nn.init.orthogonal_(w, generator=g),
    "linear_default": _linear_default_,
}


def init_linear_layers_(net: nn.Module, weight_init: str, *, generator: torch.Generator | None = None,
                        std: float | None = None) -> nn.Module:
    """Re-initialise every ``nn.Linear`` of ``net`` in place with ``torch.nn.init``.

    The weights are drawn by the initializer called ``weight_init`` (the same
    names, defaults and formulas as :mod:`lecturelib.init`, e.g.
    ``"kaiming_normal"`` is He's with ReLU's gain in fan-in mode); the biases
    start at zero.  ``"linear_default"`` redraws what ``nn.Linear`` does at
    construction, weight *and* bias from :math:`U[-1/\\sqrt{n_\\text{in}}, 1/\\sqrt{n_\\text{in}}]`,
    as the numpy :class:`~lecturelib.mlp.MLP` does for that name.

    Parameters
    ----------
    net : nn.Module
    weight_init : str
        A name in :data:`lecturelib.init.INITIALIZERS`.
    generator : torch.Generator, optional
        Source of randomness; default torch's global generator.
    std : float, optional
        Standard deviation of the weights, ``> 0``, for ``weight_init="normal"``
        only (``nn.init.normal_(weight, 0, std)``); default 1, torch's.

    Returns
    -------
    nn.Module
        ``net`` itself.
    """
    if not isinstance(net, nn.Module):
        raise TypeError(f"net must be a torch.nn.Module, got {type(net).__name__}")
    weight_init = check_option(weight_init, "weight_init", INITIALIZERS)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
    if std is not None:
        if weight_init != "normal":
            raise ValueError(f"std applies only to weight_init='normal', got weight_init={weight_init!r}")
        std = check_number(std, "std", low=0.0, low_inclusive=False)
    with torch.no_grad():
        for module in net.modules():
            if not isinstance(module, nn.Linear):
                continue
            if std is None:
                TORCH_INIT[weight_init](module.weight, generator)
            else:
                nn.init.normal_(module.weight, 0.0, std, generator=generator)
            if module.bias is None:
                continue
            if weight_init == "linear_default":
                bound = 1.0 / math.sqrt(module.in_features)
                nn.init.uniform_(module.bias, -bound, bound, generator=generator)
            else:
                module.bias.zero_()
    return net


#: The normalization layers :func:`torch_mlp` can put between a hidden layer's
#: ``nn.Linear`` and its activation.
NORMS: dict[str, type[nn.Module]] = {"batch": nn.BatchNorm1d, "layer": nn.LayerNorm}


def torch_mlp(sizes: list[int], *, activation: str = "relu", pieces: int | None = None,
              norm: str | None = None, dropout: float = 0.0, input_noise: float = 0.0) -> nn.Sequential:
    """``nn.Sequential(Linear, act, Linear, act, ..., Linear)`` with torch's default init.

    Linear layer ``l`` sits at index ``2 * l`` of the sequence, except with
    ``activation="maxout"``: there every hidden layer is one :class:`Maxout`
    module, ``nn.Sequential(Maxout, ..., Maxout, Linear)``, and hidden layer
    ``l``'s affine map is ``net[l].linear``, whose output has
    ``sizes[l + 1] * pieces`` entries; the next layer reads the maxout
    output, of width ``sizes[l + 1]``.  With ``norm`` every hidden layer is
    ``Linear, norm, act`` (normalization before the non-linearity, as Ioffe
    and Szegedy place it), so Linear layer ``l`` sits at index ``3 * l``.
    With ``dropout > 0`` every hidden layer ends with an ``nn.Dropout``
    after its activation (``Linear, [norm,] act, Dropout``, or ``Maxout,
    Dropout``), one more module per hidden layer; with ``input_noise > 0`` a
    :class:`GaussianNoise` is module 0 and every index moves up by one.  So
    hidden layer ``l`` starts at index ``s + k * l`` with ``s = 1`` if
    ``input_noise`` else 0 and ``k`` modules per hidden layer (1 with maxout,
    2 otherwise, plus 1 with ``norm``, plus 1 with ``dropout``).  With both
    at 0 (the default) the network is exactly the one without them.
    In every case layer ``l``'s ``nn.Linear`` is the ``l``-th ``nn.Linear``
    in ``net.modules()``.

    Parameters
    ----------
    sizes : list of int
        Layer widths ``[n_0, n_1, ..., n_L]``, at least two.
    activation : str, default "relu"
        A name in :data:`MLP_ACTIVATIONS`: one of :data:`TORCH_ACTIVATIONS`,
        ``"prelu"`` (an ``nn.PReLU()`` after each hidden layer, one slope per
        layer starting at torch's 0.25) or ``"maxout"``.
    pieces : int, optional
        Affine pieces per maxout unit, ``>= 1``; default 2.  Only with
        ``activation="maxout"``.
    norm : {"batch", "layer"}, optional
        A normalization layer after every hidden ``nn.Linear``:
        ``nn.BatchNorm1d(width)`` or ``nn.LayerNorm(width)`` with torch's
        defaults (``eps=1e-5``, ``momentum=0.1``, ``gamma = 1``, ``beta =
        0``).  The ``nn.Linear``'s bias stays: a constant added before batch
        norm is subtracted again with the mean, so in training mode its
        gradient is exactly zero.  Not with ``activation="maxout"``.
    dropout : float, default 0.0
        Drop probability ``p`` in ``[0, 1]`` of an ``nn.Dropout(p)`` after
        every hidden activation (none on the input or the logits); 0: no
        dropout modules.
    input_noise : float, default 0.0
        Standard deviation, ``>= 0``, of the :class:`GaussianNoise` added to
        the input in training mode; 0: no noise module.

    Examples
    --------
    >>> torch_mlp([4, 8, 3], activation="maxout")
    Sequential(
      (0): Maxout(
        in_features=4, out_features=8, pieces=2
        (linear): Linear(in_features=4, out_features=16, bias=True)
      )
      (1): Linear(in_features=8, out_features=3, bias=True)
    )
    >>> torch_mlp([4, 8, 3], dropout=0.5, input_noise=0.1)
    Sequential(
      (0): GaussianNoise(std=0.1)
      (1): Linear(in_features=4, out_features=8, bias=True)
      (2): ReLU()
      (3): Dropout(p=0.5, inplace=False)
      (4): Linear(in_features=8, out_features=3, bias=True)
    )
    """
    activation = check_option(activation, "activation", MLP_ACTIVATIONS)
    if pieces is not None and activation != "maxout":
        raise ValueError(f"pieces applies only to activation='maxout', got activation={activation!r}")
    pieces = 2 if pieces is None else check_int(pieces, "pieces", low=1)
    if norm is not None:
        norm = check_option(norm, "norm", NORMS)
        if activation == "maxout":
            raise ValueError("norm is not available with activation='maxout', got norm=" + repr(norm))
    dropout = check_number(dropout, "dropout", low=0.0, high=1.0)
    input_noise = check_number(input_noise, "input_noise", low=0.0)
    sizes = _check_sizes(sizes)
    layers: list[nn.Module] = [GaussianNoise(input_noise)] if input_noise > 0 else []
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        if l == len(sizes) - 2:
            layers.append(nn.Linear(n_in, n_out))
            continue
        if activation == "maxout":
            layers.append(Maxout(n_in, n_out, pieces))
        else:
            layers.append(nn.Linear(n_in, n_out))
            if norm is not None:
                layers.append(NORMS[norm](n_out))
            layers.append(nn.PReLU() if activation == "prelu" else TORCH_ACTIVATIONS[activation]())
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def mlp_to_torch(model: MLP, *, dtype: torch.dtype = torch.float64) -> nn.Sequential:
    """The torch twin of a numpy :class:`~lecturelib.mlp.MLP`, with copies of its weights.

    Parameter ``"l.weight"`` of the numpy model becomes ``net[2 * l].weight``.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an MLP, got {type(model).__name__}")
    with torch.random.fork_rng(devices=[]):  # nn.Linear's own init would consume torch's global RNG
        net = torch_mlp(model.sizes, activation=model.activation).to(dtype)
    with torch.no_grad():
        for l in range(model.n_layers):
            net[2 * l].weight.copy_(torch.from_numpy(model.params[f"{l}.weight"]))
            net[2 * l].bias.copy_(torch.from_numpy(model.params[f"{l}.bias"]))
    return net


def autograd_graph(tensor: torch.Tensor, *, names: dict[int, str] | None = None) -> str:
    """The backward graph behind ``tensor`` as an indented tree of ``grad_fn`` nodes.

    Each line is one node of the graph that autograd recorded while the
    forward pass ran; leaves (``AccumulateGrad``) are labelled with the name
    of their tensor when ``names`` maps ``id(tensor)`` to a name.

    Examples
    --------
    >>> w = torch.tensor(2.0, requires_grad=True)
    >>> print(autograd_graph((w * 3).sigmoid(), names={id(w): "w"}))
    SigmoidBackward0
      MulBackward0
        AccumulateGrad (w)
    """
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"tensor must be a torch.Tensor, got {type(tensor).__name__}")
    if tensor.grad_fn is None:
        raise ValueError("tensor has no grad_fn: it was not computed from tensors that require grad")
    names = names or {}
    lines: list[str] = []
    stack = [(tensor.grad_fn, 0)]  # iterative depth-first walk: deep graphs do not hit the recursion limit
    while stack:
        fn, depth = stack.pop()
        label = type(fn).__name__
        variable = getattr(fn, "variable", None)
        if variable is not None and id(variable) in names:
            label += f" ({names[id(variable)]})"
        lines.append("  " * depth + label)
        children = [child for child, _ in fn.next_functions if child is not None]
        stack.extend((child, depth + 1) for child in reversed(children))
    return "\n".join(lines)
