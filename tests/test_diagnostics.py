"""Tests for lecturelib.diagnostics: per-layer statistics, gradient-norm profiles and learning-curve diagnoses."""

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


# ---------------------------------------------------------------- learning curves (chapter 6)

from lecturelib.diagnostics import LEARNING_CURVE_LABELS, Diagnosis, diagnose_learning_curves  # noqa: E402
from lecturelib.history import History  # noqa: E402

EPOCHS = np.arange(41)  # epoch 0 is the untrained model


def _decay(start, end, tau):
    """An exponential decay from ``start`` at epoch 0 to the plateau ``end``, time constant ``tau`` epochs."""
    return end + (start - end) * np.exp(-EPOCHS / tau)


def _history(train, val, steps=None):
    h = History()
    for step, a, b in zip(EPOCHS if steps is None else steps, train, val):
        h.record(int(step), loss=float(a), val_loss=float(b))
    return h


def _curves(kind, rng):
    """Synthetic training and validation losses of each kind, starting near ln 10, with a little noise."""
    jitter = lambda scale: scale * rng.standard_normal(EPOCHS.size)  # noqa: E731
    train = _decay(2.3, 0.3, 5) + jitter(0.005)
    if kind == "good fit":
        val = _decay(2.3, 0.36, 5) + jitter(0.005)
    elif kind == "flat":  # the loss hardly moves: 2.3 -> 2.2
        train = _decay(2.3, 2.2, 3) + jitter(0.01)
        val = train + 0.02 + jitter(0.01)
    elif kind == "still improving":  # time constant 30 epochs, stopped after 40
        train = _decay(2.3, 0.2, 30) + jitter(0.005)
        val = _decay(2.3, 0.25, 30) + jitter(0.005)
    elif kind == "overfit":  # U-shaped: smallest near epoch 16, then up by about 0.3
        train = _decay(2.3, 0.05, 6) + jitter(0.005)
        val = _decay(2.3, 0.5, 5) + 0.015 * EPOCHS + jitter(0.005)
    elif kind == "gap":  # both level off, 0.7 apart
        val = _decay(2.3, 1.0, 5) + jitter(0.005)
    elif kind == "noisy":  # erratic around (a little below) the training loss
        val = train - 0.05 + jitter(0.2)
    elif kind == "below":  # smoothly, far below the training loss
        train = _decay(2.3, 0.6, 5) + jitter(0.005)
        val = _decay(2.3, 0.25, 5) + jitter(0.005)
    return train, val


KINDS = [
    ("good fit", "good fit", None),
    ("flat", "underfit", "flat"),
    ("still improving", "underfit", "still improving"),
    ("overfit", "overfit", None),
    ("gap", "unrepresentative training set", None),
    ("noisy", "unrepresentative validation set", "noisy"),
    ("below", "unrepresentative validation set", "below training"),
]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("kind, label, detail", KINDS)
def test_each_kind_of_learning_curve_gets_its_label(kind, label, detail, seed):
    d = diagnose_learning_curves(_history(*_curves(kind, np.random.default_rng(seed))))
    assert (d.label, d.detail) == (label, detail), d
    assert d.label in LEARNING_CURVE_LABELS


def test_the_five_labels():
    assert LEARNING_CURVE_LABELS == ("underfit", "overfit", "unrepresentative training set",
                                     "unrepresentative validation set", "good fit")


def test_measurements_follow_their_definitions():
    # a straight training line and a V-shaped validation curve, with values computed by hand
    train = 2.0 - 0.04 * EPOCHS                       # 2.0 -> 0.4
    val = 1.0 + 0.05 * np.abs(EPOCHS - 20.0)          # smallest (1.0) at epoch 20, 2.0 at both ends
    d = diagnose_learning_curves(_history(train, val), window=5)
    end_train, end_val = train[-5:].mean(), val[-5:].mean()   # 0.48 and 1.9
    assert d.train_fall == pytest.approx((2.0 - end_train) / 2.0, rel=1e-12)
    assert d.train_end_rate == pytest.approx(1.0, rel=1e-9)  # a straight line falls at its average rate
    assert d.final_gap == pytest.approx((end_val - end_train) / 2.0, rel=1e-12)
    # the moving average over 5 epochs is smallest on epochs 18..22 (mean 1.06), centred on epoch 20
    assert d.val_min_epoch == 20
    assert d.val_rise == pytest.approx((end_val - 1.06) / 2.0, rel=1e-12)
    assert d.train_fall_after_val_min == pytest.approx((train[18:23].mean() - end_train) / 2.0, rel=1e-12)
    assert d.val_noise == pytest.approx(0.0, abs=1e-15)  # straight pieces: no second differences
    assert d.label == "overfit"


@pytest.mark.parametrize("sigma", [0.01, 0.1])
def test_val_noise_is_the_standard_deviation_of_white_noise(sigma):
    n = 2001
    t = np.arange(n)
    rng = np.random.default_rng(3)
    train = 2.0 - 1e-4 * t
    val = train + 0.1 + sigma * rng.standard_normal(n)
    d = diagnose_learning_curves({"loss": train, "val_loss": val})
    assert d.val_noise == pytest.approx(sigma / 2.0, rel=0.1)


