"""Worker liveness: the record a worker publishes; prompt recovery of a vanished worker's jobs."""

from __future__ import annotations

import asyncio
import os
import socket

from jobcontracts.runtime import Connection, JobOptions, JobState, QueueAdmin, Worker, enqueue_async
from jobcontracts.runtime.scripts import queue_scripts
from jobcontracts.runtime.workers import worker_record
from tests.runtime.runtime_testkit import (
    Doubled,
    Recorder,
    fast_settings,
    make_queue,
    running,
    wait_counts,
    wait_until,
)

QUEUE = make_queue()
LONG_LEASE_MS = 600_000


async def test_a_running_worker_is_listed_and_leaves_when_it_stops(
    connection: Connection,
) -> None:
    admin = QueueAdmin("test", connection)
    rec = Recorder()
    rec.sleep = 5.0
    settings = fast_settings(concurrency=2, liveness=0.4, shutdown_grace=0.1)
    worker = Worker(QUEUE, rec, connection=connection, settings=settings)
    async with running(worker):
        await enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(), connection)
        await asyncio.wait_for(rec.started.wait(), 10)
        # the record is renewed every liveness / 4: wait for one that saw the job
        deadline = asyncio.get_running_loop().time() + 5
        while True:
            live = await admin.workers_async()
            if live and live[0].running == 1:
                break
            assert asyncio.get_running_loop().time() < deadline, live
            await asyncio.sleep(0.05)
        (info,) = live
        assert (info.domain, info.host, info.pid) == ("test", socket.gethostname(), os.getpid())
        assert info.domains == ["test"]
        assert (info.concurrency, info.running, info.prefetched) == (2, 1, 0)
        assert info.started_at <= info.last_heartbeat < info.expires_at
        assert (info.expires_at - info.last_heartbeat).total_seconds() <= 0.4 + 0.05
        assert [w.id for w in admin.workers()] == [info.id]  # the sync twin
    # a graceful stop deletes the record at once (no waiting for it to expire)
    assert await admin.workers_async() == []
    assert (
        await queue_scripts(connection, "test")
        .node()
        .async_client()
        .exists(admin.keys.worker(info.id))
        == 0
    )


async def test_a_vanished_workers_jobs_come_back_when_its_liveness_runs_out(
    connection: Connection,
) -> None:
    """Running and prefetched jobs of a worker that stopped beating are reclaimed long
    before their lease expires; the live worker's own long job keeps its lease."""
    scripts = queue_scripts(connection, "test")
    admin = QueueAdmin("test", connection)
    jobs = [
        await enqueue_async(QUEUE, "double", {"value": n}, JobOptions(), connection)
        for n in range(3)
    ]
    ghost = "ghost-host:4242:deadbeef"
    now = connection.now_ms()
    record = worker_record(ghost, "test", 1, 1, 2, now, now)
    await scripts.arun(scripts.calls.beat_worker(now, ghost, 300, record, None, 1))
    claim = await scripts.finish_and_claim_async(now, f"{ghost}:1", LONG_LEASE_MS, 3, [])
    assert len(claim.jobs) == 3  # one "running", two "prefetched": Redis cannot tell
    assert [w.id for w in await admin.workers_async()] == [ghost]

    rec = Recorder()
    settings = fast_settings(liveness=0.4, lease=LONG_LEASE_MS / 1000)
    started = asyncio.get_running_loop().time()
    async with running(Worker(QUEUE, rec, connection=connection, settings=settings)):
        results = [await job.result(timeout=10) for job in jobs]
        elapsed = asyncio.get_running_loop().time() - started
        assert [w.id for w in await admin.workers_async()] != [ghost]
    assert results == [Doubled(doubled=2 * n) for n in range(3)]
    assert elapsed < 5, elapsed  # the lease (10 min) had nothing to do with it
    for job in jobs:
        info = await admin.job_async(job.id)
        assert info is not None
        assert (info.state, info.stalls, info.attempts_made) == (JobState.COMPLETED, 1, 1)
    assert (
        await queue_scripts(connection, "test")
        .node()
        .async_client()
        .exists(admin.keys.worker(ghost))
        == 0
    )


async def test_a_long_job_of_a_live_worker_keeps_its_lease(connection: Connection) -> None:
    """Liveness 1 s, lease 1.5 s, a job of 3 s and a second worker watching: it runs once."""
    admin = QueueAdmin("test", connection)
    first, second = Recorder(), Recorder()
    first.sleep = second.sleep = 3.0
    settings = fast_settings(concurrency=1, liveness=1.0, lease=1.5, stall_check=0.05)
    async with (
        running(Worker(QUEUE, first, connection=connection, settings=settings)),
        running(Worker(QUEUE, second, connection=connection, settings=settings)),
    ):
        job = await enqueue_async(QUEUE, "double", {"value": 3}, JobOptions(), connection)
        assert await job.result(timeout=10) == Doubled(doubled=6)
    assert len(first.seen) + len(second.seen) == 1
    info = await admin.job_async(job.id)
    assert info is not None
    assert info.stalls == 0


async def test_stopping_hands_prefetched_jobs_back_before_running_ones_finish(
    connection: Connection,
) -> None:
    admin = QueueAdmin("test", connection)
    rec = Recorder()
    rec.sleep = 1.5
    settings = fast_settings(concurrency=1, prefetch=3, shutdown_grace=10.0)
    worker = Worker(QUEUE, rec, connection=connection, settings=settings)
    task = asyncio.create_task(worker.run())
    try:
        for n in range(4):
            await enqueue_async(QUEUE, "double", {"value": n}, JobOptions(), connection)
        await wait_counts(admin, active=4)
        await asyncio.wait_for(rec.started.wait(), 10)
        worker.stop()
        # the three prefetched jobs are waiting again while the running one still runs
        await wait_counts(admin, timeout=1.0, waiting=3, active=1)
        assert not task.done()
        await asyncio.wait_for(task, 10)
    finally:
        worker.stop()
        await asyncio.gather(task, return_exceptions=True)
    await wait_counts(admin, waiting=3, completed=1)
    await wait_until(lambda: len(rec.seen) == 1)
