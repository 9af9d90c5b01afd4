"""Payload and result models that accept exactly what their JSON Schema accepts.

Every generated model derives from ``ContractModel`` and carries the JSON
Schema it came from. Whatever builds a model (keyword arguments, a dict, the
worker's JSON) first turns the input into its JSON form and lets the schema
judge it (``json_schema``); only a valid instance reaches pydantic, whose job
is then to give it Python types, never to coerce or drop anything:
properties the schema allows but the model does not declare are kept.

Two Python types stand in for strings with a format, and remember the text
they were parsed from so it travels unchanged: ``WireDatetime`` (RFC 3339
``date-time``; a leap second reads as ``23:59:59.999999``) and ``WireUUID``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated, Any, ClassVar, Self, cast
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ModelWrapValidatorHandler,
    PlainSerializer,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError, to_jsonable_python

from .contract_nesting import JUDGED_ABOVE, vouches_for_nested
from .json_schema import SchemaChecker, SchemaProblem

WIRE = "jobcontracts.wire"
WIRE_CONTEXT: dict[str, bool] = {WIRE: True}
"""Validation context saying the input is already JSON values keyed by wire names."""

_WIRE_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
JsonSchema = Mapping[str, Any]
"""A JSON Schema as the generated models carry it."""

_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))"
)


class WireDatetime(datetime):
    """A ``datetime`` parsed from an RFC 3339 string, which it keeps for the wire."""

    wire_text: str = ""


class WireUUID(UUID):
    """A ``UUID`` parsed from a string, which it keeps for the wire (case included)."""

    wire_text: str = ""


def _parse_date_time(value: object) -> object:
    """RFC 3339 text to an aware datetime; the schema has already checked the text."""
    if not isinstance(value, str):
        return value
    match = _RFC3339.fullmatch(value)
    if match is None:
        return value
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    micro = int((match[7] or "0")[:6].ljust(6, "0"))
    if second == 60:
        second, micro = 59, 999_999
    tz = UTC
    if match[8]:
        offset = timedelta(hours=int(match[9]), minutes=int(match[10]))
        tz = timezone(-offset if match[8] == "-" else offset)
    parsed = WireDatetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    parsed.wire_text = value
    return parsed


def _parse_uuid(value: object) -> object:
    if not isinstance(value, str):
        return value
    parsed = WireUUID(value)
    object.__setattr__(parsed, "wire_text", value)  # UUID forbids plain attribute assignment
    return parsed


def _wire_text(value: object) -> object:
    text = getattr(value, "wire_text", "")
    if text:
        return text
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


ContractDatetime = Annotated[
    AwareDatetime, BeforeValidator(_parse_date_time), PlainSerializer(_wire_text, when_used="json")
]
"""A ``format: date-time`` property: takes a ``datetime`` or RFC 3339 text."""
ContractUUID = Annotated[
    UUID, BeforeValidator(_parse_uuid), PlainSerializer(_wire_text, when_used="json")
]
"""A ``format: uuid`` property: takes a ``UUID`` or its text."""


def to_wire(value: Any) -> Any:
    """The JSON form of ``value``: what the schema judges and what Redis stores."""
    kind: type = type(value)  # pyright: ignore[reportUnknownVariableType]
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        wire: dict[str, Any] = {}
        for key, item in cast("dict[object, Any]", value).items():
            if type(key) is not str:
                raise ValueError("object keys must be strings")
            # A str, int or bool is its own JSON form: no call for it (most values are).
            of: type = type(item)  # pyright: ignore[reportUnknownVariableType]
            wire[key] = item if of is str or of is int or of is bool else to_wire(item)
        return wire
    if kind is list:
        return [to_wire(item) for item in cast("list[Any]", value)]
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} is not a JSON number")
        return value
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, Mapping):
        return to_wire(dict(cast("Mapping[object, Any]", value)))
    if isinstance(value, list | tuple):
        return [to_wire(item) for item in cast("list[Any]", value)]
    if isinstance(value, datetime | date | UUID):
        return _wire_text(value) if isinstance(value, datetime | UUID) else value.isoformat()
    return to_jsonable_python(value)


def _where(at: tuple[str | int, ...], root: str) -> str:
    return ".".join(str(part) for part in at) or root


def _rename(wire: object, renames: Mapping[str, str]) -> None:
    if not renames or not isinstance(wire, dict):
        return
    mapping = cast("dict[str, Any]", wire)
    for name, alias in renames.items():
        if name in mapping and alias not in mapping:
            mapping[alias] = mapping.pop(name)


def describe_problems(problems: list[SchemaProblem], root: str = "<root>") -> str:
    return "; ".join(f"{_where(at, root)}: {message}" for at, message in problems)


class SchemaViolation(ValueError):
    """A value, already in its JSON form, that its schema refuses."""

    def __init__(self, problems: list[SchemaProblem]) -> None:
        super().__init__(describe_problems(problems))
        self.problems = problems


def error_details(exc: ValidationError | SchemaViolation, root: str) -> list[tuple[str, str]]:
    """``(where, what)`` for each problem, by wire path (``root`` for the whole value)."""
    if isinstance(exc, SchemaViolation):
        return [(_where(at, root), message) for at, message in exc.problems]
    return [(_where(error["loc"], root), error["msg"]) for error in exc.errors()]


def _value_at(wire: Any, at: tuple[str | int, ...]) -> Any:
    """The part of ``wire`` a problem is about (None when the path leads to a missing key)."""
    for part in at:
        if isinstance(wire, dict) and part in wire:
            wire = cast("dict[str | int, Any]", wire)[part]
        elif isinstance(wire, list) and isinstance(part, int):
            items = cast("list[Any]", wire)  # type: ignore[redundant-cast]
            if part >= len(items):
                return None
            wire = items[part]
        else:
            return None
    return wire


@dataclass(frozen=True, slots=True)
class _Plan:
    """What a model class needs at each validation, worked out once per class."""

    checker: SchemaChecker
    judge: Callable[[Any], bool]
    renames: dict[str, str]
    """Python field name -> wire name, where they differ."""
    vouches: bool
    """Whether this model's judge covers its nested models (``contract_nesting``)."""


