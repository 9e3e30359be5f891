"""Tests for lecturelib.activations: torch float64 parity, finite differences, errors, stability."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numpy.testing import assert_allclose

from lecturelib.activations import (
    ACTIVATIONS,
    elu,
    elu_grad,
    gelu,
    gelu_grad,
    get_activation,
    identity,
    identity_grad,
    leaky_relu,
    leaky_relu_grad,
    prelu,
    prelu_backward,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softplus,
    softplus_grad,
    tanh,
    tanh_grad,
)
from lecturelib.gradcheck import check_gradients, numerical_gradient, rel_error
from lecturelib.torchkit.models import TORCH_ACTIVATIONS

SHAPES = [(7,), (3, 4), (2, 3, 5)]
#: The torch oracle of every activation: the one reference table, next to the book's torch code.
TORCH_FNS = {name: module() for name, module in TORCH_ACTIVATIONS.items()}
PAIRS = {
    "sigmoid": (sigmoid, sigmoid_grad), "tanh": (tanh, tanh_grad), "relu": (relu, relu_grad),
    "identity": (identity, identity_grad), "leaky_relu": (leaky_relu, leaky_relu_grad), "elu": (elu, elu_grad),
    "gelu": (gelu, gelu_grad), "softplus": (softplus, softplus_grad),
}
#: (numpy pair, keywords, the same call in torch): every setting checked against torch.
VARIANTS = [
    ("leaky_relu", {}, lambda t: F.leaky_relu(t)),
    ("leaky_relu", {"negative_slope": 0.2}, lambda t: F.leaky_relu(t, negative_slope=0.2)),
    ("leaky_relu", {"negative_slope": -1.5}, lambda t: F.leaky_relu(t, negative_slope=-1.5)),
    ("elu", {}, lambda t: F.elu(t)),
    ("elu", {"alpha": 2.5}, lambda t: F.elu(t, alpha=2.5)),
    ("elu", {"alpha": -0.5}, lambda t: F.elu(t, alpha=-0.5)),  # torch allows any alpha
    ("gelu", {}, lambda t: F.gelu(t)),
    ("gelu", {"approximate": "none"}, lambda t: F.gelu(t, approximate="none")),
    ("gelu", {"approximate": "tanh"}, lambda t: F.gelu(t, approximate="tanh")),
    ("softplus", {}, lambda t: F.softplus(t)),
    ("softplus", {"beta": 2.0, "threshold": 5.0}, lambda t: F.softplus(t, beta=2.0, threshold=5.0)),
    ("softplus", {"beta": 0.5, "threshold": 0.0}, lambda t: F.softplus(t, beta=0.5, threshold=0.0)),
    ("softplus", {"beta": -0.5, "threshold": 3.0}, lambda t: F.softplus(t, beta=-0.5, threshold=3.0)),
]
VARIANT_IDS = [f"{name}-{kwargs}" for name, kwargs, _ in VARIANTS]
#: 1 + erf(x / sqrt 2) and 1 + tanh(u) cancel for negative x: GELU's values there are
#: tiny and carry absolute errors of about 1e-16 |x|, in torch as here; atol covers them.
TOL = dict(rtol=1e-12, atol=1e-14)


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


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
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
    assert set(ACTIVATIONS) == set(PAIRS)
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


# ------------------------------------------------------------ settings, kinks and extremes of the new activations


def _with_special_points(x):
    """Random inputs plus the kinks (0, -0, +-1e-10) and the points either side of softplus's thresholds."""
    special = [0.0, -0.0, 1e-10, -1e-10, 1e-300, -1e-300, 2.5, 2.5 + 1e-9, 6.0, -6.0, 20.0, 20.0 + 1e-9,
               -8.0, 9.99, 10.01, -10.01, 38.0, 40.5, -40.5]
    return np.concatenate([x.ravel(), special])


@pytest.mark.parametrize("name, kwargs, torch_fn", VARIANTS, ids=VARIANT_IDS)
def test_settings_match_torch(name, kwargs, torch_fn):
    fn, grad = PAIRS[name]
    x = _with_special_points(_inputs((400,), seed=5))
    xt = torch.tensor(x, requires_grad=True)
    yt = torch_fn(xt)
    yt.sum().backward()
    assert_allclose(fn(x, **kwargs), yt.detach().numpy(), **TOL)
    assert_allclose(grad(x, **kwargs), xt.grad.numpy(), **TOL)


