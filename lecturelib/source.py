"""Show the library's own source in a chapter, so that what the book shows is what runs."""

from __future__ import annotations

import inspect
import textwrap

__all__ = ["show_source"]


def show_source(obj: object):
    """Return the source of a function, method or class as syntax-highlighted code.

    In a notebook the returned :class:`IPython.display.Code` renders with
    colours; its plain-text form is the source itself.
    """
    from IPython.display import Code

    try:
        src = inspect.getsource(obj)
    except TypeError as err:
        raise TypeError(f"obj must be a function, method or class, got {type(obj).__name__}") from err
    return Code(textwrap.dedent(src), language="python")
