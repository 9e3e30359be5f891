"""Tests for lecturelib.layers: torch float64 parity, finite differences, shape errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numpy.testing import assert_allclose, assert_array_equal

from lecturelib.activations import ACTIVATIONS
from lecturelib.gradcheck import check_gradients
from lecturelib.layers import (
    ActivationCache,
    BatchNorm2dCache,
    BatchNormCache,
    BatchNormResult,
    DropoutCache,
    GaussianNoiseCache,
    LayerNormCache,
    LinearCache,
    MaxoutCache,
    activation_backward,
    activation_forward,
    batchnorm2d_backward,
    batchnorm2d_forward,
    batchnorm_backward,
    batchnorm_forward,
    dropout_backward,
    dropout_forward,
    gaussian_noise_backward,
    gaussian_noise_forward,
    layernorm_backward,
    layernorm_forward,
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


# ------------------------------------------------------------ batch norm

BN_TOL = dict(rtol=1e-10, atol=1e-12)
BN_BATCH_SIZES = [2, 3, 17, 64]
BN_MOMENTA = [0.0, 0.1, 0.5, 1.0]
BN_STEPS = 5


def _bn_params(c, rng):
    """gamma, beta and running statistics away from torch's defaults (1, 0, 0, 1)."""
    return (
        rng.uniform(0.5, 2.0, c) * rng.choice([-1.0, 1.0], c),
        rng.standard_normal(c),
        rng.standard_normal(c),
        rng.uniform(0.5, 2.0, c),
    )


def _bn_batch(shape, rng):
    """A batch with a different mean and scale per channel (axis 1)."""
    c = shape[1]
    loc = rng.uniform(-3.0, 3.0, c).reshape((1, c) + (1,) * (len(shape) - 2))
    scale = rng.uniform(0.1, 4.0, c).reshape(loc.shape)
    return loc + scale * rng.standard_normal(shape), rng.standard_normal(shape)


def _torch_bn(module_cls, c, gamma, beta, running_mean, running_var, momentum, eps=1e-5):
    layer = module_cls(c, momentum=momentum, eps=eps, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(gamma))
        layer.bias.copy_(torch.tensor(beta))
        layer.running_mean.copy_(torch.tensor(running_mean))
        layer.running_var.copy_(torch.tensor(running_var))
    return layer


def _torch_bn_step(layer, x, dout, training):
    """One forward/backward of a torch batch-norm module; returns out, dx, dgamma, dbeta as numpy."""
    layer.train(training)
    layer.zero_grad()
    xt = torch.tensor(x, requires_grad=True)
    outt = layer(xt)
    outt.backward(torch.tensor(dout))
    return outt.detach().numpy(), xt.grad.numpy(), layer.weight.grad.numpy(), layer.bias.grad.numpy()


def _assert_bn_step_matches(ours, grads, want, layer):
    out, running_mean, running_var, _ = ours
    assert_allclose(out, want[0], **BN_TOL)
    for got, expected in zip(grads, want[1:]):
        assert_allclose(got, expected, **BN_TOL)
    assert_allclose(running_mean, layer.running_mean.numpy(), **BN_TOL)
    assert_allclose(running_var, layer.running_var.numpy(), **BN_TOL)


@pytest.mark.parametrize("momentum", BN_MOMENTA)
@pytest.mark.parametrize("n", BN_BATCH_SIZES)
def test_batchnorm_matches_torch_over_steps(n, momentum):
    """Five training steps, each followed by an eval pass, feeding the running statistics back in."""
    rng = np.random.default_rng(100 + n)
    c = 4
    gamma, beta, running_mean, running_var = _bn_params(c, rng)
    layer = _torch_bn(torch.nn.BatchNorm1d, c, gamma, beta, running_mean, running_var, momentum)
    for _ in range(BN_STEPS):
        for training in (True, False):
            x, dout = _bn_batch((n, c), rng)
            result = batchnorm_forward(
                x, gamma, beta, running_mean, running_var, training=training, momentum=momentum
            )
            grads = batchnorm_backward(dout, result.cache)
            want = _torch_bn_step(layer, x, dout, training)
            _assert_bn_step_matches(result, grads, want, layer)
            running_mean, running_var = result.running_mean, result.running_var
    assert int(layer.num_batches_tracked) == BN_STEPS