@pytest.mark.parametrize("name, kwargs, torch_fn", VARIANTS, ids=VARIANT_IDS)
def test_settings_grad_matches_finite_differences(name, kwargs, torch_fn):
    fn, grad = PAIRS[name]
    x = _inputs((5, 6), seed=6, scale=1.5)
    x[np.abs(x) < 0.1] = 0.5  # away from the kinks at 0
    bx = kwargs.get("beta", 1.0) * x
    x[np.abs(bx - kwargs.get("threshold", 20.0)) < 0.1] = 0.3  # away from softplus's jump of exp(-threshold)
    w = np.random.default_rng(7).standard_normal(x.shape)
    fx = fn(x, **kwargs)
    # subtracting f(x) leaves only the perturbed entry's change in the sum, so the rounding
    # noise is that of one entry, not of all 30 (leaky_relu's slopes of 0.01 would drown in it)
    numeric = numerical_gradient(lambda z: np.sum(w * (fn(z, **kwargs) - fx)), x)
    assert rel_error(w * grad(x, **kwargs), numeric) < 1e-7


@pytest.mark.parametrize("name, kwargs, torch_fn", VARIANTS, ids=VARIANT_IDS)
def test_settings_stable_at_plus_minus_1000(name, kwargs, torch_fn):
    fn, grad = PAIRS[name]
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            out, d = fn(x, **kwargs), grad(x, **kwargs)
    xt = torch.tensor(x, requires_grad=True)
    torch_fn(xt).sum().backward()
    assert_allclose(out, torch_fn(xt).detach().numpy(), **TOL)
    assert_allclose(d, xt.grad.numpy(), **TOL)


#: Limits as x -> -inf and x -> +inf of f and f', with torch's default settings.
LIMITS = {
    "sigmoid": ((0.0, 0.0), (1.0, 0.0)),
    "tanh": ((-1.0, 0.0), (1.0, 0.0)),
    "relu": ((0.0, 0.0), ("x", 1.0)),
    "identity": (("x", 1.0), ("x", 1.0)),
    "leaky_relu": (("0.01x", 0.01), ("x", 1.0)),
    "elu": ((-1.0, 0.0), ("x", 1.0)),
    "gelu": ((0.0, 0.0), ("x", 1.0)),
    "softplus": ((0.0, 0.0), ("x", 1.0)),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(PAIRS))
def test_finite_and_warning_free_at_the_float_extremes(name, dtype):
    fn, grad = PAIRS[name]
    big = np.finfo(dtype).max
    kwargs_list = [{}] + [kwargs for n, kwargs, _ in VARIANTS if n == name and kwargs]
    for kwargs in kwargs_list:
        for sign in (-1.0, 1.0):
            # not the largest float with a setting: negative_slope=-1.5 times -max overflows, rightly
            x = np.array([1e30, 1e38, 1e300] + ([] if kwargs else [big]), dtype=np.float64)
            x = (sign * x[x <= big]).astype(dtype)
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                with np.errstate(over="raise", invalid="raise", divide="raise"):
                    out, d = fn(x, **kwargs), grad(x, **kwargs)
            assert out.dtype == dtype and d.dtype == dtype
            assert np.all(np.isfinite(out)) and np.all(np.isfinite(d)), (kwargs, x, out, d)
            if kwargs:
                continue
            value, slope = LIMITS[name][sign > 0]
            want = {"x": x, "0.01x": 0.01 * x}.get(value, value) if isinstance(value, str) else value
            assert_allclose(out, np.broadcast_to(want, x.shape).astype(dtype), rtol=1e-6, atol=0)
            assert_allclose(d, slope, rtol=1e-6, atol=0)


def test_gelu_tanh_grad_is_finite_where_torchs_is_nan():
    # torch's backward evaluates x**3 and overflows for |x| > ~1e103; the limits are 1 and 0
    x = np.array([-1e300, 1e300])
    xt = torch.tensor(x, requires_grad=True)
    F.gelu(xt, approximate="tanh").sum().backward()
    assert np.all(np.isnan(xt.grad.numpy()))
    assert_allclose(gelu_grad(x, approximate="tanh"), [0.0, 1.0], rtol=0, atol=0)
    assert_allclose(gelu(x, approximate="tanh"), F.gelu(xt, approximate="tanh").detach().numpy(), rtol=0, atol=0)


