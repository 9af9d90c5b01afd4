"""Payload and result schemas to models: which schemas become classes, with which fields.

Three concerns, three modules: ``schema_keywords`` decides what jobs.yaml may
say (and reports everything else), ``schema_types`` turns JSON Schema types
into Python ones, ``class_names`` hands out class names. This module walks a
schema once with them: every object schema with properties becomes a named
model carrying its own JSON Schema, which the runtime enforces exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from . import naming
from .annotations import model_annotation
from .attributes import CLASS_BODY_NAMES, annotation_names, attribute_names, snake_spelling
from .class_names import ClassNames
from .contract_schema import contract_schema
from .doc_text import schema_location, schema_text
from .errors import Problem
from .ir import AnyType, ArrayType, FieldDef, MapType, ModelDef, ModelType, ScalarType, TypeRef
from .load import LocatedDocument, Path, as_list, as_mapping
from .schema_keywords import REF_PREFIX, KeywordCheck, declared_types
from .schema_types import ERGONOMIC_FORMATS, default_fits, literal_type, nullable, union

_MERGEABLE = frozenset({"type", "properties", "required", "additionalProperties"})

__all__ = ["DomainSchemas"]


@dataclass
class DomainSchemas:
    """Turns the schemas of one domain into models; definitions become classes of that domain."""

    document: LocatedDocument
    definitions: Mapping[str, Any]
    reserved: Mapping[str, str]
    """Class names taken by something else (fixed names of the module), with why."""
    problems: list[Problem] = field(default_factory=list[Problem])
    models: dict[str, ModelDef] = field(default_factory=dict[str, ModelDef])
    resolving: list[str] = field(default_factory=list[str])
    names: ClassNames = field(init=False)

    def __post_init__(self) -> None:
        self.names = ClassNames(self.reserved)

    @property
    def owners(self) -> dict[str, Path]:
        return self.names.owners

    def _problem(self, path: Path, message: str, *, key: bool = False) -> None:
        self.problems.append(self.document.problem(path, message, key=key))

    def _report(self, path: Path, message: str, key: bool = False) -> None:
        self._problem(path, message, key=key)

    def check_keywords(self, node: object, path: Path) -> None:
        KeywordCheck(self.definitions, self._report).schema(node, path)

    # -- entry points --------------------------------------------------------

    def top_level_model(self, node: object, path: Path, class_name: str, what: str) -> str | None:
        """Check and type a payload/result schema, which must be an object; returns its class."""
        self.check_keywords(node, path)
        schema = as_mapping(node)
        if schema is not None and isinstance(schema.get("$ref"), str):
            name = schema["$ref"][len(REF_PREFIX) :]
            if name in self.definitions:
                node, path, class_name = self.definitions[name], ("definitions", name), name
                schema = as_mapping(node)
        if schema is None or declared_types(schema) != ["object"]:
            self._problem(path, f"the {what} must be an object schema: add type: object")
            return None
        if self.names.owners.get(class_name) == path:
            return class_name if class_name in self.models else None  # a shared definition
        self._object_class(schema, path, class_name)
        return class_name if class_name in self.models else None

    def definition(self, name: str) -> None:
        """Check and type one definition on its own, so unused ones are checked too."""
        path: Path = ("definitions", name)
        self.check_keywords(self.definitions[name], path)
        self.resolving.append(name)
        self.normalize(self.definitions[name], path, name, is_property=False)
        self.resolving.pop()

    # -- schema nodes --------------------------------------------------------

    def normalize(self, node: object, path: Path, hint: str, *, is_property: bool) -> TypeRef:
        """The Python type of a schema: admits every valid instance, keyword problems aside."""
        schema = as_mapping(node)
        if schema is None:
            return AnyType()
        if "default" in schema and not is_property:
            self._problem(
                (*path, "default"), "'default' is only supported directly on a property", key=True
            )
        if "$ref" in schema:
            return self._ref(schema["$ref"], (*path, "$ref"), hint)
        types = declared_types(schema)
        if "enum" in schema or "const" in schema:
            literal = literal_type(schema, types)
            if literal is not None:
                return literal
        if "allOf" in schema and "properties" not in schema and types in ([], ["object"]):
            merged = self._all_of(schema, path, hint)
            if merged is not None:
                return merged
        if types:
            return self._typed(schema, types, path, hint)
        for keyword in ("anyOf", "oneOf"):
            if keyword in schema:
                return self._union(schema[keyword], (*path, keyword), hint)
        return AnyType()

    def _ref(self, ref: object, path: Path, hint: str) -> TypeRef:
        if not isinstance(ref, str) or ref[len(REF_PREFIX) :] not in self.definitions:
            return AnyType()  # reported by the keyword check
        name = ref[len(REF_PREFIX) :]
        if name in self.resolving:
            cycle = " -> ".join([*self.resolving[self.resolving.index(name) :], name])
            self._problem(path, f"recursive $ref is not supported ({cycle})")
            return AnyType()
        definition = self.definitions[name]
        is_class = declared_types(as_mapping(definition) or {}) == ["object"] and "properties" in (
            as_mapping(definition) or {}
        )
        self.resolving.append(name)
        try:
            if is_class:
                if self.names.owners.get(name) != ("definitions", name):
                    self._object_class(definition, ("definitions", name), name)
                return ModelType(name)
            return self.normalize(definition, ("definitions", name), hint, is_property=False)
        finally:
            self.resolving.pop()

    def _union(self, members: object, path: Path, hint: str) -> TypeRef:
        items = as_list(members) or []
        is_null = [declared_types(as_mapping(m) or {}) == ["null"] for m in items]
        if len(items) == 2 and sum(is_null) == 1:
            index = is_null.index(False)
            inner = self.normalize(items[index], (*path, index), hint, is_property=False)
            return nullable(inner)
        return union(
            [
                self.normalize(
                    member, (*path, index), f"{hint}Option{index + 1}", is_property=False
                )
                for index, member in enumerate(items)
            ]
        )

    def _resolved(self, node: object) -> tuple[Mapping[str, Any] | None, Path | None]:
        schema = as_mapping(node)
        if schema is not None and isinstance(schema.get("$ref"), str):
            name = schema["$ref"][len(REF_PREFIX) :]
            if name in self.definitions:
                return as_mapping(self.definitions[name]), ("definitions", name)
        return schema, None

    def _all_of(self, schema: Mapping[str, Any], path: Path, hint: str) -> TypeRef | None:
        """allOf of object schemas: one class with every member's properties."""
        members = as_list(schema["allOf"]) or []
        resolved = [self._resolved(member) for member in members]
        mergeable = all(
            member is not None
            and set(member) - {"description", "title", "$comment"} <= _MERGEABLE
            and declared_types(member) in ([], ["object"])
            for member, _ in resolved
        )
        typed_object = declared_types(schema) == ["object"] or any(
            member is not None and declared_types(member) == ["object"] for member, _ in resolved
        )
        if not (mergeable and typed_object):
            first = next((m for m, _ in resolved if m is not None and declared_types(m)), None)
            return None if first is None else self.normalize(first, path, hint, is_property=False)
        properties: dict[str, tuple[Any, Path]] = {}
        required: list[str] = []
        for index, (member, where) in enumerate(resolved):
            assert member is not None
            member_path = where or (*path, "allOf", index)
            for name, value in (as_mapping(member.get("properties")) or {}).items():
                if name in properties:
                    self._problem(
                        (*member_path, "properties", name),
                        f"property {name!r} is declared twice in allOf",
                        key=True,
                    )
                    continue
                properties[name] = (value, (*member_path, "properties", name))
            required.extend(r for r in member.get("required", []) if r not in required)
        return self._model(hint, schema, properties, required, path)

    def _typed(self, schema: Mapping[str, Any], types: list[str], path: Path, hint: str) -> TypeRef:
        base = [kind for kind in types if kind != "null"]
        members = [self._one_type(schema, kind, path, hint) for kind in base]
        result = union(members) if members else ScalarType("null")
        return nullable(result) if "null" in types else result

    def _one_type(self, schema: Mapping[str, Any], kind: str, path: Path, hint: str) -> TypeRef:
        if kind == "array":
            items = schema.get("items")
            if items is None or as_list(items) is not None:
                return ArrayType(AnyType())
            return ArrayType(
                self.normalize(items, (*path, "items"), f"{hint}Item", is_property=False)
            )
        if kind == "object":
            if "properties" in schema:
                return self._object_class(schema, path, hint)
            extra = schema.get("additionalProperties")
            if as_mapping(extra) is None or "patternProperties" in schema:
                return MapType(None)  # pattern-matched values follow their own schemas
            values = self.normalize(
                extra, (*path, "additionalProperties"), f"{hint}Value", is_property=False
            )
            return MapType(values)
        fmt = schema.get("format") if kind == "string" else None
        return ScalarType(kind, fmt if fmt in ERGONOMIC_FORMATS else None)

    def _object_class(self, schema: Mapping[str, Any], path: Path, hint: str) -> TypeRef:
        property_map = as_mapping(schema.get("properties")) or {}
        properties = {
            name: (value, (*path, "properties", name)) for name, value in property_map.items()
        }
        required = [r for r in as_list(schema.get("required")) or [] if isinstance(r, str)]
        return self._model(hint, schema, properties, required, path)

    def _model(
        self,
        class_name: str,
        schema: Mapping[str, Any],
        properties: Mapping[str, tuple[Any, Path]],
        required: list[str],
        path: Path,
    ) -> TypeRef:
        if not self.names.claim(class_name, path, self._report):
            return ModelType(class_name)
        fields = [
            self._field(class_name, wire, properties[wire], wire in required) for wire in properties
        ]
        self.models[class_name] = ModelDef(
            class_name=class_name,
            description=schema_text(schema),
            location=schema_location(path),
            fields=_with_attribute_names(fields),
            contract_schema=contract_schema(schema, self.definitions),
        )
        return ModelType(class_name)

    def _field(
        self, class_name: str, wire: str, where: tuple[Any, Path], required: bool
    ) -> FieldDef:
        """The field of property ``wire``; its attribute name is settled per model afterwards."""
        node, property_path = where
        nested_hint = class_name + naming.pascal_case(snake_spelling(wire))
        type_ = self.normalize(node, property_path, nested_hint, is_property=True)
        property_schema = as_mapping(node) or {}
        has_default = "default" in property_schema
        default = property_schema.get("default")
        if has_default and not default_fits(default, type_):
            self._problem(
                (*property_path, "default"),
                f"default {default!r} does not fit the property's type "
                "(defaults may be scalars, enum values or lists of them)",
            )
            has_default = False
        return FieldDef(
            wire_name=wire,
            field_name=wire,
            type=type_,
            required=required,
            description=schema_text(property_schema),
            has_default=has_default,
            default=default,
        )


def _with_attribute_names(fields: list[FieldDef]) -> tuple[FieldDef, ...]:
    """The fields with their Python attributes, decided once for the whole model.

    The names a class body reads are those of its annotations: a property
    may keep the name ``date`` unless some field of the same model is a date.
    """
    body_names = set(CLASS_BODY_NAMES)
    for field_def in fields:
        body_names |= annotation_names(model_annotation(field_def.type, set()))
    names = attribute_names([f.wire_name for f in fields], body_names)
    return tuple(replace(f, field_name=name) for f, name in zip(fields, names, strict=True))
