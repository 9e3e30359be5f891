"""Tests for lecturelib.torchkit.autograd: saved-tensor bytes by hand, sharpness against the full Hessian."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lecturelib.mlp import MLP
from lecturelib.torchkit.autograd import saved_tensor_bytes, sharpness
from lecturelib.torchkit.models import mlp_to_torch, torch_mlp


def _net(sizes, activation="relu", dtype=torch.float64):
    torch.manual_seed(0)
    return torch_mlp(sizes, activation=activation).to(dtype)


def _batch(n, n_in, n_classes, dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, n_in, generator=g, dtype=dtype), torch.randint(0, n_classes, (n,), generator=g)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("sizes, n", [([64, 128, 128, 10], 64), ([5, 7, 3], 4), ([3, 4, 4, 4, 2], 9)])
def test_saved_bytes_of_an_mlp_by_hand(sizes, n, activation):
    net = _net(sizes, activation)
    x, y = _batch(n, sizes[0], sizes[-1])
    got = saved_tensor_bytes(lambda: F.cross_entropy(net(x), y), exclude=net.parameters())
    # by hand: the input (first matrix product), each hidden activation's output (shared by the
    # activation's backward and the next product), log_softmax's output (N x C), the int64 targets
    # and nll_loss's scalar total weight; 8 bytes per float64 entry
    want = 8 * n * (sizes[0] + sum(sizes[1:-1]) + sizes[-1]) + 8 * n + 8
    assert got == want


def test_saved_bytes_grow_linearly_in_batch_and_depth():
    def saved(depth, n):
        net = _net([16] + [32] * depth + [4])
        x, y = _batch(n, 16, 4)
        return saved_tensor_bytes(lambda: F.cross_entropy(net(x), y), exclude=net.parameters())

    per_layer = [(saved(d + 1, 10) - saved(d, 10)) / 10 for d in (1, 2, 5)]
    assert per_layer == [32 * 8] * 3
    per_example = [(saved(2, n + 50) - saved(2, n)) / 50 for n in (1, 100)]
    assert per_example == [8 * (16 + 2 * 32 + 4) + 8] * 2


def test_no_grad_saves_nothing_and_parameters_count_unless_excluded():
    net = _net([5, 7, 3])
    x, y = _batch(4, 5, 3)
    with torch.no_grad():
        assert saved_tensor_bytes(lambda: F.cross_entropy(net(x), y)) == 0
    counted = saved_tensor_bytes(lambda: F.cross_entropy(net(x), y))
    excluded = saved_tensor_bytes(lambda: F.cross_entropy(net(x), y), exclude=net.parameters())
    # only the second weight, 3 x 7, is saved (for dL/da of its input); the first is not, as x
    # does not require grad
    assert counted - excluded == 8 * 3 * 7


def test_saved_bytes_count_a_shared_tensor_once_and_pass_arguments():
    w = torch.ones(10, dtype=torch.float64, requires_grad=True)

    def f(scale):
        s = torch.sigmoid(w)  # saves its output s
        return (s * scale * s).sum()  # saves s again (twice) and the intermediate s * scale

    assert saved_tensor_bytes(f, 2.0, exclude=[w]) == 2 * 80


def test_saved_bytes_bad_arguments():
    with pytest.raises(TypeError, match="^fn must be callable, got int"):
        saved_tensor_bytes(3)
    with pytest.raises(TypeError, match="^exclude must hold tensors, got ndarray at position 1"):
        saved_tensor_bytes(lambda: None, exclude=[torch.ones(1), np.ones(1)])


def _full_hessian(net, x, y):
    params = list(net.parameters())
    shapes = [p.shape for p in params]
    sizes = [p.numel() for p in params]
    flat0 = torch.cat([p.detach().reshape(-1) for p in params])

    def loss_of(flat):
        chunks = torch.split(flat, sizes)
        weights = {name: c.reshape(s) for (name, _), c, s in zip(net.named_parameters(), chunks, shapes)}
        return F.cross_entropy(torch.func.functional_call(net, weights, (x,)), y)

    return torch.autograd.functional.hessian(loss_of, flat0)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_sharpness_is_the_top_eigenvalue_of_the_full_hessian(activation):
    model = MLP([2, 6, 3], activation=activation, weight_init="kaiming_normal", rng=np.random.default_rng(1))
    net = mlp_to_torch(model)
    x, y = _batch(20, 2, 3, seed=3)
    top = float(torch.linalg.eigvalsh(_full_hessian(net, x, y))[-1])
    got = sharpness(lambda: F.cross_entropy(net(x), y), net.parameters(), n_iter=300)
    np.testing.assert_allclose(got, top, rtol=1e-6)


def test_sharpness_of_a_quadratic_and_its_seed():
    w = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    a = torch.tensor([[4.0, 1.0, 0.0], [1.0, 3.0, 0.0], [0.0, 0.0, 1.0]], dtype=torch.float64)
    top = float(torch.linalg.eigvalsh(a)[-1])  # Hessian of w^T A w / 2 is A
    for seed in (0, 1):
        got = sharpness(lambda: 0.5 * w @ a @ w, [w], n_iter=200, seed=seed)
        np.testing.assert_allclose(got, top, rtol=1e-10)
    state = torch.random.get_rng_state()
    sharpness(lambda: 0.5 * w @ a @ w, [w], n_iter=2)
    assert torch.equal(state, torch.random.get_rng_state())  # the global RNG is untouched
    assert sharpness(lambda: 0.5 * w @ a @ w, [w], n_iter=3, seed=5) == \
        sharpness(lambda: 0.5 * w @ a @ w, [w], n_iter=3, seed=5)


def test_sharpness_bad_arguments():
    w = torch.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match="^loss_fn must be callable, got float"):
        sharpness(1.0, [w])
    with pytest.raises(ValueError, match="^params must be a non-empty iterable of tensors that require grad"):
        sharpness(lambda: (w**2).sum(), [])
    with pytest.raises(ValueError, match="^params must be a non-empty iterable of tensors that require grad"):
        sharpness(lambda: (w**2).sum(), [torch.zeros(2)])
    with pytest.raises(ValueError, match=r"^n_iter must be >= 1, got 0"):
        sharpness(lambda: (w**2).sum(), [w], n_iter=0)
    with pytest.raises(ValueError, match=r"^loss_fn must return a scalar tensor, got Tensor of shape \(2,\)"):
        sharpness(lambda: w**2, [w])


def test_count_flops_of_an_mlp_by_hand():
    from lecturelib.torchkit.autograd import count_flops

    sizes, n = [6, 5, 4], 3
    net = torch_mlp(sizes)
    x = torch.zeros(n, sizes[0], requires_grad=True)
    y = torch.zeros(n, dtype=torch.long)
    # forward: 2 N n_in n_out per layer; backward: one product for dW per
    # layer, one for dx per layer whose input needs a gradient
    forward = sum(2 * n * a * b for a, b in zip(sizes[:-1], sizes[1:]))
    assert count_flops(lambda: F.cross_entropy(net(x), y)) == forward
    assert count_flops(lambda: F.cross_entropy(net(x), y).backward()) == 3 * forward
    x.requires_grad_(False)
    first = 2 * n * sizes[0] * sizes[1]
    assert count_flops(lambda: F.cross_entropy(net(x), y).backward()) == 3 * forward - first


def test_count_flops_bad_arguments():
    from lecturelib.torchkit.autograd import count_flops

    with pytest.raises(TypeError, match="fn must be callable, got int"):
        count_flops(3)
