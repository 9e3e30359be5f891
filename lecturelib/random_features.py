"""Double descent with random ReLU features and minimum-norm least squares.

A random-features model is a two-layer network whose first layer is drawn
at random and frozen: only the linear read-out is fitted, so "training" is
one least-squares solve.  With :math:`p` features and :math:`n` training
points, the test error falls, rises to a peak at the interpolation
threshold :math:`p = n` (where the fit first passes through every noisy
label, with a huge coefficient vector), and falls again for :math:`p > n`,
where the minimum-norm solution picks the smoothest interpolator: *double
descent* (Belkin et al., 2019).

* :func:`random_relu_features` draws the frozen layer, :func:`relu_features`
  applies it to new inputs;
* :func:`min_norm_lstsq` fits the read-out (the pseudo-inverse solution);
* :func:`make_regression_task` draws a teacher task with label noise;
* :func:`double_descent` sweeps the number of features over several seeds
  and returns the train and test errors (it draws nothing).

Everything is numpy; randomness comes in as ``rng`` or integer ``seeds``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from ._validation import as_float_array, check_int, check_number, check_rng

__all__ = [
    "RandomFeatures",
    "relu_features",
    "random_relu_features",
    "min_norm_lstsq",
    "RegressionTask",
    "make_regression_task",
    "DoubleDescentResult",
    "double_descent",
]


class RandomFeatures(NamedTuple):
    """What :func:`random_relu_features` returns."""

    features: np.ndarray  #: (N, p), relu(x @ weight.T + bias)
    weight: np.ndarray  #: (p, d), torch's (out_features, in_features)
    bias: np.ndarray  #: (p,)


def relu_features(x: Any, weight: Any, bias: Any) -> np.ndarray:
    r"""Apply a (frozen) random layer: :math:`\phi(x) = \max(0,\, W x + b)`.

    Parameters
    ----------
    x : ndarray of float, shape (N, d)
    weight : ndarray of float, shape (p, d)
    bias : ndarray of float, shape (p,)

    Returns
    -------
    ndarray of shape (N, p)
        ``np.maximum(x @ weight.T + bias, 0)``.

    Examples
    --------
    >>> relu_features(np.array([[1.0, 2.0]]), np.array([[1.0, 0.0], [0.0, -1.0]]), np.zeros(2))
    array([[1., 0.]])
    """
    x = as_float_array(x, "x", ndim=2)
    weight = as_float_array(weight, "weight", ndim=2)
    bias = as_float_array(bias, "bias", ndim=1)
    if weight.shape[1] != x.shape[1]:
        raise ValueError(f"weight must have shape (p, {x.shape[1]}) to match x of shape {x.shape}, "
                         f"got shape {weight.shape}")
    if bias.shape != (weight.shape[0],):
        raise ValueError(f"bias must have shape ({weight.shape[0]},) to match weight of shape {weight.shape}, "
                         f"got shape {bias.shape}")
    return np.maximum(x @ weight.T + bias, 0.0)


def random_relu_features(x: Any, n_features: int, *, rng: np.random.Generator) -> RandomFeatures:
    r"""Draw a random ReLU layer and apply it to ``x``.

    .. math::

        \phi(x) = \max(0,\, W x + b), \qquad
        W_{jk} \sim \mathcal{N}(0, 1/d), \quad b_j \sim \mathcal{N}(0, 1)

    With :math:`\operatorname{Var} W_{jk} = 1/d` (LeCun's scaling), the
    pre-activation :math:`w_j \cdot x` has variance about 1 when the
    inputs have unit variance, so the bias (variance 1) moves each unit's
    kink to a different place in the data rather than to far outside it.

    Parameters
    ----------
    x : ndarray of float, shape (N, d)
    n_features : int
        :math:`p \ge 1`.
    rng : numpy.random.Generator
        One draw ``rng.standard_normal((p, d + 1))``: its first ``d``
        columns divided by :math:`\sqrt{d}` are ``weight``, its last is
        ``bias``.  So the same seed with more features keeps the first
        ones: features are *nested* in ``p``.

    Returns
    -------
    RandomFeatures
        ``features`` (N, p), ``weight`` (p, d), ``bias`` (p,).

    Notes
    -----
    A unit whose kink lies beyond every input, :math:`w_j \cdot x_i + b_j
    \le 0` for all :math:`i`, is a column of zeros: with
    :math:`b_j \sim \mathcal{N}(0, 1)` a few in a hundred are, on 100
    standard-normal points in 10-D.  Such columns add nothing to the fit,
    so the features reach rank :math:`n` a little above :math:`p = n`.

    References
    ----------
    Rahimi, A. and Recht, B. (2007). Random features for large-scale kernel
    machines. *NeurIPS*.

    Examples
    --------
    >>> x = np.random.default_rng(0).standard_normal((5, 3))
    >>> rf = random_relu_features(x, 4, rng=np.random.default_rng(1))
    >>> rf.features.shape, rf.weight.shape, rf.bias.shape
    ((5, 4), (4, 3), (4,))
    """
    x = as_float_array(x, "x", ndim=2)
    n_features = check_int(n_features, "n_features", low=1)
    rng = check_rng(rng)
    d = x.shape[1]
    draw = rng.standard_normal((n_features, d + 1))
    weight, bias = draw[:, :d] / np.sqrt(d), draw[:, d].copy()
    return RandomFeatures(relu_features(x, weight, bias), weight, bias)


def min_norm_lstsq(features: Any, y: Any, *, rcond: float | None = None) -> np.ndarray:
    r"""The least-squares coefficients of smallest norm: :math:`c = \Phi^{+} y`.

    With the thin SVD :math:`\Phi = U \operatorname{diag}(s) V^\top`,

    .. math::

        c = \Phi^{+} y = \sum_{i:\ s_i > \text{rcond}\, s_1}
            \frac{u_i^\top y}{s_i}\, v_i ,

    the unique minimizer of :math:`\|c\|_2` among the minimizers of
    :math:`\|\Phi c - y\|_2`.  Below the interpolation threshold
    (:math:`p \le n`, :math:`\Phi` of full column rank) this is ordinary
    least squares, :math:`(\Phi^\top \Phi)^{-1} \Phi^\top y`; above it
    (:math:`p \ge n`, full row rank) it is the interpolator
    :math:`\Phi^\top (\Phi \Phi^\top)^{-1} y` with :math:`\Phi c = y`
    exactly.  Near :math:`p = n` the smallest :math:`s_i` approach 0 and
    :math:`\|c\|` blows up: the peak of double descent.

    Parameters
    ----------
    features : ndarray of float, shape (n, p)
        :math:`\Phi`.
    y : ndarray of float, shape (n,) or (n, k)
        Targets.
    rcond : float, optional
        Singular values at or below ``rcond * s.max()`` are treated as 0;
        ``None`` is ``max(n, p) * eps``, the default of
        :func:`numpy.linalg.lstsq`.

    Returns
    -------
    ndarray of shape (p,) or (p, k)

    References
    ----------
    Penrose, R. (1955). A generalized inverse for matrices. *Math. Proc.
    Cambridge Philos. Soc.* 51(3), 406-413.

    Examples
    --------
    >>> phi = np.array([[1.0, 1.0]])  # one equation, two unknowns
    >>> min_norm_lstsq(phi, np.array([2.0]))  # the shortest c with c1 + c2 = 2
    array([1., 1.])
    """
    features = as_float_array(features, "features", ndim=2)
    y = as_float_array(y, "y", ndim=(1, 2))
    if len(y) != len(features):
        raise ValueError(f"features and y must have the same number of rows, got shapes {features.shape} and {y.shape}")
    if features.size == 0:
        raise ValueError(f"features must have at least one row and one column, got shape {features.shape}")
    if rcond is None:
        rcond = max(features.shape) * np.finfo(features.dtype).eps
    rcond = check_number(rcond, "rcond", low=0.0)
    u, s, vt = np.linalg.svd(features, full_matrices=False)
    keep = s > rcond * s.max(initial=0.0)
    uty = u[:, keep].T @ y
    return vt[keep].T @ (uty / (s[keep][:, None] if y.ndim == 2 else s[keep]))


class RegressionTask(NamedTuple):
    """A teacher task: inputs and noisy targets, for training and testing."""

    x_train: np.ndarray  #: (n_train, dim)
    y_train: np.ndarray  #: (n_train,)
    x_test: np.ndarray  #: (n_test, dim)
    y_test: np.ndarray  #: (n_test,)


def make_regression_task(
    n_train: int = 100, n_test: int = 1000, dim: int = 10, *,
    noise: float = 0.5, signal_std: float = 2.0, teacher_width: int = 50, rng: np.random.Generator,
) -> RegressionTask:
    r"""Draw a regression task from a random one-hidden-layer teacher network.

    Inputs are standard normal, :math:`x \sim \mathcal{N}(0, I_d)`.  The
    teacher is a smooth network with ``teacher_width`` softplus units,

    .. math::

        g(x) = \sum_{j=1}^{m} a_j \log\big(1 + e^{v_j \cdot x / \sqrt{d} + c_j}\big),
        \qquad v_j \sim \mathcal{N}(0, I_d),\ c_j, a_j \sim \mathcal{N}(0, 1),

    shifted and scaled to :math:`f = s\,(g - \bar g) / \operatorname{sd}(g)`
    over all drawn inputs (training and test), so the signal has standard
    deviation :math:`s` (``signal_std``) and the signal-to-noise ratio is
    :math:`s^2 / \sigma^2` (16 by default).  Targets are
    :math:`y = f(x) + \sigma \varepsilon`, :math:`\varepsilon \sim
    \mathcal{N}(0, 1)`, in the training *and* the test set: the best
    possible test MSE is :math:`\sigma^2`.

    Parameters
    ----------
    n_train, n_test : int, default 100 and 1000
        Numbers of points, ``>= 1``.
    dim : int, default 10
        Input dimension :math:`d \ge 1`.
    noise : float, default 0.5
        Label noise standard deviation :math:`\sigma \ge 0`.
    signal_std : float, default 2.0
        Standard deviation :math:`s \ge 0` of the teacher's output.  With
        a weaker signal (:math:`s = 1`) the peak at :math:`p = n` stays,
        but few features can do about as well as many.
    teacher_width : int, default 50
        Hidden units :math:`m \ge 1` of the teacher.
    rng : numpy.random.Generator
        Draws, in order: inputs (training rows first), teacher, noise.
        Use a generator independent of the feature seeds of
        :func:`double_descent` (e.g. ``default_rng(42)`` with seeds 0-4):
        ``default_rng(0)`` would draw the same numbers for the inputs as
        for the features of seed 0.

    Returns
    -------
    RegressionTask

    References
    ----------
    Belkin, M., Hsu, D., Ma, S. and Mandal, S. (2019). Reconciling modern
    machine-learning practice and the classical bias-variance trade-off.
    *PNAS* 116(32), 15849-15854.

    Examples
    --------
    >>> task = make_regression_task(rng=np.random.default_rng(42))
    >>> task.x_train.shape, task.y_train.shape, task.x_test.shape
    ((100, 10), (100,), (1000, 10))
    """
    n_train = check_int(n_train, "n_train", low=1)
    n_test = check_int(n_test, "n_test", low=1)
    dim = check_int(dim, "dim", low=1)
    noise = check_number(noise, "noise", low=0.0)
    signal_std = check_number(signal_std, "signal_std", low=0.0)
    teacher_width = check_int(teacher_width, "teacher_width", low=1)
    rng = check_rng(rng)
    x = rng.standard_normal((n_train + n_test, dim))
    v, c, a = (rng.standard_normal((teacher_width, dim)), rng.standard_normal(teacher_width),
               rng.standard_normal(teacher_width))
    g = np.logaddexp(0.0, x @ v.T / np.sqrt(dim) + c) @ a
    f = signal_std * (g - g.mean()) / g.std()
    y = f + noise * rng.standard_normal(len(f))
    return RegressionTask(x[:n_train], y[:n_train], x[n_train:], y[n_train:])


@dataclass(frozen=True, eq=False)  # eq on arrays is ambiguous
class DoubleDescentResult:
    """Errors of the minimum-norm random-features fit, per seed and feature count.

    Attributes
    ----------
    feature_counts : ndarray of shape (k,), int64
        The numbers of features :math:`p`, as given.
    seeds : ndarray of shape (s,), int64
    n_train : int
        Number of training points: the interpolation threshold is
        ``p = n_train``.
    train_mse, test_mse : ndarray of shape (s, k)
        Mean squared errors, row ``i`` for ``seeds[i]``.
    coef_norm : ndarray of shape (s, k)
        Euclidean norm of the fitted coefficients.
    """

    feature_counts: np.ndarray
    seeds: np.ndarray
    n_train: int
    train_mse: np.ndarray
    test_mse: np.ndarray
    coef_norm: np.ndarray

    def __repr__(self) -> str:  # sizes, not the arrays
        return (f"DoubleDescentResult(n_train={self.n_train}, feature_counts={self.feature_counts.tolist()}, "
                f"seeds={self.seeds.tolist()})")


def _check_counts(values: Any, name: str, *, low: int) -> np.ndarray:
    """A non-empty 1-D sequence of integers ``>= low``, as an int64 array."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (Iterable, np.ndarray)):
        raise TypeError(f"{name} must be a sequence of integers, got {type(values).__name__}")
    values = [check_int(v, f"{name}[{i}]", low=low) for i, v in enumerate(values)]
    if not values:
        raise ValueError(f"{name} must hold at least one integer, got none")
    return np.array(values, dtype=np.int64)


def _check_xy(x: Any, y: Any, x_name: str, y_name: str, dim: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    x = as_float_array(x, x_name, ndim=2)
    y = as_float_array(y, y_name, ndim=1)
    if len(x) != len(y):
        raise ValueError(f"{x_name} and {y_name} must have the same number of rows, got shapes {x.shape} and {y.shape}")
    if len(x) == 0:
        raise ValueError(f"{x_name} must hold at least one row, got shape {x.shape}")
    if dim is not None and x.shape[1] != dim:
        raise ValueError(f"{x_name} must have {dim} columns like x_train, got shape {x.shape}")
    return x, y


def double_descent(
    x_train: Any, y_train: Any, x_test: Any, y_test: Any, feature_counts: Iterable[int], *,
    seeds: Iterable[int] = (0, 1, 2, 3, 4), rcond: float | None = None,
) -> DoubleDescentResult:
    r"""Train and test error of random ReLU features against their number.

    For every seed and every :math:`p` in ``feature_counts``: draw
    :math:`p` features with ``rng = np.random.default_rng(seed)``
    (:func:`random_relu_features`), fit the read-out with
    :func:`min_norm_lstsq` on the training set, and measure

    .. math::

        \text{MSE} = \frac{1}{n} \sum_{i=1}^{n} (\phi(x_i)^\top c - y_i)^2

    on the training and the test set.  Features are nested: for one seed,
    the first :math:`p` features of a larger draw are the :math:`p`
    features of a smaller one, so they are drawn once per seed, at the
    largest :math:`p`.

    Parameters
    ----------
    x_train : ndarray of float, shape (n, d)
    y_train : ndarray of float, shape (n,)
    x_test : ndarray of float, shape (m, d)
    y_test : ndarray of float, shape (m,)
    feature_counts : sequence of int
        Numbers of features :math:`p \ge 1`, in any order.
    seeds : sequence of int, default (0, 1, 2, 3, 4)
        One feature draw per seed (``>= 0``); take the median over them,
        since near :math:`p = n` single draws vary by orders of magnitude.
    rcond : float, optional
        Passed to :func:`min_norm_lstsq`.

    Returns
    -------
    DoubleDescentResult

    References
    ----------
    Belkin, M., Hsu, D., Ma, S. and Mandal, S. (2019). Reconciling modern
    machine-learning practice and the classical bias-variance trade-off.
    *PNAS* 116(32), 15849-15854.

    Advani, M. S., Saxe, A. M. and Sompolinsky, H. (2020). High-dimensional
    dynamics of generalization error in neural networks. *Neural Networks*
    132, 428-446.

    Examples
    --------
    >>> task = make_regression_task(rng=np.random.default_rng(42))
    >>> result = double_descent(*task, [50, 100, 400])
    >>> np.median(result.test_mse, axis=0).round(1)  # the peak at p = n = 100
    array([ 1. , 19.8,  0.7])
    """
    x_train, y_train = _check_xy(x_train, y_train, "x_train", "y_train")
    x_test, y_test = _check_xy(x_test, y_test, "x_test", "y_test", dim=x_train.shape[1])
    counts = _check_counts(feature_counts, "feature_counts", low=1)
    seeds = _check_counts(seeds, "seeds", low=0)
    shape = (len(seeds), len(counts))
    train_mse, test_mse, coef_norm = np.empty(shape), np.empty(shape), np.empty(shape)
    for i, seed in enumerate(seeds):
        rf = random_relu_features(x_train, int(counts.max()), rng=np.random.default_rng(seed))
        phi_test = relu_features(x_test, rf.weight, rf.bias)
        for j, p in enumerate(counts):
            coef = min_norm_lstsq(rf.features[:, :p], y_train, rcond=rcond)
            train_mse[i, j] = np.mean((rf.features[:, :p] @ coef - y_train) ** 2)
            test_mse[i, j] = np.mean((phi_test[:, :p] @ coef - y_test) ** 2)
            coef_norm[i, j] = np.linalg.norm(coef)
    return DoubleDescentResult(counts, seeds, len(y_train), train_mse, test_mse, coef_norm)
