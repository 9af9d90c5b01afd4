"""JSON Schema draft 7, the keywords jobs.yaml accepts, judged on JSON values.

This is the one judge of payloads and results: pydantic models only give them
Python types afterwards. Instances are the values ``json.loads`` produces
(``dict``, ``list``, ``str``, ``int``, ``float``, ``bool``, ``None``), so there is
no coercion to reason about: ``"1"`` is a string, ``true`` is not ``1``, ``1.0``
is an integer, and a string's length is its number of code points.

``jobctl`` checks each schema before it gets here (known keywords, valid values,
``$ref`` only to ``#/definitions/...``, patterns already in Python's syntax), so
this module trusts the schema's shape.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

from .formats import FORMAT_CHECKERS

Location = tuple[str | int, ...]
SchemaProblem = tuple[Location, str]
_Checker = Callable[["SchemaChecker", Any, Any, Location], Iterator[SchemaProblem]]
_REF_PREFIX = "#/definitions/"
_MAX_SHOWN = 60


def _list(value: object) -> list[Any] | None:
    return cast("list[Any]", value) if isinstance(value, list) else None  # type: ignore[redundant-cast]


def _object(value: object) -> dict[str, Any] | None:
    return cast("dict[str, Any]", value) if isinstance(value, dict) else None


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_type(value: object, kind: str) -> bool:
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
    items = _list(value)
    if items is not None:
        return ("array", tuple(canonical(item) for item in items))
    mapping = _object(value) or {}
    return ("object", frozenset((key, canonical(item)) for key, item in mapping.items()))


def shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _multiple_of(value: int | float, divisor: int | float) -> bool:
    if isinstance(value, int) and isinstance(divisor, int):
        return value % divisor == 0
    try:
        return Decimal(repr(value)) % Decimal(repr(divisor)) == 0
    except ArithmeticError:
        return False


class SchemaChecker:
    """Checks instances against one schema whose ``$ref`` targets sit in its ``definitions``."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self._definitions: Mapping[str, Any] = schema.get("definitions", {})
        self._patterns: dict[str, re.Pattern[str]] = {}

    def problems(self, instance: Any) -> list[SchemaProblem]:
        return list(self.check(self.schema, instance, ()))

    def is_valid(self, schema: Any, instance: Any) -> bool:
        return next(iter(self.check(schema, instance, ())), None) is None

    def check(self, schema: Any, instance: Any, at: Location) -> Iterator[SchemaProblem]:
        if schema is True:
            return
        if schema is False:
            yield at, "no value is allowed here"
            return
        if "$ref" in schema:
            # Draft 7: a $ref replaces its schema; jobctl refuses constraints beside it.
            target = self._definitions[schema["$ref"][len(_REF_PREFIX) :]]
            yield from self.check(target, instance, at)
            return
        for keyword, value in schema.items():
            checker = _KEYWORDS.get(keyword)
            if checker is not None:
                yield from checker(self, value, instance, at)
        if "additionalProperties" in schema or "additionalItems" in schema:
            yield from _additional(self, schema, instance, at)

    def pattern(self, source: str) -> re.Pattern[str]:
        compiled = self._patterns.get(source)
        if compiled is None:
            compiled = self._patterns[source] = re.compile(source)
        return compiled


def _type(
    checker: SchemaChecker, kinds: Any, instance: Any, at: Location
) -> Iterator[SchemaProblem]:
    listed: Sequence[str] = [kinds] if isinstance(kinds, str) else kinds
    if not any(_is_type(instance, kind) for kind in listed):
        yield at, f"{shown(instance)} is not of type {' or '.join(listed)}"


def _enum(
    checker: SchemaChecker, values: Any, instance: Any, at: Location
) -> Iterator[SchemaProblem]:
    key = canonical(instance)
    if not any(canonical(value) == key for value in values):
        yield at, f"{shown(instance)} is not one of {shown(values)}"


def _const(
    checker: SchemaChecker, value: Any, instance: Any, at: Location
) -> Iterator[SchemaProblem]:
    if canonical(value) != canonical(instance):
        yield at, f"{shown(instance)} is not {shown(value)}"


def _properties(
    checker: SchemaChecker, properties: Any, instance: Any, at: Location
) -> Iterator[SchemaProblem]:
    mapping = _object(instance)
    if mapping is not None:
        for name, schema in properties.items():
            if name in mapping:
                yield from checker.check(schema, mapping[name], (*at, name))


def _required(
    checker: SchemaChecker, names: Any, instance: Any, at: Location
) -> Iterator[SchemaProblem]:
    mapping = _object(instance)
    if mapping is not None:
        for name in names:
            if name not in mapping:
                yield (*at, name), "is required"


