"""Type normalisation helpers: JSON Schema facts to the Python types of the IR.

The Python type of a schema only has to admit every valid instance (the
runtime's JSON Schema check does the judging), so these rules lean wide: a
schema whose instances cannot be described by one Python type becomes ``Any``
rather than a type that would turn valid data away.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .ir import AnyType, ArrayType, JsonScalar, LiteralType, ScalarType, TypeRef, UnionType
from .load import as_list

ERGONOMIC_FORMATS = frozenset({"date-time", "date", "uuid"})
"""Formats whose property takes a Python object (``datetime``, ``date``, ``UUID``)."""


def scalar_matches(value: object, kind: str) -> bool:
    """Whether a JSON value is of a JSON Schema type (``1.0`` is an integer)."""
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "null":
        return value is None
    if kind == "array":
        return isinstance(value, list)
    return isinstance(value, dict)


def _same_literal(left: object, right: object) -> bool:
    return type(left) is type(right) and left == right


def literal_type(schema: Mapping[str, Any], types: list[str]) -> TypeRef | None:
    """``Literal[...]`` for an enum/const of strings, integers, booleans and null, else None."""
    raw: list[Any] = [schema["const"]] if "const" in schema else list(as_list(schema["enum"]) or [])
    values: list[JsonScalar] = []
    for value in raw:
        if types and not any(scalar_matches(value, kind) for kind in types):
            continue  # never valid: the type rules it out
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, str | int | bool | None):
            return None
        if not any(_same_literal(value, seen) for seen in values):
            values.append(value)
    return LiteralType(tuple(values)) if values else None


def default_fits(value: object, type_: TypeRef) -> bool:
    """Whether ``value`` is a valid default for ``type_`` (scalars, enums, arrays of them)."""
    if isinstance(type_, AnyType):
        return True
    if isinstance(type_, ScalarType):
        return scalar_matches(value, type_.kind)
    if isinstance(type_, LiteralType):
        return any(_same_literal(value, option) for option in type_.values)
    if isinstance(type_, UnionType):
        return any(default_fits(value, member) for member in type_.members)
    if isinstance(type_, ArrayType):
        items = as_list(value)
        return items is not None and all(default_fits(item, type_.items) for item in items)
    return False


def is_nullable(type_: TypeRef) -> bool:
    if isinstance(type_, AnyType):
        return True
    if isinstance(type_, ScalarType):
        return type_.kind == "null"
    if isinstance(type_, LiteralType):
        return None in type_.values
    if isinstance(type_, UnionType):
        return any(is_nullable(member) for member in type_.members)
    return False


def nullable(inner: TypeRef) -> TypeRef:
    if is_nullable(inner):
        return inner
    if isinstance(inner, LiteralType):
        return LiteralType((*inner.values, None))
    members = inner.members if isinstance(inner, UnionType) else (inner,)
    return UnionType((*members, ScalarType("null")))


def union(members: list[TypeRef]) -> TypeRef:
    flat: list[TypeRef] = []
    for member in members:
        if isinstance(member, AnyType):
            return AnyType()
        for part in member.members if isinstance(member, UnionType) else (member,):
            if part not in flat:
                flat.append(part)
    return flat[0] if len(flat) == 1 else UnionType(tuple(flat))
