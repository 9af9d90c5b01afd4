"""Worker liveness records: what a worker publishes about itself.

Every running worker keeps one key per queue, ``<prefix>:{<domain>}:worker:<id>``,
holding a small JSON record (host, pid, domains of its process, start time,
jobs running and prefetched, last heartbeat) with a TTL of
``WorkerSettings.liveness``, renewed by its heartbeat thread. The queue's
``workers`` ZSET indexes the ids by when their liveness runs out, so a
vanished worker is found without SCAN, and its jobs are handed back by the
next heartbeat of any other worker (``beat_worker.lua``). Reading them back
is ``worker_info.py``.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import threading
from collections import Counter

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
