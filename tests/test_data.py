"""Tests for :mod:`lecturelib.data`."""

from __future__ import annotations

import numpy as np
import pytest

from lecturelib import data

TOY_NAMES = sorted(data.TOY_DATASETS)
N_CLASSES = {"spirals": 3, "moons": 2, "circles": 2, "xor": 2}


def _rng(seed=0):
    return np.random.default_rng(seed)


@pytest.fixture(scope="module")
def split():
    return data.load_digits_split(seed=0)


# ---------------------------------------------------------------- toy problems


@pytest.mark.parametrize("name", TOY_NAMES)
@pytest.mark.parametrize("n_samples", [8, 101, 300])
def test_toy_shapes_dtypes_and_balance(name, n_samples):
    X, y = data.make_toy(name, n_samples, rng=_rng())
    assert X.shape == (n_samples, 2) and X.dtype == np.float64
    assert y.shape == (n_samples,) and y.dtype == np.int64
    counts = np.bincount(y, minlength=N_CLASSES[name])
    assert len(counts) == N_CLASSES[name]
    assert counts.max() - counts.min() <= 1
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("n_classes", [2, 5])
def test_spirals_n_classes(n_classes):
    X, y = data.make_spirals(100, n_classes=n_classes, rng=_rng())
    assert set(np.unique(y)) == set(range(n_classes))
    assert np.all(np.linalg.norm(X, axis=1) <= 1.0 + 1e-12)  # radius r in [0, 1]


@pytest.mark.parametrize("name", TOY_NAMES)
def test_toy_determinism(name):
    X1, y1 = data.make_toy(name, rng=_rng(3))
    X2, y2 = data.make_toy(name, rng=_rng(3))
    X3, _ = data.make_toy(name, rng=_rng(4))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("name", ["moons", "circles", "xor"])
def test_zero_noise_geometry(name):
    X, y = data.make_toy(name, 40, rng=_rng(), noise=0.0, shuffle=False)
    if name == "moons":
        np.testing.assert_allclose(np.linalg.norm(X[y == 0], axis=1), 1.0)
        np.testing.assert_allclose(np.linalg.norm(X[y == 1] - [1.0, 0.5], axis=1), 1.0)
    elif name == "circles":
        np.testing.assert_allclose(np.linalg.norm(X[y == 0], axis=1), 1.0)
        np.testing.assert_allclose(np.linalg.norm(X[y == 1], axis=1), 0.5)
    else:
        np.testing.assert_array_equal(np.abs(X), 1.0)
        np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(np.int64))


def test_xor_labels_follow_quadrant_for_small_noise():
    X, y = data.make_xor(400, noise=0.1, rng=_rng())
    # noise 0.1 puts a point across an axis with probability ~1e-23
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(np.int64))


def test_shuffle_false_sorts_by_class():
    _, y = data.make_spirals(30, shuffle=False, rng=_rng())
    np.testing.assert_array_equal(y, np.repeat([0, 1, 2], 10))
    _, y = data.make_spirals(30, rng=_rng())
    assert not np.all(np.diff(y) >= 0)


def test_make_toy_passes_kwargs():
    X, y = data.make_toy("circles", 50, rng=_rng(1), factor=0.2, noise=0.0)
    np.testing.assert_allclose(np.linalg.norm(X[y == 1], axis=1), 0.2)


def test_make_toy_bad_name():
    with pytest.raises(ValueError, match=r"name must be one of \['spirals', 'moons', 'circles', 'xor'\], got 'swiss'"):
        data.make_toy("swiss", rng=_rng())


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: data.make_spirals(2, rng=_rng()), ValueError, "n_samples must be >= 3, got 2"),
        (lambda: data.make_spirals(10, n_classes=1, rng=_rng()), ValueError, "n_classes must be >= 2, got 1"),
        (lambda: data.make_moons(1, rng=_rng()), ValueError, "n_samples must be >= 2, got 1"),
        (lambda: data.make_xor(3, rng=_rng()), ValueError, "n_samples must be >= 4, got 3"),
        (lambda: data.make_moons(10.0, rng=_rng()), TypeError, "n_samples must be an integer"),
        (lambda: data.make_moons(10, noise=-0.1, rng=_rng()), ValueError, "noise must be >= 0.0, got -0.1"),
        (lambda: data.make_circles(10, factor=1.0, rng=_rng()), ValueError, "factor must be < 1.0, got 1.0"),
        (lambda: data.make_xor(10, rng=42), TypeError, "rng must be a numpy.random.Generator"),
        (lambda: data.make_moons(10), TypeError, "rng"),
    ],
)
def test_toy_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------- digits


