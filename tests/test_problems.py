"""Tests for lecturelib.problems: 2-D test functions, the noisy-gradient wrapper and run_optimizer."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
import torch

from lecturelib.gradcheck import numerical_gradient
from lecturelib.problems import (
    OptimizerRun,
    Problem,
    beale,
    noisy,
    quadratic,
    rosenbrock,
    run_optimizer,
    saddle,
)

PROBLEMS = {
    "quadratic": lambda: quadratic(lam_min=0.2, lam_max=4.0),
    "quadratic_rotated": lambda: quadratic(lam_min=0.5, lam_max=30.0, angle=0.7),
    "quadratic_round": lambda: quadratic(lam_min=2.0, lam_max=2.0),
    "rosenbrock": rosenbrock,
    "rosenbrock_shifted": lambda: rosenbrock(a=-0.5, b=3.0),
    "beale": beale,
    "saddle": saddle,
}


class SGD:
    """A local stand-in for the book's numpy optimizers: step(grads) updates params in place."""

    def __init__(self, params, *, lr):
        self.params, self.lr = params, lr

    def step(self, grads):
        for p, g in zip(self.params, grads):
            p -= self.lr * g


class TorchAdapter:
    """torch.optim on numpy arrays: the tensors share memory with the arrays, so torch's step updates them."""

    def __init__(self, params, *, optimizer_class, **kwargs):
        self.tensors = [torch.from_numpy(p) for p in params]  # no copy: same memory
        for t in self.tensors:
            t.requires_grad_(True)
        self.optimizer = optimizer_class(self.tensors, **kwargs)

    def step(self, grads):
        for t, g in zip(self.tensors, grads):
            t.grad = torch.from_numpy(np.ascontiguousarray(g))
        self.optimizer.step()


def _torch(optimizer_class, **kwargs):
    return functools.partial(TorchAdapter, optimizer_class=optimizer_class, **kwargs)


# ---------------------------------------------------------------- values and gradients


