"""Graceful stop, signals, and surviving a Redis restart."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from jobcontracts.runtime import (
    Connection,
    JobOptions,
    QueueAdmin,
    Worker,
    enqueue_async,
    enqueue_many_async,
)
from jobcontracts.runtime.connection import ClientSettings
from jobcontracts.runtime.testing import RedisServer
from tests.runtime.runtime_testkit import (
    Recorder,
    fast_settings,
    make_queue,
    run_then_close,
    running,
    wait_counts,
    wait_until,
)

QUEUE = make_queue()
ROOT = Path(__file__).resolve().parents[2]


async def test_graceful_stop_hands_unstarted_jobs_back(connection: Connection) -> None:
    rec = Recorder()
    rec.sleep = 0.3
    admin = QueueAdmin("test", connection)
    jobs = [
        await enqueue_async(QUEUE, "double", {"value": i}, JobOptions(), connection)
        for i in range(4)
    ]
    worker = Worker(
        QUEUE, rec, connection=connection, settings=fast_settings(concurrency=1, prefetch=3)
    )
    task = asyncio.create_task(worker.run())
    await rec.started.wait()
    await wait_counts(admin, active=4)  # one running, three prefetched
    worker.stop()
    await asyncio.wait_for(task, 10)
    counts = await admin.counts_async()
    assert (counts.completed, counts.waiting, counts.active) == (1, 3, 0)
    for job in jobs[1:]:
        info = await admin.job_async(job.id)
        assert info is not None
        assert info.attempts_made == 0
        assert info.stalls == 0


async def test_stop_cancels_jobs_beyond_the_grace_period(connection: Connection) -> None:
    rec = Recorder()
    rec.sleep = 30
    admin = QueueAdmin("test", connection)
    job = await enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(), connection)
    worker = Worker(QUEUE, rec, connection=connection, settings=fast_settings(shutdown_grace=0.1))
    task = asyncio.create_task(worker.run())
    await rec.started.wait()
    worker.stop()
    await asyncio.wait_for(task, 10)
    counts = await admin.counts_async()
    assert (counts.waiting, counts.active) == (1, 0)
    info = await admin.job_async(job.id)
    assert info is not None
    assert info.attempts_made == 0


def test_stop_before_run_returns_promptly(connection: Connection) -> None:
    worker = Worker(QUEUE, Recorder(), connection=connection, settings=fast_settings())
    worker.stop()
    asyncio.run(asyncio.wait_for(run_then_close(worker), 10))


def test_sigterm_stops_run_forever(redis_url: str, key_prefix: str) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        sys.path[:0] = [{str(ROOT)!r}]
        from jobcontracts.runtime import Connection, run_forever, Worker
        from tests.runtime.runtime_testkit import Recorder, fast_settings, make_queue
        conn = Connection({redis_url!r}, prefix={key_prefix!r})
        worker = Worker(make_queue(), Recorder(), connection=conn, settings=fast_settings())
        print("ready", flush=True)
        run_forever(worker)
        print("stopped", flush=True)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    import time

    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGTERM)
    out, _ = proc.communicate(timeout=15)
    assert proc.returncode == 0
    assert "stopped" in out


async def test_jobs_survive_a_redis_restart(
    redis_server_factory: Callable[[], RedisServer],
) -> None:
    server = redis_server_factory()
    connection = Connection(
        server.url, prefix="restart", settings=ClientSettings(retries=12, backoff_cap=0.5)
    )
    rec = Recorder()
    rec.sleep = 0.01
    admin = QueueAdmin("test", connection)
    total = 300
    settings = fast_settings(concurrency=8, lease=1.0, stall_check=0.2, max_stalls=5)
    try:
        await enqueue_many_async(
            QUEUE, [("double", {"value": i}) for i in range(total // 2)], connection
        )
        async with running(Worker(QUEUE, rec, connection=connection, settings=settings)):
            await wait_until(lambda: len(rec.seen) >= 20)
            server.stop(save=True)
            await asyncio.sleep(0.5)
            server.start()
            # producers retry through the restart window too
            await enqueue_many_async(
                QUEUE, [("double", {"value": i}) for i in range(total // 2, total)], connection
            )
            await wait_counts(admin, timeout=30, completed=total, waiting=0, active=0)
        assert {value for _, value, _ in rec.seen} == set(range(total))
        assert (await admin.counts_async()).dead == 0
    finally:
        await connection.aclose()
