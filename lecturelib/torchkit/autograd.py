"""What autograd keeps and what it can compute beyond first derivatives.

- :func:`saved_tensor_bytes`: the memory backpropagation costs, counted
  exactly: the bytes of every tensor autograd saves for the backward pass
  while a forward pass runs (``torch.autograd.graph.saved_tensors_hooks``).
- :func:`sharpness`: the largest eigenvalue of the Hessian of a loss, by
  power iteration on Hessian-vector products (a backward pass through the
  backward pass).
- :func:`count_flops`: the floating-point operations a piece of torch code
  runs, as ``torch.utils.flop_counter.FlopCounterMode`` counts them.

This module imports torch; the numpy core never imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch

from .._validation import check_int

__all__ = ["count_flops", "saved_tensor_bytes", "sharpness"]


def _storage_key(t: torch.Tensor) -> tuple[str, int]:
    storage = t.untyped_storage()
    return str(t.device), storage.data_ptr()


def saved_tensor_bytes(
    fn: Callable[..., Any], *args: Any, exclude: Iterable[torch.Tensor] = ()
) -> int:
    r"""Bytes of the tensors autograd saves for backward while ``fn(*args)`` runs.

    Every operation that records a backward node keeps what its backward
    formula needs: a matrix product keeps its inputs, a ReLU or a sigmoid
    its output, ``log_softmax`` its output. A *pack hook*
    (:class:`torch.autograd.graph.saved_tensors_hooks`) sees each of them as
    it is saved. They are counted by storage, each storage once, with its
    full size :math:`\text{numel} \times \text{element size}`, because
    several nodes often save the same tensor (a ReLU's output is also the
    next matrix product's input) or views of it.

    Parameters
    ----------
    fn : callable
        Runs the forward pass, e.g. ``lambda: F.cross_entropy(net(x), y)``.
    *args
        Passed to ``fn``.
    exclude : iterable of Tensor, optional
        Tensors whose storage is not counted, typically
        ``net.parameters()``: they are kept whether or not a backward pass
        follows.

    Returns
    -------
    int
        0 under :func:`torch.no_grad`, where nothing is recorded.

    References
    ----------
    PyTorch documentation, *Hooks for saved tensors* (autograd mechanics).
    Chen, T., Xu, B., Zhang, C. and Guestrin, C. (2016). Training deep nets
    with sublinear memory cost. arXiv:1604.06174.

    Examples
    --------
    >>> w = torch.ones(3, dtype=torch.float32, requires_grad=True)
    >>> x = torch.ones(4, 3, dtype=torch.float32)
    >>> saved_tensor_bytes(lambda: torch.sigmoid(x * w), exclude=[w])  # x, and the sigmoid's output
    96
    >>> with torch.no_grad():
    ...     saved_tensor_bytes(lambda: torch.sigmoid(x * w))
    0
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    excluded = set()
    for i, t in enumerate(exclude):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"exclude must hold tensors, got {type(t).__name__} at position {i}")
        excluded.add(_storage_key(t))
    sizes: dict[tuple[str, int], int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        key = _storage_key(t)
        if key not in excluded:
            sizes[key] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn(*args)
    return int(sum(sizes.values()))


def sharpness(
    loss_fn: Callable[[], torch.Tensor],
    params: Iterable[torch.Tensor],
    *,
    n_iter: int = 20,
    seed: int = 0,
) -> float:
    r"""The sharpness of a loss: the largest eigenvalue of its Hessian.

    Power iteration on Hessian-vector products. Each product
    :math:`H v = \nabla_\theta (\nabla_\theta \mathcal{L} \cdot v)` is one
    backward pass through the graph of the gradient, which autograd
    builds when asked with ``create_graph=True``:

    .. math::

        v_{k+1} = \frac{H v_k}{\lVert H v_k \rVert}, \qquad
        \lambda_k = v_k^\top H v_k \;\to\; \lambda_{\max}

    Gradient descent with learning rate :math:`\eta` is stable on a
    quadratic only while :math:`\lambda_{\max} < 2/\eta`; Cohen et al.
    (2021) found that full-batch gradient descent on a network drives the
    sharpness up to about :math:`2/\eta` and then trains at that edge.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn()`` returns the scalar loss, computed from ``params``.
    params : iterable of Tensor
        The parameters (``requires_grad=True``), e.g. ``net.parameters()``.
    n_iter : int, default 20
        Power iterations (``>= 1``); the estimate is the Rayleigh quotient
        :math:`\lambda_k` of the last one.
    seed : int, default 0
        Seed of the random start vector (a private ``torch.Generator``; the
        global RNG is left alone).

    Returns
    -------
    float
        The eigenvalue of largest magnitude (the largest one at the points
        gradient descent visits, where the Hessian's positive part dominates).

    References
    ----------
    Pearlmutter, B. A. (1994). Fast exact multiplication by the Hessian.
    *Neural Computation* 6(1).
    Cohen, J. M., Kaur, S., Li, Y., Kolter, J. Z. and Talwalkar, A. (2021).
    Gradient descent on neural networks typically occurs at the edge of
    stability. *ICLR*.

    Examples
    --------
    >>> w = torch.tensor([1.0, 1.0], dtype=torch.float64, requires_grad=True)
    >>> round(sharpness(lambda: 3 * w[0] ** 2 + 0.5 * w[1] ** 2, [w]), 6)  # Hessian diag(6, 1)
    6.0
    """
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    params = list(params)
    if not params or not all(isinstance(p, torch.Tensor) and p.requires_grad for p in params):
        raise ValueError("params must be a non-empty iterable of tensors that require grad")
    n_iter = check_int(n_iter, "n_iter", low=1)
    seed = check_int(seed, "seed", low=0)
    loss = loss_fn()
    if not isinstance(loss, torch.Tensor) or loss.ndim != 0:
        raise ValueError(f"loss_fn must return a scalar tensor, got {type(loss).__name__}"
                         f"{' of shape ' + str(tuple(loss.shape)) if isinstance(loss, torch.Tensor) else ''}")
    grads = torch.autograd.grad(loss, params, create_graph=True)
    generator = torch.Generator().manual_seed(seed)
    v = [torch.randn(p.shape, generator=generator, dtype=p.dtype).to(p.device) for p in params]
    eigenvalue = 0.0
    for _ in range(n_iter):
        norm = torch.sqrt(sum(torch.sum(a * a) for a in v))
        v = [a / norm for a in v]
        hv = torch.autograd.grad(grads, params, grad_outputs=v, retain_graph=True)
        eigenvalue = float(sum(torch.sum(a * b) for a, b in zip(hv, v)))
        v = [h.detach() for h in hv]
    return eigenvalue


def count_flops(fn: Callable[[], Any]) -> int:
    r"""The floating-point operations that ``fn()`` runs, counted by torch.

    ``torch.utils.flop_counter.FlopCounterMode`` counts the matrix products
    (and convolutions), two operations per multiply-add, of everything
    ``fn`` runs, the backward pass of a ``loss.backward()`` inside it
    included. Elementwise operations (activations, the softmax) are not
    counted: for a dense network they are a small fraction of the work.

    Examples
    --------
    >>> x = torch.zeros(4, 3, dtype=torch.float64)
    >>> w = torch.zeros(5, 3, dtype=torch.float64, requires_grad=True)
    >>> count_flops(lambda: x @ w.T)  # 2 * 4 * 3 * 5
    120
    >>> count_flops(lambda: (x @ w.T).sum().backward())  # plus dW only
    240
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        fn()
    return int(counter.get_total_flops())
