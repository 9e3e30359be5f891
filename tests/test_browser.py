"""The built book in a real Chromium: every page of _toc.yml loads cleanly, offline.

For each page of ``_toc.yml`` (root, chapters, appendices, ...):

* HTTP 200 and no JavaScript error other than those caused by the requests to
  outside hosts that these tests block (the machine running them may be offline);
* every ``<img>`` has loaded and has a non-empty ``alt``;
* a chapter page (``chapters/...``) has Binder and Colab launch links to its own notebook;
* every internal link and cross-reference reaches an existing page and, with a
  ``#fragment``, an element with that id on it;
* no raw widget JSON and no "Loading widget" text is visible;
* the TeX of every equation is in the HTML and well formed;
* MathJax renders every equation: no MathJax error node, no undefined macro and
  no TeX delimiter left in the rendered text. MathJax comes from a CDN, blocked
  here: ``BOOK_MATHJAX_LOCAL=/path/to/es5/tex-mml-chtml.js`` (MathJax 3) is
  served in its place; ``.ci/run mathjax`` fetches one from npm and prints its path;
* nothing scrolls sideways at the theme's default layout in a 1280-px-wide
  window: no code cell input, code block, cell output, display equation or table
  (dropdowns and hidden inputs opened), and not the page itself;
* a full-page screenshot goes to ``_build/screenshots/<page with / as __>.png``.

The book is (re)built first, with the command of ``make book``, when
``_build/html`` is missing or older than its sources. Run with::

    BOOK_MATHJAX_LOCAL=$(.ci/run mathjax) .venv/bin/python -m pytest -q tests/test_browser.py

Without Chromium (/usr/bin/chromium or ``chromium`` on PATH) or Playwright every
test skips, and without ``BOOK_MATHJAX_LOCAL`` the rendering test skips; with
``CI=true`` (set by CI and by ``.ci/run``) they fail instead.
"""

from __future__ import annotations

import json
import os
import re
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
    chromium_executable,
    ensure_fresh_build,
    html_anchors,
    is_chapter,
    mathjax_url,
    screenshot_path,
    skip_or_fail,
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
# The window of the sideways-scrolling check: at 1280 px the theme shows both
# sidebars (its default layout), and a line of a code cell or of a cell output
# holds 77 monospace characters (75 in a cell whose input is collapsed).
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


