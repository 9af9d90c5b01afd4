"""Bytes in and out of Redis: payloads, results and error records.

Payloads and results are stored as the JSON of their pydantic model dumped by
alias (the wire names of jobs.yaml). Error records are one JSON object per
line (NDJSON) so Lua can append to the history without decoding it.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from .definitions import JobDefinition, QueueDefinition
from .errors import InvalidPayloadError, UnknownJobError

MAX_TRACEBACK_CHARS = 8000
MAX_MESSAGE_CHARS = 2000


def job_definition(queue: QueueDefinition, name: str) -> JobDefinition[Any, Any]:
    definition = queue.jobs.get(name)
    if definition is None:
        known = ", ".join(sorted(queue.jobs)) or "none"
        raise UnknownJobError(f"domain {queue.domain!r} has no job {name!r} (known: {known})")
    return definition


def _loc(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "<payload>"


def dump_payload(queue: QueueDefinition, name: str, payload: BaseModel | Mapping[str, Any]) -> str:
    """Validate ``payload`` against the job's model and return its wire JSON.

    Raises ``UnknownJobError`` or ``InvalidPayloadError`` (naming the domain, job
    and fields); runs before anything touches Redis.
    """
    definition = job_definition(queue, name)
    model: type[BaseModel] = definition.payload_model
    instance: BaseModel
    try:
        if isinstance(payload, BaseModel) and isinstance(payload, model):
            instance = payload
        elif isinstance(payload, BaseModel):
            instance = model.model_validate(payload.model_dump(by_alias=True, exclude_unset=True))
        else:
            instance = model.model_validate(payload)
    except ValidationError as exc:
        errors = exc.errors()
        fields = tuple(_loc(e["loc"]) for e in errors)
        detail = "; ".join(f"{_loc(e['loc'])}: {e['msg']}" for e in errors)
        raise InvalidPayloadError(
            f"invalid payload for job {queue.domain}.{name}: {detail}",
            domain=queue.domain,
            job_name=name,
            fields=fields,
        ) from None
    # exclude_unset: the wire carries what the caller gave, not pydantic's fill-ins
    # (an omitted optional array must not travel as null, which its schema forbids).
    dumped: str = instance.model_dump_json(by_alias=True, exclude_unset=True)
    return dumped


def dump_result(result_model: type[BaseModel] | None, value: object) -> str:
    """The stored JSON of a handler's return value, validated against the result model."""
    if result_model is None:
        return "null"
    if isinstance(value, result_model):
        return value.model_dump_json(by_alias=True, exclude_unset=True)
    return result_model.model_validate(value).model_dump_json(by_alias=True, exclude_unset=True)


def format_duration(ms: int) -> str:
    """``30000`` -> ``30s``, ``200`` -> ``0.2s``: what reasons and logs show."""
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms / 1000:g}s"


def error_record(attempt: int, at_ms: int, exc: BaseException | None, reason: str) -> str:
    """One NDJSON line of the job's error history."""
    record: dict[str, object] = {"attempt": attempt, "at": at_ms, "reason": reason}
    if exc is not None:
        tb = "".join(traceback.format_exception(exc))
        record["type"] = type(exc).__name__
        record["message"] = str(exc)[:MAX_MESSAGE_CHARS]
        record["traceback"] = tb[-MAX_TRACEBACK_CHARS:]
    return json.dumps(record, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """One failed attempt, as stored in the job's error history."""

    attempt: int
    at_ms: int
    reason: str
    type: str | None
    message: str | None
    traceback: str | None


def parse_errors(raw: bytes | None) -> list[ErrorRecord]:
    if not raw:
        return []
    out: list[ErrorRecord] = []
    for line in raw.split(b"\n"):
        if not line:
            continue
        try:
            d = json.loads(line)
        except ValueError:
            continue
        out.append(
            ErrorRecord(
                int(d.get("attempt", 0)),
                int(d.get("at", 0)),
                str(d.get("reason", "")),
                d.get("type"),
                d.get("message"),
                d.get("traceback"),
            )
        )
    return out
