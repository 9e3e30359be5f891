"""Tests for :mod:`lecturelib.data`."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from lecturelib import data

TOY = {"spirals": data.make_spirals, "moons": data.make_moons, "circles": data.make_circles, "xor": data.make_xor}
TOY_NAMES = sorted(TOY)
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
    x, y = TOY[name](n_samples, rng=_rng())
    assert x.shape == (n_samples, 2) and x.dtype == np.float64
    assert y.shape == (n_samples,) and y.dtype == np.int64
    counts = np.bincount(y, minlength=N_CLASSES[name])
    assert len(counts) == N_CLASSES[name]
    assert counts.max() - counts.min() <= 1
    assert np.all(np.isfinite(x))


@pytest.mark.parametrize("n_classes", [2, 5])
def test_spirals_n_classes(n_classes):
    x, y = data.make_spirals(100, n_classes=n_classes, rng=_rng())
    assert set(np.unique(y)) == set(range(n_classes))
    assert np.all(np.linalg.norm(x, axis=1) <= 1.0 + 1e-12)  # radius r in [0, 1]


@pytest.mark.parametrize("name", TOY_NAMES)
def test_toy_determinism(name):
    x1, y1 = TOY[name](rng=_rng(3))
    x2, y2 = TOY[name](rng=_rng(3))
    x3, _ = TOY[name](rng=_rng(4))
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(x1, x3)


@pytest.mark.parametrize("name", ["moons", "circles", "xor"])
def test_zero_noise_geometry(name):
    x, y = TOY[name](40, rng=_rng(), noise=0.0, shuffle=False)
    if name == "moons":
        np.testing.assert_allclose(np.linalg.norm(x[y == 0], axis=1), 1.0)
        np.testing.assert_allclose(np.linalg.norm(x[y == 1] - [1.0, 0.5], axis=1), 1.0)
    elif name == "circles":
        np.testing.assert_allclose(np.linalg.norm(x[y == 0], axis=1), 1.0)
        np.testing.assert_allclose(np.linalg.norm(x[y == 1], axis=1), 0.5)
    else:
        np.testing.assert_array_equal(np.abs(x), 1.0)
        np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] < 0).astype(np.int64))


def test_xor_labels_follow_quadrant_for_small_noise():
    x, y = data.make_xor(400, noise=0.1, rng=_rng())
    # noise 0.1 puts a point across an axis with probability ~1e-23
    np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] < 0).astype(np.int64))


def test_shuffle_false_sorts_by_class():
    _, y = data.make_spirals(30, shuffle=False, rng=_rng())
    np.testing.assert_array_equal(y, np.repeat([0, 1, 2], 10))
    _, y = data.make_spirals(30, rng=_rng())
    assert not np.all(np.diff(y) >= 0)


def test_circles_factor_sets_the_inner_radius():
    x, y = data.make_circles(50, rng=_rng(1), factor=0.2, noise=0.0)
    np.testing.assert_allclose(np.linalg.norm(x[y == 1], axis=1), 0.2)


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
    for x, y in [(split.x_train, split.y_train), (split.x_val, split.y_val), (split.x_test, split.y_test)]:
        assert x.dtype == np.float64 and x.shape == (len(y), 64)
        assert y.dtype == np.int64 and y.ndim == 1
    assert split.n_features == 64 and split.n_classes == 10
    assert split.mean.shape == split.std.shape == (64,)
    np.testing.assert_allclose(np.array(sizes[1:]) / 1797, [0.2, 0.2], atol=1 / 1797 * 2)


def test_digits_standardized_with_training_statistics(split):
    raw = data.load_digits_split(seed=0, standardize=False)
    np.testing.assert_array_equal(raw.mean, 0.0)
    np.testing.assert_array_equal(raw.std, 1.0)
    np.testing.assert_allclose(split.mean, raw.x_train.mean(axis=0), rtol=1e-12)
    constant = raw.x_train.std(axis=0) == 0
    assert constant.any()  # digits has always-blank border pixels
    np.testing.assert_array_equal(split.std[constant], 1.0)
    np.testing.assert_allclose(split.std[~constant], raw.x_train.std(axis=0)[~constant], rtol=1e-12)
    np.testing.assert_allclose(split.x_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(split.x_train.std(axis=0)[~constant], 1.0, rtol=1e-12)
    for xs, xr in [(split.x_val, raw.x_val), (split.x_test, raw.x_test)]:
        np.testing.assert_allclose(xs, (xr - split.mean) / split.std, rtol=1e-12, atol=1e-12)
    assert np.all(np.isfinite(split.x_val)) and np.all(np.isfinite(split.x_test))


def test_digits_stratified(split):
    full = np.bincount(np.concatenate([split.y_train, split.y_val, split.y_test]), minlength=10)
    for y in (split.y_train, split.y_val, split.y_test):
        expected = full * len(y) / full.sum()
        assert np.all(np.abs(np.bincount(y, minlength=10) - expected) <= 1.0)


def test_digits_splits_do_not_overlap():
    raw = data.load_digits_split(seed=0, standardize=False)
    rows = [{r.tobytes() for r in x} for x in (raw.x_train, raw.x_val, raw.x_test)]
    # the digits set has no duplicate images across these splits
    assert not (rows[0] & rows[1]) and not (rows[0] & rows[2]) and not (rows[1] & rows[2])
    n_unique = len(rows[0] | rows[1] | rows[2])
    assert n_unique == len(rows[0]) + len(rows[1]) + len(rows[2])


def test_digits_determinism(split):
    again = data.load_digits_split(seed=0)
    other = data.load_digits_split(seed=1)
    for field in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test", "mean", "std"):
        np.testing.assert_array_equal(getattr(split, field), getattr(again, field))
    assert not np.array_equal(split.y_train, other.y_train)


def test_digits_split_is_frozen(split):
    with pytest.raises(AttributeError, match="cannot assign to field 'x_train'"):
        split.x_train = None


def test_split_repr_shows_shapes_not_numbers(split):
    assert repr(split) == "DataSplit(train=1077, val=360, test=360, n_features=64, n_classes=10)"


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


# ---------------------------------------------------------------- MNIST-1D

SMALL = {"n_samples": 200}  # 160 training (144 + 16 validation) and 40 test sequences, generated in ~0.1 s


@pytest.fixture(scope="module", autouse=True)
def _private_cache(tmp_path_factory):
    """Every test here caches in a temporary directory, never in the user's ~/.cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LECTURELIB_CACHE", str(tmp_path_factory.mktemp("lecturelib-cache")))
        data._mnist1d_arrays.cache_clear()
        yield
    data._mnist1d_arrays.cache_clear()


