"""Tests for lecturelib.random_features: minimum-norm solution, feature draw, double-descent peak, errors."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from lecturelib.random_features import (
    DoubleDescentResult,
    RandomFeatures,
    RegressionTask,
    double_descent,
    make_regression_task,
    min_norm_lstsq,
    random_relu_features,
    relu_features,
)

TASK_SEED = 42  # independent of the feature seeds 0-4
# (n, p): below, at and above the interpolation threshold p = n
SHAPES = [(40, 5), (30, 29), (25, 25), (25, 26), (10, 60)]


def _system(n, p, k=None, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, p)), rng.standard_normal((n,) if k is None else (n, k))


def _task(**kwargs):
    return make_regression_task(rng=np.random.default_rng(TASK_SEED), **kwargs)


# ------------------------------------------------------------ min_norm_lstsq


@pytest.mark.parametrize("k", [None, 3])
@pytest.mark.parametrize("n, p", SHAPES)
def test_min_norm_lstsq_equals_numpy_lstsq_and_pinv(n, p, k):
    phi, y = _system(n, p, k)
    coef = min_norm_lstsq(phi, y)
    assert coef.shape == ((p,) if k is None else (p, k))
    assert_allclose(coef, np.linalg.lstsq(phi, y, rcond=None)[0], rtol=1e-8, atol=1e-10)
    assert_allclose(coef, np.linalg.pinv(phi) @ y, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("n, p", [(40, 5), (30, 29), (25, 25)])
def test_below_the_threshold_it_is_ordinary_least_squares(n, p):
    phi, y = _system(n, p, seed=1)
    ols = np.linalg.solve(phi.T @ phi, phi.T @ y)  # the normal equations
    assert_allclose(min_norm_lstsq(phi, y), ols, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("n, p", [(25, 26), (10, 60), (5, 400)])
def test_above_the_threshold_it_interpolates_with_the_smallest_norm(n, p):
    phi, y = _system(n, p, seed=2)
    coef = min_norm_lstsq(phi, y)
    assert_allclose(phi @ coef, y, rtol=0, atol=1e-10)
    assert_allclose(coef, phi.T @ np.linalg.solve(phi @ phi.T, y), rtol=1e-8, atol=1e-10)
    null = np.linalg.svd(phi)[2][n:]  # (p - n, p), an orthonormal basis of phi's null space
    assert_allclose(null @ coef, 0.0, atol=1e-10)  # coef lies in the row space
    rng = np.random.default_rng(3)
    for _ in range(5):
        other = coef + rng.standard_normal(p - n) @ null
        assert_allclose(phi @ other, y, rtol=0, atol=1e-10)  # another interpolator ...
        assert np.linalg.norm(other) > np.linalg.norm(coef)  # ... with a larger norm
        assert_allclose(np.linalg.norm(other) ** 2,
                        np.linalg.norm(coef) ** 2 + np.linalg.norm(other - coef) ** 2, rtol=1e-10)


def test_rank_deficient_features_get_the_minimum_norm_solution():
    phi, y = _system(20, 6, seed=4)
    phi = np.hstack([phi, phi[:, :2], np.zeros((20, 1))])  # duplicated and dead columns
    coef = min_norm_lstsq(phi, y)
    assert_allclose(coef, np.linalg.lstsq(phi, y, rcond=None)[0], rtol=1e-8, atol=1e-10)
    assert_allclose(coef[:2], coef[6:8], rtol=1e-10)  # a duplicate splits the weight evenly
    assert coef[8] == 0.0


def test_rcond_drops_small_singular_values():
    u, _ = np.linalg.qr(np.random.default_rng(5).standard_normal((4, 4)))
    phi = u @ np.diag([1.0, 0.5, 1e-3, 1e-9])
    y = u[:, 2] + u[:, 3]
    assert_allclose(min_norm_lstsq(phi, y), [0.0, 0.0, 1e3, 1e9], rtol=1e-6, atol=1e-9)
    assert_allclose(min_norm_lstsq(phi, y, rcond=1e-6), [0.0, 0.0, 1e3, 0.0], atol=1e-6)
    assert_allclose(min_norm_lstsq(phi, y, rcond=1e-2), 0.0, atol=1e-12)


# ------------------------------------------------------------ features


def test_relu_features_is_relu_of_the_affine_map():
    rng = np.random.default_rng(0)
    x, weight, bias = rng.standard_normal((6, 3)), rng.standard_normal((4, 3)), rng.standard_normal(4)
    want = np.array([[max(0.0, weight[j] @ x[i] + bias[j]) for j in range(4)] for i in range(6)])
    assert_allclose(relu_features(x, weight, bias), want, rtol=1e-14)


@pytest.mark.parametrize("n, d, p", [(1, 1, 1), (7, 3, 11), (50, 10, 200)])
def test_random_relu_features_follow_the_documented_draw(n, d, p):
    x = np.random.default_rng(0).standard_normal((n, d))
    rf = random_relu_features(x, p, rng=np.random.default_rng(1))
    assert isinstance(rf, RandomFeatures)
    assert rf.features.shape == (n, p) and rf.weight.shape == (p, d) and rf.bias.shape == (p,)
    draw = np.random.default_rng(1).standard_normal((p, d + 1))
    assert_array_equal(rf.weight, draw[:, :d] / np.sqrt(d))
    assert_array_equal(rf.bias, draw[:, d])
    assert_array_equal(rf.features, relu_features(x, rf.weight, rf.bias))


def test_random_relu_features_have_variance_one_over_d_and_one():
    rf = random_relu_features(np.zeros((1, 50)), 4000, rng=np.random.default_rng(0))
    assert_allclose(rf.weight.var(), 1 / 50, rtol=0.02)
    assert_allclose(rf.bias.var(), 1.0, rtol=0.05)
    assert abs(rf.weight.mean()) < 0.003 and abs(rf.bias.mean()) < 0.05


def test_random_relu_features_are_nested_in_the_number_of_features():
    x = np.random.default_rng(0).standard_normal((9, 4))
    small = random_relu_features(x, 5, rng=np.random.default_rng(3))
    large = random_relu_features(x, 30, rng=np.random.default_rng(3))
    assert_array_equal(large.features[:, :5], small.features)
    assert_array_equal(large.weight[:5], small.weight)
    assert not np.array_equal(random_relu_features(x, 5, rng=np.random.default_rng(4)).features, small.features)


# ------------------------------------------------------------ the task


def test_make_regression_task_shapes_and_determinism():
    task = _task(n_train=30, n_test=70, dim=4)
    assert isinstance(task, RegressionTask)
    assert [a.shape for a in task] == [(30, 4), (30,), (70, 4), (70,)]
    for a, b in zip(task, _task(n_train=30, n_test=70, dim=4)):
        assert_array_equal(a, b)
    other = make_regression_task(n_train=30, n_test=70, dim=4, rng=np.random.default_rng(TASK_SEED + 1))
    assert not np.array_equal(other.y_train, task.y_train)


@pytest.mark.parametrize("signal_std", [0.5, 1.0, 2.0])
def test_the_signal_has_mean_zero_and_the_requested_std(signal_std):
    clean = _task(noise=0.0, signal_std=signal_std)
    f = np.concatenate([clean.y_train, clean.y_test])
    assert_allclose([f.mean(), f.std()], [0.0, signal_std], atol=1e-12)


@pytest.mark.parametrize("noise", [0.1, 0.5, 2.0])
def test_the_label_noise_has_the_requested_std_and_leaves_inputs_and_teacher_alone(noise):
    clean, noisy = _task(noise=0.0, n_test=4000), _task(noise=noise, n_test=4000)
    assert_array_equal(noisy.x_train, clean.x_train)
    assert_array_equal(noisy.x_test, clean.x_test)
    residual = np.concatenate([noisy.y_train - clean.y_train, noisy.y_test - clean.y_test])
    assert_allclose(residual.std(), noise, rtol=0.04)


def test_the_teacher_is_a_smooth_function_of_the_input():
    clean = _task(noise=0.0, n_train=200, n_test=1, dim=2)
    x, f = clean.x_train, clean.y_train
    near = np.linalg.norm(x[:, None] - x[None], axis=2) < 0.05
    i, j = np.nonzero(np.triu(near, 1))
    assert len(i) > 0
    assert np.all(np.abs(f[i] - f[j]) < 0.5)  # close inputs, close targets


# ------------------------------------------------------------ double descent

DD_COUNTS = [10, 25, 50, 75, 100, 125, 150, 200, 400]


@pytest.fixture(scope="module")
def default_curve():
    return double_descent(*_task(), DD_COUNTS)


def test_double_descent_returns_one_row_per_seed(default_curve):
    r = default_curve
    assert isinstance(r, DoubleDescentResult)
    assert_array_equal(r.feature_counts, DD_COUNTS)
    assert_array_equal(r.seeds, [0, 1, 2, 3, 4])
    assert r.n_train == 100
    for a in (r.train_mse, r.test_mse, r.coef_norm):
        assert a.shape == (5, len(DD_COUNTS)) and np.all(np.isfinite(a)) and np.all(a >= 0)
    assert repr(r) == f"DoubleDescentResult(n_train=100, feature_counts={DD_COUNTS}, seeds=[0, 1, 2, 3, 4])"


def test_the_median_test_error_peaks_at_the_interpolation_threshold(default_curve):
    median = np.median(default_curve.test_mse, axis=0)
    at_n = DD_COUNTS.index(100)
    assert np.argmax(median) == at_n
    assert median[at_n] > 5 * max(median[DD_COUNTS.index(50)], median[DD_COUNTS.index(150)])
    assert median[-1] < median[:at_n].min()  # the second descent ends below the first minimum


def test_the_coefficient_norm_peaks_there_too(default_curve):
    assert np.argmax(np.median(default_curve.coef_norm, axis=0)) == DD_COUNTS.index(100)


def test_train_error_falls_to_zero_above_the_threshold(default_curve):
    median = np.median(default_curve.train_mse, axis=0)
    counts = np.array(DD_COUNTS)
    assert np.all(median[counts >= 125] < 1e-20)  # interpolation
    assert np.all(median[counts <= 75] > 0.01)  # least squares, not interpolation
    assert np.all(np.diff(default_curve.train_mse[:, counts <= 100], axis=1) <= 1e-12)  # nested features


def test_double_descent_matches_a_direct_fit():
    task = _task(n_train=40, n_test=60, dim=3)
    r = double_descent(*task, [60, 7, 40], seeds=[5, 2])
    for i, seed in enumerate([5, 2]):
        for j, p in enumerate([60, 7, 40]):
            rf = random_relu_features(task.x_train, p, rng=np.random.default_rng(seed))
            coef = min_norm_lstsq(rf.features, task.y_train)
            pred = relu_features(task.x_test, rf.weight, rf.bias) @ coef
            assert_allclose(r.test_mse[i, j], np.mean((pred - task.y_test) ** 2), rtol=1e-8)
            assert_allclose(r.train_mse[i, j], np.mean((rf.features @ coef - task.y_train) ** 2),
                            rtol=1e-8, atol=1e-20)
            assert_allclose(r.coef_norm[i, j], np.linalg.norm(coef), rtol=1e-8)


def test_double_descent_is_deterministic_and_depends_on_the_seeds():
    task = _task(n_train=20, n_test=30, dim=3)
    a = double_descent(*task, [5, 20, 40], seeds=[0, 1])
    b = double_descent(*task, [5, 20, 40], seeds=np.array([0, 1]))
    c = double_descent(*task, [5, 20, 40], seeds=[1])
    assert_array_equal(a.test_mse, b.test_mse)
    assert_array_equal(c.test_mse[0], a.test_mse[1])
    assert not np.array_equal(a.test_mse[0], a.test_mse[1])


# ------------------------------------------------------------ errors

X, Y = np.zeros((5, 2)), np.zeros(5)


@pytest.mark.parametrize("call, error, match", [
    (lambda: min_norm_lstsq(np.zeros((4, 3)), np.zeros(5)), ValueError,
     r"^features and y must have the same number of rows, got shapes \(4, 3\) and \(5,\)"),
    (lambda: min_norm_lstsq(np.zeros(4), np.zeros(4)), ValueError, r"^features must be a 2-D array"),
    (lambda: min_norm_lstsq(np.zeros((4, 3)), np.zeros((4, 1, 1))), ValueError, r"^y must be a 1-D or 2-D array"),
    (lambda: min_norm_lstsq(np.zeros((0, 3)), np.zeros(0)), ValueError,
     r"^features must have at least one row and one column, got shape \(0, 3\)"),
    (lambda: min_norm_lstsq(np.ones((4, 3)), np.ones(4), rcond=-1.0), ValueError, r"^rcond must be >= 0.0, got -1.0"),
    (lambda: min_norm_lstsq(np.ones((4, 3), dtype=int), np.ones(4)), TypeError,
     r"^features must be a floating-point array, got dtype int64"),
    (lambda: relu_features(X, np.zeros((3, 4)), np.zeros(3)), ValueError,
     r"^weight must have shape \(p, 2\) to match x of shape \(5, 2\), got shape \(3, 4\)"),
    (lambda: relu_features(X, np.zeros((3, 2)), np.zeros(4)), ValueError,
     r"^bias must have shape \(3,\) to match weight of shape \(3, 2\), got shape \(4,\)"),
    (lambda: random_relu_features(X, 0, rng=np.random.default_rng(0)), ValueError, r"^n_features must be >= 1, got 0"),
    (lambda: random_relu_features(X, 2.0, rng=np.random.default_rng(0)), TypeError,
     r"^n_features must be an integer, got float 2.0"),
    (lambda: random_relu_features(X, 3, rng=0), TypeError, r"^rng must be a numpy.random.Generator"),
    (lambda: random_relu_features(np.zeros(5), 3, rng=np.random.default_rng(0)), ValueError,
     r"^x must be a 2-D array"),
    (lambda: make_regression_task(n_train=0, rng=np.random.default_rng(0)), ValueError,
     r"^n_train must be >= 1, got 0"),
    (lambda: make_regression_task(dim=0, rng=np.random.default_rng(0)), ValueError, r"^dim must be >= 1, got 0"),
    (lambda: make_regression_task(noise=-0.5, rng=np.random.default_rng(0)), ValueError,
     r"^noise must be >= 0.0, got -0.5"),
    (lambda: make_regression_task(signal_std=np.inf, rng=np.random.default_rng(0)), ValueError,
     r"^signal_std must be finite, got inf"),
    (lambda: make_regression_task(teacher_width=0, rng=np.random.default_rng(0)), ValueError,
     r"^teacher_width must be >= 1, got 0"),
    (lambda: make_regression_task(rng=np.random.RandomState(0)), TypeError, r"^rng must be a numpy.random.Generator"),
    (lambda: double_descent(X, Y, X, Y, [0, 3]), ValueError, r"^feature_counts\[0\] must be >= 1, got 0"),
    (lambda: double_descent(X, Y, X, Y, [2.5]), TypeError, r"^feature_counts\[0\] must be an integer, got float 2.5"),
    (lambda: double_descent(X, Y, X, Y, []), ValueError, r"^feature_counts must hold at least one integer, got none"),
    (lambda: double_descent(X, Y, X, Y, 10), TypeError, r"^feature_counts must be a sequence of integers, got int"),
    (lambda: double_descent(X, Y, X, Y, [3], seeds=[-1]), ValueError, r"^seeds\[0\] must be >= 0, got -1"),
    (lambda: double_descent(X, Y, X, Y, [3], seeds="0"), TypeError, r"^seeds must be a sequence of integers, got str"),
    (lambda: double_descent(X, Y[:4], X, Y, [3]), ValueError,
     r"^x_train and y_train must have the same number of rows, got shapes \(5, 2\) and \(4,\)"),
    (lambda: double_descent(X, Y, np.zeros((5, 3)), Y, [3]), ValueError,
     r"^x_test must have 2 columns like x_train, got shape \(5, 3\)"),
    (lambda: double_descent(X, Y, X[:0], Y[:0], [3]), ValueError,
     r"^x_test must hold at least one row, got shape \(0, 2\)"),
    (lambda: double_descent(X, np.zeros((5, 1)), X, Y, [3]), ValueError, r"^y_train must be a 1-D array"),
    (lambda: double_descent(X, Y, X, np.arange(5), [3]), TypeError, r"^y_test must be a floating-point array"),
])
def test_bad_input_raises(call, error, match):
    with pytest.raises(error, match=match):
        call()
