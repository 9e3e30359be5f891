"""Tests for lecturelib.regularization: gradient clipping against torch.nn.utils, penalties against
torch autograd and finite differences, max_norm_ against torch.renorm, early stopping on scripted
sequences, in place, argument errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal

from lecturelib.gradcheck import check_gradients
from lecturelib.regularization import (
    EarlyStopping,
    activity_penalty,
    clip_grad_norm_,
    clip_grad_value_,
    l1_penalty,
    l2_penalty,
    max_norm_,
)

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


# ------------------------------------------------------------ parameter penalties

PENALTY_SHAPES = [(3, 4), (5,), (2, 3, 2)]


def _weights(seed=0, shapes=PENALTY_SHAPES, away_from_zero=False):
    """Random float64 arrays; with away_from_zero, every |entry| >= 0.1 (no L1 kink within eps)."""
    rng = np.random.default_rng(seed)
    ws = [rng.standard_normal(s) for s in shapes]
    return [np.sign(w) * (0.1 + np.abs(w)) for w in ws] if away_from_zero else ws


@pytest.mark.parametrize("weight_decay", [0.0, 1e-4, 0.1, 3.0])
def test_l2_penalty_by_hand(weight_decay):
    ws = _weights()
    value, grads = l2_penalty(ws, weight_decay)
    assert type(value) is float
    assert_allclose(value, weight_decay / 2 * sum(np.sum(w**2) for w in ws), rtol=1e-14)
    assert len(grads) == len(ws)
    for g, w in zip(grads, ws):
        assert_array_equal(g, weight_decay * w)


@pytest.mark.parametrize("weight_decay", [1e-4, 0.1, 3.0])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_l2_penalty_gradient_is_torch_sgd_weight_decay(weight_decay, momentum):
    # SGD on loss + l2_penalty equals torch.optim.SGD(weight_decay=wd) on loss, step by step.
    ws = _weights(seed=1)
    data_grads = _weights(seed=2)
    params = [torch.tensor(w, requires_grad=True) for w in ws]
    opt = torch.optim.SGD(params, lr=0.05, momentum=momentum, weight_decay=weight_decay)
    buffers = [np.zeros_like(w) for w in ws]
    for _ in range(3):
        for p, g in zip(params, data_grads):
            p.grad = torch.tensor(g)
        opt.step()
        _, grads = l2_penalty(ws, weight_decay)
        for w, b, g, gp in zip(ws, buffers, data_grads, grads):
            b *= momentum
            b += g + gp  # torch's first buffer is the gradient itself: the same with b = 0
            w -= 0.05 * b
    for w, p in zip(ws, params):
        assert_allclose(w, p.detach().numpy(), **TOL)


@pytest.mark.parametrize("penalty", [l2_penalty, l1_penalty])
def test_penalty_value_and_grads_match_torch_autograd(penalty):
    ws = _weights(seed=3)
    ws[0][0, :2] = 0.0  # the L1 kink: torch's abs has gradient 0 there, as np.sign
    value, grads = penalty(ws, 0.3)
    params = [torch.tensor(w, requires_grad=True) for w in ws]
    if penalty is l2_penalty:
        total = 0.3 / 2 * sum((p**2).sum() for p in params)
    else:
        total = 0.3 * sum(p.abs().sum() for p in params)
    total.backward()
    assert_allclose(value, total.item(), **TOL)
    for g, p in zip(grads, params):
        assert_allclose(g, p.grad.numpy(), **TOL)


@pytest.mark.parametrize("strength", [1e-3, 0.5, 2.0])
@pytest.mark.parametrize("penalty", [l2_penalty, l1_penalty])
def test_penalty_gradients_match_finite_differences(penalty, strength):
    ws = _weights(seed=4, away_from_zero=True)
    _, grads = penalty(ws, strength)
    params = {f"w{i}": w for i, w in enumerate(ws)}
    report = check_gradients(lambda: penalty(ws, strength)[0], params,
                             {f"w{i}": g for i, g in enumerate(grads)}, rtol=1e-8)
    assert report.max_error < 1e-8


def test_l1_penalty_by_hand_with_the_subgradient_zero_at_zero():
    value, grads = l1_penalty([np.array([-2.0, 0.0, 0.5]), np.array([[0.0, -0.0]])], 0.1)
    assert value == pytest.approx(0.25, rel=1e-15)
    assert_array_equal(grads[0], [-0.1, 0.0, 0.1])
    assert_array_equal(grads[1], [[0.0, 0.0]])


@pytest.mark.parametrize("penalty", [l2_penalty, l1_penalty])
def test_penalty_accepts_one_array_and_an_empty_list_and_changes_nothing(penalty):
    w = np.array([[3.0, -4.0]])
    w.flags.writeable = False  # only read
    value, grads = penalty(w, 2.0)
    assert value == (25.0 if penalty is l2_penalty else 14.0)
    assert isinstance(grads, list) and len(grads) == 1
    assert_array_equal(w, [[3.0, -4.0]])
    assert penalty([], 2.0) == (0.0, [])
    assert penalty((x for x in [w]), 2.0)[0] == value


PENALTY_ERRORS = [
    (dict(strength=-0.1), ValueError, r"^{name} must be >= 0.0, got -0.1"),
    (dict(strength=math.nan), ValueError, r"^{name} must be finite, got nan"),
    (dict(strength=math.inf), ValueError, r"^{name} must be finite, got inf"),
    (dict(strength="0.1"), TypeError, r"^{name} must be a real number, got str '0.1'"),
    (dict(strength=None), TypeError, r"^{name} must be a real number, got NoneType None"),
    (dict(weights=3.0), TypeError, r"^weights must be a numpy array or a list of numpy arrays, got float"),
    (dict(weights="w"), TypeError, r"^weights must be a numpy array or a list of numpy arrays, got str"),
    (dict(weights=[np.ones(2), np.ones(2, dtype=int)]), TypeError,
     r"^weights\[1\] must be a floating-point array, got dtype int64"),
    (dict(weights=[np.array([1.0, np.nan])]), ValueError, r"^weights\[0\] must contain only finite values"),
]


@pytest.mark.parametrize("kwargs, error, match", PENALTY_ERRORS)
@pytest.mark.parametrize("penalty, name", [(l2_penalty, "weight_decay"), (l1_penalty, "strength")])
def test_penalty_bad_arguments_raise(penalty, name, kwargs, error, match):
    args = dict(weights=[np.ones(2)], strength=0.1) | kwargs
    with pytest.raises(error, match=match.format(name=name)):
        penalty(args["weights"], args["strength"])


# ------------------------------------------------------------ activity penalty

ACTIVITY_SHAPES = [(1, 3), (8, 5), (4, 3, 2)]


def _activations(shape, seed):
    a = np.random.default_rng(seed).standard_normal(shape)
    return np.sign(a) * (0.1 + np.abs(a))  # no entry within eps of the L1 kink


@pytest.mark.parametrize("kind", ["l1", "l2"])
@pytest.mark.parametrize("shape", ACTIVITY_SHAPES)
def test_activity_penalty_matches_torch_autograd(shape, kind):
    a = _activations(shape, seed=5)
    a[0].flat[0] = 0.0
    value, da = activity_penalty(a, 0.7, kind=kind)
    at = torch.tensor(a, requires_grad=True)
    per_example = at.abs() if kind == "l1" else at**2 / 2
    total = 0.7 * per_example.flatten(1).sum(dim=1).mean()  # mean over the batch of the sum per example
    total.backward()
    assert type(value) is float
    assert_allclose(value, total.item(), **TOL)
    assert_allclose(da, at.grad.numpy(), **TOL)


@pytest.mark.parametrize("kind", ["l1", "l2"])
@pytest.mark.parametrize("shape", ACTIVITY_SHAPES)
def test_activity_penalty_gradient_matches_finite_differences(shape, kind):
    a = _activations(shape, seed=6)
    _, da = activity_penalty(a, 0.3, kind=kind)
    report = check_gradients(lambda: activity_penalty(a, 0.3, kind=kind)[0], {"a": a}, {"a": da}, rtol=1e-8)
    assert report.max_error < 1e-8


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_activity_penalty_is_a_mean_over_the_batch(kind):
    a = _activations((5, 4), seed=7)
    value, da = activity_penalty(a, 0.2, kind=kind)
    value2, da2 = activity_penalty(np.concatenate([a, a]), 0.2, kind=kind)  # the same batch twice
    assert value2 == pytest.approx(value, rel=1e-14)
    assert_allclose(da2[:5], da / 2, rtol=1e-15)


def test_activity_penalty_by_hand():
    a = np.array([[1.0, -2.0], [0.0, 3.0]])
    assert activity_penalty(a, 0.1)[0] == pytest.approx(0.1 * 6 / 2, rel=1e-15)  # kind="l1" by default
    value, da = activity_penalty(a, 0.1, kind="l2")
    assert value == pytest.approx(0.1 / 2 * 14 / 2, rel=1e-15)
    assert_allclose(da, 0.1 * a / 2, rtol=1e-15)


@pytest.mark.parametrize("args, kwargs, error, match", [
    ((np.ones((2, 3)), -0.1), {}, ValueError, r"^strength must be >= 0.0, got -0.1"),
    ((np.ones((2, 3)), "1"), {}, TypeError, r"^strength must be a real number, got str '1'"),
    ((np.ones((2, 3)), 0.1), dict(kind="L3"), ValueError, r"^kind must be one of \['l1', 'l2'\], got 'L3'"),
    ((np.ones((2, 3)), 0.1), dict(kind=None), ValueError, r"^kind must be one of \['l1', 'l2'\], got None"),
    ((np.array(1.0), 0.1), {}, ValueError, r"^activations must have shape \(N, ...\) with N >= 1, got shape \(\)"),
    ((np.ones((0, 3)), 0.1), {}, ValueError,
     r"^activations must have shape \(N, ...\) with N >= 1, got shape \(0, 3\)"),
    ((np.ones((2, 3), dtype=int), 0.1), {}, TypeError, r"^activations must be a floating-point array"),
    ((np.full((2, 3), np.inf), 0.1), {}, ValueError, r"^activations must contain only finite values"),
])
def test_activity_penalty_bad_arguments_raise(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        activity_penalty(*args, **kwargs)


def test_activity_penalty_kind_is_keyword_only():
    with pytest.raises(TypeError):
        activity_penalty(np.ones((2, 3)), 0.1, "l2")


# ------------------------------------------------------------ max_norm_

RENORM_CASES = [((5, 3), 0), ((5, 3), 1), ((3, 5), -1), ((4, 3, 2), 0), ((4, 3, 2), 1), ((4, 3, 2), -1),
                ((2, 3, 4, 5), 1), ((2, 3, 4, 5), 3), ((1, 6), 0)]


@pytest.mark.parametrize("max_norm", [0.05, 0.5, 1.0, 3.0, 1e3])
@pytest.mark.parametrize("shape, dim", RENORM_CASES)
def test_max_norm_matches_torch_renorm(shape, dim, max_norm):
    weight = np.random.default_rng(8).standard_normal(shape)
    want = torch.renorm(torch.tensor(weight), p=2, dim=dim, maxnorm=max_norm).numpy()
    assert max_norm_(weight, max_norm, dim) is weight
    assert_allclose(weight, want, rtol=1e-12, atol=0)


def test_max_norm_dim_0_bounds_each_units_incoming_weights():
    # weight (out_features, in_features): row j holds unit j's incoming weights.
    weight = np.array([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0], [-6.0, 8.0]])
    before = weight.copy()
    max_norm_(weight, 1.0)
    norms = np.linalg.norm(weight, axis=1)
    assert_allclose(norms[[0, 3]], [5 / (5 + 1e-7), 10 / (10 + 1e-7)], rtol=1e-15)  # just under 1
    assert_array_equal(weight[1:3], before[1:3])  # within the ball: untouched, bit for bit
    assert_allclose(weight[[0, 3]] / np.linalg.norm(weight[[0, 3]], axis=1, keepdims=True),
                    before[[0, 3]] / np.linalg.norm(before[[0, 3]], axis=1, keepdims=True), rtol=1e-15)


def test_max_norm_at_the_boundary_and_with_eps_zero():
    weight = np.array([[3.0, 4.0]])
    max_norm_(weight, 5.0)  # norm equal to max_norm: not rescaled, as torch.renorm
    assert_array_equal(weight, [[3.0, 4.0]])
    max_norm_(weight, 1.0, eps=0.0)
    assert_allclose(weight, [[0.6, 0.8]], rtol=1e-15)


def test_max_norm_works_in_place_and_in_float32_like_torch():
    weight = (10 * np.random.default_rng(9).standard_normal((6, 4))).astype(np.float32)
    want = torch.renorm(torch.tensor(weight), 2, 0, 2.0).numpy()
    buffer = weight.__array_interface__["data"][0]
    out = max_norm_(weight, 2.0)
    assert out is weight and weight.dtype == np.float32
    assert weight.__array_interface__["data"][0] == buffer
    assert_allclose(weight, want, rtol=1e-6)


def _read_only_weight():
    w = np.ones((2, 2))
    w.flags.writeable = False
    return w


@pytest.mark.parametrize("weight, kwargs, error, match", [
    (np.ones((2, 3)), dict(max_norm=0.0), ValueError, r"^max_norm must be > 0.0, got 0.0"),
    (np.ones((2, 3)), dict(max_norm=-1.0), ValueError, r"^max_norm must be > 0.0, got -1.0"),
    (np.ones((2, 3)), dict(max_norm=math.nan), ValueError, r"^max_norm must be finite, got nan"),
    (np.ones((2, 3)), dict(max_norm="1"), TypeError, r"^max_norm must be a real number, got str '1'"),
    (np.ones((2, 3)), dict(dim=2), ValueError, r"^dim must be in \[-2, 1\] for a 2-D weight, got 2"),
    (np.ones((2, 3)), dict(dim=-3), ValueError, r"^dim must be in \[-2, 1\] for a 2-D weight, got -3"),
    (np.ones((2, 3, 4)), dict(dim=3), ValueError, r"^dim must be in \[-3, 2\] for a 3-D weight, got 3"),
    (np.ones((2, 3)), dict(dim=0.0), TypeError, r"^dim must be an integer, got float 0.0"),
    (np.ones((2, 3)), dict(eps=-1e-7), ValueError, r"^eps must be >= 0.0, got -1e-07"),
    (np.ones(3), {}, ValueError, r"^weight must have at least 2 dimensions \(as torch.renorm\), got shape \(3,\)"),
    ([[1.0, 2.0]], {}, TypeError,
     r"^weight must be a floating-point numpy array \(it is modified in place\), got list"),
    (np.ones((2, 2), dtype=int), {}, TypeError, r"^weight must be a floating-point numpy array .*got dtype int64"),
    (_read_only_weight(), {}, ValueError, r"^weight must be writeable \(it is modified in place\)"),
    (np.array([[1.0, np.nan]]), {}, ValueError, r"^weight must contain only finite values"),
])
def test_max_norm_bad_arguments_raise_and_change_nothing(weight, kwargs, error, match):
    before = np.array(weight, copy=True)
    args = dict(max_norm=0.5) | kwargs
    with pytest.raises(error, match=match):
        max_norm_(weight, **args)
    assert_array_equal(np.asarray(weight), before)


# ------------------------------------------------------------ EarlyStopping


def _run(stopper, values, *, until_stop=False):
    """Step through values with a state that names the epoch; return the list of step results."""
    results = []
    for epoch, value in enumerate(values, start=1):
        results.append(stopper.step(value, state={"epoch": epoch, "w": np.array([float(epoch)])}))
        if until_stop and results[-1]:
            break
    return results


NAN = math.nan
SCRIPTS = [
    # values, settings, (first epoch step returns True or None, best_epoch, best)
    ([1.0, 0.8, 0.9, 0.85, 0.7], dict(patience=2), (4, 2, 0.8)),
    ([1.0, 0.8, 0.9, 0.85, 0.7], dict(patience=3), (None, 5, 0.7)),
    ([1.0, 0.9, 0.95, 0.8], dict(patience=0), (3, 2, 0.9)),
    ([1.0, 0.9, 0.95, 0.8], dict(patience=1), (3, 2, 0.9)),  # patience 0 and 1 agree (Keras, Lightning)
    ([1.0, 0.9, 0.9, 0.9], dict(patience=2), (4, 2, 0.9)),  # an equal value is no improvement
    ([1.0, 0.95, 0.92, 0.91], dict(patience=2, min_delta=0.1), (3, 1, 1.0)),
    ([1.0, 0.95, 0.92, 0.91], dict(patience=2), (None, 4, 0.91)),
    ([1.0, 0.5, 0.25], dict(patience=1, min_delta=0.5), (2, 1, 1.0)),  # exactly min_delta: not more
    ([1.0, 0.25, 0.5], dict(patience=1, min_delta=0.5), (3, 2, 0.25)),
    ([0.5, 0.6, 0.6, 0.55, 0.7], dict(patience=2, mode="max"), (4, 2, 0.6)),
    ([0.5, 0.6, 0.65, 0.7], dict(patience=1, mode="max", min_delta=0.05), (3, 2, 0.6)),  # 0.65 - 0.05 == 0.6
    ([1.0, NAN, 0.9], dict(patience=2), (None, 3, 0.9)),  # NaN: an epoch without improvement
    ([1.0, NAN, NAN], dict(patience=2), (3, 1, 1.0)),
    ([1.0, math.inf, -math.inf], dict(patience=2), (3, 1, 1.0)),
    ([0.5, -math.inf, math.inf], dict(patience=2, mode="max"), (3, 1, 0.5)),
]


@pytest.mark.parametrize("values, settings, expected", SCRIPTS)
def test_early_stopping_on_scripted_sequences(values, settings, expected):
    stop_epoch, best_epoch, best = expected
    stopper = EarlyStopping(**settings)
    results = _run(stopper, values, until_stop=True)  # as a training loop does
    assert results == [False] * (len(results) - 1) + [stop_epoch is not None]
    assert stopper.stopped_epoch == stop_epoch
    assert stopper.epoch == len(results) == (stop_epoch or len(values))
    assert stopper.best_epoch == best_epoch
    assert stopper.best == best
    assert stopper.best_state["epoch"] == best_epoch
    assert_array_equal(stopper.best_state["w"], [best_epoch])


def _keras_rule(values, patience, min_delta, mode):
    """Keras' EarlyStopping.on_epoch_end, transcribed: the wait grows first and an improvement resets it."""
    op, delta = (np.less, -min_delta) if mode == "min" else (np.greater, min_delta)
    best, wait, out = (np.inf if mode == "min" else -np.inf), 0, []
    for value in values:
        wait += 1
        if op(value - delta, best):
            best, wait = value, 0
            out.append(False)
        else:
            out.append(wait >= patience)
    return out


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("mode", ["min", "max"])
def test_early_stopping_follows_keras_rule_on_random_sequences(mode, seed):
    rng = np.random.default_rng(seed)
    values = np.round(np.cumsum(rng.normal(0.0, 0.05, size=40)), 2) + 1.0  # ties and small steps
    for patience in [0, 1, 3]:
        for min_delta in [0.0, 0.02]:
            stopper = EarlyStopping(patience, min_delta=min_delta, mode=mode)
            got = [stopper.step(float(v)) for v in values]
            assert got == _keras_rule(values, patience, min_delta, mode)


