"""Tests for :mod:`lecturelib.preprocessing`."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from lecturelib.preprocessing import Standardizer, standardize


def _data(seed=0, n=50, d=4):
    rng = np.random.default_rng(seed)
    return rng.normal(loc=[3.0, -1.0, 0.0, 10.0][:d], scale=[2.0, 0.5, 1.0, 4.0][:d], size=(n, d))


def test_statistics_by_hand():
    x_train = np.array([[0.0, 5.0, 1.0], [2.0, 5.0, 3.0], [4.0, 5.0, 5.0]])
    scaler = standardize(x_train)
    np.testing.assert_allclose(scaler.mean, [2.0, 5.0, 3.0])
    np.testing.assert_allclose(scaler.std, [np.sqrt(8 / 3), 1.0, np.sqrt(8 / 3)])  # ddof=0
    np.testing.assert_allclose(scaler(np.array([[2.0, 6.0, 3.0]])), [[0.0, 1.0, 0.0]])


@pytest.mark.parametrize("shape", [(2, 1), (50, 4), (7, 3)])
def test_training_data_come_out_standardized(shape):
    x_train = _data(1, *shape)
    z = standardize(x_train)(x_train)
    assert z.shape == shape and z.dtype == np.float64
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-14)
    np.testing.assert_allclose(z.std(axis=0), 1.0, rtol=1e-12)


def test_matches_sklearn_standard_scaler():
    from sklearn.preprocessing import StandardScaler

    x_train, x_test = _data(0), _data(1, n=20)
    ours = standardize(x_train)
    theirs = StandardScaler().fit(x_train)
    np.testing.assert_allclose(ours.mean, theirs.mean_, rtol=1e-13)
    np.testing.assert_allclose(ours.std, theirs.scale_, rtol=1e-13)
    np.testing.assert_allclose(ours(x_test), theirs.transform(x_test), rtol=1e-12, atol=1e-13)


def test_statistics_come_from_the_training_set_only():
    x_train = _data(0)
    scaler = standardize(x_train)
    x_test = _data(1, n=30) * 100.0 + 7.0  # wildly different: would move any statistic it leaked into
    z = scaler(x_test)
    np.testing.assert_allclose(z, (x_test - x_train.mean(axis=0)) / x_train.std(axis=0), rtol=1e-12)
    assert abs(z.mean()) > 10.0  # the test set is *not* centred by its own statistics
    again = standardize(x_train)
    scaler(x_test)  # applying does not refit
    np.testing.assert_array_equal(scaler.mean, again.mean)
    np.testing.assert_array_equal(scaler.std, again.std)


def test_transform_is_call_and_returns_a_new_array():
    x_train = _data(0)
    scaler = standardize(x_train)
    before = x_train.copy()
    out = scaler.transform(x_train)
    np.testing.assert_array_equal(out, scaler(x_train))
    np.testing.assert_array_equal(x_train, before)  # input untouched
    assert not np.shares_memory(out, x_train)


@pytest.mark.parametrize("value", [0.0, 0.1, 1 / 3, 7.7, -1e5 - 0.1])
def test_constant_features_get_std_exactly_one(value):
    x_train = _data(0, n=10, d=3)
    x_train[:, 1] = value  # e.g. a border pixel that is always blank
    scaler = standardize(x_train)
    assert scaler.std[1] == 1.0
    assert scaler.mean[1] == value
    z = scaler(x_train)
    np.testing.assert_array_equal(z[:, 1], 0.0)  # only centred, exactly
    assert np.all(np.isfinite(z))
    np.testing.assert_allclose(scaler(np.full((1, 3), value + 2.0))[0, 1], 2.0)


def test_one_training_row_is_all_constant():
    scaler = standardize(np.array([[1.0, 2.0]]))
    np.testing.assert_array_equal(scaler.mean, [1.0, 2.0])
    np.testing.assert_array_equal(scaler.std, [1.0, 1.0])


def test_result_is_a_named_frozen_object_with_read_only_statistics():
    x_train = _data(0)
    scaler = standardize(x_train)
    assert isinstance(scaler, Standardizer)
    assert [f.name for f in dataclasses.fields(scaler)] == ["mean", "std"]
    assert scaler.n_features == 4 and repr(scaler) == "Standardizer(n_features=4)"
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'mean'"):
        scaler.mean = np.zeros(4)
    with pytest.raises(ValueError, match="read-only"):
        scaler.std[0] = 5.0
    x_train[:] = 0.0  # the statistics are copies, not views of the training data
    assert scaler.std.min() > 0.1


def test_standardizer_built_by_hand_copies_its_arguments():
    mean, std = np.array([1.0, 2.0]), np.array([2.0, 4.0])
    scaler = Standardizer(mean=mean, std=std)
    mean[0] = 100.0
    np.testing.assert_allclose(scaler(np.array([[3.0, 6.0]])), [[1.0, 1.0]])


@pytest.mark.parametrize(
    ("x_train", "error", "match"),
    [
        (np.zeros((4, 3), dtype=int), TypeError, "^x_train must be a floating-point array, got dtype int64"),
        (np.zeros(4), ValueError, r"^x_train must be a 2-D array, got a 1-D array of shape \(4,\)"),
        (np.zeros((0, 3)), ValueError, r"^x_train must have at least one row, got shape \(0, 3\)"),
        (np.array([[1.0, np.nan]]), ValueError, "^x_train must contain only finite values"),
        ([[1, 2]], TypeError, "^x_train must be a floating-point array"),
    ],
)
def test_standardize_bad_input(x_train, error, match):
    with pytest.raises(error, match=match):
        standardize(x_train)


@pytest.mark.parametrize(
    ("x", "error", "match"),
    [
        (np.zeros((2, 2)), ValueError, r"^x must have 3 features like the training data, got shape \(2, 2\)"),
        (np.zeros(3), ValueError, "^x must be a 2-D array, got a 1-D array"),
        (np.zeros((2, 3), dtype=np.int32), TypeError, "^x must be a floating-point array, got dtype int32"),
    ],
)
def test_transform_bad_input(x, error, match):
    scaler = standardize(_data(0, d=3))
    with pytest.raises(error, match=match):
        scaler(x)


@pytest.mark.parametrize(
    ("mean", "std", "error", "match"),
    [
        (np.zeros(2), np.ones(3), ValueError, r"^mean and std must have the same shape, got \(2,\) and \(3,\)"),
        (np.zeros(2), np.array([1.0, 0.0]), ValueError, "^std must be > 0 for every feature, got a minimum of 0.0"),
        (np.zeros((2, 2)), np.ones(2), ValueError, "^mean must be a 1-D array"),
        (np.zeros(2, dtype=int), np.ones(2), TypeError, "^mean must be a floating-point array"),
    ],
)
def test_standardizer_bad_statistics(mean, std, error, match):
    with pytest.raises(error, match=match):
        Standardizer(mean=mean, std=std)