@pytest.mark.parametrize("eps", [1e-5, 0.3])
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_eps_sits_under_the_square_root_as_in_torch(training, eps):
    rng = np.random.default_rng(7)
    gamma, beta, running_mean, running_var = _bn_params(3, rng)
    running_var[0] = 1e-4  # eps dominates this channel in eval mode
    x, dout = _bn_batch((5, 3), rng)
    x[:, 1] = 2.0 + 1e-3 * rng.standard_normal(5)  # and this one in training mode
    layer = _torch_bn(torch.nn.BatchNorm1d, 3, gamma, beta, running_mean, running_var, 0.1, eps)
    result = batchnorm_forward(x, gamma, beta, running_mean, running_var, training=training, eps=eps)
    grads = batchnorm_backward(dout, result.cache)
    _assert_bn_step_matches(result, grads, _torch_bn_step(layer, x, dout, training), layer)


@pytest.mark.parametrize("momentum", BN_MOMENTA)
@pytest.mark.parametrize("shape", [(2, 3, 1, 1), (1, 3, 2, 2), (3, 2, 4, 5), (17, 3, 2, 3), (64, 2, 3, 3)])
def test_batchnorm2d_matches_torch_over_steps(shape, momentum):
    rng = np.random.default_rng(200 + shape[0])
    c = shape[1]
    gamma, beta, running_mean, running_var = _bn_params(c, rng)
    layer = _torch_bn(torch.nn.BatchNorm2d, c, gamma, beta, running_mean, running_var, momentum)
    for _ in range(BN_STEPS):
        for training in (True, False):
            x, dout = _bn_batch(shape, rng)
            result = batchnorm2d_forward(
                x, gamma, beta, running_mean, running_var, training=training, momentum=momentum
            )
            assert result.out.shape == shape
            grads = batchnorm2d_backward(dout, result.cache)
            assert grads[0].shape == shape
            want = _torch_bn_step(layer, x, dout, training)
            _assert_bn_step_matches(result, grads, want, layer)
            running_mean, running_var = result.running_mean, result.running_var


def test_batchnorm_running_var_is_unbiased_and_momentum_weights_the_new_value():
    x = np.array([[1.0, 0.0], [3.0, 0.0], [5.0, 6.0]])  # means 3, 2; biased vars 8/3, 8; unbiased 4, 12
    result = batchnorm_forward(x, np.ones(2), np.zeros(2), np.array([1.0, 1.0]), np.array([2.0, 2.0]),
                               training=True, momentum=0.25)
    assert_allclose(result.running_mean, [0.75 * 1 + 0.25 * 3, 0.75 * 1 + 0.25 * 2], rtol=1e-15)
    assert_allclose(result.running_var, [0.75 * 2 + 0.25 * 4, 0.75 * 2 + 0.25 * 12], rtol=1e-15)
    assert_allclose(result.out[:, 0], np.array([-2.0, 0.0, 2.0]) / np.sqrt(8 / 3 + 1e-5), rtol=1e-14)


def test_batchnorm_eval_uses_and_returns_the_running_statistics():
    rng = np.random.default_rng(8)
    gamma, beta, running_mean, running_var = _bn_params(3, rng)
    x, _ = _bn_batch((6, 3), rng)
    result = batchnorm_forward(x, gamma, beta, running_mean, running_var, training=False, momentum=0.5)
    assert result.running_mean is running_mean and result.running_var is running_var
    want = gamma * (x - running_mean) / np.sqrt(running_var + 1e-5) + beta
    assert_allclose(result.out, want, rtol=1e-14, atol=1e-14)


def _copies(*arrays):
    return [a.copy() for a in arrays]


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_does_not_mutate_its_inputs(training):
    rng = np.random.default_rng(9)
    params = _bn_params(3, rng)
    x, dout = _bn_batch((5, 3), rng)
    before = _copies(x, dout, *params)
    result = batchnorm_forward(x, *params, training=training, momentum=0.5)
    dx, dgamma, dbeta = batchnorm_backward(dout, result.cache)
    for got, want in zip((x, dout, *params), before):
        np.testing.assert_array_equal(got, want)
    if training:
        assert not np.shares_memory(result.running_mean, params[2])
        assert not np.shares_memory(result.running_var, params[3])
        assert not np.allclose(result.running_var, params[3])  # it did change, in the copy
    assert not any(np.shares_memory(g, a) for g in (dx, dgamma, dbeta) for a in (x, dout, *params))


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm2d_does_not_mutate_its_inputs(training):
    rng = np.random.default_rng(10)
    params = _bn_params(2, rng)
    x, dout = _bn_batch((3, 2, 4, 5), rng)
    before = _copies(x, dout, *params)
    result = batchnorm2d_forward(x, *params, training=training, momentum=0.5)
    batchnorm2d_backward(dout, result.cache)
    for got, want in zip((x, dout, *params), before):
        np.testing.assert_array_equal(got, want)


