"""Every appendix notebook's structure and every number its prose states.

As for the chapters (``tests/test_chapters.py``): nbval proves the committed
outputs are what the code computes today; these tests assert what the prose
claims about them, against expectations computed independently here.  Every
glued name must have a claim, so a new number in the text cannot go
unchecked.
"""

from __future__ import annotations

import math
import re
import sys

import numpy as np
import pytest

from notebook_data import ROOT, glue_references, glued, read, toc_files

sys.path.insert(0, str(ROOT / "tools"))
from bootstrap_cell import TAG, WIDTH, cell_source  # noqa: E402

APPENDIX = sorted((ROOT / "appendix").glob("*.ipynb"))

#: Greydanus (2020), Table 1: test accuracy (%) of the baselines, and the
#: training run behind it (Adam, learning rate 1e-2, batch 100, 6,000 steps).
PAPER = {"logreg": 32.0, "mlp": 68.0, "cnn": 94.0}
PAPER_LR, PAPER_BATCH_SIZE, PAPER_STEPS = 1e-2, 100, 6000

#: Largest distance (percentage points) of our test accuracy from the paper's
#: over ten seeds (0-9) of the notebook's protocol, measured while writing the
#: appendix; the farthest runs were logistic regression 33.2 % (seed 7), the
#: MLP 61.4 % (seed 8) and the CNN 91.4 % (seed 5). The notebook's tolerance is
#: this, rounded up to whole points.
SEED_SPREAD = {"logreg": 1.2, "mlp": 6.6, "cnn": 2.6}

MNIST1D_TRAIN, MNIST1D_TEST, MNIST1D_LENGTH = 4000, 1000, 40


def _digits_n_images() -> int:
    from sklearn.datasets import load_digits

    return len(load_digits().target)


def _template_len() -> int:
    from mnist1d.data import get_templates

    return get_templates()["x"].shape[1]


def _within_tolerance(model: str):
    return lambda v, values: abs(v - PAPER[model]) <= values[f"tolerance_{model}"]


