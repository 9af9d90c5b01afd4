"""Counting the workers that are alive, per domain, for the scrape-time gauges.

Workers publish their liveness records themselves (``jobcontracts.runtime.workers``:
one record per worker with a TTL, indexed in the queue's ``workers`` ZSET by when its
liveness runs out). Listing them is the runtime's ``live_workers``; a scrape only
needs the count, which is one ZCOUNT queued on the collector's pipeline.
"""

from __future__ import annotations

from typing import Any

from jobcontracts.runtime.keys import QueueKeys


def count_live_workers_cmd(pipe: Any, keys: QueueKeys, now_ms: int) -> None:
    """Queue the one command that counts live workers on ``pipe``."""
    pipe.zcount(keys.workers, now_ms, "+inf")
