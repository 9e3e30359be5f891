"""Tests for :mod:`lecturelib.init`, with ``torch.nn.init`` as the oracle.

Random initialisers are compared through sample statistics.  For ``n``
i.i.d. samples the relative standard error of the sample standard deviation
is at most ``1 / sqrt(2 n)`` (the normal case; the uniform's is smaller), the
standard error of the mean is ``std / sqrt(n)``, and the gap between the
largest of ``n`` uniform samples on ``[-b, b]`` and ``b`` is exponential with
mean ``2 b / n``.  Tolerances are ``N_SE`` such standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from lecturelib import init

SHAPE = (512, 512)
N = math.prod(SHAPE)
N_SE = 5  # standard errors allowed for a statistic
REL_SE_STD = 1 / math.sqrt(2 * N)
MAX_GAP_MEANS = 20  # P(max < b - 20 * mean gap) = exp(-20)

NONLINEARITY_CASES = [(name, None) for name in init.NONLINEARITIES] + [
    ("leaky_relu", 0.2),
    ("leaky_relu", 0),
    ("relu", 0.2),  # param is ignored, as in torch
]

# (our function, kwargs, torch function, kwargs, expected std from the formula, uniform?)
FAN_IN, FAN_OUT = SHAPE[1], SHAPE[0]


def _cases():
    relu, tanh = math.sqrt(2.0), 5.0 / 3
    leaky02 = math.sqrt(2.0 / (1 + 0.2**2))
    return [
        ("normal", {"std": 0.02}, torch.nn.init.normal_, {"std": 0.02}, 0.02, False),
        ("uniform", {"a": -0.3, "b": 0.3}, torch.nn.init.uniform_, {"a": -0.3, "b": 0.3}, 0.6 / math.sqrt(12), True),
        ("xavier_uniform", {}, torch.nn.init.xavier_uniform_, {}, math.sqrt(2 / (FAN_IN + FAN_OUT)), True),
        ("xavier_uniform", {"gain": tanh}, torch.nn.init.xavier_uniform_, {"gain": tanh},
         tanh * math.sqrt(2 / (FAN_IN + FAN_OUT)), True),
        ("xavier_normal", {"gain": tanh}, torch.nn.init.xavier_normal_, {"gain": tanh},
         tanh * math.sqrt(2 / (FAN_IN + FAN_OUT)), False),
        ("kaiming_uniform", {}, torch.nn.init.kaiming_uniform_, {}, relu / math.sqrt(FAN_IN), True),
        ("kaiming_uniform", {"a": 0.2, "mode": "fan_out"}, torch.nn.init.kaiming_uniform_,
         {"a": 0.2, "mode": "fan_out"}, leaky02 / math.sqrt(FAN_OUT), True),
        ("kaiming_normal", {"nonlinearity": "relu"}, torch.nn.init.kaiming_normal_,
         {"nonlinearity": "relu"}, relu / math.sqrt(FAN_IN), False),
        ("kaiming_normal", {"mode": "fan_out", "nonlinearity": "tanh"}, torch.nn.init.kaiming_normal_,
         {"mode": "fan_out", "nonlinearity": "tanh"}, tanh / math.sqrt(FAN_OUT), False),
        ("lecun_normal", {}, torch.nn.init.kaiming_normal_, {"nonlinearity": "linear"}, 1 / math.sqrt(FAN_IN), False),
        ("linear_default", {}, torch.nn.init.kaiming_uniform_, {"a": math.sqrt(5)},
         1 / math.sqrt(3 * FAN_IN), True),
    ]


def _torch_sample(fn, kwargs, shape=SHAPE, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return fn(torch.empty(shape, dtype=torch.float64), generator=gen, **kwargs).numpy()


@pytest.mark.parametrize(("nonlinearity", "param"), NONLINEARITY_CASES)
def test_calculate_gain_matches_torch(nonlinearity, param):
    ours = init.calculate_gain(nonlinearity, param)
    assert isinstance(ours, float)
    assert ours == pytest.approx(torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-15)


@pytest.mark.parametrize("shape", [(3, 5), (10, 1), (16, 3, 5, 5), (8, 4, 3), (2, 3, 4, 5, 6), (7, 2, 1, 1)])
def test_fans_match_torch(shape):
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init.fan_in_and_fan_out(shape) == expected


@pytest.mark.parametrize(("name", "kwargs", "torch_fn", "torch_kwargs", "std", "is_uniform"), _cases())
def test_sample_statistics_match_torch_and_formula(name, kwargs, torch_fn, torch_kwargs, std, is_uniform):
    ours = init.get_initializer(name)(SHAPE, rng=np.random.default_rng(0), **kwargs)
    theirs = _torch_sample(torch_fn, torch_kwargs)
    assert ours.shape == SHAPE and ours.dtype == np.float64
    # std against the formula, and against torch (difference of two estimates: sqrt(2) SEs)
    np.testing.assert_allclose(ours.std(), std, rtol=N_SE * REL_SE_STD)
    np.testing.assert_allclose(ours.std(), theirs.std(), rtol=N_SE * math.sqrt(2) * REL_SE_STD)
    mean = kwargs.get("mean", (kwargs["a"] + kwargs["b"]) / 2 if name == "uniform" else 0.0)
    assert abs(ours.mean() - mean) < N_SE * std / math.sqrt(N)
    if is_uniform:
        bound = math.sqrt(3) * std
        gap = MAX_GAP_MEANS * 2 * bound / N
        for sample in (ours, theirs):
            assert sample.min() >= mean - bound and sample.max() <= mean + bound
            assert sample.max() > mean + bound - gap and sample.min() < mean - bound + gap


@pytest.mark.parametrize("shape", [(16, 3, 5, 5), (64, 8, 3)])
@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
def test_kaiming_on_conv_shapes_uses_receptive_field(shape, mode):
    fan = init.fan_in_and_fan_out(shape)[0 if mode == "fan_in" else 1]
    bound = math.sqrt(3) * math.sqrt(2) / math.sqrt(fan)
    w = init.kaiming_uniform(shape, mode=mode, nonlinearity="relu", rng=np.random.default_rng(1))
    assert w.shape == shape
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > bound * (1 - MAX_GAP_MEANS * 2 / math.prod(shape))


def test_linear_default_matches_nn_linear_bound():
    fan_in, out = 300, 200
    w = init.linear_default((out, fan_in), rng=np.random.default_rng(0))
    b = init.linear_bias_default(fan_in, out, rng=np.random.default_rng(1))
    bound = 1 / math.sqrt(fan_in)
    layer = torch.nn.Linear(fan_in, out, dtype=torch.float64)
    for ours, theirs in ((w, layer.weight), (b, layer.bias)):
        assert ours.shape == tuple(theirs.shape)
        assert np.abs(ours).max() <= bound and theirs.abs().max().item() <= bound
    assert np.abs(w).max() > bound * (1 - MAX_GAP_MEANS * 2 / w.size)


def test_same_rng_seed_gives_same_weights():
    a = init.xavier_normal((4, 3), rng=np.random.default_rng(7))
    b = init.xavier_normal((4, 3), rng=np.random.default_rng(7))
    c = init.xavier_normal((4, 3), rng=np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_deterministic_initializers():
    np.testing.assert_array_equal(init.zeros((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(init.constant((2, 3), 0.5), np.full((2, 3), 0.5))
    assert init.zeros((2, 3)).dtype == np.float64 and init.constant((2,), 1).dtype == np.float64
    np.testing.assert_array_equal(init.normal((3,), 2.0, 0.0, rng=np.random.default_rng(0)), [2.0] * 3)


@pytest.mark.parametrize("name", sorted(init.INITIALIZERS))
def test_registry_entries_share_one_signature(name):
    w = init.INITIALIZERS[name]((6, 5), rng=np.random.default_rng(0))
    assert w.shape == (6, 5) and w.dtype == np.float64
    assert init.get_initializer(name) is init.INITIALIZERS[name]


def test_get_initializer_lists_names():
    with pytest.raises(ValueError, match=r"name must be one of .*'xavier_uniform'.*got 'glorot'"):
        init.get_initializer("glorot")


def test_bad_nonlinearity_and_param():
    with pytest.raises(ValueError, match=r"nonlinearity must be one of .*'leaky_relu'.*got 'gelu'"):
        init.calculate_gain("gelu")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", "0.2")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", True)
    with pytest.raises(ValueError, match="nonlinearity must be one of"):
        init.kaiming_normal((3, 4), nonlinearity="swish", rng=np.random.default_rng(0))


def test_bad_mode():
    with pytest.raises(ValueError, match=r"mode must be one of \['fan_in', 'fan_out'\], got 'fan_avg'"):
        init.kaiming_uniform((3, 4), mode="fan_avg", rng=np.random.default_rng(0))
    # torch lower-cases the mode; so do we
    assert init.kaiming_uniform((3, 4), mode="FAN_OUT", rng=np.random.default_rng(0)).shape == (3, 4)


@pytest.mark.parametrize(
    ("shape", "error", "match"),
    [
        ((3,), ValueError, "fewer than 2 dimensions"),
        ((3, 0), ValueError, r"shape\[1\] must be >= 1, got 0"),
        ((3, -2), ValueError, r"shape\[1\] must be >= 1"),
        ((3, 2.0), TypeError, r"shape\[1\] must be an integer"),
        ((), TypeError, "shape must be a non-empty tuple"),
        ("3x4", TypeError, "shape must be a non-empty tuple"),
    ],
)
def test_bad_shape(shape, error, match):
    with pytest.raises(error, match=match):
        init.xavier_uniform(shape, rng=np.random.default_rng(0))


def test_bad_rng_and_numbers():
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        init.kaiming_normal((3, 4), rng=0)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        init.normal((3, 4), rng=np.random.RandomState(0))
    with pytest.raises(TypeError, match="rng"):
        init.xavier_normal((3, 4))  # rng is required and keyword-only
    with pytest.raises(ValueError, match="std must be >= 0.0, got -1.0"):
        init.normal((3, 4), std=-1.0, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="a must be <= b, got a=1.0 and b=0.0"):
        init.uniform((3, 4), 1.0, 0.0, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="gain must be a real number"):
        init.xavier_uniform((3, 4), "relu", rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="fan_in must be >= 1, got 0"):
        init.linear_bias_default(0, 3, rng=np.random.default_rng(0))


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (6, 2, 3)])
@pytest.mark.parametrize("gain", [1.0, 2 ** 0.5])
def test_orthogonal_equals_torch_on_the_same_gaussian_draw(shape, gain, monkeypatch):
    # torch.nn.init.orthogonal_ draws A ~ N(0, 1) with Tensor.normal_; hand it our draw and
    # the rest of torch's own function (QR, sign fix, transposes, gain) must give our matrix
    rows, cols = shape[0], int(np.prod(shape[1:]))
    draw = np.random.default_rng(0).standard_normal((rows, cols))
    monkeypatch.setattr(torch.Tensor, "normal_", lambda self, *a, **k: self.copy_(torch.from_numpy(draw)))
    want = torch.nn.init.orthogonal_(torch.empty(shape, dtype=torch.float64), gain=gain).numpy()
    monkeypatch.undo()
    got = init.orthogonal(shape, gain, rng=np.random.default_rng(0))
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (8, 8)])
def test_orthogonal_has_orthonormal_rows_or_columns(shape):
    w = init.orthogonal(shape, gain=1.5, rng=np.random.default_rng(1))
    small = min(shape)
    gram = w @ w.T if shape[0] <= shape[1] else w.T @ w
    np.testing.assert_allclose(gram, 1.5**2 * np.eye(small), atol=1e-12)


def test_orthogonal_bad_input():
    with pytest.raises(ValueError, match=r"shape must have at least 2 dimensions, got \(4,\)"):
        init.orthogonal((4,), rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        init.orthogonal((4, 4), rng=0)


def test_constant_fits_the_initializer_protocol():
    from functools import partial

    fill = partial(init.constant, val=0.1)
    np.testing.assert_array_equal(fill((2, 3), rng=np.random.default_rng(0)), np.full((2, 3), 0.1))
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        init.constant((2,), 0.1, rng=1)


def test_every_initializer_has_a_label_in_words():
    assert list(init.INITIALIZER_LABELS) == list(init.INITIALIZERS)
    assert all("_" not in label for label in init.INITIALIZER_LABELS.values())
