"""Experiments the chapters run on torch's own modules.

Each function builds a network from ``torch.nn`` modules, initialises it by a
name of :data:`lecturelib.init.INITIALIZERS` (``"linear_default"`` is torch's
own construction, weight *and* bias), and measures or trains it with the
book's one training loop, :func:`lecturelib.torchkit.train`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .._validation import check_int, check_number, check_rng
from ..diagnostics import LayerStatistics
from ..history import History
from .hooks import layer_statistics
from .models import init_linear_layers_, torch_mlp
from .training import train

__all__ = ["torch_generator", "torch_init_statistics", "train_deep_mlp"]


def torch_generator(rng: np.random.Generator) -> torch.Generator:
    """A ``torch.Generator`` seeded from a numpy ``rng``, so that :func:`lecturelib.diagnostics.over_seeds`
    can drive torch experiments too.

    Examples
    --------
    >>> a = torch_generator(np.random.default_rng(0)).initial_seed()
    >>> a == torch_generator(np.random.default_rng(0)).initial_seed()
    True
    """
    rng = check_rng(rng)
    return torch.Generator().manual_seed(int(rng.integers(0, 2**62)))


def torch_init_statistics(
    x: Any, y: Any, *, depth: int, activation: str, weight_init: str, width: int = 256,
    n_classes: int | None = None, rng: np.random.Generator,
) -> LayerStatistics:
    """Statistics of a fresh ``nn.Sequential`` of ``nn.Linear`` layers, measured with hooks in float64.

    The torch twin of :func:`lecturelib.diagnostics.init_statistics`:
    ``torch_mlp([n_0] + [width] * depth + [n_classes])`` initialised by
    :func:`~lecturelib.torchkit.models.init_linear_layers_` (so
    ``"linear_default"`` measures exactly what ``nn.Linear`` draws, biases
    included), one forward and backward pass of cross-entropy.

    Returns
    -------
    LayerStatistics
        ``depth + 1`` entries, the last for the output layer.
    """
    x = torch.as_tensor(np.asarray(x), dtype=torch.float64)
    y = torch.as_tensor(np.asarray(y), dtype=torch.int64)
    depth = check_int(depth, "depth", low=1)
    width = check_int(width, "width", low=1)
    n_classes = check_int(int(y.max()) + 1 if n_classes is None else n_classes, "n_classes", low=1)
    net = torch_mlp([x.shape[1]] + [width] * depth + [n_classes], activation=activation)
    init_linear_layers_(net, weight_init, generator=torch_generator(rng))
    return layer_statistics(net.double(), x, y, activation=activation)


def train_deep_mlp(
    x: Any, y: Any, *, x_val: Any, y_val: Any, depth: int, width: int, weight_init: str,
    activation: str = "relu", lr: float, momentum: float = 0.9, epochs: int, batch_size: int = 64,
    seed: int = 0,
) -> History:
    """Train a deep ``nn.Linear`` MLP with SGD and momentum from a named initialization.

    He et al. (2015)'s experiment at laptop scale: the network, optimizer,
    data, mini-batch order (``seed``) and number of epochs are fixed, and only
    ``weight_init`` changes. The weights are drawn from a generator seeded
    with ``seed``; the model runs in float32, as torch's default.

    Returns
    -------
    History
        Per epoch: ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``.

    References
    ----------
    He, K., Zhang, X., Ren, S. and Sun, J. (2015). Delving deep into
    rectifiers. *ICCV*.
    """
    depth = check_int(depth, "depth", low=1)
    width = check_int(width, "width", low=1)
    lr = check_number(lr, "lr", low=0.0)
    momentum = check_number(momentum, "momentum", low=0.0, high=1.0)
    seed = check_int(seed, "seed", low=0)
    n_in, n_classes = np.asarray(x).shape[1], int(np.max(y)) + 1
    net = torch_mlp([n_in] + [width] * depth + [n_classes], activation=activation)
    init_linear_layers_(net, weight_init, generator=torch.Generator().manual_seed(seed))
    optimizer = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum)
    return train(net, x, y, optimizer=optimizer, epochs=epochs, batch_size=batch_size, x_val=x_val, y_val=y_val,
                 seed=seed)
