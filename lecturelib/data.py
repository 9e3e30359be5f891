"""Small data sets that need no download.

* 2-D toy problems for decision-boundary pictures: :func:`make_spirals`,
  :func:`make_moons`, :func:`make_circles`, :func:`make_xor` (also by name
  through :data:`TOY_DATASETS` and :func:`make_toy`).  Each returns
  ``X`` of shape ``(n_samples, 2)`` (``float64``) and labels ``y`` of shape
  ``(n_samples,)`` (``int64``), with classes as balanced as ``n_samples``
  allows (counts differ by at most one).
* :func:`load_digits_split`: scikit-learn's bundled 8x8 digits, split into
  stratified train/validation/test sets and standardised with training
  statistics.

Randomness comes only through ``rng`` (:class:`numpy.random.Generator`) or an
explicit ``seed``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import as_float_array, check_int, check_number, check_option, check_rng

__all__ = [
    "make_spirals",
    "make_moons",
    "make_circles",
    "make_xor",
    "TOY_DATASETS",
    "make_toy",
    "DataSplit",
    "standardize",
    "load_digits_split",
]


def _class_sizes(n_samples: int, n_groups: int) -> list[int]:
    """Split ``n_samples`` into ``n_groups`` sizes differing by at most one."""
    return [n_samples // n_groups + (1 if k < n_samples % n_groups else 0) for k in range(n_groups)]


def _finish(X: np.ndarray, y: np.ndarray, shuffle: bool, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    if shuffle:
        order = rng.permutation(len(y))
        X, y = X[order], y[order]
    return np.ascontiguousarray(X, dtype=np.float64), np.ascontiguousarray(y, dtype=np.int64)


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
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64
        Labels in ``[0, n_classes)``.

    References
    ----------
    Karpathy, A. (2016). CS231n: Convolutional Neural Networks for Visual
    Recognition, course notes "Putting it together: minimal neural network
    case study". Stanford University.

    Examples
    --------
    >>> X, y = make_spirals(300, rng=np.random.default_rng(0))
    >>> X.shape, np.bincount(y).tolist()
    ((300, 2), [100, 100, 100])
    """
    n_classes = check_int(n_classes, "n_classes", low=2)
    n_samples = check_int(n_samples, "n_samples", low=n_classes)
    noise = check_number(noise, "noise", low=0.0)
    rng = check_rng(rng)
    X_parts, y_parts = [], []
    for k, m in enumerate(_class_sizes(n_samples, n_classes)):
        r = np.linspace(0.0, 1.0, m)
        t = 4.0 * k + 4.0 * r + noise * rng.standard_normal(m)
        X_parts.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        y_parts.append(np.full(m, k))
    return _finish(np.concatenate(X_parts), np.concatenate(y_parts), shuffle, rng)


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
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64
        Labels in ``{0, 1}``.

    Examples
    --------
    >>> X, y = make_moons(200, rng=np.random.default_rng(0))
    >>> np.bincount(y).tolist()
    [100, 100]
    """
    n_samples = check_int(n_samples, "n_samples", low=2)
    noise = check_number(noise, "noise", low=0.0)
    rng = check_rng(rng)
    n0, n1 = _class_sizes(n_samples, 2)
    s0, s1 = np.linspace(0.0, np.pi, n0), np.linspace(0.0, np.pi, n1)
    X = np.concatenate([
        np.column_stack([np.cos(s0), np.sin(s0)]),
        np.column_stack([1.0 - np.cos(s1), 0.5 - np.sin(s1)]),
    ])
    y = np.repeat([0, 1], [n0, n1])
    X = X + noise * rng.standard_normal(X.shape)
    return _finish(X, y, shuffle, rng)


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
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64
        0 for the outer circle, 1 for the inner one.

    Examples
    --------
    >>> X, y = make_circles(200, rng=np.random.default_rng(0))
    >>> X.shape
    (200, 2)
    """
    n_samples = check_int(n_samples, "n_samples", low=2)
    noise = check_number(noise, "noise", low=0.0)
    factor = check_number(factor, "factor", low=0.0, high=1.0, high_inclusive=False)
    rng = check_rng(rng)
    n0, n1 = _class_sizes(n_samples, 2)
    s0 = np.linspace(0.0, 2 * np.pi, n0, endpoint=False)
    s1 = np.linspace(0.0, 2 * np.pi, n1, endpoint=False)
    X = np.concatenate([
        np.column_stack([np.cos(s0), np.sin(s0)]),
        factor * np.column_stack([np.cos(s1), np.sin(s1)]),
    ])
    y = np.repeat([0, 1], [n0, n1])
    X = X + noise * rng.standard_normal(X.shape)
    return _finish(X, y, shuffle, rng)


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
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64
        Labels in ``{0, 1}``.

    References
    ----------
    Minsky, M. and Papert, S. (1969). *Perceptrons*. MIT Press.

    Examples
    --------
    >>> X, y = make_xor(200, rng=np.random.default_rng(0))
    >>> np.bincount(y).tolist()
    [100, 100]
    """
    n_samples = check_int(n_samples, "n_samples", low=4)
    noise = check_number(noise, "noise", low=0.0)
    rng = check_rng(rng)
    # blobs alternate between the classes so that uneven sizes stay balanced
    centers = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0], [-1.0, 1.0]])
    sizes = _class_sizes(n_samples, len(centers))
    X = np.repeat(centers, sizes, axis=0) + noise * rng.standard_normal((n_samples, 2))
    y = np.repeat((centers[:, 0] * centers[:, 1] < 0).astype(np.int64), sizes)
    return _finish(X, y, shuffle, rng)


#: Toy problems by name, for widgets that pick a data set from a menu.
TOY_DATASETS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    "spirals": make_spirals,
    "moons": make_moons,
    "circles": make_circles,
    "xor": make_xor,
}


def make_toy(
    name: str, n_samples: int | None = None, *, rng: np.random.Generator, **kwargs: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Make the toy problem called ``name`` (a key of :data:`TOY_DATASETS`).

    Parameters
    ----------
    name : str
        One of ``"spirals"``, ``"moons"``, ``"circles"``, ``"xor"``.
    n_samples : int, optional
        Number of points; by default the data set's own default.
    rng : numpy.random.Generator
        Source of randomness.
    **kwargs
        Passed on, e.g. ``noise=0.3`` or ``n_classes=4`` for spirals.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64

    Raises
    ------
    ValueError
        If ``name`` is unknown; the message lists the allowed names.

    Examples
    --------
    >>> X, y = make_toy("moons", 50, rng=np.random.default_rng(0), noise=0.2)
    >>> X.shape
    (50, 2)
    """
    fn = TOY_DATASETS[check_option(name, "name", TOY_DATASETS)]
    if n_samples is not None:
        kwargs["n_samples"] = n_samples
    return fn(rng=rng, **kwargs)