@pytest.fixture(scope="module")  # module: one Playwright per module, or the next module cannot start its own
def playwright_chromium():
    """Playwright's Chromium driver, or a skip (a failure in CI) naming what is missing."""
    executable = chromium_executable()
    if executable is None:
        skip_or_fail("browser tests need Chromium: neither /usr/bin/chromium nor `chromium` on PATH (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        skip_or_fail(f"browser tests need Playwright (pip install playwright): {exc}")
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
    """``BOOK_MATHJAX_LOCAL``: a local tex-mml-chtml.js served in place of the CDN's (None when unset).

    Unset, the pages are still checked (with their TeX unrendered);
    test_local_mathjax_renders_every_equation then skips, or fails in CI.
    """
    value = os.environ.get("BOOK_MATHJAX_LOCAL", "").strip()
    if not value:
        return None
    path = Path(value).expanduser().resolve()
    if not path.is_file():
        pytest.fail(f"BOOK_MATHJAX_LOCAL={value!r} is not a file (expected a path to tex-mml-chtml.js)", pytrace=False)
    if not mathjax_url():
        pytest.fail("BOOK_MATHJAX_LOCAL is set but _config.yml has no sphinx.config.mathjax_path to replace", pytrace=False)
    # The published book loads the major version its CDN URL names (.../mathjax@3/...): test with that one.
    wanted = re.search(r"mathjax@(\d+)", mathjax_url())
    package = path.parent.parent / "package.json"  # <package>/es5/tex-mml-chtml.js
    if wanted and package.is_file():
        version = str(json.loads(package.read_text(encoding="utf-8")).get("version", ""))
        if version.split(".")[0] != wanted.group(1):
            pytest.fail(
                f"BOOK_MATHJAX_LOCAL is MathJax {version}, but _config.yml loads mathjax@{wanted.group(1)} "
                f"({mathjax_url()}); change MATHJAX_VERSION in .ci/run",
                pytrace=False,
            )
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
    overflow: dict | None = None
    overflow_error: str | None = None
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

# What MathJax made of the page. Besides equations left untypeset, three signs of
# an equation MathJax could not read: an error node (mjx-merror, or any node with
# data-mjx-error), an undefined macro (shown in red by MathJax's noundefined
# extension, found in MathJax's own tree of the equation), and TeX delimiters
# left in the text a reader sees (math outside any .math element, never typeset).
MATHJAX_STATE = r"""() => {
  const math = Array.from(document.querySelectorAll('.math'));
  const where = el => { const s = el.closest('section[id]'); return s ? '#' + s.id : 'page'; };
  const texOf = new Map();
  for (const item of (window.MathJax && MathJax.startup && MathJax.startup.document
                      && MathJax.startup.document.math) || []) {
    if (item.typesetRoot) texOf.set(item.typesetRoot, item.math);
  }
  const tex = el => {
    const box = el.closest('mjx-container');
    return (box && texOf.get(box)) || el.textContent;
  };
  const textNodes = (root, skip) => {
    const found = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: n => (n.parentElement && n.parentElement.closest(skip)) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
    });
    while (walker.nextNode()) found.push(walker.currentNode);
    return found;
  };
  // In the page: error nodes (not their copies in the MathML for screen readers).
  const errors = Array.from(document.querySelectorAll('mjx-merror, [data-mjx-error]'))
    .filter(e => !e.closest('mjx-assistive-mml'))
    .filter((e, i, all) => !all.slice(0, i).some(a => a.contains(e)))
    .map(e => `${where(e)}: ${e.getAttribute('data-mjx-error') || 'error'} in ${JSON.stringify(tex(e).trim().slice(0, 120))}`);
  // In MathJax's own tree of each equation: an <merror> the output may not show
  // as such, and an undefined macro, which the noundefined extension turns into
  // an <mtext> holding the macro's name (drawn from the math font, so it is not
  // text in the page).
  const undefinedMacros = [];
  for (const item of (window.MathJax && MathJax.startup && MathJax.startup.document
                      && MathJax.startup.document.math) || []) {
    if (!item.root || !item.root.walkTree) continue;
    const at = item.typesetRoot ? where(item.typesetRoot) : 'page';
    const source = JSON.stringify(String(item.math).trim().slice(0, 120));
    let error = false;
    item.root.walkTree(node => {
      if (node.isKind('merror')) error = true;
      if (node.isKind('mtext')) {
        const text = node.childNodes.map(child => (child && child.getText) ? child.getText() : '').join('');
        if (/^\\[A-Za-z]+$/.test(text)) undefinedMacros.push(`${at}: ${text} in ${source}`);
      }
    });
    if (error && !(item.typesetRoot && item.typesetRoot.querySelector('mjx-merror'))) errors.push(`${at}: error in ${source}`);
  }
  const body = document.querySelector('main') || document.body;
  const delimiters = /\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{|\\end\{/;
  const leftovers = [];
  for (const node of textNodes(body, 'pre, code, kbd, samp, script, style, textarea, mjx-assistive-mml, .highlight')) {
    const text = node.textContent;
    const at = text.search(delimiters);
    if (at >= 0) leftovers.push(`${where(node.parentElement)}: ${JSON.stringify(text.slice(Math.max(0, at - 40), at + 80).trim())}`);
  }
  return {
    total: math.length,
    rendered: math.filter(el => el.querySelector('mjx-container')).length,
    errors: errors,
    undefined_macros: undefinedMacros,
    leftovers: leftovers,
    unrendered: math.filter(el => !el.querySelector('mjx-container')).map(el => el.textContent.trim().slice(0, 120)),
  };
}"""

# Everything that may scroll sideways in the article, measured in the page as a
# reader sees it at VIEWPORT's width, with every dropdown (sphinx-togglebutton)
# and hidden cell input (<details>) opened. The element "scrolling" is the
# element itself or its closest ancestor in the article whose overflow-x is not
# visible (a <pre>, a MathJax display box, a table's scroll container): it is an
# offender when its content is wider than its box (scrollWidth > clientWidth + 1),
# whether it scrolls (overflow auto/scroll) or cuts the content off (hidden/clip).
# An element with no such ancestor must stay inside the article, and the page
# itself must not scroll. For a <pre>, every line too wide is measured in the
# pre's own font; `fit` is how many monospace characters a line of it can hold.
OVERFLOW = r"""async () => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  document.querySelectorAll('button.toggle-button-hidden').forEach(b => b.click());
  document.querySelectorAll('.toggle-hidden').forEach(el => el.classList.remove('toggle-hidden'));
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));

  const root = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  const KINDS = [
    ['code cell input', 'div.cell_input pre'],
    ['cell output', 'div.cell_output pre, .output pre'],
    ['code block', 'div.highlight pre'],
    ['display math', 'mjx-container[display="true"], div.math'],
    ['table', 'table'],
  ];
  const texOf = new Map();
  for (const item of (window.MathJax && MathJax.startup && MathJax.startup.document
                      && MathJax.startup.document.math) || []) {
    if (item.typesetRoot) texOf.set(item.typesetRoot, item.math);
  }
  const px = value => parseFloat(value) || 0;
  const inner = el => { const cs = getComputedStyle(el); return el.clientWidth - px(cs.paddingLeft) - px(cs.paddingRight); };
  const visible = el => el.getClientRects().length > 0;
  const where = el => { const s = el.closest('section[id]'); return s ? s.id : ''; };
  const oneLine = text => text.replace(/\s+/g, ' ').trim();
  // Width of some text set in el's font, on one line.
  const measure = (el, text) => {
    const probe = document.createElement('span');
    probe.style.cssText = 'position:absolute; visibility:hidden; white-space:pre; left:0; top:0; padding:0; border:0';
    probe.textContent = text;
    el.appendChild(probe);
    const width = probe.getBoundingClientRect().width;
    probe.remove();
    return width;
  };
  const fit = pre => Math.floor((inner(pre) + 0.5) / (measure(pre, 'x'.repeat(1000)) / 1000));
  const scroller = el => {
    for (let node = el; node; node = node.parentElement) {
      const ox = getComputedStyle(node).overflowX;
      if (ox !== 'visible') return {node, ox};
      if (node === root) break;
    }
    return {node: null, ox: 'visible'};
  };
  const describe = (kind, el, box) => {
    if (kind === 'display math') {
      const container = el.matches('mjx-container') ? el : el.querySelector('mjx-container');
      return {text: oneLine((container && texOf.get(container)) || el.textContent)};
    }
    if (kind === 'table') {
      const row = el.querySelector('tr');
      const cells = row ? Array.from(row.children).map(c => oneLine(c.textContent)) : [oneLine(el.textContent)];
      return {text: cells.join(' | ')};
    }
    // A <pre>: every line wider than the room the box has for it.
    const room = box === el ? inner(el) : box.getBoundingClientRect().right - el.getBoundingClientRect().left;
    const lines = el.textContent.replace(/\n$/, '').split('\n');
    const wide = [];
    lines.forEach((line, i) => {
      if (measure(el, line) > room + 1) wide.push({line: i + 1, chars: line.length, text: line.trim()});
    });
    const first = wide[0] || {line: 0, chars: 0, text: oneLine(el.textContent)};
    return {text: first.text, line: first.line, chars: first.chars, lines: wide.length, fit: fit(el)};
  };

  const seen = new Set();
  const offenders = [];
  for (const [kind, selector] of KINDS) {
    for (const el of root.querySelectorAll(selector)) {
      if (seen.has(el) || !visible(el)) continue;
      seen.add(el);
      if (kind === 'display math' && el.matches('div.math') && el.querySelector('mjx-container')) continue;  // its container is checked
      const {node, ox} = scroller(el);
      let problem = null;
      if (node) {
        if (seen.has(node) && node !== el) continue;  // reported (or passed) as its own element
        if (node.scrollWidth > node.clientWidth + 1) {
          problem = {how: (ox === 'auto' || ox === 'scroll') ? 'scrolls sideways' : `is cut off (overflow-x: ${ox})`,
                     width: node.scrollWidth, room: node.clientWidth};
        }
        seen.add(node);
      } else {
        const right = el.getBoundingClientRect().right, limit = root.getBoundingClientRect().right;
        if (right > limit + 1) problem = {how: 'sticks out of the article', width: Math.round(right - root.getBoundingClientRect().left), room: root.clientWidth};
      }
      const folded = el.closest('details') ? 'collapsed by default' : el.closest('.toggle, .dropdown') ? 'in a dropdown' : '';
      if (problem) offenders.push({kind, folded, section: where(el), ...problem, ...describe(kind, el, node || root)});
    }
  }

  // The line length most boxes of a kind allow (a hidden cell input, in its <details>, is narrower).
  const usualFit = selector => {
    const counts = new Map();
    for (const pre of root.querySelectorAll(selector)) if (visible(pre)) counts.set(fit(pre), (counts.get(fit(pre)) || 0) + 1);
    return counts.size ? Array.from(counts).sort((x, y) => y[1] - x[1] || x[0] - y[0])[0][0] : null;
  };
  const page = document.scrollingElement;
  const wider = [];
  if (page.scrollWidth > page.clientWidth + 1) {
    // The outermost elements past the window's right edge, leaving out what a box of its own scrolls or cuts off.
    const inBox = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) if (getComputedStyle(p).overflowX !== 'visible') return true; return false; };
    for (const el of document.body.querySelectorAll('*')) {
      const rect = el.getBoundingClientRect();
      if (rect.width > 0 && rect.right > page.clientWidth + 1 && !(el.parentElement && el.parentElement.getBoundingClientRect().right > page.clientWidth + 1) && !inBox(el))
        wider.push(`<${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? ' class="' + el.className + '"' : ''}> ends at ${Math.round(rect.right)} px: ${JSON.stringify(oneLine(el.textContent).slice(0, 60))}`);
    }
  }
  return {
    offenders,
    page: {scroll_width: page.scrollWidth, client_width: page.clientWidth, wider: wider.slice(0, 5)},
    fit_code: usualFit('div.cell_input pre'),
    fit_output: usualFit('div.cell_output pre, .output pre'),
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
        # Last: it opens every dropdown, which the screenshot shows closed, as a reader first sees them.
        try:
            report.overflow = page.evaluate(OVERFLOW)
        except Exception as exc:  # noqa: BLE001 - reported by test_nothing_scrolls_sideways
            report.overflow_error = f"{type(exc).__name__}: {exc}"
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


# Defined only while there is a known defect: an empty parametrization would be
# reported as a skipped test, and no test may skip in CI.
if KNOWN_JS_DEFECTS:

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
        skip_or_fail(
            "set BOOK_MATHJAX_LOCAL=/path/to/es5/tex-mml-chtml.js (MathJax 3) to render the math: "
            "BOOK_MATHJAX_LOCAL=$(.ci/run mathjax) fetches one from npm"
        )
    report = loaded(page_report(page))
    state = report.mathjax
    assert state is not None, f"{page}: MathJax's state was not read"
    problems = [f"MathJax error: {e}" for e in state["errors"]]
    problems += [f"undefined macro: {e}" for e in state["undefined_macros"]]
    problems += [f"TeX delimiters in the rendered text: {e}" for e in state["leftovers"]]
    if state["rendered"] != state["total"]:
        problems.append(f"{state['total'] - state['rendered']} of {state['total']} equation(s) not rendered: {state['unrendered'][:5]}")
    assert not problems, f"{page}: {len(problems)} MathJax problem(s):\n" + "\n".join(problems)


@pytest.mark.browser
@pytest.mark.parametrize("page", pages_for("overflow", PAGES))
def test_nothing_scrolls_sideways(page_report, page):
    """At 1280 px no code, output, display equation or table needs a horizontal scroll bar."""
    report = loaded(page_report(page))
    state = report.overflow
    assert state is not None, f"{page}: the layout was not measured: {report.overflow_error}"
    problems = [overflow_problem(item) for item in state["offenders"]]
    if state["page"]["scroll_width"] > state["page"]["client_width"] + 1:
        problems.append(
            f"the page itself scrolls sideways ({state['page']['scroll_width']} px wide in a {state['page']['client_width']}-px window): "
            + "; ".join(state["page"]["wider"])
        )
    fits = [f"{n} on a line of a {what}" for what, n in (("code cell", state["fit_code"]), ("cell output", state["fit_output"])) if n]
    assert not problems, (
        f"{page}: {len(problems)} element(s) too wide for a {VIEWPORT['width']}-px window"
        + (f" (monospace characters that fit: {', '.join(fits)})" if fits else "")
        + ":\n"
        + "\n".join(problems)
    )


def overflow_problem(item: dict) -> str:
    """One line an author can search the notebook for: kind, section, what is too wide and how much."""
    where = f" in #{item['section']}" if item["section"] else ""
    size = f"{item['width']} px of content in {item['room']} px"
    if item.get("line"):
        more = f", {item['lines'] - 1} more line(s) too" if item["lines"] > 1 else ""
        size = f"line {item['line']} has {item['chars']} characters, {item['fit']} fit{more}"
    text = item["text"]
    kind = f"{item['kind']} ({item['folded']})" if item.get("folded") else item["kind"]
    return f"  {kind}{where} {item['how']} ({size}): {text[:70]!r}{'...' if len(text) > 70 else ''}"


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