def _bn_gradcheck(forward, backward, shape, training, seed, eps=1e-5):
    rng = np.random.default_rng(seed)
    gamma, beta, running_mean, running_var = _bn_params(shape[1], rng)
    x, dout = _bn_batch(shape, rng)

    def loss():
        return np.sum(forward(x, gamma, beta, running_mean, running_var, training=training, eps=eps).out * dout)

    result = forward(x, gamma, beta, running_mean, running_var, training=training, eps=eps)
    dx, dgamma, dbeta = backward(dout, result.cache)
    report = check_gradients(
        loss, {"x": x, "gamma": gamma, "beta": beta}, {"x": dx, "gamma": dgamma, "beta": dbeta}, rtol=1e-7
    )
    assert report.max_error < 1e-7


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("n, eps", [(2, 0.5), (3, 1e-5), (3, 0.5), (17, 1e-5)])
def test_batchnorm_backward_matches_finite_differences(n, eps, training):
    """With N = 2 and a small eps, training-mode outputs are +-gamma whatever x is, and dx is
    of the order of eps: finite differences would see only rounding, so that case uses eps=0.5."""
    _bn_gradcheck(batchnorm_forward, batchnorm_backward, (n, 4), training, seed=11 + n, eps=eps)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(1, 2, 2, 3), (3, 2, 2, 2)])
def test_batchnorm2d_backward_matches_finite_differences(shape, training):
    _bn_gradcheck(batchnorm2d_forward, batchnorm2d_backward, shape, training, seed=12)


def test_batchnorm_backward_in_training_mode_is_not_the_eval_formula():
    """The batch statistics depend on x: dropping that dependence would fail the torch comparison above."""
    rng = np.random.default_rng(13)
    gamma, beta, running_mean, running_var = _bn_params(3, rng)
    x, dout = _bn_batch((4, 3), rng)
    cache = batchnorm_forward(x, gamma, beta, running_mean, running_var, training=True).cache
    dx = batchnorm_backward(dout, cache)[0]
    assert_allclose(dx.sum(axis=0), 0.0, atol=1e-12)  # a shift of x changes nothing
    assert not np.allclose(dx, dout * gamma * cache.inv_std)


def test_batchnorm_one_example_raises_in_training_like_torch():
    x = np.array([[1.0, 2.0, 3.0]])
    params = (np.ones(3), np.zeros(3), np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training") as ours:
        batchnorm_forward(x, *params, training=True)
    assert r"x of shape (1, 3)" in str(ours.value)
    layer = torch.nn.BatchNorm1d(3, dtype=torch.float64)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        layer(torch.tensor(x))


def test_batchnorm_one_example_works_in_eval_like_torch():
    rng = np.random.default_rng(14)
    gamma, beta, running_mean, running_var = _bn_params(3, rng)
    x, dout = _bn_batch((1, 3), rng)
    layer = _torch_bn(torch.nn.BatchNorm1d, 3, gamma, beta, running_mean, running_var, 0.1)
    result = batchnorm_forward(x, gamma, beta, running_mean, running_var, training=False)
    grads = batchnorm_backward(dout, result.cache)
    _assert_bn_step_matches(result, grads, _torch_bn_step(layer, x, dout, False), layer)


def test_batchnorm2d_needs_two_values_per_channel_not_two_images():
    params = (np.ones(2), np.zeros(2), np.zeros(2), np.ones(2))
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training.*\(1, 2, 1, 1\)"):
        batchnorm2d_forward(np.ones((1, 2, 1, 1)), *params, training=True)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        torch.nn.BatchNorm2d(2, dtype=torch.float64)(torch.ones(1, 2, 1, 1, dtype=torch.float64))
    out = batchnorm2d_forward(np.ones((1, 2, 1, 1)), *params, training=False).out
    assert out.shape == (1, 2, 1, 1)
    # one image of 2 x 2 pixels trains: covered against torch in test_batchnorm2d_matches_torch_over_steps


def test_batchnorm_caches_are_named_tuples():
    rng = np.random.default_rng(15)
    params = _bn_params(3, rng)
    result = batchnorm_forward(_bn_batch((4, 3), rng)[0], *params, training=True)
    assert isinstance(result, BatchNormResult) and isinstance(result.cache, BatchNormCache)
    assert result.cache.training is True and result.cache.gamma is params[0]
    result2d = batchnorm2d_forward(_bn_batch((2, 3, 2, 2), rng)[0], *params, training=False)
    assert isinstance(result2d.cache, BatchNorm2dCache) and result2d.cache.shape == (2, 3, 2, 2)
    assert result2d.cache.flat.training is False


BN_GOOD = dict(gamma=np.ones(3), beta=np.zeros(3), running_mean=np.zeros(3), running_var=np.ones(3))


@pytest.mark.parametrize("name", ["gamma", "beta", "running_mean", "running_var"])
def test_batchnorm_parameter_shape_mismatch_names_both_shapes(name):
    args = dict(BN_GOOD, **{name: np.ones(2)})
    match = rf"^{name} must have shape \(3,\) \(one per channel\) to match x.shape=\(4, 3\), got shape \(2,\)"
    with pytest.raises(ValueError, match=match):
        batchnorm_forward(np.ones((4, 3)), **args, training=True)
    match = rf"^{name} must have shape \(3,\).*x.shape=\(4, 3, 2, 2\), got shape \(2,\)"
    with pytest.raises(ValueError, match=match):
        batchnorm2d_forward(np.ones((4, 3, 2, 2)), **args, training=True)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(momentum=-0.1), ValueError, r"^momentum must be >= 0.0, got -0.1"),
    (dict(momentum=1.5), ValueError, r"^momentum must be <= 1.0, got 1.5"),
    (dict(momentum=None), TypeError, r"^momentum must be a real number, got NoneType"),
    (dict(eps=0.0), ValueError, r"^eps must be > 0.0, got 0.0"),
    (dict(eps=-1e-5), ValueError, r"^eps must be > 0.0, got -1e-05"),
    (dict(training=1), TypeError, r"^training must be a bool, got int 1"),
    (dict(training="train"), TypeError, r"^training must be a bool, got str 'train'"),
])
@pytest.mark.parametrize("forward, shape", [(batchnorm_forward, (4, 3)), (batchnorm2d_forward, (4, 3, 2, 2))])
def test_batchnorm_bad_settings_name_the_parameter(forward, shape, kwargs, error, match):
    settings = dict(dict(training=True), **kwargs)
    with pytest.raises(error, match=match):
        forward(np.ones(shape), **BN_GOOD, **settings)


