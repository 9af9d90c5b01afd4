"""JSON values as ``json.loads`` makes them: their types, equality and arithmetic.

What both judges of ``json_schema`` and ``schema_judge`` mean by "integer",
"equal" and "multiple of", in one place so the two cannot drift.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

REF_PREFIX = "#/definitions/"
"""The only ``$ref`` form jobctl admits: a definition of the same document."""


def as_list(value: object) -> list[Any] | None:
    return cast("list[Any]", value) if isinstance(value, list) else None  # type: ignore[redundant-cast]


def as_object(value: object) -> dict[str, Any] | None:
    return cast("dict[str, Any]", value) if isinstance(value, dict) else None


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_type(value: object, kind: str) -> bool:
    if kind == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if kind == "number":
        return is_number(value)
    return type(value) is _PYTHON_TYPES[kind]


_PYTHON_TYPES: dict[str, type] = {
    "string": str,
    "boolean": bool,
    "null": type(None),
    "array": list,
    "object": dict,
}


def canonical(value: Any) -> object:
    """A hashable key equal exactly when two JSON values are equal (``1 == 1.0``, not ``true``)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return (type(value).__name__, value)
    if isinstance(value, float) and value.is_integer():
        return ("number", int(value))
    if is_number(value):
        return ("number", value)
    items = as_list(value)
    if items is not None:
        return ("array", tuple(canonical(item) for item in items))
    mapping = as_object(value) or {}
    return ("object", frozenset((key, canonical(item)) for key, item in mapping.items()))


def multiple_of(value: int | float, divisor: int | float) -> bool:
    if isinstance(value, int) and isinstance(divisor, int):
        return value % divisor == 0
    try:
        return Decimal(repr(value)) % Decimal(repr(divisor)) == 0
    except ArithmeticError:
        return False