@pytest.mark.parametrize("name, kwargs, torch_fn, at_zero", [
    ("relu", {}, F.relu, 0.0),
    ("leaky_relu", {"negative_slope": 0.2}, lambda t: F.leaky_relu(t, 0.2), 0.2),
    ("elu", {"alpha": 2.5}, lambda t: F.elu(t, alpha=2.5), 2.5),
    ("elu", {}, F.elu, 1.0),
    ("softplus", {}, F.softplus, 0.5),
    ("gelu", {}, F.gelu, 0.5),
])
def test_derivative_at_the_kink_is_torchs(name, kwargs, torch_fn, at_zero):
    _, grad = PAIRS[name]
    x = np.array([0.0, -0.0])
    xt = torch.tensor(x, requires_grad=True)
    torch_fn(xt).sum().backward()
    assert_allclose(xt.grad.numpy(), at_zero, rtol=0, atol=0)
    assert_allclose(grad(x, **kwargs), at_zero, rtol=0, atol=0)


def test_known_values_of_the_new_activations():
    assert_allclose(leaky_relu(np.array([-2.0, 3.0]), negative_slope=0.1), [-0.2, 3.0], rtol=1e-15)
    assert_allclose(elu(np.array([-1000.0])), [-1.0], rtol=0)
    assert_allclose(elu(np.array([-1e-10])), [np.expm1(-1e-10)], rtol=1e-15)  # expm1, not exp - 1
    assert_allclose(gelu(np.array([1.0])), [0.8413447460685429], rtol=1e-15)  # 1 * Phi(1)
    assert_allclose(softplus(np.array([0.0])), [np.log(2.0)], rtol=1e-15)
    assert_allclose(softplus(np.array([0.0]), beta=2.0), [np.log(2.0) / 2], rtol=1e-15)
    assert softplus(np.array([20.5]))[0] == 20.5 and softplus_grad(np.array([20.5]))[0] == 1.0
    assert softplus(np.array([3.0]), threshold=2.0)[0] == 3.0


