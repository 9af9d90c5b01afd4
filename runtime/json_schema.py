"""JSON Schema draft 7, the keywords jobs.yaml accepts, judged on JSON values.

This is the one judge of payloads and results: pydantic models only give them
Python types afterwards. Instances are the values ``json.loads`` produces
(``dict``, ``list``, ``str``, ``int``, ``float``, ``bool``, ``None``), so there is
no coercion to reason about: ``"1"`` is a string, ``true`` is not ``1``, ``1.0``
is an integer, and a string's length is its number of code points.

``jobctl`` checks each schema before it gets here (known keywords, valid values,
``$ref`` only to ``#/definitions/...``, patterns already in Python's syntax), so
this module trusts the schema's shape.

Two judges share these rules: ``schema_judge`` compiles the schema into
predicates that only answer "valid?" (what every accepted payload costs), and
the walk below, the reference, explains a refusal problem by problem. A test
runs both on the whole draft-7 suite and on generated values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .formats import FORMAT_CHECKERS
from .json_values import (
    REF_PREFIX,
    as_list,
    as_object,
    canonical,
    is_number,
    is_type,
    multiple_of,
)
from .schema_judge import SchemaJudge

Location = tuple[str | int, ...]
SchemaProblem = tuple[Location, str]
_Checker = Callable[["SchemaChecker", Any, Any, Location, list[SchemaProblem]], None]
_Plan = list[tuple[_Checker, Any]]
_NOT_DECLARED = "is not a declared property, and the schema allows no others"
_MAX_SHOWN = 60


def shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


class SchemaChecker:
    """Checks instances against one schema whose ``$ref`` targets sit in its ``definitions``.

    ``judge`` answers valid-or-not at compiled speed; ``explain`` walks the
    schema for every problem. For the walk, each node is turned into a plan (its
    keywords' checks, in order) the first time it is used.
    """

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self._definitions: Mapping[str, Any] = schema.get("definitions", {})
        self._patterns: dict[str, re.Pattern[str]] = {}
        self._plans: dict[int, _Plan] = {}
        self.judge: Callable[[Any], bool] = SchemaJudge(schema).judge
        """True when ``instance`` is valid: fast, but says nothing about why not."""

    def problems(self, instance: Any) -> list[SchemaProblem]:
        """Every problem with ``instance``; the compiled judge answers first for valid ones."""
        if self.judge(instance):
            return []
        found: list[SchemaProblem] = []
        self.check(self.schema, instance, (), found)
        return found

    def explain(self, instance: Any) -> list[SchemaProblem]:
        """Every problem with ``instance``, found by walking the schema (the reference)."""
        found: list[SchemaProblem] = []
        self.check(self.schema, instance, (), found)
        return found

    def is_valid(self, schema: Any, instance: Any) -> bool:
        found: list[SchemaProblem] = []
        self.check(schema, instance, (), found)
        return not found

    def check(self, schema: Any, instance: Any, at: Location, out: list[SchemaProblem]) -> None:
        if schema is True:
            return
        if schema is False:
            out.append((at, "no value is allowed here"))
            return
        for checker, value in self._plan(schema):
            checker(self, value, instance, at, out)

    def _plan(self, schema: Mapping[str, Any]) -> _Plan:
        known = self._plans.get(id(schema))
        if known is not None:
            return known
        plan: _Plan = []
        if "$ref" in schema:
            # Draft 7: a $ref replaces its schema; jobctl refuses constraints beside it.
            plan.append((_ref, self._definitions[schema["$ref"][len(REF_PREFIX) :]]))
        else:
            plan.extend(
                (_KEYWORDS[keyword], value)
                for keyword, value in schema.items()
                if keyword in _KEYWORDS
            )
            if "additionalProperties" in schema or "additionalItems" in schema:
                plan.append((_additional, schema))
            if "if" in schema:
                plan.append((_conditional, schema))
        self._plans[id(schema)] = plan
        return plan

    def pattern(self, source: str) -> re.Pattern[str]:
        compiled = self._patterns.get(source)
        if compiled is None:
            compiled = self._patterns[source] = re.compile(source)
        return compiled


Out = list[SchemaProblem]


def _ref(checker: SchemaChecker, target: Any, instance: Any, at: Location, out: Out) -> None:
    checker.check(target, instance, at, out)


def _type(checker: SchemaChecker, kinds: Any, instance: Any, at: Location, out: Out) -> None:
    listed: Sequence[str] = [kinds] if isinstance(kinds, str) else kinds
    for kind in listed:
        if is_type(instance, kind):
            return
    out.append((at, f"{shown(instance)} is not of type {' or '.join(listed)}"))


def _enum(checker: SchemaChecker, values: Any, instance: Any, at: Location, out: Out) -> None:
    key = canonical(instance)
    if not any(canonical(value) == key for value in values):
        out.append((at, f"{shown(instance)} is not one of {shown(values)}"))


def _const(checker: SchemaChecker, value: Any, instance: Any, at: Location, out: Out) -> None:
    if canonical(value) != canonical(instance):
        out.append((at, f"{shown(instance)} is not {shown(value)}"))


def _properties(
    checker: SchemaChecker, properties: Any, instance: Any, at: Location, out: Out
) -> None:
    mapping = as_object(instance)
    if mapping is not None:
        for name, schema in properties.items():
            if name in mapping:
                checker.check(schema, mapping[name], (*at, name), out)


def _required(checker: SchemaChecker, names: Any, instance: Any, at: Location, out: Out) -> None:
    mapping = as_object(instance)
    if mapping is not None:
        out.extend(((*at, name), "is required") for name in names if name not in mapping)


def _additional(checker: SchemaChecker, schema: Any, instance: Any, at: Location, out: Out) -> None:
    """additionalProperties and additionalItems: they depend on their siblings."""
    extra = schema.get("additionalProperties", True)
    mapping = as_object(instance)
    if extra is not True and mapping is not None:
        declared = schema.get("properties", {})
        patterns = [checker.pattern(source) for source in schema.get("patternProperties", {})]
        for name, value in mapping.items():
            if name in declared or any(pattern.search(name) for pattern in patterns):
                continue
            if extra is False:
                out.append(
                    ((*at, name), "is not a declared property, and the schema allows no others")
                )
            else:
                checker.check(extra, value, (*at, name), out)
    extra = schema.get("additionalItems", True)
    items = as_list(schema.get("items"))
    values = as_list(instance)
    if extra is not True and items is not None and values is not None:
        for index, value in enumerate(values[len(items) :], start=len(items)):
            checker.check(extra, value, (*at, index), out)


def _items(checker: SchemaChecker, items: Any, instance: Any, at: Location, out: Out) -> None:
    values = as_list(instance)
    if values is None:
        return
    schemas = as_list(items)
    if schemas is not None:
        for index, (schema, item) in enumerate(zip(schemas, values, strict=False)):
            checker.check(schema, item, (*at, index), out)
    else:
        for index, item in enumerate(values):
            checker.check(items, item, (*at, index), out)


def _bound(
    applies: Callable[[Any], bool],
    size: Callable[[Any], Any],
    ok: Callable[[Any, Any], bool],
    text: str,
) -> _Checker:
    def check(checker: SchemaChecker, limit: Any, instance: Any, at: Location, out: Out) -> None:
        if applies(instance) and not ok(size(instance), limit):
            out.append((at, f"{shown(instance)} {text} {limit}"))

    return check


def _is_str(value: object) -> bool:
    return isinstance(value, str)


def _is_list(value: object) -> bool:
    return isinstance(value, list)


def _unique_items(
    checker: SchemaChecker, unique: Any, instance: Any, at: Location, out: Out
) -> None:
    values = as_list(instance)
    if unique and values is not None:
        keys = [canonical(item) for item in values]
        if len(set(keys)) != len(keys):
            out.append((at, "items must be unique"))


def _pattern(checker: SchemaChecker, source: Any, instance: Any, at: Location, out: Out) -> None:
    if isinstance(instance, str) and checker.pattern(source).search(instance) is None:
        out.append((at, f"{shown(instance)} does not match the pattern of the schema"))


def _multiple(checker: SchemaChecker, divisor: Any, instance: Any, at: Location, out: Out) -> None:
    if is_number(instance) and not multiple_of(instance, divisor):
        out.append((at, f"{shown(instance)} is not a multiple of {divisor}"))


def _format(checker: SchemaChecker, name: Any, instance: Any, at: Location, out: Out) -> None:
    if isinstance(instance, str) and not FORMAT_CHECKERS[name](instance):
        out.append((at, f"{shown(instance)} is not a valid {name}"))


def _any_of(checker: SchemaChecker, schemas: Any, instance: Any, at: Location, out: Out) -> None:
    if not any(checker.is_valid(schema, instance) for schema in schemas):
        out.append((at, f"{shown(instance)} matches none of the anyOf schemas"))


def _one_of(checker: SchemaChecker, schemas: Any, instance: Any, at: Location, out: Out) -> None:
    matches = sum(1 for schema in schemas if checker.is_valid(schema, instance))
    if matches != 1:
        out.append(
            (at, f"{shown(instance)} matches {matches} of the oneOf schemas, not exactly one")
        )


def _all_of(checker: SchemaChecker, schemas: Any, instance: Any, at: Location, out: Out) -> None:
    for schema in schemas:
        checker.check(schema, instance, at, out)


def _not(checker: SchemaChecker, schema: Any, instance: Any, at: Location, out: Out) -> None:
    if checker.is_valid(schema, instance):
        out.append((at, f"{shown(instance)} matches the schema under 'not'"))


def _conditional(
    checker: SchemaChecker, schema: Any, instance: Any, at: Location, out: Out
) -> None:
    branch = "then" if checker.is_valid(schema["if"], instance) else "else"
    if branch in schema:
        checker.check(schema[branch], instance, at, out)


def _property_names(
    checker: SchemaChecker, schema: Any, instance: Any, at: Location, out: Out
) -> None:
    mapping = as_object(instance)
    if mapping is not None:
        for name in mapping:
            found: list[SchemaProblem] = []
            checker.check(schema, name, (*at, name), found)
            if found:
                out.append(((*at, name), f"property name {shown(name)} is not allowed"))


def _contains(checker: SchemaChecker, schema: Any, instance: Any, at: Location, out: Out) -> None:
    values = as_list(instance)
    if values is not None and not any(checker.is_valid(schema, value) for value in values):
        out.append((at, "no item matches the 'contains' schema"))


def _dependencies(
    checker: SchemaChecker, dependencies: Any, instance: Any, at: Location, out: Out
) -> None:
    mapping = as_object(instance)
    if mapping is None:
        return
    for name, dependency in dependencies.items():
        if name not in mapping:
            continue
        names = as_list(dependency)
        if names is None:
            checker.check(dependency, instance, at, out)
            continue
        for needed in names:
            if needed not in mapping:
                out.append(((*at, needed), f"is required when {name!r} is present"))


def _pattern_properties(
    checker: SchemaChecker, patterns: Any, instance: Any, at: Location, out: Out
) -> None:
    mapping = as_object(instance)
    if mapping is None:
        return
    for source, schema in patterns.items():
        pattern = checker.pattern(source)
        for name, value in mapping.items():
            if pattern.search(name):
                checker.check(schema, value, (*at, name), out)


def _is_dict(value: object) -> bool:
    return isinstance(value, dict)


def _identity(value: Any) -> Any:
    return value


_KEYWORDS: dict[str, _Checker] = {
    "type": _type,
    "enum": _enum,
    "const": _const,
    "properties": _properties,
    "required": _required,
    "items": _items,
    "minLength": _bound(_is_str, len, lambda n, m: n >= m, "is shorter than"),
    "maxLength": _bound(_is_str, len, lambda n, m: n <= m, "is longer than"),
    "minItems": _bound(_is_list, len, lambda n, m: n >= m, "has fewer items than"),
    "maxItems": _bound(_is_list, len, lambda n, m: n <= m, "has more items than"),
    "minimum": _bound(is_number, _identity, lambda v, m: v >= m, "is less than"),
    "maximum": _bound(is_number, _identity, lambda v, m: v <= m, "is greater than"),
    "exclusiveMinimum": _bound(is_number, _identity, lambda v, m: v > m, "is not greater than"),
    "exclusiveMaximum": _bound(is_number, _identity, lambda v, m: v < m, "is not less than"),
    "uniqueItems": _unique_items,
    "pattern": _pattern,
    "multipleOf": _multiple,
    "format": _format,
    "anyOf": _any_of,
    "oneOf": _one_of,
    "allOf": _all_of,
    "not": _not,
    "propertyNames": _property_names,
    "contains": _contains,
    "dependencies": _dependencies,
    "patternProperties": _pattern_properties,
    "minProperties": _bound(_is_dict, len, lambda n, m: n >= m, "has fewer properties than"),
    "maxProperties": _bound(_is_dict, len, lambda n, m: n <= m, "has more properties than"),
}