@pytest.mark.parametrize("args, error, match", [
    (dict(x=np.ones(3)), ValueError, "^x must be a 2-D array"),
    (dict(x=np.ones((4, 3), dtype=int)), TypeError, "^x must be a floating-point array"),
    (dict(x=np.full((4, 3), np.nan)), ValueError, "^x must contain only finite values"),
    (dict(gamma=np.ones(3, dtype=int)), TypeError, "^gamma must be a floating-point array"),
    (dict(running_var=np.array([1.0, -0.5, 1.0])), ValueError, r"^running_var must be >= 0, got a minimum of -0.5"),
])
def test_batchnorm_forward_bad_arrays(args, error, match):
    args = dict(dict(x=np.ones((4, 3))), **BN_GOOD) | args
    with pytest.raises(error, match=match):
        batchnorm_forward(**args, training=False)


def test_batchnorm2d_forward_wants_four_dimensions():
    with pytest.raises(ValueError, match="^x must be a 4-D array, got a 2-D array of shape"):
        batchnorm2d_forward(np.ones((4, 3)), **BN_GOOD, training=True)


def test_batchnorm_settings_are_keyword_only_and_training_is_required():
    x = np.ones((4, 3))
    with pytest.raises(TypeError):
        batchnorm_forward(x, *BN_GOOD.values(), True)
    with pytest.raises(TypeError):
        batchnorm_forward(x, *BN_GOOD.values())


def test_batchnorm_backward_bad_inputs():
    x = np.random.default_rng(16).standard_normal((4, 3))
    result = batchnorm_forward(x, **BN_GOOD, training=True)
    with pytest.raises(ValueError, match=r"^dout must have shape \(4, 3\).*got shape \(3, 4\)"):
        batchnorm_backward(np.ones((3, 4)), result.cache)
    with pytest.raises(ValueError, match="^dout must contain only finite"):
        batchnorm_backward(np.full((4, 3), np.inf), result.cache)
    with pytest.raises(TypeError, match="^cache must be the BatchNormCache returned by batchnorm_forward, got tuple"):
        batchnorm_backward(np.ones((4, 3)), tuple(result.cache))
    result2d = batchnorm2d_forward(x.reshape(1, 3, 2, 2), **BN_GOOD, training=True)
    with pytest.raises(ValueError, match=r"^dout must have shape \(1, 3, 2, 2\).*got shape \(1, 3, 4, 1\)"):
        batchnorm2d_backward(np.ones((1, 3, 4, 1)), result2d.cache)
    with pytest.raises(TypeError, match="^cache must be the BatchNorm2dCache returned by batchnorm2d_forward"):
        batchnorm2d_backward(np.ones((1, 3, 2, 2)), result2d.cache.flat)


# ------------------------------------------------------------ layer norm

LAYERNORM_SHAPES = [(4, 5), (1, 8), (2, 1), (3, 7, 6), (6,)]


