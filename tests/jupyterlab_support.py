"""Helpers for tests/test_jupyterlab.py: a private, offline JupyterLab server on a copy of a chapter.

Nothing here needs Playwright, so this module imports on a machine without a browser.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the venv's bin: jupyter-lab and the kernel's python
JUPYTER_LAB = BIN / "jupyter-lab"

# Lab settings written into a private settings dir: no news feed, no update
# check, and a notebook that renders every cell (no virtual scrolling), so the
# widget's output is in the DOM wherever it is on the page.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_notebook_copy(source: Path, dest_dir: Path) -> Path:
    """Copy a chapter without its outputs and saved widget state.

    The committed notebook carries the widget's state (and its PNG) in its
    metadata; JupyterLab would render that static copy before any code ran.
    Stripping it means every widget and image on the page comes from the kernel.
    """
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    dest = dest_dir / source.name
    nbformat.write(nb, dest)
    return dest


@dataclass
class LabServer:
    process: subprocess.Popen
    port: int
    token: str
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}/{path.lstrip('/')}{sep}token={self.token}"

    def api(self, path: str) -> object:
        with urllib.request.urlopen(self.url(f"api/{path}"), timeout=5) as response:
            return json.load(response)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-6000:]
        except OSError:
            return ""

    def stop(self) -> None:
        """Shut the server down with its kernels; kill whatever survives, by pid.

        Kernels run in their own sessions (jupyter_client starts them with
        ``start_new_session``), so killing the server's process group would not
        reach them: ask the server to shut down (which shuts its kernels down),
        then kill the server's group and every descendant recorded beforehand.
        """
        if self.process.poll() is None:
            descendants = _descendants(self.process.pid)
            try:
                request = urllib.request.Request(
                    f"{self.base_url}/api/shutdown", data=b"", method="POST",
                    headers={"Authorization": f"token {self.token}"},
                )
                urllib.request.urlopen(request, timeout=5).close()
                self.process.wait(timeout=20)
            except (OSError, urllib.error.URLError, subprocess.TimeoutExpired):
                _signal_group(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
        else:
            descendants = []
        _signal_group(self.process.pid, signal.SIGKILL)
        for pid in descendants:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self.process.poll() is None:
            self.process.wait(timeout=5)


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _descendants(pid: int) -> list[int]:
    """Pids of every process below ``pid`` (Linux /proc; empty elsewhere)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ..." -- comm may contain spaces and parentheses.
        fields = text[text.rindex(")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def start_lab(root_dir: Path, state_dir: Path, *, timeout: float = 60) -> LabServer:
    """Start ``jupyter lab`` headless on ``root_dir``; every config and state dir is private."""
    port, token = free_port(), secrets.token_hex(16)
    settings_dir = state_dir / "lab-user-settings"
    for name, values in LAB_SETTINGS.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    for sub in ("config", "data", "runtime", "workspaces", "ipython", "mpl"):
        (state_dir / sub).mkdir(parents=True, exist_ok=True)

    env = {
        **os.environ,
        # Kernels started by the server must find the venv's python first.
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "JUPYTER_CONFIG_DIR": str(state_dir / "config"),
        "JUPYTER_DATA_DIR": str(state_dir / "data"),
        "JUPYTER_RUNTIME_DIR": str(state_dir / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(state_dir / "workspaces"),
        "IPYTHONDIR": str(state_dir / "ipython"),
        "MPLCONFIGDIR": str(state_dir / "mpl"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    env.pop("MPLBACKEND", None)  # the kernel must use the inline backend
    env.pop("JUPYTER_PATH", None)

    cmd = [
        str(JUPYTER_LAB),
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root_dir}",
        "--ServerApp.allow_remote_access=False",
        "--ServerApp.terminals_enabled=False",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        f"--LabApp.user_settings_dir={settings_dir}",
        f"--LabApp.workspaces_dir={state_dir / 'workspaces'}",
        "--LabApp.expose_app_in_browser=True",
        # No PyPI listing from the extension manager.
        "--LabApp.extension_manager=readonly",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI containers often run as root
        cmd.append("--ServerApp.allow_root=True")
    log_path = state_dir / "jupyter-lab.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        cmd, cwd=root_dir, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True,  # own process group: stop() kills the server and its kernels
    )
    log.close()
    server = LabServer(process, port, token, log_path)

    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {process.returncode}:\n{server.log()}")
        try:
            server.api("status")
            return server
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise TimeoutError(f"jupyter lab did not answer /api/status within {timeout} s:\n{server.log()}")
        time.sleep(0.25)
