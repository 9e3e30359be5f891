"""Tests for lecturelib.history: recording, lookup, errors."""

from __future__ import annotations


import numpy as np
import pytest
from numpy.testing import assert_allclose

import lecturelib.history
from lecturelib.history import History


def _filled(n_entries, names=("loss", "accuracy"), seed=0):
    rng = np.random.default_rng(seed)
    values = {name: rng.random(n_entries) for name in names}
    steps = np.sort(rng.choice(10 * n_entries + 10, size=n_entries, replace=False))
    history = History()
    for i, step in enumerate(steps):
        history.record(int(step), **{name: values[name][i] for name in names})
    return history, steps, values


@pytest.mark.parametrize("names", [("loss",), ("loss", "accuracy"), ("val_loss", "loss", "lr")])
@pytest.mark.parametrize("n_entries", [1, 3, 50])
def test_record_and_read_back(n_entries, names):
    history, steps, values = _filled(n_entries, names)
    assert len(history) == n_entries
    assert history.steps == steps.tolist()
    assert all(isinstance(step, int) for step in history.steps)
    for name in names:
        assert name in history
        got = history[name]
        assert isinstance(got, np.ndarray) and got.dtype == np.float64 and got.shape == (n_entries,)
        assert_allclose(got, values[name], rtol=0, atol=0)
        assert history.last(name) == values[name][-1] and isinstance(history.last(name), float)
    assert "missing" not in history and 0 not in history


def test_values_are_stored_as_python_floats():
    history = History()
    history.record(np.int64(3), loss=np.float32(0.5), accuracy=1)
    assert history.steps == [3] and type(history.steps[0]) is int
    assert history.metrics == {"loss": [0.5], "accuracy": [1.0]}
    assert all(type(v) is float for values in history.metrics.values() for v in values)


def test_getitem_returns_a_copy_that_does_not_alias_the_record():
    history, _, _ = _filled(3)
    history["loss"][0] = -1.0
    assert history.metrics["loss"][0] != -1.0


def test_instances_do_not_share_state():
    a, b = History(), History()
    a.record(0, loss=1.0)
    assert len(b) == 0 and b.metrics == {} and b.steps == []


@pytest.mark.parametrize(
    "values",
    [dict(loss=0.5), dict(loss=0.5, accuracy=0.9, lr=0.1), dict(loss=0.5, acc=0.9), dict()],
)
def test_record_with_different_metrics_raises(values):
    history = History()
    history.record(0, loss=1.0, accuracy=0.5)
    with pytest.raises(ValueError, match=r"values must name the same metrics as before \['accuracy', 'loss'\]"):
        history.record(1, **values)
    assert len(history) == 1 and history.metrics == {"loss": [1.0], "accuracy": [0.5]}


def test_unknown_metric_raises_key_error_listing_the_recorded_ones():
    history, _, _ = _filled(2)
    with pytest.raises(KeyError, match=r"no metric 'val_loss'; recorded metrics are \['accuracy', 'loss'\]"):
        history["val_loss"]
    with pytest.raises(KeyError, match="no metric 'val_loss'"):
        history.last("val_loss")


@pytest.mark.parametrize("n_entries, names, text", [
    (0, (), "History(0 entries: )"),
    (2, ("loss", "accuracy"), "History(2 entries: accuracy, loss)"),
    (5, ("loss",), "History(5 entries: loss)"),
])
def test_repr(n_entries, names, text):
    history = _filled(n_entries, names)[0] if n_entries else History()
    assert repr(history) == text


def test_failed_record_leaves_history_unchanged():
    history = History()
    history.record(0, loss=1.0, accuracy=0.5)
    with pytest.raises(TypeError, match="accuracy must be a real number"):
        history.record(1, loss=0.9, accuracy="high")
    assert len(history) == 1
    assert history.metrics == {"loss": [1.0], "accuracy": [0.5]}


@pytest.mark.parametrize("step", [0.7, "3"])
def test_record_rejects_non_integer_step(step):
    with pytest.raises(TypeError, match="^step must be an integer"):
        History().record(step, loss=1.0)


def test_steps_must_increase():
    history = History()
    history.record(0, loss=1.0)
    history.record(5, loss=0.5)
    for step in (5, 3):
        with pytest.raises(ValueError, match=f"step must increase, got {step} after 5"):
            history.record(step, loss=0.1)
    assert history.steps == [0, 5]


def test_first_step_finds_the_first_entry_at_or_above_the_threshold():
    h = History()
    for step, acc in zip([0, 2, 4, 6], [0.1, 0.5, 0.4, 0.7]):
        h.record(step, accuracy=acc)
    assert h.first_step("accuracy", at_least=0.5) == 2  # reaching the threshold exactly counts
    assert h.first_step("accuracy", at_least=0.6) == 6
    assert h.first_step("accuracy", at_least=0.8) is None
    assert h.first_step("accuracy", at_least=0.0) == 0


def test_first_step_ignores_nan_and_checks_its_arguments():
    h = History()
    h.record(0, loss=float("nan"))
    h.record(1, loss=3.0)
    assert h.first_step("loss", at_least=1.0) == 1
    with pytest.raises(KeyError, match="no metric 'accuracy'"):
        h.first_step("accuracy", at_least=0.5)
    with pytest.raises((TypeError, ValueError), match="at_least"):
        h.first_step("loss", at_least="high")
