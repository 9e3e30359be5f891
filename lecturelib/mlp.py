"""A small fully connected network in numpy, built from :mod:`lecturelib.layers`.

The network is the composition

.. math::

    \\hat{y} = W^{(L)} f\\big(W^{(L-1)} \\cdots f(W^{(1)} x + b^{(1)}) \\cdots + b^{(L-1)}\\big) + b^{(L)}

with the same activation ``f`` after every hidden layer and none after the
last (it returns logits; the loss applies softmax or sigmoid).  Parameters are
named like the ``state_dict`` of a torch model: ``"0.weight"``, ``"0.bias"``,
``"1.weight"``, ... where the number is the index of the linear layer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ._validation import as_float_array, as_index_array, check_int, check_number, check_option, check_rng
from .activations import ACTIVATIONS
from .history import History
from .init import INITIALIZERS, linear_bias_default, zeros
from .layers import activation_backward, activation_forward, linear_backward, linear_forward
from .losses import cross_entropy

__all__ = ["MLP", "train_gd", "operation_counts", "linear_equivalent"]

Initializer = Callable[..., np.ndarray]


def _check_sizes(sizes: Sequence[int] | np.ndarray) -> list[int]:
    """Layer widths as a list of positive ints (a list, tuple or 1-D integer array)."""
    if isinstance(sizes, np.ndarray):
        if sizes.ndim != 1:
            raise ValueError(f"sizes must be 1-D, got an array of shape {sizes.shape}")
        sizes = sizes.tolist()
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or len(sizes) < 2:
        raise ValueError(f"sizes must be a sequence of at least 2 layer widths, got {sizes!r}")
    return [check_int(n, f"sizes[{i}]", low=1) for i, n in enumerate(sizes)]


class MLP:
    """Multilayer perceptron with explicit forward and backward passes.

    Parameters
    ----------
    sizes : sequence of int or 1-D integer array
        Layer widths ``[n_0, n_1, ..., n_L]``: input dimension, hidden widths,
        number of outputs. At least two entries.
    activation : str, default "relu"
        Activation after every hidden layer, a key of
        :data:`lecturelib.activations.ACTIVATIONS`.
    weight_init : str or callable, default "linear_default"
        Name in :data:`lecturelib.init.INITIALIZERS` or a function
        ``fn(shape, *, rng)``; applied to every ``(n_l, n_{l-1})`` weight.
        The default, ``"linear_default"``, is what ``torch.nn.Linear`` does:
        weight *and* bias from :math:`U[-1/\\sqrt{n_{l-1}}, 1/\\sqrt{n_{l-1}}]`
        (:func:`~lecturelib.init.linear_bias_default`). With any other
        initializer the biases start at zero.
    rng : numpy.random.Generator
        Source of randomness for the weights (keyword-only, required).

    Attributes
    ----------
    params : dict[str, ndarray]
        ``"l.weight"`` of shape ``(n_{l+1}, n_l)`` and ``"l.bias"`` of shape
        ``(n_{l+1},)`` for ``l = 0, ..., L-1``.
    grads : dict[str, ndarray]
        Same keys and shapes, filled by :meth:`backward`.
    preactivations, activations : list of ndarray
        ``z^(l)`` and ``a^(l)`` of every layer from the last :meth:`forward`
        (``activations[0]`` is the input), for diagnostics.
    deltas : list of ndarray
        ``dL/dz^(l)`` of every layer from the last :meth:`backward`.

    Examples
    --------
    >>> net = MLP([2, 16, 3], activation="tanh", rng=np.random.default_rng(0))
    >>> net.forward(np.zeros((5, 2))).shape
    (5, 3)
    """

    def __init__(
        self,
        sizes: Sequence[int],
        *,
        activation: str = "relu",
        weight_init: str | Initializer = "linear_default",
        rng: np.random.Generator,
    ) -> None:
        self.sizes = _check_sizes(sizes)
        self.activation = check_option(activation, "activation", ACTIVATIONS)
        torch_bias = weight_init == "linear_default"
        if isinstance(weight_init, str):
            weight_init = INITIALIZERS[check_option(weight_init, "weight_init", INITIALIZERS)]
        elif not callable(weight_init):
            raise TypeError(f"weight_init must be an initializer name or a callable, got {type(weight_init).__name__}")
        rng = check_rng(rng)
        self.params: dict[str, np.ndarray] = {}
        for l, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            self.params[f"{l}.weight"] = weight_init((n_out, n_in), rng=rng)
            self.params[f"{l}.bias"] = (linear_bias_default(n_in, n_out, rng=rng) if torch_bias
                                        else zeros((n_out,)))
        self.grads: dict[str, np.ndarray] = {}
        self.preactivations: list[np.ndarray] = []
        self.activations: list[np.ndarray] = []
        self.deltas: list[np.ndarray] = []
        self._caches: list = []

    @property
    def n_layers(self) -> int:
        """Number of linear layers ``L``."""
        return len(self.sizes) - 1

    def layer_activation(self, l: int) -> str:
        """Activation applied after linear layer ``l`` (identity for the last)."""
        return self.activation if l < self.n_layers - 1 else "identity"

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Compute the output ``(N, n_L)`` for inputs ``x`` of shape ``(N, n_0)``."""
        a = as_float_array(x, "x", ndim=2)
        if a.shape[1] != self.sizes[0]:
            raise ValueError(f"x must have shape (N, {self.sizes[0]}), got shape {a.shape}")
        self._caches, self.preactivations, self.activations = [], [], [a]
        for l in range(self.n_layers):
            z, lin_cache = linear_forward(a, self.params[f"{l}.weight"], self.params[f"{l}.bias"])
            a, act_cache = activation_forward(z, self.layer_activation(l))
            self._caches.append((lin_cache, act_cache))
            self.preactivations.append(z)
            self.activations.append(a)
        return a

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Back-propagate ``dout = dL/d(output)``, shape ``(N, n_L)``.

        Fills :attr:`grads` and :attr:`deltas`; returns ``dL/dx``,
        shape ``(N, n_0)``.
        """
        if not self._caches:
            raise RuntimeError("call forward before backward")
        g = dout  # the upstream gradient dL/da^(l) of the pseudocode
        grads, deltas = {}, []
        for l in reversed(range(self.n_layers)):
            lin_cache, act_cache = self._caches[l]
            delta = activation_backward(g, act_cache)  # dL/dz^(l)
            deltas.append(delta)
            dx, dweight, dbias = linear_backward(delta, lin_cache)
            grads[f"{l}.weight"], grads[f"{l}.bias"] = dweight, dbias
            g = dx  # dL/da^(l-1): the upstream gradient of the layer below
        self.grads = {name: grads[name] for name in self.params}
        self.deltas = deltas[::-1]
        return g

    def cache_nbytes(self) -> int:
        r"""Bytes of the arrays the last :meth:`forward` keeps for :meth:`backward`.

        Each layer's caches hold its input ``a^(l-1)`` and its pre-activation
        ``z^(l)`` (and references to the parameters).  Every distinct array is
        counted once; the parameters are not counted, since they exist
        whether or not a backward pass follows.  For ``L`` layers of widths
        ``n_0, ..., n_L`` on a batch of ``N`` float64 examples:

        .. math:: 8 N \Big(n_0 + n_L + 2 \sum_{l=1}^{L-1} n_l\Big)

        Returns
        -------
        int
            0 before the first :meth:`forward`.

        Examples
        --------
        >>> net = MLP([3, 4, 2], rng=np.random.default_rng(0))
        >>> _ = net.forward(np.zeros((5, 3)))
        >>> net.cache_nbytes()  # 8 * 5 * (3 + 2 * 4 + 2)
        520
        """
        params = {id(p) for p in self.params.values()}
        arrays = {}
        for lin_cache, act_cache in self._caches:
            for a in (lin_cache.x, act_cache.x):
                if isinstance(a, np.ndarray) and id(a) not in params:
                    arrays[id(a)] = a.nbytes
        return int(sum(arrays.values()))

    def loss_and_grads(self, x: np.ndarray, y: np.ndarray) -> float:
        """Forward, softmax cross-entropy against class indices ``y``, backward; return the loss."""
        loss, dlogits = cross_entropy(self.forward(x), y)
        self.backward(dlogits)
        return loss

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted class indices, shape ``(N,)``."""
        return np.argmax(self.forward(x), axis=1)