@dataclass(frozen=True, eq=False)  # eq on arrays is ambiguous
class DataSplit:
    """Train / validation / test arrays plus the standardisation statistics.

    Attributes
    ----------
    X_train, X_val, X_test : ndarray of shape (n, n_features), float64
    y_train, y_val, y_test : ndarray of shape (n,), int64
    mean, std : ndarray of shape (n_features,), float64
        Statistics of the *training* features; ``X = (X_raw - mean) / std``.
        Without standardisation they are zeros and ones.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    mean: np.ndarray
    std: np.ndarray

    @property
    def n_features(self) -> int:
        """Number of input features."""
        return int(self.X_train.shape[1])

    @property
    def n_classes(self) -> int:
        """Number of classes (largest label over all splits, plus one)."""
        return int(max(self.y_train.max(), self.y_val.max(), self.y_test.max())) + 1


def standardize(X_train: np.ndarray, *others: np.ndarray) -> tuple[np.ndarray, ...]:
    r"""Standardise features with the statistics of ``X_train``.

    .. math::
        \mu_j = \operatorname{mean}_i X^{\text{train}}_{ij}, \quad
        \sigma_j = \operatorname{std}_i X^{\text{train}}_{ij}
        \;(\text{set to } 1 \text{ where it is } 0), \qquad
        \tilde X_{ij} = \frac{X_{ij} - \mu_j}{\sigma_j}

    A feature that is constant on the training set (a border pixel that is
    always 0) would divide by zero; its ``std`` is set to exactly 1, so it is
    only centred.

    Parameters
    ----------
    X_train : ndarray of shape (n_train, n_features)
        Data the statistics are computed on.
    *others : ndarray of shape (n, n_features)
        Further arrays (validation, test) transformed with the same statistics.

    Returns
    -------
    tuple
        ``(X_train_std, *others_std, mean, std)``; ``mean`` and ``std`` have
        shape ``(n_features,)``.

    Examples
    --------
    >>> Xtr, Xte, mean, std = standardize(np.array([[0.0, 1.0], [2.0, 1.0]]), np.array([[1.0, 3.0]]))
    >>> Xte.tolist(), std.tolist()
    ([[0.0, 2.0]], [1.0, 1.0])
    """
    X_train = as_float_array(X_train, "X_train", ndim=2)
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std = np.where(std == 0.0, 1.0, std)
    out = [(X_train - mean) / std]
    for i, X in enumerate(others):
        X = as_float_array(X, f"others[{i}]", ndim=2)
        if X.shape[1] != X_train.shape[1]:
            raise ValueError(
                f"others[{i}] must have {X_train.shape[1]} features like X_train, got shape {X.shape}"
            )
        out.append((X - mean) / std)
    return (*out, mean, std)


_standardize = standardize  # load_digits_split's ``standardize`` flag shadows the function


def load_digits_split(
    *, val_size: float = 0.2, test_size: float = 0.2, standardize: bool = True, seed: int = 0
) -> DataSplit:
    """Scikit-learn's 8x8 digits, split into stratified train/val/test sets.

    The 1,797 images (pixel values 0-16, flattened to 64 features, 10
    classes) ship with scikit-learn, so nothing is downloaded.  The test set
    is split off first, then the validation set from the rest; both splits are
    stratified by label and seeded.  With ``standardize=True`` every split is
    transformed with the training mean and standard deviation (see
    :func:`standardize`; features constant on the training set get std 1).

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
        ``X_*`` of shape ``(n, 64)`` (float64), ``y_*`` of shape ``(n,)``
        (int64), and ``mean``, ``std`` of shape ``(64,)``.

    References
    ----------
    Alpaydin, E. and Kaynak, C. (1998). Optical Recognition of Handwritten
    Digits. UCI Machine Learning Repository.

    Examples
    --------
    >>> split = load_digits_split(seed=0)
    >>> split.X_train.shape, split.n_classes
    ((1077, 64), 10)
    """
    val_size = check_number(val_size, "val_size", low=0.0, low_inclusive=False, high=1.0, high_inclusive=False)
    test_size = check_number(test_size, "test_size", low=0.0, low_inclusive=False, high=1.0, high_inclusive=False)
    if val_size + test_size >= 1.0:
        raise ValueError(
            f"val_size + test_size must be < 1, got {val_size} + {test_size} = {val_size + test_size}"
        )
    if not isinstance(standardize, bool):
        raise TypeError(f"standardize must be a bool, got {type(standardize).__name__} {standardize!r}")
    seed = check_int(seed, "seed", low=0, high=2**32 - 1)

    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X, y = X.astype(np.float64), y.astype(np.int64)
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed
    )
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=val_size / (1.0 - test_size), stratify=y_rest, random_state=seed
    )
    if standardize:
        X_train, X_val, X_test, mean, std = _standardize(X_train, X_val, X_test)
    else:
        mean, std = np.zeros(X.shape[1]), np.ones(X.shape[1])
    return DataSplit(X_train, y_train, X_val, y_val, X_test, y_test, mean, std)

