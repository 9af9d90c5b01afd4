"""The revision of a job's schema: a short hash that changes exactly when its wire shape does.

Each stored job records the revision its producer was generated from, so
``jobctl breaking --live`` can skip jobs written under the schema the working
tree still has. The hash covers the payload and result schemas with every
``$ref`` inlined (a change to a shared definition changes the revision of each
job that uses it) and without ``description``/``title``, which never reach
the wire.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from .load import as_list, as_mapping

REVISION_LENGTH = 12
REF_PREFIX = "#/definitions/"
_ANNOTATIONS = frozenset({"description", "title"})
_MAX_REF_DEPTH = 64
_SCHEMA_VALUED = frozenset({"items", "additionalProperties"})
_SCHEMA_LISTS = frozenset({"anyOf", "oneOf", "allOf"})


def inline_refs(node: object, definitions: Mapping[str, Any], depth: int = 0) -> object:
    """``node`` with each ``#/definitions/Name`` replaced by its definition, annotations dropped.

    Unresolvable or too deeply nested references are kept as they are: the
    spec validator reports those; this function only has to be deterministic.
    """
    schema = as_mapping(node)
    if schema is None:
        return node
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(REF_PREFIX) and depth < _MAX_REF_DEPTH:
        target = definitions.get(ref[len(REF_PREFIX) :])
        if target is not None:
            return inline_refs(target, definitions, depth + 1)
    inlined: dict[str, object] = {}
    for key, value in schema.items():
        if key in _ANNOTATIONS:
            continue
        if key in _SCHEMA_VALUED:
            inlined[key] = inline_refs(value, definitions, depth)
        elif key in _SCHEMA_LISTS:
            members = as_list(value)
            inlined[key] = (
                value if members is None else [inline_refs(m, definitions, depth) for m in members]
            )
        elif key == "properties":
            properties = as_mapping(value)
            inlined[key] = (
                value
                if properties is None
                else {name: inline_refs(p, definitions, depth) for name, p in properties.items()}
            )
        else:
            inlined[key] = value
    return inlined


def canonical_json(value: object) -> str:
    """One spelling per JSON value: sorted keys, no spaces, unicode kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def schema_revision(payload: object, result: object | None, definitions: Mapping[str, Any]) -> str:
    """The first ``REVISION_LENGTH`` hex digits of SHA-256 over the job's inlined schemas."""
    shape = {
        "payload": inline_refs(payload, definitions),
        "result": None if result is None else inline_refs(result, definitions),
    }
    digest = hashlib.sha256(canonical_json(shape).encode()).hexdigest()
    return digest[:REVISION_LENGTH]