@pytest.fixture(scope="module")
def mnist1d():
    return data.load_mnist1d()


def _fields(split):
    return {name: getattr(split, name) for name in
            ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test", "mean", "std")}


def _assert_same_split(a, b):
    for name, value in _fields(a).items():
        np.testing.assert_array_equal(value, getattr(b, name), err_msg=name)


def _assert_same_arrays(a, b):
    for name, value in a._asdict().items():
        np.testing.assert_array_equal(value, getattr(b, name), err_msg=name)


def test_mnist1d_shapes_and_dtypes(mnist1d):
    assert (len(mnist1d.y_train), len(mnist1d.y_val), len(mnist1d.y_test)) == (3600, 400, 1000)
    for x, y in [(mnist1d.x_train, mnist1d.y_train), (mnist1d.x_val, mnist1d.y_val),
                 (mnist1d.x_test, mnist1d.y_test)]:
        assert x.dtype == np.float64 and x.shape == (len(y), 40)
        assert y.dtype == np.int64 and y.ndim == 1 and set(np.unique(y)) == set(range(10))
        assert np.all(np.isfinite(x)) and x.flags.writeable
    assert mnist1d.n_features == 40 and mnist1d.n_classes == 10
    np.testing.assert_array_equal(mnist1d.mean, np.zeros(40))
    np.testing.assert_array_equal(mnist1d.std, np.ones(40))


def test_mnist1d_is_the_generators_output_split():
    from mnist1d.data import get_dataset_args, make_dataset

    state = np.random.get_state()
    raw = make_dataset(get_dataset_args())  # the paper's settings: 5,000 sequences, seed 42
    np.random.set_state(state)
    split = data.load_mnist1d()
    np.testing.assert_array_equal(split.x_test, raw["x_test"])  # the generator's own test set
    np.testing.assert_array_equal(split.y_test, raw["y_test"])
    ours = np.concatenate([split.x_train, split.x_val])
    order = np.lexsort(ours.T), np.lexsort(raw["x"].T)  # validation is carved out of the training set
    np.testing.assert_array_equal(ours[order[0]], raw["x"][order[1]])
    np.testing.assert_array_equal(np.concatenate([split.y_train, split.y_val])[order[0]], raw["y"][order[1]])


def test_mnist1d_standard_data_set_has_not_changed():
    # Values of the standard set (seed 42) with the pinned mnist1d, numpy and
    # scipy: a new version that changes the data fails here, before any chapter.
    raw = data._mnist1d_arrays(5000, 42, True)
    assert raw.y[:12].tolist() == [2, 6, 4, 5, 6, 6, 6, 0, 3, 1, 6, 9]
    assert raw.y_test[:12].tolist() == [2, 6, 3, 9, 4, 3, 1, 9, 5, 2, 0, 7]
    assert np.bincount(raw.y).tolist() == [398, 396, 411, 394, 394, 402, 401, 404, 402, 398]
    np.testing.assert_allclose(raw.x[0, :4], [-0.3320056674, -0.4719103657, -0.7786970763, -1.0097408265],
                               atol=1e-10)
    np.testing.assert_allclose(raw.x_test[-1, -3:], [0.6598756471, 0.8777343498, 1.1931518368], atol=1e-10)


def test_mnist1d_validation_split_is_stratified_and_disjoint(mnist1d):
    counts = np.bincount(np.concatenate([mnist1d.y_train, mnist1d.y_val]), minlength=10)
    for y in (mnist1d.y_train, mnist1d.y_val):
        expected = counts * len(y) / counts.sum()
        assert np.all(np.abs(np.bincount(y, minlength=10) - expected) <= 1.0)
    train_rows = {r.tobytes() for r in mnist1d.x_train}
    assert not any(r.tobytes() in train_rows for r in mnist1d.x_val)


@pytest.mark.parametrize(("val_size", "n_val"), [(0.1, 16), (0.25, 40), (0.5, 80)])
def test_mnist1d_sizes(val_size, n_val):
    split = data.load_mnist1d(**SMALL, val_size=val_size)
    assert (len(split.y_train), len(split.y_val), len(split.y_test)) == (160 - n_val, n_val, 40)


def test_mnist1d_n_samples_ten_thousand_keeps_the_80_20_split():
    split = data.load_mnist1d(n_samples=10_000, disk_cache=False)
    assert (len(split.y_train) + len(split.y_val), len(split.y_test)) == (8000, 2000)


def test_mnist1d_determinism():
    a = data.load_mnist1d(**SMALL, seed=3)
    data._mnist1d_arrays.cache_clear()
    b = data.load_mnist1d(**SMALL, seed=3, disk_cache=False)
    _assert_same_split(a, b)
    other_split = data.load_mnist1d(**SMALL, seed=4)
    np.testing.assert_array_equal(other_split.x_test, a.x_test)  # the test set is the generator's
    assert not np.array_equal(other_split.y_train, a.y_train)
    other_data = data.load_mnist1d(**SMALL, seed=3, dataset_seed=7)
    assert not np.allclose(other_data.x_test, a.x_test)


def test_mnist1d_standardize_uses_training_statistics():
    raw = data.load_mnist1d(**SMALL)
    std = data.load_mnist1d(**SMALL, standardize=True)
    np.testing.assert_allclose(std.mean, raw.x_train.mean(axis=0), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(std.std, raw.x_train.std(axis=0), rtol=1e-12)
    np.testing.assert_allclose(std.x_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(std.x_test, (raw.x_test - std.mean) / std.std, rtol=1e-12, atol=1e-12)


def _global_states():
    return np.random.get_state(), random.getstate()


def _assert_states_equal(before, after):
    (np_before, py_before), (np_after, py_after) = before, after
    assert np_before[0] == np_after[0]
    np.testing.assert_array_equal(np_before[1], np_after[1])  # Mersenne Twister key
    assert np_before[2:] == np_after[2:]  # position, cached Gaussian
    assert py_before == py_after


def test_mnist1d_leaves_global_random_states_untouched():
    np.random.seed(123)
    random.seed(123)
    np.random.standard_normal()  # leaves a cached Gaussian in the legacy state: it must survive too
    before = _global_states()
    want = np.random.random(3), np.random.standard_normal(), random.random()
    np.random.set_state(before[0]), random.setstate(before[1])
    data._mnist1d_arrays.cache_clear()
    data.load_mnist1d(**SMALL, dataset_seed=11, disk_cache=False)  # really generates (nothing cached)
    _assert_states_equal(before, _global_states())
    got = np.random.random(3), np.random.standard_normal(), random.random()
    np.testing.assert_array_equal(got[0], want[0])
    assert got[1:] == want[1:]


def test_mnist1d_restores_global_random_states_when_the_generator_fails(monkeypatch):
    import mnist1d.data

    def failing(args):
        np.random.seed(args.seed), random.seed(args.seed)
        np.random.random(10)
        raise RuntimeError("generator failed half-way")

    monkeypatch.setattr(mnist1d.data, "make_dataset", failing)
    np.random.seed(5), random.seed(5)
    before = _global_states()
    with pytest.raises(RuntimeError, match="generator failed half-way"):
        data._generate_mnist1d(200, 13)
    _assert_states_equal(before, _global_states())


def test_mnist1d_memory_cache_equals_fresh_generation_and_is_reused(monkeypatch):
    data._mnist1d_arrays.cache_clear()
    cached = data._mnist1d_arrays(200, 42, False)
    _assert_same_arrays(cached, data._generate_mnist1d(200, 42))
    calls = []
    monkeypatch.setattr(data, "_generate_mnist1d", lambda *args: calls.append(args))
    assert data._mnist1d_arrays(200, 42, False) is cached
    data.load_mnist1d(**SMALL, disk_cache=False)
    assert calls == []


def test_mnist1d_caller_cannot_corrupt_the_cache():
    first = data.load_mnist1d(**SMALL)
    kept = _fields(first)
    kept = {name: value.copy() for name, value in kept.items()}
    for value in _fields(first).values():
        value[...] = 0
    again = data.load_mnist1d(**SMALL)
    for name, value in kept.items():
        np.testing.assert_array_equal(getattr(again, name), value, err_msg=name)
    raw = data._mnist1d_arrays(200, 42, True)
    with pytest.raises(ValueError, match="read-only"):
        raw.x[0, 0] = 1.0


def test_mnist1d_disk_cache_equals_fresh_generation(monkeypatch, tmp_path):
    monkeypatch.setenv("LECTURELIB_CACHE", str(tmp_path / "cache"))
    data._mnist1d_arrays.cache_clear()
    written = data.load_mnist1d(**SMALL)
    files = list((tmp_path / "cache").glob("mnist1d_n200_seed42_*.npz"))
    assert len(files) == 1 and files[0] == data._mnist1d_cache_file(200, 42)
    fresh = data._generate_mnist1d(200, 42)
    data._mnist1d_arrays.cache_clear()

    def no_generation(*args):
        raise AssertionError("generated although a cached file exists")

    monkeypatch.setattr(data, "_generate_mnist1d", no_generation)
    from_disk = data._mnist1d_arrays(200, 42, True)
    _assert_same_arrays(from_disk, fresh)
    assert all(not a.flags.writeable for a in from_disk)
    _assert_same_split(data.load_mnist1d(**SMALL), written)


def test_mnist1d_unreadable_cache_file_is_regenerated(monkeypatch, tmp_path):
    monkeypatch.setenv("LECTURELIB_CACHE", str(tmp_path))
    path = data._mnist1d_cache_file(200, 42)
    path.write_bytes(b"not a zip file")
    data._mnist1d_arrays.cache_clear()
    arrays = data._mnist1d_arrays(200, 42, True)
    _assert_same_arrays(arrays, data._generate_mnist1d(200, 42))
    _assert_same_arrays(data._load_cached(path), arrays)  # and the file was repaired


def test_mnist1d_unwritable_cache_directory_is_skipped(monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("LECTURELIB_CACHE", str(blocker / "cache"))  # cannot be created under a file
    data._mnist1d_arrays.cache_clear()
    split = data.load_mnist1d(**SMALL)
    assert split.x_train.shape == (144, 40)
    assert not (blocker / "cache").exists()


def test_mnist1d_cache_file_names_every_version_the_data_depend_on(monkeypatch):
    import scipy

    path = data._mnist1d_cache_file(200, 42)
    assert path.parent == data.cache_dir()
    assert data._mnist1d_cache_file(200, 43) != path
    assert data._mnist1d_cache_file(300, 42) != path
    monkeypatch.setattr(scipy, "__version__", "0.0.0")
    assert data._mnist1d_cache_file(200, 42) != path


def test_cache_dir_is_outside_the_repository(monkeypatch, tmp_path):
    monkeypatch.setenv("LECTURELIB_CACHE", str(tmp_path / "mine"))
    assert data.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("LECTURELIB_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data.cache_dir() == tmp_path / "xdg" / "lecturelib"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert data.cache_dir() == Path.home() / ".cache" / "lecturelib"
    repository = Path(data.__file__).resolve().parents[1]
    assert repository not in data.cache_dir().resolve().parents


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_samples": 90}, ValueError, "^n_samples must be >= 100, got 90"),
        ({"n_samples": 205}, ValueError, r"^n_samples must be a multiple of 10 \(equal classes\), got 205"),
        ({"n_samples": 200.0}, TypeError, "^n_samples must be an integer, got float 200.0"),
        ({"val_size": 0.0}, ValueError, "^val_size must be > 0.0, got 0.0"),
        ({"val_size": 1.0}, ValueError, "^val_size must be < 1.0, got 1.0"),
        ({"n_samples": 100, "val_size": 0.1}, ValueError,
         "^val_size must leave at least 10 training and 10 validation sequences .* of the 80, got 8"),
        ({"n_samples": 100, "val_size": 0.9}, ValueError, "^val_size must leave .* of the 80, got 72"),
        ({"seed": -1}, ValueError, "^seed must be >= 0, got -1"),
        ({"dataset_seed": 2**32}, ValueError, "^dataset_seed must be <= 4294967295, got 4294967296"),
        ({"dataset_seed": "42"}, TypeError, "^dataset_seed must be an integer, got str '42'"),
        ({"standardize": 1}, TypeError, "^standardize must be a bool, got int 1"),
        ({"disk_cache": "yes"}, TypeError, "^disk_cache must be a bool, got str 'yes'"),
    ],
)
def test_mnist1d_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        data.load_mnist1d(**kwargs)


# ---------------------------------------------------------------- stratified subsets


@pytest.mark.parametrize("n", [100, 250, 1000, 3540])
def test_stratified_subset_draws_as_many_of_each_class(mnist1d, n):
    rows = data.stratified_subset(mnist1d.y_train, n, rng=_rng(0))
    assert rows.dtype == np.int64 and len(rows) == n and len(np.unique(rows)) == n
    np.testing.assert_array_equal(np.bincount(mnist1d.y_train[rows]), [n // 10] * 10)
    assert np.all(np.diff(mnist1d.y_train[rows]) >= 0)  # grouped by class, in class order
    np.testing.assert_array_equal(data.stratified_subset(mnist1d.y_train, n, rng=_rng(0)), rows)
    if n < 3540:
        assert not np.array_equal(data.stratified_subset(mnist1d.y_train, n, rng=_rng(1)), rows)


def test_stratified_subset_is_each_class_permuted_in_turn(mnist1d):
    # the draw written out: one permutation per class, classes in order
    rng, y = _rng(3), mnist1d.y_train
    want = np.concatenate([rng.permutation(np.flatnonzero(y == c))[:25] for c in range(10)])
    np.testing.assert_array_equal(data.stratified_subset(y, 250, rng=_rng(3)), want)


@pytest.mark.parametrize(("n", "want"), [(9, [3, 3, 3]), (15, [3, 6, 6]), (16, [3, 6, 7]), (23, [3, 10, 10])])
def test_stratified_subset_spreads_a_small_class_shortfall_over_the_others(n, want):
    y = np.array([1] * 10 + [0] * 3 + [2] * 10)
    rows = data.stratified_subset(y, n, rng=_rng(0))
    np.testing.assert_array_equal(np.bincount(y[rows], minlength=3), want)


def test_stratified_subset_of_everything_is_a_permutation(mnist1d):
    rows = data.stratified_subset(mnist1d.y_train, 3600, rng=_rng(0))
    np.testing.assert_array_equal(np.sort(rows), np.arange(3600))


@pytest.mark.parametrize(("y", "n", "rng", "error", "match"), [
    (np.zeros(5, dtype=int), 0, _rng(), ValueError, "n must be >= 1, got 0"),
    (np.zeros(5, dtype=int), 6, _rng(), ValueError, "n must be <= 5, got 6"),
    (np.zeros(5, dtype=int), 2.0, _rng(), TypeError, "n must be an integer"),
    (np.zeros(5), 2, _rng(), TypeError, "y must be an integer array"),
    (np.zeros(5, dtype=int), 2, 0, TypeError, "rng must be a numpy.random.Generator"),
])
def test_stratified_subset_rejects_bad_input(y, n, rng, error, match):
    with pytest.raises(error, match=match):
        data.stratified_subset(y, n, rng=rng)


# ---------------------------------------------------------------- class_split (transfer)


def _labels_of(tasks, task, part):
    """The original labels of one split of a ClassSplit task."""
    classes = np.array(getattr(tasks, f"{task}_classes"))
    return classes[getattr(getattr(tasks, task), f"y_{part}")]


@pytest.mark.parametrize("part", ["train", "val", "test"])
def test_class_split_keeps_every_example_of_the_source_classes(mnist1d, part):
    tasks = data.class_split(mnist1d, labels_per_class=5)
    y = getattr(mnist1d, f"y_{part}")
    keep = np.isin(y, (0, 1, 2, 3, 4))
    np.testing.assert_array_equal(getattr(tasks.source, f"x_{part}"), getattr(mnist1d, f"x_{part}")[keep])
    np.testing.assert_array_equal(_labels_of(tasks, "source", part), y[keep])
    np.testing.assert_array_equal(getattr(tasks.source, f"y_{part}"), y[keep])  # 0-4 stay 0-4


@pytest.mark.parametrize("part", ["val", "test"])
def test_class_split_target_evaluation_sets_are_whole_and_remapped(mnist1d, part):
    tasks = data.class_split(mnist1d, labels_per_class=5)
    y = getattr(mnist1d, f"y_{part}")
    keep = np.isin(y, (5, 6, 7, 8, 9))
    np.testing.assert_array_equal(getattr(tasks.target, f"x_{part}"), getattr(mnist1d, f"x_{part}")[keep])
    np.testing.assert_array_equal(getattr(tasks.target, f"y_{part}"), y[keep] - 5)


@pytest.mark.parametrize("labels_per_class", [1, 5, 20, 100])
@pytest.mark.parametrize("seed", [0, 3])
def test_class_split_budget_is_stratified_drawn_from_the_target_classes(mnist1d, labels_per_class, seed):
    tasks = data.class_split(mnist1d, labels_per_class=labels_per_class, seed=seed)
    assert tasks.target.x_train.shape == (5 * labels_per_class, 40) and tasks.target.x_train.dtype == np.float64
    assert tasks.target.y_train.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(tasks.target.y_train, minlength=5), [labels_per_class] * 5)
    # every budgeted row is a training row of the data set, with its label
    rows = [np.flatnonzero((mnist1d.x_train == x).all(axis=1)) for x in tasks.target.x_train]
    assert all(len(r) == 1 for r in rows)
    rows = np.concatenate(rows)
    np.testing.assert_array_equal(mnist1d.y_train[rows], _labels_of(tasks, "target", "train"))
    assert np.all(np.diff(rows) > 0)  # distinct, in the data set's order


def test_class_split_budget_is_seeded(mnist1d):
    a, b, c = (data.class_split(mnist1d, labels_per_class=10, seed=s) for s in (4, 4, 5))
    np.testing.assert_array_equal(a.target.x_train, b.target.x_train)
    assert not np.array_equal(a.target.x_train, c.target.x_train)


def test_class_split_budget_is_the_stratified_subset_of_that_seed(mnist1d):
    tasks = data.class_split(mnist1d, labels_per_class=7, seed=2)
    keep = np.isin(mnist1d.y_train, (5, 6, 7, 8, 9))
    rows = np.sort(data.stratified_subset(mnist1d.y_train[keep], 35, rng=_rng(2)))
    np.testing.assert_array_equal(tasks.target.x_train, mnist1d.x_train[keep][rows])


def test_class_split_without_a_budget_keeps_every_target_example(mnist1d):
    tasks = data.class_split(mnist1d)
    keep = np.isin(mnist1d.y_train, (5, 6, 7, 8, 9))
    np.testing.assert_array_equal(tasks.target.x_train, mnist1d.x_train[keep])


@pytest.mark.parametrize(("source", "target"), [((9, 3), (0, 1, 2)), ([2, 4, 6, 8], np.array([1, 3]))])
def test_class_split_remaps_labels_in_the_order_given(mnist1d, source, target):
    tasks = data.class_split(mnist1d, source=source, target=target, labels_per_class=3)
    assert tasks.source_classes == tuple(source) and tasks.target_classes == tuple(int(t) for t in target)
    assert tasks.source.n_classes == len(source) and tasks.target.n_classes == len(target)
    for task in ("source", "target"):
        for part in ("train", "val", "test"):
            assert set(_labels_of(tasks, task, part)) <= set(getattr(tasks, f"{task}_classes"))
    np.testing.assert_array_equal(tasks.source.mean, mnist1d.mean)


def test_class_split_returns_copies(mnist1d):
    before = mnist1d.x_train.copy()
    tasks = data.class_split(mnist1d, labels_per_class=2)
    tasks.source.x_train[:] = 0.0
    tasks.target.x_train[:] = 0.0
    np.testing.assert_array_equal(mnist1d.x_train, before)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"source": (0, 1, 5), "target": (5, 6)}, ValueError,
     r"^source and target must not share classes, got source=\(0, 1, 5\) and target=\(5, 6\), both with \[5\]"),
    ({"source": (0, 0, 1)}, ValueError, r"^source must hold distinct classes, got \(0, 0, 1\)"),
    ({"target": (5,)}, ValueError, r"^target must hold at least two classes, got \(5,\)"),
    ({"target": (5, 10)}, ValueError, r"^target must name classes of data's training set .*with \[10\] absent"),
    ({"target": "56"}, TypeError, "^target must be a sequence of class labels, got str '56'"),
    ({"source": {0, 1}}, TypeError, "^source must be a sequence of class labels, got set"),
    ({"source": (0, 1.0)}, TypeError, r"^source\[1\] must be an integer, got float 1.0"),
    ({"labels_per_class": 0}, ValueError, "^labels_per_class must be >= 1, got 0"),
    ({"labels_per_class": 10_000}, ValueError,
     "^labels_per_class must be <= 3[0-9][0-9], the training examples of the smallest target class, got 10000"),
    ({"labels_per_class": 2.5}, TypeError, "^labels_per_class must be an integer, got float 2.5"),
    ({"seed": -1}, ValueError, "^seed must be >= 0, got -1"),
])
def test_class_split_rejects_bad_input(mnist1d, kwargs, error, match):
    with pytest.raises(error, match=match):
        data.class_split(mnist1d, **kwargs)


def test_class_split_needs_a_data_split():
    with pytest.raises(TypeError, match="^data must be a DataSplit .*, got tuple"):
        data.class_split((np.zeros((4, 2)), np.zeros(4, dtype=int)))