def test_digits_shapes_and_dtypes(split):
    sizes = [len(split.y_train), len(split.y_val), len(split.y_test)]
    assert sum(sizes) == 1797
    for X, y in [(split.X_train, split.y_train), (split.X_val, split.y_val), (split.X_test, split.y_test)]:
        assert X.dtype == np.float64 and X.shape == (len(y), 64)
        assert y.dtype == np.int64 and y.ndim == 1
    assert split.n_features == 64 and split.n_classes == 10
    assert split.mean.shape == split.std.shape == (64,)
    np.testing.assert_allclose(np.array(sizes[1:]) / 1797, [0.2, 0.2], atol=1 / 1797 * 2)


def test_digits_standardized_with_training_statistics(split):
    raw = data.load_digits_split(seed=0, standardize=False)
    np.testing.assert_array_equal(raw.mean, 0.0)
    np.testing.assert_array_equal(raw.std, 1.0)
    np.testing.assert_allclose(split.mean, raw.X_train.mean(axis=0), rtol=1e-12)
    constant = raw.X_train.std(axis=0) == 0
    assert constant.any()  # digits has always-blank border pixels
    np.testing.assert_array_equal(split.std[constant], 1.0)
    np.testing.assert_allclose(split.std[~constant], raw.X_train.std(axis=0)[~constant], rtol=1e-12)
    np.testing.assert_allclose(split.X_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(split.X_train.std(axis=0)[~constant], 1.0, rtol=1e-12)
    for Xs, Xr in [(split.X_val, raw.X_val), (split.X_test, raw.X_test)]:
        np.testing.assert_allclose(Xs, (Xr - split.mean) / split.std, rtol=1e-12, atol=1e-12)
    assert np.all(np.isfinite(split.X_val)) and np.all(np.isfinite(split.X_test))


def test_digits_stratified(split):
    full = np.bincount(np.concatenate([split.y_train, split.y_val, split.y_test]), minlength=10)
    for y in (split.y_train, split.y_val, split.y_test):
        expected = full * len(y) / full.sum()
        assert np.all(np.abs(np.bincount(y, minlength=10) - expected) <= 1.0)


def test_digits_splits_do_not_overlap():
    raw = data.load_digits_split(seed=0, standardize=False)
    rows = [{r.tobytes() for r in X} for X in (raw.X_train, raw.X_val, raw.X_test)]
    # the digits set has no duplicate images across these splits
    assert not (rows[0] & rows[1]) and not (rows[0] & rows[2]) and not (rows[1] & rows[2])
    n_unique = len(rows[0] | rows[1] | rows[2])
    assert n_unique == len(rows[0]) + len(rows[1]) + len(rows[2])


def test_digits_determinism(split):
    again = data.load_digits_split(seed=0)
    other = data.load_digits_split(seed=1)
    for field in ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test", "mean", "std"):
        np.testing.assert_array_equal(getattr(split, field), getattr(again, field))
    assert not np.array_equal(split.y_train, other.y_train)


def test_digits_split_is_frozen(split):
    with pytest.raises(AttributeError):
        split.X_train = None


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"val_size": 0.0}, ValueError, "val_size must be > 0.0, got 0.0"),
        ({"test_size": 1.0}, ValueError, "test_size must be < 1.0, got 1.0"),
        ({"val_size": 0.5, "test_size": 0.5}, ValueError, r"val_size \+ test_size must be < 1, got 0.5 \+ 0.5"),
        ({"val_size": "0.2"}, TypeError, "val_size must be a real number"),
        ({"seed": -1}, ValueError, "seed must be >= 0, got -1"),
        ({"standardize": 1}, TypeError, "standardize must be a bool"),
    ],
)
def test_digits_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        data.load_digits_split(**kwargs)


# ---------------------------------------------------------------- standardize


def test_standardize_helper():
    X_train = np.array([[0.0, 5.0, 1.0], [2.0, 5.0, 3.0], [4.0, 5.0, 5.0]])
    X_test = np.array([[2.0, 6.0, 3.0]])
    Xtr, Xte, mean, std = data.standardize(X_train, X_test)
    np.testing.assert_allclose(mean, [2.0, 5.0, 3.0])
    np.testing.assert_allclose(std, [np.sqrt(8 / 3), 1.0, np.sqrt(8 / 3)])
    np.testing.assert_allclose(Xte, [[0.0, 1.0, 0.0]])
    np.testing.assert_allclose(Xtr.mean(axis=0), 0.0, atol=1e-15)


def test_standardize_bad_inputs():
    with pytest.raises(ValueError, match=r"others\[0\] must have 3 features like X_train, got shape \(2, 2\)"):
        data.standardize(np.zeros((4, 3)), np.zeros((2, 2)))
    with pytest.raises(TypeError, match="X_train must be a floating-point array"):
        data.standardize(np.zeros((4, 3), dtype=int))
    with pytest.raises(ValueError, match="X_train must be a 2-D array"):
        data.standardize(np.zeros(4))
