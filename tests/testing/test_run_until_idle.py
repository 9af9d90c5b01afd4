"""``run_until_idle``: the in-process driver users test their handlers with.

Every test uses the shipped pytest fixtures (``jobs_connection`` with its manual
``jobs_clock``) against a real Redis, and the generated ``github`` contract.
"""

from __future__ import annotations

import asyncio
import time
from uuid import uuid4

import pytest

from generated.github import (
    JobName,
    SyncDataPayload,
    SyncDataResult,
    SyncRepoPayload,
    SyncRepoResult,
    add_job,
    add_job_async,
    create_worker,
)
from jobcontracts.runtime import (
    Backoff,
    Connection,
    JobContext,
    JobState,
    QueueAdmin,
    Repeat,
    Unrecoverable,
    Worker,
    WorkerSettings,
)
from jobcontracts.runtime.testing import (
    ManualClock,
    NotIdleError,
    run_until_idle,
    run_until_idle_async,
)

ONE_AT_A_TIME = WorkerSettings(concurrency=1, prefetch=0)


class Flaky(Exception):
    pass


class Handlers:
    """sync_data fails its first ``failures`` attempts; sync_repo counts stars."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.calls: list[tuple[str, int]] = []

    async def sync_data(self, payload: SyncDataPayload, ctx: JobContext, /) -> SyncDataResult:
        self.calls.append((ctx.job_id, ctx.attempt))
        if ctx.attempt <= self.failures:
            raise Flaky(f"attempt {ctx.attempt} failed")
        return SyncDataResult(synced=ctx.attempt)

    async def sync_repo(self, payload: SyncRepoPayload, ctx: JobContext, /) -> SyncRepoResult:
        self.calls.append((ctx.job_id, ctx.attempt))
        return SyncRepoResult(stars=len(payload.repository.name), issues=0)


def sync_data(connection: Connection, *, delay: float | None = None, attempts: int = 5) -> str:
    job = add_job(
        JobName.SYNC_DATA,
        {"user_id": uuid4(), "data_source": "webhook"},
        connection=connection,
        backoff=Backoff.fixed(60),
        delay=delay,
        attempts=attempts,
    )
    return job.id


def worker(handlers: Handlers, connection: Connection) -> Worker:
    """One job at a time, so a test knows exactly which jobs ran before a failure."""
    return create_worker(handlers, connection=connection, settings=ONE_AT_A_TIME)


def test_runs_every_waiting_job_and_reports_it(jobs_connection: Connection) -> None:
    handlers = Handlers()
    jobs = [
        add_job(
            JobName.SYNC_REPO,
            {"repository": {"owner": "octo", "name": "x" * n}},
            connection=jobs_connection,
        )
        for n in (1, 2, 3)
    ]
    report = run_until_idle(create_worker(handlers, connection=jobs_connection))
    assert (report.completed, report.retried, report.dead, report.failures) == (3, 0, 0, [])
    assert [job.result(timeout=0).stars for job in jobs] == [1, 2, 3]
    assert report.clock_advanced_ms == 0


def test_the_first_handler_exception_is_raised_after_its_job_is_settled(
    jobs_connection: Connection,
) -> None:
    handlers = Handlers(failures=1)
    first = sync_data(jobs_connection)
    second = sync_data(jobs_connection)
    with pytest.raises(Flaky, match="attempt 1 failed"):
        run_until_idle(worker(handlers, jobs_connection))
    assert handlers.calls == [(first, 1)]  # stopped before claiming the next job
    statuses = [job_state(jobs_connection, job_id) for job_id in (first, second)]
    assert statuses == [JobState.FAILED, JobState.WAITING]


def job_state(connection: Connection, job_id: str) -> JobState:
    info = QueueAdmin("github", connection).job(job_id)
    assert info is not None
    return info.state


def test_backoffs_are_stepped_on_the_manual_clock_without_sleeping(
    jobs_connection: Connection, jobs_clock: ManualClock
) -> None:
    handlers = Handlers(failures=2)
    job_id = sync_data(jobs_connection, attempts=3)
    started_at = jobs_clock.now
    before = time.monotonic()
    report = run_until_idle(worker(handlers, jobs_connection), fail_fast=False)
    elapsed = time.monotonic() - before
    assert handlers.calls == [(job_id, 1), (job_id, 2), (job_id, 3)]
    assert (report.completed, report.retried, report.dead) == (1, 2, 0)
    assert [(f.job_id, f.attempt, str(f.error)) for f in report.failures] == [
        (job_id, 1, "attempt 1 failed"),
        (job_id, 2, "attempt 2 failed"),
    ]
    assert report.clock_advanced_ms == 120_000  # two fixed 60 s backoffs
    assert jobs_clock.now == started_at + 120_000
    assert elapsed < 60  # far below the backoff it stepped over


def test_delays_are_stepped_and_a_real_clock_leaves_them_for_later(
    jobs_connection: Connection, jobs_redis_url: str
) -> None:
    handlers = Handlers()
    stepped = sync_data(jobs_connection, delay=3600)
    report = run_until_idle(worker(handlers, jobs_connection))
    assert (report.completed, report.clock_advanced_ms) == (1, 3_600_000)
    assert handlers.calls == [(stepped, 1)]

    wall = Connection(jobs_redis_url, prefix=jobs_connection.prefix)  # system clock
    try:
        later = sync_data(wall, delay=3600)
        report = run_until_idle(worker(handlers, wall))
        assert (report.processed, report.clock_advanced_ms) == (0, 0)
        assert job_state(wall, later) is JobState.DELAYED
    finally:
        wall.close()


def test_dead_letters_are_reported_without_fail_fast(jobs_connection: Connection) -> None:
    handlers = Handlers(failures=5)
    job_id = sync_data(jobs_connection, attempts=2)
    report = run_until_idle(worker(handlers, jobs_connection), fail_fast=False)
    assert (report.completed, report.retried, report.dead) == (0, 1, 1)
    assert [failure.attempt for failure in report.failures] == [1, 2]
    assert job_state(jobs_connection, job_id) is JobState.DEAD


def test_unrecoverable_and_timeouts_are_raised_too(jobs_connection: Connection) -> None:
    class Broken(Handlers):
        async def sync_data(self, payload: SyncDataPayload, ctx: JobContext, /) -> SyncDataResult:
            raise Unrecoverable("bad input")

        async def sync_repo(self, payload: SyncRepoPayload, ctx: JobContext, /) -> SyncRepoResult:
            await asyncio.sleep(30)
            raise AssertionError("not cancelled")

    sync_data(jobs_connection)
    with pytest.raises(Unrecoverable, match="bad input"):
        run_until_idle(worker(Broken(), jobs_connection))
    add_job(
        JobName.SYNC_REPO,
        {"repository": {"owner": "o", "name": "n"}},
        connection=jobs_connection,
        timeout=0.05,
        attempts=1,
    )
    with pytest.raises(TimeoutError, match=r"timed out after 0\.05s"):
        run_until_idle(worker(Broken(), jobs_connection))


def test_jobs_that_keep_enqueueing_stop_with_a_clear_error(jobs_connection: Connection) -> None:
    class Forever(Handlers):
        async def sync_data(self, payload: SyncDataPayload, ctx: JobContext, /) -> SyncDataResult:
            await add_job_again(jobs_connection)
            return SyncDataResult(synced=0)

    sync_data(jobs_connection)
    with pytest.raises(NotIdleError, match="processed 25 jobs and the queues are still not idle"):
        run_until_idle(worker(Forever(), jobs_connection), max_jobs=25)


def test_repeats_run_when_the_test_moves_the_clock(
    jobs_connection: Connection, jobs_clock: ManualClock
) -> None:
    handlers = Handlers()
    add_job(
        JobName.SYNC_REPO,
        {"repository": {"owner": "o", "name": "n"}},
        connection=jobs_connection,
        repeat=Repeat(every=60),
    )
    assert run_until_idle(worker(handlers, jobs_connection), step_clock=False).processed == 0
    for occurrence in (1, 2, 3):
        jobs_clock.advance(60_000)
        report = run_until_idle(worker(handlers, jobs_connection), step_clock=False)
        assert (report.completed, len(handlers.calls)) == (1, occurrence)
    # stepping the clock would chase the occurrences for ever: the bound stops it
    with pytest.raises(NotIdleError, match="or a repeat the manual clock keeps stepping to"):
        run_until_idle(worker(handlers, jobs_connection), max_jobs=5)


async def add_job_again(connection: Connection) -> None:
    await add_job_async(
        JobName.SYNC_DATA,
        {"user_id": uuid4(), "data_source": "webhook"},
        connection=connection,
        delay=10,
    )


async def test_the_async_variant_runs_in_the_tests_event_loop(
    jobs_connection: Connection,
) -> None:
    handlers = Handlers()
    sync_data(jobs_connection)
    report = await run_until_idle_async(worker(handlers, jobs_connection))
    assert report.completed == 1
