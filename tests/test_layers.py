"""Tests for lecturelib.layers: torch float64 parity, finite differences, shape errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numpy.testing import assert_allclose

from lecturelib.activations import ACTIVATIONS
from lecturelib.gradcheck import check_gradients
from lecturelib.layers import (
    ActivationCache,
    LinearCache,
    MaxoutCache,
    activation_backward,
    activation_forward,
    linear_backward,
    linear_forward,
    maxout_backward,
    maxout_forward,
)
from lecturelib.torchkit.models import TORCH_ACTIVATIONS

TOL = dict(rtol=1e-12, atol=1e-14)
LINEAR_SHAPES = [(1, 1, 1), (4, 3, 5), (16, 7, 2)]  # (N, in_features, out_features)



def _linear_data(n, d_in, d_out, seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((n, d_in)),
        rng.standard_normal((d_out, d_in)),
        rng.standard_normal(d_out),
        rng.standard_normal((n, d_out)),
    )


@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("n, d_in, d_out", LINEAR_SHAPES)
def test_linear_matches_torch(n, d_in, d_out, with_bias):
    x, weight, bias, dout = _linear_data(n, d_in, d_out)
    bias = bias if with_bias else None
    out, cache = linear_forward(x, weight, bias)
    dx, dweight, dbias = linear_backward(dout, cache)

    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(weight, requires_grad=True)
    bt = torch.tensor(bias, requires_grad=True) if with_bias else None
    outt = F.linear(xt, wt, bt)
    outt.backward(torch.tensor(dout))

    assert out.shape == (n, d_out)
    assert_allclose(out, outt.detach().numpy(), **TOL)
    assert_allclose(dx, xt.grad.numpy(), **TOL)
    assert_allclose(dweight, wt.grad.numpy(), **TOL)
    if with_bias:
        assert_allclose(dbias, bt.grad.numpy(), **TOL)
    else:
        assert dbias is None


@pytest.mark.parametrize("n, d_in, d_out", LINEAR_SHAPES)
def test_linear_backward_matches_finite_differences(n, d_in, d_out):
    x, weight, bias, dout = _linear_data(n, d_in, d_out, seed=1)
    _, cache = linear_forward(x, weight, bias)
    dx, dweight, dbias = linear_backward(dout, cache)

    def loss():
        return np.sum(linear_forward(x, weight, bias)[0] * dout)

    report = check_gradients(
        loss, {"x": x, "weight": weight, "bias": bias}, {"x": dx, "weight": dweight, "bias": dbias}, rtol=1e-7
    )
    assert report.max_error < 1e-7


def test_linear_cache_is_named_tuple():
    x, weight, bias, _ = _linear_data(2, 3, 4)
    _, cache = linear_forward(x, weight, bias)
    assert isinstance(cache, LinearCache)
    assert cache.x is x and cache.weight is weight and cache.bias is bias


def test_linear_feature_mismatch_prints_both_shapes():
    with pytest.raises(
        ValueError,
        match=r"x has 3 features but weight expects in_features=4: x.shape=\(2, 3\), weight.shape=\(5, 4\)",
    ):
        linear_forward(np.ones((2, 3)), np.ones((5, 4)), np.ones(5))


def test_linear_bias_shape_error():
    with pytest.raises(ValueError, match=r"bias must have shape \(5,\).*weight.shape=\(5, 4\).*got shape \(4,\)"):
        linear_forward(np.ones((2, 4)), np.ones((5, 4)), np.ones(4))


@pytest.mark.parametrize(
    "x, weight, bias, name, error",
    [
        (np.ones(4), np.ones((5, 4)), None, "x", ValueError),
        (np.ones((2, 4)), np.ones(4), None, "weight", ValueError),
        (np.ones((2, 4), dtype=int), np.ones((5, 4)), None, "x", TypeError),
        (np.full((2, 4), np.nan), np.ones((5, 4)), None, "x", ValueError),
        (np.ones((2, 4)), np.ones((5, 4)), np.array([1.0, 2, 3, 4, np.inf]), "bias", ValueError),
    ],
)
def test_linear_forward_bad_inputs(x, weight, bias, name, error):
    with pytest.raises(error, match=f"^{name} must"):
        linear_forward(x, weight, bias)


def test_linear_backward_bad_inputs():
    x, weight, bias, dout = _linear_data(3, 4, 5)
    _, cache = linear_forward(x, weight, bias)
    with pytest.raises(ValueError, match=r"dout must have shape \(3, 5\).*got shape \(3, 4\)"):
        linear_backward(np.ones((3, 4)), cache)
    with pytest.raises(ValueError, match="dout must contain only finite"):
        linear_backward(np.full((3, 5), np.nan), cache)
    with pytest.raises(TypeError, match="cache must be the LinearCache"):
        linear_backward(dout, (x, weight, bias))


@pytest.mark.parametrize("shape", [(5,), (4, 3), (2, 3, 4)])
@pytest.mark.parametrize("activation", sorted(TORCH_ACTIVATIONS))
def test_activation_matches_torch(activation, shape):
    rng = np.random.default_rng(3)
    x, dout = 2.0 * rng.standard_normal(shape), rng.standard_normal(shape)
    out, cache = activation_forward(x, activation)
    dx = activation_backward(dout, cache)

    xt = torch.tensor(x, requires_grad=True)
    outt = TORCH_ACTIVATIONS[activation]()(xt)
    outt.backward(torch.tensor(dout))
    assert_allclose(out, outt.detach().numpy(), **TOL)
    assert_allclose(dx, xt.grad.numpy(), **TOL)
    assert isinstance(cache, ActivationCache)
    assert cache.x is x and cache.activation == activation


@pytest.mark.parametrize("activation", sorted(TORCH_ACTIVATIONS))
def test_activation_backward_matches_finite_differences(activation):
    rng = np.random.default_rng(4)
    x, dout = rng.standard_normal((4, 6)), rng.standard_normal((4, 6))
    x[np.abs(x) < 0.1] = 0.5  # keep away from relu's kink
    _, cache = activation_forward(x, activation)
    dx = activation_backward(dout, cache)
    report = check_gradients(
        lambda: np.sum(activation_forward(x, activation)[0] * dout), {"x": x}, {"x": dx}, rtol=1e-7
    )
    assert report.max_error < 1e-7


def test_activation_uses_registry(monkeypatch):
    monkeypatch.setitem(ACTIVATIONS, "square", (lambda x: x * x, lambda x: 2 * x))
    x = np.array([[1.0, -2.0]])
    out, cache = activation_forward(x, "square")
    assert_allclose(out, [[1.0, 4.0]], rtol=0, atol=0)
    assert_allclose(activation_backward(np.ones_like(x), cache), [[2.0, -4.0]], rtol=0, atol=0)


def test_activation_bad_inputs():
    with pytest.raises(ValueError, match=r"activation must be one of \[.*'relu'.*\], got 'swish'"):
        activation_forward(np.ones(3), "swish")
    with pytest.raises(TypeError, match="x must be a floating-point array"):
        activation_forward(np.ones(3, dtype=int), "relu")
    with pytest.raises(ValueError, match="x must contain only finite values"):
        activation_forward(np.array([np.nan]), "relu")
    _, cache = activation_forward(np.ones((2, 3)), "tanh")
    match = r"dout and the forward output must have the same shape, got \(3, 2\) and \(2, 3\)"
    with pytest.raises(ValueError, match=match):
        activation_backward(np.ones((3, 2)), cache)
    with pytest.raises(TypeError, match="cache must be the ActivationCache"):
        activation_backward(np.ones((2, 3)), (np.ones((2, 3)), "tanh"))


# ------------------------------------------------------------ maxout

MAXOUT_SHAPES = [(1, 1, 1, 1), (5, 3, 4, 2), (8, 6, 3, 3), (4, 2, 5, 1)]  # (N, in_features, out_features, pieces)


def _maxout_data(n, d_in, d_out, pieces, seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((n, d_in)),
        rng.standard_normal((d_out * pieces, d_in)),
        rng.standard_normal(d_out * pieces),
        rng.standard_normal((n, d_out)),
    )


def _torch_maxout(x, weight, bias, pieces, dout):
    """The layout the numpy maxout documents, written with torch's ops; returns values and autograd gradients."""
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(weight, requires_grad=True)
    bt = None if bias is None else torch.tensor(bias, requires_grad=True)
    outt = F.linear(xt, wt, bt).view(x.shape[0], weight.shape[0] // pieces, pieces).max(-1).values
    outt.backward(torch.tensor(dout))
    return outt.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(), None if bt is None else bt.grad.numpy()


@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("n, d_in, d_out, pieces", MAXOUT_SHAPES)
def test_maxout_matches_torch(n, d_in, d_out, pieces, with_bias):
    x, weight, bias, dout = _maxout_data(n, d_in, d_out, pieces)
    bias = bias if with_bias else None
    out, cache = maxout_forward(x, weight, bias, pieces=pieces)
    dx, dweight, dbias = maxout_backward(dout, cache)
    want = _torch_maxout(x, weight, bias, pieces, dout)
    assert out.shape == (n, d_out) and cache.argmax.shape == (n, d_out)
    assert_allclose(out, want[0], **TOL)
    assert_allclose(dx, want[1], **TOL)
    assert_allclose(dweight, want[2], **TOL)
    if with_bias:
        assert_allclose(dbias, want[3], **TOL)
    else:
        assert dbias is None


def test_maxout_matches_the_torch_module():
    from lecturelib.torchkit.models import Maxout

    x, weight, bias, dout = _maxout_data(6, 4, 3, 2, seed=2)
    layer = Maxout(4, 3, pieces=2).double()
    with torch.no_grad():
        layer.linear.weight.copy_(torch.tensor(weight))
        layer.linear.bias.copy_(torch.tensor(bias))
    xt = torch.tensor(x, requires_grad=True)
    outt = layer(xt)
    outt.backward(torch.tensor(dout))
    out, cache = maxout_forward(x, weight, bias, pieces=2)
    dx, dweight, dbias = maxout_backward(dout, cache)
    assert_allclose(out, outt.detach().numpy(), **TOL)
    assert_allclose(dx, xt.grad.numpy(), **TOL)
    assert_allclose(dweight, layer.linear.weight.grad.numpy(), **TOL)
    assert_allclose(dbias, layer.linear.bias.grad.numpy(), **TOL)


def test_maxout_ties_send_the_gradient_to_the_first_piece_as_torch():
    x, _, _, dout = _maxout_data(4, 3, 2, 3, seed=3)
    rng = np.random.default_rng(4)
    unit = rng.standard_normal((2, 3))
    weight = np.repeat(unit, 3, axis=0)  # all three pieces of each unit are equal: every maximum is a tie
    bias = np.zeros(6)
    out, cache = maxout_forward(x, weight, bias, pieces=3)
    dx, dweight, dbias = maxout_backward(dout, cache)
    np.testing.assert_array_equal(cache.argmax, 0)
    want = _torch_maxout(x, weight, bias, 3, dout)
    assert_allclose(out, want[0], **TOL)
    assert_allclose(dweight, want[2], **TOL)
    assert_allclose(dbias, want[3], **TOL)
    assert_allclose(dweight[1::3], 0.0, rtol=0, atol=0)  # pieces 1 and 2 of each unit get nothing
    assert_allclose(dweight[2::3], 0.0, rtol=0, atol=0)


def test_maxout_layout_unit_j_owns_consecutive_rows():
    x = np.array([[1.0, 2.0]])
    weight = np.array([[1.0, 0.0], [0.0, 1.0],   # unit 0: max(x0, x1) = 2
                       [-1.0, 0.0], [0.0, -1.0]])  # unit 1: max(-x0, -x1) = -1
    out, cache = maxout_forward(x, weight, None, pieces=2)
    assert_allclose(out, [[2.0, -1.0]], rtol=0, atol=0)
    np.testing.assert_array_equal(cache.argmax, [[1, 0]])


def test_maxout_with_two_pieces_can_be_relu():
    x = np.random.default_rng(5).standard_normal((6, 3))
    w = np.random.default_rng(6).standard_normal((4, 3))
    weight = np.zeros((8, 3))
    weight[1::2] = w  # pieces: 0 and w x
    out, _ = maxout_forward(x, weight, np.zeros(8), pieces=2)
    assert_allclose(out, np.maximum(x @ w.T, 0.0), rtol=0, atol=0)


def test_maxout_with_one_piece_is_linear():
    x, weight, bias, dout = _maxout_data(5, 3, 4, 1, seed=7)
    out, cache = maxout_forward(x, weight, bias, pieces=1)
    lin_out, lin_cache = linear_forward(x, weight, bias)
    assert_allclose(out, lin_out, rtol=0, atol=0)
    for a, b in zip(maxout_backward(dout, cache), linear_backward(dout, lin_cache)):
        assert_allclose(a, b, rtol=0, atol=0)


@pytest.mark.parametrize("n, d_in, d_out, pieces", MAXOUT_SHAPES)
def test_maxout_backward_matches_finite_differences(n, d_in, d_out, pieces):
    x, weight, bias, dout = _maxout_data(n, d_in, d_out, pieces, seed=8)
    out, cache = maxout_forward(x, weight, bias, pieces=pieces)
    z = (x @ weight.T + bias).reshape(n, d_out, pieces)
    top2 = np.sort(z, axis=-1)[..., -2:] if pieces > 1 else None
    assert pieces == 1 or np.min(top2[..., 1] - top2[..., 0]) > 1e-4  # no near-tie: max is differentiable here
    dx, dweight, dbias = maxout_backward(dout, cache)
    report = check_gradients(
        lambda: np.sum(maxout_forward(x, weight, bias, pieces=pieces)[0] * dout),
        {"x": x, "weight": weight, "bias": bias}, {"x": dx, "weight": dweight, "bias": dbias}, rtol=1e-7,
    )
    assert report.max_error < 1e-7


def test_maxout_cache_is_named_tuple():
    x, weight, bias, _ = _maxout_data(3, 2, 4, 2)
    _, cache = maxout_forward(x, weight, bias, pieces=2)
    assert isinstance(cache, MaxoutCache) and isinstance(cache.linear, LinearCache)
    assert cache.linear.x is x and cache.linear.weight is weight and cache.linear.bias is bias
    assert cache.argmax.dtype.kind == "i" and cache.argmax.min() >= 0 and cache.argmax.max() < 2


@pytest.mark.parametrize("x, weight, bias, pieces, error, match", [
    (np.ones((2, 3)), np.ones((5, 3)), None, 2, ValueError,
     r"^weight must have out_features \* pieces rows, a positive multiple of pieces=2, got weight.shape=\(5, 3\)"),
    (np.ones((2, 3)), np.ones((0, 3)), None, 2, ValueError, "^weight must have out_features"),
    (np.ones((2, 3)), np.ones((4, 3)), None, 0, ValueError, "^pieces must be >= 1, got 0"),
    (np.ones((2, 3)), np.ones((4, 3)), None, 2.0, TypeError, "^pieces must be an integer, got float 2.0"),
    (np.ones((2, 3)), np.ones((4, 2)), None, 2, ValueError,
     r"^x has 3 features but weight expects in_features=2: x.shape=\(2, 3\), weight.shape=\(4, 2\)"),
    (np.ones((2, 3)), np.ones((4, 3)), np.ones(2), 2, ValueError,
     r"^bias must have shape \(4,\).*got shape \(2,\)"),
    (np.ones(3), np.ones((4, 3)), None, 2, ValueError, "^x must be a 2-D array"),
    (np.ones((2, 3)), np.ones(4), None, 2, ValueError, "^weight must be a 2-D array"),
])
def test_maxout_forward_bad_inputs(x, weight, bias, pieces, error, match):
    with pytest.raises(error, match=match):
        maxout_forward(x, weight, bias, pieces=pieces)


def test_maxout_pieces_is_keyword_only_and_required():
    with pytest.raises(TypeError):
        maxout_forward(np.ones((2, 3)), np.ones((4, 3)), None, 2)
    with pytest.raises(TypeError):
        maxout_forward(np.ones((2, 3)), np.ones((4, 3)))


def test_maxout_backward_bad_inputs():
    x, weight, bias, dout = _maxout_data(3, 4, 5, 2)
    _, cache = maxout_forward(x, weight, bias, pieces=2)
    with pytest.raises(ValueError, match=r"^dout must have shape \(3, 5\).*got shape \(3, 10\)"):
        maxout_backward(np.ones((3, 10)), cache)
    with pytest.raises(ValueError, match="^dout must contain only finite"):
        maxout_backward(np.full((3, 5), np.nan), cache)
    with pytest.raises(TypeError, match="^cache must be the MaxoutCache returned by maxout_forward, got LinearCache"):
        maxout_backward(dout, cache.linear)
