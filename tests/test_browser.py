"""The built book in a real Chromium: every page of _toc.yml loads cleanly, offline.

For each page of ``_toc.yml`` (root, chapters, appendices, ...):

* HTTP 200 and no JavaScript error other than those caused by the requests to
  outside hosts that these tests block (the machine running them may be offline);
* every ``<img>`` has loaded and has a non-empty ``alt``;
* a chapter page (``chapters/...``) has Binder and Colab launch links to its own notebook;
* every internal link and cross-reference reaches an existing page and, with a
  ``#fragment``, an element with that id on it;
* no raw widget JSON and no "Loading widget" text is visible;
* the TeX of every equation is in the HTML and well formed (MathJax itself comes
  from a CDN, blocked here; set ``BOOK_MATHJAX_LOCAL=/path/to/tex-mml-chtml.js``
  to serve a local MathJax instead, which also checks that MathJax renders
  every equation without an error);
* a full-page screenshot goes to ``_build/screenshots/<page with / as __>.png``.

The book is (re)built first, with the command of ``make book``, when
``_build/html`` is missing or older than its sources. Run with::

    .venv/bin/python -m pytest -q tests/test_browser.py

Skipped when Chromium (/usr/bin/chromium or ``chromium`` on PATH) or Playwright is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest

from browser_support import (
    HTML_DIR,
    SCREENSHOT_DIR,
    BookServer,
    book_config,
    ensure_fresh_build,
    html_anchors,
    is_chapter,
    mathjax_url,
    screenshot_path,
    tex_problems,
    toc_pages,
)

PAGES = list(toc_pages())
CHAPTER_PAGES = [page for page in PAGES if is_chapter(page)]

LOCAL_HOST = "127.0.0.1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 900}
IMAGE_TIMEOUT_MS = 10_000
MATHJAX_TIMEOUT_MS = 20_000

# Real defects of the book that a check finds, as {(check, page): reason}. The
# test for that page is then xfail(strict=True): it must start passing (and the
# entry be removed) once the defect is fixed.
KNOWN_DEFECTS: dict[tuple[str, str], str] = {}

# JavaScript errors that every page of the built book raises in any browser (not
# only offline), as {name: (regex on the error, reason)}. They are left out of
# test_page_loads_without_javascript_errors, and test_known_javascript_defect
# expects them (xfail strict=True): when one is fixed, its tests XPASS and fail,
# and the entry must be removed here.
KNOWN_JS_DEFECTS: dict[str, tuple[str, str]] = {}


def pages_for(check: str, pages: list[str]) -> list:
    return [
        pytest.param(page, marks=pytest.mark.xfail(strict=True, reason=KNOWN_DEFECTS[check, page]))
        if (check, page) in KNOWN_DEFECTS
        else page
        for page in pages
    ]


# --------------------------------------------------------------------------- fixtures


def chromium_executable() -> str | None:
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@pytest.fixture(scope="module")  # module: one Playwright per module, or the next module cannot start its own
def playwright_chromium():
    """Playwright's Chromium driver, or a skip naming what is missing."""
    executable = chromium_executable()
    if executable is None:
        pytest.skip("browser tests need Chromium: neither /usr/bin/chromium nor `chromium` on PATH (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.skip(f"browser tests need Playwright (pip install playwright): {exc}")
    with sync_playwright() as playwright:
        yield playwright.chromium, executable


@pytest.fixture(scope="module")  # module: one Playwright per module, or the next module cannot start its own
def browser(playwright_chromium):
    chromium, executable = playwright_chromium
    browser = chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="module")  # module: one Playwright per module, or the next module cannot start its own
def book_server(playwright_chromium):
    """``_build/html`` (rebuilt when stale) served on 127.0.0.1 at a free port.

    Depends on the browser driver so that nothing is built when the tests would be skipped anyway.
    """
    problem = ensure_fresh_build()
    if problem:
        pytest.fail(f"cannot build the book for the browser tests:\n{problem}", pytrace=False)
    server = BookServer(HTML_DIR).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")  # module: one Playwright per module, or the next module cannot start its own
