"""The JSON Schema a generated model carries: what the runtime judges instances by.

It is the schema from jobs.yaml minus annotations (descriptions, titles,
comments, defaults, examples: they never change what is valid), with every
``pattern`` already translated to Python's ``re`` syntax (``ecma_regex``) and
the definitions it reaches through ``$ref`` attached, so each model's schema
stands on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .ecma_regex import PatternError, translate
from .load import as_list, as_mapping
from .schema_keywords import ANNOTATIONS, REF_PREFIX

_SCHEMA_MAPS = frozenset({"properties"})
_SCHEMA_VALUES = frozenset(
    {"additionalProperties", "additionalItems", "items", "not", "if", "then", "else"}
    | {"contains", "propertyNames"}
)
_SCHEMA_LISTS = frozenset({"anyOf", "oneOf", "allOf", "items"})


def _translated(pattern: object) -> object:
    try:
        return translate(pattern) if isinstance(pattern, str) else pattern
    except PatternError:
        return pattern  # refused by the keyword check; the spec does not generate


def _clean(node: Any, refs: set[str]) -> Any:
    schema = as_mapping(node)
    if schema is None:
        return node
    cleaned: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ANNOTATIONS:
            continue
        if key == "pattern":
            cleaned[key] = _translated(value)
        elif key in _SCHEMA_MAPS:
            cleaned[key] = {name: _clean(child, refs) for name, child in value.items()}
        elif key == "patternProperties":
            cleaned[key] = {
                str(_translated(source)): _clean(child, refs) for source, child in value.items()
            }
        elif key == "dependencies":
            cleaned[key] = {
                name: child if as_list(child) is not None else _clean(child, refs)
                for name, child in value.items()
            }
        elif key in _SCHEMA_LISTS and as_list(value) is not None:
            cleaned[key] = [_clean(child, refs) for child in value]
        elif key in _SCHEMA_VALUES:
            cleaned[key] = _clean(value, refs)
        else:
            if key == "$ref" and isinstance(value, str):
                refs.add(value[len(REF_PREFIX) :])
            cleaned[key] = value
    return cleaned


def contract_schema(node: Any, definitions: Mapping[str, Any]) -> dict[str, Any]:
    """The self-contained schema for ``node``, whose ``$ref`` targets are in ``definitions``."""
    refs: set[str] = set()
    schema = _clean(node, refs)
    mapping = as_mapping(schema)
    result: dict[str, Any] = dict(mapping) if mapping is not None else {"allOf": [schema]}
    reached: dict[str, Any] = {}
    pending = sorted(refs)
    while pending:
        name = pending.pop()
        if name in reached or name not in definitions:
            continue
        more: set[str] = set()
        reached[name] = _clean(definitions[name], more)
        pending.extend(sorted(more - set(reached)))
    if reached:
        result["definitions"] = dict(sorted(reached.items()))
    return result
