"""Tests for lecturelib.source: show_source returns the library's own code, highlighted."""

from __future__ import annotations

import ast
import inspect
import re
import textwrap

import pytest
from IPython.display import Code
from IPython.lib.pretty import pretty

from lecturelib.diagnostics import LayerStatistics
from lecturelib.history import History
from lecturelib.layers import linear_backward
from lecturelib.mlp import MLP, train_gd
from lecturelib.source import show_source

OBJECTS = [
    (linear_backward, "def linear_backward("),
    (train_gd, "def train_gd("),
    (MLP.forward, "def forward(self"),
    (History.record, "def record(self"),
    (History, "@dataclass\nclass History:"),
    (LayerStatistics.as_dict, "def as_dict(self)"),
]


@pytest.mark.parametrize("obj, start", OBJECTS)
def test_show_source_is_the_dedented_source(obj, start):
    code = show_source(obj)
    assert isinstance(code, Code)
    assert code.data.startswith(start)
    assert code.data == textwrap.dedent(inspect.getsource(obj))
    compile(code.data, "<show_source>", "exec")  # dedented: runs as a top-level definition


@pytest.mark.parametrize("obj, start", OBJECTS)
def test_show_source_text_is_verbatim_from_the_file(obj, start):
    text = show_source(obj).data
    with open(inspect.getsourcefile(obj), encoding="utf-8") as f:
        file_text = f.read()
    indent = " " * (4 * obj.__qualname__.count("."))
    assert textwrap.indent(text, indent) in file_text


def test_show_source_renders_as_python():
    code = show_source(linear_backward)
    assert pretty(code) == code.data.rstrip("\n")  # the plain-text form is the source itself
    html = code._repr_html_()
    assert "linear_backward" in html
    assert re.search(r'<span class="k">def</span>', html)  # highlighted with the Python lexer


@pytest.mark.parametrize(
    "obj, kind", [(42, "int"), ("def f(): pass", "str"), (None, "NoneType"), (len, "builtin_function_or_method")]
)
def test_show_source_rejects_objects_without_source(obj, kind):
    with pytest.raises(TypeError, match=f"^obj must be a function, method or class, got {kind}$"):
        show_source(obj)


@pytest.mark.parametrize("obj, start", OBJECTS)
def test_show_source_without_docstring_drops_only_the_docstring(obj, start):
    full, bare = show_source(obj).data, show_source(obj, docstring=False).data
    compile(bare, "<show_source>", "exec")
    assert bare.startswith(start)
    doc = inspect.getdoc(obj)
    if doc:
        assert doc.splitlines()[0] in full and doc.splitlines()[0] not in bare
    # every line that is kept is a line of the full source, in the same order
    kept = iter(full.splitlines())
    assert all(line in kept for line in bare.splitlines())
    # exactly the docstring's lines go, as Python's own parser places them
    node = ast.parse(textwrap.dedent(full)).body[0]
    first = node.body[0]
    is_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
        and isinstance(first.value.value, str)
    doc_lines = first.end_lineno - first.lineno + 1 if is_doc else 0
    assert len(full.splitlines()) - len(bare.splitlines()) == doc_lines


def test_show_source_without_docstring_keeps_a_function_without_one():
    def plain(x):
        return x + 1
    assert show_source(plain, docstring=False).data == show_source(plain).data


def test_show_source_docstring_must_be_a_bool():
    with pytest.raises(TypeError, match="docstring must be a bool"):
        show_source(linear_backward, docstring="no")
