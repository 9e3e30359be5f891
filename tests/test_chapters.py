"""Every chapter's structure and every number its prose states.

A number in the text is glued from the notebook (myst-nb ``glue``); nbval
proves the committed outputs are what the code computes today; these tests
assert what the prose claims about them.  Every glued name must have a claim
here, so a new number in the text cannot go unchecked.
"""

from __future__ import annotations

import math
import sys

import pytest

from notebook_data import CHAPTERS, ROOT, glue_references, glued, read, toc_files

sys.path.insert(0, str(ROOT / "tools"))
from bootstrap_cell import TAG, cell_source  # noqa: E402

from lecturelib.mlp import operation_counts  # noqa: E402

ops = operation_counts([64, 128, 128, 10], batch_size=64)

#: chapter stem -> glued name -> (claim in words, predicate on the value)
CLAIMS = {
    "01_backpropagation": {
        "pairing_max_error": ("'prediction - target' matches finite differences", lambda v: v < 1e-7),
        "fd_best_step": ("the best centered step is near 1e-5", lambda v: 1e-7 <= v <= 1e-3),
        "gradcheck_max_error": ("a correct backward passes at ~1e-7 or below", lambda v: v < 1e-7),
        "n_params": ("parameter count of 64-128-128-10", lambda v: v == ops["n_params"]),
        "fd_over_backprop": ("finite differences cost ~2P/3 backprops",
                             lambda v: v == round(ops["finite_differences"] / ops["backprop"])),
        "spiral_accuracy": ("gradient descent fits the spirals", lambda v: v >= 95.0),
        "sigmoid_ratio": ("sigmoid gradients vanish towards the input", lambda v: v < 1e-4),
        "relu_ratio": ("ReLU with He init keeps the gradient of order one", lambda v: 0.3 <= v <= 3.0),
        "large_ratio": ("too-large weights explode the gradient towards the input", lambda v: v > 10.0),
        "sigmoid_factor": ("each sigmoid layer shrinks the gradient (at most 1/4 from sigma')",
                           lambda v: v < 0.5),
    },
    "02_initialization": {
        "variance_worst_rel_dev": ("Var(z) = n_in Var(w) Var(x) within sampling error", lambda v: v < 0.1),
        "zero_init_n_nonzero": ("with all-zero weights no parameter gets a gradient", lambda v: v == 0),
        "constant_rank": ("constant init leaves identical units (rank 1)", lambda v: v == 1),
        "constant_accuracy": ("constant init cannot fit the spirals", lambda v: v < 70.0),
        "random_accuracy": ("random init fits the spirals", lambda v: v > 90.0),
        "small_std_10": ("too-small weights collapse the activations", lambda v: v < 1e-4),
        "large_saturated": ("too-large weights saturate tanh", lambda v: v > 50),
        "xavier_std_10": ("Xavier keeps a healthy spread after 10 tanh layers", lambda v: 0.1 < v < 1.0),
        "glorot_std_grad_ratio": ("standard init shrinks the backward signal", lambda v: v < 0.2),
        "glorot_xav_grad_ratio": ("normalized init shrinks it far less",
                                  lambda v: v > 0.25),
        "xavier_factor": ("Xavier + ReLU decays by ~2^(-1/2) per layer", lambda v: abs(v - 2 ** -0.5) < 0.05),
        "he_ratio_30": ("He keeps the std of order one over 30 layers", lambda v: 0.2 < v < 5.0),
        "xavier_final_loss": ("Xavier's 30-layer ReLU net stays at chance ln 10",
                              lambda v: abs(v - math.log(10)) < 0.01),
        "he_final_loss": ("He's 30-layer ReLU net learns", lambda v: v < 0.6),
        "xavier_val_acc": ("Xavier stays at chance accuracy", lambda v: v < 20.0),
        "he_val_acc": ("He passes 75% validation accuracy", lambda v: v > 75.0),
        "chance_loss": ("ln 10", lambda v: v == round(math.log(10), 4)),
        "default_factor": ("torch's default shrinks ReLU activations by ~sqrt(1/6) per layer",
                           lambda v: abs(v - math.sqrt(1 / 6)) < 0.06),
    },
}


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
    assert set(glued(nb)) == set(CLAIMS.get(stem, {})), "glued names and asserted claims differ"


def test_prose_uses_only_glued_names(chapter):
    stem, nb = chapter
    assert glue_references(nb) <= set(glued(nb))


def test_claims(chapter):
    stem, nb = chapter
    values = glued(nb)
    failed = [f"{name} = {values[name]!r}: {words}" for name, (words, ok) in CLAIMS.get(stem, {}).items()
              if not ok(values[name])]
    assert not failed, "claims in the prose no longer hold:\n" + "\n".join(failed)


def test_sigmoid_factor_is_consistent_with_ratio():
    values = glued(read(ROOT / "chapters" / "01_backpropagation.ipynb"))
    assert math.isclose(values["sigmoid_factor"] ** 10, values["sigmoid_ratio"], rel_tol=0.15)


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


def _cited_keys() -> set[str]:
    import re

    sources = [c.source for p in CHAPTERS for c in read(p).cells if c.cell_type == "markdown"]
    sources += [p.read_text() for p in ROOT.glob("*.md")] + [p.read_text() for p in (ROOT / "appendix").glob("*.md")]
    keys = set()
    for text in sources:
        for group in re.findall(r"\{(?:foot)?cite(?::\w+)?\}`([^`]+)`", text):
            keys |= {k.strip() for k in group.split(",")}
    return keys


def test_every_citation_is_in_references_bib_and_every_entry_is_cited():
    import re

    bib_keys = set(re.findall(r"^@\w+\{([^,]+),", (ROOT / "references.bib").read_text(), flags=re.M))
    cited = _cited_keys()
    assert cited <= bib_keys, f"cited but missing from references.bib: {sorted(cited - bib_keys)}"
    assert bib_keys <= cited, f"in references.bib but never cited (the bibliography page lists all): {sorted(bib_keys - cited)}"
