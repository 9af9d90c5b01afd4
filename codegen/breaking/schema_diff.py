"""Compare two JSON Schemas of the same role keyword by keyword, as a list of rule hits.

Both schemas come from validated contracts, so they use the supported subset
(``codegen/schemas.py``). ``$ref`` is followed on both sides; a node is located
in the *new* document, so a change inside a shared definition points at the
definition. Nullability is compared on its own, whichever way it is spelled
(``type: [x, "null"]``, ``anyOf: [x, {type: null}]``, ``null`` in an enum): see
``resolved_node``.

Content models: an object without ``additionalProperties: false`` is open. Its
readers ignore unknown properties, and the generated producers write only the
properties they declare, so adding an optional property to an open object, or
removing one, breaks nobody; against a closed object it does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..load import as_list, as_mapping
from ..revision import canonical_json, inline_refs
from .resolved_node import resolved
from .schema_view import (
    BOUND_FAMILY,
    LOWER_BOUNDS,
    UPPER_BOUNDS,
    Change,
    Node,
    covers,
    default_text,
    enum_values,
    is_closed,
    is_object,
    kind_of,
    show,
    types_of,
    union_key,
    value_matches,
)

COMPARED_KEYWORDS = frozenset(
    {"type", "properties", "required", "items", "format", "additionalProperties", "pattern"}
    | {"uniqueItems", "enum", "const", "anyOf", "oneOf", "allOf", "$ref", "default"}
    | {"description", "title", "examples", "deprecated", "readOnly", "writeOnly", "$comment"}
    | set(LOWER_BOUNDS)
    | set(UPPER_BOUNDS)
)
"""Keywords the rules compare one by one (or that never reach the wire)."""


@dataclass
class SchemaDiff:
    """Collects the changes between an old and a new schema tree, both with their definitions."""

    old_definitions: Mapping[str, Any]
    new_definitions: Mapping[str, Any]
    changes: list[Change] = field(default_factory=list[Change])

    def _hit(self, rule: str, where: str, node: Node, detail: str) -> None:
        self.changes.append(Change(rule, where, node.path, detail))

    # -- the comparison -----------------------------------------------------

    def compare(self, old: Node, new: Node, where: str) -> None:
        site = new  # where the schema is used: a $ref's own node, not its definition
        old, old_nullable, old_ref = resolved(old, self.old_definitions)
        new, new_nullable, new_ref = resolved(new, self.new_definitions)
        if (is_object(old.schema) or is_object(new.schema)) and old_ref != new_ref:
            self._hit(
                "REF_TARGET_CHANGED",
                where,
                site,
                f"generated class {old_ref or '(inline)'} -> {new_ref or '(inline)'}",
            )
        if old_nullable and not new_nullable:
            self._hit("NULLABLE_REMOVED", where, site, "null is no longer accepted")
        elif new_nullable and not old_nullable:
            self._hit("NULLABLE_ADDED", where, site, "null is now accepted")
        old_kind, new_kind = kind_of(old.schema), kind_of(new.schema)
        self._unmodelled(old, new, where)
        if old_kind != new_kind:
            self._kind_changed(old, new, old_kind, new_kind, where)
        elif old_kind == "enum":
            self._enums(old, new, where)
        elif old_kind == "union":
            self._unions(old, new, where)
        elif old_kind == "all":
            self._all_of(old, new, where)
        elif old_kind == "typed":
            self._typed(old, new, where)

    def _unmodelled(self, old: Node, new: Node, where: str) -> None:
        """Keywords no finer rule compares (``not``, ``if``, ``patternProperties``...): any change
        is reported as SCHEMA_CHANGED, never ignored."""
        for key in sorted(set(old.schema) | set(new.schema)):
            if key in COMPARED_KEYWORDS:
                continue
            before = canonical_json(inline_refs(old.schema.get(key), self.old_definitions))
            after = canonical_json(inline_refs(new.schema.get(key), self.new_definitions))
            if before != after:
                self._hit("SCHEMA_CHANGED", where, new, f"{key} changed (compared as a whole)")

    def _kind_changed(self, old: Node, new: Node, old_kind: str, new_kind: str, where: str) -> None:
        if old_kind == "any":
            self._hit("TYPE_NARROWED", where, new, "accepted any value, now a schema applies")
        elif new_kind == "any":
            self._hit("TYPE_WIDENED", where, new, "now accepts any value")
        elif old_kind == "typed" and new_kind == "enum":
            values = enum_values(new.schema)
            old_types = types_of(old.schema)
            if all(any(value_matches(v, kind) for kind in old_types) for v in values):
                self._hit("ENUM_NARROWED", where, new, f"now restricted to {show(values)}")
            else:
                self._hit(
                    "TYPE_CHANGED",
                    where,
                    new,
                    f"{show(sorted(old_types))} -> enum {show(values)}",
                )
        elif old_kind == "enum" and new_kind == "typed":
            values = enum_values(old.schema)
            new_types = types_of(new.schema)
            if all(any(value_matches(v, kind) for kind in new_types) for v in values):
                self._hit("ENUM_EXTENDED", where, new, f"no longer restricted to {show(values)}")
            else:
                self._hit(
                    "TYPE_CHANGED",
                    where,
                    new,
                    f"enum {show(values)} -> {show(sorted(new_types))}",
                )
        else:
            self._hit("SCHEMA_CHANGED", where, new, f"{old_kind} schema -> {new_kind} schema")

    def _enums(self, old: Node, new: Node, where: str) -> None:
        old_values = {canonical_json(v): v for v in enum_values(old.schema)}
        new_values = {canonical_json(v): v for v in enum_values(new.schema)}
        removed = [old_values[key] for key in old_values if key not in new_values]
        added = [new_values[key] for key in new_values if key not in old_values]
        if removed:
            self._hit("ENUM_NARROWED", where, new, f"values removed: {show(removed)}")
        if added:
            self._hit("ENUM_EXTENDED", where, new, f"values added: {show(added)}")

    def _unions(self, old: Node, new: Node, where: str) -> None:
        old_key, new_key = union_key(old.schema), union_key(new.schema)
        old_members = [as_mapping(m) or {} for m in as_list(old.schema[old_key]) or []]
        new_members = [as_mapping(m) or {} for m in as_list(new.schema[new_key]) or []]
        if len(old_members) == len(new_members):
            for index, (o, n) in enumerate(zip(old_members, new_members, strict=True)):
                self.compare(
                    Node(o, (*old.path, old_key, index)),
                    Node(n, (*new.path, new_key, index)),
                    f"{where}.{new_key}[{index}]",
                )
            return
        old_shapes = {canonical_json(inline_refs(m, self.old_definitions)) for m in old_members}
        new_shapes = {canonical_json(inline_refs(m, self.new_definitions)) for m in new_members}
        for index, member in enumerate(old_members):
            if canonical_json(inline_refs(member, self.old_definitions)) not in new_shapes:
                self._hit(
                    "ANY_OF_MEMBER_REMOVED",
                    where,
                    new,
                    f"member {index} of the old {old_key} is gone",
                )
        for index, member in enumerate(new_members):
            if canonical_json(inline_refs(member, self.new_definitions)) not in old_shapes:
                self._hit(
                    "ANY_OF_MEMBER_ADDED",
                    where,
                    Node(member, (*new.path, new_key, index)),
                    f"new member {index}",
                )

    def _all_of(self, old: Node, new: Node, where: str) -> None:
        old_parts = as_list(old.schema["allOf"]) or []
        new_parts = as_list(new.schema["allOf"]) or []
        if len(old_parts) != len(new_parts):
            self._hit(
                "SCHEMA_CHANGED",
                where,
                new,
                f"allOf of {len(old_parts)} -> {len(new_parts)} schemas",
            )
            return
        for index, (o, n) in enumerate(zip(old_parts, new_parts, strict=True)):
            self.compare(
                Node(as_mapping(o) or {}, (*old.path, "allOf", index)),
                Node(as_mapping(n) or {}, (*new.path, "allOf", index)),
                f"{where}.allOf[{index}]",
            )

    def _typed(self, old: Node, new: Node, where: str) -> None:
        old_types, new_types = types_of(old.schema), types_of(new.schema)
        if old_types != new_types:
            change = f"type {show(sorted(old_types))} -> {show(sorted(new_types))}"
            if covers(new_types, old_types):
                self._hit("TYPE_WIDENED", where, new, change)
            elif covers(old_types, new_types):
                self._hit("TYPE_NARROWED", where, new, change)
            else:
                self._hit("TYPE_CHANGED", where, new, change)
                return
        self._format_and_pattern(old, new, where)
        self._bounds(old, new, where)
        if bool(old.schema.get("uniqueItems")) != bool(new.schema.get("uniqueItems")):
            rule = "UNIQUE_ITEMS_ADDED" if new.schema.get("uniqueItems") else "UNIQUE_ITEMS_REMOVED"
            self._hit(
                rule,
                where,
                new,
                "uniqueItems " + ("imposed" if rule.endswith("ADDED") else "dropped"),
            )
        if "items" in old.schema or "items" in new.schema:
            self.compare(
                Node(as_mapping(old.schema.get("items")) or {}, (*old.path, "items")),
                Node(as_mapping(new.schema.get("items")) or {}, (*new.path, "items")),
                f"{where}[]",
            )
        if "object" in old_types and "object" in new_types:
            self._properties(old, new, where)
            self._additional(old, new, where)

    def _format_and_pattern(self, old: Node, new: Node, where: str) -> None:
        for keyword in ("format", "pattern"):
            before, after = old.schema.get(keyword), new.schema.get(keyword)
            if before == after:
                continue
            stem = keyword.upper()
            if before is None:
                self._hit(f"{stem}_ADDED", where, new, f"{keyword} {show(after)} imposed")
            elif after is None:
                self._hit(f"{stem}_REMOVED", where, new, f"{keyword} {show(before)} dropped")
            else:
                self._hit(
                    f"{stem}_CHANGED", where, new, f"{keyword} {show(before)} -> {show(after)}"
                )

    def _bounds(self, old: Node, new: Node, where: str) -> None:
        for keyword in LOWER_BOUNDS + UPPER_BOUNDS:
            before, after = old.schema.get(keyword), new.schema.get(keyword)
            if before == after:
                continue
            if before is None:
                tighter = True
            elif after is None:
                tighter = False
            else:
                tighter = after > before if keyword in LOWER_BOUNDS else after < before
            family = BOUND_FAMILY[keyword]
            rule = f"{family}_TIGHTENED" if tighter else f"{family}_LOOSENED"
            self._hit(rule, where, new, f"{keyword} {show(before)} -> {show(after)}")

    def _properties(self, old: Node, new: Node, where: str) -> None:
        old_props = as_mapping(old.schema.get("properties")) or {}
        new_props = as_mapping(new.schema.get("properties")) or {}
        old_required = set(as_list(old.schema.get("required")) or [])
        new_required = set(as_list(new.schema.get("required")) or [])
        for name in old_props:
            if name not in new_props:
                self._removed(name, old, new, old_required, f"{where}.{name}")
        for name, schema in new_props.items():
            prop = Node(as_mapping(schema) or {}, (*new.path, "properties", name))
            path = f"{where}.{name}"
            if name not in old_props:
                self._added(name, prop, old, new_required, path)
                continue
            before = Node(as_mapping(old_props[name]) or {}, (*old.path, "properties", name))
            if name in new_required and name not in old_required:
                self._hit("PROPERTY_BECAME_REQUIRED", path, prop, "now required")
            elif name in old_required and name not in new_required:
                self._hit("PROPERTY_BECAME_OPTIONAL", path, prop, "no longer required")
            was, now = default_text(before.schema), default_text(prop.schema)
            if was != now:
                self._hit("DEFAULT_CHANGED", path, prop, f"default {was} -> {now}")
            self.compare(before, prop, path)

    def _removed(self, name: str, old: Node, new: Node, old_required: set[Any], path: str) -> None:
        at = Node(new.schema, (*new.path, "properties"))
        if name in old_required:
            self._hit("PROPERTY_REMOVED_REQUIRED", path, at, f"required property {name!r} removed")
        if is_closed(new.schema):
            self._hit(
                "PROPERTY_REMOVED_FROM_CLOSED",
                path,
                at,
                f"property {name!r} removed from a closed object",
            )
        if name not in old_required and not is_closed(new.schema):
            self._hit("PROPERTY_REMOVED", path, at, f"optional property {name!r} removed")

    def _added(self, name: str, prop: Node, old: Node, new_required: set[Any], path: str) -> None:
        if name in new_required:
            if "default" in prop.schema:
                self._hit(
                    "PROPERTY_ADDED_REQUIRED_WITH_DEFAULT",
                    path,
                    prop,
                    f"required property {name!r} added (with a default)",
                )
            else:
                self._hit(
                    "PROPERTY_ADDED_REQUIRED", path, prop, f"required property {name!r} added"
                )
        elif not is_closed(old.schema):
            self._hit("PROPERTY_ADDED", path, prop, f"optional property {name!r} added")
        if is_closed(old.schema):
            self._hit(
                "PROPERTY_ADDED_TO_CLOSED",
                path,
                prop,
                f"property {name!r} added to a closed object",
            )

    def _additional(self, old: Node, new: Node, where: str) -> None:
        before = old.schema.get("additionalProperties", True)
        after = new.schema.get("additionalProperties", True)
        if before == after:
            return
        before_schema, after_schema = as_mapping(before), as_mapping(after)
        if before_schema is not None and after_schema is not None:
            self.compare(
                Node(before_schema, (*old.path, "additionalProperties")),
                Node(after_schema, (*new.path, "additionalProperties")),
                f"{where}.*",
            )
            return
        tighter = after is False or (before is True and after_schema is not None)
        at = Node(new.schema, (*new.path, "additionalProperties"))
        rule = "ADDITIONAL_PROPERTIES_TIGHTENED" if tighter else "ADDITIONAL_PROPERTIES_LOOSENED"
        self._hit(rule, where, at, f"additionalProperties {show(before)} -> {show(after)}")
