"""Readers' environments, built from allow-lists: what Colab and Binder have.

A reader runs a chapter in one of three places. A local clone has
everything in requirements.txt, which nbval tests. Colab and Binder have
much less, and a notebook that works locally can fail there with a
``ModuleNotFoundError`` (it happened: ``myst_nb``). This module builds each of
those environments from an *allow-list* of what it is known to have:

* ``COLAB_PREINSTALLED``: packages Colab preinstalls, and nothing the
  chapters' first cell installs (lecturelib, mnist1d);
* ``binder_requirements()``: the names in ``binder/requirements.txt``
  (repo2docker installs them; ``binder/postBuild`` then installs lecturelib).

An environment holds those distributions *and their dependencies*, resolved
recursively from the ``Requires-Dist`` metadata of the distributions
installed in this project's ``.venv``, and nothing else. It is a throw-away
venv (no system site-packages) whose site-packages holds symlinks into
``.venv``: each allowed distribution's top-level entries, found from its
RECORD, and its ``.dist-info``. So it takes about a second to build and
``.venv`` is never written to: pip inside it installs only what the offline
wheelhouse offers (lecturelib and mnist1d, neither of which is linked).

:class:`ReaderEnv.run_notebook` executes a notebook with the environment's
own python as the kernel, driven from outside by nbclient (the environment
has no nbclient or nbconvert, as Colab's kernel does not need them), and
raises :class:`ReaderNotebookError` at the first cell error, naming the
notebook, the cell and the error.

Nothing here downloads: the wheels pip installs from are built beforehand by
:func:`build_wheelhouse` from this checkout (lecturelib) and from the
installed distribution in ``.venv`` (mnist1d, re-packed file for file).
"""

from __future__ import annotations

import ast
import base64
import csv
import functools
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

import nbformat
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(sysconfig.get_path("purelib"))  # .venv's site-packages
BINDER_REQUIREMENTS = ROOT / "binder" / "requirements.txt"
BINDER_POSTBUILD = ROOT / "binder" / "postBuild"

# --- Colab --------------------------------------------------------------------
# Checked 2026-11-23 against Colab's published package list: pip-freeze.txt of
# github.com/googlecolab/backend-info at commit a724079 (2026-08-19, the
# Python 3.13 runtime). Only packages that list has, and that a chapter or its
# kernel uses; Colab's versions differ from .venv's (e.g. ipywidgets 7.7.1,
# IPython 7.34, torch 2.11), so these tests check that every package a
# notebook needs is *there*, not Colab's versions of them.
COLAB_CHECKED = "2026-11-23"
COLAB_PREINSTALLED = (
    "torch",
    "numpy",
    "scipy",
    "matplotlib",
    "scikit-learn",
    "ipywidgets",
    "ipykernel",
    "ipython",
    "matplotlib-inline",
    "pyyaml",
    "requests",
    "pip",  # the cell's %pip
)

# What the chapters' first cell installs on Colab (tools/bootstrap_cell.py),
# each with --no-deps: Colab must not have them, and their dependencies must
# all be in COLAB_PREINSTALLED.
COLAB_CELL_INSTALLS = ("lecturelib", "mnist1d")

# The allow-list's dependencies are resolved from .venv, whose IPython 9 and
# ipykernel 7 need these; Colab's older IPython and ipykernel do not, and its
# list (same check, 2026-11-23) does not have them. The kernel needs them
# here, so they are in the environment, but a notebook must not import them:
# notebook_imports_colab_lacks() fails a notebook that does.
COLAB_LACKS_BUT_KERNEL_NEEDS = (
    "asttokens",
    "comm",
    "executing",
    "ipython-pygments-lexers",
    "jedi",
    "nest-asyncio2",
    "pure-eval",
    "stack-data",
)

# --- Binder -------------------------------------------------------------------
# repo2docker's Python environment always has pip (postBuild calls it); the
# rest is binder/requirements.txt.
BINDER_BASE = ("pip",)


class ReaderNotebookError(AssertionError):
    """A notebook cell raised in a reader's environment."""


def is_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


# --- the allow-lists, resolved -----------------------------------------------


@functools.cache
def installed() -> dict[str, metadata.Distribution]:
    """Every distribution in .venv's site-packages, by canonical name."""
    return {canonicalize_name(d.metadata["Name"]): d for d in metadata.distributions(path=[str(SITE)])}