def _layernorm_data(shape, seed):
    rng = np.random.default_rng(seed)
    d = shape[-1]
    per_row = shape[:-1] + (1,)  # each row its own mean and scale
    x = rng.uniform(-3.0, 3.0, per_row) + rng.uniform(0.1, 4.0, per_row) * rng.standard_normal(shape)
    return x, rng.standard_normal(d), rng.standard_normal(d), rng.standard_normal(shape)


@pytest.mark.parametrize("eps", [1e-5, 0.3])
@pytest.mark.parametrize("shape", LAYERNORM_SHAPES)
def test_layernorm_matches_torch(shape, eps):
    x, gamma, beta, dout = _layernorm_data(shape, seed=17)
    out, cache = layernorm_forward(x, gamma, beta, eps=eps)
    dx, dgamma, dbeta = layernorm_backward(dout, cache)

    xt, gt, bt = (torch.tensor(a, requires_grad=True) for a in (x, gamma, beta))
    outt = F.layer_norm(xt, (shape[-1],), gt, bt, eps)
    outt.backward(torch.tensor(dout))
    assert out.shape == shape and dx.shape == shape and dgamma.shape == dbeta.shape == (shape[-1],)
    assert_allclose(out, outt.detach().numpy(), **BN_TOL)
    assert_allclose(dx, xt.grad.numpy(), **BN_TOL)
    assert_allclose(dgamma, gt.grad.numpy(), **BN_TOL)
    assert_allclose(dbeta, bt.grad.numpy(), **BN_TOL)


def test_layernorm_matches_the_torch_module():
    x, gamma, beta, dout = _layernorm_data((3, 4, 5), seed=18)
    layer = torch.nn.LayerNorm(5, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(gamma))
        layer.bias.copy_(torch.tensor(beta))
    xt = torch.tensor(x, requires_grad=True)
    layer(xt).backward(torch.tensor(dout))
    out, cache = layernorm_forward(x, gamma, beta, eps=layer.eps)
    dx, dgamma, dbeta = layernorm_backward(dout, cache)
    assert_allclose(out, layer(torch.tensor(x)).detach().numpy(), **BN_TOL)
    assert_allclose(dx, xt.grad.numpy(), **BN_TOL)
    assert_allclose(dgamma, layer.weight.grad.numpy(), **BN_TOL)
    assert_allclose(dbeta, layer.bias.grad.numpy(), **BN_TOL)


def test_layernorm_rows_are_independent():
    x, gamma, beta, _ = _layernorm_data((5, 4), seed=19)
    out, _ = layernorm_forward(x, gamma, beta)
    for i in range(5):
        assert_allclose(layernorm_forward(x[i:i + 1], gamma, beta)[0], out[i:i + 1], rtol=0, atol=0)


@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 4), (1, 3)])  # D = 2 would give dx ~ eps: see N = 2 above
def test_layernorm_backward_matches_finite_differences(shape):
    x, gamma, beta, dout = _layernorm_data(shape, seed=20)
    _, cache = layernorm_forward(x, gamma, beta)
    dx, dgamma, dbeta = layernorm_backward(dout, cache)
    before = _copies(x, gamma, beta, dout)
    report = check_gradients(
        lambda: np.sum(layernorm_forward(x, gamma, beta)[0] * dout),
        {"x": x, "gamma": gamma, "beta": beta}, {"x": dx, "gamma": dgamma, "beta": dbeta}, rtol=1e-7,
    )
    assert report.max_error < 1e-7
    for got, want in zip((x, gamma, beta, dout), before):
        np.testing.assert_array_equal(got, want)


def test_layernorm_cache_is_named_tuple():
    x, gamma, beta, _ = _layernorm_data((3, 4), seed=21)
    _, cache = layernorm_forward(x, gamma, beta)
    assert isinstance(cache, LayerNormCache) and cache.gamma is gamma
    assert cache.xhat.shape == (3, 4) and cache.inv_std.shape == (3, 1)


@pytest.mark.parametrize("x, gamma, beta, eps, error, match", [
    (np.ones((2, 3)), np.ones(2), np.zeros(3), 1e-5, ValueError,
     r"^gamma must have shape \(3,\) \(one per feature\) to match x.shape=\(2, 3\), got shape \(2,\)"),
    (np.ones((2, 3)), np.ones(3), np.zeros((1, 3)), 1e-5, ValueError,
     r"^beta must have shape \(3,\).*x.shape=\(2, 3\), got shape \(1, 3\)"),
    (np.ones((2, 3)), np.ones(3), np.zeros(3), 0.0, ValueError, r"^eps must be > 0.0, got 0.0"),
    (np.ones((2, 3)), np.ones(3), np.zeros(3), "1e-5", TypeError, "^eps must be a real number"),
    (np.ones((2, 3), dtype=int), np.ones(3), np.zeros(3), 1e-5, TypeError, "^x must be a floating-point array"),
    (np.array(1.0), np.ones(1), np.zeros(1), 1e-5, ValueError, "^x must have at least 1 dimension"),
])
def test_layernorm_forward_bad_inputs(x, gamma, beta, eps, error, match):
    with pytest.raises(error, match=match):
        layernorm_forward(x, gamma, beta, eps=eps)


