"""Tests for lecturelib.optim: torch float64 parity, hand-computed steps, in-place updates, argument errors."""

from __future__ import annotations

import inspect
import re
from itertools import product

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

from lecturelib.optim import (
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    AdamW,
    Optimizer,
    RMSprop,
    adadelta_step,
    adagrad_step,
    adam_step,
    adamw_step,
    rmsprop_step,
    sgd_step,
)

TOL = dict(rtol=1e-12, atol=1e-13)
SHAPES = [(3,), (4, 5), (2, 3, 2)]
N_STEPS = 50

TORCH = {SGD: torch.optim.SGD, Adagrad: torch.optim.Adagrad, RMSprop: torch.optim.RMSprop,
         Adadelta: torch.optim.Adadelta, Adam: torch.optim.Adam, AdamW: torch.optim.AdamW}
STEP = {SGD: sgd_step, Adagrad: adagrad_step, RMSprop: rmsprop_step,
        Adadelta: adadelta_step, Adam: adam_step, AdamW: adamw_step}
# torch's switches for *how* to compute, which the numpy versions do not have
TORCH_ONLY = {"foreach", "fused", "capturable", "differentiable"}


def _options(**grid):
    """Every combination of the settings in ``grid`` (itertools.product), as dicts."""
    keys = list(grid)
    return [dict(zip(keys, values)) for values in product(*grid.values())]


SGD_OPTIONS = [
    o for o in _options(lr=[0.05], momentum=[0.0, 0.9], dampening=[0.0, 0.3], weight_decay=[0.0, 0.1],
                        nesterov=[False, True], maximize=[False, True])
    if not o["nesterov"] or (o["momentum"] > 0 and o["dampening"] == 0)
]
ADAGRAD_OPTIONS = _options(lr=[0.1], lr_decay=[0.0, 0.05], weight_decay=[0.0, 0.1],
                           initial_accumulator_value=[0.0, 0.5], eps=[1e-10, 1e-3], maximize=[False, True])
RMSPROP_OPTIONS = _options(lr=[0.01], alpha=[0.99, 0.9], momentum=[0.0, 0.9], centered=[False, True],
                           weight_decay=[0.0, 0.1], maximize=[False, True])
ADADELTA_OPTIONS = _options(lr=[1.0, 0.5], rho=[0.9, 0.5], eps=[1e-6, 1e-3], weight_decay=[0.0, 0.1],
                            maximize=[False, True])
ADAM_OPTIONS = _options(lr=[0.01], betas=[(0.9, 0.999), (0.5, 0.9)], weight_decay=[0.0, 0.1],
                        amsgrad=[False, True], maximize=[False, True], decoupled_weight_decay=[False, True])
ADAMW_OPTIONS = _options(lr=[0.01], betas=[(0.9, 0.999), (0.5, 0.9)], weight_decay=[0.0, 1e-2, 0.1],
                         amsgrad=[False, True], maximize=[False, True])
PARITY_CASES = (
    [(cls, {}) for cls in TORCH]  # torch's defaults
    + [(SGD, o) for o in SGD_OPTIONS] + [(Adagrad, o) for o in ADAGRAD_OPTIONS]
    + [(RMSprop, o) for o in RMSPROP_OPTIONS] + [(Adadelta, o) for o in ADADELTA_OPTIONS]
    + [(Adam, o) for o in ADAM_OPTIONS] + [(AdamW, o) for o in ADAMW_OPTIONS]
)


def _case_id(case):
    cls, options = case
    return cls.__name__ + "-" + ("-".join(f"{k}={v}" for k, v in options.items()) or "defaults")


def _run_both(cls, options, params, grads, torch_params=None, torch_groups=None):
    """``N_STEPS`` steps of ours and torch's optimizer on the same gradients (torch gets copies first).

    ``params`` (and ``torch_groups``) may be lists of parameter groups; ``torch_params`` is then the
    flat list of torch's tensors in the order of the groups.
    """
    torch_params = torch_params or [torch.tensor(p.copy()) for p in params]
    opt = cls(params, **options)
    topt = TORCH[cls](torch_groups or torch_params, foreach=False, **options)
    for step_grads in grads:
        for tp, g in zip(torch_params, step_grads):
            tp.grad = None if g is None else torch.tensor(g)
        opt.step(step_grads)
        topt.step()
    return opt, topt, torch_params


