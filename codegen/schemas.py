"""Check payload/result JSON Schemas against the supported subset and normalise them.

The subset is what datamodel-code-generator turns into plain pydantic fields
without inventing class names of its own: every object with properties is
hoisted here into a named model, and constraints are only accepted where they
become ``Field(...)`` arguments of a property.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from . import naming
from .errors import Problem
from .ir import (
    AnyType,
    ArrayType,
    FieldDef,
    JsonScalar,
    LiteralType,
    MapType,
    ModelDef,
    ModelType,
    ScalarType,
    TypeRef,
    UnionType,
)
from .load import LocatedDocument, Path, as_list, as_mapping, format_path

TYPES = ("string", "integer", "number", "boolean", "null", "array", "object")
FORMATS = frozenset(
    {"date-time", "date", "time", "duration", "uuid", "email", "uri", "ipv4", "ipv6", "hostname"}
)
STRING_CONSTRAINTS = ("minLength", "maxLength", "pattern")
NUMBER_CONSTRAINTS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
ARRAY_CONSTRAINTS = ("minItems", "maxItems", "uniqueItems")
CONSTRAINTS = STRING_CONSTRAINTS + NUMBER_CONSTRAINTS + ARRAY_CONSTRAINTS
ANNOTATIONS = ("description", "title", "default")
COMBINATORS = ("$ref", "enum", "const", "anyOf", "oneOf", "allOf")
SUPPORTED = frozenset(
    {"type", "properties", "required", "items", "format", "additionalProperties"}
    | set(CONSTRAINTS)
    | set(ANNOTATIONS)
    | set(COMBINATORS)
)
REF_PREFIX = "#/definitions/"
MAX_CLASS_NAME = 72


def did_you_mean(word: str, choices: Iterable[object]) -> str:
    """`` (did you mean 'x'?)`` when a close match exists, else nothing."""
    options = sorted(str(choice) for choice in choices)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def is_object_schema(node: object) -> bool:
    """Whether a schema becomes a class: it declares properties or merges objects."""
    schema = as_mapping(node)
    if schema is None:
        return False
    if "properties" in schema:
        return True
    all_of = as_list(schema.get("allOf"))
    return all_of is not None and len(all_of) > 1


def _scalar_matches(value: object, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "null":
        return value is None
    return False


def _same_literal(left: object, right: object) -> bool:
    return type(left) is type(right) and left == right


def default_fits(value: object, type_: TypeRef) -> bool:
    """Whether ``value`` is a valid default for ``type_`` (scalars, enums, arrays of them)."""
    if isinstance(type_, AnyType):
        return True
    if isinstance(type_, ScalarType):
        return _scalar_matches(value, type_.kind)
    if isinstance(type_, LiteralType):
        return any(_same_literal(value, option) for option in type_.values)
    if isinstance(type_, UnionType):
        return any(default_fits(value, member) for member in type_.members)
    if isinstance(type_, ArrayType):
        items = as_list(value)
        return items is not None and all(default_fits(item, type_.items) for item in items)
    return False


@dataclass
class DomainSchemas:
    """Normalises the schemas of one domain; definitions become classes of that domain."""

    document: LocatedDocument
    definitions: Mapping[str, Any]
    reserved: Mapping[str, str]
    """Class names taken by something else (fixed names of the module), with why."""
    problems: list[Problem] = field(default_factory=list[Problem])
    models: dict[str, ModelDef] = field(default_factory=dict[str, ModelDef])
    owners: dict[str, Path] = field(default_factory=dict[str, Path])
    resolving: list[str] = field(default_factory=list[str])

    def _problem(self, path: Path, message: str, *, key: bool = False) -> None:
        self.problems.append(self.document.problem(path, message, key=key))

    # -- entry points --------------------------------------------------------

    def top_level_model(
        self, node: object, path: Path, class_name: str, what: str, fallback_doc: str = ""
    ) -> str | None:
        """Normalise a payload/result schema, which must be an object; returns its class."""
        schema = as_mapping(node)
        if schema is not None and "$ref" in schema:
            target = self._definition_target(schema["$ref"], (*path, "$ref"))
            if target is None:
                return None
            name, _ = target
            node = self.definitions[name]
            path = ("definitions", name)
            schema = as_mapping(node)
        if (
            schema is not None
            and schema.get("type") == "object"
            and "properties" not in schema
            and "additionalProperties" not in schema
        ):
            node = {**schema, "properties": {}}
        if not is_object_schema(node):
            self._problem(
                path, f"the {what} must be an object schema with properties (type: object)"
            )
            return None
        result = self.normalize(node, path, class_name, constraints_ok=False, is_property=False)
        if isinstance(result, ModelType) and result.class_name == class_name:
            model = self.models.get(class_name)
            if model is not None and not model.description and fallback_doc:
                self.models[class_name] = replace(model, description=fallback_doc)
            return class_name
        self._problem(path, f"the {what} must be an object schema with properties (type: object)")
        return None

    # -- schema nodes --------------------------------------------------------

    def normalize(
        self, node: object, path: Path, hint: str, *, constraints_ok: bool, is_property: bool
    ) -> TypeRef:
        schema = as_mapping(node)
        if schema is None:
            self._problem(path, "a schema must be a mapping of JSON Schema keywords")
            return AnyType()
        # Problems are recorded but normalisation goes on, so nested schemas get checked too.
        self._keywords_ok(schema, path, constraints_ok=constraints_ok, is_property=is_property)
        kinds = [keyword for keyword in COMBINATORS if keyword in schema]
        if "$ref" in kinds:
            return self._ref(schema, path, hint, constraints_ok=constraints_ok)
        if "enum" in kinds or "const" in kinds:
            return self._literal(schema, path)
        if "anyOf" in kinds or "oneOf" in kinds:
            keyword = "anyOf" if "anyOf" in kinds else "oneOf"
            return self._union(
                schema[keyword], (*path, keyword), hint, constraints_ok=constraints_ok
            )
        if "allOf" in kinds:
            return self._all_of(schema, path, hint, constraints_ok=constraints_ok)
        if "properties" in schema:
            return self._object(schema, path, hint)
        if "type" not in schema:
            return AnyType()
        return self._typed(schema, path, hint)

    def _keywords_ok(
        self, schema: Mapping[str, Any], path: Path, *, constraints_ok: bool, is_property: bool
    ) -> bool:
        ok = True
        for key in schema:
            if key not in SUPPORTED:
                self._problem(
                    (*path, key),
                    f"unknown JSON Schema keyword {key!r}{did_you_mean(key, SUPPORTED)}",
                    key=True,
                )
                ok = False
        for key in ("description", "title"):
            if key in schema and not isinstance(schema[key], str):
                self._problem((*path, key), f"{key!r} must be a string")
                ok = False
        if "default" in schema and not is_property:
            self._problem(
                (*path, "default"), "'default' is only supported directly on a property", key=True
            )
            ok = False
        kinds = [keyword for keyword in COMBINATORS if keyword in schema]
        if len(kinds) > 1:
            self._problem(path, f"use only one of {', '.join(kinds)} in a schema")
            ok = False
        structural = [
            k
            for k in schema
            if k in ("type", "properties", "items", "format", "additionalProperties", "required")
            or k in CONSTRAINTS
        ]
        if kinds and kinds[0] in ("enum", "const"):
            extra = [k for k in structural if k != "type"]
            if extra:
                self._problem(
                    (*path, extra[0]),
                    f"{extra[0]!r} cannot be combined with {kinds[0]!r}",
                    key=True,
                )
                ok = False
        elif kinds and structural and not (kinds[0] == "allOf" and structural == ["type"]):
            self._problem(
                (*path, structural[0]),
                f"{structural[0]!r} cannot be combined with {kinds[0]!r}; put it inside",
                key=True,
            )
            ok = False
        if not constraints_ok:
            for key in schema:
                if key in CONSTRAINTS:
                    self._problem(
                        (*path, key),
                        f"constraint {key!r} is only supported on a property's own schema, "
                        "not inside items, anyOf/oneOf members or additionalProperties",
                        key=True,
                    )
                    ok = False
        return ok

    def _definition_target(self, ref: object, path: Path) -> tuple[str, Any] | None:
        if not isinstance(ref, str) or not ref.startswith(REF_PREFIX):
            self._problem(path, f"$ref must look like '{REF_PREFIX}Name', got {ref!r}")
            return None
        name = ref[len(REF_PREFIX) :]
        if name not in self.definitions:
            hint = did_you_mean(name, self.definitions)
            self._problem(path, f"unresolved $ref {ref!r}: no definition {name!r}{hint}")
            return None
        if name in self.resolving:
            cycle = " -> ".join([*self.resolving[self.resolving.index(name) :], name])
            self._problem(path, f"recursive $ref is not supported ({cycle})")
            return None
        return name, self.definitions[name]

    def _ref(
        self, schema: Mapping[str, Any], path: Path, hint: str, *, constraints_ok: bool
    ) -> TypeRef:
        target = self._definition_target(schema["$ref"], (*path, "$ref"))
        if target is None:
            return AnyType()
        name, definition = target
        definition_path: Path = ("definitions", name)
        self.resolving.append(name)
        try:
            if is_object_schema(definition):
                if name not in self.models:
                    self.normalize(
                        definition, definition_path, name, constraints_ok=False, is_property=False
                    )
                return ModelType(name)
            return self.normalize(
                definition, definition_path, hint, constraints_ok=constraints_ok, is_property=False
            )
        finally:
            self.resolving.pop()

    def _literal(self, schema: Mapping[str, Any], path: Path) -> TypeRef:
        if "const" in schema:
            raw_values: list[Any] = [schema["const"]]
            values_path: Path = (*path, "const")
        else:
            enum = as_list(schema["enum"])
            values_path = (*path, "enum")
            if not enum:
                self._problem(values_path, "'enum' must be a non-empty list")
                return AnyType()
            raw_values = enum
        values: list[JsonScalar] = []
        declared = self._declared_types(schema, path)
        for index, value in enumerate(raw_values):
            where = (*values_path, index) if "enum" in schema else values_path
            if isinstance(value, float) or not isinstance(value, str | int | bool | None):
                self._problem(
                    where, "enum and const values must be strings, integers, booleans or null"
                )
                continue
            if any(_same_literal(value, seen) for seen in values):
                self._problem(where, f"duplicate enum value {value!r}")
                continue
            if declared and not any(_scalar_matches(value, kind) for kind in declared):
                self._problem(
                    where, f"enum value {value!r} does not match type {'/'.join(declared)}"
                )
                continue
            values.append(value)
        return LiteralType(tuple(values)) if values else AnyType()

    def _declared_types(self, schema: Mapping[str, Any], path: Path) -> list[str]:
        if "type" not in schema:
            return []
        raw = schema["type"]
        listed = as_list(raw)
        types = listed if listed is not None else [raw]
        result: list[str] = []
        for index, kind in enumerate(types):
            where = (*path, "type", index) if listed is not None else (*path, "type")
            if not isinstance(kind, str) or kind not in TYPES:
                self._problem(where, f"unknown type {kind!r}{did_you_mean(str(kind), TYPES)}")
            elif kind in result:
                self._problem(where, f"type {kind!r} is listed twice")
            else:
                result.append(kind)
        if listed == []:
            self._problem((*path, "type"), "'type' must not be an empty list")
        return result

    def _union(self, members: object, path: Path, hint: str, *, constraints_ok: bool) -> TypeRef:
        items = as_list(members)
        if not items:
            self._problem(path, "must be a non-empty list of schemas")
            return AnyType()
        is_null = [_is_null_schema(m) for m in items]
        if len(items) == 2 and sum(is_null) == 1:
            index = is_null.index(False)
            inner = self.normalize(
                items[index], (*path, index), hint, constraints_ok=constraints_ok, is_property=False
            )
            return _nullable(inner)
        if len(items) == 1:
            return self.normalize(
                items[0], (*path, 0), hint, constraints_ok=constraints_ok, is_property=False
            )
        result: list[TypeRef] = []
        for index, member in enumerate(items):
            normalized = self.normalize(
                member,
                (*path, index),
                f"{hint}Option{index + 1}",
                constraints_ok=False,
                is_property=False,
            )
            result.extend(normalized.members if isinstance(normalized, UnionType) else [normalized])
        return UnionType(tuple(result))

    def _all_of(
        self, schema: Mapping[str, Any], path: Path, hint: str, *, constraints_ok: bool
    ) -> TypeRef:
        members = schema["allOf"]
        all_of_path: Path = (*path, "allOf")
        items = as_list(members)
        if not items:
            self._problem(all_of_path, "must be a non-empty list of schemas")
            return AnyType()
        if len(items) == 1:
            return self.normalize(
                items[0], (*all_of_path, 0), hint, constraints_ok=constraints_ok, is_property=False
            )
        properties: dict[str, tuple[Any, Path]] = {}
        required: list[str] = []
        closed = False
        for index, member in enumerate(items):
            member_path: Path = (*all_of_path, index)
            resolved = as_mapping(member)
            if resolved is not None and "$ref" in resolved:
                target = self._definition_target(resolved["$ref"], (*member_path, "$ref"))
                if target is None:
                    continue
                resolved = as_mapping(target[1])
                member_path = ("definitions", target[0])
            if resolved is None or as_mapping(resolved.get("properties")) is None:
                self._problem(
                    member_path,
                    "allOf with several members only combines object schemas with properties",
                )
                continue
            obj = resolved
            self._keywords_ok(obj, member_path, constraints_ok=False, is_property=False)
            for name, value in obj["properties"].items():
                if name in properties:
                    self._problem(
                        (*member_path, "properties", name),
                        f"property {name!r} is declared twice in allOf",
                        key=True,
                    )
                    continue
                properties[name] = (value, (*member_path, "properties", name))
            required.extend(
                r for r in obj.get("required", []) if isinstance(r, str) and r not in required
            )
            closed = closed or obj.get("additionalProperties") is False
        description = schema.get("description", "")
        return self._model(hint, description, properties, required, False if closed else None, path)

    def _object(self, schema: Mapping[str, Any], path: Path, hint: str) -> TypeRef:
        declared = self._declared_types(schema, path)
        if declared and declared != ["object"]:
            self._problem(
                (*path, "type"),
                "'properties' needs type: object (nullable objects: use anyOf with null)",
            )
            return AnyType()
        for key in ("items", "format"):
            if key in schema:
                self._problem((*path, key), f"{key!r} does not apply to objects", key=True)
        raw_properties = schema["properties"]
        property_map = as_mapping(raw_properties)
        if property_map is None:
            self._problem(
                (*path, "properties"), "'properties' must be a mapping of property name to schema"
            )
            return AnyType()
        properties: dict[str, tuple[Any, Path]] = {
            name: (value, (*path, "properties", name)) for name, value in property_map.items()
        }
        required = self._required(schema, path, properties)
        additional = schema.get("additionalProperties")
        if additional is not None and not isinstance(additional, bool):
            self._problem(
                (*path, "additionalProperties"),
                "with 'properties', additionalProperties must be true or false",
            )
            additional = None
        return self._model(
            hint, schema.get("description", ""), properties, required, additional, path
        )

    def _required(
        self, schema: Mapping[str, Any], path: Path, properties: Mapping[str, object]
    ) -> list[str]:
        raw = as_list(schema.get("required", []))
        if raw is None:
            self._problem((*path, "required"), "'required' must be a list of property names")
            return []
        required: list[str] = []
        for index, name in enumerate(raw):
            where = (*path, "required", index)
            if not isinstance(name, str):
                self._problem(where, "'required' entries must be strings")
            elif name not in properties:
                self._problem(
                    where,
                    f"required property {name!r} is not in properties"
                    + did_you_mean(name, properties),
                )
            elif name in required:
                self._problem(where, f"{name!r} is listed twice in required")
            else:
                required.append(name)
        return required

    def _model(
        self,
        class_name: str,
        description: object,
        properties: Mapping[str, tuple[Any, Path]],
        required: list[str],
        additional: bool | None,
        path: Path,
    ) -> TypeRef:
        if not self._claim(class_name, path):
            return ModelType(class_name)
        wires = list(properties)
        names = naming.unique_field_names(wires)
        fields: list[FieldDef] = []
        for wire, python_name in zip(wires, names, strict=True):
            node, property_path = properties[wire]
            type_ = self.normalize(
                node,
                property_path,
                class_name + naming.pascal_case(python_name),
                constraints_ok=True,
                is_property=True,
            )
            property_schema = as_mapping(node) or {}
            field_description = property_schema.get("description", "")
            has_default = "default" in property_schema
            default = property_schema.get("default")
            if has_default and not default_fits(default, type_):
                self._problem(
                    (*property_path, "default"),
                    f"default {default!r} does not fit the property's type "
                    "(defaults may be scalars, enum values or lists of them)",
                )
                has_default = False
            fields.append(
                FieldDef(
                    wire_name=wire,
                    field_name=python_name,
                    type=type_,
                    required=wire in required,
                    description=field_description if isinstance(field_description, str) else "",
                    has_default=has_default,
                    default=default,
                )
            )
        self.models[class_name] = ModelDef(
            class_name=class_name,
            description=description if isinstance(description, str) else "",
            fields=tuple(fields),
            additional_properties=additional,
        )
        return ModelType(class_name)

    def _claim(self, class_name: str, path: Path) -> bool:
        """Reserve a class name; two schemas wanting the same class is a spec error."""
        if len(class_name) > MAX_CLASS_NAME:
            self._problem(
                path,
                f"generated class name {class_name!r} is longer than {MAX_CLASS_NAME} characters; "
                "shorten property names or move the object into a definition",
            )
            return False
        clash = self.reserved.get(class_name)
        if clash is None and class_name in self.owners:
            clash = f"the class generated for {format_path(self.owners[class_name])}"
        if clash is not None:
            self._problem(path, f"generated class name {class_name!r} collides with {clash}")
            return False
        self.owners[class_name] = path
        return True

    def _typed(self, schema: Mapping[str, Any], path: Path, hint: str) -> TypeRef:
        declared = self._declared_types(schema, path)
        if not declared:
            return AnyType()
        nullable = "null" in declared
        base = [kind for kind in declared if kind != "null"]
        if not base:
            return ScalarType("null")
        if len(base) > 1:
            extras = [
                k
                for k in schema
                if k in CONSTRAINTS or k in ("format", "items", "additionalProperties")
            ]
            if extras:
                self._problem(
                    (*path, extras[0]),
                    f"{extras[0]!r} needs a single type (besides null)",
                    key=True,
                )
            members: list[TypeRef] = [self._simple(kind) for kind in base]
            if nullable:
                members.append(ScalarType("null"))
            return UnionType(tuple(members))
        kind = base[0]
        self._check_applicable(schema, path, kind)
        if kind == "array":
            items = schema.get("items")
            item_type: TypeRef = (
                AnyType()
                if items is None
                else self.normalize(
                    items, (*path, "items"), f"{hint}Item", constraints_ok=False, is_property=False
                )
            )
            result: TypeRef = ArrayType(
                item_type, self._constraints(schema, path, ARRAY_CONSTRAINTS)
            )
        elif kind == "object":
            additional = schema.get("additionalProperties")
            if "required" in schema:
                self._problem((*path, "required"), "'required' needs 'properties'", key=True)
            if additional is False:
                self._problem(
                    (*path, "additionalProperties"),
                    "an object without properties cannot forbid additional properties",
                )
            value_type = (
                None
                if additional is None or additional is True
                else self.normalize(
                    additional,
                    (*path, "additionalProperties"),
                    f"{hint}Value",
                    constraints_ok=False,
                    is_property=False,
                )
            )
            result = MapType(value_type)
        else:
            constraint_names = STRING_CONSTRAINTS if kind == "string" else NUMBER_CONSTRAINTS
            fmt = schema.get("format")
            if fmt is not None and (not isinstance(fmt, str) or fmt not in FORMATS):
                self._problem(
                    (*path, "format"),
                    f"unsupported format {fmt!r}{did_you_mean(str(fmt), FORMATS)}",
                )
                fmt = None
            result = ScalarType(kind, fmt, self._constraints(schema, path, constraint_names))
        return _nullable(result) if nullable else result

    @staticmethod
    def _simple(kind: str) -> TypeRef:
        if kind == "array":
            return ArrayType(AnyType())
        if kind == "object":
            return MapType(None)
        return ScalarType(kind)

    def _check_applicable(self, schema: Mapping[str, Any], path: Path, kind: str) -> None:
        applicable: dict[str, tuple[str, ...]] = {
            "string": (*STRING_CONSTRAINTS, "format"),
            "integer": NUMBER_CONSTRAINTS,
            "number": NUMBER_CONSTRAINTS,
            "array": (*ARRAY_CONSTRAINTS, "items"),
            "object": ("additionalProperties", "required"),
            "boolean": (),
        }
        allowed = applicable[kind]
        for key in schema:
            if (
                key in CONSTRAINTS or key in ("format", "items", "additionalProperties", "required")
            ) and key not in allowed:
                self._problem((*path, key), f"{key!r} does not apply to type {kind!r}", key=True)

    def _constraints(
        self, schema: Mapping[str, Any], path: Path, names: tuple[str, ...]
    ) -> tuple[tuple[str, JsonScalar], ...]:
        found: list[tuple[str, JsonScalar]] = []
        for name in names:
            if name not in schema:
                continue
            value = schema[name]
            where = (*path, name)
            if name in ("minLength", "maxLength", "minItems", "maxItems"):
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    self._problem(where, f"{name!r} must be a non-negative integer")
                    continue
            elif name == "uniqueItems":
                if not isinstance(value, bool):
                    self._problem(where, "'uniqueItems' must be true or false")
                    continue
            elif name == "pattern":
                if not isinstance(value, str):
                    self._problem(where, "'pattern' must be a string")
                    continue
                try:
                    re.compile(value)
                except re.error as error:
                    self._problem(where, f"'pattern' is not a valid regular expression: {error}")
                    continue
            elif not isinstance(value, int | float) or isinstance(value, bool):
                self._problem(where, f"{name!r} must be a number")
                continue
            found.append((name, value))
        bounds = dict(found)
        for low, high in (
            ("minLength", "maxLength"),
            ("minItems", "maxItems"),
            ("minimum", "maximum"),
        ):
            low_value, high_value = bounds.get(low), bounds.get(high)
            if (
                isinstance(low_value, int | float)
                and isinstance(high_value, int | float)
                and low_value > high_value
            ):
                self._problem((*path, low), f"{low!r} is greater than {high!r}")
        return tuple(found)


def _is_null_schema(node: object) -> bool:
    schema = as_mapping(node)
    return (
        schema is not None
        and schema.get("type") == "null"
        and set(schema) <= {"type", "description"}
    )


def _nullable(inner: TypeRef) -> TypeRef:
    if isinstance(inner, AnyType) or (isinstance(inner, ScalarType) and inner.kind == "null"):
        return inner
    if isinstance(inner, LiteralType):
        if any(value is None for value in inner.values):
            return inner
        return LiteralType((*inner.values, None))
    members = inner.members if isinstance(inner, UnionType) else (inner,)
    if any(isinstance(m, ScalarType) and m.kind == "null" for m in members):
        return inner
    return UnionType((*members, ScalarType("null")))
