"""Keyword rules: which JSON Schema keywords jobs.yaml may use, and with what values.

Every keyword listed here is enforced exactly at run time (by
``jobcontracts.runtime.json_schema``); any other keyword is refused, never
ignored. The check walks every subschema once, independently of how the
schema is later typed in Python, so one run reports every problem.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from types import UnionType
from typing import Any

from .ecma_regex import PatternError, translate
from .load import Path, as_list, as_mapping

TYPES = ("string", "integer", "number", "boolean", "null", "array", "object")
FORMATS = frozenset(
    {"date-time", "date", "time", "duration", "uuid", "email", "uri", "ipv4", "ipv6", "hostname"}
)
"""Mirrors ``runtime.formats.FORMAT_CHECKERS`` (a test keeps the two equal)."""
ANNOTATIONS = frozenset({"description", "title", "default", "$comment", "examples"})
SIZE_KEYWORDS = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")
NUMBER_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
APPLIES_TO: dict[str, tuple[str, ...]] = {
    "minLength": ("string",),
    "maxLength": ("string",),
    "pattern": ("string",),
    "format": ("string",),
    "minimum": ("integer", "number"),
    "maximum": ("integer", "number"),
    "exclusiveMinimum": ("integer", "number"),
    "exclusiveMaximum": ("integer", "number"),
    "multipleOf": ("integer", "number"),
    "items": ("array",),
    "additionalItems": ("array",),
    "minItems": ("array",),
    "maxItems": ("array",),
    "uniqueItems": ("array",),
    "properties": ("object",),
    "required": ("object",),
    "additionalProperties": ("object",),
    "patternProperties": ("object",),
    "propertyNames": ("object",),
    "dependencies": ("object",),
    "minProperties": ("object",),
    "maxProperties": ("object",),
    "contains": ("array",),
}
"""Keywords that only constrain instances of these types."""
VALIDATION = frozenset(APPLIES_TO) | {
    "type",
    "enum",
    "const",
    "anyOf",
    "oneOf",
    "allOf",
    "not",
    "if",
    "then",
    "else",
    "$ref",
}
SUPPORTED = VALIDATION | ANNOTATIONS
UNSUPPORTED_WHY: dict[str, str] = {
    "definitions": "definitions belong at the top level of jobs.yaml, not inside a schema",
    "$id": "'$id' is not supported: $ref points into the top-level definitions",
    "$schema": "'$schema' is not supported: jobs.yaml schemas are JSON Schema draft 7",
    "contentMediaType": "'contentMediaType' is not supported",
    "contentEncoding": "'contentEncoding' is not supported",
    "readOnly": "'readOnly' is not supported",
    "writeOnly": "'writeOnly' is not supported",
}
REF_PREFIX = "#/definitions/"
_SUBSCHEMAS = ("not", "if", "then", "else", "contains", "propertyNames")
"""Keywords whose value is one schema."""

Report = Callable[[Path, str, bool], None]
"""``report(path, message, key)``: ``key`` anchors the message at the key, not its value."""


def did_you_mean(word: str, choices: Iterable[object]) -> str:
    """`` (did you mean 'x'?)`` when a close match exists, else nothing."""
    options = sorted(str(choice) for choice in choices)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def declared_types(schema: Mapping[str, Any]) -> list[str]:
    """The valid names listed under ``type`` (problems with them are reported by the check)."""
    raw = schema.get("type")
    listed = as_list(raw)
    names = listed if listed is not None else ([] if raw is None else [raw])
    return [name for name in names if isinstance(name, str) and name in TYPES]


class KeywordCheck:
    """Walks a schema and every subschema in it, reporting each keyword problem."""

    def __init__(self, definitions: Mapping[str, Any], report: Report) -> None:
        self.definitions = definitions
        self.report = report

    def schema(self, node: object, path: Path) -> None:
        if isinstance(node, bool):
            return
        schema = as_mapping(node)
        if schema is None:
            self.report(path, "a schema must be a mapping of JSON Schema keywords", False)
            return
        for key, value in schema.items():
            where: Path = (*path, key)
            if key not in SUPPORTED:
                why = UNSUPPORTED_WHY.get(key)
                message = (
                    why or f"unknown JSON Schema keyword {key!r}{did_you_mean(key, SUPPORTED)}"
                )
                self.report(where, message, True)
            else:
                self._value(key, value, where)
        self._combination(schema, path)

    def _value(self, key: str, value: Any, where: Path) -> None:
        check = _VALUE_CHECKS.get(key)
        if check is not None:
            message = check(value)
            if message:
                self.report(where, message, False)
        if key in ("properties",):
            for name, child in (as_mapping(value) or {}).items():
                self.schema(child, (*where, name))
        elif key in ("additionalProperties", "additionalItems", *_SUBSCHEMAS):
            self.schema(value, where)
        elif key == "patternProperties":
            for source, child in (as_mapping(value) or {}).items():
                message = _pattern(source)
                if message:
                    self.report((*where, source), message, True)
                self.schema(child, (*where, source))
        elif key == "dependencies":
            for name, child in (as_mapping(value) or {}).items():
                if as_list(child) is None:
                    self.schema(child, (*where, name))
        elif key == "items":
            members = as_list(value)
            if members is None:
                self.schema(value, where)
            else:
                for index, child in enumerate(members):
                    self.schema(child, (*where, index))
        elif key in ("anyOf", "oneOf", "allOf"):
            for index, child in enumerate(as_list(value) or []):
                self.schema(child, (*where, index))
        elif key == "$ref":
            self._ref(value, where)

    def _ref(self, ref: object, where: Path) -> None:
        if not isinstance(ref, str) or not ref.startswith(REF_PREFIX):
            self.report(where, f"$ref must look like '{REF_PREFIX}Name', got {ref!r}", False)
            return
        name = ref[len(REF_PREFIX) :]
        if name not in self.definitions:
            hint = did_you_mean(name, self.definitions)
            self.report(where, f"unresolved $ref {ref!r}: no definition {name!r}{hint}", False)

    def _combination(self, schema: Mapping[str, Any], path: Path) -> None:
        if "$ref" in schema:
            beside = [key for key in schema if key in VALIDATION and key != "$ref"]
            if beside:
                self.report(
                    (*path, beside[0]),
                    f"{beside[0]!r} beside '$ref' would be ignored (draft 7 ignores every "
                    "keyword next to $ref); put both in an allOf",
                    True,
                )
            return
        for branch in ("then", "else"):
            if branch in schema and "if" not in schema:
                self.report(
                    (*path, branch), f"{branch!r} without 'if' would be ignored; add 'if'", True
                )
        types = declared_types(schema)
        if types:
            for key in schema:
                applies = APPLIES_TO.get(key)
                if applies is not None and not set(applies) & set(types):
                    self.report(
                        (*path, key), f"{key!r} does not apply to type {'/'.join(types)}", True
                    )
        low_high = (("minLength", "maxLength"), ("minItems", "maxItems"), ("minimum", "maximum"))
        for low, high in low_high:
            low_value, high_value = schema.get(low), schema.get(high)
            if (
                isinstance(low_value, int | float)
                and isinstance(high_value, int | float)
                and low_value > high_value
            ):
                self.report((*path, low), f"{low!r} is greater than {high!r}", False)
        required = as_list(schema.get("required")) or []
        properties = as_mapping(schema.get("properties"))
        for index, name in enumerate(required):
            if properties is not None and isinstance(name, str) and name not in properties:
                self.report(
                    (*path, "required", index),
                    f"required property {name!r} is not in properties"
                    + did_you_mean(name, properties),
                    False,
                )


def _type_value(value: Any) -> str | None:
    listed = as_list(value)
    names = listed if listed is not None else [value]
    if listed == []:
        return "'type' must not be an empty list"
    for name in names:
        if not isinstance(name, str) or name not in TYPES:
            return f"unknown type {name!r}{did_you_mean(str(name), TYPES)}"
    if len(set(names)) != len(names):
        return "a type is listed twice"
    return None


def _size(value: Any) -> str | None:
    integral = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if not is_number(value) or not integral or value < 0:
        return "must be a non-negative integer"
    return None


def _number(value: Any) -> str | None:
    return None if is_number(value) else "must be a number"


def _multiple_of(value: Any) -> str | None:
    return None if is_number(value) and value > 0 else "'multipleOf' must be a number above 0"


def _pattern(value: Any) -> str | None:
    if not isinstance(value, str):
        return "'pattern' must be a string"
    try:
        translate(value)
    except PatternError as error:
        return f"unsupported pattern: {error}"
    return None


def _format(value: Any) -> str | None:
    if isinstance(value, str) and value in FORMATS:
        return None
    return f"unsupported format {value!r}{did_you_mean(str(value), FORMATS)}"


def _required(value: Any) -> str | None:
    names = as_list(value)
    if names is None or not all(isinstance(name, str) for name in names):
        return "'required' must be a list of property names"
    if len(set(names)) != len(names):
        return "a property is listed twice in 'required'"
    return None


def _schema_list(value: Any) -> str | None:
    return None if as_list(value) else "must be a non-empty list of schemas"


def _dependencies(value: Any) -> str | None:
    mapping = as_mapping(value)
    if mapping is None:
        return "'dependencies' must map property names to a list of names or a schema"
    for child in mapping.values():
        names = as_list(child)
        if names is not None and not all(isinstance(name, str) for name in names):
            return "a dependency list must hold property names"
    return None


def _kind_check(kind: type | UnionType, message: str) -> Callable[[Any], str | None]:
    return lambda value: None if isinstance(value, kind) else message


_VALUE_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "type": _type_value,
    "enum": lambda value: None if as_list(value) else "'enum' must be a non-empty list",
    "properties": _kind_check(dict, "'properties' must be a mapping of property name to schema"),
    "required": _required,
    "additionalProperties": _kind_check(bool | dict, "must be true, false or a schema"),
    "additionalItems": _kind_check(bool | dict, "must be true, false or a schema"),
    "items": _kind_check(bool | dict | list, "must be a schema or a list of schemas"),
    "uniqueItems": _kind_check(bool, "'uniqueItems' must be true or false"),
    "pattern": _pattern,
    "format": _format,
    "multipleOf": _multiple_of,
    "anyOf": _schema_list,
    "oneOf": _schema_list,
    "allOf": _schema_list,
    "description": _kind_check(str, "must be a string"),
    "title": _kind_check(str, "must be a string"),
    "$comment": _kind_check(str, "must be a string"),
    "examples": _kind_check(list, "'examples' must be a list"),
    "patternProperties": _kind_check(dict, "must map patterns to schemas"),
    "dependencies": _dependencies,
    **dict.fromkeys(SIZE_KEYWORDS, _size),
    **dict.fromkeys(NUMBER_KEYWORDS[:4], _number),
}
