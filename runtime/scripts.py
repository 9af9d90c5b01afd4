"""The only caller of the Lua scripts in ``runtime/lua``: one typed method per script.

Every method has a sync and an async variant built on one shared argument
builder and one shared reply parser, so the two cannot drift. Calls go to the
node serving the queue's slot and ride out redirections and failovers
(``routing.py``); enqueue and settlement wait for replicas when the URL asks
for it (``wait_replicas``, see ``evalsha.py``).
"""

from __future__ import annotations

import json
import logging
import weakref
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Final, TypeVar

from .channel import RawChannel
from .connection import Connection
from .errors import NotReplicatedError
from .evalsha import (
    Arg,
    LuaScript,
    load_script,
    run_async,
    run_channel,
    run_sync,
    run_sync_channel,
)
from .keys import QueueKeys
from .routing import acall_routed, call_routed
from .script_replies import (
    BeatReply,
    ClaimedJob,
    ClaimReply,
    RawJob,
    Settlement,
    StalledJob,
    parse_add,
    parse_add_repeat,
    parse_beat,
    parse_claim,
    parse_due_repeats,
    parse_read,
    parse_schedule,
    parse_stalled,
    parse_watch,
)
from .topology import ReplicaWait
from .wire import ADD_ARGS_PER_JOB, AddJobArgs, RepeatStep, WatchReply

__all__ = [
    "ADD_ARGS_PER_JOB",
    "AddJobArgs",
    "Arg",
    "BeatReply",
    "ClaimReply",
    "ClaimedJob",
    "LuaScript",
    "NotReplicatedError",
    "QueueScripts",
    "RawJob",
    "Settlement",
    "StalledJob",
    "queue_scripts",
]

T = TypeVar("T")

log = logging.getLogger("jobcontracts.worker")

ADD_JOBS: Final = load_script("add_jobs")
FINISH_AND_CLAIM: Final = load_script("finish_and_claim_jobs")
EXTEND_LEASES: Final = load_script("extend_leases")
RECOVER_STALLED: Final = load_script("recover_stalled_jobs")
READ_JOB: Final = load_script("read_job")
WATCH_JOB: Final = load_script("watch_job")
RETRY_DEAD: Final = load_script("retry_dead_jobs")
PURGE_DEAD: Final = load_script("purge_dead_jobs")
ADD_REPEAT: Final = load_script("add_repeat")
SCHEDULE_REPEATS: Final = load_script("schedule_repeats")
REMOVE_REPEAT: Final = load_script("remove_repeat")
CHECK_PERMISSIONS: Final = load_script("check_permissions")
BEAT_WORKER: Final = load_script("beat_worker")
UNWATCH_JOB: Final = load_script("unwatch_job")
READ_DUE_REPEATS: Final = load_script("read_due_repeats")

# ---------------------------------------------------------------- argument builders


def _add_args(now_ms: int, jobs: Iterable[AddJobArgs]) -> list[Arg]:
    args: list[Arg] = [now_ms]
    for job in jobs:
        args.extend(job)
    return args


# ---------------------------------------------------------------- the typed facade