def _wire_input(data: Any, renames: dict[str, str]) -> Any:
    """The JSON form of the input, with Python field names turned into wire names."""
    wire: Any = to_wire(data)
    _rename(wire, renames)
    return wire


def _refusal(model: str, wire: Any, problems: list[SchemaProblem]) -> ValidationError:
    return ValidationError.from_exception_data(
        model,
        [
            InitErrorDetails(
                type=PydanticCustomError("json_schema", "{problem}", {"problem": message}),
                loc=at,
                input=_value_at(wire, at),
            )
            for at, message in problems
        ],
    )


class ContractModel(BaseModel):
    """A payload or result model; ``__contract_schema__`` is its schema from jobs.yaml."""

    model_config = ConfigDict(
        extra="allow", validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )
    __contract_schema__: ClassVar[JsonSchema] = {"type": "object"}
    __contract_plan__: ClassVar[_Plan | None] = None

    @classmethod
    def _plan(cls) -> _Plan:
        plan: _Plan | None = cls.__dict__.get("__contract_plan__")
        if plan is None:
            checker = SchemaChecker(cls.__contract_schema__)
            renames = {
                name: info.alias
                for name, info in cls.model_fields.items()
                if info.alias is not None and info.alias != name
            }
            vouches = vouches_for_nested(cls, ContractModel)
            plan = cls.__contract_plan__ = _Plan(checker, checker.judge, renames, vouches)
        return plan

    @classmethod
    def contract_checker(cls) -> SchemaChecker:
        return cls._plan().checker

    @classmethod
    def contract_problems(cls, wire: Any) -> list[SchemaProblem]:
        """What the schema finds wrong with a JSON value (empty: it is valid)."""
        plan = cls._plan()
        return [] if plan.judge(wire) else plan.checker.explain(wire)

    @model_validator(mode="wrap")
    @classmethod
    def _judge_by_schema(
        cls, data: Any, handler: ModelWrapValidatorHandler[Self], info: ValidationInfo
    ) -> Self:
        if isinstance(data, cls):
            return handler(data)
        plan = cls._plan()
        context: object = info.context
        already_wire = context is WIRE_CONTEXT or (isinstance(context, dict) and WIRE in context)
        if JUDGED_ABOVE.get() and (already_wire or not plan.renames):
            return handler(data)  # a part of a value the enclosing model's schema accepted
        try:
            wire = data if already_wire else _wire_input(data, plan.renames)
        except ValueError as error:
            raise PydanticCustomError(
                "json_value", "not a JSON value: {error}", {"error": str(error)}
            ) from None
        if not plan.judge(wire):
            raise _refusal(cls.__name__, wire, plan.checker.explain(wire))
        if not plan.vouches:
            return handler(wire)
        judged = JUDGED_ABOVE.set(True)
        try:
            return handler(wire)
        finally:
            JUDGED_ABOVE.reset(judged)

    def wire_json(self) -> str:
        """The stored JSON: what was set (no fill-ins), by wire name, extras included."""
        return _WIRE_JSON(to_wire(self))
