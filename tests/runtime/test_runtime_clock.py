"""Hosts whose clocks disagree still agree on leases and due times: the runtime uses the
Redis server's clock (each process measures its offset), never the host's own."""

# pyright: reportUnknownMemberType=false
# (redis-py types TIME's **kwargs as unknown.)

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from jobcontracts.runtime import (
    Connection,
    JobOptions,
    QueueAdmin,
    Worker,
    enqueue_async,
)
from jobcontracts.runtime.server_clock import ServerClock, system_clock
from tests.runtime.runtime_testkit import Recorder, fast_settings, make_queue, running

QUEUE = make_queue()
SKEW_MS = 5_000


def _ahead() -> int:
    return system_clock() + SKEW_MS


def _behind() -> int:
    return system_clock() - SKEW_MS


@pytest.fixture
async def skewed(connection: Connection) -> AsyncIterator[dict[str, Connection]]:
    """Connections like the test's whose host clocks are 5 s ahead and 5 s behind."""
    url, prefix = connection.url, connection.prefix
    conns = {
        "ahead": Connection(url, prefix=prefix, host_clock=_ahead),
        "behind": Connection(url, prefix=prefix, host_clock=_behind),
    }
    yield conns
    for conn in conns.values():
        await conn.aclose()


async def test_a_skewed_host_reads_the_servers_time(
    skewed: dict[str, Connection], connection: Connection
) -> None:
    for conn in skewed.values():
        await conn.sync_clock_async()
        seconds, micros = await connection.async_client().time()
        server_ms = seconds * 1000 + micros // 1000
        assert abs(conn.now_ms() - server_ms) < 250
        assert isinstance(conn.clock, ServerClock)
        assert abs(abs(conn.clock.offset_ms) - SKEW_MS) < 250


def test_clock_and_host_clock_are_exclusive(redis_url: str) -> None:
    with pytest.raises(ValueError, match="not both"):
        Connection(redis_url, clock=system_clock, host_clock=system_clock)


async def test_a_worker_5s_ahead_does_not_run_delayed_jobs_early(
    skewed: dict[str, Connection], connection: Connection
) -> None:
    rec = Recorder()
    worker = Worker(QUEUE, rec, connection=skewed["ahead"], settings=fast_settings())
    async with running(worker):
        await asyncio.sleep(0.2)
        loop = asyncio.get_running_loop()
        enqueued = loop.time()
        await enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(delay=2.0), connection)
        await asyncio.wait_for(rec.started.wait(), 10)
        waited = loop.time() - enqueued
    assert 1.8 <= waited < 4.0, waited  # a 5 s-ahead clock would have run it at once


async def test_a_worker_5s_behind_keeps_its_lease_against_a_punctual_one(
    skewed: dict[str, Connection], connection: Connection
) -> None:
    """Lease 3 s and liveness 2 s: on its own clock the slow worker's lease and liveness
    would both have run out before it even claimed; the punctual worker checks them
    every 0.1 s. The job (1.5 s) still runs once, without a stall."""
    slow, punctual = Recorder(), Recorder()
    slow.sleep = punctual.sleep = 1.5
    settings = fast_settings(concurrency=1, lease=3.0, liveness=2.0, stall_check=0.1)
    admin = QueueAdmin("test", connection)
    async with running(Worker(QUEUE, slow, connection=skewed["behind"], settings=settings)):
        job = await enqueue_async(QUEUE, "double", {"value": 2}, JobOptions(), connection)
        await asyncio.wait_for(slow.started.wait(), 10)
        async with running(Worker(QUEUE, punctual, connection=connection, settings=settings)):
            await job.result(timeout=10)
            await asyncio.sleep(0.5)
    assert len(slow.seen) == 1
    assert punctual.seen == []
    info = await admin.job_async(job.id)
    assert info is not None
    assert (info.stalls, info.attempts_made) == (0, 1)


async def test_producers_starting_together_measure_the_offset_once(redis_url: str) -> None:
    """A hundred first enqueues at once share one TIME call (and so one connection)."""
    conn = Connection(redis_url, host_clock=_ahead)
    try:
        await asyncio.gather(*(conn.sync_clock_async() for _ in range(100)))
        pool = conn.async_client().connection_pool
        opened = len(pool._available_connections) + len(pool._in_use_connections)  # pyright: ignore[reportPrivateUsage]
        assert opened == 1
        assert isinstance(conn.clock, ServerClock)
        assert abs(conn.clock.offset_ms + SKEW_MS) < 250
    finally:
        await conn.aclose()


async def test_the_offset_is_measured_again_when_due_and_once_at_a_time(redis_url: str) -> None:
    skew = [0]
    clock = ServerClock(lambda: system_clock() + skew[0], resync_s=0.05)
    conn = Connection(redis_url, clock=clock)
    try:
        await conn.sync_clock_async()
        assert abs(clock.offset_ms) < 250
        skew[0] = SKEW_MS  # this host's clock jumps 5 s ahead
        await asyncio.sleep(0.1)
        assert clock.stale
        refresh = asyncio.ensure_future(conn.sync_clock_async())
        await asyncio.sleep(0)  # the refresh has sent its TIME and awaits the reply
        assert not clock.stale  # others keep the offset they have meanwhile
        await refresh
        assert abs(clock.offset_ms + SKEW_MS) < 250
        assert not clock.stale
    finally:
        await conn.aclose()
