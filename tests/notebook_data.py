"""Read chapter notebooks as data: glued values, markdown, figure metadata (helpers for tests)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def glued(nb: nbformat.NotebookNode) -> dict[str, object]:
    """Every value a notebook glued with ``myst_nb.glue``, parsed back to a Python object."""
    values = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            meta = out.get("metadata", {}).get("scrapbook")
            if not meta:
                continue
            text = out["data"][meta["mime_prefix"] + "text/plain"]
            try:
                values[meta["name"]] = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                values[meta["name"]] = text
    return values


def glue_references(nb: nbformat.NotebookNode) -> set[str]:
    """Names used by ``{glue:...}`` roles in the markdown cells."""
    names = set()
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            names |= {m.split(":")[0] for m in re.findall(r"\{glue(?::\w+)?\}`([^`]+)`", cell.source)}
    return names


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(toc.get("parts", toc.get("chapters", [])))
    return files
