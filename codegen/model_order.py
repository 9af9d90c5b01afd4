"""The models of a domain in the order ``models.py`` defines them: each after those it uses."""

from __future__ import annotations

from collections.abc import Mapping

from .ir import ArrayType, MapType, ModelDef, ModelType, TypeRef, UnionType


def _children(type_: TypeRef) -> list[str]:
    if isinstance(type_, ModelType):
        return [type_.class_name]
    if isinstance(type_, ArrayType):
        return _children(type_.items)
    if isinstance(type_, MapType):
        return _children(type_.values) if type_.values is not None else []
    if isinstance(type_, UnionType):
        return [name for member in type_.members for name in _children(member)]
    return []


def reachable(models: Mapping[str, ModelDef], roots: list[str]) -> list[str]:
    return [model.class_name for model in dependency_order(models, roots)]


def dependency_order(models: Mapping[str, ModelDef], roots: list[str]) -> tuple[ModelDef, ...]:
    """Models reachable from ``roots``, each after the models its fields use."""
    seen: set[str] = set()
    ordered: list[ModelDef] = []

    def visit(name: str) -> None:
        if name in seen or name not in models:
            return
        seen.add(name)
        for field in models[name].fields:
            for child in _children(field.type):
                visit(child)
        ordered.append(models[name])

    for root in roots:
        visit(root)
    return tuple(ordered)
