"""Tests for lecturelib.losses: torch float64 parity, finite differences, errors, stability."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numpy.testing import assert_allclose

from lecturelib.gradcheck import numerical_gradient, rel_error
from lecturelib.losses import binary_cross_entropy_with_logits, log_softmax, mse_loss, softmax, cross_entropy

TOL = dict(rtol=1e-12, atol=1e-14)
CE_SHAPES = [(1, 2), (5, 3), (32, 10)]
ANY_SHAPES = [(1,), (7,), (3, 4), (2, 3, 4)]


def _rng(seed=0):
    return np.random.default_rng(seed)


def _torch_loss_and_grad(torch_fn, z, *args):
    zt = torch.tensor(z, requires_grad=True)
    loss = torch_fn(zt, *args)
    loss.backward()
    return loss.item(), zt.grad.numpy()


@pytest.mark.parametrize("shape", [(5,), (4, 3), (2, 3, 6)])
def test_softmax_and_log_softmax_match_torch(shape):
    z = 10.0 * _rng().standard_normal(shape)
    assert_allclose(log_softmax(z), F.log_softmax(torch.tensor(z), dim=-1).numpy(), **TOL)
    assert_allclose(softmax(z), F.softmax(torch.tensor(z), dim=-1).numpy(), **TOL)
    assert_allclose(softmax(z).sum(axis=-1), 1.0, rtol=1e-14)


@pytest.mark.parametrize("n, c", CE_SHAPES)
def test_cross_entropy_matches_torch(n, c):
    rng = _rng(1)
    logits, target = 3.0 * rng.standard_normal((n, c)), rng.integers(0, c, size=n)
    loss, dlogits = cross_entropy(logits, target)
    loss_t, grad_t = _torch_loss_and_grad(F.cross_entropy, logits, torch.tensor(target))
    assert type(loss) is float
    assert_allclose(loss, loss_t, **TOL)
    assert_allclose(dlogits, grad_t, **TOL)
    onehot = np.eye(c)[target]
    assert_allclose(dlogits, (softmax(logits) - onehot) / n, **TOL)


@pytest.mark.parametrize("shape", ANY_SHAPES)
def test_mse_matches_torch(shape):
    rng = _rng(2)
    pred, target = rng.standard_normal(shape), rng.standard_normal(shape)
    loss, dpred = mse_loss(pred, target)
    loss_t, grad_t = _torch_loss_and_grad(F.mse_loss, pred, torch.tensor(target))
    assert type(loss) is float
    assert_allclose(loss, loss_t, **TOL)
    assert_allclose(dpred, grad_t, **TOL)


@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize("shape", ANY_SHAPES)
def test_bce_with_logits_matches_torch(shape, binary):
    rng = _rng(3)
    logits = 4.0 * rng.standard_normal(shape)
    target = rng.integers(0, 2, size=shape).astype(float) if binary else rng.uniform(size=shape)
    loss, dlogits = binary_cross_entropy_with_logits(logits, target)
    loss_t, grad_t = _torch_loss_and_grad(F.binary_cross_entropy_with_logits, logits, torch.tensor(target))
    assert type(loss) is float
    assert_allclose(loss, loss_t, **TOL)
    assert_allclose(dlogits, grad_t, **TOL)


def _ce_case(rng, shape):
    return rng.standard_normal(shape), rng.integers(0, shape[1], size=shape[0])


def _regression_case(rng, shape):
    return rng.standard_normal(shape), rng.standard_normal(shape)


def _probability_case(rng, shape):
    return rng.standard_normal(shape), rng.uniform(size=shape)


#: loss, how to draw (input, target), the shapes, and the tolerance of the check
FINITE_DIFFERENCE_CASES = [
    (cross_entropy, _ce_case, CE_SHAPES, 1e-6),
    (mse_loss, _regression_case, ANY_SHAPES, 1e-7),
    (binary_cross_entropy_with_logits, _probability_case, ANY_SHAPES, 1e-6),
]


@pytest.mark.parametrize(
    "loss_fn, draw, shape, tol",
    [(fn, draw, shape, tol) for fn, draw, shapes, tol in FINITE_DIFFERENCE_CASES for shape in shapes],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_gradient_matches_finite_differences(loss_fn, draw, shape, tol):
    z, target = draw(_rng(4), shape)
    _, dz = loss_fn(z, target)
    numeric = numerical_gradient(lambda v: loss_fn(v, target)[0], z)
    assert rel_error(dz, numeric) < tol


def _no_warnings(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            return fn(*args)


def test_softmax_family_stable_at_1000():
    z = np.array([[-1000.0, 0.0, 1000.0], [1000.0, 1000.0, -1000.0]])
    ls, s = _no_warnings(log_softmax, z), _no_warnings(softmax, z)
    assert np.all(np.isfinite(ls)) and np.all(np.isfinite(s))
    assert_allclose(ls, F.log_softmax(torch.tensor(z), dim=-1).numpy(), **TOL)
    assert_allclose(s, F.softmax(torch.tensor(z), dim=-1).numpy(), **TOL)

    target = np.array([0, 2])  # both maximally wrong: loss 2000
    loss, dlogits = _no_warnings(cross_entropy, z, target)
    loss_t, grad_t = _torch_loss_and_grad(F.cross_entropy, z, torch.tensor(target))
    assert np.isfinite(loss) and np.all(np.isfinite(dlogits))
    assert_allclose(loss, loss_t, **TOL)
    assert_allclose(dlogits, grad_t, **TOL)


def test_bce_stable_at_1000():
    z = np.array([-1000.0, -1000.0, 1000.0, 1000.0, 0.0])
    y = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    loss, dlogits = _no_warnings(binary_cross_entropy_with_logits, z, y)
    loss_t, grad_t = _torch_loss_and_grad(F.binary_cross_entropy_with_logits, z, torch.tensor(y))
    assert np.isfinite(loss) and np.all(np.isfinite(dlogits))
    assert_allclose(loss, loss_t, **TOL)
    assert_allclose(dlogits, grad_t, **TOL)


def test_known_values():
    assert_allclose(cross_entropy(np.zeros((3, 4)), np.array([0, 1, 3]))[0], np.log(4), rtol=1e-15)
    assert mse_loss(np.array([1.0, 2.0]), np.array([1.0, 4.0]))[0] == 2.0
    assert_allclose(binary_cross_entropy_with_logits(np.zeros(3), np.ones(3))[0], np.log(2), rtol=1e-15)


@pytest.mark.parametrize("fn", [log_softmax, softmax])
def test_softmax_family_bad_inputs(fn):
    with pytest.raises(ValueError, match="logits must contain only finite values"):
        fn(np.array([0.0, np.nan]))
    with pytest.raises(TypeError, match="logits must be a floating-point array"):
        fn(np.array([1, 2]))
    match = r"logits must have at least one entry along its last axis, got shape \(2, 0\)"
    with pytest.raises(ValueError, match=match):
        fn(np.zeros((2, 0)))


def test_cross_entropy_bad_inputs():
    logits, target = np.zeros((4, 3)), np.array([0, 1, 2, 0])
    with pytest.raises(ValueError, match="logits must contain only finite values"):
        cross_entropy(np.full((4, 3), np.nan), target)
    with pytest.raises(ValueError, match=r"logits must be a 2-D array, got a 1-D array of shape \(3,\)"):
        cross_entropy(np.zeros(3), target)
    with pytest.raises(TypeError, match="target must be an integer array of class indices, got dtype float64"):
        cross_entropy(logits, target.astype(float))
    with pytest.raises(ValueError, match=r"target must hold class indices in \[0, 2\], got values from 0 to 3"):
        cross_entropy(logits, np.array([0, 1, 2, 3]))
    with pytest.raises(ValueError, match=r"target must hold class indices in \[0, 2\], got values from -1 to 2"):
        cross_entropy(logits, np.array([-1, 1, 2, 0]))
    with pytest.raises(ValueError, match=r"logits.shape=\(4, 3\), target.shape=\(3,\)"):
        cross_entropy(logits, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="target must be a 1-D array"):
        cross_entropy(logits, target[:, None])
    with pytest.raises(ValueError, match="logits must not be empty"):
        cross_entropy(np.zeros((0, 3)), np.zeros(0, dtype=int))


def test_mse_bad_inputs():
    with pytest.raises(ValueError, match="input must contain only finite values"):
        mse_loss(np.array([np.nan, 1.0]), np.zeros(2))
    with pytest.raises(ValueError, match="target must contain only finite values"):
        mse_loss(np.zeros(2), np.array([np.nan, 1.0]))
    with pytest.raises(ValueError, match=r"input and target must have the same shape, got \(3, 1\) and \(3,\)"):
        mse_loss(np.zeros((3, 1)), np.zeros(3))
    with pytest.raises(TypeError, match="target must be a floating-point array"):
        mse_loss(np.zeros(3), np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="input must not be empty"):
        mse_loss(np.zeros(0), np.zeros(0))


def test_bce_bad_inputs():
    with pytest.raises(ValueError, match="logits must contain only finite values"):
        binary_cross_entropy_with_logits(np.array([np.nan, 1.0]), np.zeros(2))
    with pytest.raises(ValueError, match="target must contain only finite values"):
        binary_cross_entropy_with_logits(np.zeros(2), np.array([np.nan, 1.0]))
    with pytest.raises(ValueError, match=r"logits and target must have the same shape, got \(2, 1\) and \(2,\)"):
        binary_cross_entropy_with_logits(np.zeros((2, 1)), np.zeros(2))
    with pytest.raises(ValueError, match=r"target must lie in \[0, 1\], got values from 0.0 to 1.5"):
        binary_cross_entropy_with_logits(np.zeros(2), np.array([0.0, 1.5]))
    with pytest.raises(ValueError, match=r"target must lie in \[0, 1\], got values from -0.5 to 1.0"):
        binary_cross_entropy_with_logits(np.zeros(2), np.array([-0.5, 1.0]))
    with pytest.raises(TypeError, match="target must be a floating-point array"):
        binary_cross_entropy_with_logits(np.zeros(2), np.array([0, 1]))
