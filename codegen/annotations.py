"""Python type expressions for model fields and for the TypedDict (wire) form of payloads.

The dict form is what callers write by hand, so values that the models parse
from strings (UUIDs, datetimes, dates) accept both the object and its string.
"""

from __future__ import annotations

from . import escape
from .ir import (
    AnyType,
    ArrayType,
    JsonScalar,
    LiteralType,
    MapType,
    ModelType,
    ScalarType,
    TypeRef,
    UnionType,
)

_SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}
_FORMATS: dict[str, tuple[str, str, str]] = {
    # format -> (module, name, annotation)
    "date-time": ("datetime", "datetime", "datetime | str"),
    "date": ("datetime", "date", "date | str"),
    "uuid": ("uuid", "UUID", "UUID | str"),
}


def literal_value(value: JsonScalar) -> str:
    if isinstance(value, str):
        return escape.string_literal(value)
    if value is None or isinstance(value, bool | int):
        return repr(value)
    raise TypeError(f"not a Literal value: {value!r}")


def dict_annotation(type_: TypeRef, imports: set[tuple[str, str]]) -> str:
    """The annotation for ``type_``; records ``(module, name)`` imports it needs."""
    if isinstance(type_, ScalarType):
        if type_.kind == "string" and type_.format in _FORMATS:
            module, name, annotation = _FORMATS[type_.format]
            imports.add((module, name))
            return annotation
        return _SCALARS[type_.kind]
    if isinstance(type_, LiteralType):
        imports.add(("typing", "Literal"))
        values = [v for v in type_.values if v is not None]
        text = f"Literal[{', '.join(literal_value(v) for v in values)}]" if values else "None"
        return f"{text} | None" if values and len(values) != len(type_.values) else text
    if isinstance(type_, ArrayType):
        return f"list[{dict_annotation(type_.items, imports)}]"
    if isinstance(type_, MapType):
        if type_.values is None:
            imports.add(("typing", "Any"))
            return "dict[str, Any]"
        return f"dict[str, {dict_annotation(type_.values, imports)}]"
    if isinstance(type_, ModelType):
        return f"{type_.class_name}Dict"
    if isinstance(type_, UnionType):
        return _join([dict_annotation(member, imports) for member in type_.members])
    assert isinstance(type_, AnyType)
    imports.add(("typing", "Any"))
    return "Any"


_MODEL_FORMATS: dict[str, tuple[str, str]] = {
    # format -> (module, name); the name is also the annotation
    "date-time": ("jobcontracts.runtime.contract", "ContractDatetime"),
    "date": ("datetime", "date"),
    "uuid": ("jobcontracts.runtime.contract", "ContractUUID"),
}


def model_annotation(type_: TypeRef, imports: set[tuple[str, str]]) -> str:
    """The annotation of a model field of ``type_``; records the imports it needs."""
    if isinstance(type_, ScalarType):
        if type_.kind == "string" and type_.format in _MODEL_FORMATS:
            module, name = _MODEL_FORMATS[type_.format]
            imports.add((module, name))
            return name
        return _SCALARS[type_.kind]
    if isinstance(type_, ArrayType):
        return f"list[{model_annotation(type_.items, imports)}]"
    if isinstance(type_, MapType):
        if type_.values is None:
            imports.add(("typing", "Any"))
            return "dict[str, Any]"
        return f"dict[str, {model_annotation(type_.values, imports)}]"
    if isinstance(type_, UnionType):
        return _join([model_annotation(member, imports) for member in type_.members])
    if isinstance(type_, ModelType):
        return type_.class_name
    return dict_annotation(type_, imports)  # literals and Any are spelled the same


def _join(parts: list[str]) -> str:
    unique: list[str] = []
    for part in parts:
        if part not in unique:
            unique.append(part)
    if "None" in unique:
        unique.remove("None")
        unique.append("None")
    return " | ".join(unique)