def test_layernorm_backward_bad_inputs():
    x, gamma, beta, _ = _layernorm_data((3, 4), seed=22)
    _, cache = layernorm_forward(x, gamma, beta)
    match = r"^dout and the forward output must have the same shape, got \(4, 3\) and \(3, 4\)"
    with pytest.raises(ValueError, match=match):
        layernorm_backward(np.ones((4, 3)), cache)
    with pytest.raises(TypeError, match="^cache must be the LayerNormCache returned by layernorm_forward, got tuple"):
        layernorm_backward(np.ones((3, 4)), tuple(cache))


# ------------------------------------------------------------ dropout

DROP_PS = [0.1, 0.5, 0.8]


def _rng(seed=0):
    return np.random.default_rng(seed)


@pytest.mark.parametrize("p", DROP_PS)
def test_dropout_preserves_the_expectation(p):
    # 20,000 masks of one row of 30 entries, in one call; out_i has variance x_i^2 p / (1 - p).
    x = _rng(30).standard_normal(30)
    k = 20_000
    out, _ = dropout_forward(np.tile(x, (k, 1)), p, training=True, rng=_rng(31))
    standard_error = np.abs(x) * np.sqrt(p / (1 - p) / k)
    assert np.all(np.abs(out.mean(axis=0) - x) < 5 * standard_error)


@pytest.mark.parametrize("p", [0.0] + DROP_PS + [1.0])
def test_dropout_keeps_a_fraction_1_minus_p_scaled_by_exactly_1_over_1_minus_p(p):
    x = _rng(32).standard_normal((500, 400))
    out, cache = dropout_forward(x, p, training=True, rng=_rng(33))
    kept = cache.mask
    assert kept.dtype == bool and kept.shape == x.shape
    assert abs(kept.mean() - (1 - p)) <= 5 * np.sqrt(p * (1 - p) / x.size)
    assert_array_equal(out[~kept], 0.0)
    if p < 1:
        assert cache.scale == 1 / (1 - p)
        assert_array_equal(out[kept], x[kept] * (1 / (1 - p)))
    assert_array_equal(out != 0, kept)


def test_dropout_with_p_0_returns_a_copy_of_x():
    x = _rng(34).standard_normal((5, 4))
    out, cache = dropout_forward(x, 0.0, training=True, rng=_rng())
    assert_array_equal(out, x)
    assert not np.shares_memory(out, x)
    assert cache.mask.all() and cache.scale == 1.0
    dout = _rng(35).standard_normal((5, 4))
    assert_array_equal(dropout_backward(dout, cache), dout)


def test_dropout_with_p_1_returns_zeros_without_dividing_by_zero():
    x = _rng(36).standard_normal((5, 4))
    with np.errstate(all="raise"):
        out, cache = dropout_forward(x, 1.0, training=True, rng=_rng())
        dx = dropout_backward(np.ones_like(x), cache)
    assert_array_equal(out, 0.0)
    assert_array_equal(dx, 0.0)
    assert not cache.mask.any() and cache.scale == 0.0


@pytest.mark.parametrize("p", [0.0, 0.5, 1.0])
def test_dropout_eval_is_the_identity_and_draws_nothing(p):
    x = _rng(37).standard_normal((6, 3))
    rng = _rng(38)
    out, cache = dropout_forward(x, p, training=False, rng=rng)
    assert_array_equal(out, x)
    assert not np.shares_memory(out, x)
    assert cache.mask is None and cache.scale == 1.0
    dout = _rng(39).standard_normal((6, 3))
    assert_array_equal(dropout_backward(dout, cache), dout)
    assert rng.random() == _rng(38).random()  # the generator was not advanced


@pytest.mark.parametrize("p", DROP_PS)
def test_dropout_backward_is_the_scaled_mask(p):
    x = _rng(40).standard_normal((8, 5))
    out, cache = dropout_forward(x, p, training=True, rng=_rng(41))
    dout = _rng(42).standard_normal((8, 5))
    dx = dropout_backward(dout, cache)
    assert_allclose(dx, dout * cache.mask / (1 - p), rtol=1e-15)
    assert_allclose(out, x * dropout_backward(np.ones_like(x), cache), rtol=1e-15)  # a linear map