def test_softplus_is_stable_for_a_large_threshold():
    # torch's log1p(exp(beta * x)) overflows past beta * x = 709 when the threshold lets it
    x = np.array([800.0, -800.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            out, d = softplus(x, threshold=1e6), softplus_grad(x, threshold=1e6)
    assert_allclose(out, [800.0, 0.0], rtol=1e-15, atol=0)
    assert_allclose(d, [1.0, 0.0], rtol=0, atol=0)


@pytest.mark.parametrize("call, error, match", [
    (lambda: gelu(np.ones(2), approximate="exact"), ValueError,
     r"^approximate must be one of \['none', 'tanh'\], got 'exact'"),
    (lambda: gelu_grad(np.ones(2), approximate=None), ValueError, "^approximate must be one of"),
    (lambda: softplus(np.ones(2), beta=0.0), ValueError, "^beta must be nonzero"),
    (lambda: softplus_grad(np.ones(2), beta=0), ValueError, "^beta must be nonzero"),
    (lambda: softplus(np.ones(2), threshold=np.inf), ValueError, "^threshold must be finite, got inf"),
    (lambda: softplus(np.ones(2), beta="2"), TypeError, "^beta must be a real number, got str '2'"),
    (lambda: leaky_relu(np.ones(2), negative_slope=None), TypeError, "^negative_slope must be a real number"),
    (lambda: leaky_relu_grad(np.ones(2), negative_slope=np.nan), ValueError, "^negative_slope must be finite"),
    (lambda: elu(np.ones(2), alpha=True), TypeError, "^alpha must be a real number, got bool True"),
    (lambda: elu_grad(np.ones(2), alpha=np.inf), ValueError, "^alpha must be finite"),
    (lambda: elu(np.ones(2), 2.0), TypeError, "positional argument"),  # settings are keyword-only
])
def test_bad_settings_name_the_parameter(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ------------------------------------------------------------ PReLU

PRELU_CASES = [  # (x shape, weight shape)
    ((6, 4), (1,)), ((6, 4), (4,)), ((3, 4, 5), (1,)), ((3, 4, 5), (4,)), ((2, 3, 2, 2), (3,)), ((7,), (1,)),
    ((5, 1), (1,)),
]


def _prelu_data(x_shape, w_shape, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape)
    x.flat[::5] = 0.0  # the kink
    return x, rng.uniform(-0.5, 0.8, w_shape), rng.standard_normal(x_shape)


@pytest.mark.parametrize("x_shape, w_shape", PRELU_CASES)
def test_prelu_matches_torch(x_shape, w_shape):
    x, weight, dout = _prelu_data(x_shape, w_shape)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(weight, requires_grad=True)
    out_t = F.prelu(xt, wt)
    out_t.backward(torch.tensor(dout))
    dx, dweight = prelu_backward(dout, x, weight)
    assert_allclose(prelu(x, weight), out_t.detach().numpy(), **TOL)
    assert_allclose(dx, xt.grad.numpy(), **TOL)
    assert dweight.shape == w_shape
    assert_allclose(dweight, wt.grad.numpy(), **TOL)


@pytest.mark.parametrize("x_shape, w_shape", PRELU_CASES)
def test_prelu_backward_matches_finite_differences(x_shape, w_shape):
    x, weight, dout = _prelu_data(x_shape, w_shape, seed=1)
    x[np.abs(x) < 0.1] = 0.5  # away from the kink
    dx, dweight = prelu_backward(dout, x, weight)
    report = check_gradients(lambda: np.sum(prelu(x, weight) * dout), {"x": x, "weight": weight},
                             {"x": dx, "weight": dweight}, rtol=1e-7)
    assert report.max_error < 1e-7


def test_prelu_with_slope_a_is_leaky_relu():
    x = _inputs((4, 3), seed=8)
    x[0, 0] = 0.0
    assert_allclose(prelu(x, np.array([0.2])), leaky_relu(x, negative_slope=0.2), rtol=0, atol=0)
    dx, _ = prelu_backward(np.ones_like(x), x, np.full(3, 0.2))
    assert_allclose(dx, leaky_relu_grad(x, negative_slope=0.2), rtol=0, atol=0)


def test_prelu_keeps_float32_and_is_stable():
    x = np.array([[-1e30, 0.0, 1e30]], dtype=np.float32)
    weight = np.array([0.25, 0.5, 0.75], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            out = prelu(x, weight)
            dx, dweight = prelu_backward(np.ones_like(x), x, weight)
    assert out.dtype == dx.dtype == dweight.dtype == np.float32
    assert_allclose(out, [[-2.5e29, 0.0, 1e30]], rtol=1e-6)


@pytest.mark.parametrize("x, weight, error, match", [
    (np.ones((2, 3)), np.ones(4), ValueError,
     r"^weight must have shape \(1,\) or \(C,\) = \(3,\).*got shape \(4,\) for x.shape=\(2, 3\)"),
    (np.ones((2, 3, 5)), np.ones(5), ValueError, r"^weight must have shape \(1,\) or \(C,\) = \(3,\)"),
    (np.ones(4), np.ones(4), ValueError, r"^weight must have shape \(1,\) or \(C,\) = \(1,\)"),
    (np.ones((2, 3)), np.ones((1, 3)), ValueError, "^weight must be a 1-D array"),
    (np.ones((2, 3)), 0.25, ValueError, "^weight must be a 1-D array, got a 0-D array"),
    (np.ones((2, 3), dtype=int), np.ones(1), TypeError, "^x must be a floating-point array"),
    (np.ones((2, 3)), np.array([np.nan]), ValueError, "^weight must contain only finite values"),
])
def test_prelu_bad_inputs(x, weight, error, match):
    with pytest.raises(error, match=match):
        prelu(x, weight)
    with pytest.raises(error, match=match):
        prelu_backward(np.ones(np.shape(x)), x, weight)


def test_prelu_backward_dout_shape():
    with pytest.raises(ValueError, match=r"^dout must have the shape of x, \(2, 3\), got shape \(3, 2\)"):
        prelu_backward(np.ones((3, 2)), np.ones((2, 3)), np.ones(3))


def test_prelu_and_maxout_are_not_in_the_registry():
    assert "prelu" not in ACTIVATIONS and "maxout" not in ACTIVATIONS
    with pytest.raises(ValueError, match=r"activation must be one of \[.*'gelu'.*'softplus'\], got 'prelu'"):
        get_activation("prelu")
