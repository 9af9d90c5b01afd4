"""Inspection and operations on one queue: what ``jobctl stats/show/dlq/pause/resume`` use.

Every method has a sync form and an ``_async`` twin, both one line: the
operation itself is written once, without I/O, as a generator of steps
(plain commands in ``Batch``es of one round trip, or script calls for state
changes that must be atomic) that ``QueueScripts.run_steps`` or
``arun_steps`` drives. Timestamps come back as aware UTC datetimes.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from .connection import Connection, default_connection
from .keys import QueueKeys
from .script_calls import QueueCalls
from .scripts import Batch, ClientCall, Steps, queue_scripts
from .wire import REPEAT_COUNT_PREFIX

if TYPE_CHECKING:
    from .job_records import DeadLetter, JobInfo
    from .repeat import RepeatInfo
    from .worker_info import WorkerInfo

PAGE = 1000


@dataclass(frozen=True, slots=True)
class QueueCounts:
    waiting: int
    delayed: int
    active: int
    completed: int
    failed: int
    dead: int
    paused: bool


def _count_steps(keys: QueueKeys) -> Steps[QueueCounts]:
    def queue(pipe: Any) -> None:
        pipe.llen(keys.fifo)
        for key in (keys.wait, keys.delayed, keys.active, keys.completed, keys.retry, keys.dead):
            pipe.zcard(key)
        pipe.exists(keys.paused)

    listed, waiting, delayed, active, completed, failed, dead, paused = yield Batch(queue)
    return QueueCounts(listed + waiting, delayed, active, completed, failed, dead, bool(paused))


def _retry_dead_steps(
    connection: Connection, calls: QueueCalls, job_ids: Sequence[str] | None
) -> Steps[int]:
    if job_ids is None:
        members = yield ClientCall(lambda c: c.zrange(calls.keys.dead, 0, -1))
        job_ids = [raw.decode() for raw in cast("list[bytes]", members)]
    moved = 0
    for i in range(0, len(job_ids), PAGE):
        moved += yield calls.retry_dead(connection.now_ms(), job_ids[i : i + PAGE])
    return moved


def _purge_steps(calls: QueueCalls) -> Steps[int]:
    total = 0
    while n := (yield calls.purge_dead(PAGE)):
        total += n
    return total


def _pause_steps(keys: QueueKeys) -> Steps[None]:
    yield ClientCall(lambda c: c.set(keys.paused, b"1"))


def _resume_steps(keys: QueueKeys) -> Steps[None]:
    def queue(pipe: Any) -> None:
        pipe.delete(keys.paused)
        pipe.zadd(keys.marker, {"0": 0})

    yield Batch(queue, transaction=True)


def _repeat_steps(keys: QueueKeys) -> Steps[list[RepeatInfo]]:
    from .repeat import parse_repeat  # with its schedule and option parsing: only here

    def queue(pipe: Any) -> None:
        pipe.hgetall(keys.repeats)
        pipe.zrange(keys.repeat, 0, -1, withscores=True)

    flat, scored = cast(
        "tuple[dict[bytes, bytes], list[tuple[bytes, float]]]", (yield Batch(queue))
    )
    scores = dict(scored)
    count = REPEAT_COUNT_PREFIX.encode()
    out = [
        parse_repeat(key.decode(), raw, flat.get(count + key), scores.get(key))
        for key, raw in flat.items()
        if not key.startswith(count)
    ]
    return sorted(out, key=lambda r: (r.next_ms or 0, r.key))


class QueueAdmin:
    """Operate one queue (``domain``) on ``connection`` (default: from the environment)."""

    def __init__(self, domain: str, connection: Connection | None = None) -> None:
        self.domain = domain
        self.connection = connection or default_connection()
        self._scripts = queue_scripts(self.connection, domain)
        self.keys = self._scripts.keys

    def counts(self) -> QueueCounts:
        return self._scripts.run_steps(_count_steps(self.keys))

    async def counts_async(self) -> QueueCounts:
        return await self._scripts.arun_steps(_count_steps(self.keys))

    def workers(self) -> list[WorkerInfo]:
        """The live workers of this queue (liveness not run out), oldest first."""
        from .worker_info import live_workers  # not for counts: jobctl stats skips it

        return live_workers(self.connection, self.domain)

    async def workers_async(self) -> list[WorkerInfo]:
        from .worker_info import live_workers_async

        return await live_workers_async(self.connection, self.domain)

    def job(self, job_id: str) -> JobInfo | None:
        from .job_records import job_info  # not for counts: jobctl stats skips it

        raw = self._scripts.read_job(job_id)
        return None if raw is None else job_info(job_id, raw)

    async def job_async(self, job_id: str) -> JobInfo | None:
        from .job_records import job_info

        raw = await self._scripts.read_job_async(job_id)
        return None if raw is None else job_info(job_id, raw)

    def dead_letters(self, limit: int = 50, offset: int = 0) -> list[DeadLetter]:
        """Newest first."""
        from .job_records import dead_letter_steps

        return self._scripts.run_steps(dead_letter_steps(self.keys, limit, offset))

    async def dead_letters_async(self, limit: int = 50, offset: int = 0) -> list[DeadLetter]:
        from .job_records import dead_letter_steps

        return await self._scripts.arun_steps(dead_letter_steps(self.keys, limit, offset))

    def retry_dead(self, job_ids: Sequence[str] | None = None) -> int:
        """Move dead jobs (all when ``job_ids`` is None) back to wait with attempts reset."""
        steps = _retry_dead_steps(self.connection, self._scripts.calls, job_ids)
        return self._scripts.run_steps(steps)

    async def retry_dead_async(self, job_ids: Sequence[str] | None = None) -> int:
        steps = _retry_dead_steps(self.connection, self._scripts.calls, job_ids)
        return await self._scripts.arun_steps(steps)

    def purge_dead(self) -> int:
        """Delete every dead-lettered job; returns how many."""
        return self._scripts.run_steps(_purge_steps(self._scripts.calls))

    async def purge_dead_async(self) -> int:
        return await self._scripts.arun_steps(_purge_steps(self._scripts.calls))

    def pause(self) -> None:
        """Workers stop claiming (running jobs finish); producers can still enqueue."""
        self._scripts.run_steps(_pause_steps(self.keys))

    async def pause_async(self) -> None:
        await self._scripts.arun_steps(_pause_steps(self.keys))

    def resume(self) -> None:
        self._scripts.run_steps(_resume_steps(self.keys))

    async def resume_async(self) -> None:
        await self._scripts.arun_steps(_resume_steps(self.keys))

    def repeats(self) -> list[RepeatInfo]:
        return self._scripts.run_steps(_repeat_steps(self.keys))

    async def repeats_async(self) -> list[RepeatInfo]:
        return await self._scripts.arun_steps(_repeat_steps(self.keys))

    def remove_repeat(self, key: str) -> bool:
        """Stop a repeat and drop its pending occurrence; False if there was none."""
        return self._scripts.remove_repeat(key)

    async def remove_repeat_async(self, key: str) -> bool:
        return await self._scripts.remove_repeat_async(key)
