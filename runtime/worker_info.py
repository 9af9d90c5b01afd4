"""The live workers of a queue, as their liveness records (``workers.py``) describe them.

Kept apart from ``workers.py``, which every worker runs, so that starting a
worker (or ``jobctl stats``) does not create ``WorkerInfo``: only
``QueueAdmin.workers`` and the dashboard read the records.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from .connection import Connection
from .keys import QueueKeys
from .scripts import ClientCall, Steps, queue_scripts


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
