"""ECMA-262 patterns get the same meaning in Python's ``re``, or are refused with the reason.

Besides the rules one by one, the official suite's ``optional/ecmascript-regex.json``
groups that use ``pattern`` run through the translation and the runtime checker.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from jobcontracts.codegen.contract_schema import contract_schema
from jobcontracts.codegen.ecma_regex import PatternError, translate
from jobcontracts.codegen.schema_keywords import FORMATS
from jobcontracts.runtime.formats import FORMAT_CHECKERS
from jobcontracts.runtime.json_schema import SchemaChecker

ECMASCRIPT_REGEX = (
    Path(__file__).parents[1]
    / "conformance"
    / "suite"
    / "draft7"
    / "optional"
    / "ecmascript-regex.json"
)


@pytest.mark.parametrize(
    ("pattern", "matches", "misses"),
    [
        (r"^\d+$", ["42"], ["\u09ea\u09e8", "42\n"]),  # ASCII digits; $ only at the very end
        (r"^\w$", ["a", "_"], ["\u00e9"]),
        (r"^\s$", [" ", "\u00a0", "\ufeff", "\u2003"], ["x"]),
        (r"^\S$", ["x"], ["\u00a0"]),
        (r"^.$", ["a"], ["\n", "\r", "\u2028"]),
        (r"^[\d\s]+$", ["1 2"], ["\u09ea"]),
        (r"^(?<year>\d{4})-\k<year>$", ["2024-2024"], ["2024-2025"]),
        (r"\bcat\b", ["a cat!", "\u00e9cat\u00e9"], ["xcat"]),  # \b by ASCII word characters
        (r"^\cJ$", ["\n"], ["J"]),
        (r"^[^]$", ["x", "\n"], [""]),
        (r"^a[]", [], ["a", "ab"]),
    ],
)
def test_a_translated_pattern_means_what_ecma_262_means(
    pattern: str, matches: list[str], misses: list[str]
) -> None:
    compiled = re.compile(translate(pattern))
    for text in matches:
        assert compiled.search(text), (pattern, text)
    for text in misses:
        assert not compiled.search(text), (pattern, text)


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"^\p{L}$", r"'\p' is not supported"),
        (r"[\D]", r"'\D' inside [...]"),
        (r"(?P<x>a)", "'(?' other than"),
        (r"(?i)a", "'(?' other than"),
        (r"\A", r"'\A' is not supported"),
        (r"(?<=a+)b", "not a valid regular expression"),
        ("a\\", "lone backslash"),
        ("[a", "never closed"),
    ],
)
def test_a_pattern_without_the_same_meaning_is_refused(pattern: str, reason: str) -> None:
    with pytest.raises(PatternError, match=re.escape(reason)):
        translate(pattern)


def _pattern_groups() -> list[Any]:
    groups: list[Any] = json.loads(ECMASCRIPT_REGEX.read_text(encoding="utf-8"))
    keywords = ({"pattern"}, {"type", "pattern"}, {"patternProperties"})
    return [group for group in groups if set(group["schema"]) in keywords]


def _sources(schema: dict[str, Any]) -> list[str]:
    return [schema["pattern"]] if "pattern" in schema else list(schema["patternProperties"])


@pytest.mark.parametrize("group", _pattern_groups(), ids=lambda g: str(g["description"]))
def test_the_official_ecmascript_pattern_cases(group: dict[str, Any]) -> None:
    sources = _sources(group["schema"])
    if any("\\p" in source for source in sources):  # Unicode property escapes: re has none
        refused = next(source for source in sources if "\\p" in source)
        with pytest.raises(PatternError, match=re.escape("'\\p' is not supported")):
            translate(refused)
        return
    checker = SchemaChecker(contract_schema(group["schema"], {}))
    for case in group["tests"]:
        assert (checker.problems(case["data"]) == []) == case["valid"], case["description"]


def test_the_generator_and_the_runtime_support_the_same_formats() -> None:
    assert set(FORMAT_CHECKERS) == FORMATS