def _additional(
    checker: SchemaChecker, schema: Any, instance: Any, at: Location
) -> Iterator[SchemaProblem]:
    """additionalProperties and additionalItems: they depend on their siblings."""
    extra = schema.get("additionalProperties", True)
    mapping = _object(instance)
    if extra is not True and mapping is not None:
        declared = schema.get("properties", {})
        for name, value in mapping.items():
            if name in declared:
                continue
            if extra is False:
                yield (*at, name), "is not a declared property, and the schema allows no others"
            else:
                yield from checker.check(extra, value, (*at, name))
    extra = schema.get("additionalItems", True)
    items = _list(schema.get("items"))
    values = _list(instance)
    if extra is not True and items is not None and values is not None:
        for index, value in enumerate(values[len(items) :], start=len(items)):
            yield from checker.check(extra, value, (*at, index))


def _items(
    checker: SchemaChecker, items: Any, instance: Any, at: Location
) -> Iterator[SchemaProblem]:
    values = _list(instance)
    if values is None:
        return
    schemas = _list(items)
    if schemas is not None:
        for index, (schema, item) in enumerate(zip(schemas, values, strict=False)):
            yield from checker.check(schema, item, (*at, index))
    else:
        for index, item in enumerate(values):
            yield from checker.check(items, item, (*at, index))


def _bound(
    keyword: str,
    applies: Callable[[Any], bool],
    size: Callable[[Any], Any],
    ok: Callable[[Any, Any], bool],
    text: str,
) -> _Checker:
    def check(
        checker: SchemaChecker, limit: Any, instance: Any, at: Location
    ) -> Iterator[SchemaProblem]:
        if applies(instance) and not ok(size(instance), limit):
            yield at, f"{shown(instance)} {text} {limit}"

    check.__name__ = f"_{keyword}"
    return check


def _is_str(value: object) -> bool:
    return isinstance(value, str)


def _is_list(value: object) -> bool:
    return isinstance(value, list)


def _unique_items(
    checker: SchemaChecker, unique: Any, instance: Any, at: Location
) -> Iterator[SchemaProblem]:
    values = _list(instance)
    if unique and values is not None:
        keys = [canonical(item) for item in values]
        if len(set(keys)) != len(keys):
            yield at, "items must be unique"


def _pattern(
    checker: SchemaChecker, source: Any, instance: Any, at: Location
) -> Iterator[SchemaProblem]:
    if isinstance(instance, str) and checker.pattern(source).search(instance) is None:
        yield at, f"{shown(instance)} does not match the pattern of the schema"


def _multiple(
    checker: SchemaChecker, divisor: Any, instance: Any, at: Location
) -> Iterator[SchemaProblem]:
    if is_number(instance) and not _multiple_of(instance, divisor):
        yield at, f"{shown(instance)} is not a multiple of {divisor}"


def _format(
    checker: SchemaChecker, name: Any, instance: Any, at: Location
) -> Iterator[SchemaProblem]:
    if isinstance(instance, str) and not FORMAT_CHECKERS[name](instance):
        yield at, f"{shown(instance)} is not a valid {name}"


def _any_of(
    checker: SchemaChecker, schemas: Any, instance: Any, at: Location
) -> Iterator[SchemaProblem]:
    if not any(checker.is_valid(schema, instance) for schema in schemas):
        yield at, f"{shown(instance)} matches none of the anyOf schemas"


def _one_of(
    checker: SchemaChecker, schemas: Any, instance: Any, at: Location
) -> Iterator[SchemaProblem]:
    matches = sum(1 for schema in schemas if checker.is_valid(schema, instance))
    if matches != 1:
        yield at, f"{shown(instance)} matches {matches} of the oneOf schemas, not exactly one"


def _all_of(
    checker: SchemaChecker, schemas: Any, instance: Any, at: Location
) -> Iterator[SchemaProblem]:
    for schema in schemas:
        yield from checker.check(schema, instance, at)


_KEYWORDS: dict[str, _Checker] = {
    "type": _type,
    "enum": _enum,
    "const": _const,
    "properties": _properties,
    "required": _required,
    "items": _items,
    "minLength": _bound("minLength", _is_str, len, lambda n, m: n >= m, "is shorter than"),
    "maxLength": _bound("maxLength", _is_str, len, lambda n, m: n <= m, "is longer than"),
    "minItems": _bound("minItems", _is_list, len, lambda n, m: n >= m, "has fewer items than"),
    "maxItems": _bound("maxItems", _is_list, len, lambda n, m: n <= m, "has more items than"),
    "minimum": _bound("minimum", is_number, lambda v: v, lambda v, m: v >= m, "is less than"),
    "maximum": _bound("maximum", is_number, lambda v: v, lambda v, m: v <= m, "is greater than"),
    "exclusiveMinimum": _bound(
        "exclusiveMinimum", is_number, lambda v: v, lambda v, m: v > m, "is not greater than"
    ),
    "exclusiveMaximum": _bound(
        "exclusiveMaximum", is_number, lambda v: v, lambda v, m: v < m, "is not less than"
    ),
    "uniqueItems": _unique_items,
    "pattern": _pattern,
    "multipleOf": _multiple,
    "format": _format,
    "anyOf": _any_of,
    "oneOf": _one_of,
    "allOf": _all_of,
}
