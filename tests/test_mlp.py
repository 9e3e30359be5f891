"""Tests for lecturelib.mlp: torch float64 parity, finite differences, stored state, training, errors."""

from __future__ import annotations


import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numpy.testing import assert_allclose

import lecturelib.mlp
from lecturelib.activations import ACTIVATIONS
from lecturelib.data import make_moons
from lecturelib.gradcheck import check_gradients
from lecturelib.losses import cross_entropy
from lecturelib.mlp import MLP, operation_counts, train_gd
from lecturelib.torchkit.models import mlp_to_torch

TOL = dict(rtol=1e-10, atol=1e-13)
SIZES = [[2, 3], [4, 8, 3], [5, 16, 16, 4], [3, 7, 6, 5, 2]]
HIDDEN_ACTIVATIONS = ["sigmoid", "tanh", "relu"]


def _data(sizes, n=6, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, sizes[0])), rng.integers(0, sizes[-1], size=n)


def _model(sizes, activation="tanh", seed=0, **kwargs):
    return MLP(sizes, activation=activation, rng=np.random.default_rng(seed), **kwargs)


# ---------------------------------------------------------------- gradients


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("sizes", SIZES)
def test_gradients_match_torch_autograd(sizes, activation):
    x, y = _data(sizes, seed=1)
    model = _model(sizes, activation, seed=2)
    loss = model.loss_and_grads(x, y)
    dx = model.backward(cross_entropy(model.activations[-1], y)[1])

    net = mlp_to_torch(model)
    xt = torch.tensor(x, requires_grad=True)
    logits = net(xt)
    loss_t = F.cross_entropy(logits, torch.tensor(y))
    loss_t.backward()

    assert_allclose(model.activations[-1], logits.detach().numpy(), **TOL)
    assert_allclose(loss, loss_t.item(), **TOL)
    assert_allclose(dx, xt.grad.numpy(), **TOL)
    for l in range(model.n_layers):
        assert_allclose(model.grads[f"{l}.weight"], net[2 * l].weight.grad.numpy(), **TOL)
        assert_allclose(model.grads[f"{l}.bias"], net[2 * l].bias.grad.numpy(), **TOL)


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("sizes", SIZES[:3])
def test_gradients_match_finite_differences(sizes, activation):
    x, y = _data(sizes, seed=3)
    model = _model(sizes, activation, seed=4, weight_init="xavier_normal")
    model.loss_and_grads(x, y)

    def loss():
        return cross_entropy(model.forward(x), y)[0]

    report = check_gradients(loss, model.params, model.grads, rtol=1e-6, floor=1e-6)
    assert report.passed and set(report.errors) == set(model.params)


# ---------------------------------------------------------------- stored state


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("sizes", SIZES)
def test_forward_stores_preactivations_and_activations(sizes, activation):
    n = 5
    x, _ = _data(sizes, n=n)
    model = _model(sizes, activation)
    out = model.forward(x)
    fn = ACTIVATIONS[activation][0]

    assert len(model.preactivations) == model.n_layers == len(sizes) - 1
    assert len(model.activations) == len(sizes)
    assert model.activations[0] is x
    assert out is model.activations[-1]
    for l, (z, a) in enumerate(zip(model.preactivations, model.activations[1:])):
        assert z.shape == a.shape == (n, sizes[l + 1])
        W, b = model.params[f"{l}.weight"], model.params[f"{l}.bias"]
        assert_allclose(z, model.activations[l] @ W.T + b, rtol=1e-14)
        want = z if l == model.n_layers - 1 else fn(z)
        assert_allclose(a, want, rtol=1e-14)


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("sizes", SIZES)
def test_backward_stores_deltas_and_grads(sizes, activation):
    n = 4
    x, _ = _data(sizes, n=n, seed=5)
    model = _model(sizes, activation, seed=6)
    model.forward(x)
    dout = np.random.default_rng(7).standard_normal((n, sizes[-1]))
    dx = model.backward(dout)
    grad = ACTIVATIONS[activation][1]

    assert dx.shape == x.shape
    assert [d.shape for d in model.deltas] == [(n, s) for s in sizes[1:]]
    assert_allclose(model.deltas[-1], dout, rtol=1e-15)  # identity output layer
    for l in range(model.n_layers - 1):  # delta^(l) = (delta^(l+1) W^(l+1)) * f'(z^(l))
        upstream = model.deltas[l + 1] @ model.params[f"{l + 1}.weight"]
        assert_allclose(model.deltas[l], upstream * grad(model.preactivations[l]), rtol=1e-12, atol=1e-15)
    assert list(model.grads) == list(model.params)
    for l in range(model.n_layers):
        assert_allclose(model.grads[f"{l}.weight"], model.deltas[l].T @ model.activations[l], rtol=1e-12)
        assert_allclose(model.grads[f"{l}.bias"], model.deltas[l].sum(axis=0), rtol=1e-12)


