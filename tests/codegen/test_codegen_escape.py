"""The two gates user text passes: ``escape`` for strings and ``naming`` for identifiers.

Property names have their own rule and tests: ``test_codegen_attributes``.
"""

from __future__ import annotations

import ast
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from jobcontracts.codegen import escape, naming


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_string_literal_round_trips_exactly(text: str) -> None:
    literal = escape.string_literal(text)
    assert literal.isascii()
    chunks = re.findall(r'"(?:[^"\\]|\\.)*"', literal)
    assert all(len(chunk) <= escape.MAX_LITERAL_CHUNK + 2 for chunk in chunks)
    assert ast.literal_eval(literal) == text


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_docstring_is_one_safe_literal(text: str) -> None:
    literal = escape.docstring(text, fallback="fallback")
    assert literal.isascii()
    tree = ast.parse(f"def f():\n    {literal}\n")
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef)
    assert len(function.body) == 1
    value = ast.literal_eval(literal)
    assert isinstance(value, str)
    assert "".join(value.split()) == "".join((text.strip() or "fallback").split())
    assert all(len(line) <= escape.DOCSTRING_WIDTH + 6 for line in literal.splitlines())


def test_docstring_examples() -> None:
    assert ast.literal_eval(escape.docstring('say "hi"')) == 'say "hi"'
    assert ast.literal_eval(escape.docstring('a """ b \\')) == 'a """ b \\'
    assert escape.docstring("", fallback="Nothing.") == '"""Nothing."""'


def test_name_rules() -> None:
    assert naming.name_problem("sync_data", kind="job") is None
    for bad in ("SyncData", "sync__data", "sync_", "_sync", "2fa", "class", "match", "a-b", "é"):
        assert naming.name_problem(bad, kind="job") is not None, bad
    assert naming.pascal_case("sync_data") == "SyncData"
    assert naming.upper_snake("sync_data") == "SYNC_DATA"
    assert naming.definition_name_problem("Field") is not None
    assert naming.definition_name_problem("Address") is None
    assert not naming.is_plain_identifier("from")
    assert not naming.is_plain_identifier("__x")
    assert naming.is_plain_identifier("user_id")
