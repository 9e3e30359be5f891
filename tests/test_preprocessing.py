"""Tests for :mod:`lecturelib.preprocessing`."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from lecturelib.preprocessing import Standardizer, Whitener, pca_whiten, standardize, zca_whiten


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


# ---------------------------------------------------------------- whitening

WHITEN = {"pca": pca_whiten, "zca": zca_whiten}


def _cloud(kind, seed=0, n=4000, scale=1.0):
    """A correlated 2-D Gaussian cloud, or a random 10-D one with n >> D; not centred."""
    rng = np.random.default_rng(seed)
    if kind == "2d":
        x = rng.multivariate_normal([2.0, -1.0], [[4.0, 3.6], [3.6, 4.0]], size=n)  # correlation 0.9
    else:
        x = rng.normal(size=(n, 10)) @ rng.normal(size=(10, 10)) + rng.normal(scale=5.0, size=10)
    return x * scale


def _cov(x):
    return np.cov(x, rowvar=False, bias=True)  # ddof=0, like the library


def _eigh_decreasing(x):
    """Eigenvalues (decreasing) and eigenvectors of the covariance, computed here independently."""
    lam, u = np.linalg.eigh(_cov(x))
    return lam[::-1], u[:, ::-1]


@pytest.mark.parametrize("kind", ["2d", "10d"])
@pytest.mark.parametrize("method", ["pca", "zca"])
def test_whitened_training_data_have_zero_mean_and_identity_covariance(method, kind):
    x_train = _cloud(kind)
    z = WHITEN[method](x_train, eps=1e-12)(x_train)
    assert z.shape == x_train.shape and z.dtype == np.float64
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(_cov(z), np.eye(x_train.shape[1]), atol=1e-8)
    assert np.abs(_cov(x_train) - np.diag(np.diag(_cov(x_train)))).max() > 0.5  # the input was correlated


@pytest.mark.parametrize("scale", [1.0, 1e-3])  # at 1e-3 the variances are comparable to eps
@pytest.mark.parametrize("kind", ["2d", "10d"])
@pytest.mark.parametrize("method", ["pca", "zca"])
def test_default_eps_gives_covariance_lambda_over_lambda_plus_eps(method, kind, scale):
    x_train = _cloud(kind, scale=scale)
    lam, u = _eigh_decreasing(x_train)
    white = WHITEN[method](x_train)
    assert white.eps == 1e-5
    np.testing.assert_allclose(white.eigenvalues, lam, rtol=1e-10)
    z = white(x_train)
    in_pca_basis = _cov(z) if method == "pca" else u.T @ _cov(z) @ u  # PCA output already is in it
    expected = np.diag(lam / (lam + 1e-5))
    np.testing.assert_allclose(in_pca_basis, expected, atol=1e-10)
    if scale < 1.0:
        assert expected[-1, -1] < 0.9  # eps visibly keeps the smallest direction below unit variance


@pytest.mark.parametrize("kind", ["2d", "10d"])
def test_pca_output_variances_decrease(kind):
    x_train = _cloud(kind, scale=1e-3)
    white = pca_whiten(x_train)
    variances = white(x_train).var(axis=0)
    assert np.all(np.diff(variances) < 0.0)
    assert np.all(np.diff(white.eigenvalues) < 0.0)
    lam = white.eigenvalues
    np.testing.assert_allclose(variances, lam / (lam + white.eps), rtol=1e-9)


@pytest.mark.parametrize("kind", ["2d", "10d"])
def test_pca_matches_sklearn_pca_whiten(kind):
    from sklearn.decomposition import PCA

    x_train, x_test = _cloud(kind), _cloud(kind, seed=1, n=50)
    n = len(x_train)
    ours = pca_whiten(x_train, eps=1e-14)
    theirs = PCA(whiten=True, svd_solver="full").fit(x_train)
    np.testing.assert_allclose(ours.mean, theirs.mean_, rtol=1e-12)
    np.testing.assert_allclose(ours.eigenvalues, theirs.explained_variance_ * (n - 1) / n, rtol=1e-10)
    # scikit-learn divides by the ddof=1 standard deviation; the row signs follow the same rule
    np.testing.assert_allclose(ours(x_test), theirs.transform(x_test) * np.sqrt(n / (n - 1)), atol=1e-9)


@pytest.mark.parametrize("kind", ["2d", "10d"])
def test_pca_rows_have_their_largest_entry_positive(kind):
    matrix = pca_whiten(_cloud(kind)).matrix
    rows = np.arange(len(matrix))
    assert np.all(matrix[rows, np.argmax(np.abs(matrix), axis=1)] > 0.0)


@pytest.mark.parametrize("kind", ["2d", "10d"])
def test_zca_matrix_is_symmetric(kind):
    matrix = zca_whiten(_cloud(kind)).matrix
    np.testing.assert_array_equal(matrix, matrix.T)
    assert not np.allclose(pca_whiten(_cloud(kind)).matrix, pca_whiten(_cloud(kind)).matrix.T)


@pytest.mark.parametrize("eps", [1e-12, 1e-5, 1.0])
@pytest.mark.parametrize("kind", ["2d", "10d"])
def test_pca_and_zca_differ_by_the_eigenvector_rotation(kind, eps):
    x_train = _cloud(kind)
    pca, zca = pca_whiten(x_train, eps=eps), zca_whiten(x_train, eps=eps)
    np.testing.assert_array_equal(pca.eigenvalues, zca.eigenvalues)
    np.testing.assert_array_equal(pca.mean, zca.mean)
    u = (np.sqrt(pca.eigenvalues + eps)[:, None] * pca.matrix).T  # W_pca = diag(1/sqrt(lambda + eps)) U^T
    np.testing.assert_allclose(u.T @ u, np.eye(len(u)), atol=1e-12)  # orthogonal
    _, u_here = _eigh_decreasing(x_train)
    np.testing.assert_allclose(np.abs(u_here.T @ u), np.eye(len(u)), atol=1e-9)  # same axes up to sign
    np.testing.assert_allclose(zca.matrix, u @ pca.matrix, atol=1e-12)
    np.testing.assert_allclose(zca(x_train), pca(x_train) @ u.T, atol=1e-10)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_zca_output_is_the_whitening_closest_to_the_centred_input(seed):
    x_train = _cloud("2d", seed=seed)
    centred = x_train - x_train.mean(axis=0)
    pca, zca = pca_whiten(x_train), zca_whiten(x_train)

    def distance(z):
        return np.mean(np.sum((z - centred) ** 2, axis=1))

    assert distance(zca(x_train)) < distance(pca(x_train)) - 0.1
    rng = np.random.default_rng(seed)
    for _ in range(20):  # any other whitening is a rotation Q W_zca and lands farther away
        q, _ = np.linalg.qr(rng.normal(size=(2, 2)))
        assert distance(zca(x_train) @ q.T) > distance(zca(x_train))


@pytest.mark.parametrize("method", ["pca", "zca"])
def test_whitening_statistics_come_from_the_training_set_only(method):
    x_train = _cloud("10d")
    white = WHITEN[method](x_train)
    before = {name: np.array(getattr(white, name)) for name in ("mean", "matrix", "eigenvalues")}
    x_val = _cloud("10d", seed=1, n=300) * 3.0 + 7.0  # another distribution: would move any leaked statistic
    z_val = white(x_val)
    white(_cloud("10d", seed=2, n=50) - 100.0)  # and a third set
    for name, value in before.items():
        np.testing.assert_array_equal(getattr(white, name), value)  # applying does not refit
    again = WHITEN[method](x_train)
    np.testing.assert_array_equal(again.matrix, white.matrix)  # the fit depends on x_train alone
    mean, lam = x_train.mean(axis=0), _eigh_decreasing(x_train)[0]
    np.testing.assert_allclose(white.mean, mean, rtol=1e-12)
    np.testing.assert_allclose(white.eigenvalues, lam, rtol=1e-10)
    np.testing.assert_allclose(z_val, (x_val - mean) @ white.matrix.T, rtol=1e-12)
    assert np.abs(_cov(z_val) - np.eye(10)).max() > 1.0  # x_val is *not* whitened by its own statistics


@pytest.mark.parametrize("eps", [1e-12, 1e-5])
@pytest.mark.parametrize("value", [0.0, 0.1, 7.7])
@pytest.mark.parametrize("method", ["pca", "zca"])
def test_constant_feature_stays_finite_thanks_to_eps(method, value, eps):
    x_train = _cloud("10d", n=500)
    x_train[:, 3] = value  # e.g. a border pixel that is always blank
    white = WHITEN[method](x_train, eps=eps)
    lam = white.eigenvalues
    assert 0.0 <= lam[-1] < 1e-13 * lam[0]  # zero up to eigh's rounding
    assert white.mean[3] == value  # so the constant column is centred to exactly 0
    z = white(x_train)
    assert np.all(np.isfinite(white.matrix)) and np.all(np.isfinite(z))
    np.testing.assert_array_equal(z, (x_train - white.mean) @ white.matrix.T)
    # the (near-)zero-variance direction is amplified by 1/sqrt(lambda_min + eps) <= 1/sqrt(eps), and no more
    gain = 1.0 / np.sqrt(lam[-1] + eps)
    assert gain <= 1.0 / np.sqrt(eps)
    np.testing.assert_allclose(np.linalg.norm(white.matrix, 2), gain, rtol=1e-9)
    x_new = np.array(x_train[:1])
    x_new[0, 3] = value + 1.0  # one unit off the training subspace, along that direction
    np.testing.assert_allclose(np.linalg.norm(white(x_new) - z[:1]), gain, rtol=1e-6)
    if eps == 1e-5:  # the other nine directions are whitened, this one is not
        np.testing.assert_allclose(np.sort(np.linalg.eigvalsh(_cov(z)))[::-1], lam / (lam + eps), atol=1e-9)


@pytest.mark.parametrize("method", ["pca", "zca"])
def test_duplicated_feature_is_rank_deficient_but_finite(method):
    x_train = _cloud("10d", n=500)
    x_train[:, 9] = x_train[:, 0] - 2.0 * x_train[:, 1]  # an exact linear combination, up to rounding
    white = WHITEN[method](x_train)
    lam, _ = _eigh_decreasing(x_train)
    assert white.eigenvalues[-1] < 1e-12 * white.eigenvalues[0]
    assert np.all(white.eigenvalues >= 0.0)  # rounding below zero is clipped
    z = white(x_train)
    assert np.all(np.isfinite(z))
    assert np.linalg.norm(white.matrix, 2) <= 1.0 / np.sqrt(white.eps)
    np.testing.assert_allclose(np.trace(_cov(z)), np.sum(np.maximum(lam, 0.0) / (np.maximum(lam, 0.0) + 1e-5)),
                               atol=1e-9)  # nine whitened directions, one ~0
    assert 8.99 < np.trace(_cov(z)) < 9.0


def test_digits_zca_is_finite_and_caps_the_amplification():
    from lecturelib import data

    split = data.load_digits_split(seed=0)
    white = zca_whiten(split.x_train)
    assert white.n_features == 64
    assert all(np.all(np.isfinite(white(x))) for x in (split.x_train, split.x_val, split.x_test))
    constant = split.x_train.max(axis=0) == split.x_train.min(axis=0)  # blank border pixels
    assert constant.sum() >= 1
    np.testing.assert_allclose(white.eigenvalues[-constant.sum():], 0.0, atol=1e-15)
    np.testing.assert_allclose(1.0 / np.sqrt(white.eigenvalues[-1] + white.eps), 1.0 / np.sqrt(1e-5), rtol=1e-9)
    assert np.diag(_cov(white(split.x_train))).max() <= 1.0


@pytest.mark.parametrize("method", ["pca", "zca"])
def test_whitening_accepts_float32_and_returns_float64(method):
    x_train = _cloud("2d", n=200)
    white = WHITEN[method](x_train.astype(np.float32))
    assert white.matrix.dtype == np.float64 and white(x_train.astype(np.float32)).dtype == np.float64
    np.testing.assert_allclose(white.matrix, WHITEN[method](x_train).matrix, rtol=1e-5)


@pytest.mark.parametrize("method", ["pca", "zca"])
def test_whitener_is_a_named_frozen_object_with_read_only_statistics(method):
    x_train = _cloud("2d", n=100)
    white = WHITEN[method](x_train)
    assert isinstance(white, Whitener)
    assert [f.name for f in dataclasses.fields(white)] == ["mean", "matrix", "eigenvalues", "method", "eps"]
    assert white.method == method and white.n_features == 2
    assert repr(white) == f"Whitener(method='{method}', n_features=2, eps=1e-05)"
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'matrix'"):
        white.matrix = np.eye(2)
    for name in ("mean", "matrix", "eigenvalues"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(white, name)[0] = 5.0
    mean = np.array(white.mean)
    x_train[:] = 0.0  # the statistics are copies, not views of the training data
    np.testing.assert_array_equal(white.mean, mean)
    out = white.transform(x_train)
    np.testing.assert_array_equal(out, white(x_train))
    assert not np.shares_memory(out, x_train)


def test_whitener_built_by_hand_copies_its_arguments():
    mean, matrix = np.array([1.0, 0.0]), np.array([[0.5, 0.0], [0.0, 2.0]])
    white = Whitener(mean=mean, matrix=matrix, eigenvalues=np.array([4.0, 0.25]), method="pca", eps=1e-5)
    mean[0], matrix[0, 0] = 100.0, 100.0
    np.testing.assert_allclose(white(np.array([[3.0, 1.0]])), [[1.0, 2.0]])


@pytest.mark.parametrize("method", ["pca", "zca"])
@pytest.mark.parametrize(
    ("x_train", "eps", "error", "match"),
    [
        (np.zeros((4, 2)), 0.0, ValueError, "^eps must be > 0.0, got 0.0"),
        (np.zeros((4, 2)), -1e-5, ValueError, "^eps must be > 0.0, got -1e-05"),
        (np.zeros((4, 2)), np.inf, ValueError, "^eps must be finite, got inf"),
        (np.zeros((4, 2)), "1e-5", TypeError, "^eps must be a real number, got str '1e-5'"),
        (np.zeros((4, 2)), None, TypeError, "^eps must be a real number, got NoneType None"),
        (np.zeros((4, 2)), True, TypeError, "^eps must be a real number, got bool True"),
        (np.zeros((1, 3)), 1e-5, ValueError,
         r"^x_train must have at least 2 rows to estimate a covariance, got shape \(1, 3\)"),
        (np.zeros((0, 3)), 1e-5, ValueError, r"^x_train must have at least 2 rows .*got shape \(0, 3\)"),
        (np.zeros(4), 1e-5, ValueError, r"^x_train must be a 2-D array, got a 1-D array of shape \(4,\)"),
        (np.zeros((4, 3), dtype=int), 1e-5, TypeError, "^x_train must be a floating-point array, got dtype int64"),
        (np.array([[1.0, np.nan], [0.0, 0.0]]), 1e-5, ValueError, "^x_train must contain only finite values"),
    ],
)
def test_whiten_bad_input(method, x_train, eps, error, match):
    with pytest.raises(error, match=match):
        WHITEN[method](x_train, eps=eps)


@pytest.mark.parametrize("method", ["pca", "zca"])
@pytest.mark.parametrize(
    ("x", "error", "match"),
    [
        (np.zeros((5, 3)), ValueError, r"^x must have shape \(\*, 2\) like the training data, got shape \(5, 3\)"),
        (np.zeros(2), ValueError, r"^x must be a 2-D array, got a 1-D array of shape \(2,\)"),
        (np.zeros((5, 2), dtype=np.int32), TypeError, "^x must be a floating-point array, got dtype int32"),
    ],
)
def test_whitener_transform_bad_input(method, x, error, match):
    white = WHITEN[method](_cloud("2d", n=100))
    with pytest.raises(error, match=match):
        white(x)


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"matrix": np.eye(3)}, ValueError, r"^matrix must have shape \(2, 2\) to match mean, got shape \(3, 3\)"),
        ({"eigenvalues": np.ones(3)}, ValueError,
         r"^eigenvalues must have shape \(2,\) to match mean, got shape \(3,\)"),
        ({"eigenvalues": np.array([1.0, 2.0])}, ValueError,
         "^eigenvalues must be in decreasing order, got 1.0 before 2.0"),
        ({"eigenvalues": np.array([1.0, -0.5])}, ValueError, "^eigenvalues must be >= 0, got a minimum of -0.5"),
        ({"method": "pcaa"}, ValueError, r"^method must be one of \['pca', 'zca'\], got 'pcaa'"),
        ({"eps": 0.0}, ValueError, "^eps must be > 0.0, got 0.0"),
        ({"mean": np.zeros((2, 2))}, ValueError, "^mean must be a 1-D array"),
        ({"matrix": np.eye(2, dtype=int)}, TypeError, "^matrix must be a floating-point array"),
    ],
)
def test_whitener_bad_statistics(changes, error, match):
    good = {"mean": np.zeros(2), "matrix": np.eye(2), "eigenvalues": np.array([2.0, 1.0]),
            "method": "pca", "eps": 1e-5}
    with pytest.raises(error, match=match):
        Whitener(**{**good, **changes})
