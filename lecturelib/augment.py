"""Seeded data augmentation: new training examples from old ones.

Every augmentation is a numpy function ``f(x, *, rng, ...) -> new array``:
batch-first (one example per row of ``x``), one random draw per example from
``rng`` (a :class:`numpy.random.Generator`), and a **new** array of the same
shape and dtype as ``x``, never a change in place.

MNIST-1D sequences, shape ``(N, L)``
    :func:`shift_sequences` (circular shift) and :func:`scale_sequences`
    (amplitude), in the spirit of the transforms with which Greydanus
    (2020) generates the data set.
8x8 digit images, shape ``(N, H, W)`` or flattened ``(N, H*W)``
    :func:`shift_images` (integer translation with a constant fill) and
    :func:`rotate_images` (small rotations, bilinear).
Any shape
    :func:`add_noise` (white Gaussian noise).

:class:`Compose` chains augmentations, as ``torchvision.transforms.Compose``
does.  :func:`as_batch_transform` turns one into ``transform(xb, generator)``
for a torch training loop: torch tensor in, torch tensor out, randomness
from a :class:`torch.Generator`.  This module never imports torch at the
top level; the adapter imports it when it runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ._validation import as_float_array, check_int, check_number, check_rng

__all__ = [
    "add_noise",
    "shift_sequences",
    "scale_sequences",
    "shift_images",
    "rotate_images",
    "Compose",
    "as_batch_transform",
]

#: ``augmentation(x, *, rng) -> new array``, after its settings are bound
#: (e.g. with :func:`functools.partial`).
Augmentation = Callable[..., np.ndarray]


def add_noise(x: Any, *, std: float, rng: np.random.Generator) -> np.ndarray:
    r"""Add white Gaussian noise to every entry.

    .. math::

        x'_{n, i} = x_{n, i} + \sigma\, \varepsilon_{n, i}, \qquad
        \varepsilon_{n, i} \sim \mathcal{N}(0, 1) \text{ independent}

    Parameters
    ----------
    x : ndarray of float, any shape
        The inputs, e.g. sequences ``(N, L)`` or images ``(N, H, W)``.
    std : float
        :math:`\sigma \ge 0`, in the units of ``x`` (for standardized
        inputs, a fraction of a feature's standard deviation).
    rng : numpy.random.Generator
        Source of the noise, ``rng.standard_normal(x.shape)``, drawn in
        float64 whatever the dtype of ``x``.

    Returns
    -------
    ndarray, shape and dtype of ``x``
        A new array.

    References
    ----------
    Bishop, C. M. (1995). Training with noise is equivalent to Tikhonov
    regularization. *Neural Computation* 7(1), 108-116.

    Examples
    --------
    >>> x = np.zeros((2, 3))
    >>> add_noise(x, std=0.1, rng=np.random.default_rng(0)).round(3)
    array([[ 0.013, -0.013,  0.064],
           [ 0.01 , -0.054,  0.036]])
    """
    x = as_float_array(x, "x")
    std = check_number(std, "std", low=0.0)
    rng = check_rng(rng)
    noise = rng.standard_normal(x.shape)
    return np.asarray(x + std * noise, dtype=x.dtype)


def _roll_rows(x: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Row ``n`` of ``x`` rolled by ``shifts[n]``, as ``np.roll(x[n], shifts[n])``."""
    length = x.shape[1]
    source = (np.arange(length) - shifts[:, None]) % length
    return np.take_along_axis(x, source, axis=1)


def shift_sequences(x: Any, *, max_shift: int, rng: np.random.Generator) -> np.ndarray:
    r"""Shift each sequence circularly by a random whole number of steps.

    Example :math:`n` is rolled by :math:`k_n`, drawn uniformly from the
    integers in :math:`[-\text{max\_shift}, \text{max\_shift}]`; positive
    :math:`k_n` moves values to the right (later indices), and values that
    leave one end come back at the other, as :func:`numpy.roll`:

    .. math::

        x'_{n, i} = x_{n, (i - k_n) \bmod L}

    Parameters
    ----------
    x : ndarray of float, shape (N, L)
        Sequences, one per row (MNIST-1D: ``L = 40``).
    max_shift : int
        Largest shift, ``>= 0``; 0 leaves every sequence as it is.
    rng : numpy.random.Generator
        The shifts are
        ``rng.integers(-max_shift, max_shift, size=N, endpoint=True)``.

    Returns
    -------
    ndarray of shape (N, L), dtype of ``x``
        A new array.

    Notes
    -----
    In the spirit of the MNIST-1D generator (Greydanus, 2020), which shifts
    each padded template circularly by 0 to ``max_translation - 1`` steps
    (48 by default) *before* it adds noise, shears and resamples to 40
    points.  Here the shift acts on the finished sequence, so a sheared
    sequence gets a jump where its ends meet, and it goes both ways.

    References
    ----------
    Greydanus, S. (2020). Scaling down deep learning. arXiv:2011.14439.

    Examples
    --------
    >>> x = np.array([[0.0, 1.0, 2.0, 3.0, 4.0]])
    >>> shift_sequences(x, max_shift=2, rng=np.random.default_rng(0))
    array([[3., 4., 0., 1., 2.]])
    """
    x = as_float_array(x, "x", ndim=2)
    max_shift = check_int(max_shift, "max_shift", low=0)
    rng = check_rng(rng)
    shifts = rng.integers(-max_shift, max_shift, size=len(x), endpoint=True)
    return _roll_rows(x, shifts)


def scale_sequences(x: Any, *, max_scale: float, rng: np.random.Generator) -> np.ndarray:
    r"""Multiply each sequence by a random factor close to 1.

    .. math::

        x'_{n, i} = s_n\, x_{n, i}, \qquad
        s_n \sim \mathcal{U}(1 - \text{max\_scale},\ 1 + \text{max\_scale})

    Parameters
    ----------
    x : ndarray of float, shape (N, L)
        Sequences, one per row.
    max_scale : float
        Largest relative change of the amplitude, in ``[0, 1)`` (so every
        factor is positive and no sequence is flipped).
    rng : numpy.random.Generator
        The factors are
        ``rng.uniform(1 - max_scale, 1 + max_scale, size=N)``.

    Returns
    -------
    ndarray of shape (N, L), dtype of ``x``
        A new array.

    Notes
    -----
    In the spirit of the MNIST-1D generator (Greydanus, 2020), which scales
    each template by a factor in ``[0.8, 1.2]`` (``scale_coeff=0.4``, i.e.
    ``max_scale=0.2`` here) before it adds noise.  Here the factor scales
    the finished sequence, noise included, around 0 (the data set's mean).

    References
    ----------
    Greydanus, S. (2020). Scaling down deep learning. arXiv:2011.14439.

    Examples
    --------
    >>> x = np.ones((2, 3))
    >>> scale_sequences(x, max_scale=0.2, rng=np.random.default_rng(0)).round(3)
    array([[1.055, 1.055, 1.055],
           [0.908, 0.908, 0.908]])
    """
    x = as_float_array(x, "x", ndim=2)
    max_scale = check_number(max_scale, "max_scale", low=0.0, high=1.0, high_inclusive=False)
    rng = check_rng(rng)
    factors = rng.uniform(1.0 - max_scale, 1.0 + max_scale, size=len(x))
    return (x * factors[:, None]).astype(x.dtype, copy=False)


def _as_images(x: Any) -> np.ndarray:
    """``x`` of shape (N, H, W), or (N, D) with D a square, as images (N, H, W)."""
    x = as_float_array(x, "x", ndim=(2, 3))
    if x.ndim == 3:
        return x
    side = math.isqrt(x.shape[1])
    if side * side != x.shape[1]:
        raise ValueError(
            "x must have shape (N, H, W), or (N, D) with D a square number (e.g. (N, 64) for 8x8 "
            f"images), got shape {x.shape}")
    return x.reshape(len(x), side, side)


def _translate(images: np.ndarray, shifts: np.ndarray, fill: float) -> np.ndarray:
    """Image ``n`` moved ``shifts[n] = (down, right)`` pixels; uncovered pixels get ``fill``."""
    n, height, width = images.shape
    rows = np.arange(height) - shifts[:, :1]  # (N, H): source row of each output row
    cols = np.arange(width) - shifts[:, 1:]  # (N, W)
    inside = ((rows >= 0) & (rows < height))[:, :, None] & ((cols >= 0) & (cols < width))[:, None, :]
    moved = images[np.arange(n)[:, None, None],
                   rows.clip(0, height - 1)[:, :, None], cols.clip(0, width - 1)[:, None, :]]
    return np.where(inside, moved, np.asarray(fill, dtype=images.dtype))


def shift_images(x: Any, *, max_shift: int, rng: np.random.Generator, fill: float = 0.0) -> np.ndarray:
    r"""Move each image by a random whole number of pixels, down/up and right/left.

    Image :math:`n` moves :math:`a_n` rows down and :math:`b_n` columns
    right (negative: up, left), both drawn uniformly from the integers in
    :math:`[-\text{max\_shift}, \text{max\_shift}]`.  Pixels that leave the
    frame are lost, and the uncovered ones get ``fill`` (no wrap-around):

    .. math::

        x'_{n, i, j} = \begin{cases}
            x_{n, i - a_n, j - b_n} & \text{if that pixel is inside the image} \\
            \text{fill} & \text{otherwise}
        \end{cases}

    Parameters
    ----------
    x : ndarray of float, shape (N, H, W) or (N, H*W) with H = W
        Images, e.g. scikit-learn's 8x8 digits as ``(N, 8, 8)`` or
        flattened ``(N, 64)``.
    max_shift : int
        Largest shift in pixels, ``>= 0``, in each direction.
    rng : numpy.random.Generator
        The shifts are ``rng.integers(-max_shift, max_shift, size=(N, 2),
        endpoint=True)``, column 0 down, column 1 right.
    fill : float, default 0.0
        Value of the uncovered pixels (torchvision's name; 0 is blank
        paper for the raw digits, whose pixels are 0-16).

    Returns
    -------
    ndarray, shape and dtype of ``x``
        A new array, flattened if ``x`` was.

    Notes
    -----
    On standardized digits 0 is each pixel's mean, not blank paper, and a
    blank pixel has a different standardized value in every position: to
    fill with blank paper, augment the raw images and standardize after.

    References
    ----------
    LeCun, Y., Bottou, L., Bengio, Y. and Haffner, P. (1998). Gradient-based
    learning applied to document recognition. *Proc. IEEE* 86(11).

    Examples
    --------
    >>> x = np.arange(1.0, 10.0).reshape(1, 3, 3)
    >>> shift_images(x, max_shift=1, rng=np.random.default_rng(2))  # 1 down, 1 left
    array([[[0., 0., 0.],
            [2., 3., 0.],
            [5., 6., 0.]]])
    """
    images = _as_images(x)
    max_shift = check_int(max_shift, "max_shift", low=0)
    rng = check_rng(rng)
    fill = check_number(fill, "fill")
    shifts = rng.integers(-max_shift, max_shift, size=(len(images), 2), endpoint=True)
    return _translate(images, shifts, fill).reshape(np.shape(x))


def _rotate(images: np.ndarray, degrees: np.ndarray, fill: float) -> np.ndarray:
    """Image ``n`` turned ``degrees[n]`` counter-clockwise about its centre, bilinear."""
    from scipy import ndimage

    if len(images) == 0:
        return images.copy()
    return np.stack([ndimage.rotate(image, angle, reshape=False, order=1, mode="constant", cval=fill)
                     for image, angle in zip(images, degrees)]).reshape(images.shape)


def rotate_images(x: Any, *, max_degrees: float, rng: np.random.Generator, fill: float = 0.0) -> np.ndarray:
    r"""Turn each image about its centre by a small random angle.

    Image :math:`n` turns by :math:`\theta_n \sim
    \mathcal{U}(-\text{max\_degrees}, \text{max\_degrees})` degrees,
    counter-clockwise as :func:`matplotlib.pyplot.imshow` draws it (the
    direction of :func:`numpy.rot90`).  Each output pixel :math:`p` takes
    the bilinear interpolation of the input at :math:`c + R_{-\theta_n}(p -
    c)`, where :math:`c` is the image's centre; points outside the image
    get ``fill``.  This is ``scipy.ndimage.rotate(image, theta,
    reshape=False, order=1, cval=fill)``.

    Parameters
    ----------
    x : ndarray of float, shape (N, H, W) or (N, H*W) with H = W
        Images, e.g. 8x8 digits as ``(N, 8, 8)`` or ``(N, 64)``.
    max_degrees : float
        Largest angle in degrees, in ``[0, 180]``.
    rng : numpy.random.Generator
        The angles are ``rng.uniform(-max_degrees, max_degrees, size=N)``.
    fill : float, default 0.0
        Value of pixels that come from outside the image (scipy's
        ``cval``; see the note on standardized images in
        :func:`shift_images`).

    Returns
    -------
    ndarray, shape and dtype of ``x``
        A new array, flattened if ``x`` was.

    Notes
    -----
    On 8x8 pixels, bilinear interpolation blurs: even a small angle
    averages neighbouring pixels, which is part of what the augmentation
    does to the data.

    References
    ----------
    Simard, P. Y., Steinkraus, D. and Platt, J. C. (2003). Best practices
    for convolutional neural networks applied to visual document analysis.
    *ICDAR*.

    Examples
    --------
    >>> x = np.zeros((1, 3, 3)); x[0, 0, 2] = 1.0  # top right corner
    >>> rotate_images(x, max_degrees=0.0, rng=np.random.default_rng(0))[0]
    array([[0., 0., 1.],
           [0., 0., 0.],
           [0., 0., 0.]])
    """
    images = _as_images(x)
    max_degrees = check_number(max_degrees, "max_degrees", low=0.0, high=180.0)
    rng = check_rng(rng)
    fill = check_number(fill, "fill")
    degrees = rng.uniform(-max_degrees, max_degrees, size=len(images))
    return _rotate(images, degrees, fill).reshape(np.shape(x))


class Compose:
    """Apply augmentations one after the other, with one generator.

    As ``torchvision.transforms.Compose``, but every augmentation is called
    as ``t(x, *, rng)`` with the same ``rng``, in the order given; bind
    settings with :func:`functools.partial`.

    Parameters
    ----------
    transforms : iterable of callables ``t(x, *, rng) -> ndarray``
        At least one.

    Examples
    --------
    >>> from functools import partial
    >>> augment = Compose([partial(shift_images, max_shift=1), partial(add_noise, std=0.5)])
    >>> augment(np.zeros((2, 64)), rng=np.random.default_rng(0)).shape
    (2, 64)
    """

    def __init__(self, transforms: Iterable[Augmentation]) -> None:
        if isinstance(transforms, str) or not isinstance(transforms, Iterable):
            raise TypeError(f"transforms must be a list of callables, got {type(transforms).__name__}")
        self.transforms = tuple(transforms)
        if not self.transforms:
            raise ValueError("transforms must hold at least one callable, got an empty list")
        for i, t in enumerate(self.transforms):
            if not callable(t):
                raise TypeError(f"transforms[{i}] must be callable as t(x, *, rng), got {type(t).__name__}")

    def __call__(self, x: Any, *, rng: np.random.Generator) -> np.ndarray:
        rng = check_rng(rng)
        for t in self.transforms:
            x = t(x, rng=rng)
        return x

    def __repr__(self) -> str:
        return "Compose([" + ", ".join(repr(t) for t in self.transforms) + "])"


def as_batch_transform(fn: Augmentation, **kwargs: Any) -> Callable[[Any, Any], Any]:
    """Turn a numpy augmentation into ``transform(xb, generator)`` for torch.

    The returned function takes a floating-point tensor batch ``xb`` and a
    :class:`torch.Generator`, draws one 63-bit seed with that generator
    (``torch.randint``), and returns
    ``fn(xb as numpy, rng=np.random.default_rng(seed), **kwargs)`` as a
    tensor of the dtype and device of ``xb``.  Each batch thus gets fresh
    randomness, and a run is reproducible from the generator's seed.

    Parameters
    ----------
    fn : callable ``fn(x, *, rng, **kwargs) -> ndarray``
        An augmentation of this module, a :class:`Compose`, or any function
        with that signature.
    **kwargs
        Settings passed to ``fn`` on every call (not ``rng``).

    Returns
    -------
    callable ``transform(xb, generator) -> Tensor``
        ``xb`` : Tensor of shape (B, ...), floating point; it is not
        changed, and gradients do not flow through the augmentation.

    Notes
    -----
    This module imports torch only inside ``transform``, when it runs.  The
    seed is drawn from ``generator``, so a training loop that also shuffles
    with it gets a different batch order than without augmentation.

    Examples
    --------
    >>> import torch
    >>> transform = as_batch_transform(add_noise, std=0.1)
    >>> xb = torch.zeros(4, 40)
    >>> out = transform(xb, torch.Generator().manual_seed(0))
    >>> out.shape, out.dtype
    (torch.Size([4, 40]), torch.float32)
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable as fn(x, *, rng, ...), got {type(fn).__name__}")
    if "rng" in kwargs:
        raise ValueError("kwargs must not include rng: the transform draws it from the torch generator")

    def transform(xb: Any, generator: Any) -> Any:
        import torch

        if not isinstance(xb, torch.Tensor) or not xb.is_floating_point():
            what = f"dtype {xb.dtype}" if isinstance(xb, torch.Tensor) else type(xb).__name__
            raise TypeError(f"xb must be a floating-point torch.Tensor, got {what}")
        if not isinstance(generator, torch.Generator):
            raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
        seed = torch.randint(0, 2**63 - 1, (1,), generator=generator, device=generator.device).item()
        out = fn(xb.detach().cpu().numpy(), rng=np.random.default_rng(seed), **kwargs)
        return torch.as_tensor(np.asarray(out)).to(device=xb.device, dtype=xb.dtype)

    return transform
