"""Helpers for tests/test_browser.py: the pages of the book, a fresh build, a local server, TeX checks.

Nothing here needs Playwright, so the pure helpers can be imported (and unit
tested) on a machine without a browser.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import NoReturn

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BUILD_DIR = ROOT / "_build"
HTML_DIR = BUILD_DIR / "html"
SCREENSHOT_DIR = BUILD_DIR / "screenshots"

#: The command `make book` runs, with the jupyter-book of the running interpreter's venv.
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
BUILD_COMMAND = [str(JUPYTER_BOOK), "build", "--all", "--warningiserror", "--keep-going", "--builder", "html", "."]

SOURCE_SUFFIXES = (".md", ".ipynb", ".rst")


# --------------------------------------------------------------------------- what the browser tests need


def running_in_ci() -> bool:
    """``CI`` is set to anything but empty, ``0``, ``false`` or ``no`` (CI services and ``.ci/run`` set ``CI=true``).

    The same rule as tests/reader_env_support.is_ci.
    """
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def skip_or_fail(reason: str) -> NoReturn:
    """Skip locally; fail in CI, where every browser test must run (``.ci/run`` installs what they need)."""
    if running_in_ci():
        pytest.fail(f"{reason}\n(CI={os.environ.get('CI')}: in CI a browser test fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


def chromium_executable() -> str | None:
    """Debian's Chromium: /usr/bin/chromium, else ``chromium`` on PATH."""
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


# --------------------------------------------------------------------------- the table of contents


def _source_file(entry: str) -> Path | None:
    """The source file of a ``_toc.yml`` ``file:`` entry (given with or without its suffix)."""
    path = ROOT / entry
    if path.suffix in SOURCE_SUFFIXES and path.is_file():
        return path
    for suffix in SOURCE_SUFFIXES:
        candidate = path.with_name(path.name + suffix)
        if candidate.is_file():
            return candidate
    return None


def _page_name(entry: str) -> str:
    """``chapters/01_backpropagation.ipynb`` -> ``chapters/01_backpropagation`` (POSIX, no suffix)."""
    entry = entry.strip().strip("/")
    for suffix in SOURCE_SUFFIXES:
        if entry.endswith(suffix):
            return entry[: -len(suffix)]
    return entry


@functools.lru_cache(maxsize=None)
def toc_pages() -> tuple[str, ...]:
    """Every page of ``_toc.yml`` in reading order: the root, then each ``file:`` (and ``glob:``) entry.

    ``url:`` entries (external links) are not pages of the book and are left out.
    """
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages: list[str] = [_page_name(toc["root"])]

    def walk(node):
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if "file" in node:
                pages.append(_page_name(str(node["file"])))
            if "glob" in node:
                matches = sorted(p for p in ROOT.glob(str(node["glob"])) if p.suffix in SOURCE_SUFFIXES)
                pages.extend(_page_name(p.relative_to(ROOT).as_posix()) for p in matches)
            for key in ("parts", "chapters", "sections"):
                if key in node:
                    walk(node[key])

    walk(toc)
    return tuple(dict.fromkeys(pages))  # de-duplicated, order kept


def page_source(page: str) -> Path | None:
    return _source_file(page)


def is_chapter(page: str) -> bool:
    return page.startswith("chapters/")


def screenshot_path(page: str) -> Path:
    return SCREENSHOT_DIR / (page.replace("/", "__") + ".png")


@functools.lru_cache(maxsize=None)
def book_config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8")) or {}


def mathjax_url() -> str | None:
    return ((book_config().get("sphinx") or {}).get("config") or {}).get("mathjax_path")


# --------------------------------------------------------------------------- a fresh build


def build_inputs() -> list[Path]:
    """The files whose change makes ``_build/html`` stale."""
    inputs = [ROOT / "_config.yml", ROOT / "_toc.yml", ROOT / "references.bib"]
    inputs += sorted(ROOT.glob("*.md"))
    inputs += sorted((ROOT / "chapters").glob("*.ipynb"))
    inputs += sorted((ROOT / "_ext").glob("*.py"))  # local Sphinx extensions, if any
    # Pages outside the top level and chapters/ (appendices, ...) count too.
    inputs += [src for src in map(page_source, toc_pages()) if src is not None]
    return [p for p in dict.fromkeys(inputs) if p.exists()]


def stale_inputs() -> list[Path]:
    """Inputs newer than ``_build/html/index.html`` (all of them when there is no build)."""
    index = HTML_DIR / "index.html"
    inputs = build_inputs()
    if not index.is_file():
        return inputs
    built = index.stat().st_mtime
    return [p for p in inputs if p.stat().st_mtime > built]


