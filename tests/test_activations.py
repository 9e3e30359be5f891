"""Tests for lecturelib.activations: torch float64 parity, finite differences, errors, stability."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

from lecturelib.activations import (
    ACTIVATIONS,
    get_activation,
    identity,
    identity_grad,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    tanh,
    tanh_grad,
)
from lecturelib.gradcheck import numerical_gradient, rel_error
from lecturelib.torchkit.models import TORCH_ACTIVATIONS

SHAPES = [(7,), (3, 4), (2, 3, 5)]
#: The torch oracle of every activation: the one reference table, next to the book's torch code.
TORCH_FNS = {name: module() for name, module in TORCH_ACTIVATIONS.items()}
PAIRS = {"sigmoid": (sigmoid, sigmoid_grad), "tanh": (tanh, tanh_grad), "relu": (relu, relu_grad)}


def _inputs(shape, seed=0, scale=3.0):
    return scale * np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", sorted(TORCH_FNS))
def test_forward_and_grad_match_torch(name, shape):
    fn, grad = get_activation(name)
    x = _inputs(shape)
    x[..., 0] = 0.0  # include the kink of relu
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    yt = TORCH_FNS[name](xt)
    yt.sum().backward()
    assert_allclose(fn(x), yt.detach().numpy(), rtol=1e-12, atol=1e-14)
    assert_allclose(grad(x), xt.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", sorted(TORCH_FNS))
def test_grad_matches_finite_differences(name, shape):
    fn, grad = get_activation(name)
    x = _inputs(shape, seed=1, scale=1.0)  # unsaturated: a gradient of 1e-7 drowns in rounding noise
    x[np.abs(x) < 0.1] = 0.5  # keep away from relu's kink
    w = np.random.default_rng(2).standard_normal(shape)
    numeric = numerical_gradient(lambda z: np.sum(w * fn(z)), x)
    assert rel_error(w * grad(x), numeric) < 1e-7


def test_relu_grad_is_zero_at_zero():
    assert_allclose(relu_grad(np.array([-1.0, 0.0, 2.0])), [0.0, 0.0, 1.0], rtol=0, atol=0)


def test_known_values():
    assert_allclose(sigmoid(np.array([0.0])), [0.5], rtol=0, atol=0)
    assert_allclose(sigmoid_grad(np.array([0.0])), [0.25], rtol=0, atol=0)
    assert_allclose(tanh_grad(np.array([0.0])), [1.0], rtol=0, atol=0)
    assert_allclose(identity_grad(np.array([-3.0, 4.0])), [1.0, 1.0], rtol=0, atol=0)


def test_identity_returns_a_copy():
    x = np.array([1.0, 2.0])
    y = identity(x)
    y[0] = 5.0
    assert x[0] == 1.0


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "identity"])
def test_stable_at_plus_minus_1000(name):
    fn, grad = get_activation(name)
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            out, d = fn(x), grad(x)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(d))
    xt = torch.tensor(x, requires_grad=True)
    TORCH_FNS[name](xt).sum().backward()
    assert_allclose(out, TORCH_FNS[name](xt).detach().numpy(), rtol=1e-12, atol=1e-14)
    assert_allclose(d, xt.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_sigmoid_saturates_exactly():
    assert_allclose(sigmoid(np.array([-1000.0, 1000.0])), [0.0, 1.0], rtol=0, atol=0)


def test_float32_dtype_is_kept():
    x = np.array([-1.0, 0.5], dtype=np.float32)
    for fn, grad in ACTIVATIONS.values():
        assert fn(x).dtype == np.float32
        assert grad(x).dtype == np.float32


def test_registry_holds_pairs():
    assert set(ACTIVATIONS) >= {"sigmoid", "tanh", "relu", "identity"}
    for name, (fn, grad) in PAIRS.items():
        assert get_activation(name) == (fn, grad)


def test_registry_can_be_extended(monkeypatch):
    def square(x):
        return x * x

    def square_grad(x):
        return 2 * x

    monkeypatch.setitem(ACTIVATIONS, "square", (square, square_grad))
    assert get_activation("square") == (square, square_grad)


def test_unknown_activation_lists_allowed_names():
    with pytest.raises(ValueError, match=r"activation must be one of \[.*'relu'.*\], got 'swish'"):
        get_activation("swish")
    with pytest.raises(ValueError, match="activation"):
        get_activation(None)


@pytest.mark.parametrize("name", sorted(TORCH_FNS))
def test_rejects_integer_input(name):
    fn, grad = get_activation(name)
    with pytest.raises(TypeError, match="x must be a floating-point array"):
        fn(np.array([1, 2]))
    with pytest.raises(TypeError, match="x must be a floating-point array"):
        grad(np.array([1, 2]))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("name", sorted(TORCH_FNS))
def test_rejects_nan_and_inf(name, bad):
    fn, grad = get_activation(name)
    with pytest.raises(ValueError, match="x must contain only finite values"):
        fn(np.array([0.0, bad]))
    with pytest.raises(ValueError, match="x must contain only finite values"):
        grad(np.array([0.0, bad]))
