"""When a model's schema already judged the models nested in it, so they need not again.

A generated model nested in another (a ``$ref`` to an object definition, an
inline object with properties, the items of an array of them) carries, as its
own schema, exactly the schema found at its place in the enclosing one, or one
that schema implies (an ``allOf`` member). So once the enclosing model's schema
has accepted the whole value, every nested model's part is valid for its own
schema, and judging it again is a second walk of the same data.

That holds while pydantic gives each part one model to try. In a union
(``anyOf``, ``oneOf``, several types) pydantic tries the members in turn, and a
member's own judge is what refuses the parts that are not its own, so a model
that reaches a union of models anywhere below it vouches for none of them.
"""

from __future__ import annotations

import types
import typing
from contextvars import ContextVar
from typing import Any, get_args, get_origin

from pydantic import MISSING, BaseModel

JUDGED_ABOVE: ContextVar[bool] = ContextVar("jobcontracts_judged_above", default=False)
"""True while pydantic builds the parts of a value whose enclosing model's schema accepted it."""

_UNIONS = (typing.Union, types.UnionType)


def _is_absent(member: Any) -> bool:
    """None and pydantic's MISSING mark a value that may be left out: not a union member."""
    return member is type(None) or member is MISSING


def _models_in(annotation: Any, base: type[BaseModel]) -> tuple[set[type[BaseModel]], bool]:
    """The model classes an annotation reaches directly, and whether one sits in a union."""
    if isinstance(annotation, type) and issubclass(annotation, base):
        return {annotation}, False
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is typing.Annotated:
        return _models_in(args[0], base)
    if origin is typing.Literal:
        return set(), False
    found: set[type[BaseModel]] = set()
    in_union = False
    for arg in args:
        models, nested_union = _models_in(arg, base)
        found |= models
        in_union = in_union or nested_union
    if origin in _UNIONS and found:
        in_union = in_union or sum(1 for arg in args if not _is_absent(arg)) > 1
    return found, in_union


def vouches_for_nested(model: type[BaseModel], base: type[BaseModel]) -> bool:
    """Whether ``model``'s judge covers every model nested in it (there is one, in no union)."""
    seen: set[type[BaseModel]] = {model}
    pending = [model]
    nested = False
    while pending:
        current = pending.pop()
        for field in current.model_fields.values():
            models, in_union = _models_in(field.annotation, base)
            if in_union:
                return False
            nested = nested or bool(models)
            pending.extend(models - seen)
            seen |= models
    return nested