def test_predict_is_argmax_of_logits():
    x, _ = _data([4, 8, 3], n=20)
    model = _model([4, 8, 3])
    np.testing.assert_array_equal(model.predict(x), np.argmax(model.forward(x), axis=1))


# ---------------------------------------------------------------- parameters


@pytest.mark.parametrize("sizes", SIZES)
def test_parameter_names_shapes_and_torch_default_init(sizes):
    model = _model(sizes)
    names = [f"{l}.{kind}" for l in range(len(sizes) - 1) for kind in ("weight", "bias")]
    assert list(model.params) == names
    assert model.n_layers == len(sizes) - 1 and model.sizes == list(sizes)
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        weight, bias = model.params[f"{l}.weight"], model.params[f"{l}.bias"]
        assert weight.shape == (n_out, n_in) and weight.dtype == np.float64
        assert bias.shape == (n_out,)
        bound = 1.0 / np.sqrt(n_in)  # torch.nn.Linear's default: weight and bias from U[-bound, bound]
        assert np.all(np.abs(weight) <= bound) and np.all(np.abs(bias) <= bound)
        assert np.std(weight) > 0 and np.any(bias != 0.0)
    assert [model.layer_activation(l) for l in range(model.n_layers)] == ["tanh"] * (len(sizes) - 2) + ["identity"]


@pytest.mark.parametrize("weight_init", ["linear_default", "kaiming_normal", "xavier_uniform"])
def test_same_seed_gives_same_params_independent_of_global_state(weight_init):
    np.random.seed(1)
    a = _model([5, 16, 16, 4], seed=3, weight_init=weight_init)
    np.random.seed(2)
    b = _model([5, 16, 16, 4], seed=3, weight_init=weight_init)
    c = _model([5, 16, 16, 4], seed=4, weight_init=weight_init)
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
    assert not np.array_equal(a.params["0.weight"], c.params["0.weight"])


def test_weight_init_callable_gets_torch_layout_shape_and_rng():
    calls = []
    rng = np.random.default_rng(0)

    def init(shape, *, rng):
        calls.append((shape, rng))
        return np.full(shape, 0.5)

    model = MLP([3, 4, 2], weight_init=init, rng=rng)
    assert calls == [((4, 3), rng), ((2, 4), rng)]
    np.testing.assert_array_equal(model.params["1.weight"], np.full((2, 4), 0.5))


def test_weight_init_by_name_zeros():
    model = _model([3, 4, 2], weight_init="zeros")
    for array in model.params.values():
        np.testing.assert_array_equal(array, 0.0)


# ---------------------------------------------------------------- training


def test_train_gd_lowers_loss_on_moons():
    X, y = make_moons(200, noise=0.1, rng=np.random.default_rng(0))
    model = _model([2, 16, 2], "tanh", seed=1)
    history = train_gd(model, X, y, lr=1.0, n_steps=300, record_every=50)
    loss = history["loss"]
    assert np.all(np.diff(loss) < 0)
    assert loss[-1] < 0.3 * loss[0]
    assert history.last("accuracy") > 0.95
    assert_allclose(history.last("accuracy"), np.mean(model.predict(X) == y), rtol=1e-15)


