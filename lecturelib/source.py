"""Show the library's own source in a chapter, so that what the book shows is what runs."""

from __future__ import annotations

import ast
import inspect
import textwrap

__all__ = ["show_source"]


def show_source(obj: object, *, docstring: bool = True):
    """Return the source of a function, method or class as syntax-highlighted code.

    In a notebook the returned :class:`IPython.display.Code` renders with
    colours; its plain-text form is the source itself.

    Parameters
    ----------
    obj : function, method or class
    docstring : bool, default True
        Keep the docstring; ``False`` shows the signature and the body only,
        when the page has just derived what the docstring says in its own
        notation.
    """
    from IPython.display import Code

    if not isinstance(docstring, bool):
        raise TypeError(f"docstring must be a bool, got {type(docstring).__name__} {docstring!r}")
    try:
        src = textwrap.dedent(inspect.getsource(obj))
    except TypeError as err:
        raise TypeError(f"obj must be a function, method or class, got {type(obj).__name__}") from err
    if not docstring:
        node = ast.parse(src).body[0]
        first = node.body[0] if node.body else None
        if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)):
            lines = src.splitlines(keepends=True)
            src = "".join(lines[:first.lineno - 1] + lines[first.end_lineno:])
    return Code(src, language="python")
