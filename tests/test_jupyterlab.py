"""A chapter in a real JupyterLab: run every cell, then use the explorable widget.

Starts ``jupyter lab`` from this venv on a private copy of chapter 1 (outputs
and saved widget state stripped, so everything on the page comes from the
kernel), opens it in headless Chromium, runs all cells from the Run menu and
checks that the ``gradient_norm_explorer`` widget draws a plot and redraws it
when its dropdown and its slider change. A screenshot of the widget goes to
``_build/screenshots/jupyterlab_widget.png``.

Skipped when Playwright, Chromium (/usr/bin/chromium or ``chromium`` on PATH)
or jupyter-lab is missing; with ``CI=true`` (set by CI and by ``.ci/run``) it
fails instead.
"""

from __future__ import annotations

import base64
import time

import pytest

from browser_support import chromium_executable, skip_or_fail
from jupyterlab_support import JUPYTER_LAB, ROOT, fresh_notebook_copy, start_lab

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
CHAPTER = ROOT / "chapters" / "01_backpropagation.ipynb"
SCREENSHOT = ROOT / "_build" / "screenshots" / "jupyterlab_widget.png"
FAILURE_SCREENSHOT = ROOT / "_build" / "screenshots" / "jupyterlab_failure.png"

WIDGET = ".widget-interact"
WIDGET_IMAGE = f"{WIDGET} .widget-output img"

# Timeouts (ms). The chapter runs in ~20 s from a fresh kernel; these leave room for a busy machine.
APP_TIMEOUT = 60_000
RUN_ALL_TIMEOUT = 150_000
REDRAW_TIMEOUT = 60_000

pytestmark = [pytest.mark.browser, pytest.mark.slow]

_NOTEBOOK = "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
_KERNEL_IDLE = """() => {
    const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const kernel = panel && panel.sessionContext && panel.sessionContext.session
                   && panel.sessionContext.session.kernel;
    return !!kernel && kernel.status === 'idle';
}"""
# The kernel is idle and Run All is over: every code cell has an execution
# count, or a cell raised (Run All stops there; the error is then reported at
# once rather than after RUN_ALL_TIMEOUT).
_ALL_EXECUTED = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    if (!kernel || kernel.status !== 'idle') return false;
    const cells = panel.content.model.cells;
    let done = true;
    for (let i = 0; i < cells.length; i++) {
        const cell = cells.get(i);
        if (cell.type !== 'code') continue;
        if (!cell.executionCount) done = false;
        if ((cell.toJSON().outputs || []).some(out => out.output_type === 'error')) return true;
    }
    return done;
}"""
_ERRORS = """() => {
    const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
    const errors = [];
    for (let i = 0; i < cells.length; i++) {
        const cell = cells.get(i).toJSON();
        for (const out of cell.outputs || []) {
            if (out.output_type === 'error') errors.push(`cell ${i}: ${out.ename}: ${out.evalue}`);
        }
    }
    return errors;
}"""
_IMAGE_CHANGED = f"""(old) => {{
    const img = document.querySelector('{WIDGET_IMAGE}');
    return !!img && img.src.startsWith('data:image/png;base64,') && img.src !== old;
}}"""


@pytest.fixture(scope="module")
def chromium() -> str:
    executable = chromium_executable()
    if executable is None:
        skip_or_fail("the JupyterLab test needs Chromium: neither /usr/bin/chromium nor `chromium` on PATH (apt-get install chromium)")
    return executable


@pytest.fixture(scope="module")
def sync_api(chromium):
    if not JUPYTER_LAB.exists():
        skip_or_fail(f"the JupyterLab test needs {JUPYTER_LAB} (make venv)")
    try:
        import playwright.sync_api
    except ImportError as exc:
        skip_or_fail(f"the JupyterLab test needs Playwright (pip install playwright): {exc}")
    return playwright.sync_api


@pytest.fixture(scope="module")
def lab(sync_api, tmp_path_factory):
    """A private JupyterLab on a temp dir holding a fresh copy of the chapter."""
    base = tmp_path_factory.mktemp("jupyterlab")
    notebooks = base / "notebooks"
    notebooks.mkdir()
    notebook = fresh_notebook_copy(CHAPTER, notebooks)
    server = start_lab(notebooks, base / "state")
    try:
        yield server, notebook
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser(sync_api, chromium):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _image_bytes(page) -> bytes:
    src = page.locator(WIDGET_IMAGE).get_attribute("src")
    prefix = "data:image/png;base64,"
    assert src and src.startswith(prefix), f"widget image is not an inline PNG: {str(src)[:80]!r}"
    data = base64.b64decode(src[len(prefix):])
    assert data.startswith(b"\x89PNG\r\n\x1a\n"), "widget image is not a PNG"
    return data


def _wait_for_redraw(page, old: bytes) -> bytes:
    """Wait until the widget shows a new PNG, the kernel is idle and the image stays put."""
    old_src = "data:image/png;base64," + base64.b64encode(old).decode()
    page.wait_for_function(_IMAGE_CHANGED, arg=old_src, timeout=REDRAW_TIMEOUT)
    # Each change is its own request; the last one wins. Wait for quiet.
    deadline = time.monotonic() + REDRAW_TIMEOUT / 1000
    current = _image_bytes(page)
    while True:
        page.wait_for_function(_KERNEL_IDLE, timeout=REDRAW_TIMEOUT)
        page.wait_for_timeout(750)
        latest = _image_bytes(page)
        if latest == current and page.evaluate(_KERNEL_IDLE):
            return latest
        assert time.monotonic() < deadline, "the widget kept redrawing"
        current = latest


def test_chapter_runs_and_widget_redraws_in_jupyterlab(lab, browser):
    server, notebook = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    try:
        page.goto(server.url(f"lab/tree/{notebook.name}"), timeout=APP_TIMEOUT)
        page.wait_for_function(_NOTEBOOK, timeout=APP_TIMEOUT)
        page.wait_for_function(_KERNEL_IDLE, timeout=APP_TIMEOUT)
        assert page.locator(WIDGET).count() == 0, "a widget is on the page before any cell ran"

        # Run > Run All Cells, as a reader would.
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        page.wait_for_function(_ALL_EXECUTED, timeout=RUN_ALL_TIMEOUT)
        errors = page.evaluate(_ERRORS)
        assert errors == [], "Run All Cells stopped at an error:\n" + "\n".join(errors)

        widget = page.locator(WIDGET)
        assert widget.count() == 1
        widget.scroll_into_view_if_needed()
        page.locator(WIDGET_IMAGE).wait_for(state="visible", timeout=REDRAW_TIMEOUT)
        handle = widget.locator(".noUi-handle")
        dropdown = widget.locator("select")
        assert handle.get_attribute("aria-valuenow").startswith("10")
        assert dropdown.input_value() == "sigmoid"
        initial = _image_bytes(page)

        # The dropdown: sigmoid -> relu.
        dropdown.select_option("relu")
        after_dropdown = _wait_for_redraw(page, initial)
        assert after_dropdown != initial

        # The slider (continuous_update=False: each key press is one change): 10 -> 13.
        handle.focus()
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        assert handle.get_attribute("aria-valuenow").startswith("13")
        after_slider = _wait_for_redraw(page, after_dropdown)
        assert after_slider not in (initial, after_dropdown)

        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        widget.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOT))
    except BaseException:
        FAILURE_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=str(FAILURE_SCREENSHOT))
        except Exception:  # noqa: BLE001 - the original failure matters more
            pass
        print("browser console errors:", *console_errors[-20:], sep="\n  ")
        print("jupyter lab log (tail):\n" + server.log())
        raise
    finally:
        page.close()
