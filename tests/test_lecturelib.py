"""Tests for the package namespace lecturelib: default_rng and seed_everything."""

from __future__ import annotations

import doctest
import importlib.metadata
import random

import numpy as np
import pytest
import torch

import lecturelib
from lecturelib import default_rng, seed_everything

BAD_SEEDS = [
    (-1, ValueError, "^seed must be >= 0, got -1"),
    (1.5, TypeError, "^seed must be an integer, got float 1.5"),
    ("0", TypeError, "^seed must be an integer, got str '0'"),
    (True, TypeError, "^seed must be an integer, got bool True"),
    (None, TypeError, "^seed must be an integer, got NoneType None"),
]


def _draw():
    return random.random(), np.random.random(3), torch.rand(3, dtype=torch.float64).numpy()


@pytest.mark.parametrize("seed", [0, 1, 12345, np.int64(7)])
def test_default_rng_matches_numpy(seed):
    rng = default_rng(seed)
    assert isinstance(rng, np.random.Generator)
    np.testing.assert_array_equal(rng.standard_normal(5), np.random.default_rng(int(seed)).standard_normal(5))


def test_default_rng_returns_fresh_generators():
    a, b = default_rng(3), default_rng(3)
    assert a is not b
    a.standard_normal(10)
    np.testing.assert_array_equal(default_rng(3).standard_normal(4), b.standard_normal(4))


def test_default_rng_default_seed():
    assert round(float(default_rng().standard_normal()), 4) == 0.1257


def _modules() -> list[str]:
    import pkgutil

    return ["lecturelib"] + sorted(m.name for m in pkgutil.walk_packages(lecturelib.__path__, "lecturelib."))


@pytest.mark.parametrize("name", _modules())
def test_module_doctests_pass(name):
    import importlib

    module = importlib.import_module(name)
    np.set_printoptions(legacy=False)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0


@pytest.mark.parametrize("seed", [0, 42, 2**32 - 1])
def test_seed_everything_makes_global_generators_reproducible(seed):
    seed_everything(seed)
    first = _draw()
    _draw()
    seed_everything(seed)
    second = _draw()
    assert first[0] == second[0]
    np.testing.assert_array_equal(first[1], second[1])
    np.testing.assert_array_equal(first[2], second[2])


def test_seed_everything_seeds_each_generator_with_seed():
    seed_everything(5)
    got = _draw()
    random.seed(5), np.random.seed(5), torch.manual_seed(5)
    want = _draw()
    assert got[0] == want[0]
    np.testing.assert_array_equal(got[1], want[1])
    np.testing.assert_array_equal(got[2], want[2])


def test_different_seeds_give_different_draws():
    seed_everything(1)
    a = _draw()
    seed_everything(2)
    b = _draw()
    assert a[0] != b[0] and not np.array_equal(a[1], b[1]) and not np.array_equal(a[2], b[2])


@pytest.mark.parametrize("fn", [default_rng, seed_everything])
@pytest.mark.parametrize("seed, error, match", BAD_SEEDS)
def test_bad_seeds_raise(fn, seed, error, match):
    with pytest.raises(error, match=match):
        fn(seed)


def test_seed_everything_rejects_too_large_seed_before_seeding_anything():
    random.seed(0)
    state = random.getstate()
    with pytest.raises(ValueError, match=r"^seed must be <= 4294967295, got 4294967296"):
        seed_everything(2**32)
    assert random.getstate() == state


def test_version_and_public_names():
    assert lecturelib.__version__ == importlib.metadata.version("lecturelib")
    assert set(lecturelib.__all__) == {"seed_everything", "default_rng", "__version__"}


# The torch boundary: every top-level module imports with torch unavailable.
_BLOCK_TORCH = """
import importlib, pkgutil, sys
class BlockTorch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ImportError(f"torch is blocked in this test (imported as {name!r})")
sys.meta_path.insert(0, BlockTorch())
import lecturelib
failed = []
for info in pkgutil.iter_modules(lecturelib.__path__):
    if info.name == "torchkit":
        continue
    try:
        importlib.import_module("lecturelib." + info.name)
    except ImportError as err:
        failed.append(f"lecturelib.{info.name}: {err}")
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def test_top_level_modules_import_without_torch():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", _BLOCK_TORCH], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, "top-level modules that import torch:\n" + result.stdout + result.stderr


def test_torchkit_is_the_torch_boundary():
    import pkgutil

    import lecturelib.torchkit

    top = {info.name for info in pkgutil.iter_modules(lecturelib.__path__)}
    assert "torchkit" in top and not {"models", "training", "hooks"} & top
    assert {info.name for info in pkgutil.iter_modules(lecturelib.torchkit.__path__)} >= {"models", "training", "hooks"}


def test_glue_stores_numpy_scalars_as_python_numbers(monkeypatch):
    import sys
    import types

    import lecturelib.glue

    stored = {}
    fake = types.SimpleNamespace(glue=lambda name, value, display: stored.__setitem__(name, value))
    monkeypatch.setitem(sys.modules, "myst_nb", fake)
    lecturelib.glue.glue("x", np.float64(2.5))
    assert type(stored["x"]) is float and stored["x"] == 2.5
    with pytest.raises(ValueError, match="name must be a Python identifier"):
        lecturelib.glue.glue("not a name", 1)


def test_glue_does_nothing_without_myst_nb(monkeypatch):
    import sys

    import lecturelib.glue

    monkeypatch.setitem(sys.modules, "myst_nb", None)  # import myst_nb raises ImportError
    assert lecturelib.glue.glue("x", 1.0) is None
