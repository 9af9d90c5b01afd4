"""Each job's payload schema as one self-contained JSON document, for generated ``schemas.py``.

Property-based tests draw payloads from the schema jobs.yaml declares, not from the
pydantic model derived from it, so the contract stays the source. A payload schema
may refer to shared ``definitions``; the ones it reaches (directly or through other
definitions) travel with it, so the document resolves on its own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

REF_PREFIX = "#/definitions/"


def standalone_schema(schema: Any, definitions: Mapping[str, Any]) -> str:
    """Canonical JSON (sorted keys) of ``schema`` plus the definitions it references."""
    needed: dict[str, Any] = {}

    def visit(node: object) -> None:
        if isinstance(node, Mapping):
            mapping = cast("Mapping[str, object]", node)
            ref = mapping.get("$ref")
            if isinstance(ref, str) and ref.startswith(REF_PREFIX):
                name = ref.removeprefix(REF_PREFIX)
                if name not in needed and name in definitions:
                    needed[name] = definitions[name]
                    visit(definitions[name])
            for value in mapping.values():
                visit(value)
        elif isinstance(node, list):
            for value in cast("list[object]", node):
                visit(value)

    visit(schema)
    document = dict(cast("Mapping[str, Any]", schema)) if isinstance(schema, Mapping) else {}
    if needed:
        document["definitions"] = dict(sorted(needed.items()))
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
