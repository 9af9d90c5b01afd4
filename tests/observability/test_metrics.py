"""The attempt series: every way an attempt ends moves the right counter, once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from prometheus_client import CollectorRegistry

from jobcontracts.observability.metrics import METRIC_NAMES, JobMetrics
from jobcontracts.runtime import Connection, JobOptions, QueueAdmin, Worker, enqueue_async
from jobcontracts.runtime.observe import Attempt, AttemptEnd, combine
from jobcontracts.runtime.scripts import queue_scripts
from jobcontracts.runtime.testing import ManualClock
from tests.conftest import delete_prefix
from tests.runtime.runtime_testkit import (
    Recorder,
    fast_settings,
    make_queue,
    raw_job,
    running,
    wait_counts,
)

QUEUE = make_queue("metered")


def value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    found = registry.get_sample_value(name, labels)
    return 0.0 if found is None else found


def series(job: str = "double") -> dict[str, str]:
    return {"domain": "metered", "job": job}


async def test_each_ending_counts_once(connection: Connection) -> None:
    registry = CollectorRegistry()
    rec = Recorder()
    rec.fail_until_attempt = 1  # every job fails its first attempt, then completes
    worker = Worker(QUEUE, rec, connection=connection, settings=fast_settings())
    worker.observers.append(JobMetrics(registry))
    admin = QueueAdmin("metered", connection)
    async with running(worker):
        for n in range(3):
            await enqueue_async(QUEUE, "double", {"value": n}, JobOptions(), connection)
        await wait_counts(admin, completed=3)
        rec.unrecoverable = True
        await enqueue_async(QUEUE, "double", {"value": 9}, JobOptions(), connection)
        await wait_counts(admin, completed=3, dead=1)
        # a poison job: its payload does not match the model (written past validation)
        wire = raw_job("", "note", b'{"value":"nope"}')
        await queue_scripts(connection, "metered").add_jobs_async(connection.now_ms(), [wire])
        await wait_counts(admin, completed=3, dead=2)
    assert value(registry, "jobcontracts_jobs_started_total", **series()) == 7
    assert value(registry, "jobcontracts_jobs_completed_total", **series()) == 3
    assert value(registry, "jobcontracts_jobs_retried_total", **series()) == 3
    assert value(registry, "jobcontracts_jobs_dead_total", **series()) == 1
    assert value(registry, "jobcontracts_jobs_dead_total", **series("note")) == 1
    failed = "jobcontracts_jobs_failed_total"
    assert value(registry, failed, **series(), reason="error") == 3
    assert value(registry, failed, **series(), reason="unrecoverable") == 1
    assert value(registry, failed, **series("note"), reason="invalid_payload") == 1
    assert value(registry, "jobcontracts_job_duration_seconds_count", **series()) == 7
    assert value(registry, "jobcontracts_job_wait_seconds_count", **series()) == 7
    assert value(registry, "jobcontracts_jobs_in_progress", **series()) == 0
    exposed = {m.name for m in registry.collect()}
    assert {n.removesuffix("_total") for n in METRIC_NAMES} <= exposed


async def test_timeout_and_in_progress(connection: Connection) -> None:
    registry = CollectorRegistry()
    rec = Recorder()
    rec.sleep = 5.0
    worker = Worker(QUEUE, rec, connection=connection, settings=fast_settings())
    worker.observers.append(JobMetrics(registry))
    admin = QueueAdmin("metered", connection)
    async with running(worker):
        options = JobOptions(timeout=timedelta(milliseconds=200), attempts=1)
        await enqueue_async(QUEUE, "double", {"value": 1}, options, connection)
        await asyncio.wait_for(rec.started.wait(), 10)
        assert value(registry, "jobcontracts_jobs_in_progress", **series()) == 1
        await wait_counts(admin, dead=1)
    assert value(registry, "jobcontracts_jobs_failed_total", **series(), reason="timeout") == 1
    assert value(registry, "jobcontracts_jobs_in_progress", **series()) == 0


async def test_interrupted_attempt_leaves_no_one_in_progress(connection: Connection) -> None:
    registry = CollectorRegistry()
    rec = Recorder()
    rec.sleep = 30.0
    settings = fast_settings(shutdown_grace=0.1)
    worker = Worker(QUEUE, rec, connection=connection, settings=settings)
    worker.observers.append(JobMetrics(registry))
    async with running(worker):
        await enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(), connection)
        await asyncio.wait_for(rec.started.wait(), 10)
    assert value(registry, "jobcontracts_jobs_started_total", **series()) == 1
    assert value(registry, "jobcontracts_jobs_in_progress", **series()) == 0
    assert value(registry, "jobcontracts_jobs_completed_total", **series()) == 0
    counts = await QueueAdmin("metered", connection).counts_async()
    assert (counts.waiting, counts.active) == (1, 0)  # handed back, not failed


async def test_wait_counts_from_the_end_of_the_delay(redis_url: str, key_prefix: str) -> None:
    """A job delayed by a minute did not wait a minute: wait runs from when it became ready."""
    clock = ManualClock()
    connection = Connection(redis_url, prefix=key_prefix, clock=clock)
    registry = CollectorRegistry()
    worker = Worker(QUEUE, Recorder(), connection=connection, settings=fast_settings())
    worker.observers.append(JobMetrics(registry))
    admin = QueueAdmin("metered", connection)
    try:
        async with running(worker):
            options = JobOptions(delay=timedelta(seconds=60))
            await enqueue_async(QUEUE, "double", {"value": 1}, options, connection)
            clock.advance(60_000 + 500)
            await wait_counts(admin, completed=1)
        total = value(registry, "jobcontracts_job_wait_seconds_sum", **series())
        assert 0.5 <= total < 5
    finally:
        await connection.aclose()
        delete_prefix(redis_url, key_prefix)


class Broken:
    def attempt_started(self, attempt: Attempt, wait_s: float) -> None:
        raise RuntimeError("observer bug")

    def attempt_ended(self, attempt: Attempt, end: AttemptEnd) -> None:
        raise RuntimeError("observer bug")

    def job_stalled(self, domain: str, job_name: str, dead: bool) -> None:
        raise RuntimeError("observer bug")


async def test_a_failing_observer_changes_nothing(connection: Connection) -> None:
    worker = Worker(QUEUE, Recorder(), connection=connection, settings=fast_settings())
    worker.observers.append(Broken())
    async with running(worker):
        job = await enqueue_async(QUEUE, "double", {"value": 4}, JobOptions(), connection)
        assert (await job.result(timeout=10)).doubled == 8


def test_no_observer_means_no_hook() -> None:
    """Without observers the runner keeps None and skips every hook (one ``is None`` test)."""
    assert combine([]) is None
    worker = Worker(QUEUE, Recorder())
    assert worker.observers == []
