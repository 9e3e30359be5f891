"""Tests for lecturelib.cost: ufunc counts and per-element timing."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from lecturelib.cost import TRANSCENDENTAL, count_ufuncs, time_per_element


def test_counts_the_textbook_formulas():
    x = np.linspace(-3, 3, 7)
    assert count_ufuncs(lambda v: 1 / (1 + np.exp(-v)), x) == Counter(negative=1, exp=1, add=1, divide=1)
    assert count_ufuncs(lambda v: np.maximum(v, 0), x) == Counter(maximum=1)
    assert count_ufuncs(np.tanh, x) == Counter(tanh=1)
    assert count_ufuncs(lambda v: np.where(v > 0, v, 0.01 * v), x) == Counter(greater=1, multiply=1)


def test_counts_follow_derived_arrays_and_out_arguments():
    def fn(v):
        y = np.exp(v)
        np.add(y, 1.0, out=y)
        return np.log(y)

    assert count_ufuncs(fn, np.zeros(4)) == Counter(exp=1, add=1, log=1)


def test_count_does_not_change_the_result():
    x = np.linspace(-2, 2, 5)
    out = []
    count_ufuncs(lambda v: out.append(np.asarray(1 / (1 + np.exp(-v)))), x)
    np.testing.assert_allclose(out[0], 1 / (1 + np.exp(-x)), rtol=0, atol=0)


def test_transcendental_names_are_numpy_ufuncs():
    assert all(isinstance(getattr(np, name, None), np.ufunc) for name in TRANSCENDENTAL - {"erf"})
    assert "exp" in TRANSCENDENTAL and "maximum" not in TRANSCENDENTAL


def test_time_per_element_is_a_positive_number():
    assert time_per_element(np.tanh, np.zeros(1000), repeat=2, number=2) > 0


def test_bad_arguments():
    with pytest.raises(TypeError, match="fn must be callable"):
        count_ufuncs("exp", np.zeros(2))
    with pytest.raises(TypeError, match="fn must be callable"):
        time_per_element(None, np.zeros(2))
    with pytest.raises(ValueError, match="repeat"):
        time_per_element(np.exp, np.zeros(2), repeat=0)
