"""What ``QueueAdmin`` reads about single jobs: ``JobInfo`` and ``DeadLetter``, from their hashes.

Apart from ``admin.py`` so that counting a queue's jobs (``jobctl stats``)
does not create these records' classes, nor ``ErrorRecord``; the methods that
return them import this module when called.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from .error_records import ErrorRecord, parse_errors
from .keys import QueueKeys
from .scripts import Batch, ClientCall, RawJob, Steps
from .states import JobState
from .wire import JobField, priority_of

F = JobField


def _dt(ms: Any) -> datetime | None:
    if ms is None or ms == b"":
        return None
    return datetime.fromtimestamp(int(float(ms)) / 1000, tz=UTC)


def _text(raw: bytes | None) -> str | None:
    return None if raw is None else raw.decode(errors="replace")


@dataclass(frozen=True, slots=True)
class JobInfo:
    """Everything stored about one job. ``payload``/``result`` are raw JSON text."""

    id: str
    state: JobState
    name: str
    payload: str
    priority: int
    attempts_made: int
    attempts_allowed: int
    stalls: int
    errors: list[ErrorRecord]
    """The last ``ERROR_HISTORY`` (10) error records, oldest first."""
    error_count: int
    """Every error the job ever recorded, including those no longer kept."""
    result: str | None
    dead_reason: str | None
    enqueued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    ready_at: datetime | None
    """For delayed and failed (backoff) jobs: when they become ready."""
    lease_expires_at: datetime | None
    backoff: str
    timeout_ms: int
    repeat_key: str | None
    revision: str | None = None
    """Schema revision of the job kind that wrote the payload (``None``: not recorded)."""


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: str
    name: str
    reason: str
    error_type: str | None
    error_message: str | None
    failed_at: datetime | None
    attempts: int
    traceback: str | None = None
    """The traceback of the last failed attempt, when it raised."""


def job_info(job_id: str, raw: RawJob) -> JobInfo:
    f = raw.fields
    state = JobState(raw.state)
    return JobInfo(
        id=job_id,
        state=state,
        name=(_text(f.get(F.NAME)) or ""),
        payload=(_text(f.get(F.PAYLOAD)) or ""),
        priority=priority_of(int(f.get(F.WAIT_SCORE, b"0"))),
        attempts_made=int(f.get(F.ATTEMPTS_MADE, b"0")),
        attempts_allowed=int(f.get(F.ATTEMPTS, b"0")),
        stalls=int(f.get(F.STALLS, b"0")),
        errors=(errors := parse_errors(f.get(F.ERRORS))),
        error_count=max(int(f.get(F.ERROR_COUNT, b"0")), len(errors)),
        result=_text(f.get(F.RESULT)),
        dead_reason=_text(f.get(F.DEAD_REASON)),
        enqueued_at=_dt(f.get(F.ENQUEUED_AT)),
        started_at=_dt(f.get(F.STARTED_AT)),
        finished_at=_dt(f.get(F.FINISHED_AT)),
        ready_at=_dt(raw.score) if state in (JobState.DELAYED, JobState.FAILED) else None,
        lease_expires_at=_dt(raw.score) if state is JobState.ACTIVE else None,
        backoff=(_text(f.get(F.BACKOFF)) or ""),
        timeout_ms=int(f.get(F.TIMEOUT, b"0")),
        repeat_key=_text(f.get(F.REPEAT_KEY)),
        revision=_text(f.get(F.REVISION)),
    )


DEAD_LETTER_FIELDS = [F.NAME, F.DEAD_REASON, F.ERRORS, F.ATTEMPTS_MADE]


def dead_letter(job_id: str, score: float, fields: list[bytes | None]) -> DeadLetter:
    name, reason, errors, made = fields
    last = parse_errors(errors)[-1:] if errors else []
    return DeadLetter(
        id=job_id,
        name=_text(name) or "",
        reason=_text(reason) or "",
        error_type=last[0].type if last else None,
        error_message=last[0].message if last else None,
        failed_at=_dt(score),
        attempts=int(made or 0),
        traceback=last[0].traceback if last else None,
    )


def dead_letter_steps(keys: QueueKeys, limit: int, offset: int) -> Steps[list[DeadLetter]]:
    """Newest first: one read of the dead set, one of the jobs' fields."""
    last = offset + limit - 1
    entries = yield ClientCall(lambda c: c.zrevrange(keys.dead, offset, last, withscores=True))
    if not entries:
        return []
    ids = [raw.decode() for raw, _ in cast("list[tuple[bytes, float]]", entries)]

    def queue(pipe: Any) -> None:
        for job_id in ids:
            pipe.hmget(keys.job(job_id), DEAD_LETTER_FIELDS)

    rows = yield Batch(queue)
    return [dead_letter(i, s, r) for i, (_, s), r in zip(ids, entries, rows, strict=True)]
