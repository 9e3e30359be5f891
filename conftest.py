"""Root pytest setup, loaded before any test or notebook is collected.

``LECTURELIB_PROGRESS=0`` switches off the progress bar that
:func:`lecturelib.torchkit.train` draws automatically in a terminal or a
Jupyter kernel: the kernels nbval starts inherit this process's environment,
so the notebooks' outputs match the committed ones, which
``tools/execute_notebooks.py`` records with the same setting.  ``setdefault``
leaves a value set by hand alone (``LECTURELIB_PROGRESS=1 pytest ...``).

Parallel runs (pytest-xdist, ``make test`` runs ``pytest -n 2``)
-----------------------------------------------------------------

nbval runs a notebook's cells in order in one kernel, so every cell of a
notebook must go to the same worker. :func:`pytest_xdist_make_scheduler`
therefore replaces xdist's default scheduling (``--dist load``, one test at a
time to whichever worker is free) and ``--dist loadscope`` with loadscope's
rule, which sends each module, class or notebook to one worker as a whole,
with two changes:

* :func:`work_unit`: each test of :data:`OWN_WORK_UNIT` (a notebook executed
  end to end in Colab's or Binder's environment, up to a minute each) is a
  unit of its own, so those runs spread over the workers instead of all
  landing on the one that gets ``tests/test_reader_environments.py``;
* :func:`pytest_collection_modifyitems`: the units that run notebooks or a
  browser go first and the quick unit-test modules last, and the scheduler
  hands units out in that order, so the workers finish together.

Other ``--dist`` modes are left to xdist. Nothing here needs xdist: without
``-n`` (or with ``-n 0`` or ``-p no:xdist``) pytest runs in one process, in
its usual order.

Each worker also sets ``OMP_NUM_THREADS`` to its share of the cores (unless it
is set already), so that the kernels and the worker never run more threads
than there are cores; the notebooks pass nbval with any thread count.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("LECTURELIB_PROGRESS", "0")

# xdist sets these in a worker before any conftest is imported, so the value
# reaches numpy's and torch's thread pools in the worker and in every kernel
# it starts (nbval's, and the reader environments', which pass it on).
if os.environ.get("PYTEST_XDIST_WORKER"):
    _workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // max(1, _workers))))

#: Node-id prefixes of tests that are each an xdist work unit of their own.
OWN_WORK_UNIT = (
    "tests/test_reader_environments.py::test_notebook_runs_on_colab[",
    "tests/test_reader_environments.py::test_notebook_runs_on_binder[",
)


def work_unit(nodeid: str) -> str:
    """The xdist work unit of a test: loadscope's (module, class or notebook) or, for OWN_WORK_UNIT, itself."""
    if nodeid.startswith(OWN_WORK_UNIT):
        return nodeid
    return nodeid.rsplit("::", 1)[0]


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: no error when it is not installed
def pytest_xdist_make_scheduler(config, log):
    """``-n N`` alone (xdist's ``--dist load``) or ``--dist loadscope``: the work units of :func:`work_unit`."""
    if config.getvalue("dist") not in ("load", "loadscope"):
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BookScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    # Hand the units out in collection order (pytest_collection_modifyitems'),
    # not loadscope's default of the units with the most tests first.
    config.option.loadscopereorder = False
    return BookScheduling(config, log)


def _is_heavy(item: pytest.Item) -> bool:
    """Runs a notebook (nbval, a reader environment) or a browser: seconds to minutes per unit."""
    return item.path.suffix == ".ipynb" or any(item.iter_markers("slow")) or any(item.iter_markers("browser"))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """In an xdist worker: the heavy work units first, in collection order, then the rest.

    Every worker sorts the same way (xdist checks that they collected the same
    list); a test's place within its unit never changes. A run in one process
    keeps pytest's order.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    heavy = {work_unit(item.nodeid) for item in items if _is_heavy(item)}
    items.sort(key=lambda item: work_unit(item.nodeid) not in heavy)  # stable: False (heavy) first
