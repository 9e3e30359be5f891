"""Every chapter's structure and every number its prose states.

A number in the text is glued from the notebook (myst-nb ``glue``); nbval
proves the committed outputs are what the code computes today; these tests
assert what the prose claims about them.  Every glued name must have a claim
here, so a new number in the text cannot go unchecked.
"""

from __future__ import annotations

import importlib
import re
import sys

import pytest

from notebook_data import CHAPTERS, ROOT, glue_references, glued, read, toc_files

sys.path.insert(0, str(ROOT / "tools"))
from bootstrap_cell import TAG, cell_source  # noqa: E402


def claims(stem: str) -> dict:
    """The claims of chapter ``stem`` (``"01_backpropagation"``), from ``tests/test_chapterNN.py``."""
    return importlib.import_module(f"test_chapter{stem[:2]}").CLAIMS


@pytest.fixture(scope="module", params=CHAPTERS, ids=lambda p: p.stem)
def chapter(request):
    return request.param.stem, read(request.param)


def test_every_chapter_is_in_the_toc_and_vice_versa():
    listed = {f for f in toc_files() if f.startswith("chapters/")}
    assert listed == {f"chapters/{p.stem}" for p in CHAPTERS}


def test_chapters_exist():
    assert CHAPTERS, "no chapters found"


def test_every_glued_number_has_a_claim(chapter):
    stem, nb = chapter
    assert set(glued(nb)) == set(claims(stem)), "glued names and asserted claims differ"


def test_prose_uses_only_glued_names(chapter):
    stem, nb = chapter
    assert glue_references(nb) <= set(glued(nb))


def test_claims(chapter):
    stem, nb = chapter
    values = glued(nb)
    failed = [f"{name} = {values[name]!r}: {words}" for name, (words, ok) in claims(stem).items()
              if not ok(values[name])]
    assert not failed, "claims in the prose no longer hold:\n" + "\n".join(failed)


def test_first_code_cell_is_the_colab_bootstrap(chapter):
    stem, nb = chapter
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert first.source == cell_source() and TAG in first.metadata.get("tags", [])
    assert first.outputs == [], "the bootstrap cell must print nothing outside Colab"


def test_no_error_outputs(chapter):
    stem, nb = chapter
    errors = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors


def test_every_figure_has_alt_text(chapter):
    stem, nb = chapter
    missing = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
               and any("image/png" in o.get("data", {}) for o in c.outputs)
               and "remove-output" not in c.metadata.get("tags", [])
               and not c.metadata.get("mystnb", {}).get("image", {}).get("alt")]
    assert not missing, f"cells {missing} show a figure without alt text"


def test_alt_text_has_no_numbers(chapter):
    # alt text cannot be glued, so a number there is typed by hand and goes stale: describe in words
    stem, nb = chapter
    bad = {i: c.metadata["mystnb"]["image"]["alt"] for i, c in enumerate(nb.cells)
           if re.search(r"\d", c.metadata.get("mystnb", {}).get("image", {}).get("alt", ""))}
    assert not bad, f"alt text with digits in cells {sorted(bad)}: {bad}"


def test_code_and_printed_lines_fit_the_page(chapter):
    # the book's code blocks show about 76 characters at the default 1280-px window
    stem, nb = chapter
    long = []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code":
            continue
        lines = c.source.splitlines()
        lines += [line for o in c.outputs if o.output_type == "stream" for line in o.text.splitlines()]
        lines += [line for o in c.outputs for line in o.get("data", {}).get("text/plain", "").splitlines()
                  if "image/png" not in o.get("data", {}) and "application/vnd.jupyter.widget-view+json"
                  not in o.get("data", {}) and "scrapbook" not in o.get("metadata", {})]
        long += [(i, line) for line in lines if len(line) > 76]
    assert not long, "lines over 76 characters:\n" + "\n".join(f"cell {i}: {line}" for i, line in long)


@pytest.mark.parametrize("heading", ["Learning goals", "## Exercises", "## Summary", "## References"])
def test_chapter_has_the_standard_parts(chapter, heading):
    stem, nb = chapter
    assert any(heading in c.source for c in nb.cells if c.cell_type == "markdown")


def test_every_exercise_section_has_a_checker_and_a_hidden_solution(chapter):
    stem, nb = chapter
    sources = "\n".join(c.source for c in nb.cells)
    assert "from lecturelib.exercises import check_" in sources
    assert ":class: dropdown" in sources


def test_widget_cells_have_a_static_figure_for_the_book(chapter):
    stem, nb = chapter
    cells = [c for c in nb.cells if c.cell_type == "code"]
    widget = [i for i, c in enumerate(cells)
              if any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in c.outputs)]
    assert widget, "every chapter has an explorable widget"
    for i in widget:
        tags = cells[i].metadata.get("tags", [])
        assert "remove-output" in tags, "the book hides the live widget"
        assert "nbval-ignore-output" in tags, "nbval cannot see output-widget captures"
        assert any("image/png" in o.get("data", {}) for c in cells[i + 1:i + 3] for o in c.outputs), \
            "a static figure follows the widget"


def _keys_cited_in(text: str) -> set[str]:
    keys = set()
    for group in re.findall(r"\{(?:foot)?cite(?::\w+)?\}`([^`]+)`", text):
        keys |= {k.strip() for k in group.split(",")}
    return keys


def test_no_work_is_cited_by_two_pages():
    # every page lists its own references (filter: docname in docnames); sphinxcontrib-bibtex
    # then refuses a key that two pages cite ("duplicate citation"): cite a work on one page and
    # point to that page from the others
    notebooks = CHAPTERS + sorted((ROOT / "appendix").glob("*.ipynb"))
    seen: dict[str, str] = {}
    clashes = []
    for path in notebooks:
        text = "\n".join(c.source for c in read(path).cells if c.cell_type == "markdown")
        for key in sorted(_keys_cited_in(text)):
            if key in seen:
                clashes.append(f"{key}: {seen[key]} and {path.stem}")
            seen.setdefault(key, path.stem)
    assert not clashes, "cited on two pages: " + "; ".join(clashes)


def _cited_keys() -> set[str]:
    notebooks = CHAPTERS + sorted((ROOT / "appendix").glob("*.ipynb"))
    sources = [c.source for p in notebooks for c in read(p).cells if c.cell_type == "markdown"]
    sources += [p.read_text() for p in ROOT.glob("*.md")] + [p.read_text() for p in (ROOT / "appendix").glob("*.md")]
    keys = set()
    for text in sources:
        for group in re.findall(r"\{(?:foot)?cite(?::\w+)?\}`([^`]+)`", text):
            keys |= {k.strip() for k in group.split(",")}
    return keys


def test_every_citation_is_in_references_bib_and_every_entry_is_cited():
    bib_keys = set(re.findall(r"^@\w+\{([^,]+),", (ROOT / "references.bib").read_text(), flags=re.M))
    cited = _cited_keys()
    assert cited <= bib_keys, f"cited but missing from references.bib: {sorted(cited - bib_keys)}"
    assert bib_keys <= cited, f"in references.bib but never cited (the bibliography page lists all): {sorted(bib_keys - cited)}"
