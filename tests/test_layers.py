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
    activation_backward,
    activation_forward,
    linear_backward,
    linear_forward,
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
