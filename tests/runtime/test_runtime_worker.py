"""Running jobs: results, retries, backoff, dead-lettering, timeouts, poison jobs, retention."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

from jobcontracts.runtime import (
    Backoff,
    Connection,
    JobContext,
    JobDeadError,
    JobDefaults,
    JobNotFoundError,
    JobOptions,
    JobState,
    MissingHandlerError,
    QueueAdmin,
    ResultTimeoutError,
    Retention,
    Worker,
    enqueue,
    enqueue_async,
)
from jobcontracts.runtime.backoff import backoff_delay_ms
from jobcontracts.runtime.scripts import queue_scripts
from jobcontracts.runtime.testing import ManualClock
from tests.runtime.runtime_testkit import (
    Doubled,
    Echo,
    Recorder,
    fast_settings,
    make_queue,
    raw_job,
    running,
    wait_counts,
    wait_until,
)

QUEUE = make_queue()


async def test_result_roundtrip(connection: Connection) -> None:
    rec = Recorder()
    async with running(Worker(QUEUE, rec, connection=connection, settings=fast_settings())):
        job = await enqueue_async(QUEUE, "double", {"value": 21}, JobOptions(), connection)
        result = await job.result(timeout=10)
        assert result == Doubled(doubled=42)
        note = await enqueue_async(QUEUE, "note", {"value": 1}, JobOptions(), connection)
        assert await note.result(timeout=10) is None
        sync_job = enqueue(QUEUE, "double", {"value": 5}, JobOptions(), connection)
        assert await asyncio.to_thread(sync_job.result, 10) == Doubled(doubled=10)
    assert await job.status() is JobState.COMPLETED
    info = await QueueAdmin("test", connection).job_async(job.id)
    assert info is not None
    assert info.result == '{"doubled":42}'
    assert info.attempts_made == 1
    assert info.finished_at is not None
    assert info.started_at is not None
    ctx = rec.contexts[0]
    assert (ctx.job_id, ctx.domain, ctx.job_name, ctx.attempt, ctx.attempts) == (
        job.id,
        "test",
        "double",
        1,
        3,
    )


async def test_result_timeout_and_unknown(connection: Connection) -> None:
    job = await enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(), connection)
    with pytest.raises(ResultTimeoutError) as waited:
        await job.result(timeout=0.1)
    assert str(waited.value) == (
        f"job test:{job.id} (double) did not finish within 0.1s; it is still waiting:"
        f" is a worker running for domain 'test' with prefix '{connection.prefix}'?"
    )
    assert (waited.value.domain, waited.value.job_id, waited.value.job_name) == (
        "test",
        job.id,
        "double",
    )
    assert waited.value.timeout_ms == 100
    sync_job = enqueue(QUEUE, "double", {"value": 1}, JobOptions(), connection)
    with pytest.raises(ResultTimeoutError, match=rf"job test:{sync_job.id} \(double\) did not"):
        await asyncio.to_thread(sync_job.result, 0.1)
    from jobcontracts.runtime.handle import AsyncJob

    ghost: AsyncJob[Doubled] = AsyncJob("no-such-job", "test", Doubled, connection)
    with pytest.raises(JobNotFoundError):
        await ghost.result(timeout=1)
    assert await ghost.status() is JobState.UNKNOWN


async def test_retries_then_dead_letter(
    connection: Connection, caplog: pytest.LogCaptureFixture
) -> None:
    rec = Recorder()
    rec.fail_until_attempt = 99
    admin = QueueAdmin("test", connection)
    caplog.set_level(logging.INFO, logger="jobcontracts")
    async with running(Worker(QUEUE, rec, connection=connection, settings=fast_settings())):
        job = await enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(attempts=3), connection)
        with pytest.raises(
            JobDeadError, match="failed 3 of 3 attempts; last: ValueError: boom on attempt 3"
        ):
            await job.result(timeout=10)
    assert [attempt for _, _, attempt in rec.seen] == [1, 2, 3]
    info = await admin.job_async(job.id)
    assert info is not None
    assert info.state is JobState.DEAD
    assert [e.attempt for e in info.errors] == [1, 2, 3]
    assert all(e.type == "ValueError" for e in info.errors)
    assert info.errors[-1].traceback is not None
    assert "boom on attempt 3" in info.errors[-1].traceback
    assert "runtime_testkit.py" in info.errors[-1].traceback
    letters = await admin.dead_letters_async()
    assert len(letters) == 1
    assert letters[0].id == job.id
    assert letters[0].error_type == "ValueError"
    assert letters[0].attempts == 3
    assert letters[0].reason.startswith("failed 3 of 3 attempts")
    retrying = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retrying) == 2
    assert retrying[0].levelno == logging.WARNING
    dead = [r for r in caplog.records if "dead-lettered" in r.getMessage()]
    assert len(dead) == 1
    assert dead[0].__dict__["job_id"] == job.id
    assert dead[0].__dict__["domain"] == "test"
    assert dead[0].__dict__["attempt"] == 3
    assert dead[0].__dict__["job_name"] == "double"


async def test_unrecoverable_skips_remaining_attempts(connection: Connection) -> None:
    rec = Recorder()
    rec.unrecoverable = True
    async with running(Worker(QUEUE, rec, connection=connection, settings=fast_settings())):
        job = await enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(attempts=5), connection)
        with pytest.raises(JobDeadError, match="unrecoverable: no point retrying"):
            await job.result(timeout=10)
    assert len(rec.seen) == 1


async def test_timeout_counts_as_failed_attempt(connection: Connection) -> None:
    rec = Recorder()
    rec.sleep = 5.0
    async with running(Worker(QUEUE, rec, connection=connection, settings=fast_settings())):
        job = await enqueue_async(
            QUEUE, "double", {"value": 1}, JobOptions(attempts=2, timeout=0.2), connection
        )
        with pytest.raises(JobDeadError, match=r"timed out after 0\.2s"):
            await job.result(timeout=10)
    info = await QueueAdmin("test", connection).job_async(job.id)
    assert info is not None
    assert [e.reason for e in info.errors] == ["timed out after 0.2s", "timed out after 0.2s"]
    assert info.errors[0].type == "TimeoutError"


def test_backoff_formula() -> None:
    assert [backoff_delay_ms(b"f:500:0", a) for a in (1, 2, 3)] == [500, 500, 500]
    assert [backoff_delay_ms(b"e:1000:0", a) for a in (1, 2, 3, 4)] == [1000, 2000, 4000, 8000]
    jittered = [backoff_delay_ms(b"e:1000:0.5", 2) for _ in range(200)]
    assert all(1000 <= d <= 2000 for d in jittered)
    assert len(set(jittered)) > 1


async def test_backoff_timing_with_manual_clock(
    redis_url: str, key_prefix: str, manual_clock: ManualClock
) -> None:
    connection = Connection(redis_url, prefix=key_prefix, clock=manual_clock)
    queue = make_queue(
        defaults=JobDefaults(attempts=3, backoff=Backoff.exponential(timedelta(seconds=10)))
    )
    admin = QueueAdmin("test", connection)
    rec = Recorder()
    rec.fail_until_attempt = 2
    t0 = manual_clock.now
    try:
        async with running(Worker(queue, rec, connection=connection, settings=fast_settings())):
            job = await enqueue_async(queue, "double", {"value": 1}, JobOptions(), connection)
            await wait_until(lambda: len(rec.seen) == 1)
            await wait_counts(admin, failed=1)
            info = await admin.job_async(job.id)
            assert info is not None
            assert info.state is JobState.FAILED
            assert info.ready_at is not None
            assert int(info.ready_at.timestamp() * 1000) == t0 + 10_000  # 10 s * 2**0
            manual_clock.advance(9_999)
            await asyncio.sleep(0.2)
            assert len(rec.seen) == 1
            manual_clock.advance(1)
            await wait_until(lambda: len(rec.seen) == 2)
            await wait_counts(admin, failed=1)
            info = await admin.job_async(job.id)
            assert info is not None
            assert info.ready_at is not None
            assert int(info.ready_at.timestamp() * 1000) == t0 + 10_000 + 20_000  # 10 s * 2**1
            manual_clock.advance(20_000)
            assert await job.result(timeout=10) == Doubled(doubled=2)
    finally:
        await connection.aclose()


async def test_poison_jobs_are_dead_lettered_and_worker_keeps_going(connection: Connection) -> None:
    scripts = queue_scripts(connection, "test")
    raw = [
        ("poison-json", "double", b"{not json"),
        ("poison-name", "vanished_job", b'{"value": 1}'),
        ("poison-payload", "double", b'{"value": "seven"}'),
    ]
    for job_id, name, payload in raw:
        scripts.add_jobs(
            connection.now_ms(),
            [raw_job(job_id, name, payload)],
        )
    rec = Recorder()
    admin = QueueAdmin("test", connection)
    async with running(Worker(QUEUE, rec, connection=connection, settings=fast_settings())):
        good = await enqueue_async(QUEUE, "double", {"value": 4}, JobOptions(), connection)
        assert await good.result(timeout=10) == Doubled(doubled=8)
        await wait_counts(admin, dead=3)
    reasons = {d.id: d.reason for d in await admin.dead_letters_async()}
    assert reasons["poison-json"].startswith("undecodable payload")
    assert reasons["poison-name"] == "unknown job name 'vanished_job'"
    assert reasons["poison-payload"].startswith("invalid payload: value:")
    assert rec.seen == [(good.id, 4, 1)]


def test_missing_handler_error() -> None:
    class OnlyDouble:
        async def double(self, payload: Echo, ctx: JobContext) -> Doubled:
            return Doubled(doubled=0)

    with pytest.raises(MissingHandlerError, match=r"domain 'test'.*missing handler\(s\): note"):
        Worker(QUEUE, OnlyDouble())

    class SyncNote(OnlyDouble):
        def note(self, payload: Echo, ctx: JobContext) -> None:
            return None

    with pytest.raises(MissingHandlerError, match=r"not async.*note"):
        Worker(QUEUE, SyncNote())


async def _until_watched(connection: Connection, job_id: str) -> None:
    """Wait until a ``result()`` call has registered its interest in the job."""
    scripts = queue_scripts(connection, "test")
    job_key = scripts.keys.job(job_id)
    client = scripts.node().async_client()
    for _ in range(1000):
        if await client.hexists(job_key, "w"):
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"nobody registered to wait for job {job_id}")


async def test_remove_on_complete_policies(connection: Connection) -> None:
    admin = QueueAdmin("test", connection)
    async with running(Worker(QUEUE, Recorder(), connection=connection, settings=fast_settings())):
        # A removed job's result reaches only waiters that registered before it
        # finished, so the queue is paused until this one has.
        await admin.pause_async()
        gone = await enqueue_async(
            QUEUE, "double", {"value": 3}, JobOptions(remove_on_complete=True), connection
        )
        outcome = asyncio.create_task(gone.result(timeout=10))
        await _until_watched(connection, gone.id)
        await admin.resume_async()
        assert await outcome == Doubled(doubled=6)  # delivered although removed
        assert await gone.status() is JobState.UNKNOWN
        kept = [
            await enqueue_async(
                QUEUE,
                "double",
                {"value": i},
                JobOptions(remove_on_complete=Retention(count=2)),
                connection,
            )
            for i in range(5)
        ]
        await wait_counts(admin, waiting=0, active=0, completed=2)
    counts = await admin.counts_async()
    assert counts.completed == 2
    # Retention keeps the two that finished last; with jobs run side by side that
    # need not be the two enqueued last, so only the tally is certain.
    statuses = [await j.status() for j in kept]
    assert (statuses.count(JobState.COMPLETED), statuses.count(JobState.UNKNOWN)) == (2, 3)


async def test_retention_by_age(redis_url: str, key_prefix: str, manual_clock: ManualClock) -> None:
    connection = Connection(redis_url, prefix=key_prefix, clock=manual_clock)
    admin = QueueAdmin("test", connection)
    options = JobOptions(remove_on_complete=Retention(age=timedelta(seconds=60)))
    try:
        async with running(
            Worker(QUEUE, Recorder(), connection=connection, settings=fast_settings())
        ):
            old = [
                await enqueue_async(QUEUE, "double", {"value": i}, options, connection)
                for i in range(2)
            ]
            for job in old:
                await job.result(timeout=10)
            manual_clock.advance(61_000)
            fresh = await enqueue_async(QUEUE, "double", {"value": 9}, options, connection)
            await fresh.result(timeout=10)
        assert (await admin.counts_async()).completed == 1
        assert await old[0].status() is JobState.UNKNOWN
    finally:
        await connection.aclose()


async def test_remove_on_fail_policies(connection: Connection) -> None:
    rec = Recorder()
    rec.unrecoverable = True
    admin = QueueAdmin("test", connection)
    async with running(Worker(QUEUE, rec, connection=connection, settings=fast_settings())):
        await admin.pause_async()
        dropped = await enqueue_async(
            QUEUE, "double", {"value": 1}, JobOptions(remove_on_fail=True), connection
        )
        outcome = asyncio.create_task(dropped.result(timeout=10))
        await _until_watched(connection, dropped.id)
        await admin.resume_async()
        with pytest.raises(JobDeadError):
            await outcome
        assert (await admin.counts_async()).dead == 0
        capped = [
            await enqueue_async(
                QUEUE,
                "double",
                {"value": i},
                JobOptions(remove_on_fail=Retention(count=1)),
                connection,
            )
            for i in range(3)
        ]
        await wait_counts(admin, waiting=0, active=0, dead=1)
        await asyncio.sleep(0.1)
    assert (await admin.counts_async()).dead == 1
    assert (await admin.dead_letters_async())[0].id in {j.id for j in capped}


async def test_context_logger_carries_job_fields(
    connection: Connection, caplog: pytest.LogCaptureFixture
) -> None:
    rec = Recorder()

    async def hook(payload: Echo, ctx: JobContext) -> None:
        ctx.logger.info("working on %d", payload.value)

    rec.hook = hook
    caplog.set_level(logging.DEBUG)
    async with running(Worker(QUEUE, rec, connection=connection, settings=fast_settings())):
        job = await enqueue_async(QUEUE, "double", {"value": 7}, JobOptions(), connection)
        await job.result(timeout=10)
    mine = [r for r in caplog.records if r.getMessage() == "working on 7"]
    assert len(mine) == 1
    assert mine[0].__dict__["job_id"] == job.id
    assert mine[0].__dict__["attempt"] == 1
    started = [
        r for r in caplog.records if "started" in r.getMessage() and r.levelno == logging.DEBUG
    ]
    completed = [r for r in caplog.records if r.getMessage().endswith("completed")]
    assert started
    assert completed
    assert isinstance(completed[0].__dict__["duration_ms"], float)
