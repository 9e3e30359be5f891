r"""Batch norm's running statistics, simulated for one feature (Chapter 4).

In training mode a batch-norm layer normalizes with the statistics of the
current batch and keeps running averages of them; in eval mode it
normalizes with those running averages.  :func:`batchnorm_stream` follows
one feature of a known distribution through many training steps with
:func:`lecturelib.layers.batchnorm_forward`, so that the chapter can show

* how quickly and how noisily the running mean finds the true mean, for a
  given batch size and ``momentum`` (torch's conventions, including
  ``momentum=None``, the cumulative average), and
* what the layer outputs for the same test values in each mode: batch
  statistics in training mode (bounded, lumpy outputs for tiny batches),
  running statistics in eval mode (close to a standard normal once the
  running statistics have settled).

:func:`running_statistics` is the loop over the training batches alone.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._validation import as_float_array, check_int, check_number, check_rng
from .layers import batchnorm_forward

__all__ = [
    "RunningStatistics",
    "running_statistics",
    "BatchNormStream",
    "batchnorm_stream",
]


def _check_momentum(momentum: float | None) -> float | None:
    """``None`` (torch's cumulative average) or a number in ``[0, 1]``."""
    if momentum is None:
        return None
    if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real):
        raise TypeError(
            "momentum must be None or a real number in [0, 1], "
            f"got {type(momentum).__name__} {momentum!r}")
    return check_number(momentum, "momentum", low=0.0, high=1.0)


class RunningStatistics(NamedTuple):
    """What :func:`running_statistics` returns, one entry per step."""

    batch_mean: np.ndarray
    """Mean of each batch, shape ``(steps,)``."""
    running_mean: np.ndarray
    """Running mean after each step, shape ``(steps,)``."""
    running_var: np.ndarray
    """Running (unbiased) variance after each step, shape ``(steps,)``."""


def running_statistics(
    batches: np.ndarray, *, momentum: float | None = 0.1
) -> RunningStatistics:
    r"""Feed one feature's batches to batch norm; record running statistics.

    Starting from torch's buffers :math:`r_\mu = 0, r_{\sigma^2} = 1`, step
    :math:`k = 1, 2, \dots` calls
    :func:`lecturelib.layers.batchnorm_forward` on batch :math:`k` in
    training mode (scale 1, shift 0), which updates

    .. math::

        r_\mu \leftarrow (1 - m_k)\, r_\mu + m_k\, \mu_k, \qquad
        r_{\sigma^2} \leftarrow (1 - m_k)\, r_{\sigma^2}
            + m_k\, \tfrac{N}{N - 1} \sigma^2_k

    with :math:`m_k = ` ``momentum``, or :math:`m_k = 1/k` for
    ``momentum=None``.

    Parameters
    ----------
    batches : ndarray of float, shape (steps, N)
        Batch ``k`` of the feature's values in row ``k - 1``; ``N >= 2``.
    momentum : float in [0, 1] or None, default 0.1
        Weight of the new batch statistic (torch's convention), or ``None``
        for the cumulative average.

    Returns
    -------
    RunningStatistics
        ``(batch_mean, running_mean, running_var)``, each of shape
        ``(steps,)``.

    Notes
    -----
    Torch's ``BatchNorm1d(momentum=None)`` counts its training steps in
    ``num_batches_tracked`` and uses the factor ``1 / num_batches_tracked``.
    :func:`~lecturelib.layers.batchnorm_forward` takes only a number, so
    this loop passes ``momentum=1/k`` at step ``k``.  The first step then
    replaces the initial 0 and 1 entirely, and after ``k`` steps
    :math:`r_\mu` is exactly the average of the ``k`` batch means (and
    :math:`r_{\sigma^2}` of their unbiased variances).

    Examples
    --------
    >>> batches = np.array([[1.0, 3.0], [3.0, 5.0]])
    >>> stats = running_statistics(batches, momentum=None)
    >>> stats.batch_mean, stats.running_mean, stats.running_var
    (array([2., 4.]), array([2., 3.]), array([2., 2.]))
    """
    batches = as_float_array(batches, "batches", ndim=2)
    if batches.shape[0] < 1 or batches.shape[1] < 2:
        raise ValueError(
            "batches must have shape (steps, N) with steps >= 1 and "
            f"N >= 2, got shape {batches.shape}")
    momentum = _check_momentum(momentum)
    gamma, beta = np.ones(1), np.zeros(1)
    mean, var = np.zeros(1), np.ones(1)  # torch's initial buffers
    running_mean = np.empty(len(batches))
    running_var = np.empty(len(batches))
    for k, batch in enumerate(batches, start=1):
        m = 1.0 / k if momentum is None else momentum
        result = batchnorm_forward(batch[:, None], gamma, beta, mean, var,
                                   training=True, momentum=m)
        mean, var = result.running_mean, result.running_var
        running_mean[k - 1], running_var[k - 1] = mean[0], var[0]
    return RunningStatistics(batches.mean(axis=1), running_mean,
                             running_var)


