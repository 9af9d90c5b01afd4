"""A schema node as the rules compare it: ``$ref`` followed, null taken out.

Nullability is one question on its own (``NULLABLE``), whichever way a schema
spells it (``type: [x, "null"]``, ``anyOf: [x, {type: null}]``, ``null`` in an
enum), so the comparison looks at the rest of the schema without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..load import as_list, as_mapping
from ..revision import REF_PREFIX
from .schema_view import Node, is_null, union_key

_MAX_REF_HOPS = 64


def _without_null(schema: Mapping[str, Any]) -> dict[str, Any] | None:
    """``schema`` with null taken out of ``type`` and ``enum``, if both admit null and more.

    ``{type: [string, "null"], enum: [a, null]}`` is a nullable enum; with
    ``enum: [a]`` it does not accept null at all, whatever ``type`` says.
    """
    raw_type = schema.get("type")
    kinds = (
        as_list(raw_type) if as_list(raw_type) is not None else ([raw_type] if raw_type else None)
    )
    values = as_list(schema.get("enum"))
    if kinds is None and values is None:
        return None
    if (kinds is not None and "null" not in kinds) or (values is not None and None not in values):
        return None
    stripped = dict(schema)
    if kinds is not None:
        rest = [kind for kind in kinds if kind != "null"]
        if not rest:
            return None
        stripped["type"] = rest[0] if len(rest) == 1 else rest
    if values is not None:
        rest_values = [value for value in values if value is not None]
        if not rest_values:
            return None
        stripped["enum"] = rest_values
    return stripped


def _follow(node: Node, definitions: Mapping[str, Any]) -> tuple[Node, str | None]:
    """The node a ``$ref`` chain ends at, and the last definition name on the way."""
    name: str | None = None
    for _ in range(_MAX_REF_HOPS):
        ref = node.schema.get("$ref")
        if not isinstance(ref, str) or not ref.startswith(REF_PREFIX):
            break
        name = ref[len(REF_PREFIX) :]
        target = as_mapping(definitions.get(name))
        if target is None:
            break
        node = Node(target, ("definitions", name))
    return node, name


def _unwrap_null(node: Node) -> tuple[Node, bool]:
    """The schema without its null alternative, and whether it had one."""
    schema = node.schema
    stripped = _without_null(schema)
    if stripped is not None:
        return Node(stripped, node.path), True
    key = union_key(schema)
    members = as_list(schema.get(key))
    if members is not None and len(members) == 2 and sum(map(is_null, members)) == 1:
        index = 0 if is_null(members[1]) else 1
        inner = as_mapping(members[index]) or {}
        return Node(inner, (*node.path, key, index)), True
    return node, False


def resolved(node: Node, definitions: Mapping[str, Any]) -> tuple[Node, bool, str | None]:
    """The node to compare, whether null was one of its alternatives, and the definition
    it came from (the innermost one, if a reference points at a nullable reference)."""
    node, first_ref = _follow(node, definitions)
    node, nullable = _unwrap_null(node)
    node, inner_ref = _follow(node, definitions)
    return node, nullable, inner_ref or first_ref
