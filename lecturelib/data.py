"""Small data sets that need no download.

* 2-D toy problems for decision-boundary pictures: :func:`make_spirals`,
  :func:`make_moons`, :func:`make_circles`, :func:`make_xor`.  Each returns
  inputs ``x`` of shape ``(n_samples, 2)`` (``float64``) and labels ``y`` of
  shape ``(n_samples,)`` (``int64``), with classes as balanced as
  ``n_samples`` allows (counts differ by at most one).
* :func:`load_digits_split`: scikit-learn's bundled 8x8 digits, split into
  stratified train/validation/test sets and standardised with training
  statistics (:func:`lecturelib.preprocessing.standardize`).
* :func:`load_mnist1d`: MNIST-1D (Greydanus, 2020), 40-point sequences of
  10 classes, generated locally by the ``mnist1d`` package; the same
  :class:`DataSplit` as the digits.
* :func:`class_split`: a source task and a target task on disjoint classes of
  one data set, the target with a budget of labels per class (transfer
  learning, Chapter 7).

Randomness comes only through ``rng`` (:class:`numpy.random.Generator`) or an
explicit ``seed``; NumPy's and Python's global generators are left as they
were found.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import random
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import preprocessing
from ._validation import as_labels, check_int, check_number, check_rng

__all__ = [
    "make_spirals",
    "make_moons",
    "make_circles",
    "make_xor",
    "DataSplit",
    "load_digits_split",
    "load_mnist1d",
    "stratified_subset",
    "cache_dir",
    "ClassSplit",
    "class_split",
]


def _class_sizes(n_samples: int, n_groups: int) -> list[int]:
    """Split ``n_samples`` into ``n_groups`` sizes differing by at most one."""
    return [n_samples // n_groups + (1 if k < n_samples % n_groups else 0) for k in range(n_groups)]


def _finish(x: np.ndarray, y: np.ndarray, shuffle: bool, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    if shuffle:
        order = rng.permutation(len(y))
        x, y = x[order], y[order]
    return np.ascontiguousarray(x, dtype=np.float64), np.ascontiguousarray(y, dtype=np.int64)


def make_spirals(
    n_samples: int = 300,
    *,
    n_classes: int = 3,
    noise: float = 0.2,
    shuffle: bool = True,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Interleaved spiral arms, one per class (the CS231n toy problem).

    Point :math:`i` of class :math:`k` (of :math:`m` points) lies at

    .. math::
        r_i = \frac{i}{m - 1}, \qquad
        t_i = 4k + 4 r_i + \varepsilon_i, \quad \varepsilon_i \sim \mathcal{N}(0, \text{noise}^2),
        \qquad x_i = (r_i \sin t_i,\; r_i \cos t_i),

    so ``noise`` jitters the *angle* (in radians), not the coordinates.

    Parameters
    ----------
    n_samples : int, default 300
        Total number of points, ``>= n_classes``.
    n_classes : int, default 3
        Number of arms, ``>= 2``.
    noise : float, default 0.2
        Standard deviation of the angle noise, ``>= 0``.
    shuffle : bool, default True
        Shuffle the rows (otherwise they are sorted by class).
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    x : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64
        Labels in ``[0, n_classes)``.

    References
    ----------
    Karpathy, A. (2016). CS231n: Convolutional Neural Networks for Visual
    Recognition, course notes "Putting it together: minimal neural network
    case study". Stanford University.

    Examples
    --------
    >>> x, y = make_spirals(300, rng=np.random.default_rng(0))
    >>> x.shape, np.bincount(y).tolist()
    ((300, 2), [100, 100, 100])
    """
    n_classes = check_int(n_classes, "n_classes", low=2)
    n_samples = check_int(n_samples, "n_samples", low=n_classes)
    noise = check_number(noise, "noise", low=0.0)
    rng = check_rng(rng)
    x_parts, y_parts = [], []
    for k, m in enumerate(_class_sizes(n_samples, n_classes)):
        r = np.linspace(0.0, 1.0, m)
        t = 4.0 * k + 4.0 * r + noise * rng.standard_normal(m)
        x_parts.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        y_parts.append(np.full(m, k))
    return _finish(np.concatenate(x_parts), np.concatenate(y_parts), shuffle, rng)