def _assert_same_as_torch(params, opt, torch_params, topt, tol=TOL):
    for i, (p, tp) in enumerate(zip(params, torch_params)):
        assert_allclose(p, tp.detach().numpy(), **tol, err_msg=f"params[{i}]")
        theirs = topt.state.get(tp, {})
        ours = opt.state.get(i, {})
        assert set(ours) == set(theirs), f"state[{i}] keys"
        for key, value in theirs.items():
            if key == "step":
                assert type(ours["step"]) is float and ours["step"] == value.item()
            else:
                assert ours[key].dtype == p.dtype
                assert_allclose(ours[key], value.numpy(), **tol, err_msg=f"state[{i}][{key!r}]")


def _data(seed=0, shapes=SHAPES, n_steps=N_STEPS, dtype=np.float64):
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(n_steps)]
    return params, grads


# --- parity with torch.optim ----------------------------------------------------------------------


@pytest.mark.parametrize("case", PARITY_CASES, ids=_case_id)
def test_matches_torch_after_50_steps(case):
    cls, options = case
    params, grads = _data()
    originals = [p for p in params]
    grad_copies = [[g.copy() for g in step] for step in grads]
    opt, topt, torch_params = _run_both(cls, options, params, grads)
    _assert_same_as_torch(params, opt, torch_params, topt)
    assert all(p is q for p, q in zip(opt.param_groups[0]["params"], originals))
    for step, copies in zip(grads, grad_copies):  # the gradients are read, never written
        for g, c in zip(step, copies):
            np.testing.assert_array_equal(g, c)


@pytest.mark.parametrize("cls", list(TORCH), ids=lambda c: c.__name__)
def test_param_groups_match_torch(cls):
    """Two groups, the second with its own lr (and momentum where there is one); one array skipped."""
    params, grads = _data(seed=1)
    extra = {"lr": 0.3}
    if "momentum" in STEP[cls].__wrapped__.__kwdefaults__:
        extra["momentum"] = 0.5
    groups = [{"params": params[:1]}, {"params": params[1:], **extra}]
    torch_params = [torch.tensor(p.copy()) for p in params]
    torch_groups = [{"params": torch_params[:1]}, {"params": torch_params[1:], **extra}]
    for step in grads[::2]:
        step[2] = None  # no gradient for the last array at every other step: skipped, as in torch
    opt, topt, _ = _run_both(cls, {}, groups, grads, torch_params, torch_groups)
    _assert_same_as_torch(params, opt, torch_params, topt)
    assert len(opt.param_groups) == 2 and opt.param_groups[1]["lr"] == 0.3
    assert opt.param_groups[1]["params"][1] is params[2]


@pytest.mark.parametrize("cls", list(TORCH), ids=lambda c: c.__name__)
def test_changing_lr_between_steps_matches_torch(cls):
    params, grads = _data(seed=2, n_steps=20)
    torch_params = [torch.tensor(p.copy()) for p in params]
    opt, topt = cls(params), TORCH[cls](torch_params, foreach=False)
    for k, step_grads in enumerate(grads):
        for group in opt.param_groups + topt.param_groups:
            group["lr"] = 0.1 / (1 + k)
        for tp, g in zip(torch_params, step_grads):
            tp.grad = torch.tensor(g)
        opt.step(step_grads)
        topt.step()
    _assert_same_as_torch(params, opt, torch_params, topt)


@pytest.mark.parametrize("cls", list(TORCH), ids=lambda c: c.__name__)
def test_param_group_keys_and_defaults_match_torch(cls):
    params, _ = _data()
    opt = cls(params)
    topt = TORCH[cls]([torch.tensor(p) for p in params])
    assert set(opt.param_groups[0]) == set(topt.param_groups[0]) - TORCH_ONLY
    for key, value in opt.defaults.items():
        assert topt.defaults[key] == value, key
        assert opt.param_groups[0][key] == value
    assert topt.defaults.keys() - TORCH_ONLY == opt.defaults.keys()


@pytest.mark.parametrize("cls", list(TORCH), ids=lambda c: c.__name__)
def test_signature_defaults_match_torch_and_the_step_function(cls):
    ours = {n: p.default for n, p in inspect.signature(cls.__init__).parameters.items() if n not in ("self", "params")}
    theirs = inspect.signature(TORCH[cls].__init__).parameters
    for name, default in ours.items():
        assert theirs[name].default == default, name
    step_defaults = STEP[cls].__wrapped__.__kwdefaults__
    assert step_defaults == ours