@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 4)])
@pytest.mark.parametrize("p", DROP_PS)
def test_dropout_backward_matches_finite_differences_with_the_mask_fixed(p, shape):
    x = _rng(43).standard_normal(shape)
    dout = _rng(44).standard_normal(shape)

    def loss():  # the same seed draws the same mask whatever x is
        return np.sum(dropout_forward(x, p, training=True, rng=_rng(45))[0] * dout)

    _, cache = dropout_forward(x, p, training=True, rng=_rng(45))
    report = check_gradients(loss, {"x": x}, {"x": dropout_backward(dout, cache)}, rtol=1e-8)
    assert report.max_error < 1e-8


@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 0.9, 1.0])
def test_dropout_agrees_with_torch_in_distribution(p):
    # On a large tensor of ones: the fraction of nonzeros is 1 - p for both, and they all equal 1 / (1 - p).
    n = 400_000
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        out_torch = F.dropout(torch.ones(n, dtype=torch.float64), p, training=True).numpy()
    out, _ = dropout_forward(np.ones(n), p, training=True, rng=_rng(46))
    tolerance = 5 * np.sqrt(p * (1 - p) / n)
    for o in (out, out_torch):
        assert abs(np.mean(o != 0) - (1 - p)) <= tolerance
    assert_array_equal(np.unique(out[out != 0]), np.unique(out_torch[out_torch != 0]))
    if p < 1:
        assert_array_equal(np.unique(out_torch[out_torch != 0]), [1 / (1 - p)])


def test_dropout_eval_agrees_with_torch():
    x = _rng(47).standard_normal((4, 3))
    out, _ = dropout_forward(x, 0.5, training=False, rng=_rng())
    assert_array_equal(out, F.dropout(torch.tensor(x), 0.5, training=False).numpy())


def test_dropout_is_reproducible_with_the_same_seed_and_keeps_float32():
    x = np.ones((3, 50), dtype=np.float32)
    a, _ = dropout_forward(x, 0.5, training=True, rng=_rng(48))
    b, _ = dropout_forward(x, 0.5, training=True, rng=_rng(48))
    assert_array_equal(a, b)
    rng = _rng(48)
    c, _ = dropout_forward(x, 0.5, training=True, rng=rng)
    d, _ = dropout_forward(x, 0.5, training=True, rng=rng)
    assert not np.array_equal(c, d)  # the generator moves on
    assert a.dtype == np.float32


def test_dropout_cache_is_named_tuple():
    _, cache = dropout_forward(np.ones((2, 3)), 0.5, training=True, rng=_rng())
    assert isinstance(cache, DropoutCache) and cache.shape == (2, 3) and cache.scale == 2.0


GOOD_RNG = np.random.default_rng(0)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(p=-0.1), ValueError, r"^p must be in \[0, 1\], got -0.1"),
    (dict(p=1.5), ValueError, r"^p must be in \[0, 1\], got 1.5"),
    (dict(p=np.nan), ValueError, r"^p must be finite, got nan"),
    (dict(p="0.5"), TypeError, r"^p must be a real number, got str '0.5'"),
    (dict(p=None), TypeError, r"^p must be a real number, got NoneType None"),
    (dict(p=True), TypeError, r"^p must be a real number, got bool True"),
    (dict(training=1), TypeError, r"^training must be a bool, got int 1"),
    (dict(training="train"), TypeError, r"^training must be a bool, got str 'train'"),
    (dict(training=None), TypeError, r"^training must be a bool, got NoneType None"),
    (dict(rng=None), TypeError,
     r"^rng must be a numpy.random.Generator \(e.g. np.random.default_rng\(0\)\), got NoneType"),
    (dict(rng=0), TypeError, r"^rng must be a numpy.random.Generator .*got int"),
    (dict(rng=np.random.RandomState(0)), TypeError, r"^rng must be a numpy.random.Generator .*got RandomState"),
    (dict(rng=torch.Generator()), TypeError, r"^rng must be a numpy.random.Generator .*got Generator"),
    (dict(x=np.ones((2, 3), dtype=int)), TypeError, r"^x must be a floating-point array, got dtype int64"),
    (dict(x=np.array([1.0, np.nan])), ValueError, r"^x must contain only finite values"),
])
@pytest.mark.parametrize("training", [True, False])
def test_dropout_forward_bad_arguments_raise_in_both_modes(training, kwargs, error, match):
    args = dict(x=np.ones((2, 3)), p=0.5, training=training, rng=GOOD_RNG) | kwargs
    with pytest.raises(error, match=match):
        dropout_forward(args["x"], args["p"], training=args["training"], rng=args["rng"])


def test_dropout_settings_are_keyword_only():
    with pytest.raises(TypeError):
        dropout_forward(np.ones(3), 0.5, True, _rng())


