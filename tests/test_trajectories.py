"""Tests for lecturelib.trajectories: SGD paths of a linear unit."""

from __future__ import annotations

import numpy as np
import pytest

from lecturelib.trajectories import same_sign_fraction, sgd_trajectory


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
