"""The Colab install cell that opens every chapter, generated from _config.yml.

On Colab the cell installs what Colab lacks (lecturelib and mnist1d, both
with ``--no-deps``); anywhere else it does nothing.

The repository URL lives in one place, ``repository.url`` in ``_config.yml``.
This script writes the cell into every chapter (``--write``) or checks that
every chapter has it (default); ``tests/test_chapters.py`` runs the check.

    python tools/bootstrap_cell.py --write chapters/*.ipynb
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
TAG = "colab-bootstrap"

# What the cell installs on Colab, and why nothing else: Colab already has
# torch, numpy, scipy, matplotlib, scikit-learn, requests and ipywidgets,
# which is everything lecturelib and mnist1d need besides each other (see
# their Requires-Dist; tests/test_reader_environments.py checks this), so
# both are installed with --no-deps and Colab's own versions stay untouched. Nothing is pinned here:
# the exact versions live in requirements.txt and binder/requirements.txt.
# Lines stay within the book's 76-character page width.
TEMPLATE = '''\
# On Colab only: install what Colab lacks, this book's library lecturelib
# and the MNIST-1D data set, leaving Colab's torch and numpy untouched.
# Anywhere else (a local clone, Binder) this cell does nothing.
import importlib.util, os, sys
REPO = "{url}"
LECTURELIB = os.environ.get("LECTURELIB_SOURCE", f"git+{{REPO}}@{branch}")
if "google.colab" in sys.modules:
    if importlib.util.find_spec("lecturelib") is None:
        %pip install --quiet --no-deps {{LECTURELIB}}
    if importlib.util.find_spec("mnist1d") is None:
        %pip install --quiet --no-deps mnist1d'''
WIDTH = 76


def repository() -> tuple[str, str]:
    """(url, branch) from ``_config.yml``."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo = config["repository"]
    return repo["url"], repo.get("branch", "main")


def cell_source() -> str:
    url, branch = repository()
    return TEMPLATE.format(url=url, branch=branch)


def too_wide(source: str) -> list[str]:
    """The lines of ``source`` longer than the page width."""
    return [line for line in source.splitlines() if len(line) > WIDTH]


def bootstrap_cell() -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(cell_source())
    cell.metadata["tags"] = [TAG, "hide-cell"]
    return cell


def first_code_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode | None:
    return next((c for c in nb.cells if c.cell_type == "code"), None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--write", action="store_true", help="insert or update the cell")
    args = parser.parse_args(argv)
    for line in too_wide(cell_source()):
        # A long repository.url in _config.yml; the cell still works.
        print(f"warning: Colab cell line over {WIDTH} characters: {line}", file=sys.stderr)
    bad = []
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        first = first_code_cell(nb)
        ok = first is not None and first.source == cell_source() and TAG in first.metadata.get("tags", [])
        if ok or not args.write:
            if not ok:
                bad.append(path)
            continue
        if first is not None and TAG in first.metadata.get("tags", []):
            first.source = cell_source()
        else:
            index = nb.cells.index(first) if first is not None else len(nb.cells)
            nb.cells.insert(index, bootstrap_cell())
        nbformat.write(nb, path)
        print(f"updated {path}")
    for path in bad:
        print(f"{path}: first code cell is not the Colab bootstrap cell (run with --write)", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
