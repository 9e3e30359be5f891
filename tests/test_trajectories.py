"""Tests for lecturelib.trajectories: SGD and full-batch gradient-descent paths of a linear unit."""

from __future__ import annotations

import numpy as np
import pytest

from lecturelib.trajectories import gd_trajectory, same_sign_fraction, sgd_trajectory, squared_error_hessian


def test_one_step_is_the_gradient_of_the_squared_error():
    x = np.array([[2.0, 3.0]])
    w0 = np.array([0.5, -1.0])
    path = sgd_trajectory(x, np.array([1.0]), w0=w0, lr=0.1, epochs=1, rng=np.random.default_rng(0))
    delta = 0.5 * 2.0 - 1.0 * 3.0 - 1.0  # w.x - y = -3
    np.testing.assert_allclose(path, [w0, w0 - 0.1 * delta * x[0]], rtol=0, atol=1e-15)


def test_path_has_one_row_per_step_and_converges_on_a_consistent_problem():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((20, 2))
    w_star = np.array([1.0, -2.0])
    path = sgd_trajectory(x, x @ w_star, w0=np.zeros(2), lr=0.1, epochs=50, rng=np.random.default_rng(2))
    assert path.shape == (50 * 20 + 1, 2)
    np.testing.assert_allclose(path[-1], w_star, atol=1e-6)
    np.testing.assert_array_equal(path[0], np.zeros(2))


def test_positive_inputs_move_both_weights_the_same_way():
    rng = np.random.default_rng(3)
    x = rng.uniform(0.1, 1.0, size=(30, 2))
    y = x @ np.array([1.0, -1.0]) + 0.1 * rng.standard_normal(30)
    path = sgd_trajectory(x, y, w0=np.zeros(2), lr=0.2, epochs=5, rng=rng)
    assert same_sign_fraction(path) == 1.0
    centred = sgd_trajectory(x - x.mean(0), y, w0=np.zeros(2), lr=0.2, epochs=5, rng=rng)
    assert same_sign_fraction(centred) < 0.9


def test_same_sign_fraction_skips_steps_that_do_not_move():
    path = np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 1.0], [0.0, 2.0], [0.0, 3.0]])
    # moving steps: (1, 1) same, (-1, 1) opposite, (0, 1) one weight only
    assert same_sign_fraction(path) == pytest.approx(1 / 3)
    assert np.isnan(same_sign_fraction(np.zeros((3, 2))))


def test_bad_arguments_name_the_parameter():
    x, y, rng = np.ones((3, 2)), np.ones(3), np.random.default_rng(0)
    with pytest.raises(ValueError, match="y must have shape"):
        sgd_trajectory(x, np.ones(4), w0=np.zeros(2), lr=0.1, epochs=1, rng=rng)
    with pytest.raises(ValueError, match="w0 must have shape"):
        sgd_trajectory(x, y, w0=np.zeros(3), lr=0.1, epochs=1, rng=rng)
    with pytest.raises(ValueError, match="lr"):
        sgd_trajectory(x, y, w0=np.zeros(2), lr=0.0, epochs=1, rng=rng)
    with pytest.raises(ValueError, match="epochs"):
        sgd_trajectory(x, y, w0=np.zeros(2), lr=0.1, epochs=0, rng=rng)
    with pytest.raises(TypeError, match="rng"):
        sgd_trajectory(x, y, w0=np.zeros(2), lr=0.1, epochs=1, rng=0)
    with pytest.raises(ValueError, match="path must have shape"):
        same_sign_fraction(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="at least two rows"):
        same_sign_fraction(np.zeros((1, 2)))


# ---------------------------------------------------------------- full-batch gradient descent


