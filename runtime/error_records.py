"""A job's error history: one JSON object per failed attempt, one per line (NDJSON).

One line per record lets Lua append to the history without decoding it (the
last ``wire.ERROR_HISTORY`` are kept). Kept
apart from payloads and results so that reading a job's errors (``jobctl
show``, the dashboard) needs no models.
"""

from __future__ import annotations

import json
import traceback
from dataclasses import dataclass

MAX_TRACEBACK_CHARS = 8000
MAX_MESSAGE_CHARS = 2000


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
