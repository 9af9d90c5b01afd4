"""What generated docstrings say about a schema: its own words, else where it is.

Only the words are chosen here; they reach the code through ``escape.docstring``
like any other user text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .load import Path


def schema_text(schema: Mapping[str, Any]) -> str:
    """What a schema says about itself: its ``description``, else its ``title``, else nothing."""
    for keyword in ("description", "title"):
        text = schema.get(keyword)
        if isinstance(text, str) and text.strip():
            return text
    return ""


def schema_location(path: Path) -> str:
    """Where in jobs.yaml the schema at ``path`` sits, as a noun phrase for a docstring.

    ``("domains", "shop", "jobs", "order", "payload", "properties", "lines", "items")``
    reads "the ``lines[]`` object in the payload of the ``order`` job". Names are
    quoted as code, so no article has to agree with a user's word ("a email").
    """
    if path[:1] == ("definitions",) and len(path) >= 2:
        owner, rest = f"the shared ``{path[1]}`` definition of jobs.yaml", path[2:]
    elif path[:1] == ("domains",) and len(path) >= 5:
        owner, rest = f"the {path[4]} of the ``{path[3]}`` job", path[5:]
    else:
        return "a schema of jobs.yaml"
    inner = _inner_location(rest)
    return f"the ``{inner}`` object in {owner}" if inner else owner


def _inner_location(rest: Path) -> str:
    """``properties/lines/items`` -> ``lines[]``; ``additionalProperties`` -> ``{}``."""
    text = ""
    index = 0
    while index < len(rest):
        part = rest[index]
        if part == "properties" and index + 1 < len(rest):
            text += ("." if text else "") + str(rest[index + 1])
            index += 2
            continue
        if part in ("anyOf", "oneOf") and index + 1 < len(rest):
            text += f" (option {int(rest[index + 1]) + 1})"
            index += 2
            continue
        text += {"items": "[]", "additionalProperties": "{}"}.get(str(part), "")
        index += 1
    return text.strip()


def sentence(phrase: str) -> str:
    """``the payload of ...`` -> ``The payload of ....``: a noun phrase as a docstring."""
    return phrase[:1].upper() + phrase[1:] + "."
