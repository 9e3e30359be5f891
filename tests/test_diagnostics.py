"""Tests for lecturelib.diagnostics: per-layer statistics and gradient-norm profiles."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from numpy.testing import assert_allclose

from lecturelib.activations import ACTIVATIONS
from lecturelib.data import load_digits_split
from lecturelib.diagnostics import LayerStatistics, gradient_norm_profile, gradient_norms, layer_statistics
from lecturelib.mlp import MLP

SIZES = [[4, 3], [4, 8, 3], [6, 16, 16, 16, 5]]
FIELDS = [f.name for f in dataclasses.fields(LayerStatistics)]


def _data(sizes, n=32, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, sizes[0])), rng.integers(0, sizes[-1], size=n)


def _model(sizes, activation="relu", seed=0, **kwargs):
    return MLP(sizes, activation=activation, rng=np.random.default_rng(seed), **kwargs)


@pytest.fixture(scope="module")
def digits():
    split = load_digits_split(seed=0)
    return split.x_train[:300], split.y_train[:300]


# ---------------------------------------------------------------- gradient_norms


@pytest.mark.parametrize("sizes", SIZES)
def test_gradient_norms_are_frobenius_norms_of_weight_grads(sizes):
    x, y = _data(sizes)
    model = _model(sizes, "tanh")
    model.loss_and_grads(x, y)
    norms = gradient_norms(model)
    assert norms.shape == (len(sizes) - 1,)
    want = [np.sqrt(np.sum(model.grads[f"{l}.weight"] ** 2)) for l in range(len(sizes) - 1)]
    assert_allclose(norms, want, rtol=1e-13)


def test_gradient_norms_errors():
    with pytest.raises(RuntimeError, match="call forward and backward first"):
        gradient_norms(_model([2, 3]))
    with pytest.raises(TypeError, match="model must be an MLP, got dict"):
        gradient_norms({})


# ---------------------------------------------------------------- layer_statistics


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("sizes", SIZES)
def test_layer_statistics_match_the_stored_passes(sizes, activation):
    x, y = _data(sizes, seed=1)
    stats = layer_statistics(_model(sizes, activation, seed=2), x, y)
    model = _model(sizes, activation, seed=2)  # the same network, measured by hand
    model.loss_and_grads(x, y)

    assert list(stats.as_dict()) == FIELDS
    for name in FIELDS:
        assert getattr(stats, name).shape == (len(sizes) - 1,)
    acts, zs = model.activations[1:], model.preactivations
    assert_allclose(stats.activation_mean, [a.mean() for a in acts], rtol=1e-12)
    assert_allclose(stats.activation_std, [a.std() for a in acts], rtol=1e-12)
    assert_allclose(stats.preactivation_std, [z.std() for z in zs], rtol=1e-12)
    assert_allclose(stats.delta_std, [d.std() for d in model.deltas], rtol=1e-12)
    assert_allclose(stats.weight_grad_norm, gradient_norms(model), rtol=1e-12)
    assert_allclose(stats.frac_zero, [np.mean(a == 0) for a in acts], rtol=0, atol=0)


@pytest.mark.parametrize("threshold", [0.05, 0.1, 0.5])
@pytest.mark.parametrize("activation, max_grad", [("sigmoid", 0.25), ("tanh", 1.0)])
def test_frac_saturated_counts_small_derivatives(activation, max_grad, threshold):
    sizes = [6, 16, 16, 5]
    x, y = _data(sizes, seed=3)
    model = _model(sizes, activation, seed=4, weight_init="xavier_normal")
    stats = layer_statistics(model, 3.0 * x, y, saturation_threshold=threshold)
    grad = ACTIVATIONS[activation][1]
    want = [np.mean(grad(z) < threshold * max_grad) for z in model.preactivations[:-1]] + [0.0]
    assert_allclose(stats.frac_saturated, want, rtol=0, atol=0)
    assert stats.frac_saturated[0] > 0


def test_relu_has_dead_units_and_never_saturates():
    sizes = [6, 32, 32, 5]
    x, y = _data(sizes, seed=5)
    stats = layer_statistics(_model(sizes, "relu", seed=6), x, y)
    assert np.all(stats.frac_zero[:-1] > 0.2)
    assert stats.frac_zero[-1] == 0.0
    np.testing.assert_array_equal(stats.frac_saturated, 0.0)


def test_sigmoid_has_no_zero_activations_at_default_init():
    sizes = [6, 32, 32, 5]
    x, y = _data(sizes, seed=7)
    stats = layer_statistics(_model(sizes, "sigmoid", seed=8), x, y)
    np.testing.assert_array_equal(stats.frac_zero, 0.0)
    assert np.all(stats.frac_saturated == 0.0)  # pre-activations are small at torch's default init


def test_sigmoid_with_huge_weights_saturates(digits):
    x, y = digits
    model = MLP([64, 32, 32, 32, 10], activation="sigmoid",
                weight_init=lambda shape, *, rng: rng.normal(0.0, 30.0, size=shape), rng=np.random.default_rng(0))
    stats = layer_statistics(model, x, y)
    assert np.all(stats.frac_saturated[:-1] > 0.9)
    assert stats.frac_saturated[-1] == 0.0


@pytest.mark.parametrize(
    "threshold, error, match",
    [(-0.1, ValueError, ">= 0.0, got -0.1"), (1.5, ValueError, "<= 1.0, got 1.5"), ("0.1", TypeError, "a real number")],
)
def test_layer_statistics_bad_threshold(threshold, error, match):
    x, y = _data([4, 3])
    with pytest.raises(error, match=f"^saturation_threshold must be {match}"):
        layer_statistics(_model([4, 3]), x, y, saturation_threshold=threshold)


def test_layer_statistics_bad_inputs():
    x, y = _data([4, 3])
    with pytest.raises(TypeError, match="model must be an MLP"):
        layer_statistics("net", x, y)
    with pytest.raises(ValueError, match=r"x must have shape \(N, 4\)"):
        layer_statistics(_model([4, 3]), x[:, :2], y)
    with pytest.raises(ValueError, match="class indices"):
        layer_statistics(_model([4, 3]), x, y + 3)


# ---------------------------------------------------------------- gradient_norm_profile


def _profile_oracle(x, y, sizes, activation, of, *, weight_init="kaiming_normal", seed=0):
    model = MLP(sizes, activation=activation, weight_init=weight_init, rng=np.random.default_rng(seed))
    model.loss_and_grads(x, y)
    if of == "weight":
        return gradient_norms(model)
    return np.array([np.sqrt(np.sum(d**2)) for d in model.deltas])


@pytest.mark.parametrize("of", ["delta", "weight"])
@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
@pytest.mark.parametrize("depth, width", [(1, 8), (3, 16), (6, 32)])
def test_profile_is_gradient_norms_of_the_described_network(depth, width, activation, of):
    x, y = _data([5, 4], seed=9)
    norms = gradient_norm_profile(x, y, depth=depth, width=width, activation=activation, of=of,
                                  rng=np.random.default_rng(10))
    assert norms.shape == (depth + 1,)
    want = _profile_oracle(x, y, [5] + [width] * depth + [4], activation, of, seed=10)
    assert_allclose(norms, want, rtol=1e-13)


def test_profile_default_is_delta_norms():
    x, y = _data([5, 4], seed=9)
    kwargs = dict(depth=3, width=8, activation="tanh")
    np.testing.assert_array_equal(
        gradient_norm_profile(x, y, rng=np.random.default_rng(0), **kwargs),
        gradient_norm_profile(x, y, of="delta", rng=np.random.default_rng(0), **kwargs),
    )


def test_profile_is_deterministic_per_seed(digits):
    x, y = digits
    a, b, c = (gradient_norm_profile(x, y, depth=4, activation="tanh", rng=np.random.default_rng(s)) for s in (0, 0, 1))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


@pytest.mark.parametrize("n_classes", [3, 7])
def test_profile_n_classes_sets_the_output_width(n_classes):
    x, y = _data([5, 3], seed=11)
    norms = gradient_norm_profile(x, y, depth=2, width=8, activation="relu", n_classes=n_classes, of="weight",
                                  weight_init="xavier_uniform", rng=np.random.default_rng(0))
    want = _profile_oracle(x, y, [5, 8, 8, n_classes], "relu", "weight", weight_init="xavier_uniform")
    assert_allclose(norms, want, rtol=1e-13)


@pytest.mark.parametrize("of", ["delta", "weight"])
@pytest.mark.parametrize("seed", [0, 1])
def test_sigmoid_gradients_vanish_toward_the_input_relu_do_not(digits, seed, of):
    x, y = digits
    sigmoid = gradient_norm_profile(x, y, depth=10, activation="sigmoid", of=of, rng=np.random.default_rng(seed))
    relu = gradient_norm_profile(x, y, depth=10, activation="relu", of=of, rng=np.random.default_rng(seed))
    assert sigmoid[0] / sigmoid[-1] < 1e-3
    assert relu[0] / relu[-1] > 0.1


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(depth=0), ValueError, "^depth must be >= 1, got 0"),
        (dict(depth=2.0), TypeError, "^depth must be an integer"),
        (dict(width=0), ValueError, "^width must be >= 1, got 0"),
        (dict(n_classes=0), ValueError, "^n_classes must be >= 1"),
        (dict(n_classes=2), ValueError, "class indices in \\[0, 1\\]"),  # y holds 0..2
        (dict(activation="swish"), ValueError, "^activation must be one of"),
        (dict(weight_init="glorot"), ValueError, "^weight_init must be one of"),
        (dict(rng=0), TypeError, "^rng must be a numpy.random.Generator"),
        (dict(of="bias"), ValueError, "^of must be one of \\['delta', 'weight'\\], got 'bias'"),
        (dict(x=np.ones(5)), ValueError, "^x must be a 2-D array"),
        (dict(x=np.ones((6, 5), dtype=int)), TypeError, "^x must be a floating-point array"),
    ],
)
def test_profile_bad_inputs(kwargs, error, match):
    x, y = _data([5, 3], n=6, seed=12)
    y[:3] = [0, 1, 2]
    kwargs = {"x": x, "depth": 2, "activation": "relu", "rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(error, match=match):
        gradient_norm_profile(kwargs.pop("x"), y, **kwargs)


@pytest.mark.parametrize("y, error", [(np.array([], dtype=np.int64), ValueError), (np.zeros(6), TypeError)])
def test_profile_validates_y_itself(y, error):
    with pytest.raises(error, match="^y must"):
        gradient_norm_profile(np.ones((6, 5)), y, depth=2, activation="relu", rng=np.random.default_rng(0))


# --- chapter 2: variance of a layer, statistics at initialization, torch hooks -------------------


def test_linear_variance_matches_prediction_within_sampling_error():
    from lecturelib.diagnostics import linear_variance

    for n_in in (16, 256):
        predicted, measured = linear_variance(n_in, weight_std=0.1, x_std=2.0, rng=np.random.default_rng(n_in))
        assert predicted == pytest.approx(n_in * 0.01 * 4.0)
        assert abs(measured / predicted - 1) < 0.1


def test_linear_variance_bad_arguments():
    from lecturelib.diagnostics import linear_variance

    with pytest.raises(ValueError, match="n_in must be >= 1"):
        linear_variance(0, weight_std=0.1, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="weight_std must be >= 0"):
        linear_variance(4, weight_std=-1.0, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        linear_variance(4, weight_std=0.1, rng=0)


def test_init_statistics_shapes_and_he_vs_xavier():
    from lecturelib.diagnostics import init_statistics

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((256, 64)), rng.integers(0, 10, size=256)
    stats, hidden = init_statistics(x, y, depth=12, activation="relu", weight_init="kaiming_normal",
                                    width=64, rng=np.random.default_rng(1))
    assert len(hidden) == 12 and hidden[0].shape == (256, 64)
    assert stats.activation_std.shape == (13,)
    np.testing.assert_allclose(stats.activation_std[:-1], [h.std() for h in hidden], rtol=1e-12)
    xavier, _ = init_statistics(x, y, depth=12, activation="relu", weight_init="xavier_normal",
                                width=64, rng=np.random.default_rng(1))
    factor = (xavier.activation_std[11] / xavier.activation_std[0]) ** (1 / 11)
    assert abs(factor - 2 ** -0.5) < 0.08
    assert 0.2 < stats.activation_std[11] / stats.activation_std[0] < 5


# ---------------------------------------------------------------- spread, seeds, decay


def test_activation_spread_ignores_a_fixed_offset_per_unit():
    # a sigmoid network's units each sit near their own offset: pooled std stays, the spread across examples is tiny
    rng = np.random.default_rng(0)
    model = MLP([4, 6, 3], activation="sigmoid", rng=rng)
    model.params["0.weight"] *= 1e-6          # the input barely reaches the hidden layer
    model.params["0.bias"] = np.linspace(-3, 3, 6)  # each unit its own offset
    x, y = rng.standard_normal((50, 4)), rng.integers(0, 3, size=50)
    stats = layer_statistics(model, x, y)
    hidden = 1 / (1 + np.exp(-(x @ model.params["0.weight"].T + model.params["0.bias"])))
    assert stats.activation_std[0] == pytest.approx(hidden.std())
    assert stats.activation_spread[0] == pytest.approx(np.mean([hidden[:, j].std() for j in range(6)]))
    assert stats.activation_spread[0] < 1e-5 < 0.1 < stats.activation_std[0]


def test_over_seeds_median_and_band():
    from lecturelib.diagnostics import over_seeds

    band = over_seeds(lambda rng: np.array([rng.integers(0, 100), 7.0]), range(21), quantiles=(10, 90))
    draws = np.array([np.random.default_rng(s).integers(0, 100) for s in range(21)], dtype=float)
    assert band.median[0] == np.median(draws) and band.median[1] == 7.0
    assert band.low[0] == np.percentile(draws, 10) and band.high[0] == np.percentile(draws, 90)
    assert band.runs.shape == (21, 2) and band.quantiles == (10.0, 90.0)
    with pytest.raises(ValueError, match="seeds must hold at least 5 seeds, got 3"):
        over_seeds(lambda rng: np.zeros(2), range(3))
    with pytest.raises(TypeError, match="profile must be callable"):
        over_seeds(np.zeros(2), range(5))
    with pytest.raises(ValueError, match="quantiles\\[1\\] must be >= 50.0"):
        over_seeds(lambda rng: np.zeros(2), range(5), quantiles=(50, 40))


def test_decay_factor_is_the_geometric_mean_ratio():
    from lecturelib.diagnostics import decay_factor

    values = 3.0 * 0.7 ** np.arange(10)
    assert decay_factor(values) == pytest.approx(0.7, rel=1e-12)
    assert decay_factor(np.array([1.0, 4.0, 2.0, 16.0]), first=2, last=4) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="values must be positive"):
        decay_factor(np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="last must be >= 3, got 2"):
        decay_factor(np.ones(4), first=2, last=2)


def test_activation_profile_is_the_forward_part_of_init_statistics():
    from lecturelib.diagnostics import activation_profile, init_statistics

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((40, 8)), rng.integers(0, 3, size=40)
    stats, hidden = init_statistics(x, y, depth=4, activation="sigmoid", weight_init="xavier_normal", width=8,
                                    rng=np.random.default_rng(5))
    spread = activation_profile(x, depth=4, activation="sigmoid", weight_init="xavier_normal", width=8,
                                rng=np.random.default_rng(5))
    # computed here from the hidden activations, unit by unit
    np.testing.assert_allclose(spread, [np.mean([h[:, j].std() for j in range(8)]) for h in hidden], rtol=1e-12)
    pooled = activation_profile(x, depth=4, activation="sigmoid", weight_init="xavier_normal", width=8,
                                statistic="std", rng=np.random.default_rng(5))
    np.testing.assert_allclose(pooled, stats.activation_std[:-1], rtol=1e-12)
    rms = activation_profile(x, depth=4, activation="sigmoid", weight_init="xavier_normal", width=8,
                             statistic="rms", rng=np.random.default_rng(5))
    np.testing.assert_allclose(rms, [np.linalg.norm(h) / np.sqrt(h.size) for h in hidden], rtol=1e-12)
    with pytest.raises(ValueError, match="statistic must be one of"):
        activation_profile(x, depth=2, activation="relu", weight_init="orthogonal", statistic="var",
                           rng=np.random.default_rng(0))


def test_saturated_fraction_uses_the_output_bounds():
    from lecturelib.diagnostics import saturated_fraction

    a = np.array([-0.971, -0.97, 0.0, 0.97, 0.9701])  # the bounds themselves are not saturated
    assert saturated_fraction(a, "tanh") == 0.4
    s = np.array([0.01, 0.03, 0.5, 0.97, 0.99, 0.999])
    assert saturated_fraction(s, "sigmoid") == 0.5
    assert saturated_fraction(np.array([0.0, 100.0]), "relu") == 0.0
    with pytest.raises(ValueError, match="activation must be one of"):
        saturated_fraction(a, "swish")


def test_dead_fraction_counts_units_zero_on_every_example():
    from lecturelib.diagnostics import dead_fraction

    a = np.array([[0.0, 0.0, 1.0, 0.0], [0.0, 2.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    assert dead_fraction(a) == 0.5  # columns 0 and 3
    assert dead_fraction(np.ones((2, 3))) == 0.0
    with pytest.raises(ValueError, match="a must be a 2-D array"):
        dead_fraction(np.zeros(3))
    with pytest.raises(ValueError, match="at least one example"):
        dead_fraction(np.zeros((0, 3)))


def test_activation_profile_saturated_and_dead_statistics():
    from lecturelib.diagnostics import activation_profile

    x = np.random.default_rng(0).standard_normal((200, 16))
    sat = activation_profile(x, depth=3, activation="tanh", weight_init="normal", width=64, statistic="saturated",
                             rng=np.random.default_rng(0))
    # N(0, 1) weights on 64 unit-variance inputs: z has std ~8, |tanh z| > 0.97 needs |z| > 2.09: most units
    assert sat.shape == (3,) and np.all(sat[1:] > 0.6)
    dead = activation_profile(x, depth=2, activation="relu", weight_init="kaiming_normal", width=64,
                              statistic="dead", rng=np.random.default_rng(0))
    assert dead.shape == (2,) and np.all(dead < 0.1)
