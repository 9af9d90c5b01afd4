"""Job timeouts: the jobs of a worker share 10 ms timer buckets, one timer per bucket.

A timer per job would cost a heap entry and a callback per job; under load
thousands of jobs end within the same few milliseconds, so jobs whose
deadline falls in the same 10 ms share one timer. When it fires, the jobs of
its bucket that still run are marked ``timed_out`` and cancelled; the runner
turns that cancellation into a failed attempt (``execution.py``).

Leases are the other deadline a held job has: the heartbeat thread renews
them (``heartbeat.py``) and ``ClaimedJobs.lost`` stops the jobs whose lease
was lost, since another worker may run them now.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from .script_replies import ClaimedJob

TICK_S = 0.01
"""Width of one timer bucket."""


class TimeoutBuckets:
    """Call ``expired(job)`` for every added job still present once its timeout passed."""

    __slots__ = ("_buckets", "_expired", "_loop")

    def __init__(
        self, loop: asyncio.AbstractEventLoop, expired: Callable[[ClaimedJob], None]
    ) -> None:
        self._loop = loop
        self._expired = expired
        self._buckets: dict[int, set[ClaimedJob]] = {}

    def add(self, job: ClaimedJob) -> None:
        """Watch ``job`` from now for ``job.timeout_ms``."""
        loop = self._loop
        bucket = int((loop.time() + job.timeout_ms / 1000) / TICK_S) + 1
        job.deadline_bucket = bucket
        jobs = self._buckets.get(bucket)
        if jobs is None:
            jobs = self._buckets[bucket] = set()
            loop.call_at(bucket * TICK_S, self._expire, bucket)
        jobs.add(job)

    def discard(self, job: ClaimedJob) -> None:
        """Stop watching ``job`` (it ended)."""
        jobs = self._buckets.get(job.deadline_bucket)
        if jobs is not None:
            jobs.discard(job)

    def _expire(self, bucket: int) -> None:
        for job in self._buckets.pop(bucket, ()):
            self._expired(job)