@pytest.mark.parametrize("name", PROBLEMS)
def test_gradient_equals_central_differences(name):
    problem = PROBLEMS[name]()
    rng = np.random.default_rng(0)
    for x in rng.uniform(-2.0, 2.0, size=(5, 2)):
        want = numerical_gradient(lambda z: float(problem.value(z)), x.copy(), eps=1e-6)
        np.testing.assert_allclose(problem.grad(x), want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", PROBLEMS)
def test_a_grid_gives_the_same_numbers_as_one_point_at_a_time(name):
    problem = PROBLEMS[name]()
    grid = np.stack(np.meshgrid(np.linspace(-2, 2, 4), np.linspace(-1, 3, 3)), axis=-1)  # (3, 4, 2)
    values, grads = problem.value(grid), problem.grad(grid)
    assert values.shape == (3, 4) and grads.shape == (3, 4, 2)
    for idx in np.ndindex(3, 4):
        np.testing.assert_allclose(values[idx], problem.value(grid[idx]), rtol=1e-14)
        np.testing.assert_allclose(grads[idx], problem.grad(grid[idx]), rtol=1e-14)
    assert np.shape(problem.value(grid[0, 0])) == () and problem.grad(grid[0, 0]).shape == (2,)


@pytest.mark.parametrize("name", PROBLEMS)
def test_minima_and_saddle_points_are_stationary(name):
    problem = PROBLEMS[name]()
    for point in np.concatenate([problem.minima, problem.saddle_points]):
        np.testing.assert_allclose(problem.grad(point), [0.0, 0.0], atol=1e-12)
    for point in problem.minima:  # every test function here has minimum value 0
        assert problem.value(point) == pytest.approx(0.0, abs=1e-15)


def _fd_hessian(problem, x, eps=1e-5):
    cols = [(problem.grad(x + eps * e) - problem.grad(x - eps * e)) / (2 * eps) for e in np.eye(2)]
    return np.stack(cols, axis=1)


@pytest.mark.parametrize(("name", "point"), [("rosenbrock", 0), ("rosenbrock_shifted", 0), ("beale", 0)])
def test_minima_are_minima_and_saddles_are_saddles(name, point):
    problem = PROBLEMS[name]()
    assert np.all(np.linalg.eigvalsh(_fd_hessian(problem, problem.minima[point])) > 0)
    for s in problem.saddle_points:
        eig = np.linalg.eigvalsh(_fd_hessian(problem, s))
        assert eig[0] < 0 < eig[1]


@pytest.mark.parametrize("name", ["quadratic", "quadratic_rotated", "quadratic_round", "saddle"])
def test_constant_hessian_and_its_eigenvalues(name):
    problem = PROBLEMS[name]()
    rng = np.random.default_rng(1)
    for x in rng.uniform(-3, 3, size=(3, 2)):
        np.testing.assert_allclose(_fd_hessian(problem, x), problem.hessian, atol=1e-8)
    np.testing.assert_allclose(np.linalg.eigvalsh(problem.hessian), problem.hessian_eigenvalues, atol=1e-12)


def test_the_chapters_quadratic_is_0_1_x1_squared_plus_2_x2_squared():
    problem = quadratic(lam_min=0.2, lam_max=4.0)
    x = np.random.default_rng(2).standard_normal((10, 2))
    np.testing.assert_allclose(problem.value(x), 0.1 * x[:, 0] ** 2 + 2 * x[:, 1] ** 2, rtol=1e-14)
    np.testing.assert_array_equal(problem.hessian_eigenvalues, [0.2, 4.0])
    np.testing.assert_array_equal(problem.minima, [[0.0, 0.0]])


def test_rotation_turns_the_flat_eigenvector_by_angle():
    angle = 0.3
    problem = quadratic(lam_min=1.0, lam_max=9.0, angle=angle)
    flat = np.array([np.cos(angle), np.sin(angle)])
    np.testing.assert_allclose(problem.hessian @ flat, 1.0 * flat, atol=1e-14)
    np.testing.assert_allclose(problem.value(flat), 0.5, rtol=1e-14)


def test_saddle_and_rosenbrock_formulas():
    x = np.array([[1.0, 2.0], [-0.5, 0.25]])
    np.testing.assert_allclose(saddle().value(x), x[:, 0] ** 2 - x[:, 1] ** 2)
    assert saddle().minima.shape == (0, 2)
    problem = rosenbrock(a=2.0, b=10.0)
    np.testing.assert_array_equal(problem.minima, [[2.0, 4.0]])
    np.testing.assert_allclose(problem.value(x), (2 - x[:, 0]) ** 2 + 10 * (x[:, 1] - x[:, 0] ** 2) ** 2)


def test_problem_arrays_are_read_only_copies():
    minima = np.zeros((1, 2))
    problem = Problem("bowl", lambda x: np.sum(x**2, -1), lambda x: 2 * x, minima=minima)
    minima[0, 0] = 5.0
    assert problem.minima[0, 0] == 0.0
    with pytest.raises(ValueError, match="read-only"):
        problem.minima[0, 0] = 1.0


# ---------------------------------------------------------------- noisy gradients


def test_noisy_gradient_is_unbiased_with_std_noise_std():
    problem, noise_std, n = rosenbrock(), 0.7, 20_000
    wrapped = noisy(problem, noise_std=noise_std, rng=np.random.default_rng(3))
    x = np.array([-0.5, 0.8])
    draws = np.array([wrapped.grad(x) for _ in range(n)])
    np.testing.assert_allclose(draws.mean(axis=0), problem.grad(x), atol=4 * noise_std / np.sqrt(n))
    np.testing.assert_allclose(draws.std(axis=0), noise_std, rtol=0.03)
    assert abs(np.corrcoef(draws.T)[0, 1]) < 0.03  # independent coordinates
    assert wrapped.value(x) == problem.value(x)


def test_noisy_draws_fresh_noise_from_rng_and_keeps_the_rest():
    problem = beale()
    grid = np.zeros((3, 4, 2))
    a = noisy(problem, noise_std=0.5, rng=np.random.default_rng(4))
    b = noisy(problem, noise_std=0.5, rng=np.random.default_rng(4))
    ga = a.grad(grid)
    np.testing.assert_array_equal(ga, b.grad(grid))  # same seed, same noise
    assert ga.shape == (3, 4, 2) and len(np.unique(ga)) == ga.size  # every point its own noise
    assert not np.array_equal(a.grad(grid), ga)  # a second call draws anew
    np.testing.assert_array_equal(noisy(problem, noise_std=0.0, rng=np.random.default_rng(0)).grad(grid),
                                  problem.grad(grid))
    np.testing.assert_array_equal(a.minima, problem.minima)
    np.testing.assert_array_equal(a.saddle_points, problem.saddle_points)
    assert "noise" in a.name and problem.name in a.name


# ---------------------------------------------------------------- run_optimizer


@pytest.mark.parametrize(("lam_min", "lam_max"), [(0.2, 4.0), (1.0, 10.0), (1.0, 100.0)])
def test_gd_at_one_over_lambda_max_contracts_by_one_minus_one_over_kappa(lam_min, lam_max):
    problem = quadratic(lam_min=lam_min, lam_max=lam_max)
    steps = 50
    run = run_optimizer(problem, np.array([1.0, 1.0]), steps=steps,
                        make_optimizer=functools.partial(SGD, lr=1 / lam_max))
    rate = 1 - lam_min / lam_max
    assert isinstance(run, OptimizerRun) and not run.diverged
    assert run.path.shape == (steps + 1, 2) and run.losses.shape == (steps + 1,)
    np.testing.assert_allclose(run.path[:, 0], rate ** np.arange(steps + 1), rtol=1e-12)
    np.testing.assert_array_equal(run.path[1:, 1], 0.0)  # the steep direction is solved in one step
    np.testing.assert_allclose(run.losses, problem.value(run.path), rtol=1e-14)


def test_contraction_rate_holds_along_the_rotated_flat_direction():
    angle, lam_min, lam_max = 0.4, 0.5, 8.0
    problem = quadratic(lam_min=lam_min, lam_max=lam_max, angle=angle)
    flat, steep = np.array([np.cos(angle), np.sin(angle)]), np.array([-np.sin(angle), np.cos(angle)])
    run = run_optimizer(problem, 2 * flat + 3 * steep, steps=40, make_optimizer=functools.partial(SGD, lr=1 / lam_max))
    np.testing.assert_allclose(run.path @ flat, 2 * (1 - lam_min / lam_max) ** np.arange(41), rtol=1e-12)
    np.testing.assert_allclose(run.path[1:] @ steep, 0.0, atol=1e-14)


@pytest.mark.parametrize("factor", [1.01, 1.1, 2.0])
def test_divergence_above_two_over_lambda_max_is_reported_without_warnings(factor):
    problem = quadratic(lam_min=0.2, lam_max=4.0)
    steps = 100_000
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow RuntimeWarning escapes
        run = run_optimizer(problem, np.array([1.0, 1.0]), steps=steps,
                            make_optimizer=functools.partial(SGD, lr=factor * 2 / 4.0))
    assert run.diverged
    assert len(run.path) < steps + 1 and len(run.losses) == len(run.path)
    assert np.isfinite(run.path).all() and np.isfinite(run.losses).all()
    assert np.all(np.diff(run.losses[1:]) > 0)  # grows by (1 - lr * lam_max)^2 every step
    np.testing.assert_allclose(run.losses[-1] / run.losses[-2], (1 - factor * 2) ** 2, rtol=1e-6)


def test_just_below_two_over_lambda_max_converges():
    run = run_optimizer(quadratic(lam_min=0.2, lam_max=4.0), np.array([1.0, 1.0]), steps=2000,
                        make_optimizer=functools.partial(SGD, lr=0.99 * 2 / 4.0))
    assert not run.diverged and len(run.path) == 2001
    np.testing.assert_allclose(run.path[-1], 0.0, atol=1e-10)


def test_divergence_on_rosenbrock_with_overflowing_powers():
    run = run_optimizer(rosenbrock(), np.array([-1.2, 1.0]), steps=100, make_optimizer=functools.partial(SGD, lr=0.01))
    assert run.diverged and len(run.path) < 20
    assert np.isfinite(run.path).all() and np.isfinite(run.losses).all()


def test_torch_sgd_through_the_adapter_gives_the_same_path():
    problem = rosenbrock()
    x0 = np.array([-1.2, 1.0])
    ours = run_optimizer(problem, x0, steps=200, make_optimizer=functools.partial(SGD, lr=1e-3))
    theirs = run_optimizer(problem, x0, steps=200, make_optimizer=_torch(torch.optim.SGD, lr=1e-3))
    np.testing.assert_allclose(theirs.path, ours.path, rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(x0, [-1.2, 1.0])  # x0 is never modified


def test_torch_adam_through_the_adapter():
    problem = quadratic(lam_min=0.2, lam_max=4.0)
    x0, lr = np.array([1.0, -1.0]), 0.1
    run = run_optimizer(problem, x0, steps=300, make_optimizer=_torch(torch.optim.Adam, lr=lr))
    # Adam's first step is lr * g / (|g| + eps): a step of lr against the sign of each coordinate of g
    np.testing.assert_allclose(run.path[1], x0 - lr * np.sign(problem.grad(x0)), rtol=1e-7)
    assert not run.diverged and run.losses[-1] < 1e-3 * run.losses[0]


def test_torch_sgd_diverging_is_reported_too():
    problem = quadratic(lam_min=0.2, lam_max=4.0)
    make = {"ours": functools.partial(SGD, lr=0.55), "torch": _torch(torch.optim.SGD, lr=0.55)}  # 2 / 4 = 0.5
    runs = {name: run_optimizer(problem, np.array([1.0, 1.0]), steps=50_000, make_optimizer=m)
            for name, m in make.items()}
    assert runs["torch"].diverged and np.isfinite(runs["torch"].path).all()
    np.testing.assert_allclose(runs["torch"].path, runs["ours"].path, rtol=1e-12)


def test_gd_escapes_a_saddle_only_off_the_axis():
    on_axis = run_optimizer(saddle(), np.array([1.0, 0.0]), steps=30, make_optimizer=functools.partial(SGD, lr=0.1))
    np.testing.assert_allclose(on_axis.path[-1], [0.8**30, 0.0], rtol=1e-12)
    off_axis = run_optimizer(saddle(), np.array([1.0, 1e-6]), steps=30, make_optimizer=functools.partial(SGD, lr=0.1))
    np.testing.assert_allclose(off_axis.path[:, 1], 1e-6 * 1.2 ** np.arange(31), rtol=1e-12)


# ---------------------------------------------------------------- argument errors


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: quadratic(lam_min=0.0, lam_max=1.0), ValueError, "^lam_min must be > 0.0, got 0.0"),
        (lambda: quadratic(lam_min=2.0, lam_max=1.0), ValueError, "^lam_max must be >= 2.0, got 1.0"),
        (lambda: quadratic(lam_min=1.0, lam_max=float("inf")), ValueError, "^lam_max must be finite"),
        (lambda: quadratic(lam_min=1.0, lam_max=2.0, angle="0"), TypeError, "^angle must be a real number"),
        (lambda: quadratic(1.0, 2.0), TypeError, "positional"),
        (lambda: rosenbrock(b=0.0), ValueError, "^b must be > 0.0, got 0.0"),
        (lambda: rosenbrock(a=None), TypeError, "^a must be a real number"),
        (lambda: noisy(beale(), noise_std=-0.1, rng=np.random.default_rng(0)), ValueError,
         "^noise_std must be >= 0.0, got -0.1"),
        (lambda: noisy(beale(), noise_std=0.1, rng=0), TypeError, "^rng must be a numpy.random.Generator"),
        (lambda: noisy(lambda x: x, noise_std=0.1, rng=np.random.default_rng(0)), TypeError,
         "^problem must be a lecturelib.problems.Problem"),
        (lambda: Problem("p", 1.0, lambda x: x, minima=np.zeros((1, 2))), TypeError, "^value must be callable"),
        (lambda: Problem("p", lambda x: x, lambda x: x, minima=np.zeros(2)), ValueError,
         r"^minima must have shape \(\*, 2\) one point per row, got shape \(2,\)"),
        (lambda: Problem("p", lambda x: x, lambda x: x, minima=np.zeros((1, 2)), hessian=np.eye(3)), ValueError,
         r"^hessian must have shape \(2, 2\), got shape \(3, 3\)"),
    ],
)
def test_problem_arguments_are_checked(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize(
    ("x", "error", "match"),
    [
        (np.zeros(3), ValueError, r"^x must have shape \(2,\) or \(\.\.\., 2\).*got shape \(3,\)"),
        (np.zeros((4, 3)), ValueError, r"got shape \(4, 3\)"),
        (np.float64(1.0), ValueError, r"got shape \(\)"),
        (np.zeros(2, dtype=np.int64), TypeError, "^x must be a floating-point array, got dtype int64"),
    ],
)
@pytest.mark.parametrize("name", PROBLEMS)
def test_points_are_checked(name, x, error, match):
    problem = PROBLEMS[name]()
    for fn in (problem.value, problem.grad):
        with pytest.raises(error, match=match):
            fn(x)


class _NoStep:
    def __init__(self, params):
        self.params = params


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"problem": "rosenbrock"}, TypeError, "^problem must be a lecturelib.problems.Problem"),
        ({"x0": np.zeros(3)}, ValueError, r"^x0 must have shape \(2,\) a point in the plane, got shape \(3,\)"),
        ({"x0": np.zeros((1, 2))}, ValueError, "^x0 must be a 1-D array"),
        ({"x0": np.array([np.nan, 0.0])}, ValueError, "^x0 must contain only finite values"),
        ({"x0": np.array([1, 2])}, TypeError, "^x0 must be a floating-point array"),
        ({"steps": 0}, ValueError, "^steps must be >= 1, got 0"),
        ({"steps": 2.0}, TypeError, "^steps must be an integer"),
        ({"make_optimizer": SGD(params=[], lr=0.1)}, TypeError, r"^make_optimizer must be callable"),
        ({"make_optimizer": _NoStep}, TypeError, r"^make_optimizer must return an object with a step\(grads\)"),
    ],
)
def test_run_optimizer_arguments_are_checked(kwargs, error, match):
    args = {"problem": rosenbrock(), "x0": np.zeros(2), "steps": 3, "make_optimizer": functools.partial(SGD, lr=0.1)}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        run_optimizer(args.pop("problem"), args.pop("x0"), **args)
