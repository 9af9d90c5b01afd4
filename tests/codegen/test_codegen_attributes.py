"""The property -> attribute rule: keep the wire name (snake_case for camelCase) unless
Python or pydantic cannot."""

from __future__ import annotations

import keyword
import warnings
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import Field, create_model

from jobcontracts.codegen.attributes import (
    CLASS_BODY_NAMES,
    MAX_ATTRIBUTE_LENGTH,
    MODEL_ATTRIBUTES,
    annotation_names,
    attribute_names,
    preferred_attribute,
    rename_reason,
)
from jobcontracts.codegen.load import load_yaml
from jobcontracts.codegen.validate import validate
from jobcontracts.runtime.contract import ContractModel

KEPT = ["bytes", "type", "format", "id", "list", "user_id", "match", "case", "date", "a1"]


def test_legal_names_are_kept() -> None:
    assert attribute_names(KEPT, CLASS_BODY_NAMES) == KEPT


@pytest.mark.parametrize(
    ("wire", "attribute"),
    [
        ("class", "class_"),
        ("from", "from_"),
        ("a-b", "a_b"),
        ("with space", "with_space"),
        ("\u65e5\u672c", "field"),
        ("2fa", "field_2fa"),
        ("_private", "private"),
        ("__dunder__", "dunder"),
        ("json", "json_"),
        ("copy", "copy_"),
        ("schema", "schema_"),
        ("model_config", "model_config_"),
        ("model_dump", "field_model_dump"),
        ("model_validate_me", "field_model_validate_me"),
        ("register", "register_"),
        ("wire_json", "wire_json_"),
        ("l", "l_"),
        ("Field", "field"),
        ("MISSING", "missing"),
        ("x" * (MAX_ATTRIBUTE_LENGTH + 1), "x" * MAX_ATTRIBUTE_LENGTH),
    ],
)
def test_unusable_names_are_renamed(wire: str, attribute: str) -> None:
    assert rename_reason(wire, CLASS_BODY_NAMES) is not None
    assert attribute_names([wire], CLASS_BODY_NAMES) == [attribute]


@pytest.mark.parametrize(
    ("wire", "attribute"),
    [
        ("userId", "user_id"),
        ("userID", "user_id"),
        ("HTTPStatus", "http_status"),
        ("ID", "id"),
        ("Party", "party"),
        ("Field", "field"),
        ("JSON", "json_"),
        ("modelDump", "field_model_dump"),
    ],
)
def test_camel_case_is_spelled_the_python_way(wire: str, attribute: str) -> None:
    assert attribute_names([wire], CLASS_BODY_NAMES) == [attribute]


def test_a_lower_case_name_wins_over_its_camel_case_twin() -> None:
    assert attribute_names(["userId", "user_id"], CLASS_BODY_NAMES) == ["user_id_2", "user_id"]


def test_a_name_the_class_body_reads_is_renamed_only_there() -> None:
    body = CLASS_BODY_NAMES | annotation_names("date | None") | annotation_names("list[str]")
    renamed = attribute_names(["date", "str", "list", "when"], body)
    assert renamed == ["date_", "str_", "list_", "when"]
    assert attribute_names(["date", "str"], CLASS_BODY_NAMES) == ["date", "str"]


def test_literal_values_are_not_names() -> None:
    assert annotation_names('Literal["date", "str"] | Party') == {"Literal", "Party"}


def test_kept_names_win_clashes_after_renaming() -> None:
    assert attribute_names(["class", "class_"], CLASS_BODY_NAMES) == ["class_2", "class_"]
    assert attribute_names(["a-b", "a_b", "a b"], CLASS_BODY_NAMES) == ["a_b_2", "a_b", "a_b_3"]


def test_model_attributes_cover_every_public_attribute_of_a_model() -> None:
    public = {
        name
        for name in set(dir(ContractModel)) | set(dir(type(ContractModel)))
        if not name.startswith("_") and hasattr(ContractModel, name)
    }
    assert public <= MODEL_ATTRIBUTES


@given(st.lists(st.text(max_size=12), max_size=8, unique=True))
def test_attributes_are_distinct_usable_identifiers(wires: list[str]) -> None:
    names = attribute_names(wires, CLASS_BODY_NAMES)
    assert len(set(names)) == len(names) == len(wires)
    for wire, name in zip(wires, names, strict=True):
        assert name.isascii(), name
        assert name.isidentifier(), name
        assert not keyword.iskeyword(name)
        assert not name.startswith("_")
        assert name not in MODEL_ATTRIBUTES
        assert name not in CLASS_BODY_NAMES
        reason = rename_reason(wire, CLASS_BODY_NAMES)
        assert name == wire or reason is not None or preferred_attribute(wire) != wire


@given(st.lists(st.text(max_size=12), min_size=1, max_size=6, unique=True))
def test_pydantic_accepts_the_attributes_silently(wires: list[str]) -> None:
    names = attribute_names(wires, CLASS_BODY_NAMES)
    fields: dict[str, Any] = {
        name: (str, Field(alias=wire)) for wire, name in zip(wires, names, strict=True)
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = create_model("Probe", __base__=ContractModel, **fields)
    instance = model.model_validate(dict.fromkeys(wires, "v"))
    assert instance.model_dump(by_alias=True) == dict.fromkeys(wires, "v")


def test_the_generator_applies_the_rule_per_model() -> None:
    spec = """
version: 1
domains:
  shop:
    jobs:
      order:
        payload:
          type: object
          properties:
            date: {type: string, format: date}
            bytes: {type: string}
            class: {type: string}
        result:
          type: object
          properties:
            date: {type: string}
            bytes: {type: integer}
"""
    (domain,) = validate(load_yaml(spec, "jobs.yaml")).domains
    fields = {model.class_name: [f.field_name for f in model.fields] for model in domain.models}
    assert fields == {
        "OrderPayload": ["date_", "bytes", "class_"],
        "OrderResult": ["date", "bytes"],
    }
