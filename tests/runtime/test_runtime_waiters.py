"""Result waiters: abandoned waits leave nothing behind, and settling does bounded work."""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import asyncio
import time
from typing import cast

import pytest

from jobcontracts.runtime import (
    Connection,
    JobOptions,
    ResultTimeoutError,
    Worker,
    enqueue,
    enqueue_async,
)
from jobcontracts.runtime.scripts import queue_scripts
from jobcontracts.runtime.wire import Settlement
from tests.runtime.runtime_testkit import Doubled, Recorder, fast_settings, make_queue, running

QUEUE = make_queue()
WAITS = 10_000


def _memory(connection: Connection, key: str) -> int:
    return cast(
        "int", queue_scripts(connection, "test").node().sync_client().memory_usage(key, samples=0)
    )


async def test_timed_out_waits_leave_nothing_and_settling_stays_bounded(
    connection: Connection,
) -> None:
    job = enqueue(QUEUE, "double", {"value": 21}, JobOptions(), connection)
    scripts = queue_scripts(connection, "test")
    client = queue_scripts(connection, "test").node().sync_client()
    job_key, done_key = scripts.keys.job(job.id), scripts.keys.done(job.id)
    before = _memory(connection, job_key)
    for _ in range(WAITS):
        with pytest.raises(ResultTimeoutError):
            job.result(timeout=0)
    assert client.hget(job_key, "w") is None  # every registration was withdrawn
    assert _memory(connection, job_key) == before

    # Waiters that never come back (their process died) stay registered: settling
    # must still push one message, not one per registration.
    for _ in range(WAITS):
        assert scripts.watch_job(job.id) == ("p", b"")
    live = [asyncio.create_task(job_async_result(connection, job.id)) for _ in range(20)]
    await asyncio.sleep(0.2)  # the live waiters are blocked on the done list
    async with running(Worker(QUEUE, Recorder(), connection=connection, settings=fast_settings())):
        results = await asyncio.wait_for(asyncio.gather(*live), 20)
    assert results == [Doubled(doubled=42)] * 20  # each waiter passed the outcome on
    assert client.llen(done_key) == 1
    assert 0 < client.pttl(done_key) <= 60_000


async def job_async_result(connection: Connection, job_id: str) -> Doubled:
    from jobcontracts.runtime import AsyncJob

    handle: AsyncJob[Doubled] = AsyncJob(job_id, "test", Doubled, connection)
    return await handle.result(timeout=15)


async def test_an_async_wait_that_times_out_or_is_cancelled_withdraws(
    connection: Connection,
) -> None:
    job = await enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(), connection)
    key = queue_scripts(connection, "test").keys.job(job.id)
    client = queue_scripts(connection, "test").node().async_client()
    with pytest.raises(ResultTimeoutError):
        await job.result(timeout=0.05)
    assert await client.hget(key, "w") is None
    waiting = asyncio.create_task(job.result(timeout=30))
    await asyncio.sleep(0.1)
    assert await client.hget(key, "w") == b"1"
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await client.hget(key, "w") is None


def test_settling_with_many_registered_waiters_takes_no_longer(connection: Connection) -> None:
    """Settling cost does not grow with registrations (it used to push one copy each)."""
    scripts = queue_scripts(connection, "test")
    timings: list[float] = []
    for waiters in (1, WAITS):
        job = enqueue(QUEUE, "double", {"value": 1}, JobOptions(), connection)
        for _ in range(waiters):
            scripts.watch_job(job.id)
        started = time.perf_counter()
        asyncio.run(_claim_and_complete(connection, job.id))
        timings.append(time.perf_counter() - started)
        assert (
            queue_scripts(connection, "test").node().sync_client().llen(scripts.keys.done(job.id))
            == 1
        )
    assert timings[1] < timings[0] * 5 + 0.05, timings


async def _claim_and_complete(connection: Connection, job_id: str) -> None:
    scripts = queue_scripts(connection, "test")
    try:
        claim = await scripts.finish_and_claim_async(connection.now_ms(), "w:1", 30_000, 1, [])
        (held,) = claim.jobs
        assert held.id == job_id
        reply = await scripts.finish_and_claim_async(
            connection.now_ms(),
            "w:2",
            30_000,
            0,
            [Settlement.completed(job_id, held.token, '{"doubled":2}')],
        )
        assert reply.ignored == []
    finally:
        await connection.aclose()
