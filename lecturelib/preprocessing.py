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
* :func:`pca_whiten`, :func:`zca_whiten` -> :class:`Whitener`: zero mean and
  identity covariance (decorrelated features of unit variance).  PCA turns
  the data onto its principal axes; ZCA whitens while staying as close to the
  input as possible, so whitened images still look like images.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import as_float_array, check_number, check_option, check_shape

__all__ = ["Standardizer", "standardize", "Whitener", "pca_whiten", "zca_whiten"]


def _freeze(obj: object, **arrays: np.ndarray) -> None:
    """Store each array on a frozen dataclass as a private read-only float64 copy: the statistics stay fixed."""
    for name, value in arrays.items():
        value = value.astype(np.float64)
        value.flags.writeable = False
        object.__setattr__(obj, name, value)


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
        _freeze(self, mean=mean, std=std)

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


@dataclass(frozen=True, eq=False)  # eq on arrays is ambiguous
class Whitener:
    r"""A whitening matrix fitted on a training set, applied to new data.

    .. math::
        \operatorname{transform}(x) = (x - \mu)\, W^\top

    row by row, so that an input :math:`x` of shape ``(n, n_features)`` gives
    ``(n, n_features)`` whitened features.  Built by :func:`pca_whiten` or
    :func:`zca_whiten`; calling the object is the same as calling
    :meth:`transform`.

    Attributes
    ----------
    mean : ndarray of shape (n_features,), float64
        :math:`\mu`, the training mean.
    matrix : ndarray of shape (n_features, n_features), float64
        The whitening matrix :math:`W`; output feature ``k`` is
        ``(x - mean) @ matrix[k]``.
    eigenvalues : ndarray of shape (n_features,), float64
        :math:`\lambda_1 \ge \dots \ge \lambda_D \ge 0`, the eigenvalues of
        the training covariance in decreasing order (the variances along
        the principal directions).
    method : {"pca", "zca"}
        Which whitening built ``matrix``.
    eps : float
        The regulariser added to every eigenvalue, ``> 0``.

    Examples
    --------
    >>> white = Whitener(mean=np.array([1.0, 0.0]), matrix=np.array([[0.5, 0.0], [0.0, 2.0]]),
    ...                  eigenvalues=np.array([4.0, 0.25]), method="pca", eps=1e-5)
    >>> white
    Whitener(method='pca', n_features=2, eps=1e-05)
    >>> white(np.array([[3.0, 1.0]])).tolist()
    [[1.0, 2.0]]
    """

    mean: np.ndarray
    matrix: np.ndarray
    eigenvalues: np.ndarray
    method: str
    eps: float

    def __post_init__(self) -> None:
        mean = as_float_array(self.mean, "mean", ndim=1)
        n_features = len(mean)
        matrix = as_float_array(self.matrix, "matrix", ndim=2)
        check_shape(matrix, "matrix", (n_features, n_features), meaning="to match mean")
        eigenvalues = as_float_array(self.eigenvalues, "eigenvalues", ndim=1)
        check_shape(eigenvalues, "eigenvalues", (n_features,), meaning="to match mean")
        if np.any(eigenvalues < 0.0):
            raise ValueError(f"eigenvalues must be >= 0, got a minimum of {eigenvalues.min()}")
        if np.any(np.diff(eigenvalues) > 0.0):
            i = int(np.argmax(np.diff(eigenvalues) > 0.0))
            raise ValueError(
                f"eigenvalues must be in decreasing order, got {eigenvalues[i]} before {eigenvalues[i + 1]}"
            )
        check_option(self.method, "method", ["pca", "zca"])
        object.__setattr__(self, "eps", check_number(self.eps, "eps", low=0.0, low_inclusive=False))
        _freeze(self, mean=mean, matrix=matrix, eigenvalues=eigenvalues)

    @property
    def n_features(self) -> int:
        """Number of features the statistics were computed on."""
        return len(self.mean)

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Whiten ``x`` with the training mean and matrix.

        Parameters
        ----------
        x : ndarray of shape (n, n_features), floating point

        Returns
        -------
        ndarray of shape (n, n_features), float64
            ``(x - mean) @ matrix.T``, a new array.
        """
        x = as_float_array(x, "x", ndim=2)
        check_shape(x, "x", (None, self.n_features), meaning="like the training data")
        return (x - self.mean) @ self.matrix.T

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Same as :meth:`transform`."""
        return self.transform(x)

    def __repr__(self) -> str:
        return f"Whitener(method={self.method!r}, n_features={self.n_features}, eps={self.eps!r})"