def local_mathjax() -> Path | None:
    """``BOOK_MATHJAX_LOCAL``: a local tex-mml-chtml.js served in place of the CDN's (None when unset)."""
    value = os.environ.get("BOOK_MATHJAX_LOCAL", "").strip()
    if not value:
        return None
    path = Path(value).expanduser().resolve()
    if not path.is_file():
        pytest.fail(f"BOOK_MATHJAX_LOCAL={value!r} is not a file (expected a path to tex-mml-chtml.js)", pytrace=False)
    if not mathjax_url():
        pytest.fail("BOOK_MATHJAX_LOCAL is set but _config.yml has no sphinx.config.mathjax_path to replace", pytrace=False)
    return path


@dataclass
class Target:
    """An internal URL (without fragment) as the server answers it."""

    status: int
    anchors: set[str] | None  # ids of an HTML page, None for other content


@pytest.fixture(scope="module")  # module: one Playwright per module, or the next module cannot start its own
def link_targets(book_server):
    """Fetch each distinct internal URL once per session."""
    cache: dict[str, Target] = {}

    def fetch(url: str) -> Target:
        if url not in cache:
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    body = response.read()
                    is_html = response.headers.get_content_type() == "text/html"
                    anchors = html_anchors(body.decode("utf-8", "replace")) if is_html else None
                    cache[url] = Target(response.status, anchors)
            except urllib.error.HTTPError as exc:
                cache[url] = Target(exc.code, None)
        return cache[url]

    return fetch


@dataclass
class PageReport:
    """Everything the checks need from one visit of one page."""

    page: str
    url: str
    status: int | None
    html: str = ""
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    ignored_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    links: list[dict] = field(default_factory=list)
    math: list[dict] = field(default_factory=list)
    visible_text: str = ""
    mathjax: dict | None = None
    screenshot: Path | None = None
    screenshot_error: str | None = None
    visit_error: str | None = None
    visited_at: float = 0.0


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname == LOCAL_HOST


WAIT_FOR_IMAGES = """async (timeout) => {
  const images = Array.from(document.images);
  for (const img of images) if (img.loading === 'lazy') img.loading = 'eager';
  const settled = images.map(img => img.complete ? null : new Promise(done => {
    img.addEventListener('load', done, {once: true});
    img.addEventListener('error', done, {once: true});
  }));
  await Promise.race([Promise.all(settled), new Promise(done => setTimeout(done, timeout))]);
  return images.map(img => ({
    src: img.getAttribute('src'), url: img.currentSrc || img.src, alt: img.getAttribute('alt'),
    complete: img.complete, naturalWidth: img.naturalWidth,
  }));
}"""

COLLECT_LINKS = """() => Array.from(document.querySelectorAll('a[href]')).map(a => ({
  href: a.getAttribute('href'), url: a.href, text: (a.textContent || '').trim().slice(0, 80),
}))"""

# The TeX as the server sent it, read from the response body so that a local
# MathJax typesetting the live DOM cannot interfere. Equation numbers and
# permalinks (.eqno, .headerlink) are not TeX.
COLLECT_MATH = """(html) => {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  return Array.from(doc.querySelectorAll('.math')).map(el => {
    const copy = el.cloneNode(true);
    copy.querySelectorAll('.eqno, .headerlink').forEach(n => n.remove());
    return {tag: el.tagName.toLowerCase(), id: el.id || (el.closest('section[id]') || {}).id || '', tex: copy.textContent};
  });
}"""

MATHJAX_STATE = """() => {
  const math = Array.from(document.querySelectorAll('.math'));
  return {
    total: math.length,
    rendered: math.filter(el => el.querySelector('mjx-container')).length,
    errors: Array.from(document.querySelectorAll('mjx-merror')).map(e => e.getAttribute('data-mjx-error') || e.textContent),
    unrendered: math.filter(el => !el.querySelector('mjx-container')).map(el => el.textContent.trim().slice(0, 120)),
  };
}"""


