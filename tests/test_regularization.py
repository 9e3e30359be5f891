"""Tests for lecturelib.regularization: gradient clipping against torch.nn.utils, in place, argument errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal

from lecturelib.regularization import clip_grad_norm_, clip_grad_value_

TOL = dict(rtol=1e-12, atol=1e-15)
SHAPES = [(3, 4), (5,), (2, 3, 2), ()]
NORM_TYPES = [1, 2.0, 3, math.inf, "inf"]
NONFINITE = r"^The total norm of order 2.0 for gradients from `parameters` is non-finite"


def _grads(scale=1.0, seed=0, shapes=SHAPES, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [np.asarray(scale * rng.standard_normal(s), dtype=dtype) for s in shapes]


def _torch_params(grads):
    params = []
    for g in grads:
        p = torch.zeros(g.shape, dtype=torch.from_numpy(np.asarray(g)).dtype, requires_grad=True)
        p.grad = torch.tensor(g)
        params.append(p)
    return params


def _norm(grads, p):
    flat = np.concatenate([g.ravel() for g in grads])
    return np.max(np.abs(flat)) if p in (math.inf, "inf") else np.sum(np.abs(flat) ** p) ** (1 / p)


# ------------------------------------------------------------ clip_grad_norm_


@pytest.mark.parametrize("norm_type", NORM_TYPES)
@pytest.mark.parametrize("max_norm", [0.0, 0.1, 1.0, 5.0, 1e3, math.inf])
@pytest.mark.parametrize("scale", [0.01, 1.0, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, scale):
    grads = _grads(scale)
    params = _torch_params(grads)
    total = clip_grad_norm_(grads, max_norm, norm_type=norm_type)
    total_t = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
    assert type(total) is float
    assert_allclose(total, total_t.item(), **TOL)
    for g, p in zip(grads, params):
        assert_allclose(g, p.grad.numpy(), **TOL)


@pytest.mark.parametrize("norm_type", NORM_TYPES)
def test_total_norm_is_the_norm_of_all_grads_concatenated(norm_type):
    grads = _grads(3.0, seed=1)
    want = _norm(grads, norm_type)
    assert_allclose(clip_grad_norm_(grads, math.inf, norm_type), want, rtol=1e-13)


@pytest.mark.parametrize("norm_type", NORM_TYPES)
def test_clip_grad_norm_returns_norm_before_and_leaves_norm_max_norm(norm_type):
    grads = _grads(10.0, seed=2)
    before = _norm(grads, norm_type)
    total = clip_grad_norm_(grads, 1.0, norm_type)
    assert_allclose(total, before, rtol=1e-13)
    assert_allclose(_norm(grads, norm_type), before / (before + 1e-6), rtol=1e-12)  # just under 1


@pytest.mark.parametrize("max_norm", [1e3, math.inf])
def test_clip_grad_norm_below_the_threshold_changes_nothing(max_norm):
    grads = _grads()
    copies = [g.copy() for g in grads]
    clip_grad_norm_(grads, max_norm)
    for g, c in zip(grads, copies):
        assert_array_equal(g, c)


def test_clip_grad_norm_works_in_place():
    grads = _grads(10.0)
    ids = [id(g) for g in grads]
    buffers = [g.__array_interface__["data"][0] for g in grads]
    clip_grad_norm_(grads, 1.0)
    assert [id(g) for g in grads] == ids
    assert [g.__array_interface__["data"][0] for g in grads] == buffers
    assert _norm(grads, 2) < 1.0


def test_clip_grad_norm_coefficient_uses_eps_keyword():
    g = [np.array([3.0, 4.0])]
    clip_grad_norm_(g, 1.0, eps=0.5)  # 1 / (5 + 0.5)
    assert_allclose(g[0], [3 / 5.5, 4 / 5.5], rtol=1e-15)


def test_clip_grad_norm_accepts_a_single_array_and_a_generator():
    g = np.array([[3.0, 4.0]])
    assert clip_grad_norm_(g, 1.0) == 5.0
    assert_allclose(g, [[3 / (5 + 1e-6), 4 / (5 + 1e-6)]], rtol=1e-15)
    grads = [np.array([6.0]), np.array([8.0])]
    assert clip_grad_norm_((x for x in grads), 5.0) == 10.0
    assert_allclose(np.concatenate(grads), [3.0, 4.0], rtol=1e-6)


def test_clip_grad_norm_of_no_grads_is_zero_like_torch():
    assert clip_grad_norm_([], 1.0) == 0.0 == torch.nn.utils.clip_grad_norm_([], 1.0).item()


def test_clip_grad_norm_float32_matches_torch():
    grads = _grads(50.0, dtype=np.float32)
    params = _torch_params(grads)
    total = clip_grad_norm_(grads, 1.0)
    total_t = torch.nn.utils.clip_grad_norm_(params, 1.0)
    assert grads[0].dtype == np.float32
    assert_allclose(total, total_t.item(), rtol=1e-6)
    for g, p in zip(grads, params):
        assert_allclose(g, p.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
@pytest.mark.parametrize("norm_type", [2.0, math.inf])
def test_clip_grad_norm_nonfinite_like_torch(bad, norm_type):
    grads = [np.array([bad, 1.0]), np.array([2.0])]
    params = _torch_params(grads)
    total = clip_grad_norm_(grads, 1.0, norm_type)
    total_t = torch.nn.utils.clip_grad_norm_(params, 1.0, norm_type)
    assert_array_equal(total, total_t.item())
    for g, p in zip(grads, params):
        assert_array_equal(g, p.grad.numpy())  # inf -> NaN and the rest 0; a NaN spreads to all


def test_clip_grad_norm_overflows_like_torch():
    grads = [np.array([1e200, 1e200])]  # the sum of squares overflows: torch does not rescale either
    params = _torch_params(grads)
    assert clip_grad_norm_(grads, 1.0) == math.inf == torch.nn.utils.clip_grad_norm_(params, 1.0).item()
    assert_array_equal(grads[0], params[0].grad.numpy())
    assert_array_equal(grads[0], [0.0, 0.0])  # coefficient 1 / inf = 0


@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_error_if_nonfinite_raises_runtime_error_like_torch_before_clipping(bad):
    grads = [np.array([bad, 10.0])]
    with pytest.raises(RuntimeError, match=NONFINITE):
        clip_grad_norm_(grads, 1.0, error_if_nonfinite=True)
    assert_array_equal(grads[0], [bad, 10.0])
    with pytest.raises(RuntimeError, match=NONFINITE):
        torch.nn.utils.clip_grad_norm_(_torch_params(grads), 1.0, error_if_nonfinite=True)


def test_error_if_nonfinite_is_quiet_for_finite_norms():
    grads = _grads(10.0)
    params = _torch_params(grads)
    total = clip_grad_norm_(grads, 1.0, error_if_nonfinite=True)
    assert_allclose(total, torch.nn.utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True).item(), **TOL)


# ------------------------------------------------------------ clip_grad_value_


@pytest.mark.parametrize("clip_value", [0.0, 0.1, 0.5, 1.0, 1e3, math.inf])
@pytest.mark.parametrize("scale", [0.1, 1.0, 10.0])
def test_clip_grad_value_matches_torch(clip_value, scale):
    grads = _grads(scale, seed=3)
    params = _torch_params(grads)
    assert clip_grad_value_(grads, clip_value) is None
    torch.nn.utils.clip_grad_value_(params, clip_value)
    for g, p in zip(grads, params):
        assert_array_equal(g, p.grad.numpy())
        assert np.all(np.abs(g) <= clip_value)


def test_clip_grad_value_works_in_place_and_keeps_nan_like_torch():
    grads = [np.array([np.nan, 3.0, -3.0, 0.5]), np.array(-np.inf)]
    ids = [id(g) for g in grads]
    params = _torch_params(grads)
    clip_grad_value_(grads, 1.0)
    torch.nn.utils.clip_grad_value_(params, 1.0)
    assert [id(g) for g in grads] == ids
    assert_array_equal(grads[0], [np.nan, 1.0, -1.0, 0.5])
    assert_array_equal(grads[1], -1.0)
    for g, p in zip(grads, params):
        assert_array_equal(g, p.grad.numpy())


# ------------------------------------------------------------ the two clippings compared, by hand


def _angle_deg(a, b):
    return math.degrees(math.acos(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))))


def test_norm_clipping_keeps_the_direction_value_clipping_turns_it():
    # g = (3, 4) has norm 5 and points at atan(4/3) = 53.13 degrees.
    # Norm clipping to 1 divides by 5 + 1e-6: (0.6, 0.8) up to 1e-7, the same direction.
    # Value clipping to 1 clamps both entries: (1, 1), at 45 degrees.
    g_norm, g_value = [np.array([3.0, 4.0])], [np.array([3.0, 4.0])]
    assert clip_grad_norm_(g_norm, 1.0) == 5.0
    clip_grad_value_(g_value, 1.0)
    assert_allclose(g_norm[0], [3 / (5 + 1e-6), 4 / (5 + 1e-6)], rtol=1e-15)
    assert_allclose(g_norm[0], [0.6, 0.8], rtol=1e-6)
    assert_array_equal(g_value[0], [1.0, 1.0])
    assert _angle_deg(g_norm[0], [3.0, 4.0]) == pytest.approx(0.0, abs=1e-6)
    assert math.degrees(math.atan2(4, 3)) == pytest.approx(53.130102, abs=1e-6)
    assert _angle_deg(g_value[0], [3.0, 4.0]) == pytest.approx(53.130102 - 45.0, abs=1e-6)


# ------------------------------------------------------------ argument errors

NORM_ERRORS = [
    (dict(max_norm=-1.0), ValueError, r"^max_norm must be >= 0 \(inf allowed\), got -1.0"),
    (dict(max_norm=math.nan), ValueError, r"^max_norm must be >= 0 \(inf allowed\), got nan"),
    (dict(max_norm=-math.inf), ValueError, r"^max_norm must be >= 0 \(inf allowed\), got -inf"),
    (dict(max_norm="1"), TypeError, r"^max_norm must be a real number, got str '1'"),
    (dict(max_norm=1.0, norm_type=0.5), ValueError, r"^norm_type must be a number >= 1 or 'inf', got 0.5"),
    (dict(max_norm=1.0, norm_type=0), ValueError, r"^norm_type must be a number >= 1 or 'inf', got 0"),
    (dict(max_norm=1.0, norm_type=-math.inf), ValueError, r"^norm_type must be a number >= 1 or 'inf', got -inf"),
    (dict(max_norm=1.0, norm_type="fro"), ValueError, r"^norm_type must be a number >= 1 or 'inf', got 'fro'"),
    (dict(max_norm=1.0, norm_type=True), ValueError, r"^norm_type must be a number >= 1 or 'inf', got True"),
    (dict(max_norm=1.0, norm_type=None), ValueError, r"^norm_type must be a number >= 1 or 'inf', got None"),
    (dict(max_norm=1.0, error_if_nonfinite=1), TypeError, r"^error_if_nonfinite must be a bool, got int"),
    (dict(max_norm=1.0, eps=0.0), ValueError, r"^eps must be > 0.0, got 0.0"),
]


@pytest.mark.parametrize("kwargs, error, match", NORM_ERRORS)
def test_clip_grad_norm_bad_arguments_raise_and_change_nothing(kwargs, error, match):
    grads = _grads(10.0)
    copies = [g.copy() for g in grads]
    with pytest.raises(error, match=match):
        clip_grad_norm_(grads, **kwargs)
    for g, c in zip(grads, copies):
        assert_array_equal(g, c)


@pytest.mark.parametrize("clip_value, error, match", [
    (-0.5, ValueError, r"^clip_value must be >= 0 \(inf allowed\), got -0.5"),
    (math.nan, ValueError, r"^clip_value must be >= 0 \(inf allowed\), got nan"),
    (None, TypeError, r"^clip_value must be a real number, got NoneType None"),
])
def test_clip_grad_value_bad_arguments_raise(clip_value, error, match):
    grads = _grads(10.0)
    with pytest.raises(error, match=match):
        clip_grad_value_(grads, clip_value)


def _read_only():
    a = np.ones(3)
    a.flags.writeable = False
    return a


@pytest.mark.parametrize("fn, arg", [(clip_grad_norm_, 1.0), (clip_grad_value_, 1.0)])
@pytest.mark.parametrize("grads, error, match", [
    ([np.ones(2), [1.0, 2.0]], TypeError,
     r"^grads\[1\] must be a floating-point numpy array \(it is modified in place\), got list"),
    ([np.ones(2, dtype=int)], TypeError, r"^grads\[0\] must be a floating-point numpy array .*got dtype int64"),
    ([np.ones(2), None], TypeError, r"^grads\[1\] must be a floating-point numpy array .*got NoneType"),
    ([np.full(2, 10.0), _read_only()], ValueError, r"^grads\[1\] must be writeable .*got a read-only array"),
    (3.0, TypeError, r"^grads must be a list of numpy arrays, got float"),
    ("grads", TypeError, r"^grads must be a list of numpy arrays, got str"),
])
def test_bad_grads_raise_before_anything_is_clipped(fn, arg, grads, error, match):
    first = grads[0].copy() if isinstance(grads, list) else None
    with pytest.raises(error, match=match):
        fn(grads, arg)
    if first is not None:
        assert_array_equal(grads[0], first)
