"""Plain facts about one schema node of the supported subset: its types, values, kind.

``schema_diff`` asks these questions of both sides; keeping them apart keeps
the comparison itself about rules only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..load import Path, as_list, as_mapping
from ..revision import canonical_json

LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems")
UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems")
BOUND_FAMILY = {
    "minimum": "RANGE",
    "maximum": "RANGE",
    "exclusiveMinimum": "RANGE",
    "exclusiveMaximum": "RANGE",
    "minLength": "LENGTH",
    "maxLength": "LENGTH",
    "minItems": "ITEMS_COUNT",
    "maxItems": "ITEMS_COUNT",
}


@dataclass(frozen=True, slots=True)
class Change:
    """One rule hit: ``where`` is the readable path, ``new_path`` locates it in the new file."""

    rule: str
    where: str
    new_path: Path
    detail: str


@dataclass(frozen=True, slots=True)
class Node:
    """A schema node of one contract, where it sits in that contract's document."""

    schema: Mapping[str, Any]
    path: Path


def show(value: object) -> str:
    """A JSON value as written; an absent keyword shows as ``(none)``."""
    return "(none)" if value is None else canonical_json(value)


def default_text(schema: Mapping[str, Any]) -> str:
    return canonical_json(schema["default"]) if "default" in schema else "(none)"


def covers(big: set[str], small: set[str]) -> bool:
    """Whether every value of a type in ``small`` is accepted by a type in ``big``."""
    return all(kind in big or (kind == "integer" and "number" in big) for kind in small)


def value_matches(value: object, kind: str) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    expected = {"string": str, "boolean": bool, "null": type(None)}.get(kind)
    return expected is not None and isinstance(value, expected)


def types_of(schema: Mapping[str, Any]) -> set[str]:
    raw = schema.get("type")
    listed = as_list(raw)
    kinds: set[str] = set()
    if listed is not None:
        kinds = {str(kind) for kind in listed}
    elif raw:
        kinds = {str(raw)}
    if not kinds and "properties" in schema:
        kinds = {"object"}
    return kinds


def enum_values(schema: Mapping[str, Any]) -> list[object]:
    if "const" in schema:
        return [schema["const"]]
    return list(as_list(schema.get("enum")) or [])


def kind_of(schema: Mapping[str, Any]) -> str:
    if "enum" in schema or "const" in schema:
        return "enum"
    if "anyOf" in schema or "oneOf" in schema:
        return "union"
    if "allOf" in schema:
        return "all"
    if types_of(schema) or "items" in schema or "additionalProperties" in schema:
        return "typed"
    return "any"


def union_key(schema: Mapping[str, Any]) -> str:
    return "anyOf" if "anyOf" in schema else "oneOf"


def is_null(node: object) -> bool:
    schema = as_mapping(node)
    return schema is not None and schema.get("type") == "null" and len(schema) == 1


def is_closed(schema: Mapping[str, Any]) -> bool:
    return schema.get("additionalProperties") is False


def is_object(schema: Mapping[str, Any]) -> bool:
    return "properties" in schema or (len(as_list(schema.get("allOf")) or []) > 1)
