"""Tests for lecturelib.torchkit.hooks: the torch statistics equal the numpy ones."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lecturelib.diagnostics import layer_statistics as numpy_layer_statistics
from lecturelib.mlp import MLP
from lecturelib.torchkit.hooks import layer_statistics
from lecturelib.torchkit.models import mlp_to_torch


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_layer_statistics_equal_numpy(activation):
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((32, 6)), rng.integers(0, 4, size=32)
    model = MLP([6, 8, 8, 4], activation=activation, weight_init="xavier_normal", rng=np.random.default_rng(0))
    want = numpy_layer_statistics(model, x, y).as_dict()
    got = layer_statistics(mlp_to_torch(model), x, y, activation=activation).as_dict()
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-10, atol=1e-14, err_msg=name)


def test_layer_statistics_rejects_bad_input():
    x, y = np.zeros((4, 2)), np.zeros(4, dtype=int)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        layer_statistics("net", x, y, activation="relu")
    with pytest.raises(ValueError, match="activation must be one of"):
        layer_statistics(torch.nn.Linear(2, 2), x, y, activation="swish")
    with pytest.raises(ValueError, match="at least one torch.nn.Linear"):
        layer_statistics(torch.nn.ReLU(), x, y, activation="relu")
    with pytest.raises(TypeError, match="loss_fn must be callable"):
        layer_statistics(torch.nn.Linear(2, 2), x, y, activation="relu", loss_fn=3)
