"""Every notebook runs end to end where readers run it: Colab and Binder.

Each environment is built from an allow-list (``tests/reader_env_support.py``):
what Colab preinstalls, or what ``binder/requirements.txt`` names, plus their
dependencies, and nothing else from ``.venv``. In it, every chapter and
appendix notebook is executed top to bottom with that environment's python as
the kernel; the first cell error fails the test, naming the notebook, the cell
and the error.

* **Colab**: a fresh environment per notebook (a Colab runtime starts without
  lecturelib), a stand-in ``google.colab`` imported by the kernel, the kernel
  started in an empty directory (Colab has the notebook, not the repository).
  The notebook's own first cell must ``%pip install`` lecturelib and mnist1d;
  pip installs offline from a wheelhouse built from this checkout and .venv.
* **Binder**: one environment, ``binder/postBuild`` run in a copy of the
  repository as repo2docker runs it; the first cell must do nothing.

Executing every notebook twice more takes about a minute per notebook, so
those tests are marked ``slow`` (``make test`` runs them). When something
they need is missing they skip locally and fail in CI (``CI`` set).
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import reader_env_support as support
from reader_env_support import ROOT, ReaderEnv, ReaderNotebookError

sys.path.insert(0, str(ROOT / "tools"))
import bootstrap_cell  # noqa: E402

NOTEBOOKS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb")) + sorted((ROOT / "appendix").glob("*.ipynb"))
BUILD_ONLY = ("myst-nb", "jupyter-book", "sphinx", "nbval", "pytest")


def _missing(reason: str) -> None:
    """Skip on a developer's machine, fail in CI: CI must run every test here."""
    if support.is_ci():
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)")
    pytest.skip(reason)


def _require_installed(*names: str) -> None:
    absent = [n for n in names if canonicalize_name(n) not in support.installed()]
    if absent:
        _missing(f"not installed in .venv: {', '.join(absent)} (run `make venv`)")


def _notebook_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


# --- the cell and the allow-lists (fast) ------------------------------------------


def test_notebooks_found():
    assert any(p.parent.name == "chapters" for p in NOTEBOOKS), "no chapter notebooks found"


def test_the_colab_cell_fits_the_page():
    assert bootstrap_cell.too_wide(bootstrap_cell.cell_source()) == []


def test_the_colab_cell_installs_what_colab_lacks_and_pins_nothing():
    src = bootstrap_cell.cell_source()
    installs = [line.strip() for line in src.splitlines() if line.strip().startswith("%pip")]
    assert len(installs) == len(support.COLAB_CELL_INSTALLS), installs
    for line in installs:
        assert line.startswith("%pip install --quiet --no-deps "), line
        assert "==" not in line and "upgrade" not in line, line
    assert installs[-1].endswith(" mnist1d"), installs
    preinstalled = {canonicalize_name(n) for n in support.COLAB_PREINSTALLED}
    assert not preinstalled & {canonicalize_name(n) for n in support.COLAB_CELL_INSTALLS}


@pytest.mark.parametrize("name", support.COLAB_CELL_INSTALLS)
def test_what_the_cell_installs_needs_only_what_colab_has(name):
    # --no-deps is right only if every dependency is already on Colab
    if name == "lecturelib":  # this checkout's pyproject.toml, not .venv's copy of it
        project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
        needs = {canonicalize_name(Requirement(r).name) for r in project["dependencies"]}
    else:
        _require_installed(name)
        needs = support.direct_requirements(support.installed()[canonicalize_name(name)])
    # (or installed by the cell itself: lecturelib needs mnist1d)
    available = {canonicalize_name(n) for n in (*support.COLAB_PREINSTALLED, *support.COLAB_CELL_INSTALLS)}
    assert needs <= available - {canonicalize_name(name)}, (
        f"{name} needs {sorted(needs - available)}, which neither Colab (COLAB_PREINSTALLED) nor the "
        "cell provides: install it in tools/bootstrap_cell.py if Colab lacks it, or add it to the list "
        "if Colab has it"
    )


def test_the_allow_lists_are_not_the_project_environment():
    colab = support.colab_allowed()
    _require_installed(*(r.name for r in support.binder_requirements()))
    binder = support.binder_allowed()
    for allowed in (colab, binder):
        build_only = allowed.keys() & {canonicalize_name(n) for n in BUILD_ONLY}
        assert not build_only, f"book-build packages in a reader's environment: {sorted(build_only)}"
        assert "lecturelib" not in allowed
        assert len(allowed) < len(support.installed())
    assert "mnist1d" not in colab and "mnist1d" in binder
    stale = {canonicalize_name(n) for n in support.COLAB_LACKS_BUT_KERNEL_NEEDS} - colab.keys()
    assert not stale, f"COLAB_LACKS_BUT_KERNEL_NEEDS names {sorted(stale)}, no longer in the Colab environment"


def test_binder_pins_are_the_versions_of_dot_venv():
    # The Binder test links .venv's distributions, so it tests what Binder installs
    # only while the versions agree.
    reqs = support.binder_requirements()
    names = [canonicalize_name(r.name) for r in reqs]
    assert "myst-nb" not in names, "the notebooks glue through lecturelib.glue; Binder needs no myst-nb"
    assert "mnist1d" in names
    _require_installed(*names)
    for req in reqs:
        version = support.installed()[canonicalize_name(req.name)].version
        assert req.specifier.contains(version, prereleases=True), f"{req} but .venv has {version}"
        assert str(req.specifier).startswith("=="), f"{req}: pin it"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_notebook_id)