def test_float32_stays_float32_and_matches_torch():
    params, grads = _data(seed=3, n_steps=20, dtype=np.float32)
    torch_params = [torch.tensor(p.copy()) for p in params]
    opt, topt, _ = _run_both(Adam, dict(lr=0.01, amsgrad=True, weight_decay=0.1), params, grads, torch_params)
    assert all(p.dtype == np.float32 for p in params)
    _assert_same_as_torch(params, opt, torch_params, topt, tol=dict(rtol=1e-5, atol=1e-6))


# --- hand-computed steps --------------------------------------------------------------------------


def test_sgd_momentum_by_hand():
    """Step 1: the buffer is the gradient itself (no dampening); step 2: b = 0.9 b + (1 - 0.5) g."""
    param, state = np.array([1.0, -2.0]), {}
    sgd_step(param, np.array([0.5, -1.0]), state, lr=0.1, momentum=0.9, dampening=0.5)
    assert_allclose(state["momentum_buffer"], [0.5, -1.0], rtol=1e-15)
    assert_allclose(param, [0.95, -1.9], rtol=1e-15)
    sgd_step(param, np.array([1.0, 2.0]), state, lr=0.1, momentum=0.9, dampening=0.5)
    assert_allclose(state["momentum_buffer"], [0.95, 0.1], rtol=1e-14)
    assert_allclose(param, [0.855, -1.91], rtol=1e-14)


def test_sgd_nesterov_first_step_by_hand():
    """b = g, then the step is g + 0.9 b = 1.9 g."""
    param = np.array([1.0, -2.0])
    sgd_step(param, np.array([0.5, -1.0]), {}, lr=0.1, momentum=0.9, nesterov=True)
    assert_allclose(param, [0.905, -1.81], rtol=1e-15)


def test_sgd_weight_decay_and_maximize_by_hand():
    """g = -grad + 0.1 param = [-0.4, 0.8]; the parameter moves by -0.1 g."""
    param, state = np.array([1.0, -2.0]), {}
    sgd_step(param, np.array([0.5, -1.0]), state, lr=0.1, weight_decay=0.1, maximize=True)
    assert_allclose(param, [1.04, -2.08], rtol=1e-15)
    assert state == {}  # plain SGD keeps no state, as torch


def test_adam_first_steps_move_by_lr_times_sign():
    """m_1 = 0.1 g and v_1 = 0.001 g^2, so the corrected ratio is g / (|g| + eps), about sign(g).

    With a constant gradient this holds at every step: m_t = (1 - 0.9^t) g and
    v_t = (1 - 0.999^t) g^2 are exactly undone by the bias corrections.
    """
    param, state = np.array([1.0, -2.0, 0.5, 3.0]), {}
    g, lr, eps = np.array([3.0, -0.5, 1e-3, 0.0]), 0.01, 1e-8
    adam_step(param, g, state, lr=lr, eps=eps)
    assert state["step"] == 1.0
    assert_allclose(state["exp_avg"], 0.1 * g, rtol=1e-15)
    assert_allclose(state["exp_avg_sq"], 0.001 * g**2, rtol=1e-12)
    assert_allclose(param, [1.0 - lr, -2.0 + lr, 0.5 - lr, 3.0], atol=lr * 1e-5)  # sign(g); 3.0 has g = 0
    assert_allclose(param, [1.0, -2.0, 0.5, 3.0] - lr * g / (np.abs(g) + eps), rtol=1e-13)
    for _ in range(4):
        adam_step(param, g, state, lr=lr, eps=eps)
    assert_allclose(param, [1.0, -2.0, 0.5, 3.0] - 5 * lr * g / (np.abs(g) + eps), rtol=1e-12)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_second_step_after_a_zero_gradient_by_hand(amsgrad):
    """Gradient g, then 0: m_2 = b1 (1 - b1) g, v_2 = b2 (1 - b2) g^2, max(v_1, v_2) = (1 - b2) g^2.

    The second step is lr b1 / (1 + b1) g / (sqrt(v_2 / (1 - b2^2)) + eps), with
    sqrt(v_2 / (1 - b2^2)) = |g| sqrt(b2 / (1 + b2)) for Adam and |g| / sqrt(1 + b2) for AMSGrad.
    """
    b1, b2, lr, eps = 0.9, 0.999, 0.01, 1e-8
    g = np.array([2.0, -0.25])
    param, state = np.zeros(2), {}
    adam_step(param, g, state, lr=lr, eps=eps, amsgrad=amsgrad)
    after_first = param.copy()
    adam_step(param, np.zeros(2), state, lr=lr, eps=eps, amsgrad=amsgrad)
    root = np.abs(g) / np.sqrt(1 + b2) if amsgrad else np.abs(g) * np.sqrt(b2 / (1 + b2))
    assert_allclose(after_first - param, lr * b1 / (1 + b1) * g / (root + eps), rtol=1e-12)
    if amsgrad:
        assert_allclose(state["max_exp_avg_sq"], (1 - b2) * g**2, rtol=1e-12)


