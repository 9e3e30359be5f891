"""The Colab install cell that opens every chapter, generated from _config.yml.

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

TEMPLATE = '''\
# On Colab only: install this book's library, lecturelib, if it is missing.
# Anywhere else (a local clone, Binder) it is already installed and this cell does nothing.
import importlib.util, os, sys
if "google.colab" in sys.modules and importlib.util.find_spec("lecturelib") is None:
    LECTURELIB_SOURCE = os.environ.get("LECTURELIB_SOURCE", "git+{url}@{branch}")
    %pip install --quiet --no-deps {{LECTURELIB_SOURCE}}'''


def repository() -> tuple[str, str]:
    """(url, branch) from ``_config.yml``."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo = config["repository"]
    return repo["url"], repo.get("branch", "main")


def cell_source() -> str:
    url, branch = repository()
    return TEMPLATE.format(url=url, branch=branch)


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