def _regression(n: int, d: int, seed: int, scales=None) -> tuple[np.ndarray, np.ndarray]:
    """Inputs with per-column scales and targets that no weights fit exactly (so the residual is not zero)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)) * (np.ones(d) if scales is None else np.asarray(scales))
    return x, x @ rng.standard_normal(d) + 0.3 * rng.standard_normal(n)


def _loss(x, y, w):
    return 0.5 * np.mean((x @ w - y) ** 2)


@pytest.mark.parametrize(("n", "d"), [(1, 1), (1, 3), (5, 2), (40, 4)])
def test_hessian_is_xtx_over_n_and_the_finite_difference_hessian_of_the_loss(n, d):
    x, y = _regression(n, d, seed=n + d, scales=np.linspace(0.5, 3.0, d))
    h = squared_error_hessian(x)
    want = sum(np.outer(row, row) for row in x) / n
    np.testing.assert_allclose(h, want, rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(h, h.T)
    w, eps, fd = np.random.default_rng(0).standard_normal(d), 1e-4, np.empty((d, d))
    for i in range(d):
        for j in range(d):
            ei, ej = eps * np.eye(d)[i], eps * np.eye(d)[j]
            fd[i, j] = (_loss(x, y, w + ei + ej) - _loss(x, y, w + ei - ej) - _loss(x, y, w - ei + ej)
                        + _loss(x, y, w - ei - ej)) / (4 * eps**2)
    np.testing.assert_allclose(fd, h, rtol=1e-6, atol=1e-6)


def test_hessian_of_scaled_inputs_scales_with_the_square():
    x, _ = _regression(30, 3, seed=1)
    np.testing.assert_allclose(squared_error_hessian(10.0 * x), 100.0 * squared_error_hessian(x), rtol=1e-14)


def test_gd_one_step_is_the_mean_gradient():
    x = np.array([[1.0, 2.0], [3.0, -1.0]])
    y, w0 = np.array([1.0, 0.0]), np.array([0.5, 0.5])
    # residuals x @ w0 - y = (0.5, 1.0); gradient = (1 * 0.5 + 3 * 1.0, 2 * 0.5 - 1 * 1.0) / 2 = (1.75, 0)
    path = gd_trajectory(x, y, w0=w0, lr=0.2, steps=1)
    np.testing.assert_allclose(path, [[0.5, 0.5], [0.5 - 0.2 * 1.75, 0.5]], rtol=0, atol=1e-15)


@pytest.mark.parametrize("scales", [[1.0, 1.0], [1.0, 5.0], [0.2, 1.0, 3.0]])
def test_gd_converges_to_least_squares_at_one_over_lambda_max(scales):
    x, y = _regression(50, len(scales), seed=2, scales=scales)
    lam = np.linalg.eigvalsh(squared_error_hessian(x))
    steps = int(np.ceil(np.log(1e-14) / np.log(1 - lam[0] / lam[-1]))) + 10
    w0 = np.full(len(scales), 3.0)
    path = gd_trajectory(x, y, w0=w0, lr=1 / lam[-1], steps=steps)
    assert path.shape == (steps + 1, len(scales))
    np.testing.assert_array_equal(path[0], w0)
    w_star = np.linalg.lstsq(x, y, rcond=None)[0]
    np.testing.assert_allclose(path[-1], w_star, rtol=0, atol=1e-10)
    losses = [_loss(x, y, w) for w in path]
    assert np.all(np.diff(losses) <= 1e-15)


def test_gd_diverges_just_above_two_over_lambda_max_and_not_just_below():
    x, y = _regression(50, 2, seed=3, scales=[1.0, 4.0])
    lam_max = np.linalg.eigvalsh(squared_error_hessian(x))[-1]
    w_star = np.linalg.lstsq(x, y, rcond=None)[0]
    above = gd_trajectory(x, y, w0=np.zeros(2), lr=2.02 / lam_max, steps=2000)
    below = gd_trajectory(x, y, w0=np.zeros(2), lr=1.98 / lam_max, steps=2000)
    err_above, err_below = (np.linalg.norm(p - w_star, axis=1) for p in (above, below))
    assert err_above[-1] > 1e6 * err_above[0]
    assert err_below[-1] < 1e-6 * err_below[0]


@pytest.mark.parametrize("lr_times_lambda_max", [0.5, 1.0, 1.9, 2.1])
def test_gd_error_along_each_eigenvector_shrinks_by_one_minus_lr_lambda(lr_times_lambda_max):
    x, y = _regression(40, 3, seed=4, scales=[0.5, 1.0, 2.0])
    lam, v = np.linalg.eigh(squared_error_hessian(x))
    lr = lr_times_lambda_max / lam[-1]
    w_star = np.linalg.lstsq(x, y, rcond=None)[0]
    path = gd_trajectory(x, y, w0=w_star + v @ np.array([1.0, -2.0, 0.5]), lr=lr, steps=8)
    coords = (path - w_star) @ v  # error along each eigenvector, one row per step
    want = np.array([1.0, -2.0, 0.5]) * (1 - lr * lam) ** np.arange(9)[:, None]
    np.testing.assert_allclose(coords, want, rtol=0, atol=1e-12)


def test_gd_does_not_modify_its_inputs():
    x, y = _regression(6, 2, seed=5)
    w0 = np.array([1.0, -1.0])
    copies = x.copy(), y.copy(), w0.copy()
    gd_trajectory(x, y, w0=w0, lr=0.1, steps=3)
    for got, want in zip((x, y, w0), copies):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"x": np.ones(3)}, ValueError, "x must be a 2-D array"),
    ({"x": np.ones((3, 2), dtype=int)}, TypeError, "x must be a floating-point array"),
    ({"x": np.ones((0, 2)), "y": np.ones(0)}, ValueError, "x must have at least one row"),
    ({"y": np.ones(4)}, ValueError, r"y must have shape \(3,\)"),
    ({"y": np.ones((3, 1))}, ValueError, "y must be a 1-D array"),
    ({"w0": np.zeros(3)}, ValueError, r"w0 must have shape \(2,\)"),
    ({"lr": 0.0}, ValueError, "lr must be > 0.0, got 0.0"),
    ({"lr": -0.1}, ValueError, "lr must be > 0.0, got -0.1"),
    ({"lr": np.inf}, ValueError, "lr must be finite"),
    ({"lr": "0.1"}, TypeError, "lr must be a real number"),
    ({"steps": 0}, ValueError, "steps must be >= 1, got 0"),
    ({"steps": 2.0}, TypeError, "steps must be an integer"),
])
def test_gd_bad_arguments_name_the_parameter(kwargs, error, match):
    args = {"x": np.ones((3, 2)), "y": np.ones(3), "w0": np.zeros(2), "lr": 0.1, "steps": 1, **kwargs}
    with pytest.raises(error, match=match):
        gd_trajectory(args.pop("x"), args.pop("y"), **args)


def test_hessian_bad_arguments_name_the_parameter():
    with pytest.raises(ValueError, match="x must be a 2-D array"):
        squared_error_hessian(np.ones(3))
    with pytest.raises(TypeError, match="x must be a floating-point array"):
        squared_error_hessian(np.ones((3, 2), dtype=int))
    with pytest.raises(ValueError, match="x must have at least one row"):
        squared_error_hessian(np.ones((0, 2)))