def build_book() -> subprocess.CompletedProcess:
    return subprocess.run(BUILD_COMMAND, cwd=ROOT, capture_output=True, text=True)


def ensure_fresh_build() -> str | None:
    """Build the book when needed. Returns None on success, else the reason it could not be built.

    One build at a time in this checkout (a lock file in ``_build``): pytest
    processes that get here together (xdist workers, two test runs) take
    turns, and the later ones find the build fresh.
    """
    from filelock import FileLock

    BUILD_DIR.mkdir(exist_ok=True)
    with FileLock(BUILD_DIR / ".book-build.lock"):
        return _build_if_stale()


def _build_if_stale() -> str | None:
    stale = stale_inputs()
    if not stale:
        return None
    if not JUPYTER_BOOK.is_file():
        return f"_build/html is stale and {JUPYTER_BOOK} does not exist (run `make book` or `make venv`)"
    result = build_book()
    index = HTML_DIR / "index.html"
    if result.returncode != 0 or not index.is_file():
        tail = "\n".join((result.stdout + "\n" + result.stderr).strip().splitlines()[-40:])
        return f"`{' '.join(BUILD_COMMAND)}` failed (exit {result.returncode}):\n{tail}"
    # jupyter-book does not rewrite an unchanged index.html redirect; mark the build as fresh.
    index.touch()
    return None


# --------------------------------------------------------------------------- a local server


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature of the base class
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A browser context closed while a response was still being sent: not an error of the book.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


@dataclass
class BookServer:
    directory: Path
    host: str = "127.0.0.1"
    _server: _QuietServer | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> BookServer:
        handler = functools.partial(_QuietHandler, directory=str(self.directory))
        self._server = _QuietServer((self.host, 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="book-server", daemon=True)
        self._thread.start()
        return self

    @property
    def origin(self) -> str:
        assert self._server is not None
        return f"http://{self.host}:{self._server.server_address[1]}"

    def url(self, page: str) -> str:
        return f"{self.origin}/{page}.html"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


# --------------------------------------------------------------------------- anchors of a page


class _AnchorParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.anchors: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and (name == "id" or (name == "name" and tag in {"a", "map", "img", "form", "iframe"})):
                self.anchors.add(value)

    handle_startendtag = handle_starttag


def html_anchors(html: str) -> set[str]:
    """Every ``id`` (and ``<a name>``) in a page: the fragments a link to it may end with."""
    parser = _AnchorParser()
    parser.feed(html)
    parser.close()
    return parser.anchors


# --------------------------------------------------------------------------- TeX well-formedness

_DELIMITERS = [(r"\(", r"\)"), (r"\[", r"\]"), ("$$", "$$"), ("$", "$")]
_ENVIRONMENT = re.compile(r"\\(begin|end)\s*\{([^{}]*)\}")


def strip_math_delimiters(tex: str) -> str:
    tex = tex.strip()
    for left, right in _DELIMITERS:
        if len(tex) >= len(left) + len(right) and tex.startswith(left) and tex.endswith(right):
            return tex[len(left) : len(tex) - len(right)].strip()
    return tex


def _without_comments(tex: str) -> str:
    """Drop ``% ...`` comments (an escaped ``\\%`` is kept)."""
    return "\n".join(re.sub(r"(?<!\\)((?:\\\\)*)%.*", r"\1", line) for line in tex.splitlines())


def tex_problems(tex: str) -> list[str]:
    """What is wrong with one piece of TeX (delimiters included or not); empty when it is well formed."""
    body = _without_comments(strip_math_delimiters(tex))
    if not body.strip():
        return ["empty math"]
    problems = []

    # Braces, skipping every escaped character (\{, \}, and \\ so that \\{ still opens a group).
    depth, i = 0, 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            i += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                problems.append(f"unbalanced braces: '}}' without '{{' at offset {i}")
                depth = 0
        i += 1
    if depth > 0:
        problems.append(f"unbalanced braces: {depth} '{{' never closed")

    # Environments, nested in order.
    stack: list[str] = []
    for kind, name in _ENVIRONMENT.findall(body):
        name = name.strip()
        if kind == "begin":
            stack.append(name)
        elif not stack:
            problems.append(f"\\end{{{name}}} without \\begin{{{name}}}")
        elif stack[-1] != name:
            problems.append(f"\\begin{{{stack[-1]}}} closed by \\end{{{name}}}")
            stack.pop()
        else:
            stack.pop()
    problems += [f"\\begin{{{name}}} without \\end{{{name}}}" for name in stack]
    return problems