@pytest.mark.parametrize(
    "n_steps, record_every, steps",
    [(1, 1, [0, 1]), (20, 10, [0, 10, 20]), (25, 10, [0, 10, 20, 25]), (3, 10, [0, 3]), (4, 2, [0, 2, 4])],
)
def test_train_gd_records_at_the_right_steps(n_steps, record_every, steps):
    x, y = _data([3, 5, 2], n=8, seed=8)
    model = _model([3, 5, 2], seed=9)
    first = model.loss_and_grads(x, y)
    history = train_gd(model, x, y, lr=0.5, n_steps=n_steps, record_every=record_every)
    assert history.steps == steps and len(history["loss"]) == len(history["accuracy"]) == len(steps)
    assert_allclose(history["loss"][0], first, rtol=1e-15)  # recorded before the first step
    assert_allclose(history.last("loss"), model.loss_and_grads(x, y), rtol=1e-15)  # after the last


@pytest.mark.parametrize("lr", [0.1, 2.0])
def test_train_gd_one_step_is_a_gradient_step(lr):
    x, y = _data([3, 5, 2], n=8, seed=10)
    model = _model([3, 5, 2], seed=11)
    model.loss_and_grads(x, y)
    want = {name: model.params[name] - lr * model.grads[name] for name in model.params}
    train_gd(model, x, y, lr=lr, n_steps=1)
    for name in want:
        assert_allclose(model.params[name], want[name], rtol=1e-14, atol=1e-16)


# ---------------------------------------------------------------- operation counts


@pytest.mark.parametrize(
    "sizes, batch_size, n_params, forward",
    [
        ([2, 3, 1], 1, 13, 9),  # the doctest: 2*3+3 + 3*1+1 params, 2*3 + 3*1 multiply-adds
        ([1, 1], 1, 2, 1),
        ([4, 5], 3, 25, 60),  # 4*5+5; 3 * 4*5
        ([64, 32, 32, 10], 2, 3466, 2 * (64 * 32 + 32 * 32 + 32 * 10)),  # 2080 + 1056 + 330
    ],
)
def test_operation_counts_hand_computed(sizes, batch_size, n_params, forward):
    counts = operation_counts(sizes, batch_size=batch_size)
    assert counts == {
        "n_params": n_params,
        "forward": forward,
        "backprop": 3 * forward,
        "finite_differences": 2 * n_params * forward,
    }


def test_operation_counts_n_params_matches_mlp():
    sizes = [5, 16, 16, 4]
    model = _model(sizes)
    assert operation_counts(sizes)["n_params"] == sum(p.size for p in model.params.values())


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "sizes, error, match",
    [
        ([3], ValueError, "sizes must be a sequence of at least 2"),
        ([], ValueError, "sizes must be a sequence of at least 2"),
        (5, ValueError, "sizes must be a sequence"),
        ("23", ValueError, "sizes must be a sequence"),
        ([2, 2.5], TypeError, r"sizes\[1\] must be an integer"),
        ([True, 2], TypeError, r"sizes\[0\] must be an integer"),
        ([2, 0], ValueError, r"sizes\[1\] must be >= 1, got 0"),
        ([-1, 2], ValueError, r"sizes\[0\] must be >= 1, got -1"),
    ],
)
@pytest.mark.parametrize("fn", ["MLP", "operation_counts"])
def test_bad_sizes_raise(fn, sizes, error, match):
    with pytest.raises(error, match=match):
        if fn == "MLP":
            MLP(sizes, rng=np.random.default_rng(0))
        else:
            operation_counts(sizes)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(activation="softmax"), ValueError, "^activation must be one of .*'relu'.*got 'softmax'"),
        (dict(activation=None), ValueError, "^activation must be one of"),
        (dict(weight_init="he"), ValueError, "^weight_init must be one of .*'kaiming_normal'.*got 'he'"),
        (dict(weight_init=3), TypeError, "^weight_init must be an initializer name or a callable, got int"),
        (dict(rng=0), TypeError, "^rng must be a numpy.random.Generator"),
    ],
)
def test_bad_constructor_arguments_raise(kwargs, error, match):
    kwargs = {"rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(error, match=match):
        MLP([2, 3], **kwargs)


@pytest.mark.parametrize(
    "x, error, match",
    [
        (np.ones((4, 3)), ValueError, r"x must have shape \(N, 2\), got shape \(4, 3\)"),
        (np.ones(2), ValueError, "x must be a 2-D array"),
        (np.ones((4, 2), dtype=int), TypeError, "x must be a floating-point array"),
        (np.full((4, 2), np.nan), ValueError, "x must contain only finite"),
    ],
)
def test_forward_bad_x_raises(x, error, match):
    with pytest.raises(error, match=match):
        _model([2, 3, 2]).forward(x)


def test_backward_before_forward_raises():
    with pytest.raises(RuntimeError, match="call forward before backward"):
        _model([2, 3, 2]).backward(np.ones((1, 2)))


def test_backward_wrong_dout_shape_raises():
    model = _model([2, 3, 2])
    model.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"got \(4, 3\) and \(4, 2\)"):
        model.backward(np.ones((4, 3)))


