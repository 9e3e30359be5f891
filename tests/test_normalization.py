"""Tests for lecturelib.normalization: batch norm's running statistics against torch.nn.BatchNorm1d."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

from lecturelib.normalization import BatchNormStream, batchnorm_stream, running_statistics

MOMENTA = [0.0, 0.01, 0.1, 0.5, 1.0, None]


def _torch_running(batches, momentum, eps=1e-5):
    """Running mean and variance of torch's BatchNorm1d(1) after each batch, and the module."""
    bn = torch.nn.BatchNorm1d(1, momentum=momentum, eps=eps, dtype=torch.float64)
    bn.train()
    means, variances = [], []
    with torch.no_grad():
        for batch in batches:
            bn(torch.from_numpy(batch[:, None]))
            means.append(bn.running_mean.item())
            variances.append(bn.running_var.item())
    return np.array(means), np.array(variances), bn


@pytest.mark.parametrize("momentum", MOMENTA)
@pytest.mark.parametrize("batch_size", [2, 3, 16, 128])
def test_running_statistics_match_torch(batch_size, momentum):
    stream = batchnorm_stream(batch_size=batch_size, momentum=momentum, steps=30,
                              rng=np.random.default_rng(1))
    assert stream.batches.shape == (30, batch_size)
    means, variances, _ = _torch_running(stream.batches, momentum)
    assert_allclose(stream.running_mean, means, rtol=1e-12, atol=1e-12)
    assert_allclose(stream.running_var, variances, rtol=1e-12, atol=1e-12)
    assert_allclose(stream.batch_means, stream.batches.mean(axis=1), rtol=1e-12)


