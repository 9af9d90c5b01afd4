"""Hypothesis strategies for job payloads, drawn from the JSON Schemas in jobs.yaml.

``payloads(JobName.SYNC_DATA)`` yields payload models that satisfy the job's schema
as jobs.yaml declares it (generated ``schemas.py``), so a property-based test feeds
a handler the whole range of payloads its producers may send. ``from_schema`` is
the translation underneath, for the JSON Schema subset jobs.yaml accepts.

Needs hypothesis: ``pip install 'jobcontracts[testing]'``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any, cast

from pydantic import BaseModel

try:
    from hypothesis import strategies as st
except ImportError as error:  # pragma: no cover - exercised by the lean-install test
    raise ImportError(
        "jobcontracts.runtime.testing.strategies needs hypothesis: "
        "pip install 'jobcontracts[testing]'"
    ) from error

from .lookup import payload_schema_of, queue_of

REF_PREFIX = "#/definitions/"
MAX_UNBOUNDED_ITEMS = 8
"""Arrays and maps without maxItems stay small: examples are read by people."""

_HOSTNAME = r"[a-z][a-z0-9]{0,15}(\.[a-z][a-z0-9]{0,15}){0,2}\.(com|org|net|dev)"
_FORMATS: dict[str, st.SearchStrategy[str]] = {
    "uuid": st.uuids().map(str),
    "date-time": st.datetimes(
        min_value=datetime(1970, 1, 2), max_value=datetime(9998, 12, 31), timezones=st.just(UTC)
    ).map(lambda moment: moment.isoformat()),
    "date": st.dates().map(lambda day: day.isoformat()),
    "time": st.times().map(lambda moment: moment.isoformat()),
    "duration": st.integers(0, 10**7).map(lambda seconds: f"PT{seconds}S"),
    "email": st.from_regex(r"[a-z0-9]{1,20}(\.[a-z0-9]{1,10})?@" + _HOSTNAME, fullmatch=True),
    "uri": st.from_regex(r"https://" + _HOSTNAME + r"(/[a-z0-9_-]{1,10}){0,3}", fullmatch=True),
    "hostname": st.from_regex(_HOSTNAME, fullmatch=True),
    "ipv4": st.ip_addresses(v=4).map(str),
    "ipv6": st.ip_addresses(v=6).map(str),
}


def payloads(name: Enum) -> st.SearchStrategy[BaseModel]:
    """Valid payload models of one job: ``@given(payloads(JobName.SYNC_DATA))``.

    ``name`` is a member of a generated ``JobName``; its domain package supplies the
    schema (``schemas.py``) and the model (``queue.py``).
    """
    model = queue_of(name).jobs[str(name.value)].payload_model
    return from_schema(payload_schema_of(name)).map(model.model_validate)


def from_schema(schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """JSON values valid against ``schema``; ``$ref`` resolves in its ``definitions``."""
    return _Translator(schema.get("definitions", {})).strategy(schema)


class _Translator:
    def __init__(self, definitions: Mapping[str, Any]) -> None:
        self._definitions = definitions

    def strategy(self, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        if "$ref" in schema:
            target = self._resolve(schema["$ref"])
            return st.deferred(lambda: self.strategy(target))
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return st.sampled_from(list(schema["enum"]))
        if "allOf" in schema:
            return self.strategy(self._merge(schema))
        for combinator in ("anyOf", "oneOf"):
            if combinator in schema:
                rest = {k: v for k, v in schema.items() if k != combinator}
                return st.one_of([self.strategy({**rest, **m}) for m in schema[combinator]])
        kind = schema.get("type")
        if isinstance(kind, list):
            kinds = cast("list[str]", kind)
            return st.one_of([self.strategy({**schema, "type": k}) for k in kinds])
        if kind is None:
            kind = "object" if "properties" in schema else None
        return self._typed(kind, schema)

    def _resolve(self, ref: str) -> Mapping[str, Any]:
        if not ref.startswith(REF_PREFIX) or ref[len(REF_PREFIX) :] not in self._definitions:
            raise ValueError(f"cannot resolve $ref {ref!r}")
        target: Mapping[str, Any] = self._definitions[ref[len(REF_PREFIX) :]]
        return target

    def _merge(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        """allOf as one schema: properties and required add up, other keywords first wins."""
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for member in schema["allOf"]:
            part = self._resolve(member["$ref"]) if "$ref" in member else member
            if "allOf" in part:
                part = self._merge(part)
            for key, value in part.items():
                if key == "properties":
                    merged["properties"] = {**merged.get("properties", {}), **value}
                elif key == "required":
                    merged["required"] = sorted({*merged.get("required", []), *value})
                else:
                    merged.setdefault(key, value)
        return merged

    def _typed(self, kind: str | None, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        if kind == "string":
            return _string(schema)
        if kind == "integer":
            return _integer(schema)
        if kind == "number":
            return _number(schema)
        if kind == "boolean":
            return st.booleans()
        if kind == "null":
            return st.none()
        if kind == "array":
            return self._array(schema)
        if kind == "object":
            return self._object(schema)
        return _any_json()

    def _array(self, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        items = self.strategy(schema["items"]) if "items" in schema else _any_json()
        low = schema.get("minItems", 0)
        high = schema.get("maxItems", max(low, MAX_UNBOUNDED_ITEMS))
        if schema.get("uniqueItems"):
            return st.lists(items, min_size=low, max_size=high, unique_by=_canonical)
        return st.lists(items, min_size=low, max_size=high)

    def _object(self, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        properties: Mapping[str, Any] = schema.get("properties", {})
        if not properties:
            extra = schema.get("additionalProperties", True)
            if extra is False:
                return st.just({})
            values = (
                self.strategy(cast("Mapping[str, Any]", extra))
                if isinstance(extra, Mapping)
                else _any_json()
            )
            return st.dictionaries(st.text(max_size=12), values, max_size=MAX_UNBOUNDED_ITEMS)
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {k: self.strategy(v) for k, v in properties.items() if k in required},
            optional={k: self.strategy(v) for k, v in properties.items() if k not in required},
        )


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _string(schema: Mapping[str, Any]) -> st.SearchStrategy[str]:
    low: int = schema.get("minLength", 0)
    high: int | None = schema.get("maxLength")
    fmt = schema.get("format")
    if fmt is None and "pattern" not in schema:
        return st.text(min_size=low, max_size=high)
    base: st.SearchStrategy[str]
    if fmt is not None:
        if fmt not in _FORMATS:
            raise ValueError(f"no strategy for string format {fmt!r}")
        base = _FORMATS[fmt]
    else:
        base = st.from_regex(_end_anchor(schema["pattern"]))
    return base.filter(lambda text: low <= len(text) and (high is None or len(text) <= high))


def _end_anchor(pattern: str) -> str:
    """A final ``$`` as JSON Schema means it: the end of the text, not before a last newline."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern[:-1] + "\\Z"
    return pattern


