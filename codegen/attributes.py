"""How a JSON property name becomes the attribute of a generated model.

A property keeps its name whenever Python, pydantic and the type checkers
accept it unchanged: ``bytes``, ``type``, ``format``, ``id`` and ``list`` stay
as they are. A camelCase name is spelled the Python way (``userId`` ->
``user_id``), as every Python client of a JSON API does. Only a name that cannot
work is renamed, and the wire name then stays the pydantic alias, so the JSON
never changes. The
reasons are in ``rename_reason``; ``attribute_names`` applies them to the
properties of one model. Both are the only place this rule lives.
"""

from __future__ import annotations

import ast
import keyword
import re
import unicodedata
from collections.abc import Collection, Sequence

from .naming import AMBIGUOUS_NAMES

MAX_ATTRIBUTE_LENGTH = 40
"""Longer property names get a shortened attribute (nested class names derive from it)."""

MODEL_ATTRIBUTES = frozenset(
    {
        # pydantic.BaseModel (2.x), public API and deprecated v1 names
        "construct",
        "copy",
        "dict",
        "from_orm",
        "json",
        "model_computed_fields",
        "model_config",
        "model_construct",
        "model_copy",
        "model_dump",
        "model_dump_json",
        "model_extra",
        "model_fields",
        "model_fields_set",
        "model_json_schema",
        "model_parametrized_name",
        "model_post_init",
        "model_rebuild",
        "model_validate",
        "model_validate_json",
        "model_validate_strings",
        "parse_file",
        "parse_obj",
        "parse_raw",
        "schema",
        "schema_json",
        "update_forward_refs",
        "validate",
        # pydantic's model metaclass (an ABCMeta)
        "mro",
        "register",
        # jobcontracts.runtime.contract.ContractModel
        "contract_checker",
        "contract_problems",
        "wire_json",
    }
)
"""Every public attribute of a generated model's class: pydantic refuses ``model_config``
and the protected ``model_validate*``/``model_dump*`` members, warns about the rest,
and mypy reports the override."""

PROTECTED_PREFIXES = ("model_validate", "model_dump")
"""pydantic warns about any field in these namespaces, even one it does not shadow."""

CLASS_BODY_NAMES = frozenset({"ClassVar", "JsonSchema", "MISSING", "Annotated", "Field"})
"""Names every generated model body may use besides its field types (its schema line,
the ``MISSING`` default and the ``Field(alias=...)`` of a renamed property)."""


def annotation_names(annotation: str) -> frozenset[str]:
    """The bare names an annotation expression reads, e.g. ``{"list", "date"}`` for
    ``list[date] | None``; strings inside ``Literal[...]`` are values, not names."""
    tree = ast.parse(annotation, mode="eval")
    return frozenset(node.id for node in ast.walk(tree) if isinstance(node, ast.Name))


def rename_reason(name: str, class_body_names: Collection[str]) -> str | None:
    """Why property ``name`` cannot be a model attribute as it is, or ``None`` if it can.

    ``class_body_names`` are the names the model's class body reads (its
    annotations and ``CLASS_BODY_NAMES``): an attribute with one of them would
    shadow the type inside the class, which mypy rejects and which makes
    pydantic resolve ``date: date | MISSING = MISSING`` to the default.
    """
    if not (name.isascii() and name.isidentifier()):
        return "not an ASCII Python identifier"
    if keyword.iskeyword(name):
        return "a Python keyword"
    if name.startswith("_"):
        return "a leading underscore makes it private to pydantic"
    if name in MODEL_ATTRIBUTES:
        return "an attribute of every model"
    if name.startswith(PROTECTED_PREFIXES):
        return "in a namespace pydantic reserves"
    if name in class_body_names:
        return "a name the class body reads in its annotations"
    if name in AMBIGUOUS_NAMES:
        return "too easily read as 0 or 1"
    if len(name) > MAX_ATTRIBUTE_LENGTH:
        return f"longer than {MAX_ATTRIBUTE_LENGTH} characters"
    return None


def snake_spelling(wire_name: str) -> str:
    """A lower_snake ASCII identifier close to ``wire_name`` (``userId`` -> ``user_id``,
    ``caf\u00e9`` -> ``cafe``).

    The base of a renamed attribute, and of the class names of nested objects
    (``Order`` + ``lines`` -> ``OrderLines``), which must not depend on whether
    the attribute kept its name. Not guaranteed safe or unique on its own.
    """
    folded = unicodedata.normalize("NFKD", wire_name).encode("ascii", "ignore").decode()
    snake = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", folded)
    snake = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", snake).lower()
    candidate = re.sub(r"[^0-9a-z_]+", "_", snake).strip("_")
    candidate = re.sub(r"_{2,}", "_", candidate) or "field"
    if candidate[0].isdigit():
        candidate = f"field_{candidate}"
    return candidate[:MAX_ATTRIBUTE_LENGTH].rstrip("_") or "field"


def _renamed(wire_name: str, class_body_names: Collection[str]) -> str:
    candidate = snake_spelling(wire_name)
    if candidate.startswith(PROTECTED_PREFIXES):
        return f"field_{candidate}"
    if rename_reason(candidate, class_body_names) is None:
        return candidate
    return f"{candidate}_"


def preferred_attribute(wire_name: str) -> str:
    """The attribute ``wire_name`` asks for: itself, or its snake_case for camelCase.

    Lower-case names (``bytes``, ``user_id``, ``a1``) are kept letter for
    letter; only an identifier with capitals is re-spelled (``userId`` ->
    ``user_id``, ``HTTPStatus`` -> ``http_status``).
    """
    if wire_name.isascii() and wire_name.isidentifier() and wire_name != wire_name.lower():
        return snake_spelling(wire_name)
    return wire_name


def attribute_names(wire_names: Sequence[str], class_body_names: Collection[str]) -> list[str]:
    """The attribute of each property of one model, in order, all distinct.

    A lower-case name with no ``rename_reason`` is kept. A camelCase name with no
    ``rename_reason`` for its ``preferred_attribute`` becomes that. Any other becomes its
    ``snake_spelling``, with a trailing ``_`` if that is still unusable
    (``class`` -> ``class_``, ``json`` -> ``json_``, ``str`` -> ``str_``) or a
    ``field_`` prefix in pydantic's reserved namespaces (``model_dump`` ->
    ``field_model_dump``). Kept names win clashes; a renamed attribute that
    meets a name already taken gets ``_2``, ``_3``, ...
    """
    kept = {
        wire
        for wire in wire_names
        if preferred_attribute(wire) == wire and rename_reason(wire, class_body_names) is None
    }
    taken = set(kept)
    result: list[str] = []
    for wire in wire_names:
        if wire in kept:
            result.append(wire)
            continue
        base = _renamed(wire, class_body_names)
        chosen, counter = base, 2
        while chosen in taken:
            chosen = f"{base.rstrip('_')}_{counter}"
            counter += 1
        taken.add(chosen)
        result.append(chosen)
    return result
