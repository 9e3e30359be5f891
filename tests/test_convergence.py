"""Tests for lecturelib.convergence: closed-form rates of GD and heavy ball, measured rates and step counts."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from lecturelib.convergence import (
    HeavyBallParams,
    contraction_rate,
    distances,
    gd_rate,
    heavy_ball_params,
    heavy_ball_rate,
    steps_to_tolerance,
)

KAPPAS = [1.0, 2.0, 10.0, 37.5, 1000.0]


# ---------------------------------------------------------------- closed forms


@pytest.mark.parametrize(("kappa", "want"), [(1.0, 0.0), (3.0, 0.5), (9.0, 0.8), (19.0, 0.9)])
def test_gd_rate_known_values(kappa, want):
    assert gd_rate(kappa) == pytest.approx(want, abs=1e-15)


@pytest.mark.parametrize("kappa", KAPPAS)
def test_gd_rate_is_the_best_worst_case_factor_over_constant_steps(kappa):
    lam = np.array([1.0, kappa])
    lrs = np.linspace(1e-4, 2.0 / kappa, 20001)
    worst = np.abs(1.0 - lrs[:, None] * lam).max(axis=1)
    assert worst.min() == pytest.approx(gd_rate(kappa), abs=1e-3)
    best_lr = 2.0 / (1.0 + kappa)
    assert np.abs(1.0 - best_lr * lam).max() == pytest.approx(gd_rate(kappa), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("kappa", "want"), [(1.0, 0.0), (9.0, 0.5), (81.0, 0.8), (361.0, 0.9)])
def test_heavy_ball_rate_known_values(kappa, want):
    assert heavy_ball_rate(kappa) == pytest.approx(want, abs=1e-15)


@pytest.mark.parametrize("kappa", KAPPAS)
def test_heavy_ball_rate_is_gd_rate_at_the_square_root(kappa):
    assert heavy_ball_rate(kappa) == pytest.approx(gd_rate(math.sqrt(kappa)), rel=1e-12, abs=1e-15)


def test_heavy_ball_params_known_values():
    params = heavy_ball_params(1.0, 9.0)
    assert isinstance(params, HeavyBallParams)
    assert params.lr == pytest.approx(4.0 / 16.0) and params.momentum == pytest.approx(0.25)
    assert heavy_ball_params(2.0, 2.0) == pytest.approx((1.0 / 2.0, 0.0))


@pytest.mark.parametrize("kappa", KAPPAS)
@pytest.mark.parametrize("lam_min", [0.01, 1.0, 3.0])
def test_heavy_ball_params_give_spectral_radius_equal_to_the_rate(kappa, lam_min):
    """The iteration x_{t+1} = (1 + b - a lam) x_t - b x_{t-1}, for every eigenvalue in [lam_min, lam_max]."""
    lr, beta = heavy_ball_params(lam_min, kappa * lam_min)
    radius = []
    for lam in np.linspace(lam_min, kappa * lam_min, 41):
        companion = np.array([[1.0 + beta - lr * lam, -beta], [1.0, 0.0]])
        radius.append(np.abs(np.linalg.eigvals(companion)).max())
    np.testing.assert_allclose(radius, heavy_ball_rate(kappa), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kappa", [2.0, 10.0, 1000.0])
def test_heavy_ball_params_put_double_roots_at_the_extreme_eigenvalues(kappa):
    lr, beta = heavy_ball_params(1.0, kappa)
    for lam, sign in [(1.0, 1.0), (kappa, -1.0)]:
        trace = 1.0 + beta - lr * lam  # roots z with z^2 - trace z + beta = 0
        assert trace == pytest.approx(sign * 2.0 * math.sqrt(beta), rel=1e-12)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: gd_rate(0.5), ValueError, "kappa must be >= 1"),
        (lambda: heavy_ball_rate("10"), TypeError, "kappa"),
        (lambda: heavy_ball_params(0.0, 1.0), ValueError, "lam_min must be > 0"),
        (lambda: heavy_ball_params(2.0, 1.0), ValueError, "lam_max must be >= 2"),
    ],
)
def test_closed_forms_reject_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------- measurements on paths


def _geometric_path(rate, steps, *, seed=0, alternate=True):
    """Points c r^t u_t with unit vectors u_t turning at random: the distance is exactly c r^t."""
    rng = np.random.default_rng(seed)
    angles = rng.uniform(0, 2 * np.pi, steps + 1)
    units = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    signs = (-1.0) ** np.arange(steps + 1) if alternate else np.ones(steps + 1)
    return 3.0 * (rate ** np.arange(steps + 1) * signs)[:, None] * units


def test_distances_are_euclidean_norms_from_the_minimum():
    path = np.array([[4.0, 6.0], [1.0, 2.0], [1.0, 3.0]])
    np.testing.assert_allclose(distances(path, np.array([1.0, 2.0])), [5.0, 0.0, 1.0])


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.99, 1.2])
@pytest.mark.parametrize("last", [1, 7, 50])
def test_contraction_rate_of_an_exactly_geometric_path(rate, last):
    path = _geometric_path(rate, 60)
    assert contraction_rate(path, np.zeros(2), last=last) == pytest.approx(rate, rel=1e-12)


def test_contraction_rate_measures_from_the_minimum():
    minimum = np.array([0.5, -2.0])
    path = _geometric_path(0.8, 20) + minimum  # distances down to 3 * 0.8**20 = 0.03
    assert contraction_rate(path, minimum, last=10) == pytest.approx(0.8, rel=1e-12)


def test_contraction_rate_is_the_geometric_mean_of_the_step_ratios():
    d = np.array([1.0, 0.5, 0.4, 0.1, 0.08])
    path = np.stack([d, np.zeros_like(d)], axis=1)
    ratios = d[1:] / d[:-1]
    assert contraction_rate(path, np.zeros(2), last=3) == pytest.approx(np.prod(ratios[-3:]) ** (1 / 3))


def test_contraction_rate_of_t_times_r_to_the_t_is_biased_as_documented():
    r, steps, last = 0.6, 300, 100
    t = np.arange(steps + 1.0)
    path = np.stack([(1 + t) * r**t, np.zeros_like(t)], axis=1)
    want = r * ((1 + steps) / (1 + steps - last)) ** (1 / last)
    assert contraction_rate(path, np.zeros(2), last=last) == pytest.approx(want, rel=1e-12)


def test_contraction_rate_of_torch_heavy_ball_approaches_the_closed_form():
    lam_min, lam_max = 0.2, 4.0
    lr, beta = heavy_ball_params(lam_min, lam_max)
    hessian = torch.diag(torch.tensor([lam_min, lam_max], dtype=torch.float64))
    w = torch.tensor([-4.0, 1.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], lr=lr, momentum=beta)
    path = [w.detach().clone().numpy()]
    for _ in range(400):
        w.grad = hessian @ w.detach()
        opt.step()
        path.append(w.detach().clone().numpy())
    rate = contraction_rate(np.array(path), np.zeros(2), last=200)
    want = heavy_ball_rate(lam_max / lam_min)
    assert want < rate < want * (400 / 200) ** (1 / 200) * 1.001


@pytest.mark.parametrize("rate", [0.3, 0.9, 0.99])
@pytest.mark.parametrize("tol", [1e-2, 1e-6])
def test_steps_to_tolerance_of_a_geometric_path(rate, tol):
    want = math.ceil(math.log(tol) / math.log(rate))
    path = _geometric_path(rate, want + 20, alternate=False)
    assert steps_to_tolerance(path, np.zeros(2), tol=tol) == want


def test_steps_to_tolerance_waits_until_the_distance_stays_below():
    d = np.array([1.0, 0.05, 0.2, 0.09, 0.01, 0.001])
    path = np.stack([np.zeros_like(d), d], axis=1)
    assert steps_to_tolerance(path, np.zeros(2), tol=0.1) == 3
    assert steps_to_tolerance(path, np.zeros(2), tol=0.5) == 1


def test_steps_to_tolerance_is_zero_when_the_start_is_the_minimum():
    assert steps_to_tolerance(np.zeros((4, 2)), np.zeros(2), tol=0.1) == 0


def test_steps_to_tolerance_asks_for_more_steps_when_not_reached():
    path = _geometric_path(0.9, 10)
    with pytest.raises(ValueError, match=r"above tol=0\.01: run more steps"):
        steps_to_tolerance(path, np.zeros(2), tol=0.01)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: contraction_rate(np.ones((5, 2)), np.zeros(2), last=5), ValueError, "last must be <= 4"),
        (lambda: contraction_rate(np.ones((5, 2)), np.zeros(2), last=0), ValueError, "last must be >= 1"),
        (lambda: contraction_rate(np.ones((5, 2)), np.zeros(2), last=2.0), TypeError, "last must be an integer"),
        (lambda: contraction_rate(np.zeros((5, 2)), np.zeros(2), last=2), ValueError, "distance 2 steps before"),
        (lambda: distances(np.ones((5, 2)), np.zeros(3)), ValueError, r"must have the same shape.*\(2,\).*\(3,\)"),
        (lambda: distances(np.ones(5), np.zeros(5)), ValueError, "path"),
        (lambda: steps_to_tolerance(np.ones((5, 2)), np.zeros(2), tol=1.0), ValueError, "tol must be < 1"),
        (lambda: steps_to_tolerance(np.ones((5, 2)), np.zeros(2), tol=0.0), ValueError, "tol must be > 0"),
    ],
)
def test_measurements_reject_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()