def _bounds(schema: Mapping[str, Any]) -> tuple[Any, Any, bool, bool]:
    """(low, high, exclude_low, exclude_high), numeric or draft-4 boolean exclusives."""
    low, high = schema.get("minimum"), schema.get("maximum")
    exclude_low = exclude_high = False
    exclusive_min, exclusive_max = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if isinstance(exclusive_min, bool):
        exclude_low = exclusive_min
    elif exclusive_min is not None and (low is None or exclusive_min >= low):
        low, exclude_low = exclusive_min, True
    if isinstance(exclusive_max, bool):
        exclude_high = exclusive_max
    elif exclusive_max is not None and (high is None or exclusive_max <= high):
        high, exclude_high = exclusive_max, True
    return low, high, exclude_low, exclude_high


def _integer(schema: Mapping[str, Any]) -> st.SearchStrategy[int]:
    low, high, exclude_low, exclude_high = _bounds(schema)
    if low is not None:
        low = int(low) + 1 if exclude_low or low != int(low) else int(low)
    if high is not None:
        high = int(high) - 1 if exclude_high or high != int(high) else int(high)
    return st.integers(min_value=low, max_value=high)


def _number(schema: Mapping[str, Any]) -> st.SearchStrategy[float]:
    low, high, exclude_low, exclude_high = _bounds(schema)
    return st.floats(
        min_value=low,
        max_value=high,
        exclude_min=exclude_low and low is not None,
        exclude_max=exclude_high and high is not None,
        allow_nan=False,
        allow_infinity=False,
    )


def _any_json() -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=12)
    return st.recursive(
        scalars | st.floats(allow_nan=False, allow_infinity=False),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=8,
    )
