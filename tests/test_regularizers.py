"""Tests for lecturelib.torchkit.regularizers: the activity penalty in the training loop."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from lecturelib.regularization import activity_penalty
from lecturelib.torchkit.regularizers import ActivityPenalty
from lecturelib.torchkit.training import train


def _net() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 2)).double()


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_the_penalty_is_the_numpy_formula_summed_over_layers(kind):
    net, p = _net(), ActivityPenalty(0.3, kind=kind)
    p.attach(0, net)
    x = torch.randn(7, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():  # the reference pass is not recorded
        a1 = net[1](net[0](x)).numpy()
        a2 = net[3](net[2](net[1](net[0](x)))).numpy()
    net(x)
    want = activity_penalty(a1, 0.3, kind=kind)[0] + activity_penalty(a2, 0.3, kind=kind)[0]
    assert float(p(net).detach()) == pytest.approx(want, rel=1e-12)
    assert float(p(net)) == 0.0  # the outputs are forgotten after a call


def test_the_gradient_reaches_the_weights_and_evaluation_is_not_recorded():
    net, p = _net(), ActivityPenalty(1.0)
    p.attach(0, net)
    with torch.no_grad():
        net(torch.ones(2, 3, dtype=torch.float64))
    assert float(p(net)) == 0.0  # no-grad passes (evaluation) are not penalized
    net(torch.ones(2, 3, dtype=torch.float64))
    p(net).backward()
    assert net[0].weight.grad is not None and float(net[0].weight.grad.abs().sum()) > 0


def test_in_train_the_penalty_shrinks_the_activations():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((64, 3)), (np.arange(64) % 2)
    sizes = []
    for strength in (0.0, 0.1):
        net, p = _net(), ActivityPenalty(strength)
        train(net, x, y, optimizer=torch.optim.SGD(net.parameters(), lr=0.1), epochs=20, batch_size=16,
              callback=p.attach, penalty=p)
        with torch.no_grad():
            sizes.append(float(net[1](net[0](torch.tensor(x))).abs().mean()))
    assert sizes[1] < 0.5 * sizes[0]


@pytest.mark.parametrize("make, error, words", [
    (lambda: ActivityPenalty(-1.0), ValueError, "strength"),
    (lambda: ActivityPenalty(1.0, kind="l3"), ValueError, "kind"),
    (lambda: ActivityPenalty(1.0, module_type="relu"), TypeError, "module_type must be an nn.Module subclass"),
    (lambda: ActivityPenalty(1.0)(nn.Linear(2, 2)), RuntimeError, "call attach"),
    (lambda: ActivityPenalty(1.0).attach(0, nn.Linear(2, 2)), ValueError, "model has no ReLU module"),
])
def test_bad_arguments(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_repr():
    assert repr(ActivityPenalty(0.1, kind="l2")) == "ActivityPenalty(0.1, kind='l2', module_type=ReLU)"