def test_adamw_first_step_by_hand():
    """theta <- (1 - lr wd) theta first, then the Adam step lr g / (|g| + eps)."""
    param, g = np.array([1.0, -2.0]), np.array([3.0, 0.5])
    lr, wd, eps = 0.1, 0.5, 1e-8
    adamw_step(param, g, {}, lr=lr, weight_decay=wd, eps=eps)
    assert_allclose(param, (1 - lr * wd) * np.array([1.0, -2.0]) - lr * g / (np.abs(g) + eps), rtol=1e-14)


@pytest.mark.parametrize("initial", [0.0, 0.5])
def test_adagrad_constant_gradient_with_lr_decay_by_hand(initial):
    """sum_k = a + k g^2 and the k-th step is lr / (1 + (k - 1) decay) * g / sqrt(a + k g^2)."""
    g, lr, decay = np.array([2.0, -0.5]), 0.1, 0.3
    param, state = np.zeros(2), {}
    for _ in range(3):
        adagrad_step(param, g, state, lr=lr, lr_decay=decay, initial_accumulator_value=initial, eps=0.0)
    want = -sum(lr / (1 + (k - 1) * decay) * g / np.sqrt(initial + k * g**2) for k in (1, 2, 3))
    assert_allclose(param, want, rtol=1e-14)
    assert_allclose(state["sum"], initial + 3 * g**2, rtol=1e-15)
    assert state["step"] == 3.0


@pytest.mark.parametrize("centered", [False, True])
def test_rmsprop_first_step_by_hand(centered):
    """v_1 = (1 - a) g^2; centered, g_avg = (1 - a) g and v_1 - g_avg^2 = a (1 - a) g^2; eps outside the root."""
    g, lr, alpha, eps = np.array([2.0, -0.5]), 0.01, 0.9, 1e-3
    param = np.array([1.0, 1.0])
    rmsprop_step(param, g, {}, lr=lr, alpha=alpha, eps=eps, centered=centered)
    root = np.abs(g) * (np.sqrt(alpha * (1 - alpha)) if centered else np.sqrt(1 - alpha))
    assert_allclose(param, 1.0 - lr * g / (root + eps), rtol=1e-14)


def test_rmsprop_momentum_accumulates_normalized_steps_by_hand():
    """b_1 = g / d_1 and b_2 = 0.5 b_1 + g / d_2 with d_t = sqrt((1 - a^t) g^2) (eps = 0)."""
    g, lr, alpha = np.array([2.0, -0.5]), 0.1, 0.75
    param, state = np.zeros(2), {}
    rmsprop_step(param, g, state, lr=lr, alpha=alpha, eps=0.0, momentum=0.5)
    rmsprop_step(param, g, state, lr=lr, alpha=alpha, eps=0.0, momentum=0.5)
    b1 = np.sign(g) / np.sqrt(1 - alpha)
    b2 = 0.5 * b1 + np.sign(g) / np.sqrt(1 - alpha**2)
    assert_allclose(state["momentum_buffer"], b2, rtol=1e-14)
    assert_allclose(param, -lr * (b1 + b2), rtol=1e-14)


def test_adadelta_first_step_by_hand():
    """u_0 = 0, so the first step is sqrt(eps) / sqrt((1 - rho) g^2 + eps) * g."""
    g, rho, eps, lr = np.array([2.0, -0.5]), 0.9, 1e-2, 0.5
    param, state = np.zeros(2), {}
    adadelta_step(param, g, state, lr=lr, rho=rho, eps=eps)
    delta = np.sqrt(eps) / np.sqrt((1 - rho) * g**2 + eps) * g
    assert_allclose(param, -lr * delta, rtol=1e-14)
    assert_allclose(state["acc_delta"], (1 - rho) * delta**2, rtol=1e-14)
    assert_allclose(state["square_avg"], (1 - rho) * g**2, rtol=1e-15)