def make_moons(
    n_samples: int = 200, *, noise: float = 0.1, shuffle: bool = True, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    r"""Two interleaving half circles (as :func:`sklearn.datasets.make_moons`).

    .. math::
        \text{class 0: } (\cos s, \sin s), \qquad
        \text{class 1: } (1 - \cos s, \tfrac12 - \sin s), \qquad s \in [0, \pi],

    plus Gaussian noise :math:`\mathcal{N}(0, \text{noise}^2 I)` on the coordinates.

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points, ``>= 2``.
    noise : float, default 0.1
        Standard deviation of the coordinate noise, ``>= 0``.
    shuffle : bool, default True
        Shuffle the rows.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    x : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64
        Labels in ``{0, 1}``.

    Examples
    --------
    >>> x, y = make_moons(200, rng=np.random.default_rng(0))
    >>> np.bincount(y).tolist()
    [100, 100]
    """
    n_samples = check_int(n_samples, "n_samples", low=2)
    noise = check_number(noise, "noise", low=0.0)
    rng = check_rng(rng)
    n0, n1 = _class_sizes(n_samples, 2)
    s0, s1 = np.linspace(0.0, np.pi, n0), np.linspace(0.0, np.pi, n1)
    x = np.concatenate([
        np.column_stack([np.cos(s0), np.sin(s0)]),
        np.column_stack([1.0 - np.cos(s1), 0.5 - np.sin(s1)]),
    ])
    y = np.repeat([0, 1], [n0, n1])
    x = x + noise * rng.standard_normal(x.shape)
    return _finish(x, y, shuffle, rng)


def make_circles(
    n_samples: int = 200,
    *,
    noise: float = 0.05,
    factor: float = 0.5,
    shuffle: bool = True,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    r"""A small circle inside a large one (as :func:`sklearn.datasets.make_circles`).

    .. math::
        \text{class 0: } (\cos s, \sin s), \qquad
        \text{class 1: } \text{factor}\,(\cos s, \sin s), \qquad s \in [0, 2\pi),

    plus Gaussian noise :math:`\mathcal{N}(0, \text{noise}^2 I)` on the coordinates.

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points, ``>= 2``.
    noise : float, default 0.05
        Standard deviation of the coordinate noise, ``>= 0``.
    factor : float, default 0.5
        Radius of the inner circle relative to the outer one, in ``[0, 1)``.
    shuffle : bool, default True
        Shuffle the rows.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    x : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64
        0 for the outer circle, 1 for the inner one.

    Examples
    --------
    >>> x, y = make_circles(200, rng=np.random.default_rng(0))
    >>> x.shape
    (200, 2)
    """
    n_samples = check_int(n_samples, "n_samples", low=2)
    noise = check_number(noise, "noise", low=0.0)
    factor = check_number(factor, "factor", low=0.0, high=1.0, high_inclusive=False)
    rng = check_rng(rng)
    n0, n1 = _class_sizes(n_samples, 2)
    s0 = np.linspace(0.0, 2 * np.pi, n0, endpoint=False)
    s1 = np.linspace(0.0, 2 * np.pi, n1, endpoint=False)
    x = np.concatenate([
        np.column_stack([np.cos(s0), np.sin(s0)]),
        factor * np.column_stack([np.cos(s1), np.sin(s1)]),
    ])
    y = np.repeat([0, 1], [n0, n1])
    x = x + noise * rng.standard_normal(x.shape)
    return _finish(x, y, shuffle, rng)


def make_xor(
    n_samples: int = 200, *, noise: float = 0.1, shuffle: bool = True, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    r"""Four Gaussian blobs at :math:`(\pm 1, \pm 1)` labelled by XOR.

    .. math::
        x \sim \mathcal{N}(c, \text{noise}^2 I), \quad c \in \{-1, 1\}^2, \qquad
        y = \begin{cases} 1 & c_1 c_2 = -1 \\ 0 & c_1 c_2 = +1 \end{cases}

    i.e. ``y = 1`` where exactly one coordinate of the centre is positive.  No
    linear classifier separates the classes.

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points, ``>= 4`` (one per blob); split over the blobs
        so that the two classes differ by at most one point.
    noise : float, default 0.1
        Standard deviation of each blob, ``>= 0``.
    shuffle : bool, default True
        Shuffle the rows.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    x : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64
        Labels in ``{0, 1}``.

    References
    ----------
    Minsky, M. and Papert, S. (1969). *Perceptrons*. MIT Press.

    Examples
    --------
    >>> x, y = make_xor(200, rng=np.random.default_rng(0))
    >>> np.bincount(y).tolist()
    [100, 100]
    """
    n_samples = check_int(n_samples, "n_samples", low=4)
    noise = check_number(noise, "noise", low=0.0)
    rng = check_rng(rng)
    # blobs alternate between the classes so that uneven sizes stay balanced
    centers = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0], [-1.0, 1.0]])
    sizes = _class_sizes(n_samples, len(centers))
    x = np.repeat(centers, sizes, axis=0) + noise * rng.standard_normal((n_samples, 2))
    y = np.repeat((centers[:, 0] * centers[:, 1] < 0).astype(np.int64), sizes)
    return _finish(x, y, shuffle, rng)