@pytest.mark.parametrize("momentum", MOMENTA)
@pytest.mark.parametrize("batch_size, n_test", [(4, 2000), (7, 100), (64, 64), (256, 300)])
def test_test_outputs_match_torch_in_both_modes(batch_size, n_test, momentum):
    eps = 1e-3
    stream = batchnorm_stream(batch_size=batch_size, momentum=momentum, steps=20, n_test=n_test, eps=eps,
                              rng=np.random.default_rng(2))
    _, _, bn = _torch_running(stream.batches, momentum, eps=eps)
    n_batches = n_test // batch_size
    assert stream.train_out.shape == (n_batches * batch_size,)  # the last incomplete batch is left out
    assert stream.eval_out.shape == stream.x_test.shape == (n_test,)
    with torch.no_grad():
        evaluated = bn.eval()(torch.from_numpy(stream.x_test[:, None])).numpy()[:, 0]
        bn.train()  # from here on the test batches move torch's buffers; our outputs do not depend on them
        train = [bn(torch.from_numpy(b[:, None])).numpy()[:, 0]
                 for b in stream.x_test[: n_batches * batch_size].reshape(n_batches, batch_size)]
    assert_allclose(stream.train_out, np.concatenate(train), rtol=1e-10, atol=1e-12)
    assert_allclose(stream.eval_out, evaluated, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("momentum", [0.1, None])
def test_eval_outputs_use_the_final_running_statistics(momentum):
    stream = batchnorm_stream(batch_size=8, momentum=momentum, steps=40, eps=1e-2,
                              rng=np.random.default_rng(3))
    want = (stream.x_test - stream.running_mean[-1]) / np.sqrt(stream.running_var[-1] + 1e-2)
    assert_allclose(stream.eval_out, want, rtol=1e-12)


@pytest.mark.parametrize("batch_size", [2, 5, 32])
def test_train_outputs_are_standardized_within_each_test_batch(batch_size):
    stream = batchnorm_stream(batch_size=batch_size, steps=3, n_test=10 * batch_size + 1, eps=1e-9,
                              rng=np.random.default_rng(4))
    batches = stream.train_out.reshape(10, batch_size)
    assert_allclose(batches.mean(axis=1), 0.0, atol=1e-12)
    assert_allclose(batches.var(axis=1), 1.0, rtol=1e-6)  # biased variance, up to eps


def test_momentum_one_keeps_only_the_last_batch():
    stream = batchnorm_stream(batch_size=6, momentum=1.0, steps=25, rng=np.random.default_rng(5))
    assert_allclose(stream.running_mean, stream.batch_means, rtol=1e-12)
    assert_allclose(stream.running_var, stream.batches.var(axis=1, ddof=1), rtol=1e-12)


def test_momentum_zero_never_moves_from_torchs_initial_buffers():
    stream = batchnorm_stream(batch_size=6, momentum=0.0, steps=10, rng=np.random.default_rng(6))
    assert_allclose(stream.running_mean, 0.0)
    assert_allclose(stream.running_var, 1.0)
    assert_allclose(stream.eval_out, stream.x_test / np.sqrt(1.0 + 1e-5), rtol=1e-12)


def test_cumulative_average_is_the_plain_average_of_the_batches_so_far():
    stream = batchnorm_stream(batch_size=3, momentum=None, steps=50, rng=np.random.default_rng(7))
    counts = np.arange(1, 51)
    assert_allclose(stream.running_mean, np.cumsum(stream.batch_means) / counts, rtol=1e-12)
    assert_allclose(stream.running_var, np.cumsum(stream.batches.var(axis=1, ddof=1)) / counts, rtol=1e-12)


@pytest.mark.parametrize("momentum", [0.01, 0.1, 0.3, 1.0])
@pytest.mark.parametrize("steps", [1, 5, 40])
def test_constant_batch_means_give_the_geometric_approach(momentum, steps):
    # every batch is {mu - 1, mu + 1}: batch mean mu, unbiased variance 2, exactly
    mu = 3.0
    batches = np.tile([mu - 1.0, mu + 1.0], (steps, 1))
    stats = running_statistics(batches, momentum=momentum)
    n = np.arange(1, steps + 1)
    assert_allclose(stats.batch_mean, mu)
    assert_allclose(stats.running_mean, mu * (1 - (1 - momentum) ** n), rtol=1e-12)
    assert_allclose(stats.running_var, 2.0 - (1 - momentum) ** n, rtol=1e-12)  # from 1 towards 2


def test_constant_batches_with_the_cumulative_average_are_exact_from_the_first_step():
    stats = running_statistics(np.tile([2.0, 4.0, 6.0], (4, 1)), momentum=None)
    assert_allclose(stats.running_mean, [4.0] * 4)  # (2 + 4 + 6) / 3
    assert_allclose(stats.running_var, [4.0] * 4)  # unbiased: (4 + 0 + 4) / 2


def test_running_mean_settles_near_the_true_mean():
    stream = batchnorm_stream(batch_size=64, momentum=0.1, steps=300, mean=-1.5, std=0.5,
                              rng=np.random.default_rng(8))
    assert (stream.true_mean, stream.true_var) == (-1.5, 0.25)
    # the running mean's std in equilibrium is std / sqrt(N) * sqrt(m / (2 - m)), about 0.015 here
    assert abs(stream.running_mean[-1] + 1.5) < 0.08
    assert abs(stream.running_var[-1] - 0.25) < 0.05
    assert abs(stream.x_test.mean() + 1.5) < 0.05


def test_same_seed_same_stream_and_test_values_shared_across_settings():
    a = batchnorm_stream(batch_size=16, rng=np.random.default_rng(9))
    b = batchnorm_stream(batch_size=16, rng=np.random.default_rng(9))
    c = batchnorm_stream(batch_size=4, momentum=None, rng=np.random.default_rng(9))
    np.testing.assert_array_equal(a.running_mean, b.running_mean)
    np.testing.assert_array_equal(a.eval_out, b.eval_out)
    np.testing.assert_array_equal(a.x_test, c.x_test)
    assert isinstance(a, BatchNormStream) and a.batch_size == 16 and a.momentum == 0.1 and c.momentum is None


def test_stream_is_frozen():
    stream = batchnorm_stream(batch_size=2, steps=1, n_test=2, rng=np.random.default_rng(0))
    with pytest.raises(AttributeError):
        stream.batch_size = 4


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(batch_size=1), ValueError, "^batch_size must be >= 2, got 1"),
        (dict(batch_size=4.0), TypeError, "^batch_size must be an integer, got float 4.0"),
        (dict(momentum=1.5), ValueError, r"^momentum must be <= 1.0, got 1.5"),
        (dict(momentum=-0.1), ValueError, r"^momentum must be >= 0.0, got -0.1"),
        (dict(momentum="0.1"), TypeError,
         r"^momentum must be None or a real number in \[0, 1\], got str '0.1'"),
        (dict(momentum=True), TypeError, "^momentum must be None or a real number"),
        (dict(steps=0), ValueError, "^steps must be >= 1, got 0"),
        (dict(std=0.0), ValueError, "^std must be > 0.0, got 0.0"),
        (dict(std=-2.0), ValueError, "^std must be > 0.0, got -2.0"),
        (dict(mean=np.nan), ValueError, "^mean must be finite, got nan"),
        (dict(n_test=3), ValueError, r"^n_test must be >= batch_size \(4\) to fill one test batch, got 3"),
        (dict(eps=0.0), ValueError, "^eps must be > 0.0, got 0.0"),
        (dict(rng=0), TypeError, "^rng must be a numpy.random.Generator"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs, error, match):
    args = dict(batch_size=4, rng=np.random.default_rng(0)) | kwargs
    with pytest.raises(error, match=match):
        batchnorm_stream(**args)


def test_rng_is_required_and_settings_are_keyword_only():
    with pytest.raises(TypeError):
        batchnorm_stream(batch_size=4)
    with pytest.raises(TypeError):
        batchnorm_stream(4, rng=np.random.default_rng(0))


@pytest.mark.parametrize(
    "batches, kwargs, error, match",
    [
        (np.ones((3, 1)), {}, ValueError,
         r"^batches must have shape \(steps, N\) with steps >= 1 and N >= 2, got shape \(3, 1\)"),
        (np.ones((0, 4)), {}, ValueError, "^batches must have shape"),
        (np.ones(4), {}, ValueError, "^batches must be a 2-D array"),
        (np.ones((3, 4), dtype=int), {}, TypeError, "^batches must be a floating-point array"),
        (np.ones((3, 4)), {"momentum": 2.0}, ValueError, "^momentum must be <= 1.0, got 2.0"),
    ],
)
def test_running_statistics_bad_arguments(batches, kwargs, error, match):
    with pytest.raises(error, match=match):
        running_statistics(batches, **kwargs)


def test_inputs_are_not_modified():
    batches = np.random.default_rng(0).standard_normal((5, 4))
    copy = batches.copy()
    running_statistics(batches, momentum=None)
    np.testing.assert_array_equal(batches, copy)