@dataclass(frozen=True, eq=False)  # eq on arrays is ambiguous
class BatchNormStream:
    """What :func:`batchnorm_stream` returns: a feature trained and tested.

    Attributes
    ----------
    batch_size : int
    momentum : float or None
        As passed (``None``: cumulative average).
    eps : float
    batches : ndarray of float, shape (steps, batch_size)
        The training batches, in order.
    batch_means : ndarray of float, shape (steps,)
        Mean of each training batch.
    running_mean, running_var : ndarray of float, shape (steps,)
        The running statistics after each training step.
    x_test : ndarray of float, shape (n_test,)
        The test values, drawn from the same distribution.
    train_out : ndarray of float, shape (n_test // batch_size * batch_size,)
        Training-mode outputs for the first ``n_test // batch_size`` whole
        batches of ``x_test``, each normalized with its own statistics (the
        last incomplete batch is left out).
    eval_out : ndarray of float, shape (n_test,)
        Eval-mode outputs for all of ``x_test``, normalized with the final
        running statistics.
    true_mean, true_var : float
        Mean and variance of the distribution.
    """

    batch_size: int
    momentum: float | None
    eps: float
    batches: np.ndarray
    batch_means: np.ndarray
    running_mean: np.ndarray
    running_var: np.ndarray
    x_test: np.ndarray
    train_out: np.ndarray
    eval_out: np.ndarray
    true_mean: float
    true_var: float


def batchnorm_stream(
    *,
    batch_size: int,
    momentum: float | None = 0.1,
    steps: int = 200,
    mean: float = 3.0,
    std: float = 2.0,
    n_test: int = 2000,
    eps: float = 1e-5,
    rng: np.random.Generator,
) -> BatchNormStream:
    r"""Train a batch-norm feature on a stream of batches; test both modes.

    The feature's values are
    :math:`x \sim \mathcal N(\text{mean}, \text{std}^2)`.
    The layer has scale 1 and shift 0, so its output is

    .. math::

        \text{out} = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}

    with the test batch's mean and biased variance in training mode and the
    running statistics of :func:`running_statistics` after ``steps`` steps
    in eval mode.

    Parameters
    ----------
    batch_size : int, >= 2
        Values per batch (training and test).
    momentum : float in [0, 1] or None, default 0.1
        torch's ``momentum``; ``None`` is the cumulative average.
    steps : int, >= 1, default 200
        Training steps (batches).
    mean : float, default 3.0
    std : float, > 0, default 2.0
        The distribution of the feature.
    n_test : int, >= batch_size, default 2000
        Test values.
    eps : float, > 0, default 1e-5
    rng : numpy.random.Generator
        Draws the test values first (so the same seed gives the same
        test values for every batch size and momentum), then the training
        batches.

    Returns
    -------
    BatchNormStream

    Examples
    --------
    >>> s = batchnorm_stream(batch_size=4, momentum=None, steps=50,
    ...                      rng=np.random.default_rng(0))
    >>> s.running_mean.shape, s.train_out.shape, s.eval_out.shape
    ((50,), (2000,), (2000,))
    >>> # momentum=None: the running mean is the average of the batch means
    >>> bool(np.isclose(s.running_mean[-1], s.batch_means.mean()))
    True

    References
    ----------
    Ioffe, S. and Szegedy, C. (2015). Batch normalization: accelerating
    deep network training by reducing internal covariate shift. *ICML*.
    """
    batch_size = check_int(batch_size, "batch_size", low=2)
    momentum = _check_momentum(momentum)
    steps = check_int(steps, "steps", low=1)
    mean = check_number(mean, "mean")
    std = check_number(std, "std", low=0.0, low_inclusive=False)
    n_test = check_int(n_test, "n_test")
    if n_test < batch_size:
        raise ValueError(f"n_test must be >= batch_size ({batch_size}) to "
                         f"fill one test batch, got {n_test}")
    eps = check_number(eps, "eps", low=0.0, low_inclusive=False)
    rng = check_rng(rng)

    x_test = rng.normal(mean, std, size=n_test)
    batches = rng.normal(mean, std, size=(steps, batch_size))
    stats = running_statistics(batches, momentum=momentum)

    # Each whole test batch is one channel of a (batch_size, n_batches)
    # input: one call normalizes every batch with its own statistics.
    # A last incomplete batch is left out.
    n_batches = n_test // batch_size
    whole = x_test[: n_batches * batch_size]
    columns = whole.reshape(n_batches, batch_size).T
    ones, zeros = np.ones(n_batches), np.zeros(n_batches)
    train = batchnorm_forward(columns, ones, zeros, zeros, ones,
                              training=True, eps=eps)
    evaluated = batchnorm_forward(
        x_test[:, None], np.ones(1), np.zeros(1),
        stats.running_mean[-1:], stats.running_var[-1:],
        training=False, eps=eps)
    return BatchNormStream(
        batch_size=batch_size, momentum=momentum, eps=eps,
        batches=batches, batch_means=stats.batch_mean,
        running_mean=stats.running_mean, running_var=stats.running_var,
        x_test=x_test, train_out=train.out.T.ravel(),
        eval_out=evaluated.out[:, 0], true_mean=mean, true_var=std**2,
    )