# --- in place ------------------------------------------------------------------------------------

STATEFUL = [
    (sgd_step, dict(momentum=0.9)),
    (adagrad_step, {}),
    (rmsprop_step, dict(momentum=0.9, centered=True)),
    (adadelta_step, {}),
    (adam_step, dict(amsgrad=True)),
    (adamw_step, dict(amsgrad=True)),
]


@pytest.mark.parametrize("update, options", STATEFUL, ids=[u.__name__ for u, _ in STATEFUL])
def test_step_functions_update_param_and_state_in_place(update, options):
    rng = np.random.default_rng(4)
    param = rng.standard_normal((3, 4))
    before, state = param.copy(), {}
    grad = rng.standard_normal((3, 4))
    grad_before = grad.copy()
    assert update(param, grad, state, **options) is None
    buffers = {key: value for key, value in state.items() if isinstance(value, np.ndarray)}
    assert buffers and not np.array_equal(param, before)
    after_one = param.copy()
    update(param, rng.standard_normal((3, 4)), state, **options)
    assert all(state[key] is value for key, value in buffers.items())  # the same arrays, updated
    assert not np.array_equal(param, after_one)
    np.testing.assert_array_equal(grad, grad_before)


@pytest.mark.parametrize("cls", list(TORCH), ids=lambda c: c.__name__)
def test_classes_keep_the_same_param_objects(cls):
    params, grads = _data(seed=5, n_steps=2)
    copies = [p.copy() for p in params]
    opt = cls(params, lr=0.1)
    opt.step(grads[0])
    assert all(a is b for a, b in zip(opt.param_groups[0]["params"], params))
    assert all(not np.array_equal(p, c) for p, c in zip(params, copies))
    assert sorted(opt.state) == [0, 1, 2]
    assert isinstance(opt, Optimizer) and cls.__name__ in repr(opt)


def test_adagrad_fills_its_state_at_construction_like_torch():
    w = np.zeros(3)
    opt = Adagrad([w], initial_accumulator_value=0.25)
    assert opt.state[0]["step"] == 0.0
    np.testing.assert_array_equal(opt.state[0]["sum"], [0.25, 0.25, 0.25])


# --- argument errors ------------------------------------------------------------------------------

INVALID = [
    (SGD, dict(lr=-0.1), r"lr must be >= 0, got -0.1"),
    (SGD, dict(momentum=-0.5), r"momentum must be >= 0, got -0.5"),
    (SGD, dict(weight_decay=-1e-4), r"weight_decay must be >= 0, got -0.0001"),
    (SGD, dict(nesterov=True), r"nesterov=True requires momentum > 0 and dampening == 0, got momentum=0.0"),
    (SGD, dict(nesterov=True, momentum=0.9, dampening=0.1), r"nesterov=True requires .* dampening=0.1"),
    (Adagrad, dict(lr=-1.0), r"lr must be >= 0"),
    (Adagrad, dict(lr_decay=-0.1), r"lr_decay must be >= 0"),
    (Adagrad, dict(weight_decay=-0.1), r"weight_decay must be >= 0"),
    (Adagrad, dict(initial_accumulator_value=-0.1), r"initial_accumulator_value must be >= 0"),
    (Adagrad, dict(eps=-1e-10), r"eps must be >= 0"),
    (RMSprop, dict(lr=-0.01), r"lr must be >= 0"),
    (RMSprop, dict(alpha=-0.1), r"alpha must be >= 0"),
    (RMSprop, dict(eps=-1e-8), r"eps must be >= 0"),
    (RMSprop, dict(momentum=-0.9), r"momentum must be >= 0"),
    (RMSprop, dict(weight_decay=-0.1), r"weight_decay must be >= 0"),
    (Adadelta, dict(lr=-1.0), r"lr must be >= 0"),
    (Adadelta, dict(rho=1.1), r"rho must be <= 1, got 1.1"),
    (Adadelta, dict(rho=-0.1), r"rho must be >= 0"),
    (Adadelta, dict(eps=-1e-6), r"eps must be >= 0"),
    (Adadelta, dict(weight_decay=-0.1), r"weight_decay must be >= 0"),
    (Adam, dict(lr=-1e-3), r"lr must be >= 0"),
    (Adam, dict(eps=-1e-8), r"eps must be >= 0"),
    (Adam, dict(betas=(1.0, 0.999)), r"betas\[0\] must be < 1, got 1.0"),
    (Adam, dict(betas=(0.9, 1.0)), r"betas\[1\] must be < 1, got 1.0"),
    (Adam, dict(betas=(-0.1, 0.999)), r"betas\[0\] must be >= 0, got -0.1"),
    (Adam, dict(weight_decay=-0.1), r"weight_decay must be >= 0"),
    (AdamW, dict(weight_decay=-0.01), r"weight_decay must be >= 0"),
    (AdamW, dict(betas=(0.9, 1.5)), r"betas\[1\] must be < 1"),
]


