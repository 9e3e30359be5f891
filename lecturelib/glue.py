"""Glue a computed number into the book's prose, without needing the book's build tools.

The book's pages quote numbers that the notebook computed, through myst-nb's
``glue``: ``{glue:text}`name:.2f``` in a Markdown cell shows the value
that ``glue("name", value)`` stored.  myst-nb is a package for *building* the
book; a reader running a chapter in Colab or Binder does not have it and does
not need it.  :func:`glue` stores the value through myst-nb when it is
importable and otherwise does nothing, so the chapters run in any Jupyter.
"""

from __future__ import annotations

from typing import Any

__all__ = ["glue"]


def glue(name: str, value: Any, *, display: bool = False) -> None:
    """Store ``value`` under ``name`` for the book's ``{glue:text}`` roles.

    With myst-nb installed (the book build, nbval, ``make execute``) this is
    ``myst_nb.glue(name, value, display=display)``, whose output the page and
    ``tests/test_chapters.py`` read.  Without it (Colab, Binder) it does
    nothing: the value is still a variable of the notebook.

    Parameters
    ----------
    name : str
        Key used in the Markdown, e.g. ``"sigmoid_ratio"``.
    value : object
        Usually a rounded float or int.
    display : bool, default False
        Also show the value under the cell.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be a Python identifier such as 'sigmoid_ratio', got {name!r}")
    if not isinstance(display, bool):
        raise TypeError(f"display must be a bool, got {type(display).__name__} {display!r}")
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        value = value.item()  # a numpy scalar reads back as 2.303, not np.float64(2.303)
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # a reader's Jupyter without the book's build tools
        return
    myst_glue(name, value, display=display)