def closure(names: Iterable[str]) -> dict[str, metadata.Distribution]:
    """``names`` and, recursively, what their ``Requires-Dist`` needs here.

    Markers are evaluated for this interpreter, with the extras the
    requirement asked for. A name .venv does not have raises ``LookupError``.
    """
    dists = installed()
    found: dict[str, metadata.Distribution] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(canonicalize_name(n), frozenset(), "the allow-list") for n in names]
    while todo:
        name, extras, wanted_by = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        if name not in dists:
            raise LookupError(f"{name} (needed by {wanted_by}) is not installed in {SITE}")
        dist = found[name] = dists[name]
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in {"", *extras}):
                todo.append((canonicalize_name(req.name), frozenset(req.extras), name))
    return found


def binder_requirements() -> list[Requirement]:
    """The requirements in binder/requirements.txt (options and comments skipped)."""
    reqs = []
    for line in BINDER_REQUIREMENTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            reqs.append(Requirement(line))
    return reqs


def colab_allowed() -> dict[str, metadata.Distribution]:
    return closure(COLAB_PREINSTALLED)


def binder_allowed() -> dict[str, metadata.Distribution]:
    return closure([*BINDER_BASE, *(r.name for r in binder_requirements())])


def direct_requirements(dist: metadata.Distribution) -> set[str]:
    """Canonical names a distribution needs without extras, on this interpreter."""
    names = set()
    for line in dist.requires or []:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            names.add(canonicalize_name(req.name))
    return names


# --- what a notebook imports ---------------------------------------------------


def imported_modules(source: str) -> set[str]:
    """Top-level modules that ``import``/``from`` statements in a code cell name."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def notebook_imports_colab_lacks(nb: nbformat.NotebookNode) -> list[str]:
    """``"cell N: module (distribution)"`` for each import of a package Colab lacks.

    Only the packages in COLAB_LACKS_BUT_KERNEL_NEEDS: the environment has
    them, so running the notebook would not catch the import. Anything else
    Colab lacks is simply not in the environment, and the import fails there.
    """
    lacks = {canonicalize_name(n) for n in COLAB_LACKS_BUT_KERNEL_NEEDS}
    owners = metadata.packages_distributions()
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for module in sorted(imported_modules(cell.source)):
            for dist in owners.get(module, []):
                if canonicalize_name(dist) in lacks:
                    found.append(f"cell {index}: {module} ({dist})")
    return found


# --- offline wheels -------------------------------------------------------------


def _record_line(arcname: str, data: bytes) -> list[str]:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return [arcname, f"sha256={digest}", str(len(data))]


def repack_wheel(dist: metadata.Distribution, dest: Path) -> Path:
    """Write an installed distribution back into a wheel, file for file.

    The files are those its RECORD lists inside site-packages (no bytecode,
    nothing pip added at install time: INSTALLER, REQUESTED, direct_url.json);
    RECORD is rewritten. For a pure-Python wheel installed from PyPI this is
    the wheel pip installed it from, apart from the order of RECORD.
    """
    files = [f for f in dist.files or [] if ".." not in f.parts and "__pycache__" not in f.parts]
    info = {f.parts[0] for f in files if f.parts[0].endswith(".dist-info")}
    if len(info) != 1:
        raise ValueError(f"{dist.metadata['Name']}: expected one .dist-info in its RECORD, found {info}")
    info_dir = info.pop()
    tags = [line.split(":", 1)[1].strip() for line in (dist.read_text("WHEEL") or "").splitlines()
            if line.startswith("Tag:")]
    if not tags:
        raise ValueError(f"{dist.metadata['Name']}: no Tag in its WHEEL file")
    dest.mkdir(parents=True, exist_ok=True)
    wheel = dest / f"{info_dir.removesuffix('.dist-info')}-{tags[0]}.whl"
    skip = {f"{info_dir}/{name}" for name in ("INSTALLER", "REQUESTED", "direct_url.json", "RECORD")}
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(files, key=lambda f: (f.parts[0] == info_dir, f.as_posix())):
            arcname = f.as_posix()
            if arcname in skip:
                continue
            data = Path(dist.locate_file(f)).read_bytes()
            zf.writestr(arcname, data)
            writer.writerow(_record_line(arcname, data))
        writer.writerow([f"{info_dir}/RECORD", "", ""])
        zf.writestr(f"{info_dir}/RECORD", record.getvalue())
    return wheel


def copy_checkout(dest: Path) -> Path:
    """A copy of this checkout's files (no .git, .venv, build output or caches)."""
    ignore = shutil.ignore_patterns(".git", ".venv", "_build", "build", "*.egg-info", "__pycache__",
                                    ".pytest_cache", ".ipynb_checkpoints", "*.pyc")
    shutil.copytree(ROOT, dest, ignore=ignore, symlinks=True)
    return dest


