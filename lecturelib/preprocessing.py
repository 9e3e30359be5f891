"""Input preprocessing fitted on the training set and applied to any data.

A preprocessing step has two halves: *fitting* computes statistics from the
training inputs only, and *transforming* applies those same statistics to
training, validation, test or brand-new inputs.  Each fitting function here
returns a small frozen object that holds the statistics and transforms new
data when called (``transform(x)`` or simply ``(x)``), so that the
validation and test sets can never leak into the statistics::

    scaler = standardize(x_train)      # statistics of x_train only
    x_val_std = scaler(x_val)          # the same mean and std

* :func:`standardize` -> :class:`Standardizer`: zero mean and unit variance
  per feature.

Whitening (PCA, ZCA) follows the same pattern: a function fitted on
``x_train`` returning an object with a ``transform`` method.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import as_float_array

__all__ = ["Standardizer", "standardize"]


@dataclass(frozen=True, eq=False)  # eq on arrays is ambiguous
class Standardizer:
    r"""Per-feature statistics of a training set, applied to new data.

    .. math::
        \operatorname{transform}(x)_{ij} = \frac{x_{ij} - \mu_j}{\sigma_j}

    Built by :func:`standardize`; calling the object is the same as calling
    :meth:`transform`.

    Attributes
    ----------
    mean : ndarray of shape (n_features,), float64
        :math:`\mu_j`, the training mean of feature ``j``.
    std : ndarray of shape (n_features,), float64
        :math:`\sigma_j`, the training standard deviation of feature ``j``
        (exactly 1 for a feature that is constant on the training set).

    Examples
    --------
    >>> scaler = Standardizer(mean=np.array([1.0, 0.0]), std=np.array([2.0, 1.0]))
    >>> scaler(np.array([[3.0, 5.0]])).tolist()
    [[1.0, 5.0]]
    """

    mean: np.ndarray
    std: np.ndarray

    def __post_init__(self) -> None:
        mean = as_float_array(self.mean, "mean", ndim=1)
        std = as_float_array(self.std, "std", ndim=1)
        if mean.shape != std.shape:
            raise ValueError(f"mean and std must have the same shape, got {mean.shape} and {std.shape}")
        if np.any(std <= 0.0):
            raise ValueError(f"std must be > 0 for every feature, got a minimum of {std.min()}")
        for name, value in (("mean", mean), ("std", std)):
            value = value.astype(np.float64)  # a private read-only copy: the statistics stay fixed
            value.flags.writeable = False
            object.__setattr__(self, name, value)

    @property
    def n_features(self) -> int:
        """Number of features the statistics were computed on."""
        return len(self.mean)

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Standardise ``x`` with the training statistics.

        Parameters
        ----------
        x : ndarray of shape (n, n_features), floating point

        Returns
        -------
        ndarray of shape (n, n_features), float64
            ``(x - mean) / std``, a new array.
        """
        x = as_float_array(x, "x", ndim=2)
        if x.shape[1] != self.n_features:
            raise ValueError(
                f"x must have {self.n_features} features like the training data, got shape {x.shape}"
            )
        return (x - self.mean) / self.std

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Same as :meth:`transform`."""
        return self.transform(x)

    def __repr__(self) -> str:
        return f"Standardizer(n_features={self.n_features})"


def standardize(x_train: np.ndarray) -> Standardizer:
    r"""Fit per-feature standardisation on ``x_train``.

    .. math::
        \mu_j = \frac1n \sum_{i=1}^n x_{ij}, \qquad
        \sigma_j = \sqrt{\frac1n \sum_{i=1}^n (x_{ij} - \mu_j)^2}
        \;\; (\sigma_j := 1 \text{ if feature } j \text{ is constant})

    The statistics come from the training set alone; the returned
    :class:`Standardizer` applies them to every split, so nothing about the
    validation or test inputs leaks into training.  A feature that is
    constant on the training set (a border pixel that is always 0) would
    divide by zero; its ``std`` is set to exactly 1 and its ``mean`` to
    exactly that constant, so it is only centred (to exactly 0 on the
    training set).  "Constant" means all values are equal: floating-point
    ``std`` of equal values such as 0.1 can come out as 1e-17 instead of 0.
    ``std`` is the population standard deviation (``ddof=0``), as in
    scikit-learn's ``StandardScaler``.

    Parameters
    ----------
    x_train : ndarray of shape (n_train, n_features), floating point
        Training inputs, ``n_train >= 1``.

    Returns
    -------
    Standardizer
        ``mean`` and ``std`` of shape ``(n_features,)``; call it on any array
        of shape ``(n, n_features)``.

    References
    ----------
    LeCun, Y., Bottou, L., Orr, G. B. and Mueller, K.-R. (1998). Efficient
    BackProp. In *Neural Networks: Tricks of the Trade*, Springer (section 4.3,
    "Normalizing the inputs").

    Examples
    --------
    >>> x_train = np.array([[0.0, 1.0], [2.0, 1.0]])
    >>> scaler = standardize(x_train)
    >>> scaler.mean.tolist(), scaler.std.tolist()
    ([1.0, 1.0], [1.0, 1.0])
    >>> scaler(np.array([[1.0, 3.0]])).tolist()
    [[0.0, 2.0]]
    """
    x_train = as_float_array(x_train, "x_train", ndim=2)
    if len(x_train) == 0:
        raise ValueError(f"x_train must have at least one row, got shape {x_train.shape}")
    # "constant" means all values equal; x.std() of equal values can be 1e-17, not 0
    constant = x_train.max(axis=0) == x_train.min(axis=0)
    mean = np.where(constant, x_train[0], x_train.mean(axis=0))
    std = np.where(constant, 1.0, x_train.std(axis=0))
    return Standardizer(mean=mean, std=std)