def test_early_stopping_first_value_nan_keeps_no_best():
    stopper = EarlyStopping(patience=0)
    assert stopper.step(NAN, state={"w": 1}) is True
    assert (stopper.best, stopper.best_epoch, stopper.best_state, stopper.stopped_epoch) == (math.inf, None, None, 1)


def test_early_stopping_best_state_is_a_deep_copy_of_numpy_state():
    state = {"weight": np.zeros(3)}
    stopper = EarlyStopping(patience=2)
    stopper.step(1.0, state)
    state["weight"] += 5.0  # training continues in place
    stopper.step(2.0, state)
    assert_array_equal(stopper.best_state["weight"], np.zeros(3))
    assert stopper.best_state is not state


def test_early_stopping_restores_a_torch_state_dict():
    model = torch.nn.Linear(3, 2).double()
    stopper = EarlyStopping(patience=1)
    assert stopper.step(0.5, model.state_dict()) is False
    saved = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        model.weight.add_(1.0)  # the state_dict's tensors are the parameters themselves
    assert stopper.step(0.7, model.state_dict()) is True
    model.load_state_dict(stopper.best_state)
    for k, v in model.state_dict().items():
        assert torch.equal(v, saved[k])


def test_early_stopping_without_restore_best_keeps_no_state():
    stopper = EarlyStopping(patience=1, restore_best=False)
    _run(stopper, [1.0, 0.5, 0.7])
    assert stopper.best_state is None and stopper.best_epoch == 2 and stopper.stopped_epoch == 3


