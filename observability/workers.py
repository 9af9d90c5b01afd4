"""Reading the liveness records workers publish: who is alive, per domain.

A worker's heartbeat keeps ``<prefix>:{<domain>}:worker:<id>`` (a JSON
record with a TTL) and indexes the id in the queue's ``workers`` ZSET, scored
by when its liveness runs out. Counting live workers is one ZCOUNT; listing
them is one ZRANGEBYSCORE plus one MGET.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from jobcontracts.runtime import Connection
from jobcontracts.runtime.keys import QueueKeys
from jobcontracts.runtime.routing import call_routed


def workers_key(keys: QueueKeys) -> str:
    return keys.base + "workers"


def worker_key(keys: QueueKeys, worker_id: str) -> str:
    return keys.base + "worker:" + worker_id


@dataclass(frozen=True, slots=True)
class LiveWorker:
    id: str
    domain: str
    host: str
    pid: int
    domains: list[str]
    concurrency: int
    running: int
    started_at: datetime | None
    last_heartbeat: datetime | None


def _dt(ms: object) -> datetime | None:
    return datetime.fromtimestamp(int(cast(int, ms)) / 1000, tz=UTC) if ms else None


def _parse(domain: str, worker_id: str, raw: bytes) -> LiveWorker:
    data: dict[str, Any] = json.loads(raw)
    return LiveWorker(
        id=str(data.get("id", worker_id)),
        domain=str(data.get("domain", domain)),
        host=str(data.get("host", "")),
        pid=int(data.get("pid", 0)),
        domains=[str(d) for d in data.get("domains", [domain])],
        concurrency=int(data.get("concurrency", 0)),
        running=int(data.get("running", 0)),
        started_at=_dt(data.get("started_ms")),
        last_heartbeat=_dt(data.get("beat_ms")),
    )


def live_workers(connection: Connection, domain: str) -> list[LiveWorker]:
    """The workers of ``domain`` whose liveness has not run out, oldest first."""
    keys = QueueKeys.build(connection.prefix, domain)
    now = connection.now_ms()

    def read(node: Connection) -> list[tuple[str, bytes | None]]:
        client = node.sync_client()
        ids = cast("list[bytes]", client.zrangebyscore(workers_key(keys), now, "+inf"))
        if not ids:
            return []
        names = [i.decode() for i in ids]
        records = cast("list[bytes | None]", client.mget([worker_key(keys, n) for n in names]))
        return list(zip(names, records, strict=True))

    found = [_parse(domain, n, raw) for n, raw in call_routed(connection, keys.base, read) if raw]
    return sorted(found, key=lambda w: (w.started_at or datetime.min.replace(tzinfo=UTC), w.id))


def count_live_workers_cmd(pipe: Any, keys: QueueKeys, now_ms: int) -> None:
    """Queue the one command that counts live workers on ``pipe``."""
    pipe.zcount(workers_key(keys), now_ms, "+inf")