def test_notebook_imports_nothing_colab_lacks(notebook):
    nb = nbformat.read(notebook, as_version=4)
    found = support.notebook_imports_colab_lacks(nb)
    assert found == [], f"{notebook.name} imports packages Colab does not have: {found}"


def test_the_import_check_catches_a_package_colab_lacks():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import numpy as np"),
        nbformat.v4.new_code_cell("%matplotlib inline\nfrom stack_data import FrameInfo"),
    ])
    assert support.notebook_imports_colab_lacks(nb) == ["cell 1: stack_data (stack-data)"]


# --- Colab -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory) -> tuple[Path, Path]:
    _require_installed(*(n for n in support.COLAB_CELL_INSTALLS if n != "lecturelib"), "setuptools")
    return support.build_wheelhouse(tmp_path_factory.mktemp("wheelhouse"))


@pytest.fixture(scope="module")
def mplconfigdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("matplotlib")


def colab_env(base: Path, wheelhouse: tuple[Path, Path], mplconfigdir: Path) -> ReaderEnv:
    wheels, lecturelib_wheel = wheelhouse
    try:
        allowed = support.colab_allowed()
    except LookupError as err:
        _missing(str(err))
    return ReaderEnv(base, allowed, colab=True, wheelhouse=wheels, mplconfigdir=mplconfigdir,
                     extra_env={"LECTURELIB_SOURCE": str(lecturelib_wheel)})


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_notebook_id)
def test_notebook_runs_on_colab(notebook, tmp_path, wheelhouse, mplconfigdir):
    nb = nbformat.read(notebook, as_version=4)
    first = bootstrap_cell.first_code_cell(nb)
    assert first is not None and first.source == bootstrap_cell.cell_source(), (
        f"{notebook.name}: the first code cell is not the Colab cell "
        f"(run .venv/bin/python tools/bootstrap_cell.py --write {notebook.relative_to(ROOT)})"
    )
    env = colab_env(tmp_path / "colab", wheelhouse, mplconfigdir)
    assert env.pip_installed() == []
    content = tmp_path / "content"  # Colab's working directory: the notebook alone
    content.mkdir()

    executed = env.run_notebook(notebook, cwd=content, label="Colab")

    installed = env.pip_installed()
    assert [name.split("-")[0] for name in installed] == sorted(support.COLAB_CELL_INSTALLS), installed
    cell_output = "".join(o.get("text", "") for o in bootstrap_cell.first_code_cell(executed).outputs)
    assert "ERROR" not in cell_output and "WARNING" not in cell_output, cell_output


@pytest.mark.slow
def test_a_notebook_importing_what_colab_lacks_fails(tmp_path, wheelhouse, mplconfigdir):
    # The check can fail: myst_nb is in .venv but not on Colab.
    _require_installed("myst-nb")
    path = tmp_path / "uses_myst_nb.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# A chapter that glues through myst-nb directly"),
        nbformat.v4.new_code_cell("import numpy as np"),
        nbformat.v4.new_code_cell("from myst_nb import glue\nglue('x', 1.0)"),
    ]), path)
    env = colab_env(tmp_path / "colab", wheelhouse, mplconfigdir)

    with pytest.raises(ReaderNotebookError) as info:
        env.run_notebook(path, cwd=tmp_path, label="Colab")

    headline = str(info.value).splitlines()[0]
    assert headline == ("Colab: uses_myst_nb.ipynb, cell 2 ('from myst_nb import glue'): "
                        "ModuleNotFoundError: No module named 'myst_nb'"), headline


# --- Binder --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def binder(tmp_path_factory, mplconfigdir) -> tuple[ReaderEnv, Path]:
    """The Binder environment and the repository copy postBuild installed lecturelib from."""
    base = tmp_path_factory.mktemp("binder")
    try:
        allowed = support.binder_allowed()
    except LookupError as err:
        _missing(str(err))
    env = ReaderEnv(base, allowed, colab=False, mplconfigdir=mplconfigdir)
    repo = support.copy_checkout(base / "repo")
    # repo2docker runs postBuild from the repository root, after requirements.txt.
    proc = env.run(["bash", str(repo / "binder" / "postBuild")], cwd=repo)
    assert proc.returncode == 0, f"binder/postBuild failed:\n{proc.stdout}{proc.stderr}"
    assert [name.split("-")[0] for name in env.pip_installed()] == ["lecturelib"], env.pip_installed()
    where = env.run([str(env.python), "-c", "import lecturelib; print(lecturelib.__file__)"], cwd=base)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(repo), where.stdout
    return env, repo


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_notebook_id)
def test_notebook_runs_on_binder(notebook, binder):
    env, repo = binder
    copy = repo / notebook.relative_to(ROOT)  # the notebook in Binder's checkout

    executed = env.run_notebook(copy, cwd=copy.parent, label="Binder")

    first = bootstrap_cell.first_code_cell(executed)
    if first is not None and bootstrap_cell.TAG in first.metadata.get("tags", []):
        assert first.outputs == [], f"off Colab the first cell must do nothing: {first.outputs}"
    assert [name.split("-")[0] for name in env.pip_installed()] == ["lecturelib"], env.pip_installed()


def test_postbuild_is_executable():
    assert support.BINDER_POSTBUILD.stat().st_mode & 0o111
    out = subprocess.run(["bash", "-n", str(support.BINDER_POSTBUILD)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
