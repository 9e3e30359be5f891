"""How `make test` splits the suite over pytest-xdist workers (the root conftest.py).

A notebook's cells must stay on one worker, in order; the notebook runs in
the readers' environments must each be a work unit of their own, or one
worker would get all of them; and the options that make this happen must
stay in pyproject.toml and the Makefile.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def root_conftest():
    spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_test_runs_on_workers_and_pytest_in_one_process():
    addopts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["addopts"]
    assert not any(a.startswith(("-n", "--numprocesses", "--dist")) for a in addopts), (
        "workers belong in the Makefile: `pytest <one notebook>` runs in one process, `-p no:xdist` works"
    )
    makefile = (ROOT / "Makefile").read_text()
    assert "\ntest: $(STAMP)\n\t$(BIN)/python -m pytest -n $(TEST_WORKERS)\n" in makefile


def test_a_notebook_is_one_work_unit(root_conftest):
    units = {root_conftest.work_unit(f"chapters/06_regularization.ipynb::Cell {i}") for i in range(40)}
    assert units == {"chapters/06_regularization.ipynb"}


def test_a_module_or_class_is_one_work_unit(root_conftest):
    assert root_conftest.work_unit("tests/test_layers.py::test_linear[float64]") == "tests/test_layers.py"
    assert root_conftest.work_unit("tests/test_x.py::TestY::test_z[1]") == "tests/test_x.py::TestY"
    fast = "tests/test_reader_environments.py::test_notebook_imports_nothing_colab_lacks[chapters/01_backpropagation]"
    assert root_conftest.work_unit(fast) == "tests/test_reader_environments.py"


def test_each_reader_environment_run_is_its_own_work_unit(root_conftest):
    runs = [f"tests/test_reader_environments.py::test_notebook_runs_on_{where}[chapters/0{i}_x]"
            for where in ("colab", "binder") for i in (1, 2)]
    assert [root_conftest.work_unit(nodeid) for nodeid in runs] == runs


@pytest.mark.parametrize("prefix", ["tests/test_reader_environments.py::test_notebook_runs_on_colab[",
                                    "tests/test_reader_environments.py::test_notebook_runs_on_binder["])
def test_own_work_unit_names_parametrized_slow_tests(root_conftest, prefix):
    # A renamed test would silently go back to one worker for all its runs.
    assert prefix in root_conftest.OWN_WORK_UNIT
    path, name = prefix.removesuffix("[").split("::")
    tree = ast.parse((ROOT / path).read_text())
    (func,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    decorators = {ast.unparse(d).split("(")[0] for d in func.decorator_list}
    assert {"pytest.mark.parametrize", "pytest.mark.slow"} <= decorators, (prefix, decorators)


class _Item:
    def __init__(self, nodeid, *marks):
        self.nodeid, self.path, self.marks = nodeid, Path(nodeid.split("::")[0]), marks

    def iter_markers(self, name):
        return iter([name] if name in self.marks else [])


def test_a_worker_runs_the_heavy_work_units_first(root_conftest, monkeypatch):
    items = [
        _Item("tests/test_a.py::test_1"),
        _Item("tests/test_b.py::test_1"), _Item("tests/test_b.py::test_2", "browser"),
        _Item("tests/test_reader_environments.py::test_fast"),
        _Item("tests/test_reader_environments.py::test_notebook_runs_on_colab[chapters/01_x]", "slow"),
        _Item("tests/test_z.py::test_1"),
        _Item("chapters/01_x.ipynb::Cell 0"), _Item("chapters/01_x.ipynb::Cell 1"),
    ]
    order = [item.nodeid for item in items]
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    root_conftest.pytest_collection_modifyitems(config=None, items=items)
    assert [item.nodeid for item in items] == order  # one process: pytest's order

    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    root_conftest.pytest_collection_modifyitems(config=None, items=items)
    assert [item.nodeid for item in items] == [order[i] for i in (1, 2, 4, 6, 7, 0, 3, 5)]


@pytest.mark.parametrize("dist", ["load", "loadscope"])  # load: `-n N` without --dist
def test_the_scheduler_uses_the_work_units(root_conftest, pytestconfig, monkeypatch, dist):
    pytest.importorskip("xdist")
    from xdist.scheduler import LoadScopeScheduling

    monkeypatch.setattr(pytestconfig.option, "dist", dist, raising=False)
    monkeypatch.setattr(pytestconfig.option, "tx", ["popen", "popen"], raising=False)
    monkeypatch.setattr(pytestconfig.option, "loadscopereorder", True, raising=False)
    sched = root_conftest.pytest_xdist_make_scheduler(config=pytestconfig, log=None)
    assert isinstance(sched, LoadScopeScheduling)
    assert pytestconfig.option.loadscopereorder is False  # units go out in collection order
    for nodeid in ("chapters/01_backpropagation.ipynb::Cell 3", "tests/test_layers.py::test_a",
                   "tests/test_reader_environments.py::test_notebook_runs_on_binder[appendix/datasets]"):
        assert sched._split_scope(nodeid) == root_conftest.work_unit(nodeid)


@pytest.mark.parametrize("dist", ["each", "loadfile", "worksteal"])
def test_other_dist_modes_are_left_to_xdist(root_conftest, pytestconfig, monkeypatch, dist):
    monkeypatch.setattr(pytestconfig.option, "dist", dist, raising=False)
    assert root_conftest.pytest_xdist_make_scheduler(config=pytestconfig, log=None) is None


def _pytest(*args: str) -> subprocess.CompletedProcess:
    """pytest on this file in a fresh process, as a developer would run it (not as an xdist worker)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "PYTEST_ADDOPTS"))}
    return subprocess.run([sys.executable, "-m", "pytest", *args, "tests/test_parallel.py", "-k", "work_unit"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_pytest_n_2_runs_on_the_book_scheduler():
    pytest.importorskip("xdist")
    proc = _pytest("-n", "2", "-v")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "scheduling tests via BookScheduling" in proc.stdout, proc.stdout


def test_pytest_runs_without_xdist():
    proc = _pytest("-q", "-p", "no:xdist")
    assert proc.returncode == 0, proc.stdout + proc.stderr
