"""Input validation shared by every module of :mod:`lecturelib`.

Every public function validates its arguments where they enter, with messages
in one shape (after scikit-learn): *which parameter, what was expected, what
came*, e.g. ``lr must be >= 0, got -0.1``.  ``assert`` is never used for user
input because ``python -O`` strips it.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "as_float_array",
    "as_index_array",
    "check_shape",
    "check_same_shape",
    "check_number",
    "check_int",
    "check_option",
    "check_bool",
    "check_rng",
]


def _describe_shape(shape: Sequence[int | None | str]) -> str:
    return "(" + ", ".join("*" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def as_float_array(
    x: Any,
    name: str,
    *,
    ndim: int | Iterable[int] | None = None,
    allow_nan: bool = False,
) -> np.ndarray:
    """Return ``x`` as a floating-point ndarray or raise a clear error.

    Parameters
    ----------
    x : array_like
        Value to check. Python scalars and lists of floats are converted;
        integer, boolean, complex and object arrays are rejected (silently
        casting them would hide a bug such as passing class labels as
        features).
    name : str
        Parameter name used in error messages.
    ndim : int or iterable of int, optional
        Allowed numbers of dimensions.
    allow_nan : bool, default False
        Whether NaN or infinite entries are allowed.

    Raises
    ------
    TypeError
        If ``x`` is not a real floating-point array.
    ValueError
        If ``x`` has the wrong number of dimensions or contains NaN/inf.
    """
    arr = np.asarray(x)
    if arr.dtype.kind != "f":
        raise TypeError(f"{name} must be a floating-point array, got dtype {arr.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, numbers.Integral) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be a {want} array, got a {arr.ndim}-D array of shape {arr.shape}")
    if not allow_nan and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values, got NaN or inf")
    return arr


def as_index_array(y: Any, name: str, *, n_classes: int, ndim: int = 1) -> np.ndarray:
    """Return class indices ``y`` as an int64 array with values in ``[0, n_classes)``."""
    arr = np.asarray(y)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an integer array of class indices, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array, got a {arr.ndim}-D array of shape {arr.shape}")
    if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
        raise ValueError(
            f"{name} must hold class indices in [0, {n_classes - 1}], "
            f"got values from {arr.min()} to {arr.max()}"
        )
    return arr.astype(np.int64, copy=False)


def as_labels(y: Any, name: str = "y", *, n_rows: int | None = None, n_rows_of: str = "x") -> np.ndarray:
    """Return class labels ``y`` as a non-empty 1-D int64 array of indices ``>= 0``.

    With ``n_rows``, ``y`` must have one label per row of the array called
    ``n_rows_of``.
    """
    arr = np.asarray(y)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an integer array of class indices, got dtype {arr.dtype}")
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of class indices, got shape {arr.shape}")
    if n_rows is not None and len(arr) != n_rows:
        raise ValueError(f"{n_rows_of} and {name} must have the same number of rows, got {n_rows} and {len(arr)}")
    if arr.min() < 0:
        raise ValueError(f"{name} must hold class indices >= 0, got {arr.min()}")
    return arr.astype(np.int64, copy=False)


def check_shape(x: np.ndarray, name: str, shape: Sequence[int | None], *, meaning: str | None = None) -> None:
    """Raise ``ValueError`` unless ``x.shape`` matches ``shape`` (``None`` matches any size)."""
    ok = x.ndim == len(shape) and all(s is None or s == d for s, d in zip(shape, x.shape))
    if not ok:
        what = f" {meaning}" if meaning else ""
        raise ValueError(f"{name} must have shape {_describe_shape(shape)}{what}, got shape {x.shape}")


def check_same_shape(a: np.ndarray, a_name: str, b: np.ndarray, b_name: str) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same shape, printing both."""
    if a.shape != b.shape:
        raise ValueError(f"{a_name} and {b_name} must have the same shape, got {a.shape} and {b.shape}")


def check_number(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    allow_nan: bool = False,
) -> float:
    """Return ``value`` as a float after checking it is a real number in range.

    With ``allow_nan=True`` NaN and infinities pass (a diverged loss is worth
    recording); the range is then checked only for finite values.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if allow_nan and not np.isfinite(value):
        return value
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value < low or (not low_inclusive and value == low)):
        op = ">=" if low_inclusive else ">"
        raise ValueError(f"{name} must be {op} {low}, got {value}")
    if high is not None and (value > high or (not high_inclusive and value == high)):
        op = "<=" if high_inclusive else "<"
        raise ValueError(f"{name} must be {op} {high}, got {value}")
    return value


def check_int(value: Any, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int after checking it is an integer in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return value


def check_bool(value: Any, name: str) -> bool:
    """Return ``value`` if it is ``True`` or ``False`` (not 0, 1 or a string)."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def check_option(value: Any, name: str, options: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``options``; otherwise list the allowed set."""
    options = list(options)
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value


def check_rng(rng: Any, name: str = "rng") -> np.random.Generator:
    """Return ``rng`` if it is a :class:`numpy.random.Generator`.

    The library never touches NumPy's global random state: randomness comes in
    explicitly, e.g. ``rng=np.random.default_rng(0)``.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy.random.Generator (e.g. np.random.default_rng(0)), "
            f"got {type(rng).__name__}"
        )
    return rng
