"""The Colab bootstrap cell, run for real in IPython in a Colab-like environment.

``tools/bootstrap_cell.py`` writes the same install cell at the top of every
chapter; ``tests/test_chapters.py`` checks the cell is there. These tests run its
source, taken from a real chapter, in a fresh IPython process:

* with a fake ``google.colab`` imported and ``lecturelib`` missing, the cell
  must ``%pip install`` lecturelib from ``LECTURELIB_SOURCE`` (here a copy of
  this checkout, so no network is needed) and the next cell can import it;
* without ``google.colab`` (a local clone, Binder) it must do nothing at all.

The "fresh environment" is a throw-away venv whose site-packages holds
symlinks to everything in this project's ``.venv`` *except* lecturelib (its
editable-install hook and its metadata), so numpy, IPython, pip and
setuptools are there but ``import lecturelib`` genuinely fails until the cell
has run. pip installs into the throw-away venv; ``.venv`` is never touched.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))  # test_chapters.py checks each one's first cell

sys.path.insert(0, str(ROOT / "tools"))
import bootstrap_cell  # noqa: E402

# What a kernel would see of this project's environment, lecturelib excluded.
_HIDDEN_PREFIXES = ("__editable__", "lecturelib", "__pycache__")

# Runs in the throw-away venv: optionally import the fake google.colab, run the
# cell in an InteractiveShell, record every shell command the cell issues, then
# try the import the chapter's next cell does. Prints one JSON line at the end.
_HARNESS = textwrap.dedent(
    """
    import importlib.util, json, sys
    if sys.argv[2] == "colab":
        import google.colab  # what Colab's runtime has already imported
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    commands = []
    _system = shell.system

    def recording_system(cmd):
        commands.append(cmd)
        return _system(cmd)

    shell.system = recording_system
    before = importlib.util.find_spec("lecturelib") is not None
    src = open(sys.argv[1]).read()
    result = shell.run_cell(src, store_history=False)
    sys.stdout.flush()
    try:
        import lecturelib
        lecturelib_file = lecturelib.__file__
    except ImportError:
        lecturelib_file = None
    print("\\n@@RESULT@@" + json.dumps({
        "success": result.success,
        "error": repr(result.error_in_exec or result.error_before_exec),
        "importable_before": before,
        "commands": commands,
        "exit_code": shell.user_ns.get("_exit_code"),
        "lecturelib_file": lecturelib_file,
    }))
    """
)


def _first_code_cell_source(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    cell = bootstrap_cell.first_code_cell(nb)
    assert cell is not None, f"{path.name} has no code cell"
    return cell.source


@pytest.fixture(scope="module")
def cell_source() -> str:
    """The bootstrap cell exactly as committed in the first chapter."""
    assert CHAPTERS, "no chapter notebooks found"
    src = _first_code_cell_source(CHAPTERS[0])
    assert src == bootstrap_cell.cell_source(), (
        f"{CHAPTERS[0].name}: first code cell is not the generated bootstrap cell "
        "(run python tools/bootstrap_cell.py --write chapters/*.ipynb)"
    )
    return src


class ColabLikeEnv:
    """A throw-away venv: this project's packages minus lecturelib, plus a fake google.colab."""

    def __init__(self, base: Path):
        self.base = base
        self.venv = base / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(self.venv)], check=True)
        self.python = self.venv / "bin" / "python"
        self.site_packages = Path(
            subprocess.run(
                [str(self.python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                check=True, capture_output=True, text=True,
            ).stdout.strip()
        )
        project_site = Path(sysconfig.get_path("purelib"))
        for entry in project_site.iterdir():
            if not entry.name.startswith(_HIDDEN_PREFIXES):
                (self.site_packages / entry.name).symlink_to(entry)

        # google.colab as a namespace package beside any real `google` package.
        fake = base / "fake_colab" / "google" / "colab"
        fake.mkdir(parents=True)
        (fake / "__init__.py").write_text('"""Stand-in for Colab\'s runtime module."""\n')

        # What pip installs from: a copy, because a local build writes build/ and
        # *.egg-info/ into the source tree.
        self.source = base / "lecturelib-src"
        self.source.mkdir()
        shutil.copytree(ROOT / "lecturelib", self.source / "lecturelib",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(ROOT / name, self.source / name)

        self.workdir = base / "cwd"  # not the repository: '' on sys.path must not find lecturelib
        self.workdir.mkdir()
        self.env = {
            "PATH": f"{self.venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": str(base),
            "IPYTHONDIR": str(base / "ipython"),
            "MPLBACKEND": "Agg",
            "PYTHONPATH": str(base / "fake_colab"),
            "PYTHONNOUSERSITE": "1",
            "LECTURELIB_SOURCE": str(self.source),
            # Offline: no index, nothing fetched for the build (setuptools comes
            # from the environment). pip reads a --no-X option's environment
            # variable as the value of X, so "false" here *disables* isolation.
            "PIP_NO_INDEX": "1",
            "PIP_NO_BUILD_ISOLATION": "false",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_CACHE_DIR": "1",
            "PIP_NO_INPUT": "1",
            "PIP_CONFIG_FILE": os.devnull,
        }

    def run_cell(self, src: str, *, colab: bool) -> tuple[dict, str]:
        cell = self.base / "cell.ipy"
        cell.write_text(src)
        harness = self.base / "harness.py"
        harness.write_text(_HARNESS)
        proc = subprocess.run(
            [str(self.python), str(harness), str(cell), "colab" if colab else "local"],
            cwd=self.workdir, env=self.env, capture_output=True, text=True, timeout=120,
        )
        out = proc.stdout + proc.stderr
        assert proc.returncode == 0 and "@@RESULT@@" in proc.stdout, out
        printed, _, payload = proc.stdout.rpartition("@@RESULT@@")
        return json.loads(payload), (printed + proc.stderr).strip()

    def installed(self) -> list[str]:
        return sorted(p.name for p in self.site_packages.iterdir()
                      if p.name.startswith("lecturelib") and not p.is_symlink())


@pytest.fixture
def colab_env(tmp_path: Path) -> ColabLikeEnv:
    return ColabLikeEnv(tmp_path)


def _setuptools_version() -> tuple[int, ...] | None:
    try:
        version = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        return None
    return tuple(int(part) for part in version.split(".")[:2] if part.isdigit())


@pytest.mark.slow
def test_on_colab_the_cell_installs_lecturelib(colab_env: ColabLikeEnv, cell_source: str):
    # pyproject.toml's build backend; without build isolation pip takes it from
    # the environment instead of downloading it.
    if (_setuptools_version() or (0,)) < (77,):
        pytest.skip("building lecturelib offline needs setuptools>=77 in this environment")
    result, output = colab_env.run_cell(cell_source, colab=True)

    assert result["success"], f"{result['error']}\n{output}"
    assert result["importable_before"] is False, "lecturelib was importable before the cell ran"
    assert len(result["commands"]) == 1, output
    command = result["commands"][0]
    assert " -m pip install --quiet --no-deps " in command and command.endswith(str(colab_env.source)), command
    assert result["exit_code"] == 0, output

    installed_file = result["lecturelib_file"]
    assert installed_file is not None, f"lecturelib is still not importable after the cell:\n{output}"
    installed = Path(installed_file).resolve()
    assert installed.is_relative_to(colab_env.site_packages.resolve()), installed
    assert not installed.is_relative_to(ROOT / "lecturelib"), installed
    assert any(name.endswith(".dist-info") for name in colab_env.installed()), colab_env.installed()
    assert (Path(installed_file).parent / "widgets.py").is_file()


def test_off_colab_the_cell_does_nothing(colab_env: ColabLikeEnv, cell_source: str):
    result, output = colab_env.run_cell(cell_source, colab=False)

    assert result["success"], f"{result['error']}\n{output}"
    assert result["importable_before"] is False
    assert result["commands"] == []
    assert result["exit_code"] is None
    assert output == ""
    assert result["lecturelib_file"] is None
    assert colab_env.installed() == []