@dataclass(frozen=True, eq=False)  # eq on arrays is ambiguous
class DataSplit:
    """Train / validation / test arrays plus the standardisation statistics.

    Attributes
    ----------
    x_train, x_val, x_test : ndarray of shape (n, n_features), float64
    y_train, y_val, y_test : ndarray of shape (n,), int64
    mean, std : ndarray of shape (n_features,), float64
        Statistics of the *training* inputs that were applied to every split,
        ``x = (x_raw - mean) / std`` (see
        :func:`lecturelib.preprocessing.standardize`).  Without
        standardisation they are zeros and ones.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    mean: np.ndarray
    std: np.ndarray

    @property
    def n_features(self) -> int:
        """Number of input features."""
        return int(self.x_train.shape[1])

    @property
    def n_classes(self) -> int:
        """Number of classes (largest label over all splits, plus one)."""
        return int(max(self.y_train.max(), self.y_val.max(), self.y_test.max())) + 1

    def __repr__(self) -> str:  # sizes, not thousands of numbers
        return (f"DataSplit(train={len(self.y_train)}, val={len(self.y_val)}, test={len(self.y_test)}, "
                f"n_features={self.n_features}, n_classes={self.n_classes})")


def _check_fraction(value: float, name: str) -> float:
    return check_number(value, name, low=0.0, low_inclusive=False, high=1.0, high_inclusive=False)


def _check_bool(value: bool, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__} {value!r}")
    return value


def _make_split(
    x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
    x_test: np.ndarray, y_test: np.ndarray, *, standardize: bool,
) -> DataSplit:
    """Fresh float64/int64 copies of every split, standardised with training statistics if asked."""
    if standardize:
        scaler = preprocessing.standardize(x_train)
        mean, std = np.array(scaler.mean), np.array(scaler.std)
        x_train, x_val, x_test = scaler(x_train), scaler(x_val), scaler(x_test)
    else:
        mean, std = np.zeros(x_train.shape[1]), np.ones(x_train.shape[1])
    xs = [np.array(x, dtype=np.float64) for x in (x_train, x_val, x_test)]
    ys = [np.array(y, dtype=np.int64) for y in (y_train, y_val, y_test)]
    return DataSplit(xs[0], ys[0], xs[1], ys[1], xs[2], ys[2], mean, std)


def stratified_subset(y: np.ndarray, n: int, *, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``n`` entries of ``y``, as equally many of each class as the classes hold.

    With ``K`` classes, each class gives ``n // K`` entries when ``n`` is a
    multiple of ``K`` and every class holds that many. A class that holds
    fewer gives all it has and the other classes make up the difference;
    the remainder of ``n / K`` goes to the largest classes. Within a class
    the entries are the first of a random permutation drawn by ``rng``, so a
    smaller subset drawn with the same seed is *not* in general part of a
    larger one.

    Parameters
    ----------
    y : ndarray of int, shape (N,)
        Class indices.
    n : int
        Number of indices to draw, ``1 <= n <= N``.
    rng : numpy.random.Generator
        The only source of randomness; one permutation per class, in the
        order of the classes.

    Returns
    -------
    ndarray of int64, shape (n,)
        Distinct indices into ``y``, grouped by class: all of the smallest
        class label's first, then the next class's, and so on (sort them
        if the order matters).

    Examples
    --------
    >>> y = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    >>> rows = stratified_subset(y, 6, rng=np.random.default_rng(0))
    >>> np.bincount(y[rows])
    array([2, 2, 2])
    """
    y = as_labels(y, "y")
    n = check_int(n, "n", low=1, high=len(y))
    rng = check_rng(rng)
    classes, available = np.unique(y, return_counts=True)
    counts = np.zeros_like(available)
    left = n
    for i, k in enumerate(np.argsort(available, kind="stable")):  # the smallest class first
        counts[k] = min(available[k], left // (len(classes) - i))
        left -= counts[k]
    return np.concatenate([rng.permutation(np.flatnonzero(y == c))[:m]
                           for c, m in zip(classes, counts)]).astype(np.int64)


def load_digits_split(
    *, val_size: float = 0.2, test_size: float = 0.2, standardize: bool = True, seed: int = 0
) -> DataSplit:
    """Scikit-learn's 8x8 digits, split into stratified train/val/test sets.

    The 1,797 images (pixel values 0-16, flattened to 64 features, 10
    classes) ship with scikit-learn, so nothing is downloaded.  The test set
    is split off first, then the validation set from the rest; both splits are
    stratified by label and seeded.  With ``standardize=True`` every split is
    transformed with the training mean and standard deviation (see
    :func:`lecturelib.preprocessing.standardize`; features constant on the
    training set get std 1).

    Parameters
    ----------
    val_size : float, default 0.2
        Fraction of *all* samples used for validation, in ``(0, 1)``.
    test_size : float, default 0.2
        Fraction of all samples used for testing, in ``(0, 1)``;
        ``val_size + test_size < 1``.
    standardize : bool, default True
        Standardise features with training statistics.
    seed : int, default 0
        Seed of the split, in ``[0, 2**32 - 1]``.

    Returns
    -------
    DataSplit
        ``x_*`` of shape ``(n, 64)`` (float64), ``y_*`` of shape ``(n,)``
        (int64), and ``mean``, ``std`` of shape ``(64,)``.

    References
    ----------
    Alpaydin, E. and Kaynak, C. (1998). Optical Recognition of Handwritten
    Digits. UCI Machine Learning Repository.

    Examples
    --------
    >>> split = load_digits_split(seed=0)
    >>> split
    DataSplit(train=1077, val=360, test=360, n_features=64, n_classes=10)
    """
    val_size = _check_fraction(val_size, "val_size")
    test_size = _check_fraction(test_size, "test_size")
    if val_size + test_size >= 1.0:
        raise ValueError(
            f"val_size + test_size must be < 1, got {val_size} + {test_size} = {val_size + test_size}"
        )
    standardize = _check_bool(standardize, "standardize")
    seed = check_int(seed, "seed", low=0, high=2**32 - 1)

    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x_rest, x_test, y_rest, y_test = train_test_split(
        x, y, test_size=test_size, stratify=y, random_state=seed
    )
    x_train, x_val, y_train, y_val = train_test_split(
        x_rest, y_rest, test_size=val_size / (1.0 - test_size), stratify=y_rest, random_state=seed
    )
    return _make_split(x_train, y_train, x_val, y_val, x_test, y_test, standardize=standardize)


# ---------------------------------------------------------------- MNIST-1D

#: Share of the generated sequences that ``mnist1d`` puts in the training set
#: (the rest, taken from the end, is the test set), as in Greydanus (2020).
MNIST1D_TRAIN_SPLIT = 0.8
MNIST1D_N_CLASSES = 10


class _Mnist1dArrays(NamedTuple):
    """What ``mnist1d.data.make_dataset`` returns, as read-only arrays."""

    x: np.ndarray  # (n_train, 40) float64
    y: np.ndarray  # (n_train,) int64
    x_test: np.ndarray  # (n_test, 40) float64
    y_test: np.ndarray  # (n_test,) int64


def _mnist1d_args(n_samples: int, dataset_seed: int):
    """mnist1d's standard arguments with our sample count and seed (its download URL removed)."""
    from mnist1d.data import get_dataset_args

    args = get_dataset_args()
    args.num_samples, args.seed, args.train_split = n_samples, dataset_seed, MNIST1D_TRAIN_SPLIT
    del args.url  # generated here, never downloaded
    return args


def _generate_mnist1d(n_samples: int, dataset_seed: int) -> _Mnist1dArrays:
    """Run ``mnist1d.data.make_dataset``, leaving NumPy's and Python's global RNG states as found.

    ``make_dataset`` calls ``random.seed`` and ``np.random.seed`` and then
    draws from both global generators; their states are saved before and
    restored after, also when it raises.
    """
    try:
        from mnist1d.data import make_dataset
    except ImportError as error:  # pragma: no cover - mnist1d is a pinned dependency
        raise ImportError("load_mnist1d needs the mnist1d package: pip install mnist1d") from error
    args = _mnist1d_args(n_samples, dataset_seed)
    numpy_state, python_state = np.random.get_state(), random.getstate()
    try:
        raw = make_dataset(args)
    finally:
        np.random.set_state(numpy_state)
        random.setstate(python_state)
    return _read_only(_Mnist1dArrays(raw["x"], raw["y"], raw["x_test"], raw["y_test"]))


def _read_only(arrays: _Mnist1dArrays) -> _Mnist1dArrays:
    out = []
    for name, value in zip(arrays._fields, arrays):
        value = np.array(value, dtype=np.float64 if name.startswith("x") else np.int64)
        value.flags.writeable = False
        out.append(value)
    return _Mnist1dArrays(*out)


def cache_dir() -> Path:
    """Directory of lecturelib's disk cache (generated data sets).

    ``$LECTURELIB_CACHE`` if set, else ``$XDG_CACHE_HOME/lecturelib``, else
    ``~/.cache/lecturelib``: outside the repository, so that a cached file
    never shows up in git.  The directory is created on the first write.
    """
    if os.environ.get("LECTURELIB_CACHE"):
        return Path(os.environ["LECTURELIB_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "lecturelib"


def _mnist1d_cache_file(n_samples: int, dataset_seed: int) -> Path:
    """Cache file name: the arguments and every version the generated numbers depend on."""
    import importlib.metadata

    import scipy

    args = vars(_mnist1d_args(n_samples, dataset_seed))
    key = json.dumps({
        "args": args, "mnist1d": importlib.metadata.version("mnist1d"),
        "numpy": np.__version__, "scipy": scipy.__version__,
    }, sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir() / f"mnist1d_n{n_samples}_seed{dataset_seed}_{digest}.npz"


def _load_cached(path: Path) -> _Mnist1dArrays | None:
    """The arrays stored at ``path``, or ``None`` if it is missing or unreadable."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            return _read_only(_Mnist1dArrays(*(stored[name] for name in _Mnist1dArrays._fields)))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None


def _store_cached(path: Path, arrays: _Mnist1dArrays) -> None:
    """Write ``arrays`` to ``path`` atomically; skip quietly if the disk is not writable."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as tmp:
            np.savez(tmp, **arrays._asdict())
        os.replace(tmp.name, path)  # readers never see a half-written file
    except OSError:
        return


@functools.lru_cache(maxsize=8)
def _mnist1d_arrays(n_samples: int, dataset_seed: int, disk_cache: bool) -> _Mnist1dArrays:
    """Generated MNIST-1D, cached in memory (and on disk if ``disk_cache``)."""
    if not disk_cache:
        return _generate_mnist1d(n_samples, dataset_seed)
    path = _mnist1d_cache_file(n_samples, dataset_seed)
    arrays = _load_cached(path)
    if arrays is None:
        arrays = _generate_mnist1d(n_samples, dataset_seed)
        _store_cached(path, arrays)
    return arrays


def load_mnist1d(
    *,
    n_samples: int = 5000,
    val_size: float = 0.1,
    standardize: bool = False,
    seed: int = 0,
    dataset_seed: int = 42,
    disk_cache: bool = True,
) -> DataSplit:
    r"""MNIST-1D: ten 1-D "digit" templates, distorted into 40-point sequences.

    Greydanus (2020) built MNIST-1D to be small and fast yet, unlike the 8x8
    digits, hard for a linear model and easy for a convolutional one.  Each
    example is one of ten hand-made templates of 12 points, padded with
    zeros, stretched, scaled, shifted circularly, given correlated noise in
    the padding and white noise everywhere, sheared and resampled to 40
    points; the whole set is then centred and scaled to standard deviation
    1 by a single mean and std.  The sequences are generated here by
    ``mnist1d.data.make_dataset`` with the paper's settings; nothing is
    downloaded.

    The generator puts the first 80 % of its (shuffled) sequences in the
    training set and the last 20 % in the test set; ``n_samples=5000`` gives
    the paper's 4,000 / 1,000.  A validation set is then split off the
    training sequences, stratified by label and seeded with ``seed``.

    Parameters
    ----------
    n_samples : int, default 5000
        Number of sequences to generate (mnist1d's ``num_samples``), a
        multiple of 10 (the same number per class) and ``>= 100``.
    val_size : float, default 0.1
        Fraction of the *training* sequences held out for validation, in
        ``(0, 1)``; with the defaults 400 of the 4,000.
    standardize : bool, default False
        Standardise each feature with training statistics (the generated
        data are already centred and scaled as a whole).
    seed : int, default 0
        Seed of the train/validation split, in ``[0, 2**32 - 1]``.
    dataset_seed : int, default 42
        Seed of the generator, in ``[0, 2**32 - 1]``; 42 is the paper's data
        set.  The generator seeds NumPy's and Python's *global* generators;
        their states are restored afterwards, so the caller's random streams
        are as they were.
    disk_cache : bool, default True
        Keep the generated arrays in :func:`cache_dir` (a few MB) and read
        them from there next time.  The file name encodes the generator's
        arguments and the versions of mnist1d, numpy and scipy, so a cached
        file always equals fresh generation.  In memory the arrays are
        cached in any case.

    Returns
    -------
    DataSplit
        ``x_*`` of shape ``(n, 40)`` (float64), ``y_*`` of shape ``(n,)``
        (int64) with labels ``0-9``, and ``mean``, ``std`` of shape
        ``(40,)``.  The arrays are fresh copies: changing them does not
        change what the next call returns.

    Notes
    -----
    The generator's overall centring and scaling uses all sequences, test
    included, as the published data set does; it is one number each, not a
    per-feature statistic, so no test label leaks through it.

    References
    ----------
    Greydanus, S. (2020). Scaling down deep learning. arXiv:2011.14439.

    Examples
    --------
    >>> split = load_mnist1d(n_samples=200, disk_cache=False)
    >>> split
    DataSplit(train=144, val=16, test=40, n_features=40, n_classes=10)
    """
    n_samples = check_int(n_samples, "n_samples", low=100)
    if n_samples % MNIST1D_N_CLASSES:
        raise ValueError(f"n_samples must be a multiple of {MNIST1D_N_CLASSES} (equal classes), got {n_samples}")
    val_size = _check_fraction(val_size, "val_size")
    standardize = _check_bool(standardize, "standardize")
    seed = check_int(seed, "seed", low=0, high=2**32 - 1)
    dataset_seed = check_int(dataset_seed, "dataset_seed", low=0, high=2**32 - 1)
    disk_cache = _check_bool(disk_cache, "disk_cache")
    n_train = int(n_samples * MNIST1D_TRAIN_SPLIT)
    n_val = int(np.ceil(val_size * n_train))
    if not MNIST1D_N_CLASSES <= n_val <= n_train - MNIST1D_N_CLASSES:
        raise ValueError(
            f"val_size must leave at least {MNIST1D_N_CLASSES} training and {MNIST1D_N_CLASSES} "
            f"validation sequences (one per class) of the {n_train}, got {n_val} for validation"
        )

    from sklearn.model_selection import train_test_split

    raw = _mnist1d_arrays(n_samples, dataset_seed, disk_cache)
    x_train, x_val, y_train, y_val = train_test_split(
        raw.x, raw.y, test_size=n_val, stratify=raw.y, random_state=seed
    )
    return _make_split(x_train, y_train, x_val, y_val, raw.x_test, raw.y_test, standardize=standardize)


# ---------------------------------------------------------------- transfer: source and target classes


class ClassSplit(NamedTuple):
    """A source task and a target task on disjoint classes of one data set (:func:`class_split`).

    Attributes
    ----------
    source, target : DataSplit
        Each with labels remapped to ``0, 1, ..., K - 1`` in the order of
        ``source_classes`` (``target_classes``); ``target.x_train`` holds
        only the labelled budget.
    source_classes, target_classes : tuple of int
        The original labels: class ``k`` of ``source`` is
        ``source_classes[k]`` of the data set.
    """

    source: DataSplit
    target: DataSplit
    source_classes: tuple[int, ...]
    target_classes: tuple[int, ...]


def _check_classes(classes: object, name: str, present: np.ndarray) -> tuple[int, ...]:
    """``classes`` as a tuple of at least two distinct labels that occur in ``present``."""
    if isinstance(classes, (str, bytes)) or not isinstance(classes, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a sequence of class labels, got {type(classes).__name__} {classes!r}")
    out = tuple(check_int(c, f"{name}[{i}]", low=0) for i, c in enumerate(classes))
    if len(out) < 2:
        raise ValueError(f"{name} must hold at least two classes, got {out}")
    if len(set(out)) != len(out):
        raise ValueError(f"{name} must hold distinct classes, got {out}")
    missing = sorted(set(out) - set(present.tolist()))
    if missing:
        raise ValueError(f"{name} must name classes of data's training set {sorted(set(present.tolist()))}, "
                         f"got {out} with {missing} absent")
    return out


def _select_classes(x: np.ndarray, y: np.ndarray, classes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``(x, y)`` whose label is in ``classes``, labels remapped to their position there."""
    lookup = np.full(max(classes) + 1, -1, dtype=np.int64)
    lookup[list(classes)] = np.arange(len(classes))
    keep = np.isin(y, classes)
    return np.array(x[keep], dtype=np.float64), lookup[y[keep]]


def class_split(
    data: DataSplit,
    *,
    source: tuple[int, ...] = (0, 1, 2, 3, 4),
    target: tuple[int, ...] = (5, 6, 7, 8, 9),
    labels_per_class: int | None = None,
    seed: int = 0,
) -> ClassSplit:
    r"""Split a data set by class into a source task and a target task with few labels.

    Transfer learning trains a *source* network on one task and reuses it on
    a related *target* task that has few labelled examples.  Here both tasks
    come from one data set with disjoint classes: the source task keeps the
    examples of the ``source`` classes (all of them, in every split), the
    target task those of the ``target`` classes, of whose training examples
    only ``labels_per_class`` per class are kept -- the label budget --
    drawn with :func:`stratified_subset` seeded with ``seed``.  The target's
    validation and test sets keep every example of the target classes, so
    budgets are compared on the same test set.  Labels are remapped to
    ``0, ..., K - 1`` in each task, so that ``source=(0, ..., 4)`` and
    ``target=(5, ..., 9)`` are both 5-way problems.

    Parameters
    ----------
    data : DataSplit
        E.g. :func:`load_mnist1d` or :func:`load_digits_split`.
    source, target : sequence of int, default (0, ..., 4) and (5, ..., 9)
        At least two distinct classes each, disjoint, all present in
        ``data.y_train``.
    labels_per_class : int, optional
        Labelled training examples per target class, ``>= 1`` and at most
        the training examples of the smallest target class; default all of
        them (then ``seed`` is not used).
    seed : int, default 0
        Seed of the budget's draw, in ``[0, 2**32 - 1]``.  Budgets drawn with
        the same seed are *not* nested (see :func:`stratified_subset`).

    Returns
    -------
    ClassSplit
        ``source`` and ``target`` :class:`DataSplit` s (``x_*`` of shape
        ``(n, n_features)``, float64, fresh copies; ``y_*`` of shape
        ``(n,)``, int64, in ``[0, K)``; ``mean``, ``std`` are ``data``'s),
        and the original labels of each task's classes.  ``target.x_train``
        has ``labels_per_class * len(target)`` rows, in the order they have
        in ``data``.

    References
    ----------
    Yosinski, J., Clune, J., Bengio, Y. and Lipson, H. (2014). How
    transferable are features in deep neural networks? *NeurIPS 27*.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat(np.arange(4), 10)
    >>> data = DataSplit(rng.standard_normal((40, 3)), y, rng.standard_normal((40, 3)), y,
    ...                  rng.standard_normal((40, 3)), y, np.zeros(3), np.ones(3))
    >>> tasks = class_split(data, source=(0, 1), target=(2, 3), labels_per_class=3)
    >>> tasks.source.y_train.tolist().count(1), np.bincount(tasks.target.y_train).tolist()
    (10, [3, 3])
    """
    if not isinstance(data, DataSplit):
        raise TypeError(f"data must be a DataSplit (e.g. load_mnist1d()), got {type(data).__name__}")
    present = np.unique(data.y_train)
    source = _check_classes(source, "source", present)
    target = _check_classes(target, "target", present)
    shared = sorted(set(source) & set(target))
    if shared:
        raise ValueError(f"source and target must not share classes, got source={source} and "
                         f"target={target}, both with {shared}")
    seed = check_int(seed, "seed", low=0, high=2**32 - 1)
    splits = {}
    for task, classes in (("source", source), ("target", target)):
        parts = [_select_classes(getattr(data, f"x_{part}"), getattr(data, f"y_{part}"), classes)
                 for part in ("train", "val", "test")]
        splits[task] = [array for part in parts for array in part]
    x_train, y_train = splits["target"][:2]
    if labels_per_class is not None:
        smallest = int(np.bincount(y_train, minlength=len(target)).min())
        labels_per_class = check_int(labels_per_class, "labels_per_class", low=1)
        if labels_per_class > smallest:
            raise ValueError(f"labels_per_class must be <= {smallest}, the training examples of the smallest "
                             f"target class, got {labels_per_class}")
        rows = np.sort(stratified_subset(y_train, labels_per_class * len(target),
                                         rng=np.random.default_rng(seed)))
        splits["target"][:2] = x_train[rows], y_train[rows]
    source_split, target_split = (DataSplit(*splits[task], np.array(data.mean), np.array(data.std))
                                  for task in ("source", "target"))
    return ClassSplit(source_split, target_split, source, target)