def build_wheelhouse(base: Path) -> tuple[Path, Path]:
    """``(wheelhouse, lecturelib wheel)``: everything the Colab cell may install, offline.

    lecturelib is built from a copy of this checkout (a build writes build/
    and *.egg-info into its source) with .venv's setuptools; mnist1d is
    re-packed from .venv. Neither step uses the network.
    """
    wheelhouse = base / "wheelhouse"
    wheelhouse.mkdir(parents=True)
    source = base / "lecturelib-src"
    source.mkdir()
    shutil.copytree(ROOT / "lecturelib", source / "lecturelib",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--disable-pip-version-check", str(source), "-w", str(wheelhouse)],
        capture_output=True, text=True, timeout=300,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"building the lecturelib wheel failed:\n{proc.stdout}{proc.stderr}")
    (lecturelib_wheel,) = wheelhouse.glob("lecturelib-*.whl")
    for name in COLAB_CELL_INSTALLS:
        if name != "lecturelib":
            repack_wheel(installed()[canonicalize_name(name)], wheelhouse)
    return wheelhouse, lecturelib_wheel


# --- the environment ----------------------------------------------------------------


def _top_levels(dist: metadata.Distribution) -> dict[str, list[metadata.PackagePath]]:
    """A distribution's files inside site-packages, grouped by top-level entry."""
    tops: dict[str, list[metadata.PackagePath]] = {}
    for f in dist.files or []:
        if ".." in f.parts or f.parts[0] == "__pycache__":
            continue  # scripts and data files outside site-packages; bytecode
        tops.setdefault(f.parts[0], []).append(f)
    return tops


@functools.cache
def _owners() -> dict[str, frozenset[str]]:
    """Top-level site-packages entry -> the distributions that have files in it."""
    owners: dict[str, set[str]] = {}
    for name, dist in installed().items():
        for top in _top_levels(dist):
            owners.setdefault(top, set()).add(name)
    return {top: frozenset(names) for top, names in owners.items()}


def _system_path() -> str:
    """PATH without any virtual environment's bin directory (the kernel must not see .venv)."""
    venvs = {str(Path(sys.prefix) / "bin"), str(ROOT / ".venv" / "bin")}
    return os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                           if p and p not in venvs) or "/usr/bin:/bin"