class QueueScripts:
    """Typed entry points to the scripts of one queue, bound to a connection."""

    __slots__ = ("_add_keys", "_claim_keys", "_conn", "_repeat_keys", "_state_keys", "keys")

    def __init__(self, connection: Connection, keys: QueueKeys) -> None:
        self._conn = connection
        self.keys = keys
        k = keys
        self._add_keys = (k.id, k.wait, k.delayed, k.marker, k.paused, k.job_prefix)
        self._claim_keys = (
            k.wait,
            k.delayed,
            k.retry,
            k.active,
            k.completed,
            k.dead,
            k.paused,
            k.marker,
            k.limiter,
            k.repeat,
            k.job_prefix,
            k.done_prefix,
            k.history,
        )
        self._repeat_keys = (k.repeat, k.repeats, k.id, k.wait, k.delayed, k.marker, k.job_prefix)
        self._state_keys = (k.wait, k.delayed, k.retry, k.active, k.completed, k.dead)

    # routing ----------------------------------------------------------
    def node(self) -> Connection:
        """The connection of the node serving this queue now (itself unless on a Cluster)."""
        return self._conn.route(self.keys.base)

    def call(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` on the node serving this queue, rerouting on redirects and failovers."""
        return call_routed(self._conn, self.keys.base, fn)

    async def acall(self, fn: Callable[[Connection], Awaitable[T]]) -> T:
        return await acall_routed(self._conn, self.keys.base, fn)

    def _run(
        self,
        script: LuaScript,
        keys: Sequence[str],
        args: Sequence[Arg],
        wait: ReplicaWait | None = None,
    ) -> Any:
        return self.call(lambda c: run_sync(c.sync_client(), script, keys, args, wait))

    async def _arun(
        self,
        script: LuaScript,
        keys: Sequence[str],
        args: Sequence[Arg],
        wait: ReplicaWait | None = None,
    ) -> Any:
        return await self.acall(lambda c: run_async(c.async_client(), script, keys, args, wait))

    # add_jobs ---------------------------------------------------------
    def add_jobs(self, now_ms: int, jobs: Sequence[AddJobArgs]) -> list[tuple[str, bool]]:
        """Add jobs (``ADD_ARGS_PER_JOB`` args each); returns (id, created) per job."""
        args = _add_args(now_ms, jobs)
        wait = self._conn.endpoint.wait
        reply = self.call(
            lambda c: run_sync_channel(c.sync_channel(), ADD_JOBS, self._add_keys, args, wait)
        )
        return parse_add(reply)

    async def add_jobs_async(
        self, now_ms: int, jobs: Sequence[AddJobArgs]
    ) -> list[tuple[str, bool]]:
        args = _add_args(now_ms, jobs)
        wait = self._conn.endpoint.wait
        reply = await self.acall(
            lambda c: run_channel(c.async_lane(), ADD_JOBS, self._add_keys, args, wait)
        )
        return parse_add(reply)

    # finish_and_claim_jobs (async only: only workers call it) ----------
    async def finish_and_claim_async(
        self,
        now_ms: int,
        token: str,
        lease_ms: int,
        want: int,
        settled: Sequence[Settlement],
        rate_max: int = 0,
        rate_window_ms: int = 0,
        channel: RawChannel | None = None,
    ) -> ClaimReply:
        """Settle ``settled`` and claim up to ``want`` jobs (over ``channel`` when given)."""
        packed = json.dumps(settled, separators=(",", ":")) if settled else ""
        args: list[Arg] = [now_ms, token, lease_ms, want, rate_max, rate_window_ms, packed]
        wait = self._conn.endpoint.wait if settled else None
        try:
            if channel is not None:
                reply = await self.acall(
                    lambda _: run_channel(channel, FINISH_AND_CLAIM, self._claim_keys, args, wait)
                )
            else:
                reply = await self._arun(FINISH_AND_CLAIM, self._claim_keys, args, wait)
        except NotReplicatedError as error:
            log.warning(
                "%d settlement(s) in %s: %s",
                len(settled),
                self.keys.base,
                error,
                extra={"domain": self.keys.domain},
            )
            reply = error.reply
        return parse_claim(reply, token)

    # extend_leases ------------------------------------------------------
    async def extend_leases_async(
        self, deadline_ms: int, held: Iterable[tuple[str, str]]
    ) -> list[str]:
        """Renew leases in one call; returns the ids whose lease was lost."""
        args: list[Arg] = [deadline_ms]
        for job_id, token in held:
            args.append(job_id)
            args.append(token)
        keys = (self.keys.active, self.keys.job_prefix)
        reply = await self._arun(EXTEND_LEASES, keys, args)
        return [i.decode() for i in reply]

    # recover_stalled_jobs -------------------------------------------------
    def _stalled_keys(self) -> tuple[str, ...]:
        k = self.keys
        return (k.active, k.wait, k.dead, k.marker, k.paused, k.job_prefix, k.done_prefix)

    async def recover_stalled_async(
        self, now_ms: int, max_stalls: int, limit: int = 1000
    ) -> list[StalledJob]:
        args = (now_ms, max_stalls, limit)
        reply = await self._arun(RECOVER_STALLED, self._stalled_keys(), args)
        return parse_stalled(reply)

    def recover_stalled(self, now_ms: int, max_stalls: int, limit: int = 1000) -> list[StalledJob]:
        reply = self._run(
            RECOVER_STALLED,
            self._stalled_keys(),
            (now_ms, max_stalls, limit),
        )
        return parse_stalled(reply)

    # beat_worker (sync: the heartbeat runs in its own thread) ----------------
    def beat_worker(
        self,
        now_ms: int,
        worker_id: str,
        liveness_ms: int,
        record: str,
        lease_deadline_ms: int | None,
        max_stalls: int,
        held: Iterable[tuple[str, str]] = (),
    ) -> BeatReply:
        """Renew liveness (``liveness_ms=0``: leave), leases of ``held`` when a deadline is
        given, and reclaim the jobs of workers whose liveness ran out."""
        k = self.keys
        keys = (
            k.workers,
            k.worker_prefix,
            k.active,
            k.wait,
            k.dead,
            k.marker,
            k.paused,
            k.job_prefix,
            k.done_prefix,
        )
        deadline = "" if lease_deadline_ms is None else lease_deadline_ms
        args: list[Arg] = [now_ms, worker_id, liveness_ms, record, deadline, max_stalls]
        if lease_deadline_ms is not None:
            for job_id, token in held:
                args.append(job_id)
                args.append(token)
        return parse_beat(self._run(BEAT_WORKER, keys, args))

    # read_job -----------------------------------------------------------
    def read_job(self, job_id: str, *, fields: bool = True) -> RawJob | None:
        keys = (self.keys.job(job_id), *self._state_keys)
        reply = self._run(READ_JOB, keys, (job_id, "1" if fields else "0"))
        return parse_read(reply)

    async def read_job_async(self, job_id: str, *, fields: bool = True) -> RawJob | None:
        keys = (self.keys.job(job_id), *self._state_keys)
        reply = await self._arun(READ_JOB, keys, (job_id, "1" if fields else "0"))
        return parse_read(reply)

    # watch_job ----------------------------------------------------------
    def _watch_keys(self, job_id: str) -> tuple[str, str, str]:
        return (self.keys.job(job_id), self.keys.completed, self.keys.dead)

    def watch_job(self, job_id: str) -> tuple[WatchReply, bytes]:
        """(COMPLETED, result) / (DEAD, reason) / (UNKNOWN, b'') / (PENDING, b'')."""
        return parse_watch(self._run(WATCH_JOB, self._watch_keys(job_id), (job_id,)))

    async def watch_job_async(self, job_id: str) -> tuple[WatchReply, bytes]:
        reply = await self._arun(WATCH_JOB, self._watch_keys(job_id), (job_id,))
        return parse_watch(reply)

    def unwatch_job(self, job_id: str) -> None:
        """Withdraw one waiter registration (a ``Job.result`` call that gave up)."""
        self._run(UNWATCH_JOB, (self.keys.job(job_id),), ())

    async def unwatch_job_async(self, job_id: str) -> None:
        await self._arun(UNWATCH_JOB, (self.keys.job(job_id),), ())

    # retry_dead_jobs / purge_dead_jobs --------------------------------------
    def _retry_keys(self) -> tuple[str, ...]:
        k = self.keys
        return (k.dead, k.wait, k.marker, k.paused, k.job_prefix, k.done_prefix)

    def retry_dead(self, now_ms: int, job_ids: Sequence[str]) -> int:
        if not job_ids:
            return 0
        args: list[Arg] = [now_ms, *job_ids]
        return int(self._run(RETRY_DEAD, self._retry_keys(), args))

    async def retry_dead_async(self, now_ms: int, job_ids: Sequence[str]) -> int:
        if not job_ids:
            return 0
        args: list[Arg] = [now_ms, *job_ids]
        return int(await self._arun(RETRY_DEAD, self._retry_keys(), args))

    def purge_dead(self, limit: int) -> int:
        keys = (self.keys.dead, self.keys.job_prefix)
        return int(self._run(PURGE_DEAD, keys, (limit,)))

    async def purge_dead_async(self, limit: int) -> int:
        keys = (self.keys.dead, self.keys.job_prefix)
        return int(await self._arun(PURGE_DEAD, keys, (limit,)))

    # repeats ------------------------------------------------------------
    def add_repeat(
        self, now_ms: int, key: str, definition: str, first_ms: int
    ) -> tuple[str, int, bool]:
        """Store a repeat; returns (first occurrence id, its time, created)."""
        args = (now_ms, key, definition, first_ms)
        return parse_add_repeat(
            self._run(ADD_REPEAT, self._repeat_keys, args, self._conn.endpoint.wait)
        )

    async def add_repeat_async(
        self, now_ms: int, key: str, definition: str, first_ms: int
    ) -> tuple[str, int, bool]:
        args = (now_ms, key, definition, first_ms)
        return parse_add_repeat(
            await self._arun(ADD_REPEAT, self._repeat_keys, args, self._conn.endpoint.wait)
        )

    async def due_repeats_async(
        self, now_ms: int, limit: int
    ) -> list[tuple[str, int, bytes | None]]:
        """Up to ``limit`` due repeats: (key, current occurrence ms, definition or None)."""
        keys = (self.keys.repeat, self.keys.repeats)
        return parse_due_repeats(await self._arun(READ_DUE_REPEATS, keys, (now_ms, limit)))

    async def schedule_repeats_async(
        self, now_ms: int, steps: Sequence[tuple[str, int, int | None]]
    ) -> list[RepeatStep]:
        """Advance repeats given (key, expected current ms, next ms or None); a step per repeat."""
        args: list[Arg] = [now_ms]
        for key, expected, nxt in steps:
            args.extend((key, expected, "" if nxt is None else nxt))
        return parse_schedule(await self._arun(SCHEDULE_REPEATS, self._repeat_keys, args))

    def _remove_repeat_keys(self) -> tuple[str, ...]:
        k = self.keys
        return (k.repeat, k.repeats, k.delayed, k.job_prefix)

    def remove_repeat(self, key: str) -> bool:
        return int(self._run(REMOVE_REPEAT, self._remove_repeat_keys(), (key,))) == 1

    async def remove_repeat_async(self, key: str) -> bool:
        reply = await self._arun(REMOVE_REPEAT, self._remove_repeat_keys(), (key,))
        return int(reply) == 1


_cache: weakref.WeakKeyDictionary[Connection, dict[str, QueueScripts]] = weakref.WeakKeyDictionary()


def check_permissions(
    connection: Connection, probe_key: str, probes: Sequence[Sequence[str]]
) -> list[str]:
    """The probes (argv lists, ``KEY`` for ``probe_key``) the connection's user may not run."""
    args: list[Arg] = []
    for argv in probes:
        args += [len(argv), *argv]
    client = connection.route(probe_key).sync_client()
    reply = run_sync(client, CHECK_PERMISSIONS, (probe_key,), args)
    return [item.decode() if isinstance(item, bytes) else str(item) for item in reply]


def queue_scripts(connection: Connection, domain: str) -> QueueScripts:
    """The (cached) scripts facade of one queue on one connection."""
    per_conn = _cache.get(connection)
    if per_conn is None:
        per_conn = _cache[connection] = {}
    scripts = per_conn.get(domain)
    if scripts is None:
        scripts = per_conn[domain] = QueueScripts(
            connection, QueueKeys.build(connection.prefix, domain)
        )
    return scripts