def _covariance_eigh(x_train: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Validate, then return the training mean, eigenvalues and eigenvectors of the covariance, and ``eps``.

    Eigenvalues come in decreasing order and clipped at 0 (a covariance has
    none below 0; eigh can return -1e-17 for a zero one).  Each eigenvector
    (column) is signed so that its largest-magnitude entry is positive, as
    scikit-learn's ``PCA`` does, so the PCA output does not depend on LAPACK.
    """
    x_train = as_float_array(x_train, "x_train", ndim=2)
    if len(x_train) < 2:
        raise ValueError(f"x_train must have at least 2 rows to estimate a covariance, got shape {x_train.shape}")
    eps = check_number(eps, "eps", low=0.0, low_inclusive=False)
    x_train = x_train.astype(np.float64)
    constant = x_train.max(axis=0) == x_train.min(axis=0)  # centred to exactly 0, as in standardize
    mean = np.where(constant, x_train[0], x_train.mean(axis=0))
    centred = x_train - mean
    eigenvalues, vectors = np.linalg.eigh(centred.T @ centred / len(x_train))  # ddof=0
    eigenvalues, vectors = np.maximum(eigenvalues[::-1], 0.0), vectors[:, ::-1]
    largest = np.argmax(np.abs(vectors), axis=0)
    vectors = vectors * np.sign(vectors[largest, np.arange(vectors.shape[1])])
    return mean, eigenvalues, vectors, eps


def pca_whiten(x_train: np.ndarray, *, eps: float = 1e-5) -> Whitener:
    r"""Fit PCA whitening on ``x_train``: decorrelate along the principal axes.

    With the training mean :math:`\mu`, the covariance
    :math:`\Sigma = \frac1n \sum_i (x_i - \mu)(x_i - \mu)^\top = U \Lambda U^\top`
    (eigenvalues :math:`\lambda_1 \ge \dots \ge \lambda_D` on the diagonal of
    :math:`\Lambda`, eigenvectors in the columns of :math:`U`),

    .. math::
        W_\text{PCA} = (\Lambda + \epsilon I)^{-1/2}\, U^\top, \qquad
        z = W_\text{PCA}\,(x - \mu).

    Row :math:`k` of :math:`W` is the :math:`k`-th principal direction
    divided by :math:`\sqrt{\lambda_k + \epsilon}`, so output feature
    :math:`k` is the :math:`k`-th principal component, features in order of
    decreasing training variance, each scaled to (almost) unit variance.
    The covariance of the whitened training set is

    .. math::
        W \Sigma W^\top = \operatorname{diag}\!\Big(\frac{\lambda_k}{\lambda_k + \epsilon}\Big)
        \approx I.

    ``eps`` keeps directions of tiny variance from blowing up: direction
    :math:`k` is amplified by :math:`1/\sqrt{\lambda_k + \epsilon} \le
    1/\sqrt{\epsilon}` (316 for the default), and one with
    :math:`\lambda_k \ll \epsilon` keeps variance
    :math:`\lambda_k / \epsilon` instead of being stretched to 1.  Without
    it a feature that is constant on the training set (:math:`\lambda = 0`)
    would divide by zero.  In images those low-variance directions are mostly
    pixel noise, and whitening amplifies them up to the loudness of the real
    structure: one reason it is rarely used on images.

    The statistics come from the training set alone (see :func:`standardize`),
    the covariance with ``ddof=0``; rows of ``matrix`` are signed so their
    largest entry is positive, as in scikit-learn's ``PCA``.

    Parameters
    ----------
    x_train : ndarray of shape (n_train, n_features), floating point
        Training inputs, ``n_train >= 2``.
    eps : float, default 1e-5
        Added to every eigenvalue, ``> 0``.

    Returns
    -------
    Whitener
        ``method="pca"``; call it on any array of shape ``(n, n_features)``.

    References
    ----------
    Kessy, A., Lewis, A. and Strimmer, K. (2018). Optimal whitening and
    decorrelation. *The American Statistician* 72(4), 309-314.

    Examples
    --------
    >>> x_train = np.array([[3.4, 5.2], [-1.4, -1.2], [1.8, 1.4], [0.2, 2.6]])
    >>> white = pca_whiten(x_train)
    >>> white.eigenvalues.round(4).tolist()  # principal axes (0.6, 0.8) and (0.8, -0.6)
    [8.0, 0.5]
    >>> white.matrix.round(4).tolist()  # rows: the principal directions / sqrt(lambda + eps)
    [[0.2121, 0.2828], [1.1314, -0.8485]]
    >>> z = white(x_train)
    >>> np.allclose(z.T @ z / len(z), np.eye(2), atol=1e-4)  # identity covariance
    True
    """
    mean, eigenvalues, vectors, eps = _covariance_eigh(x_train, eps)
    matrix = vectors.T / np.sqrt(eigenvalues + eps)[:, None]  # diag(1/sqrt(lambda + eps)) U^T
    return Whitener(mean=mean, matrix=matrix, eigenvalues=eigenvalues, method="pca", eps=eps)


def zca_whiten(x_train: np.ndarray, *, eps: float = 1e-5) -> Whitener:
    r"""Fit ZCA whitening on ``x_train``: decorrelate, then rotate back.

    With :math:`\mu`, :math:`\Sigma = U \Lambda U^\top` and :math:`\epsilon`
    as in :func:`pca_whiten`,

    .. math::
        W_\text{ZCA} = U\, (\Lambda + \epsilon I)^{-1/2}\, U^\top
        = U\, W_\text{PCA} \approx \Sigma^{-1/2}, \qquad
        z = W_\text{ZCA}\,(x - \mu).

    ZCA is PCA whitening rotated back into the input's coordinates, and the
    matrix is symmetric.  Of all whitening matrices (every :math:`Q
    W_\text{PCA}` with :math:`Q` orthogonal) it is the one whose output is
    closest to the centred input, minimising
    :math:`\mathbb E\,\lVert z - (x - \mu) \rVert^2`: whitened images still
    look like images (edges enhanced), which is why Bell & Sejnowski used it
    for natural images.  ``eps`` caps the amplification of low-variance
    directions at :math:`1/\sqrt{\epsilon}`, as explained in
    :func:`pca_whiten`.

    Parameters
    ----------
    x_train : ndarray of shape (n_train, n_features), floating point
        Training inputs, ``n_train >= 2``.
    eps : float, default 1e-5
        Added to every eigenvalue, ``> 0``.

    Returns
    -------
    Whitener
        ``method="zca"``; call it on any array of shape ``(n, n_features)``.

    References
    ----------
    Bell, A. J. and Sejnowski, T. J. (1997). The "independent components" of
    natural scenes are edge filters. *Vision Research* 37(23), 3327-3338.

    Kessy, A., Lewis, A. and Strimmer, K. (2018). Optimal whitening and
    decorrelation. *The American Statistician* 72(4), 309-314.

    Examples
    --------
    >>> x_train = np.array([[3.4, 5.2], [-1.4, -1.2], [1.8, 1.4], [0.2, 2.6]])
    >>> white = zca_whiten(x_train)
    >>> white.matrix.round(4).tolist()  # symmetric
    [[1.0324, -0.5091], [-0.5091, 0.7354]]
    >>> z = white(x_train)
    >>> np.allclose(z.T @ z / len(z), np.eye(2), atol=1e-4)  # identity covariance
    True
    """
    mean, eigenvalues, vectors, eps = _covariance_eigh(x_train, eps)
    matrix = (vectors / np.sqrt(eigenvalues + eps)) @ vectors.T  # U diag(1/sqrt(lambda + eps)) U^T
    matrix = (matrix + matrix.T) / 2.0  # symmetric to the last bit, not just up to rounding
    return Whitener(mean=mean, matrix=matrix, eigenvalues=eigenvalues, method="zca", eps=eps)