def visit(browser, server: BookServer, page_name: str, mathjax_file: Path | None) -> PageReport:
    url = server.url(page_name)
    report = PageReport(page=page_name, url=url, status=None, visited_at=time.time())
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    page = context.new_page()

    mathjax_cdn = mathjax_url() if mathjax_file else None
    mathjax_base = mathjax_cdn.rsplit("/", 1)[0] + "/" if mathjax_cdn else None

    def route(route):
        request_url = route.request.url
        if _is_local(request_url):
            return route.continue_()
        if mathjax_file is not None and request_url.split("?")[0].startswith(mathjax_base):
            # tex-mml-chtml.js itself, and what it loads from next to it (fonts, components).
            relative = request_url.split("?")[0][len(mathjax_base) :]
            local = mathjax_file if request_url.split("?")[0] == mathjax_cdn else mathjax_file.parent / relative
            if local.is_file():
                return route.fulfill(path=str(local))
        report.blocked.append(request_url)
        return route.abort("blockedbyclient")

    page.route("**/*", route)
    page.on("pageerror", lambda exc: report.page_errors.append(f"{exc.name}: {exc.message}\n{exc.stack or ''}".strip()))

    def on_console(message):
        if message.type != "error":
            return
        location = (message.location or {}).get("url", "")
        text = f"{message.text} (at {location or 'unknown location'})"
        # A blocked request is reported as "Failed to load resource" at the blocked URL.
        if location and not _is_local(location):
            report.ignored_errors.append(text)
        elif message.text.startswith("Failed to load resource") and "ERR_BLOCKED_BY_CLIENT" in message.text:
            report.ignored_errors.append(text)
        else:
            report.console_errors.append(text)

    page.on("console", on_console)
    try:
        response = page.goto(url, wait_until="load")
        report.status = response.status if response else None
        report.html = response.text() if response else ""
        report.images = page.evaluate(WAIT_FOR_IMAGES, IMAGE_TIMEOUT_MS)
        report.links = page.evaluate(COLLECT_LINKS)
        report.math = page.evaluate(COLLECT_MATH, report.html)
        uses_mathjax = bool(mathjax_cdn) and page.evaluate("(url) => Array.from(document.scripts).some(s => s.src === url)", mathjax_cdn)
        if uses_mathjax:  # Sphinx leaves MathJax out of pages without math
            page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=MATHJAX_TIMEOUT_MS)
            page.evaluate("() => MathJax.startup.promise")
            report.mathjax = page.evaluate(MATHJAX_STATE)
        elif mathjax_file is not None:
            report.mathjax = page.evaluate(MATHJAX_STATE)
        report.visible_text = page.inner_text("body")
        # Let late errors (deferred scripts) arrive before judging.
        page.wait_for_timeout(100)
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        target = screenshot_path(page_name)
        try:
            page.screenshot(path=str(target), full_page=True, animations="disabled")
            report.screenshot = target
        except Exception as exc:  # noqa: BLE001 - reported by test_screenshot
            report.screenshot_error = repr(exc)
    except Exception as exc:  # noqa: BLE001 - every check of the page reports it, the visit is not retried
        report.visit_error = f"{type(exc).__name__}: {exc}"
    finally:
        context.close()
    return report


@pytest.fixture(scope="module")  # module: one Playwright per module, or the next module cannot start its own
def page_report(browser, book_server, local_mathjax):
    """One visit per page per session, shared by every check of that page."""
    reports: dict[str, PageReport] = {}

    def get(page_name: str) -> PageReport:
        if page_name not in reports:
            reports[page_name] = visit(browser, book_server, page_name, local_mathjax)
        return reports[page_name]

    return get


def loaded(report: PageReport) -> PageReport:
    if report.visit_error:
        pytest.fail(f"{report.page}: visiting {report.url} failed: {report.visit_error}", pytrace=False)
    if report.status != 200:
        pytest.fail(f"{report.page}: {report.url} answered HTTP {report.status}", pytrace=False)
    return report