#: notebook stem -> glued name -> (claim in words, predicate on the value and all values)
CLAIMS = {
    "datasets": {
        "digits_n_images": ("scikit-learn's digits: every image in one of the splits",
                            lambda v, _: v == _digits_n_images()),
        "digits_n_features": ("8 x 8 pixels flattened", lambda v, _: v == 64),
        "mnist1d_template_len": ("mnist1d's templates have this many points", lambda v, _: v == _template_len()),
        "mnist1d_n_features": ("MNIST-1D sequences have 40 points", lambda v, _: v == MNIST1D_LENGTH),
        "mnist1d_n_train": ("the paper's 4,000 training sequences", lambda v, _: v == MNIST1D_TRAIN),
        "mnist1d_n_test": ("the paper's 1,000 test sequences", lambda v, _: v == MNIST1D_TEST),
        "paper_logreg": ("Table 1: logistic regression 32 %", lambda v, _: v == PAPER["logreg"]),
        "paper_mlp": ("Table 1: MLP 68 %", lambda v, _: v == PAPER["mlp"]),
        "paper_cnn": ("Table 1: CNN 94 %", lambda v, _: v == PAPER["cnn"]),
        "paper_steps": ("the paper trains for 6,000 steps", lambda v, _: v == PAPER_STEPS),
        "tolerance_logreg": ("largest seed distance, rounded up",
                             lambda v, _: v == math.ceil(SEED_SPREAD["logreg"])),
        "tolerance_mlp": ("largest seed distance, rounded up", lambda v, _: v == math.ceil(SEED_SPREAD["mlp"])),
        "tolerance_cnn": ("largest seed distance, rounded up", lambda v, _: v == math.ceil(SEED_SPREAD["cnn"])),
        "logreg_test": ("logistic regression reproduces the paper", _within_tolerance("logreg")),
        "mlp_test": ("the MLP reproduces the paper", _within_tolerance("mlp")),
        "cnn_test": ("the CNN reproduces the paper", _within_tolerance("cnn")),
        "logreg_train": ("a linear model cannot fit the training set either", lambda v, _: v < 50.0),
        "mlp_train": ("the MLP fits the training set", lambda v, _: v >= 99.0),
        "cnn_train": ("the CNN fits the training set as well", lambda v, _: v >= 97.0),
        "lr": ("the paper's learning rate", lambda v, _: v == PAPER_LR),
        "batch_size": ("the paper's batch size", lambda v, _: v == PAPER_BATCH_SIZE),
        "epochs": ("fewer epochs than the paper's run, to fit the budget",
                   lambda v, _: 1 <= v * math.ceil(MNIST1D_TRAIN / PAPER_BATCH_SIZE) < PAPER_STEPS),
        "steps": ("steps = epochs x batches per epoch",
                  lambda v, values: v == values["epochs"] * math.ceil(MNIST1D_TRAIN / PAPER_BATCH_SIZE)),
        "mlp_width": ("the paper's MLP: hidden layers of 100", lambda v, _: v == 100),
        "cnn_channels": ("the paper's CNN: 25 channels", lambda v, _: v == 25),
        "mlp_params": ("parameters of 40-100-100-10",
                       lambda v, _: v == 40 * 100 + 100 + 100 * 100 + 100 + 100 * 10 + 10),
        "cnn_params": ("parameters of the CNN, fewer than the MLP's",
                       lambda v, values: v == (25 * 5 + 25) + 2 * (25 * 25 * 3 + 25) + 25 * 5 * 10 + 10
                       and v < values["mlp_params"]),
        "mlp_standard_error": ("binomial standard error of the MLP's test accuracy",
                               lambda v, values: math.isclose(
                                   v, 100 * math.sqrt(values["mlp_test"] / 100 * (1 - values["mlp_test"] / 100)
                                                      / values["mnist1d_n_test"]), abs_tol=0.06)),
    },
}


@pytest.fixture(scope="module", params=APPENDIX, ids=lambda p: p.stem)
def notebook(request):
    return request.param.stem, read(request.param)


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _figure_cells(nb):
    return [c for c in _code_cells(nb) if any("image/png" in o.get("data", {}) for o in c.outputs)]


