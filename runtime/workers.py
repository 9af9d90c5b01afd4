"""Worker liveness records: what a worker publishes about itself, and who reads it.

Every running worker keeps one key per queue, ``<prefix>:{<domain>}:worker:<id>``,
holding a small JSON record (host, pid, domains of its process, start time,
jobs running and prefetched, last heartbeat) with a TTL of
``WorkerSettings.liveness``, renewed by its heartbeat thread. The queue's
``workers`` ZSET indexes the ids by when their liveness runs out, so a
vanished worker is found without SCAN, and its jobs are handed back by the
next heartbeat of any other worker (``beat_worker.lua``).
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import json
import os
import secrets
import socket
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from .connection import Connection
from .keys import QueueKeys
from .scripts import ClientCall, Steps, queue_scripts

_serving: Counter[str] = Counter()
_serving_lock = threading.Lock()


def new_worker_id() -> str:
    """``host:pid:random``: names the worker in lease tokens and liveness keys."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def serve(domain: str, delta: int) -> None:
    """Count a worker of this process for ``domain`` in (+1) or out (-1)."""
    with _serving_lock:
        _serving[domain] += delta
        if _serving[domain] <= 0:
            del _serving[domain]


def serving() -> list[str]:
    """The domains this process currently runs workers for."""
    with _serving_lock:
        return sorted(_serving)


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """One live worker of a queue, as its last heartbeat described it."""

    id: str
    domain: str
    host: str
    pid: int
    domains: list[str]
    """Every domain the worker's process runs workers for."""
    concurrency: int
    running: int
    prefetched: int
    started_at: datetime
    last_heartbeat: datetime
    expires_at: datetime
    """When the worker counts as gone unless it beats again."""


def worker_record(
    worker_id: str,
    domain: str,
    concurrency: int,
    running: int,
    prefetched: int,
    started_ms: int,
    now_ms: int,
) -> str:
    """The JSON a heartbeat stores in the worker's liveness key."""
    host, pid, _ = worker_id.rsplit(":", 2)
    return json.dumps(
        {
            "id": worker_id,
            "domain": domain,
            "host": host,
            "pid": int(pid),
            "domains": serving() or [domain],
            "concurrency": concurrency,
            "running": running,
            "prefetched": prefetched,
            "started_ms": started_ms,
            "beat_ms": now_ms,
        },
        separators=(",", ":"),
    )


def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _parse(raw: bytes, expires_ms: float) -> WorkerInfo:
    data: dict[str, Any] = json.loads(raw)
    return WorkerInfo(
        id=data["id"],
        domain=data["domain"],
        host=data["host"],
        pid=int(data["pid"]),
        domains=list(data["domains"]),
        concurrency=int(data["concurrency"]),
        running=int(data["running"]),
        prefetched=int(data["prefetched"]),
        started_at=_dt(int(data["started_ms"])),
        last_heartbeat=_dt(int(data["beat_ms"])),
        expires_at=_dt(int(expires_ms)),
    )


def _live_steps(keys: QueueKeys, now: int) -> Steps[list[WorkerInfo]]:
    """The live workers, without I/O: the index, then their records."""
    ids = cast(
        "list[tuple[bytes, float]]",
        (yield ClientCall(lambda c: c.zrangebyscore(keys.workers, now, "+inf", withscores=True))),
    )
    if not ids:
        return []
    names = [keys.worker(i.decode()) for i, _ in ids]
    records = cast("list[bytes | None]", (yield ClientCall(lambda c: c.mget(names))))
    found = [_parse(raw, score) for (_, score), raw in zip(ids, records, strict=True) if raw]
    return sorted(found, key=lambda w: (w.started_at, w.id))


def live_workers(connection: Connection, domain: str) -> list[WorkerInfo]:
    """The workers of ``domain`` whose liveness has not run out, oldest first."""
    scripts = queue_scripts(connection, domain)
    connection.sync_clock()
    return scripts.run_steps(_live_steps(scripts.keys, connection.now_ms()))


async def live_workers_async(connection: Connection, domain: str) -> list[WorkerInfo]:
    """The asyncio twin of ``live_workers``."""
    scripts = queue_scripts(connection, domain)
    await connection.sync_clock_async()
    return await scripts.arun_steps(_live_steps(scripts.keys, connection.now_ms()))