@pytest.mark.parametrize("cls, kwargs, match", INVALID, ids=lambda x: getattr(x, "__name__", None))
def test_invalid_hyperparameters_raise_like_torch(cls, kwargs, match):
    with pytest.raises(ValueError):
        TORCH[cls]([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError, match="^" + match):
        cls([np.zeros(2)], **kwargs)
    with pytest.raises(ValueError, match="^" + match):
        STEP[cls](np.zeros(2), np.ones(2), {}, **kwargs)


VALID_EDGES = [
    (SGD, dict(lr=0.0, momentum=0.0, dampening=1.0)),
    (SGD, dict(momentum=0.9, dampening=-0.5)),  # torch does not restrict dampening
    (RMSprop, dict(alpha=0.0, eps=0.0)),
    (RMSprop, dict(alpha=2.0)),  # nor alpha from above
    (Adadelta, dict(rho=0.0)),
    (Adadelta, dict(rho=1.0)),
    (Adam, dict(betas=(0.0, 0.0), eps=0.0)),
    (Adagrad, dict(lr=0.0, eps=0.0)),
]


@pytest.mark.parametrize("cls, kwargs", VALID_EDGES, ids=lambda x: getattr(x, "__name__", None))
def test_edge_values_accepted_like_torch(cls, kwargs):
    TORCH[cls]([torch.zeros(2, requires_grad=True)], **kwargs)
    with np.errstate(all="ignore"):  # alpha=2 makes square_avg negative: NaN, as in torch
        cls([np.zeros(2)], **kwargs).step([np.ones(2)])


@pytest.mark.parametrize(
    "cls, kwargs, match",
    [
        (SGD, dict(lr="0.1"), r"^lr must be a real number, got str '0.1'"),
        (SGD, dict(nesterov=1, momentum=0.9), r"^nesterov must be a bool, got int 1"),
        (RMSprop, dict(centered=None), r"^centered must be a bool, got NoneType None"),
        (Adam, dict(amsgrad="yes"), r"^amsgrad must be a bool"),
        (Adam, dict(betas=0.9), r"^betas must be a pair \(beta1, beta2\), got float 0.9"),
        (Adam, dict(betas=(0.9,)), r"^betas must be a pair"),
        (Adam, dict(betas=(0.9, "0.999")), r"^betas\[1\] must be a real number"),
    ],
)
def test_hyperparameters_of_the_wrong_type_raise(cls, kwargs, match):
    with pytest.raises(TypeError, match=match):
        cls([np.zeros(2)], **kwargs)
    with pytest.raises(TypeError, match=match):
        STEP[cls](np.zeros(2), np.ones(2), {}, **kwargs)


def test_nonfinite_hyperparameter_raises():
    with pytest.raises(ValueError, match=r"^lr must be finite, got nan"):
        Adam([np.zeros(2)], lr=float("nan"))


def test_invalid_value_in_a_param_group_names_the_group():
    w, v = np.zeros(2), np.zeros(3)
    with pytest.raises(ValueError, match=r"^param_groups\[1\]\['lr'\] must be >= 0, got -1.0"):
        SGD([{"params": [w]}, {"params": [v], "lr": -1.0}])
    with pytest.raises(ValueError, match=r"^param_groups\[0\]\['betas'\]\[1\] must be < 1"):
        Adam([{"params": [w], "betas": (0.9, 1.0)}])


def test_invalid_value_set_after_construction_raises_at_step_without_updating():
    w, v = np.ones(2), np.ones(3)
    opt = SGD([{"params": [w]}, {"params": [v]}], lr=0.1)
    opt.param_groups[1]["lr"] = -0.1
    with pytest.raises(ValueError, match=r"^param_groups\[1\]\['lr'\] must be >= 0, got -0.1"):
        opt.step([np.ones(2), np.ones(3)])
    np.testing.assert_array_equal(w, 1.0)


@pytest.mark.parametrize("cls", list(TORCH), ids=lambda c: c.__name__)
def test_wrong_number_or_shape_of_grads_raises_without_updating(cls):
    params = [np.ones(3), np.ones((4, 5))]
    opt = cls(params)
    with pytest.raises(ValueError, match=r"^grads must hold one gradient per parameter: expected 2, got 1"):
        opt.step([np.ones(3)])
    with pytest.raises(ValueError, match=r"^grads must hold one gradient per parameter: expected 2, got 3"):
        opt.step([np.ones(3), np.ones((4, 5)), np.ones(1)])
    shapes = r"^params\[1\] and grads\[1\] must have the same shape, got \(4, 5\) and \(5, 4\)"
    with pytest.raises(ValueError, match=shapes):
        opt.step([np.ones(3), np.ones((5, 4))])
    with pytest.raises(TypeError, match=r"^grads\[0\] must be a floating-point array, got dtype int64"):
        opt.step([np.ones(3, dtype=np.int64), np.ones((4, 5))])
    with pytest.raises(TypeError, match=r"^grads must be a list of arrays, one per parameter, got ndarray"):
        opt.step(np.ones((2, 3)))
    assert all(np.all(p == 1.0) for p in params)  # nothing moved


@pytest.mark.parametrize(
    "params, error, match",
    [
        ([], ValueError, r"^params must hold at least one array, got an empty list"),
        (np.zeros(3), TypeError, r"^params must be a list of arrays or a list of dicts .*got ndarray"),
        ([np.zeros(3, dtype=np.int64)], TypeError, r"^params\[0\] must be a floating-point numpy array .*int64"),
        ([[0.0, 1.0]], TypeError, r"^params\[0\] must be a floating-point numpy array .*got list"),
        ([{"params": [np.zeros(2)]}, np.zeros(2)], TypeError, r"^params must be all arrays or all dicts"),
        ([{"lr": 0.1}], ValueError, r"^param_groups\[0\] must have a 'params' entry"),
    ],
)
def test_bad_params_raise(params, error, match):
    with pytest.raises(error, match=match):
        SGD(params)


def test_the_same_array_twice_raises():
    w, v = np.zeros(2), np.zeros(3)
    with pytest.raises(ValueError, match=r"^params\[2\] is the same array as params\[0\]"):
        Adam([{"params": [w, v]}, {"params": [w]}])


def test_read_only_param_raises():
    w = np.zeros(2)
    w.flags.writeable = False
    with pytest.raises(ValueError, match=r"^params\[0\] must be a writeable array"):
        SGD([w])
    with pytest.raises(ValueError, match=r"^param must be a writeable array"):
        sgd_step(w, np.ones(2), {})


@pytest.mark.parametrize("update", list(STEP.values()), ids=lambda u: u.__name__)
def test_step_function_argument_errors(update):
    with pytest.raises(TypeError, match=r"^param must be a floating-point numpy array .*got list"):
        update([1.0, 2.0], np.ones(2), {})
    with pytest.raises(TypeError, match=r"^param must be a floating-point numpy array .*got dtype int64"):
        update(np.zeros(2, dtype=np.int64), np.ones(2), {})
    with pytest.raises(ValueError, match=r"^param and grad must have the same shape, got \(2,\) and \(3,\)"):
        update(np.zeros(2), np.ones(3), {})
    with pytest.raises(TypeError, match=r"^grad must be a floating-point array"):
        update(np.zeros(2), np.ones(2, dtype=bool), {})
    with pytest.raises(TypeError, match=r"^state must be a dict .*got NoneType"):
        update(np.zeros(2), np.ones(2), None)
    with pytest.raises(TypeError, match=re.escape(f"{update.__name__}() got unexpected keyword argument(s) ['lrate']")):
        update(np.zeros(2), np.ones(2), {}, lrate=0.1)
    with pytest.raises(TypeError):
        update(np.zeros(2), np.ones(2), {}, 0.1)  # hyper-parameters are keyword-only


def test_classes_take_keyword_only_hyperparameters():
    with pytest.raises(TypeError):
        SGD([np.zeros(2)], 0.1)
