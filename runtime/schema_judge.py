"""JSON Schema draft 7 compiled once into plain predicates: the fast yes/no judge.

``json_schema.SchemaChecker`` walks a schema and explains every problem it
finds; that is what an error message needs, and it is the reference. Valid
values, the common case, only need a yes, so each schema node is compiled once
into a closure that answers ``valid?`` without building locations or messages,
and stops at the first failure. The checker asks this judge first and walks the
schema only when the answer is no, to say why; a test runs both on the whole
draft-7 suite and on generated values and requires the same verdicts.

Compiling a node narrows it by its ``type``: when a node admits one kind only,
the keywords of other kinds are dropped (an instance of that kind never reaches
them) and the keywords of that kind skip their own type test.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .json_values import REF_PREFIX, is_number, is_type
from .judge_keywords import BUILDERS, Judge, accept, all_of, refuse
from .judge_shapes import shape_judge

_DOMAINS: dict[str, str] = {
    **dict.fromkeys(("minLength", "maxLength", "pattern", "format"), "string"),
    **dict.fromkeys(
        ("items", "additionalItems", "minItems", "maxItems", "uniqueItems", "contains"), "array"
    ),
    **dict.fromkeys(
        (
            "properties",
            "required",
            "additionalProperties",
            "patternProperties",
            "propertyNames",
            "dependencies",
            "minProperties",
            "maxProperties",
        ),
        "object",
    ),
    **dict.fromkeys(
        ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"), "number"
    ),
}
"""The kind of instance each keyword is about; any other instance passes it."""

_GUARDS: dict[str, Judge] = {
    "string": lambda value: isinstance(value, str),
    "array": lambda value: isinstance(value, list),
    "object": lambda value: isinstance(value, dict),
    "number": is_number,
}
_DOMAIN_OF_KIND = {
    "string": "string",
    "array": "array",
    "object": "object",
    "integer": "number",
    "number": "number",
}
"""The keyword domain an instance of a type kind belongs to (null and boolean: none)."""


class SchemaJudge:
    """Compiles one schema (whose ``$ref`` targets sit in its ``definitions``) to a predicate."""

    def __init__(self, schema: Mapping[str, Any] | bool) -> None:
        self._definitions: Mapping[str, Any] = (
            schema.get("definitions", {}) if isinstance(schema, Mapping) else {}
        )
        self._compiled: dict[int, Judge] = {}
        self._patterns: dict[str, re.Pattern[str]] = {}
        self._keep: list[object] = []  # keeps every compiled node alive, so ids stay unique
        self.judge = self.compile(schema)

    def compile(self, schema: Any) -> Judge:
        if schema is True:
            return accept
        if schema is False:
            return refuse
        known = self._compiled.get(id(schema))
        if known is not None:
            return known
        # A node may refer back to itself through $ref: callers reach it through this cell.
        cell: list[Judge] = []
        self._compiled[id(schema)] = lambda value: cell[0](value)
        self._keep.append(schema)
        judge = self._compile_node(schema)
        cell.append(judge)
        self._compiled[id(schema)] = judge
        return judge

    def _compile_node(self, schema: Mapping[str, Any]) -> Judge:
        if "$ref" in schema:
            # Draft 7: a $ref replaces its schema; jobctl refuses constraints beside it.
            return self.compile(self._definitions[schema["$ref"][len(REF_PREFIX) :]])
        kinds = schema.get("type")
        listed: list[str] = [] if kinds is None else [kinds] if isinstance(kinds, str) else kinds
        if len(listed) == 1:
            fused = shape_judge(self, schema, listed[0], _type_judge(listed))
            if fused is not None:
                return fused
        domain = _DOMAIN_OF_KIND.get(listed[0]) if len(listed) == 1 else None
        judges: list[Judge] = [_type_judge(listed)] if listed else []
        homes = {_DOMAIN_OF_KIND.get(kind) for kind in listed}
        by_domain: dict[str, list[Judge]] = {}
        for keyword in schema:
            made = self._keyword(keyword, schema)
            home = _DOMAINS.get(keyword)
            if made is None:
                continue
            if home is None:
                judges.append(made)
            elif not listed or home in homes:  # otherwise no instance of the type reaches it
                by_domain.setdefault(home, []).append(made)
        for home, found in by_domain.items():
            inner = all_of(found)
            if home == domain:
                judges.append(inner)  # the type judge has already made sure of the kind
            else:
                judges.append(_guarded(_GUARDS[home], inner))
        return all_of(judges)

    def pattern(self, source: str) -> re.Pattern[str]:
        compiled = self._patterns.get(source)
        if compiled is None:
            compiled = self._patterns[source] = re.compile(source)
        return compiled

    def _keyword(self, keyword: str, schema: Mapping[str, Any]) -> Judge | None:
        builder = BUILDERS.get(keyword)
        return None if builder is None else builder(self, schema[keyword], schema)


def _type_judge(kinds: list[str]) -> Judge:
    if len(kinds) == 1:
        kind = kinds[0]
        exact: type | None = {"string": str, "boolean": bool, "array": list, "object": dict}.get(
            kind
        )
        if exact is not None:
            return lambda value: type(value) is exact
        if kind == "null":
            return lambda value: value is None
        if kind == "number":
            return is_number
        if kind == "integer":
            return _is_integer
    frozen = tuple(kinds)
    return lambda value: any(is_type(value, kind) for kind in frozen)


def _is_integer(value: Any) -> bool:
    kind: type = type(value)  # pyright: ignore[reportUnknownVariableType]
    if kind is int:
        return True
    if kind is bool:
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _guarded(guard: Judge, inner: Judge) -> Judge:
    """``inner`` for the instances ``guard`` admits; every other instance passes."""
    return lambda value: not guard(value) or inner(value)
