"""The keywords of the compiled judge: each builds a predicate for one keyword of a node.

A builder gets the keyword's value and its node (``additionalProperties`` and
``if`` read their siblings) and returns a predicate, or ``None`` when the
keyword can refuse nothing. Keywords about one kind of instance (strings,
arrays, objects, numbers) assume it: ``schema_judge`` adds the kind test, or
leaves it out where the node's ``type`` already made sure.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from .formats import FORMAT_CHECKERS
from .json_values import as_list, canonical, multiple_of

Judge = Callable[[Any], bool]
_MISSING = object()


def accept(value: Any) -> bool:
    return True


def refuse(value: Any) -> bool:
    return False


def all_of(judges: list[Judge]) -> Judge:
    """One judge that passes when every judge passes (in order, stopping at a failure)."""
    if not judges:
        return accept
    if len(judges) == 1:
        return judges[0]
    if len(judges) == 2:
        first, second = judges
        return lambda value: first(value) and second(value)
    frozen = tuple(judges)

    def every(value: Any) -> bool:
        for judge in frozen:  # noqa: SIM110 - a loop is cheaper than a generator here
            if not judge(value):
                return False
        return True

    return every


class Compiler(Protocol):
    def compile(self, schema: Any) -> Judge: ...

    def pattern(self, source: str) -> re.Pattern[str]: ...


_Builder = Callable[[Compiler, Any, Mapping[str, Any]], Judge | None]


def _enum(compiler: Compiler, values: Any, schema: Mapping[str, Any]) -> Judge:
    keys = frozenset(canonical(value) for value in values)
    texts = frozenset(value for value in values if type(value) is str)
    return lambda value: value in texts if type(value) is str else canonical(value) in keys


def _const(compiler: Compiler, expected: Any, schema: Mapping[str, Any]) -> Judge:
    key = canonical(expected)
    return lambda value: canonical(value) == key


def _properties(compiler: Compiler, properties: Any, schema: Mapping[str, Any]) -> Judge:
    pairs = tuple((name, compiler.compile(sub)) for name, sub in properties.items())
    missing = _MISSING

    def judge(value: dict[str, Any]) -> bool:
        for name, check in pairs:
            item = value.get(name, missing)
            if item is not missing and not check(item):
                return False
        return True

    return judge


def _required(compiler: Compiler, names: Any, schema: Mapping[str, Any]) -> Judge:
    frozen = tuple(names)
    return lambda value: all(name in value for name in frozen)


def _additional_properties(
    compiler: Compiler, extra: Any, schema: Mapping[str, Any]
) -> Judge | None:
    if extra is True:
        return None
    declared = frozenset(schema.get("properties", {}))
    patterns = tuple(compiler.pattern(source) for source in schema.get("patternProperties", {}))
    check = compiler.compile(extra)

    def judge(value: dict[str, Any]) -> bool:
        for name, item in value.items():
            if name in declared or any(pattern.search(name) for pattern in patterns):
                continue
            if not check(item):
                return False
        return True

    return judge


def _pattern_properties(compiler: Compiler, patterns: Any, schema: Mapping[str, Any]) -> Judge:
    pairs = tuple(
        (compiler.pattern(source), compiler.compile(sub)) for source, sub in patterns.items()
    )

    def judge(value: dict[str, Any]) -> bool:
        for pattern, check in pairs:
            for name, item in value.items():
                if pattern.search(name) and not check(item):
                    return False
        return True

    return judge


def _property_names(compiler: Compiler, sub: Any, schema: Mapping[str, Any]) -> Judge:
    check = compiler.compile(sub)
    return lambda value: all(check(name) for name in value)


def _has_all(names: tuple[str, ...]) -> Judge:
    return lambda value: all(name in value for name in names)


def _dependencies(compiler: Compiler, dependencies: Any, schema: Mapping[str, Any]) -> Judge:
    pairs: list[tuple[str, Judge]] = []
    for name, dependency in dependencies.items():
        names = as_list(dependency)
        if names is not None:
            pairs.append((name, _has_all(tuple(names))))
        else:
            pairs.append((name, compiler.compile(dependency)))
    frozen = tuple(pairs)
    return lambda value: all(check(value) for name, check in frozen if name in value)


def _items(compiler: Compiler, items: Any, schema: Mapping[str, Any]) -> Judge:
    schemas = as_list(items)
    if schemas is not None:
        checks = tuple(compiler.compile(sub) for sub in schemas)
        return lambda value: all(check(item) for check, item in zip(checks, value, strict=False))
    check = compiler.compile(items)
    if check is accept:
        return accept
    return lambda value: all(check(item) for item in value)


def _additional_items(compiler: Compiler, extra: Any, schema: Mapping[str, Any]) -> Judge | None:
    items = as_list(schema.get("items"))
    if extra is True or items is None:
        return None
    start = len(items)
    check = compiler.compile(extra)
    return lambda value: all(check(item) for item in value[start:])


def _unique_items(compiler: Compiler, unique: Any, schema: Mapping[str, Any]) -> Judge | None:
    if not unique:
        return None

    def judge(value: list[Any]) -> bool:
        keys = [canonical(item) for item in value]
        return len(set(keys)) == len(keys)

    return judge


def _contains(compiler: Compiler, sub: Any, schema: Mapping[str, Any]) -> Judge:
    check = compiler.compile(sub)
    return lambda value: any(check(item) for item in value)


def _pattern(compiler: Compiler, source: Any, schema: Mapping[str, Any]) -> Judge:
    search = compiler.pattern(source).search
    return lambda value: search(value) is not None


def _format(compiler: Compiler, name: Any, schema: Mapping[str, Any]) -> Judge:
    checker = FORMAT_CHECKERS.get(name)
    if checker is None:  # jobctl refuses such a schema; fail as loudly as the explainer does
        return lambda value: FORMAT_CHECKERS[name](value)
    return checker


def _multiple_of(compiler: Compiler, divisor: Any, schema: Mapping[str, Any]) -> Judge:
    return lambda value: multiple_of(value, divisor)


def _any_of(compiler: Compiler, subs: Any, schema: Mapping[str, Any]) -> Judge:
    checks = tuple(compiler.compile(sub) for sub in subs)
    return lambda value: any(check(value) for check in checks)


def _one_of(compiler: Compiler, subs: Any, schema: Mapping[str, Any]) -> Judge:
    checks = tuple(compiler.compile(sub) for sub in subs)

    def judge(value: Any) -> bool:
        matches = 0
        for check in checks:
            if check(value):
                matches += 1
                if matches > 1:
                    return False
        return matches == 1

    return judge


def _all_of(compiler: Compiler, subs: Any, schema: Mapping[str, Any]) -> Judge:
    return all_of([compiler.compile(sub) for sub in subs])


def _not(compiler: Compiler, sub: Any, schema: Mapping[str, Any]) -> Judge:
    check = compiler.compile(sub)
    return lambda value: not check(value)


def _if(compiler: Compiler, condition: Any, schema: Mapping[str, Any]) -> Judge | None:
    test = compiler.compile(condition)
    then = compiler.compile(schema.get("then", True))
    otherwise = compiler.compile(schema.get("else", True))
    if then is accept and otherwise is accept:
        return None
    return lambda value: then(value) if test(value) else otherwise(value)


def _size(compare: Callable[[int, Any], bool]) -> _Builder:
    def build(compiler: Compiler, limit: Any, schema: Mapping[str, Any]) -> Judge:
        return lambda value: compare(len(value), limit)

    return build


def _bound(compare: Callable[[Any, Any], bool]) -> _Builder:
    def build(compiler: Compiler, limit: Any, schema: Mapping[str, Any]) -> Judge:
        return lambda value: compare(value, limit)

    return build


BUILDERS: dict[str, _Builder] = {
    "enum": _enum,
    "const": _const,
    "properties": _properties,
    "required": _required,
    "additionalProperties": _additional_properties,
    "patternProperties": _pattern_properties,
    "propertyNames": _property_names,
    "dependencies": _dependencies,
    "items": _items,
    "additionalItems": _additional_items,
    "uniqueItems": _unique_items,
    "contains": _contains,
    "pattern": _pattern,
    "format": _format,
    "multipleOf": _multiple_of,
    "anyOf": _any_of,
    "oneOf": _one_of,
    "allOf": _all_of,
    "not": _not,
    "if": _if,
    "minLength": _size(operator.ge),
    "maxLength": _size(operator.le),
    "minItems": _size(operator.ge),
    "maxItems": _size(operator.le),
    "minProperties": _size(operator.ge),
    "maxProperties": _size(operator.le),
    "minimum": _bound(operator.ge),
    "maximum": _bound(operator.le),
    "exclusiveMinimum": _bound(operator.gt),
    "exclusiveMaximum": _bound(operator.lt),
}
"""Every keyword the explainer knows (``type`` and ``$ref`` are compiled by the node)."""