def train_gd(
    model: MLP,
    x: np.ndarray,
    y: np.ndarray,
    *,
    lr: float = 1.0,
    n_steps: int = 1000,
    record_every: int = 10,
    callback: Callable[[int, MLP], None] | None = None,
) -> History:
    """Full-batch gradient descent on softmax cross-entropy.

    .. math:: \\theta \\leftarrow \\theta - \\eta \\nabla_\\theta \\mathcal{L}(\\theta)

    Parameters
    ----------
    model : MLP
        Updated in place.
    x : ndarray, shape (N, n_0)
    y : ndarray of int, shape (N,)
        Class indices in ``[0, n_L)``.
    lr : float, default 1.0
        Learning rate ``eta`` (> 0).
    n_steps : int, default 1000
        Number of gradient steps.
    record_every : int, default 10
        Record loss and training accuracy every this many steps (and at the last).
    callback : callable, optional
        ``callback(step, model)``, called at every step ``0, ..., n_steps``
        after the forward and backward pass and before the update, so
        ``model.params``, ``model.grads`` and ``model.activations`` all belong
        to the same point. Its return value is ignored; use it to measure
        what the history does not record (it decides itself how often). It
        must not change the model (no forward pass on other data: the update
        uses ``model.grads``).

    Returns
    -------
    History
        ``"loss"`` and ``"accuracy"`` on the training data, recorded before
        the step of the same index.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an MLP, got {type(model).__name__}")
    y = as_index_array(y, "y", n_classes=model.sizes[-1])
    lr = check_number(lr, "lr", low=0.0, low_inclusive=False)
    n_steps = check_int(n_steps, "n_steps", low=1)
    record_every = check_int(record_every, "record_every", low=1)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable as callback(step, model), got {type(callback).__name__}")
    history = History()
    for step in range(n_steps + 1):
        loss = model.loss_and_grads(x, y)
        if step % record_every == 0 or step == n_steps:
            accuracy = float(np.mean(np.argmax(model.activations[-1], axis=1) == y))
            history.record(step, loss=loss, accuracy=accuracy)
        if callback is not None:
            callback(step, model)
        if step == n_steps:
            break
        for name, grad in model.grads.items():
            model.params[name] -= lr * grad
    return history


def operation_counts(sizes: Sequence[int], *, batch_size: int = 1) -> dict[str, int]:
    """Multiply-adds for one gradient of an MLP: backprop vs finite differences.

    For a linear layer with ``n_in`` inputs and ``n_out`` outputs on ``N``
    examples the forward pass costs ``N n_in n_out`` multiply-adds and the
    backward pass twice that (one product for ``dx``, one for ``dW``).
    Centered finite differences need two forward passes *per parameter*.
    Activations and biases cost ``O(N n_out)`` and are left out.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths ``[n_0, ..., n_L]``.
    batch_size : int, default 1

    Returns
    -------
    dict
        ``n_params``; ``forward``, the multiply-adds of one forward pass;
        ``backprop``, forward plus backward; ``finite_differences``,
        ``2 * n_params * forward``.

    Examples
    --------
    >>> operation_counts([2, 3, 1])
    {'n_params': 13, 'forward': 9, 'backprop': 27, 'finite_differences': 234}
    """
    sizes = _check_sizes(sizes)
    batch_size = check_int(batch_size, "batch_size", low=1)
    pairs = list(zip(sizes[:-1], sizes[1:]))
    n_params = sum(n_in * n_out + n_out for n_in, n_out in pairs)
    forward = batch_size * sum(n_in * n_out for n_in, n_out in pairs)
    return {
        "n_params": n_params,
        "forward": forward,
        "backprop": 3 * forward,
        "finite_differences": 2 * n_params * forward,
    }


def linear_equivalent(model: MLP) -> tuple[np.ndarray, np.ndarray]:
    r"""The one affine map that a network without non-linearities computes.

    With the identity as activation, every layer is affine, and so is their
    composition:

    .. math::

        W^{(L)}\big(\cdots(W^{(1)} x + b^{(1)})\cdots\big) + b^{(L)} = W x + b,
        \qquad W = W^{(L)} \cdots W^{(1)},\quad
        b = b^{(L)} + W^{(L)} b^{(L-1)} + \dots + W^{(L)} \cdots W^{(2)} b^{(1)}.

    Parameters
    ----------
    model : MLP
        A network built with ``activation="identity"``.

    Returns
    -------
    weight : ndarray, shape (n_L, n_0)
    bias : ndarray, shape (n_L,)
        ``model.forward(x)`` equals ``x @ weight.T + bias`` up to rounding.

    Raises
    ------
    ValueError
        If the hidden activation is not the identity: then no single affine
        map exists.

    Examples
    --------
    >>> net = MLP([3, 8, 8, 2], activation="identity", rng=np.random.default_rng(0))
    >>> weight, bias = linear_equivalent(net)
    >>> x = np.random.default_rng(1).standard_normal((4, 3))
    >>> bool(np.allclose(net.forward(x), x @ weight.T + bias))
    True
    """
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an MLP, got {type(model).__name__}")
    if model.activation != "identity":
        raise ValueError(f"model must use activation='identity' to collapse to one affine map, "
                         f"got activation={model.activation!r}")
    weight, bias = model.params["0.weight"].copy(), model.params["0.bias"].copy()
    for l in range(1, model.n_layers):
        w_l = model.params[f"{l}.weight"]
        weight, bias = w_l @ weight, w_l @ bias + model.params[f"{l}.bias"]
    return weight, bias