def test_early_stopping_keeps_counting_after_it_said_stop():
    stopper = EarlyStopping(patience=1)
    assert _run(stopper, [1.0, 2.0, 3.0, 0.5, 0.6]) == [False, True, True, False, True]
    assert stopper.stopped_epoch == 2  # the first time it said stop
    assert stopper.best_epoch == 4 and stopper.wait == 1


def test_early_stopping_wait_and_defaults():
    stopper = EarlyStopping(3)
    assert (stopper.min_delta, stopper.mode, stopper.restore_best) == (0.0, "min", True)
    assert (stopper.best, stopper.best_epoch, stopper.stopped_epoch, stopper.wait) == (math.inf, None, None, 0)
    _run(stopper, [1.0, 1.1, 1.2])
    assert stopper.wait == 2
    assert EarlyStopping(1, mode="max").best == -math.inf
    assert repr(stopper) == "EarlyStopping(patience=3, min_delta=0.0, mode='min', restore_best=True)"


def test_early_stopping_accepts_numpy_scalars():
    stopper = EarlyStopping(1)
    assert stopper.step(np.float64(1.0)) is False
    assert stopper.step(np.float32(2.0)) is True


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(patience=-1), ValueError, r"^patience must be >= 0, got -1"),
    (dict(patience=1.5), TypeError, r"^patience must be an integer, got float 1.5"),
    (dict(patience=True), TypeError, r"^patience must be an integer, got bool True"),
    (dict(patience=2, min_delta=-0.1), ValueError, r"^min_delta must be >= 0.0, got -0.1"),
    (dict(patience=2, min_delta=math.nan), ValueError, r"^min_delta must be finite, got nan"),
    (dict(patience=2, min_delta="0"), TypeError, r"^min_delta must be a real number, got str '0'"),
    (dict(patience=2, mode="maximize"), ValueError, r"^mode must be one of \['min', 'max'\], got 'maximize'"),
    (dict(patience=2, mode=None), ValueError, r"^mode must be one of \['min', 'max'\], got None"),
    (dict(patience=2, restore_best=1), TypeError, r"^restore_best must be a bool, got int 1"),
])
def test_early_stopping_bad_settings_raise(kwargs, error, match):
    with pytest.raises(error, match=match):
        EarlyStopping(**kwargs)


@pytest.mark.parametrize("value, match", [
    ("0.5", r"^value must be a real number, got str '0.5'"),
    (None, r"^value must be a real number, got NoneType None"),
    (torch.tensor(0.5), r"^value must be a real number, got Tensor"),
    (np.array([0.5]), r"^value must be a real number, got ndarray"),
])
def test_early_stopping_bad_values_raise_and_count_nothing(value, match):
    stopper = EarlyStopping(2)
    with pytest.raises(TypeError, match=match):
        stopper.step(value)
    assert stopper.epoch == 0 and stopper.wait == 0


def test_early_stopping_settings_after_patience_are_keyword_only():
    with pytest.raises(TypeError):
        EarlyStopping(2, 0.1)