@pytest.mark.parametrize(
    "y, error, match",
    [
        (np.array([0, 1, 2, 0]), ValueError, r"class indices in \[0, 1\], got values from 0 to 2"),
        (np.array([0, -1, 1, 0]), ValueError, r"class indices in \[0, 1\]"),
        (np.array([0.0, 1.0, 1.0, 0.0]), TypeError, "must be an integer array"),
    ],
)
@pytest.mark.parametrize("fn", ["loss_and_grads", "train_gd"])
def test_bad_y_raises(fn, y, error, match):
    model, x = _model([2, 3, 2]), np.ones((4, 2))
    with pytest.raises(error, match=match):
        if fn == "loss_and_grads":
            model.loss_and_grads(x, y)
        else:
            train_gd(model, x, y, n_steps=1)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(lr=0.0), ValueError, r"^lr must be > 0.0, got 0.0"),
        (dict(lr=-0.1), ValueError, r"^lr must be > 0.0, got -0.1"),
        (dict(lr="1"), TypeError, "^lr must be a real number"),
        (dict(n_steps=0), ValueError, "^n_steps must be >= 1"),
        (dict(n_steps=2.0), TypeError, "^n_steps must be an integer"),
        (dict(record_every=0), ValueError, "^record_every must be >= 1"),
    ],
)
def test_train_gd_bad_settings_raise(kwargs, error, match):
    model = _model([2, 3, 2])
    before = {name: p.copy() for name, p in model.params.items()}
    with pytest.raises(error, match=match):
        train_gd(model, np.ones((4, 2)), np.array([0, 1, 1, 0]), **kwargs)
    for name in before:  # validated before any step
        np.testing.assert_array_equal(model.params[name], before[name])


def test_train_gd_rejects_non_mlp():
    with pytest.raises(TypeError, match="model must be an MLP, got Sequential"):
        train_gd(torch.nn.Sequential(), np.ones((4, 2)), np.array([0, 1, 1, 0]))


def test_operation_counts_bad_batch_size():
    with pytest.raises(ValueError, match="batch_size must be >= 1, got 0"):
        operation_counts([2, 3], batch_size=0)


def test_sizes_may_be_a_numpy_integer_array():
    from lecturelib.mlp import operation_counts

    net = MLP(np.array([3, 5, 2]), rng=np.random.default_rng(0))
    assert net.sizes == [3, 5, 2] and all(type(n) is int for n in net.sizes)
    assert operation_counts(np.array([2, 3, 1])) == operation_counts([2, 3, 1])
    with pytest.raises(ValueError, match="sizes must be 1-D"):
        MLP(np.array([[3, 5]]), rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match=r"sizes\[0\] must be an integer"):
        MLP(np.array([3.0, 5.5]), rng=np.random.default_rng(0))


