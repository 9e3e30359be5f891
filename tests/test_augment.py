"""Tests for lecturelib.augment: documented draws, exact shifts and rotations, noise level, torch adapter, errors."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from scipy import ndimage

from lecturelib.augment import (
    Compose,
    _rotate,
    add_noise,
    as_batch_transform,
    rotate_images,
    scale_sequences,
    shift_images,
    shift_sequences,
)


def _sequences(n=7, length=40, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal((n, length)).astype(dtype)


def _images(n=6, side=8, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).uniform(0.0, 16.0, (n, side, side)).astype(dtype)


# (augmentation with its settings, example input): every augmentation of the module
AUGMENTATIONS = {
    "shift_sequences": (partial(shift_sequences, max_shift=5), _sequences),
    "scale_sequences": (partial(scale_sequences, max_scale=0.3), _sequences),
    "add_noise": (partial(add_noise, std=0.2), _sequences),
    "shift_images": (partial(shift_images, max_shift=2), _images),
    "shift_images_flat": (partial(shift_images, max_shift=2), lambda **kw: _images(**kw).reshape(-1, 64)),
    "rotate_images": (partial(rotate_images, max_degrees=20.0), _images),
    "rotate_images_flat": (partial(rotate_images, max_degrees=20.0), lambda **kw: _images(**kw).reshape(-1, 64)),
    "compose": (Compose([partial(shift_images, max_shift=1), partial(add_noise, std=0.1)]), _images),
}


# ------------------------------------------------------------ every augmentation


@pytest.mark.parametrize("name", AUGMENTATIONS)
def test_same_seed_same_result_different_seed_different_result(name):
    fn, make = AUGMENTATIONS[name]
    x = make()
    a = fn(x, rng=np.random.default_rng(3))
    assert_array_equal(a, fn(x, rng=np.random.default_rng(3)))
    assert not np.array_equal(a, fn(x, rng=np.random.default_rng(4)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", AUGMENTATIONS)
def test_shape_and_dtype_kept_and_input_untouched(name, dtype):
    fn, make = AUGMENTATIONS[name]
    x = make(dtype=dtype)
    before = x.copy()
    out = fn(x, rng=np.random.default_rng(0))
    assert out.shape == x.shape and out.dtype == dtype
    assert_array_equal(x, before)
    assert not np.shares_memory(out, x)


@pytest.mark.parametrize("name", AUGMENTATIONS)
def test_float32_follows_the_float64_draw(name):
    fn, make = AUGMENTATIONS[name]
    x64 = make()
    out32 = fn(x64.astype(np.float32), rng=np.random.default_rng(1))
    assert_allclose(out32, fn(x64, rng=np.random.default_rng(1)), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("name", AUGMENTATIONS)
def test_an_empty_batch_stays_empty(name):
    fn, make = AUGMENTATIONS[name]
    x = make()[:0]
    assert fn(x, rng=np.random.default_rng(0)).shape == x.shape


# ------------------------------------------------------------ sequences


@pytest.mark.parametrize("max_shift", [0, 1, 5, 39, 100])
@pytest.mark.parametrize("seed", [0, 1])
def test_shift_sequences_rolls_each_row_by_its_drawn_shift(max_shift, seed):
    x = _sequences(n=9)
    out = shift_sequences(x, max_shift=max_shift, rng=np.random.default_rng(seed))
    shifts = np.random.default_rng(seed).integers(-max_shift, max_shift, size=9, endpoint=True)
    for row, source, k in zip(out, x, shifts):
        assert_array_equal(row, np.roll(source, k))


def test_shift_sequences_draws_every_shift_in_range_uniformly():
    x = np.zeros((6000, 10))
    x[:, 0] = 1.0
    out = shift_sequences(x, max_shift=3, rng=np.random.default_rng(0))
    shifts = out.argmax(axis=1)  # where the 1 went, mod 10
    counts = np.bincount(shifts, minlength=10)
    assert set(np.flatnonzero(counts)) == {0, 1, 2, 3, 7, 8, 9}  # -3..3
    assert_allclose(counts[counts > 0] / 6000, 1 / 7, atol=0.02)


@pytest.mark.parametrize("max_scale", [0.0, 0.2, 0.9])
def test_scale_sequences_multiplies_each_row_by_its_drawn_factor(max_scale):
    x = _sequences(n=50)
    out = scale_sequences(x, max_scale=max_scale, rng=np.random.default_rng(2))
    factors = np.random.default_rng(2).uniform(1 - max_scale, 1 + max_scale, size=50)
    assert_allclose(out, x * factors[:, None], rtol=1e-15)
    ratio = out / x
    assert_allclose(ratio, ratio[:, :1] * np.ones_like(ratio), rtol=1e-12)  # one factor per sequence
    assert np.all((ratio >= 1 - max_scale) & (ratio <= 1 + max_scale))


def test_scale_sequences_covers_its_range():
    factors = scale_sequences(np.ones((4000, 1)), max_scale=0.2, rng=np.random.default_rng(0))[:, 0]
    assert 0.8 <= factors.min() < 0.81 and 1.19 < factors.max() <= 1.2
    assert_allclose(factors.mean(), 1.0, atol=0.005)


# ------------------------------------------------------------ noise


@pytest.mark.parametrize("std", [0.01, 0.5, 3.0])
def test_add_noise_has_the_requested_std_and_zero_mean(std):
    x = np.full((400, 500), 7.0)
    noise = add_noise(x, std=std, rng=np.random.default_rng(0)) - x
    assert_allclose(noise.std(), std, rtol=0.01)
    assert abs(noise.mean()) < 0.01 * std
    assert abs(np.corrcoef(noise[:, :-1].ravel(), noise[:, 1:].ravel())[0, 1]) < 0.01  # white


@pytest.mark.parametrize("shape", [(), (5,), (3, 40), (2, 8, 8), (2, 3, 4, 5)])
def test_add_noise_works_for_any_shape_with_the_documented_draw(shape):
    x = np.random.default_rng(1).standard_normal(shape)
    out = add_noise(x, std=0.3, rng=np.random.default_rng(2))
    assert_array_equal(out, x + 0.3 * np.random.default_rng(2).standard_normal(shape))


def test_add_noise_with_zero_std_is_a_copy():
    x = _sequences()
    out = add_noise(x, std=0.0, rng=np.random.default_rng(0))
    assert_array_equal(out, x)
    assert not np.shares_memory(out, x)


# ------------------------------------------------------------ images


def _shift_by_slicing(image, down, right, fill):
    """The shifted image built by slicing, independently of the module."""
    h, w = image.shape
    out = np.full_like(image, fill)
    if abs(down) < h and abs(right) < w:
        out[max(down, 0):h + min(down, 0), max(right, 0):w + min(right, 0)] = \
            image[max(-down, 0):h - max(down, 0), max(-right, 0):w - max(right, 0)]
    return out


@pytest.mark.parametrize("fill", [0.0, -1.5])
@pytest.mark.parametrize("max_shift", [0, 1, 3, 9])
@pytest.mark.parametrize("seed", [0, 5])
def test_shift_images_is_a_zero_filled_slice_by_the_drawn_shift(max_shift, seed, fill):
    x = _images(n=20)
    out = shift_images(x, max_shift=max_shift, rng=np.random.default_rng(seed), fill=fill)
    shifts = np.random.default_rng(seed).integers(-max_shift, max_shift, size=(20, 2), endpoint=True)
    for image, source, (down, right) in zip(out, x, shifts):
        assert_array_equal(image, _shift_by_slicing(source, down, right, fill))


def test_shift_images_does_not_wrap_around():
    x = np.zeros((400, 4, 4))
    x[:, 0, 0] = 1.0  # top-left pixel
    out = shift_images(x, max_shift=1, rng=np.random.default_rng(0))
    assert set(out.sum(axis=(1, 2))) == {0.0, 1.0}  # the pixel left the frame or stayed in it
    assert np.all(out[:, 3, :] == 0) and np.all(out[:, :, 3] == 0)  # never came back at the far side
    assert np.sum(out.sum(axis=(1, 2)) == 0) > 0


@pytest.mark.parametrize("fn", [partial(shift_images, max_shift=2), partial(rotate_images, max_degrees=30.0)])
def test_flat_and_square_images_give_the_same_result(fn):
    x = _images(n=5)
    flat = fn(x.reshape(5, 64), rng=np.random.default_rng(7))
    assert flat.shape == (5, 64)
    assert_array_equal(flat.reshape(5, 8, 8), fn(x, rng=np.random.default_rng(7)))


def test_shift_images_on_raw_digits_keeps_pixels_in_range_and_never_adds_ink():
    from sklearn.datasets import load_digits

    x = load_digits().data[:300]  # (300, 64), values 0..16
    out = shift_images(x, max_shift=2, rng=np.random.default_rng(0))
    assert out.min() >= 0 and out.max() <= 16
    assert np.all(out.sum(axis=1) <= x.sum(axis=1))
    assert np.mean(out.sum(axis=1) < x.sum(axis=1)) > 0.1  # some ink left the frame


def test_rotate_images_by_zero_degrees_is_the_identity():
    x = _images()
    assert_allclose(rotate_images(x, max_degrees=0.0, rng=np.random.default_rng(0)), x, rtol=0, atol=1e-12)


@pytest.mark.parametrize("fill", [0.0, 2.5])
@pytest.mark.parametrize("max_degrees", [5.0, 45.0, 180.0])
def test_rotate_images_is_scipy_rotate_by_the_drawn_angle(max_degrees, fill):
    x = _images(n=8)
    out = rotate_images(x, max_degrees=max_degrees, rng=np.random.default_rng(3), fill=fill)
    angles = np.random.default_rng(3).uniform(-max_degrees, max_degrees, size=8)
    assert np.all(np.abs(angles) <= max_degrees) and np.ptp(angles) > 0
    for image, source, angle in zip(out, x, angles):
        assert_array_equal(image, ndimage.rotate(source, angle, reshape=False, order=1, cval=fill))


@pytest.mark.parametrize("degrees, k", [(90.0, 1), (-90.0, -1), (180.0, 2), (270.0, 3)])
def test_rotation_by_quarter_turns_is_rot90(degrees, k):
    x = _images(n=3)
    out = _rotate(x, np.full(3, degrees), 0.0)
    assert_allclose(out, np.rot90(x, k=k, axes=(1, 2)), rtol=0, atol=1e-12)


def test_rotation_turns_counter_clockwise_as_displayed():
    x = np.zeros((1, 5, 5))
    x[0, 0, 4] = 1.0  # top right
    assert _rotate(x, np.array([90.0]), 0.0)[0, 0, 0] == 1.0  # now top left


def test_rotate_images_fills_the_corners_and_keeps_the_centre():
    out = rotate_images(np.ones((50, 9, 9)), max_degrees=45.0, rng=np.random.default_rng(0), fill=0.0)
    assert_allclose(out[:, 4, 4], 1.0, rtol=1e-12)
    big = np.abs(np.random.default_rng(0).uniform(-45, 45, size=50)) > 10
    assert np.all(out[big, 0, 0] < 0.5)  # a corner of a turned square lies outside the frame


# ------------------------------------------------------------ Compose


def test_compose_applies_the_transforms_in_order_with_one_generator():
    x = _images()
    shift, noise = partial(shift_images, max_shift=1), partial(add_noise, std=0.3)
    rng = np.random.default_rng(9)
    want = noise(shift(x, rng=rng), rng=rng)
    assert_array_equal(Compose([shift, noise])(x, rng=np.random.default_rng(9)), want)
    assert not np.array_equal(Compose([noise, shift])(x, rng=np.random.default_rng(9)), want)


def test_compose_accepts_any_iterable_and_shows_its_transforms():
    augment = Compose(t for t in [add_noise])
    assert augment.transforms == (add_noise,)
    assert repr(augment).startswith("Compose([<function add_noise")


# ------------------------------------------------------------ the torch adapter


def _seed_drawn_by(generator_seed):
    g = torch.Generator().manual_seed(generator_seed)
    return torch.randint(0, 2**63 - 1, (1,), generator=g).item()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", AUGMENTATIONS)
def test_batch_transform_matches_the_numpy_function_with_the_drawn_seed(name, dtype):
    fn, make = AUGMENTATIONS[name]
    xb = torch.tensor(make(), dtype=dtype)
    before = xb.clone()
    out = as_batch_transform(fn)(xb, torch.Generator().manual_seed(11))
    assert isinstance(out, torch.Tensor)
    assert out.dtype == dtype and out.device == xb.device and out.shape == xb.shape
    want = fn(xb.numpy(), rng=np.random.default_rng(_seed_drawn_by(11)))
    assert_array_equal(out.numpy(), want)
    assert torch.equal(xb, before)


def test_batch_transform_binds_settings_and_draws_fresh_noise_per_batch():
    transform = as_batch_transform(add_noise, std=0.5)
    xb = torch.zeros(64, 40)
    g = torch.Generator().manual_seed(0)
    first, second = transform(xb, g), transform(xb, g)
    assert not torch.equal(first, second)
    assert_allclose(first.std().item(), 0.5, rtol=0.05)
    assert torch.equal(first, transform(xb, torch.Generator().manual_seed(0)))


def test_batch_transform_accepts_a_tensor_that_requires_grad():
    xb = torch.ones(4, 8, 8, requires_grad=True)
    out = as_batch_transform(shift_images, max_shift=1)(xb, torch.Generator().manual_seed(0))
    assert not out.requires_grad and out.shape == (4, 8, 8)


@pytest.mark.parametrize("xb, generator, error, match", [
    (np.zeros((2, 3)), "gen", TypeError, r"^xb must be a floating-point torch.Tensor, got ndarray"),
    (torch.zeros(2, 3, dtype=torch.int64), "gen", TypeError,
     r"^xb must be a floating-point torch.Tensor, got dtype torch.int64"),
    (torch.zeros(2, 3), 0, TypeError, r"^generator must be a torch.Generator, got int"),
    (torch.zeros(2, 3), None, TypeError, r"^generator must be a torch.Generator, got NoneType"),
])
def test_batch_transform_rejects_bad_batches_and_generators(xb, generator, error, match):
    generator = torch.Generator() if generator == "gen" else generator
    with pytest.raises(error, match=match):
        as_batch_transform(add_noise, std=0.1)(xb, generator)


def test_as_batch_transform_rejects_bad_arguments():
    with pytest.raises(TypeError, match=r"^fn must be callable as fn\(x, \*, rng, ...\), got str"):
        as_batch_transform("add_noise")
    with pytest.raises(ValueError, match=r"^kwargs must not include rng"):
        as_batch_transform(add_noise, std=0.1, rng=np.random.default_rng(0))


def test_the_module_imports_torch_only_inside_the_adapter():
    import ast
    import inspect

    import lecturelib.augment as augment

    tree = ast.parse(inspect.getsource(augment))
    top_level = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    names = [alias.name for node in top_level for alias in node.names] + \
            [node.module or "" for node in top_level if isinstance(node, ast.ImportFrom)]
    assert not any(name == "torch" or name.startswith("torch.") for name in names)


# ------------------------------------------------------------ errors

SEQ, IMG = np.zeros((2, 40)), np.zeros((2, 8, 8))
BAD_ARGUMENTS = [
    (shift_sequences, SEQ, dict(max_shift=-1), ValueError, r"^max_shift must be >= 0, got -1"),
    (shift_sequences, SEQ, dict(max_shift=1.5), TypeError, r"^max_shift must be an integer, got float 1.5"),
    (shift_sequences, np.zeros(40), dict(max_shift=1), ValueError,
     r"^x must be a 2-D array, got a 1-D array of shape \(40,\)"),
    (shift_sequences, IMG, dict(max_shift=1), ValueError, r"^x must be a 2-D array, got a 3-D array"),
    (shift_sequences, np.zeros((2, 40), dtype=int), dict(max_shift=1), TypeError,
     r"^x must be a floating-point array, got dtype int64"),
    (scale_sequences, SEQ, dict(max_scale=1.0), ValueError, r"^max_scale must be < 1.0, got 1.0"),
    (scale_sequences, SEQ, dict(max_scale=-0.1), ValueError, r"^max_scale must be >= 0.0, got -0.1"),
    (scale_sequences, IMG, dict(max_scale=0.1), ValueError, r"^x must be a 2-D array, got a 3-D array"),
    (add_noise, SEQ, dict(std=-0.1), ValueError, r"^std must be >= 0.0, got -0.1"),
    (add_noise, np.array([1.0, np.nan]), dict(std=0.1), ValueError, r"^x must contain only finite values"),
    (shift_images, IMG, dict(max_shift=-2), ValueError, r"^max_shift must be >= 0, got -2"),
    (shift_images, np.zeros((2, 40)), dict(max_shift=1), ValueError,
     r"^x must have shape \(N, H, W\), or \(N, D\) with D a square number \(e.g. \(N, 64\) for 8x8 "
     r"images\), got shape \(2, 40\)"),
    (shift_images, np.zeros((2, 2, 8, 8)), dict(max_shift=1), ValueError,
     r"^x must be a 2-D or 3-D array, got a 4-D array"),
    (shift_images, IMG, dict(max_shift=1, fill=np.nan), ValueError, r"^fill must be finite, got nan"),
    (rotate_images, IMG, dict(max_degrees=-5.0), ValueError, r"^max_degrees must be >= 0.0, got -5.0"),
    (rotate_images, IMG, dict(max_degrees=181.0), ValueError, r"^max_degrees must be <= 180.0, got 181.0"),
    (rotate_images, IMG, dict(max_degrees="10"), TypeError, r"^max_degrees must be a real number, got str '10'"),
    (rotate_images, np.zeros(64), dict(max_degrees=10.0), ValueError,
     r"^x must be a 2-D or 3-D array, got a 1-D array"),
]


@pytest.mark.parametrize("fn, x, kwargs, error, match", BAD_ARGUMENTS)
def test_bad_arguments_raise(fn, x, kwargs, error, match):
    with pytest.raises(error, match=match):
        fn(x, rng=np.random.default_rng(0), **kwargs)


@pytest.mark.parametrize("rng", [0, None, np.random.RandomState(0), torch.Generator()])
@pytest.mark.parametrize("name", AUGMENTATIONS)
def test_a_non_generator_rng_raises(name, rng):
    fn, make = AUGMENTATIONS[name]
    with pytest.raises(TypeError, match=r"^rng must be a numpy.random.Generator"):
        fn(make(), rng=rng)


@pytest.mark.parametrize("transforms, error, match", [
    ([], ValueError, r"^transforms must hold at least one callable, got an empty list"),
    ([add_noise, "shift"], TypeError, r"^transforms\[1\] must be callable as t\(x, \*, rng\), got str"),
    (add_noise, TypeError, r"^transforms must be a list of callables, got function"),
    ("add_noise", TypeError, r"^transforms must be a list of callables, got str"),
])
def test_compose_rejects_bad_transforms(transforms, error, match):
    with pytest.raises(error, match=match):
        Compose(transforms)