# --------------------------------------------------------------------------- checks, one page per test


@pytest.mark.browser
@pytest.mark.parametrize("page", pages_for("loads", PAGES))
def test_page_loads_without_javascript_errors(page_report, page):
    report = loaded(page_report(page))
    errors = [e for e in javascript_errors(report) if known_js_defect(e) is None]
    assert not errors, f"{page}: JavaScript errors (blocked outside requests excluded):\n" + "\n".join(errors)


def javascript_errors(report: PageReport) -> list[str]:
    return [f"uncaught: {e}" for e in report.page_errors] + [f"console: {e}" for e in report.console_errors]


def known_js_defect(error: str) -> str | None:
    for name, (pattern, _reason) in KNOWN_JS_DEFECTS.items():
        if re.search(pattern, error):
            return name
    return None


@pytest.mark.browser
@pytest.mark.parametrize(
    ("page", "defect"),
    [
        pytest.param(page, name, id=f"{page}-{name}", marks=pytest.mark.xfail(strict=True, reason=reason))
        for name, (_pattern, reason) in KNOWN_JS_DEFECTS.items()
        for page in PAGES
    ],
)
def test_known_javascript_defect(page_report, page, defect):
    """Fails while the book has the defect (xfail); XPASSes, and so fails, once it is fixed."""
    report = loaded(page_report(page))
    found = [e for e in javascript_errors(report) if known_js_defect(e) == defect]
    assert not found, f"{page}: {KNOWN_JS_DEFECTS[defect][1]}:\n" + "\n".join(found)


@pytest.mark.browser
@pytest.mark.parametrize("page", pages_for("images", PAGES))
def test_images_load_and_have_alt_text(page_report, page):
    report = loaded(page_report(page))
    problems = []
    for img in report.images:
        name = img["src"] or img["url"]
        if not (img["alt"] or "").strip():
            problems.append(f"no alt text: {name}")
        if not _is_local(img["url"]):
            continue  # an image from an outside host: blocked here, cannot be checked offline
        if not img["complete"] or img["naturalWidth"] == 0:
            problems.append(f"not loaded (naturalWidth {img['naturalWidth']}): {name}")
    assert not problems, f"{page}: {len(problems)} image problem(s):\n" + "\n".join(problems)


@pytest.mark.browser
@pytest.mark.parametrize("page", pages_for("launch", CHAPTER_PAGES))
def test_chapter_has_binder_and_colab_launch_links(page_report, page):
    report = loaded(page_report(page))
    buttons = book_config().get("launch_buttons") or {}
    notebook = f"{page}.ipynb"
    hrefs = [link["url"] for link in report.links]
    for service, key in (("Binder", "binderhub_url"), ("Colab", "colab_url")):
        base = (buttons.get(key) or "").rstrip("/")
        assert base, f"_config.yml has no launch_buttons.{key}"
        found = [h for h in hrefs if h.startswith(base + "/")]
        assert found, f"{page}: no {service} launch link (an href starting with {base}/)"
        assert any(notebook in h for h in found), f"{page}: {service} link(s) do not open {notebook}: {found}"


@pytest.mark.browser
@pytest.mark.parametrize("page", pages_for("links", PAGES))
def test_internal_links_and_cross_references_resolve(page_report, link_targets, book_server, page):
    report = loaded(page_report(page))
    origin = book_server.origin
    problems = []
    seen = set()
    for link in report.links:
        href, url = (link["href"] or "").strip(), link["url"]
        if not href or href == "#" or urlsplit(url).scheme not in ("http", "https"):
            continue  # javascript:, mailto:, and "#" (buttons that are links)
        if not url.startswith(origin + "/") or url in seen:
            continue
        seen.add(url)
        base, fragment = urldefrag(url)
        target = link_targets(base)
        if target.status != 200:
            problems.append(f"{href!r} ({link['text']!r}): HTTP {target.status}")
        elif fragment and target.anchors is not None and unquote(fragment) not in target.anchors:
            problems.append(f"{href!r} ({link['text']!r}): no element with id {unquote(fragment)!r} on {base[len(origin):]}")
    assert not problems, f"{page}: {len(problems)} broken internal link(s):\n" + "\n".join(problems)