class ReaderEnv:
    """A throw-away venv holding exactly ``allowed`` (symlinked from .venv).

    ``colab=True`` adds a stand-in ``google.colab`` module that the kernel
    imports at start-up, as Colab's kernel does. ``wheelhouse`` is where pip
    may install from (pip never uses an index here); ``extra_env`` is added
    to the environment of every process started in it.
    """

    def __init__(self, base: Path, allowed: dict[str, metadata.Distribution], *, colab: bool,
                 wheelhouse: Path | None = None, extra_env: dict[str, str] | None = None,
                 mplconfigdir: Path | None = None):
        self.base = base
        self.allowed = allowed
        self.venv = base / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(self.venv)],
                       check=True, capture_output=True)
        self.bin = self.venv / "bin"
        self.python = self.bin / "python"
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        self.site_packages = self.venv / "lib" / version / "site-packages"
        assert self.site_packages.is_dir(), self.site_packages
        self._link(allowed)
        self._console_scripts(allowed)

        home = base / "home"
        startup = home / ".ipython" / "profile_default" / "startup"
        startup.mkdir(parents=True)
        if colab:
            fake = self.site_packages / "google" / "colab"
            fake.mkdir(parents=True)
            (fake / "__init__.py").write_text('"""Stand-in for Colab\'s runtime package."""\n')
            (startup / "00-colab.py").write_text("import google.colab  # as Colab's kernel does\n")

        self.env = {
            "PATH": f"{self.bin}{os.pathsep}{_system_path()}",
            "HOME": str(home),
            "IPYTHONDIR": str(home / ".ipython"),
            "JUPYTER_PLATFORM_DIRS": "1",
            "PYTHONNOUSERSITE": "1",
            "PYTHONDONTWRITEBYTECODE": "1",  # never write into .venv through a link
            "LANG": "C.UTF-8",
            # pip only ever installs from the wheelhouse; no index, no cache, no config.
            "PIP_NO_INDEX": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_CACHE_DIR": "1",
            "PIP_NO_INPUT": "1",
            "PIP_CONFIG_FILE": os.devnull,
        }
        if mplconfigdir is not None:  # matplotlib's font cache, shared between environments
            self.env["MPLCONFIGDIR"] = str(mplconfigdir)
        if wheelhouse is not None:
            self.env["PIP_FIND_LINKS"] = str(wheelhouse)
        for name in ("TMPDIR", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            if name in os.environ:
                self.env[name] = os.environ[name]
        self.env.update(extra_env or {})

        kernels = base / "kernels" / "python3"
        kernels.mkdir(parents=True)
        (kernels / "kernel.json").write_text(json.dumps({
            "argv": [str(self.python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": f"Python 3 ({base.name})",
            "language": "python",
        }))
        self.kernel_dir = kernels.parent

    def _link(self, allowed: dict[str, metadata.Distribution]) -> None:
        owners = _owners()
        for dist in allowed.values():
            for top, files in _top_levels(dist).items():
                target = self.site_packages / top
                if owners[top] <= allowed.keys():  # nobody outside the list has files in it
                    if not target.exists() and not target.is_symlink():
                        target.symlink_to(SITE / top)
                    continue
                for f in files:  # shared with a distribution that is not allowed: file by file
                    link = self.site_packages / f
                    link.parent.mkdir(parents=True, exist_ok=True)
                    if not link.exists() and not link.is_symlink():
                        link.symlink_to(Path(dist.locate_file(f)))

    def _console_scripts(self, allowed: dict[str, metadata.Distribution]) -> None:
        """bin/ scripts for the allowed distributions (postBuild runs ``pip``)."""
        for dist in allowed.values():
            for ep in dist.entry_points.select(group="console_scripts"):
                script = self.bin / ep.name
                if script.exists():
                    continue
                module, _, attr = ep.value.partition(":")
                head = attr.split(".")[0]
                script.write_text(
                    f"#!{self.python}\nimport sys\nfrom {module} import {head}\n"
                    f"sys.exit({attr}())\n"
                )
                script.chmod(0o755)

    def run(self, args: list[str], *, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run(args, cwd=cwd, env=self.env, capture_output=True, text=True, timeout=timeout)

    def pip_installed(self) -> list[str]:
        """Distributions pip installed here (real directories, not links into .venv)."""
        return sorted(p.name for p in self.site_packages.glob("*.dist-info") if not p.is_symlink())

    def run_notebook(self, path: Path, *, cwd: Path, label: str, timeout: float = 600) -> nbformat.NotebookNode:
        """Execute ``path`` top to bottom in a fresh kernel of this environment.

        Returns the executed notebook. Raises :class:`ReaderNotebookError` at the
        first cell that raises: ``<label>: <notebook>, cell <index> (<first
        line>): <error>``, then the traceback. ``index`` counts all cells from 0
        (as ``nb.cells[index]``).
        """
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import KernelManager
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError

        nb = nbformat.read(path, as_version=4)
        km = KernelManager(kernel_name="python3",
                           kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(self.kernel_dir)]))
        client = NotebookClient(nb, km=km, timeout=timeout, startup_timeout=120, allow_errors=False,
                                record_timing=False)
        where = f"{label}: {path.name}"
        index = -1
        try:
            with client.setup_kernel(env=self.env, cwd=str(cwd), cleanup_kc=True):
                for index, cell in enumerate(nb.cells):
                    if cell.cell_type == "code":
                        client.execute_cell(cell, index)
        except CellExecutionError as err:
            first = next((line for line in nb.cells[index].source.splitlines() if line.strip()), "")
            trace = re.sub(r"\x1b\[[0-9;]*m", "", str(err)).strip().splitlines()
            raise ReaderNotebookError(
                f"{where}, cell {index} ({first.strip()!r}): {err.ename}: {err.evalue}\n"
                + "\n".join(trace[-25:])
            ) from None
        except Exception as err:  # the kernel died or timed out
            cell = f"cell {index}" if index >= 0 else "kernel start-up"
            raise ReaderNotebookError(f"{where}, {cell}: {type(err).__name__}: {err}") from err
        return nb