def _printed_text(cell) -> str:
    """What a reader sees printed under a cell (streams and results, not glue records or figures)."""
    parts = []
    for out in cell.outputs:
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type == "execute_result" or (
                out.output_type == "display_data" and "image/png" not in out.get("data", {})
                and not out.get("metadata", {}).get("scrapbook")):
            parts.append(out.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def test_appendix_notebooks_exist():
    assert [p.stem for p in APPENDIX] == ["datasets"]


def test_every_appendix_notebook_is_in_the_toc():
    listed = {f for f in toc_files() if f.startswith("appendix/")}
    assert {f"appendix/{p.stem}" for p in APPENDIX} <= listed


def test_every_glued_number_has_a_claim(notebook):
    stem, nb = notebook
    assert set(glued(nb)) == set(CLAIMS.get(stem, {})), "glued names and asserted claims differ"


def test_prose_uses_only_glued_names(notebook):
    stem, nb = notebook
    assert glue_references(nb) <= set(glued(nb))


def test_claims(notebook):
    stem, nb = notebook
    values = glued(nb)
    failed = [f"{name} = {values[name]!r}: {words}" for name, (words, ok) in CLAIMS.get(stem, {}).items()
              if not ok(values[name], values)]
    assert not failed, "claims in the prose no longer hold:\n" + "\n".join(failed)


def test_the_baselines_rank_as_in_the_paper():
    values = glued(read(ROOT / "appendix" / "datasets.ipynb"))
    assert values["logreg_test"] + 20 < values["mlp_test"] < values["cnn_test"] - 15
    assert values["mlp_train"] - values["mlp_test"] > 25, "the MLP overfits"
    assert values["cnn_train"] - values["cnn_test"] < values["mlp_train"] - values["mlp_test"]


def test_first_code_cell_is_the_colab_bootstrap(notebook):
    stem, nb = notebook
    first = _code_cells(nb)[0]
    assert first.source == cell_source() and TAG in first.metadata.get("tags", [])
    assert first.outputs == [], "the bootstrap cell must print nothing outside Colab"


def test_no_error_outputs(notebook):
    stem, nb = notebook
    assert not [o for c in _code_cells(nb) for o in c.outputs if o.output_type == "error"]


def test_every_figure_has_alt_text_without_digits_and_a_caption(notebook):
    stem, nb = notebook
    figures = _figure_cells(nb)
    assert figures, "an appendix page about data shows the data"
    for cell in figures:
        mystnb = cell.metadata.get("mystnb", {})
        alt = mystnb.get("image", {}).get("alt", "")
        assert len(alt) > 40, f"figure without alt text: {cell.source[:60]!r}"
        assert not re.search(r"\d", alt), f"alt text cannot be glued, so it states no numbers: {alt!r}"
        assert mystnb.get("figure", {}).get("caption"), f"figure without a caption: {cell.source[:60]!r}"
        assert cell.source.rstrip().endswith("plt.show()"), "nbval and nbconvert agree only with plt.show()"


def test_code_and_printed_lines_fit_the_page(notebook):
    stem, nb = notebook
    for cell in _code_cells(nb):
        wide = [line for line in cell.source.splitlines() if len(line) > WIDTH]
        wide += [line for line in _printed_text(cell).splitlines() if len(line) > WIDTH]
        assert not wide, f"lines over {WIDTH} characters: {wide}"


def test_outputs_hold_no_timings_addresses_or_progress_bars(notebook):
    stem, nb = notebook
    volatile = re.compile(r"\d\s*(s|ms|sec|seconds)\b|it/s|0x[0-9a-fA-F]{6,}|\|[#\u2588-\u258f ]+\||\r")
    for cell in _code_cells(nb):
        found = volatile.findall(_printed_text(cell))
        assert not found, f"volatile output {found} in {cell.source[:60]!r}"


def test_cites_the_paper_and_ends_with_its_references(notebook):
    stem, nb = notebook
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert "{cite:t}`greydanus2020scaling`" in "\n".join(markdown)
    assert "## References" in markdown[-1]
    assert "```{bibliography}\n:filter: docname in docnames\n```" in markdown[-1]


def test_no_download_path_is_used(notebook):
    stem, nb = notebook
    code = "\n".join(c.source for c in _code_cells(nb))
    assert "get_dataset(" not in code and "urllib" not in code and "requests" not in code


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_tolerance_covers_other_seeds(seed):
    """The notebook's protocol with another seed still reproduces the paper within the tolerance."""
    import torch

    from lecturelib import data
    from lecturelib.torchkit import evaluate, train
    from lecturelib.torchkit.baselines import conv1d_net, logistic_regression, mlp

    values = glued(read(ROOT / "appendix" / "datasets.ipynb"))
    split = data.load_mnist1d()
    x = np.concatenate([split.x_train, split.x_val])
    y = np.concatenate([split.y_train, split.y_val])
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for model, build in (("logreg", logistic_regression), ("mlp", mlp), ("cnn", conv1d_net)):
            net = build(seed=seed)
            optimizer = torch.optim.Adam(net.parameters(), lr=values["lr"])
            train(net, x, y, optimizer=optimizer, epochs=values["epochs"], batch_size=values["batch_size"],
                  seed=seed)
            accuracy = 100 * evaluate(net, split.x_test, split.y_test)[1]
            assert abs(accuracy - PAPER[model]) <= values[f"tolerance_{model}"], (model, accuracy)
    finally:
        torch.set_num_threads(threads)
