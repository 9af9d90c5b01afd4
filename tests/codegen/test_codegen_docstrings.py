"""Generated docstrings say what the schema says, or where it is, in correct English."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import yaml

from jobcontracts.codegen.doc_text import schema_location, schema_text, sentence
from tests.golden.support import GOLDEN_DIR, imported_package, read_tree, write_tree


def _words(text: str | None) -> str:
    assert text is not None
    return " ".join(text.split())


def test_description_wins_over_title_and_blank_text_counts_as_none() -> None:
    assert schema_text({"description": "Said.", "title": "Title"}) == "Said."
    assert schema_text({"description": "  \n", "title": "Title"}) == "Title"
    assert schema_text({"title": 3}) == ""
    assert schema_text({}) == ""


@pytest.mark.parametrize(
    ("path", "text"),
    [
        (("definitions", "Address"), "The shared ``Address`` definition of jobs.yaml."),
        (("domains", "mail", "jobs", "send", "payload"), "The payload of the ``send`` job."),
        (("domains", "mail", "jobs", "send", "result"), "The result of the ``send`` job."),
        (
            ("domains", "mail", "jobs", "send", "payload", "properties", "email"),
            "The ``email`` object in the payload of the ``send`` job.",
        ),
        (
            ("definitions", "Order", "properties", "lines", "items", "properties", "unit"),
            "The ``lines[].unit`` object in the shared ``Order`` definition of jobs.yaml.",
        ),
        (
            ("domains", "d", "jobs", "j", "payload", "properties", "m", "additionalProperties"),
            "The ``m{}`` object in the payload of the ``j`` job.",
        ),
        (
            ("domains", "d", "jobs", "j", "payload", "properties", "u", "anyOf", 1),
            "The ``u (option 2)`` object in the payload of the ``j`` job.",
        ),
    ],
)
def test_a_schema_without_text_is_described_by_its_place(
    path: tuple[str | int, ...], text: str
) -> None:
    assert sentence(schema_location(path)) == text


def test_odd_descriptions_reach_the_code_intact(tmp_path: Path) -> None:
    case = GOLDEN_DIR / "odd_descriptions"
    spec = yaml.safe_load((case / "jobs.yaml").read_text(encoding="utf-8"))
    odd = spec["domains"]["texts"]["jobs"]["odd"]
    write_tree(read_tree(case / "expected"), tmp_path / "golden_texts")
    with imported_package(tmp_path, "golden_texts.texts") as texts:
        assert _words(texts.__doc__) == _words(spec["domains"]["texts"]["description"])
        assert _words(texts.OddPayload.__doc__) == _words(odd["payload"]["description"])
        assert texts.Titled.__doc__ == 'A "titled" definition'
        assert texts.OddResult.__doc__ == "Result with a title only"
        assert texts.Bare.__doc__ == "The shared ``Bare`` definition of jobs.yaml."
        assert _words(inspect.getdoc(texts.TextsHandlers.odd)) == _words(odd["description"])
        assert texts.QUEUE.jobs["odd"].description == odd["description"]


def test_no_generated_docstring_guesses_an_article() -> None:
    for path in GOLDEN_DIR.glob("*/expected/**/*.py"):
        text = path.read_text(encoding="utf-8")
        for phrase in (" a email", "What a ", "The payload of a ", ' schema."""'):
            assert phrase not in text, f"{path}: {phrase!r}"