@pytest.mark.parametrize("epochs", [40, 200])
@pytest.mark.parametrize("x", [1.0, 3.0, 6.0])
def test_end_rate_of_an_exponential_decay(x, epochs):
    # stopped after x time constants: the slope over the last quarter relative to the average fall up to its middle
    t = np.arange(epochs + 1)
    train = 0.1 + 2.2 * np.exp(-t * x / epochs)
    d = diagnose_learning_curves({"loss": train, "val_loss": train + 0.01})
    tail = t[-(len(t) // 4):]
    slope = np.sum((tail - tail.mean()) * (train[tail] - train[tail].mean())) / np.sum((tail - tail.mean()) ** 2)
    assert d.train_end_rate == pytest.approx(-slope * tail.mean() / (train[0] - train[tail].mean()), rel=1e-9)
    y = 7 * x / 8  # the docstring's approximation, the exact rate at the quarter's middle
    assert d.train_end_rate == pytest.approx(y * np.exp(-y) / (1 - np.exp(-y)), rel=0.15)


@pytest.mark.parametrize("kind, kwargs, default_label, moved_label", [
    ("small rise", dict(min_rise=0.01), "good fit", "overfit"),
    ("overfit", dict(min_rise=0.5), "overfit", "unrepresentative training set"),
    ("shallow", dict(min_fall=0.2), "good fit", "underfit"),
    ("smooth flat", dict(min_fall=0.01), "underfit", "good fit"),
    ("zigzag", dict(max_noise=0.1), "unrepresentative validation set", "good fit"),
    ("below", dict(max_below=0.5), "unrepresentative validation set", "good fit"),
    ("still improving", dict(still_improving=0.9), "underfit", "good fit"),
    ("gap", dict(max_gap=0.5), "unrepresentative training set", "good fit"),
    ("good fit", dict(max_gap=0.01), "good fit", "unrepresentative training set"),
])
def test_moving_a_threshold_changes_the_verdict(kind, kwargs, default_label, moved_label):
    rng = np.random.default_rng(0)
    if kind == "small rise":  # the validation loss turns up by 0.07, 3 % of the start
        train = _decay(2.3, 0.2, 5)
        val = _decay(2.3, 0.3, 4) + 0.0035 * np.maximum(EPOCHS - 20, 0)
    elif kind == "shallow":  # falls by 15 %, to 1.95
        train = _decay(2.3, 1.95, 4)
        val = train + 0.03
    elif kind == "zigzag":  # +-0.05 every other epoch: median |second difference| 0.2, val_noise 0.053
        train = _decay(2.3, 0.3, 5)
        val = train + 0.05 * (-1.0) ** EPOCHS
    elif kind == "smooth flat":  # falls by 4 %, to 2.2, without noise
        train = _decay(2.3, 2.2, 3)
        val = train + 0.02
    else:
        train, val = _curves(kind, rng)
    h = _history(train, val)
    assert diagnose_learning_curves(h).label == default_label
    assert diagnose_learning_curves(h, **kwargs).label == moved_label


def test_order_of_the_checks():
    rng = np.random.default_rng(0)
    # flat and noisy: a model that learns nothing comes first
    train = _decay(2.3, 2.25, 3)
    assert diagnose_learning_curves(_history(train, train + 0.2 * rng.standard_normal(41))).detail == "flat"
    # U-shaped but erratic: the noise is checked before the rise
    train, val = _curves("overfit", rng)
    val = val + 0.2 * rng.standard_normal(41)
    assert diagnose_learning_curves(_history(train, val)).detail == "noisy"
    # overfit while the training loss is still falling fast: overfit, not "still improving"
    train = _decay(2.3, 0.0, 40) + 0.05
    val = _decay(2.3, 1.0, 5) + 0.02 * EPOCHS
    d = diagnose_learning_curves(_history(train, val))
    assert d.train_end_rate > 0.2 and d.label == "overfit"


def test_a_validation_rise_with_a_rising_training_loss_is_not_overfitting():
    train = _decay(2.3, 0.3, 5) + 0.01 * np.maximum(EPOCHS - 20, 0)  # training itself goes up after epoch 20
    val = _decay(2.3, 0.35, 5) + 0.01 * np.maximum(EPOCHS - 20, 0)
    d = diagnose_learning_curves(_history(train, val))
    assert d.val_rise > 0.05 and d.train_fall_after_val_min < 0
    assert d.label != "overfit"


def test_val_min_epoch_uses_the_recorded_steps():
    train, val = _curves("overfit", np.random.default_rng(0))
    by_index = diagnose_learning_curves(_history(train, val))
    every_other = diagnose_learning_curves(_history(train, val, steps=2 * EPOCHS))
    assert every_other.val_min_epoch == 2 * by_index.val_min_epoch
    assert 12 <= by_index.val_min_epoch <= 20  # the U's bottom is near epoch 16


def test_accepts_anything_indexable_by_metric_name():
    train, val = _curves("gap", np.random.default_rng(0))
    from_dict = diagnose_learning_curves({"loss": list(train), "val_loss": val, "accuracy": np.ones(41)})
    assert from_dict == diagnose_learning_curves(_history(train, val))


def test_window_changes_the_smoothing():
    train, val = _curves("overfit", np.random.default_rng(0))
    h = _history(train, val)
    d3, d9 = diagnose_learning_curves(h, window=3), diagnose_learning_curves(h, window=9)
    assert d3.final_gap != d9.final_gap and d3.label == d9.label == "overfit"
    with pytest.raises(ValueError, match=r"^history must hold at least 2 \* window = 82 epochs, got 41"):
        diagnose_learning_curves(h, window=41)


def _short(n):
    return {"loss": np.linspace(2.0, 1.0, n), "val_loss": np.linspace(2.0, 1.1, n)}


@pytest.mark.parametrize("history, kwargs, error, match", [
    ({"loss": np.ones(20)}, {}, ValueError, r"^history must record 'val_loss' every epoch \(train with validation"),
    ({"val_loss": np.ones(20)}, {}, ValueError, "^history must record 'loss' every epoch"),
    (np.ones(20), {}, TypeError, r"^history must be a History or support history\['loss'\] -> array, got ndarray"),
    (3, {}, TypeError, "^history must be a History .* got int"),
    (_short(9), {}, ValueError, r"^history must hold at least 2 \* window = 10 epochs, got 9"),
    ({"loss": np.ones(12), "val_loss": np.ones(11)}, {}, ValueError,
     r"^history\['loss'\] and history\['val_loss'\] must have the same shape, got \(12,\) and \(11,\)"),
    ({"loss": np.r_[2.0, np.nan, np.ones(10)], "val_loss": np.ones(12)}, {}, ValueError,
     r"^history\['loss'\] must contain only finite values"),
    ({"loss": np.ones((12, 1)), "val_loss": np.ones((12, 1))}, {}, ValueError, r"^history\['loss'\] must be a 1-D"),
    ({"loss": np.arange(12), "val_loss": np.ones(12)}, {}, TypeError,
     r"^history\['loss'\] must be a floating-point array"),
    ({"loss": np.r_[0.0, np.ones(11)], "val_loss": np.ones(12)}, {}, ValueError,
     r"^history\['loss'\]\[0\] must be > 0 \(the measurements are fractions of it\), got 0.0"),
    (_short(12), dict(min_fall=1.0), ValueError, r"^min_fall must be <= 1.0|^min_fall must be < 1.0, got 1.0"),
    (_short(12), dict(min_fall=-0.1), ValueError, "^min_fall must be >= 0.0, got -0.1"),
    (_short(12), dict(max_noise=-1e-3), ValueError, "^max_noise must be >= 0.0, got -0.001"),
    (_short(12), dict(max_below=-1.0), ValueError, "^max_below must be >= 0.0"),
    (_short(12), dict(min_rise=float("nan")), ValueError, "^min_rise must be finite, got nan"),
    (_short(12), dict(still_improving="0.2"), TypeError, "^still_improving must be a real number, got str"),
    (_short(12), dict(max_gap=-0.5), ValueError, "^max_gap must be >= 0.0, got -0.5"),
    (_short(12), dict(window=2), ValueError, "^window must be >= 3, got 2"),
    (_short(12), dict(window=5.0), TypeError, "^window must be an integer, got float"),
])
def test_diagnose_bad_input_raises(history, kwargs, error, match):
    with pytest.raises(error, match=match):
        diagnose_learning_curves(history, **kwargs)


def test_history_without_validation_names_the_recorded_metrics():
    h = History()
    for t in range(12):
        h.record(t, loss=2.0 - 0.1 * t, accuracy=0.1 * t)
    with pytest.raises(ValueError, match=r"recorded metrics are \['accuracy', 'loss'\]"):
        diagnose_learning_curves(h)


def test_diagnosis_prints_its_reason_and_measurements():
    d = diagnose_learning_curves(_history(*_curves("flat", np.random.default_rng(0))))
    text = str(d)
    first, *rest = text.splitlines()
    assert first.startswith("underfit (flat): the training loss fell by only ")
    assert first.endswith("% of its start (min_fall = 10%).")
    assert len(rest) == 3 and f"smallest at epoch {d.val_min_epoch}" in rest[1]
    assert f"{d.final_gap:+.1%} of the starting loss" in rest[2]
    assert repr(d).startswith("Diagnosis(label='underfit', detail='flat', train_fall=")
    assert repr(d).endswith(f"val_min_epoch={d.val_min_epoch})")
    overfit = diagnose_learning_curves(_history(*_curves("overfit", np.random.default_rng(0))))
    assert str(overfit).startswith(f"overfit: the validation loss rises by {overfit.val_rise:.1%} of the starting "
                                   f"loss after epoch {overfit.val_min_epoch}")
    assert "detail=None" in repr(overfit)
    assert isinstance(overfit, Diagnosis)