@pytest.mark.browser
@pytest.mark.parametrize("page", pages_for("widgets", PAGES))
def test_no_raw_widget_output_is_visible(page_report, page):
    report = loaded(page_report(page))
    leaks = [s for s in ("application/vnd.jupyter.widget-view+json", '"model_id"', "Loading widget") if s in report.visible_text]
    context = []
    for leak in leaks:
        at = report.visible_text.index(leak)
        context.append(f"{leak!r}: ...{report.visible_text[max(0, at - 80) : at + 80]!r}...")
    assert not leaks, f"{page}: raw widget output visible:\n" + "\n".join(context)


@pytest.mark.browser
@pytest.mark.parametrize("page", pages_for("math", PAGES))
def test_math_source_is_present_and_well_formed(page_report, page):
    report = loaded(page_report(page))
    problems = []
    for n, item in enumerate(report.math, 1):
        for problem in tex_problems(item["tex"]):
            where = f"math element {n} ({item['tag']}" + (f", in #{item['id']})" if item["id"] else ")")
            problems.append(f"{where}: {problem}\n    TeX: {item['tex'].strip()[:300]!r}")
    assert not problems, f"{page}: {len(problems)} malformed equation(s):\n" + "\n".join(problems)


@pytest.mark.browser
@pytest.mark.parametrize("page", pages_for("mathjax", PAGES))
def test_local_mathjax_renders_every_equation(page_report, local_mathjax, page):
    if local_mathjax is None:
        pytest.skip("set BOOK_MATHJAX_LOCAL=/path/to/tex-mml-chtml.js to render math with a local MathJax")
    report = loaded(page_report(page))
    state = report.mathjax
    assert state is not None
    assert not state["errors"], f"{page}: MathJax TeX errors: {state['errors']}"
    assert state["rendered"] == state["total"], f"{page}: {state['total'] - state['rendered']} equation(s) not rendered: {state['unrendered'][:5]}"


@pytest.mark.browser
@pytest.mark.parametrize("page", pages_for("screenshot", PAGES))
def test_full_page_screenshot(page_report, page):
    report = loaded(page_report(page))
    assert report.screenshot_error is None, f"{page}: screenshot failed: {report.screenshot_error}"
    path = screenshot_path(page)
    assert path.is_file(), f"{page}: no screenshot at {path}"
    assert path.stat().st_mtime >= report.visited_at - 1, f"{page}: {path} is left over from an earlier run"
    with path.open("rb") as png:
        assert png.read(8) == b"\x89PNG\r\n\x1a\n", f"{page}: {path} is not a PNG"


# --------------------------------------------------------------------------- the TeX checker itself (no browser)


@pytest.mark.parametrize(
    "tex",
    [
        r"\(x^2\)",
        r"\[\begin{aligned} a &= \{1, 2\} \\ b &= c \end{aligned}\]",
        r"\begin{align}\frac{\partial L}{\partial w} \\{x}\end{align}",
        r"\left\{ x \right.  % a comment with { in it",
    ],
)
def test_tex_checker_accepts_well_formed_math(tex):
    assert tex_problems(tex) == []


@pytest.mark.parametrize(
    ("tex", "problem"),
    [
        (r"\(\)", "empty math"),
        (r"\[ \]", "empty math"),
        (r"\(\frac{a}{b\)", "never closed"),
        (r"\(a}\)", "without '{'"),
        (r"\(\{a\}}\)", "without '{'"),
        (r"\begin{align} a \end{aligned}", r"\begin{align} closed by \end{aligned}"),
        (r"\begin{cases} a", r"\begin{cases} without \end{cases}"),
        (r"a \end{matrix}", r"\end{matrix} without \begin{matrix}"),
    ],
)
def test_tex_checker_finds_malformed_math(tex, problem):
    assert any(problem in found for found in tex_problems(tex)), tex_problems(tex)