@pytest.mark.parametrize("weight_init", ["kaiming_normal", "xavier_uniform", "orthogonal"])
def test_biases_start_at_zero_except_for_torchs_default(weight_init):
    model = MLP([5, 4, 3], weight_init=weight_init, rng=np.random.default_rng(0))
    for l in range(model.n_layers):
        np.testing.assert_array_equal(model.params[f"{l}.bias"], 0.0)


# ---------------------------------------------------------------- callback and cache size


def test_train_gd_callback_sees_every_step_before_its_update():
    x, y = _data([3, 5, 2], n=8, seed=12)
    model = _model([3, 5, 2], seed=13)
    reference = _model([3, 5, 2], seed=13)
    seen = []

    def callback(step, m):
        assert m is model
        # the parameters are those of `step` plain gradient steps, and the gradients belong to them
        want_loss = reference.loss_and_grads(x, y)
        for name in m.params:
            np.testing.assert_array_equal(m.params[name], reference.params[name])
            np.testing.assert_array_equal(m.grads[name], reference.grads[name])
        seen.append((step, want_loss))
        for name in reference.params:
            reference.params[name] -= 0.3 * reference.grads[name]

    history = train_gd(model, x, y, lr=0.3, n_steps=5, record_every=1, callback=callback)
    assert [s for s, _ in seen] == [0, 1, 2, 3, 4, 5]
    assert_allclose(history["loss"], [loss for _, loss in seen], rtol=1e-15)


def test_train_gd_callback_must_be_callable():
    model = _model([2, 3, 2])
    with pytest.raises(TypeError, match=r"^callback must be callable as callback\(step, model\), got int"):
        train_gd(model, np.ones((4, 2)), np.array([0, 1, 1, 0]), callback=3)


@pytest.mark.parametrize("sizes, n", [([3, 4, 2], 5), ([64, 128, 128, 10], 64), ([2, 3], 7), ([4, 6, 5, 3, 2], 1)])
def test_cache_nbytes_counts_inputs_and_preactivations_once(sizes, n):
    model = _model(sizes, activation="relu")
    assert model.cache_nbytes() == 0
    x, _ = _data(sizes, n=n)
    model.forward(x)
    # by hand: the input, then z and a of every hidden layer, then the output's z; 8 bytes each
    hidden = sizes[1:-1]
    assert model.cache_nbytes() == 8 * n * (sizes[0] + 2 * sum(hidden) + sizes[-1])


def test_linear_equivalent_collapses_a_deep_linear_network():
    from lecturelib.mlp import linear_equivalent

    rng = np.random.default_rng(3)
    net = MLP([5, 16, 16, 16, 3], activation="identity", weight_init="xavier_normal", rng=rng)
    for name in net.params:  # nonzero biases, so that the bias formula is tested too
        if name.endswith("bias"):
            net.params[name] = rng.standard_normal(net.params[name].shape)
    weight, bias = linear_equivalent(net)
    assert weight.shape == (3, 5) and bias.shape == (3,)
    x = rng.standard_normal((7, 5))
    np.testing.assert_allclose(net.forward(x), x @ weight.T + bias, rtol=1e-12, atol=1e-12)
    # independently: the map of an affine function is read off from its values at 0 and at the unit vectors
    at_zero = net.forward(np.zeros((1, 5)))[0]
    np.testing.assert_allclose(bias, at_zero, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(weight.T, net.forward(np.eye(5)) - at_zero, rtol=1e-10, atol=1e-12)


def test_linear_equivalent_rejects_a_nonlinear_network():
    from lecturelib.mlp import linear_equivalent

    with pytest.raises(ValueError, match="activation='identity'.*got activation='tanh'"):
        linear_equivalent(MLP([2, 3, 2], activation="tanh", rng=np.random.default_rng(0)))
    with pytest.raises(TypeError, match="model must be an MLP"):
        linear_equivalent("net")
