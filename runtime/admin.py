"""Inspection and operations on one queue: what ``jobctl stats/show/dlq/pause/resume`` use.

Every method has a sync form and an ``_async`` twin. Reads are plain pipelined
commands (one round trip); state changes that must be atomic go through
``scripts.py``. Timestamps come back as aware UTC datetimes.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from .connection import Connection, default_connection
from .error_records import ErrorRecord, parse_errors
from .repeat import RepeatInfo, parse_repeat
from .scripts import RawJob, queue_scripts
from .states import JobState
from .wire import REPEAT_COUNT_PREFIX, JobField, priority_of
from .workers import WorkerInfo, live_workers, live_workers_async

PAGE = 1000
F = JobField


def _dt(ms: Any) -> datetime | None:
    if ms is None or ms == b"":
        return None
    return datetime.fromtimestamp(int(float(ms)) / 1000, tz=UTC)


def _text(raw: bytes | None) -> str | None:
    return None if raw is None else raw.decode(errors="replace")


@dataclass(frozen=True, slots=True)
class QueueCounts:
    waiting: int
    delayed: int
    active: int
    completed: int
    failed: int
    dead: int
    paused: bool


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


def _job_info(job_id: str, raw: RawJob) -> JobInfo:
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


_DEAD_LETTER_FIELDS = [F.NAME, F.DEAD_REASON, F.ERRORS, F.ATTEMPTS_MADE]


def _dead_letter(job_id: str, score: float, fields: list[bytes | None]) -> DeadLetter:
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


class QueueAdmin:
    """Operate one queue (``domain``) on ``connection`` (default: from the environment)."""

    def __init__(self, domain: str, connection: Connection | None = None) -> None:
        self.domain = domain
        self.connection = connection or default_connection()
        self._scripts = queue_scripts(self.connection, domain)
        self.keys = self._scripts.keys

    # ------------------------------------------------------------ counts
    def _count_cmds(self, pipe: Any) -> None:
        k = self.keys
        for key in (k.wait, k.delayed, k.active, k.completed, k.retry, k.dead):
            pipe.zcard(key)
        pipe.exists(k.paused)

    @staticmethod
    def _counts(reply: list[int]) -> QueueCounts:
        waiting, delayed, active, completed, failed, dead, paused = reply
        return QueueCounts(waiting, delayed, active, completed, failed, dead, bool(paused))

    def counts(self) -> QueueCounts:
        def run(node: Connection) -> list[int]:
            pipe = node.sync_client().pipeline(transaction=False)
            self._count_cmds(pipe)
            return pipe.execute()

        return self._counts(self._scripts.call(run))

    async def counts_async(self) -> QueueCounts:
        async def run(node: Connection) -> list[int]:
            pipe = node.async_client().pipeline(transaction=False)
            self._count_cmds(pipe)
            return await pipe.execute()

        return self._counts(await self._scripts.acall(run))

    # ------------------------------------------------------------ workers
    def workers(self) -> list[WorkerInfo]:
        """The live workers of this queue (liveness not run out), oldest first."""
        return live_workers(self.connection, self.domain)

    async def workers_async(self) -> list[WorkerInfo]:
        return await live_workers_async(self.connection, self.domain)

    # ------------------------------------------------------------ one job
    def job(self, job_id: str) -> JobInfo | None:
        raw = self._scripts.read_job(job_id)
        return None if raw is None else _job_info(job_id, raw)

    async def job_async(self, job_id: str) -> JobInfo | None:
        raw = await self._scripts.read_job_async(job_id)
        return None if raw is None else _job_info(job_id, raw)

    # ------------------------------------------------------------ dead letters
    def _dead_cmds(self, pipe: Any, ids: Sequence[bytes]) -> None:
        for job_id in ids:
            pipe.hmget(self.keys.job_prefix + job_id.decode(), _DEAD_LETTER_FIELDS)

    def dead_letters(self, limit: int = 50, offset: int = 0) -> list[DeadLetter]:
        """Newest first."""

        def run(node: Connection) -> list[DeadLetter]:
            client = node.sync_client()
            entries = cast(
                "list[tuple[bytes, float]]",
                client.zrevrange(self.keys.dead, offset, offset + limit - 1, withscores=True),
            )
            pipe = client.pipeline(transaction=False)
            self._dead_cmds(pipe, [i for i, _ in entries])
            rows = pipe.execute() if entries else []
            return [_dead_letter(i.decode(), s, r) for (i, s), r in zip(entries, rows, strict=True)]

        return self._scripts.call(run)

    async def dead_letters_async(self, limit: int = 50, offset: int = 0) -> list[DeadLetter]:
        async def run(node: Connection) -> list[DeadLetter]:
            client = node.async_client()
            entries = cast(
                "list[tuple[bytes, float]]",
                await client.zrevrange(self.keys.dead, offset, offset + limit - 1, withscores=True),
            )
            pipe = client.pipeline(transaction=False)
            self._dead_cmds(pipe, [i for i, _ in entries])
            rows = await pipe.execute() if entries else []
            return [_dead_letter(i.decode(), s, r) for (i, s), r in zip(entries, rows, strict=True)]

        return await self._scripts.acall(run)

    def retry_dead(self, job_ids: Sequence[str] | None = None) -> int:
        """Move dead jobs (all when ``job_ids`` is None) back to wait with attempts reset."""
        if job_ids is not None:
            return sum(
                self._scripts.retry_dead(self.connection.now_ms(), job_ids[i : i + PAGE])
                for i in range(0, len(job_ids), PAGE)
            )
        members = cast(
            "list[bytes]",
            self._scripts.call(lambda c: c.sync_client().zrange(self.keys.dead, 0, -1)),
        )
        snapshot = [i.decode() for i in members]
        return self.retry_dead(snapshot)

    async def retry_dead_async(self, job_ids: Sequence[str] | None = None) -> int:
        if job_ids is None:
            members = cast(
                "list[bytes]",
                await self._scripts.acall(lambda c: c.async_client().zrange(self.keys.dead, 0, -1)),
            )
            job_ids = [i.decode() for i in members]
        moved = 0
        for i in range(0, len(job_ids), PAGE):
            moved += await self._scripts.retry_dead_async(
                self.connection.now_ms(), job_ids[i : i + PAGE]
            )
        return moved

    def purge_dead(self) -> int:
        """Delete every dead-lettered job; returns how many."""
        total = 0
        while n := self._scripts.purge_dead(PAGE):
            total += n
        return total

    async def purge_dead_async(self) -> int:
        total = 0
        while n := await self._scripts.purge_dead_async(PAGE):
            total += n
        return total

    # ------------------------------------------------------------ pause / resume
    def pause(self) -> None:
        """Workers stop claiming (running jobs finish); producers can still enqueue."""
        self._scripts.call(lambda c: c.sync_client().set(self.keys.paused, b"1"))

    async def pause_async(self) -> None:
        await self._scripts.acall(lambda c: c.async_client().set(self.keys.paused, b"1"))

    def resume(self) -> None:
        def run(node: Connection) -> None:
            pipe = node.sync_client().pipeline(transaction=True)
            pipe.delete(self.keys.paused)
            pipe.zadd(self.keys.marker, {"0": 0})
            pipe.execute()

        self._scripts.call(run)

    async def resume_async(self) -> None:
        async def run(node: Connection) -> None:
            pipe = node.async_client().pipeline(transaction=True)
            pipe.delete(self.keys.paused)
            pipe.zadd(self.keys.marker, {"0": 0})
            await pipe.execute()

        await self._scripts.acall(run)

    # ------------------------------------------------------------ repeats
    @staticmethod
    def _repeats(flat: dict[bytes, bytes], scores: dict[bytes, float]) -> list[RepeatInfo]:
        out = []
        count = REPEAT_COUNT_PREFIX.encode()
        for key, raw in flat.items():
            if key.startswith(count):
                continue
            out.append(parse_repeat(key.decode(), raw, flat.get(count + key), scores.get(key)))
        return sorted(out, key=lambda r: (r.next_ms or 0, r.key))

    def repeats(self) -> list[RepeatInfo]:
        def run(node: Connection) -> list[Any]:
            pipe = node.sync_client().pipeline(transaction=False)
            pipe.hgetall(self.keys.repeats)
            pipe.zrange(self.keys.repeat, 0, -1, withscores=True)
            return pipe.execute()

        flat, scored = self._scripts.call(run)
        return self._repeats(flat, dict(scored))

    async def repeats_async(self) -> list[RepeatInfo]:
        async def run(node: Connection) -> list[Any]:
            pipe = node.async_client().pipeline(transaction=False)
            pipe.hgetall(self.keys.repeats)
            pipe.zrange(self.keys.repeat, 0, -1, withscores=True)
            return await pipe.execute()

        flat, scored = await self._scripts.acall(run)
        return self._repeats(flat, dict(scored))

    def remove_repeat(self, key: str) -> bool:
        """Stop a repeat and drop its pending occurrence; False if there was none."""
        return self._scripts.remove_repeat(key)

    async def remove_repeat_async(self, key: str) -> bool:
        return await self._scripts.remove_repeat_async(key)
