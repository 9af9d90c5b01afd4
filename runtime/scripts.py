"""The only caller of the Lua scripts in ``runtime/lua``: one typed method per script.

Each script is loaded from package data once, prefixed with ``_common.lua``
(shared helpers; Redis Lua has no ``require``) and run with EVALSHA, falling
back to SCRIPT LOAD when the server answers NOSCRIPT (after a restart or
failover). Every method has a sync and an async variant built on one shared
argument builder and one shared reply parser, so the two cannot drift.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

import redis
import redis.asyncio
from redis.exceptions import NoScriptError

from .channel import AsyncFastLane, RawChannel, SyncChannel
from .connection import Connection
from .keys import QueueKeys

Arg = str | bytes | int | float


@dataclass(frozen=True, slots=True)
class LuaScript:
    name: str
    text: bytes
    sha: str


def _load(name: str) -> LuaScript:
    lua = resources.files("jobcontracts.runtime") / "lua"
    text = (lua / "_common.lua").read_bytes() + b"\n" + (lua / f"{name}.lua").read_bytes()
    return LuaScript(name, text, hashlib.sha1(text, usedforsecurity=False).hexdigest())


ADD_JOBS: Final = _load("add_jobs")
FINISH_AND_CLAIM: Final = _load("finish_and_claim_jobs")
EXTEND_LEASES: Final = _load("extend_leases")
RECOVER_STALLED: Final = _load("recover_stalled_jobs")
READ_JOB: Final = _load("read_job")
WATCH_JOB: Final = _load("watch_job")
RETRY_DEAD: Final = _load("retry_dead_jobs")
PURGE_DEAD: Final = _load("purge_dead_jobs")
ADD_REPEAT: Final = _load("add_repeat")
SCHEDULE_REPEATS: Final = _load("schedule_repeats")
REMOVE_REPEAT: Final = _load("remove_repeat")

ADD_FIELDS_PER_JOB: Final = 12


def run_sync(
    client: redis.Redis, script: LuaScript, keys: Sequence[str], args: Sequence[Arg]
) -> Any:
    """EVALSHA with a NOSCRIPT fallback (the server lost its script cache)."""
    try:
        return client.evalsha(script.sha, len(keys), *keys, *args)
    except NoScriptError:
        client.script_load(script.text)
        return client.evalsha(script.sha, len(keys), *keys, *args)


def run_sync_channel(
    channel: SyncChannel, script: LuaScript, keys: Sequence[str], args: Sequence[Arg]
) -> Any:
    try:
        return channel.execute("EVALSHA", script.sha, len(keys), *keys, *args)
    except NoScriptError:
        channel.execute("SCRIPT", "LOAD", script.text)
        return channel.execute("EVALSHA", script.sha, len(keys), *keys, *args)


async def run_channel(
    channel: RawChannel | AsyncFastLane, script: LuaScript, keys: Sequence[str], args: Sequence[Arg]
) -> Any:
    try:
        return await channel.execute("EVALSHA", script.sha, len(keys), *keys, *args)
    except NoScriptError:
        await channel.execute("SCRIPT", "LOAD", script.text)
        return await channel.execute("EVALSHA", script.sha, len(keys), *keys, *args)


async def run_async(
    client: redis.asyncio.Redis, script: LuaScript, keys: Sequence[str], args: Sequence[Arg]
) -> Any:
    try:
        return await client.evalsha(script.sha, len(keys), *keys, *args)
    except NoScriptError:
        await client.script_load(script.text)
        return await client.evalsha(script.sha, len(keys), *keys, *args)


# ---------------------------------------------------------------- reply types


class ClaimedJob:
    """A job this worker now holds under a lease (decoded claim reply)."""

    __slots__ = (
        "attempt",
        "attempts",
        "backoff",
        "deadline_bucket",
        "enqueued_ms",
        "id",
        "name",
        "payload",
        "timed_out",
        "timeout_ms",
        "token",
    )

    def __init__(
        self,
        id: str,
        name: str,
        payload: bytes,
        attempt: int,
        attempts: int,
        backoff: bytes,
        timeout_ms: int,
        enqueued_ms: int,
        token: str,
    ) -> None:
        self.id = id
        self.name = name
        self.payload = payload
        self.attempt = attempt
        self.attempts = attempts
        self.backoff = backoff
        self.timeout_ms = timeout_ms
        self.enqueued_ms = enqueued_ms
        self.token = token
        self.deadline_bucket = 0
        self.timed_out = False


Settlement = tuple[str, str, str, str, int | str]
"""How a held job ended: (id, lease token, outcome c/r/d/h, data, extra); see the Lua header."""


@dataclass(frozen=True, slots=True)
class ClaimReply:
    jobs: list[ClaimedJob]
    ignored: list[str]
    next_due_ms: int | None
    rate_wait_ms: int
    next_repeat_ms: int | None
    paused: bool


@dataclass(frozen=True, slots=True)
class StalledJob:
    id: str
    name: str
    stalls: int
    dead: bool


@dataclass(frozen=True, slots=True)
class RawJob:
    state: str
    score: int | None
    fields: dict[str, bytes]


# ---------------------------------------------------------------- argument builders and parsers


def _add_args(now_ms: int, jobs: Iterable[Sequence[Arg]]) -> list[Arg]:
    args: list[Arg] = [now_ms]
    for job in jobs:
        args.extend(job)
    return args


def _parse_add(reply: list[Any]) -> list[tuple[str, bool]]:
    return [(reply[i].decode(), reply[i + 1] == 1) for i in range(0, len(reply), 2)]


def _parse_claim(reply: list[Any], token: str) -> ClaimReply:
    meta, flat, ignored = reply
    jobs = [
        ClaimedJob(
            flat[i].decode(),
            flat[i + 1].decode(),
            flat[i + 2],
            flat[i + 3],
            int(flat[i + 4]),
            flat[i + 5],
            int(flat[i + 6]),
            int(flat[i + 7]),
            token,
        )
        for i in range(0, len(flat), 8)
    ]
    next_due, rate_wait, next_repeat, paused = meta
    return ClaimReply(
        jobs,
        [i.decode() for i in ignored],
        None if next_due < 0 else int(next_due),
        int(rate_wait),
        None if next_repeat < 0 else int(next_repeat),
        paused == 1,
    )


def _parse_stalled(reply: list[Any]) -> list[StalledJob]:
    return [
        StalledJob(
            reply[i].decode(), reply[i + 1].decode(), int(reply[i + 2]), reply[i + 3] == b"d"
        )
        for i in range(0, len(reply), 4)
    ]


def _parse_read(reply: list[Any]) -> RawJob | None:
    state = reply[0].decode()
    if state == "unknown" and len(reply) <= 2:
        return None
    score = int(float(reply[1])) if reply[1] else None
    flat = reply[2:]
    fields = {flat[i].decode(): flat[i + 1] for i in range(0, len(flat), 2)}
    return RawJob(state, score, fields)


def _parse_watch(reply: list[Any]) -> tuple[str, bytes]:
    return reply[0].decode(), (reply[1] if len(reply) > 1 else b"")


def _parse_add_repeat(reply: list[Any]) -> tuple[str, int, bool]:
    return reply[0].decode(), int(float(reply[1])), reply[2] == 1


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
        )
        self._repeat_keys = (k.repeat, k.repeats, k.id, k.wait, k.delayed, k.marker, k.job_prefix)
        self._state_keys = (k.wait, k.delayed, k.retry, k.active, k.completed, k.dead)

    # add_jobs ---------------------------------------------------------
    def add_jobs(self, now_ms: int, jobs: Sequence[Sequence[Arg]]) -> list[tuple[str, bool]]:
        """Add jobs (``ADD_FIELDS_PER_JOB`` args each); returns (id, created) per job."""
        reply = run_sync_channel(
            self._conn.sync_channel(), ADD_JOBS, self._add_keys, _add_args(now_ms, jobs)
        )
        return _parse_add(reply)

    async def add_jobs_async(
        self, now_ms: int, jobs: Sequence[Sequence[Arg]]
    ) -> list[tuple[str, bool]]:
        lane = self._conn.async_lane()
        return _parse_add(
            await run_channel(lane, ADD_JOBS, self._add_keys, _add_args(now_ms, jobs))
        )

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
        if channel is not None:
            reply = await run_channel(channel, FINISH_AND_CLAIM, self._claim_keys, args)
        else:
            reply = await run_async(
                self._conn.async_client(), FINISH_AND_CLAIM, self._claim_keys, args
            )
        return _parse_claim(reply, token)

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
        reply = await run_async(self._conn.async_client(), EXTEND_LEASES, keys, args)
        return [i.decode() for i in reply]

    # recover_stalled_jobs -------------------------------------------------
    def _stalled_keys(self) -> tuple[str, ...]:
        k = self.keys
        return (k.active, k.wait, k.dead, k.marker, k.paused, k.job_prefix, k.done_prefix)

    async def recover_stalled_async(
        self, now_ms: int, max_stalls: int, limit: int = 1000
    ) -> list[StalledJob]:
        args = (now_ms, max_stalls, limit)
        reply = await run_async(
            self._conn.async_client(), RECOVER_STALLED, self._stalled_keys(), args
        )
        return _parse_stalled(reply)

    def recover_stalled(self, now_ms: int, max_stalls: int, limit: int = 1000) -> list[StalledJob]:
        reply = run_sync(
            self._conn.sync_client(),
            RECOVER_STALLED,
            self._stalled_keys(),
            (now_ms, max_stalls, limit),
        )
        return _parse_stalled(reply)

    # read_job -----------------------------------------------------------
    def read_job(self, job_id: str, *, fields: bool = True) -> RawJob | None:
        keys = (self.keys.job(job_id), *self._state_keys)
        reply = run_sync(self._conn.sync_client(), READ_JOB, keys, (job_id, "1" if fields else "0"))
        return _parse_read(reply)

    async def read_job_async(self, job_id: str, *, fields: bool = True) -> RawJob | None:
        keys = (self.keys.job(job_id), *self._state_keys)
        reply = await run_async(
            self._conn.async_client(), READ_JOB, keys, (job_id, "1" if fields else "0")
        )
        return _parse_read(reply)

    # watch_job ----------------------------------------------------------
    def _watch_keys(self, job_id: str) -> tuple[str, str, str]:
        return (self.keys.job(job_id), self.keys.completed, self.keys.dead)

    def watch_job(self, job_id: str) -> tuple[str, bytes]:
        """('c', result) / ('d', reason) / ('u', b'') / ('p', b'') = waiter registered."""
        return _parse_watch(
            run_sync(self._conn.sync_client(), WATCH_JOB, self._watch_keys(job_id), (job_id,))
        )

    async def watch_job_async(self, job_id: str) -> tuple[str, bytes]:
        reply = await run_async(
            self._conn.async_client(), WATCH_JOB, self._watch_keys(job_id), (job_id,)
        )
        return _parse_watch(reply)

    # retry_dead_jobs / purge_dead_jobs --------------------------------------
    def _retry_keys(self) -> tuple[str, ...]:
        k = self.keys
        return (k.dead, k.wait, k.marker, k.paused, k.job_prefix)

    def retry_dead(self, job_ids: Sequence[str]) -> int:
        if not job_ids:
            return 0
        return int(run_sync(self._conn.sync_client(), RETRY_DEAD, self._retry_keys(), job_ids))

    async def retry_dead_async(self, job_ids: Sequence[str]) -> int:
        if not job_ids:
            return 0
        return int(
            await run_async(self._conn.async_client(), RETRY_DEAD, self._retry_keys(), job_ids)
        )

    def purge_dead(self, limit: int) -> int:
        keys = (self.keys.dead, self.keys.job_prefix)
        return int(run_sync(self._conn.sync_client(), PURGE_DEAD, keys, (limit,)))

    async def purge_dead_async(self, limit: int) -> int:
        keys = (self.keys.dead, self.keys.job_prefix)
        return int(await run_async(self._conn.async_client(), PURGE_DEAD, keys, (limit,)))

    # repeats ------------------------------------------------------------
    def add_repeat(
        self, now_ms: int, key: str, definition: str, first_ms: int
    ) -> tuple[str, int, bool]:
        """Store a repeat; returns (first occurrence id, its time, created)."""
        args = (now_ms, key, definition, first_ms)
        return _parse_add_repeat(
            run_sync(self._conn.sync_client(), ADD_REPEAT, self._repeat_keys, args)
        )

    async def add_repeat_async(
        self, now_ms: int, key: str, definition: str, first_ms: int
    ) -> tuple[str, int, bool]:
        args = (now_ms, key, definition, first_ms)
        return _parse_add_repeat(
            await run_async(self._conn.async_client(), ADD_REPEAT, self._repeat_keys, args)
        )

    async def schedule_repeats_async(
        self, now_ms: int, steps: Sequence[tuple[str, int, int | None]]
    ) -> list[int]:
        """Advance repeats given (key, expected current ms, next ms or None).

        Per repeat: 1 advanced, 2 finished, 0 lost the race (another worker advanced it).
        """
        args: list[Arg] = [now_ms]
        for key, expected, nxt in steps:
            args.extend((key, expected, "" if nxt is None else nxt))
        reply = await run_async(
            self._conn.async_client(), SCHEDULE_REPEATS, self._repeat_keys, args
        )
        return [int(x) for x in reply]

    def _remove_repeat_keys(self) -> tuple[str, ...]:
        k = self.keys
        return (k.repeat, k.repeats, k.delayed, k.job_prefix)

    def remove_repeat(self, key: str) -> bool:
        return (
            int(
                run_sync(
                    self._conn.sync_client(), REMOVE_REPEAT, self._remove_repeat_keys(), (key,)
                )
            )
            == 1
        )

    async def remove_repeat_async(self, key: str) -> bool:
        reply = await run_async(
            self._conn.async_client(), REMOVE_REPEAT, self._remove_repeat_keys(), (key,)
        )
        return int(reply) == 1


_cache: weakref.WeakKeyDictionary[Connection, dict[str, QueueScripts]] = weakref.WeakKeyDictionary()


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