@pytest.mark.parametrize("training", [True, False])
def test_dropout_backward_bad_inputs(training):
    _, cache = dropout_forward(np.ones((3, 4)), 0.5, training=training, rng=_rng())
    with pytest.raises(ValueError, match=r"^dout must have shape \(3, 4\) \(the shape of the forward input\), "
                                         r"got shape \(4, 3\)"):
        dropout_backward(np.ones((4, 3)), cache)
    with pytest.raises(ValueError, match="^dout must contain only finite values"):
        dropout_backward(np.full((3, 4), np.nan), cache)
    with pytest.raises(TypeError, match="^cache must be the DropoutCache returned by dropout_forward, got tuple"):
        dropout_backward(np.ones((3, 4)), tuple(cache))


# ------------------------------------------------------------ gaussian noise


@pytest.mark.parametrize("std", [0.01, 0.5, 3.0])
def test_gaussian_noise_has_mean_0_and_std_std(std):
    n = 200_000
    x = np.full(n, 2.0)
    out, cache = gaussian_noise_forward(x, std, training=True, rng=_rng(50))
    noise = out - x
    assert abs(noise.mean()) < 5 * std / np.sqrt(n)
    assert abs(noise.std() / std - 1) < 5 / np.sqrt(2 * n)
    assert_allclose(cache.noise, noise, rtol=1e-12, atol=1e-15)


def test_gaussian_noise_std_0_and_eval_are_the_identity():
    x = _rng(51).standard_normal((4, 3))
    out, _ = gaussian_noise_forward(x, 0.0, training=True, rng=_rng())
    assert_array_equal(out, x)
    rng = _rng(52)
    out, cache = gaussian_noise_forward(x, 5.0, training=False, rng=rng)
    assert_array_equal(out, x)
    assert not np.shares_memory(out, x)
    assert cache.noise is None and isinstance(cache, GaussianNoiseCache)
    assert rng.random() == _rng(52).random()  # the generator was not advanced


@pytest.mark.parametrize("training", [True, False])
def test_gaussian_noise_backward_passes_the_gradient_through(training):
    x = _rng(53).standard_normal((4, 3))
    dout = _rng(54).standard_normal((4, 3))

    def loss():  # the same seed draws the same noise whatever x is
        return np.sum(gaussian_noise_forward(x, 0.7, training=training, rng=_rng(55))[0] * dout)

    _, cache = gaussian_noise_forward(x, 0.7, training=training, rng=_rng(55))
    dx = gaussian_noise_backward(dout, cache)
    assert_array_equal(dx, dout)
    assert not np.shares_memory(dx, dout)
    report = check_gradients(loss, {"x": x}, {"x": dx}, rtol=1e-8)
    assert report.max_error < 1e-8


def test_gaussian_noise_keeps_float32():
    out, cache = gaussian_noise_forward(np.zeros((2, 3), dtype=np.float32), 1.0, training=True, rng=_rng())
    assert out.dtype == np.float32 and cache.noise.dtype == np.float32


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(std=-0.1), ValueError, r"^std must be >= 0.0, got -0.1"),
    (dict(std=np.inf), ValueError, r"^std must be finite, got inf"),
    (dict(std="1"), TypeError, r"^std must be a real number, got str '1'"),
    (dict(training=0), TypeError, r"^training must be a bool, got int 0"),
    (dict(rng=None), TypeError, r"^rng must be a numpy.random.Generator .*got NoneType"),
    (dict(rng=np.random.RandomState(0)), TypeError, r"^rng must be a numpy.random.Generator .*got RandomState"),
    (dict(x=[1, 2]), TypeError, r"^x must be a floating-point array, got dtype int64"),
])
def test_gaussian_noise_forward_bad_arguments_raise(kwargs, error, match):
    args = dict(x=np.ones((2, 3)), std=0.5, training=True, rng=GOOD_RNG) | kwargs
    with pytest.raises(error, match=match):
        gaussian_noise_forward(args["x"], args["std"], training=args["training"], rng=args["rng"])


def test_gaussian_noise_backward_bad_inputs():
    _, cache = gaussian_noise_forward(np.ones((3, 4)), 0.5, training=False, rng=_rng())
    with pytest.raises(ValueError, match=r"^dout must have shape \(3, 4\) .*got shape \(3,\)"):
        gaussian_noise_backward(np.ones(3), cache)
    with pytest.raises(TypeError, match="^cache must be the GaussianNoiseCache returned by gaussian_noise_forward"):
        gaussian_noise_backward(np.ones((3, 4)), tuple(cache))
    with pytest.raises(TypeError, match="^cache must be the GaussianNoiseCache .*got DropoutCache"):
        gaussian_noise_backward(np.ones((3, 4)), dropout_forward(np.ones((3, 4)), 0.5, training=True, rng=_rng())[1])
