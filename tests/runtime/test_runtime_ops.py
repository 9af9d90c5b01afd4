"""Operations: dead-letter retry/purge, pause/resume, rate limit, repeats, several domains."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from jobcontracts.runtime import (
    Connection,
    JobDeadError,
    JobOptions,
    JobState,
    QueueAdmin,
    RateLimit,
    Repeat,
    Worker,
    enqueue,
    enqueue_async,
    run_workers,
)
from jobcontracts.runtime.testing import ManualClock
from jobcontracts.runtime.wire import Settlement
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


def _equals(get: Callable[[], int], expected: int) -> Callable[[], bool]:
    return lambda: get() == expected


async def test_dead_letter_retry_and_purge(connection: Connection) -> None:
    rec = Recorder()
    rec.unrecoverable = True
    admin = QueueAdmin("test", connection)
    async with running(Worker(QUEUE, rec, connection=connection, settings=fast_settings())):
        jobs = [
            await enqueue_async(QUEUE, "double", {"value": i}, JobOptions(), connection)
            for i in range(3)
        ]
        await wait_counts(admin, dead=3)
        rec.unrecoverable = False
        assert await admin.retry_dead_async([jobs[0].id]) == 1
        assert await jobs[0].result(timeout=10) == Doubled(doubled=0)
        info = await admin.job_async(jobs[0].id)
        assert info is not None
        assert info.attempts_made == 1
        assert info.dead_reason is None
        assert len(info.errors) == 1  # history kept for audit
        admin.pause()
        assert admin.retry_dead() == 2
        assert admin.counts().waiting == 2
        assert admin.retry_dead(["no-such-id"]) == 0
        await admin.resume_async()
        await wait_counts(admin, completed=3)
        rec.unrecoverable = True
        await enqueue_async(QUEUE, "double", {"value": 9}, JobOptions(), connection)
        await wait_counts(admin, dead=1)
    assert admin.purge_dead() == 1
    assert (await admin.counts_async()).dead == 0
    assert await admin.purge_dead_async() == 0


def test_dead_letter_listing_is_paged_newest_first(connection: Connection) -> None:
    from jobcontracts.runtime.scripts import queue_scripts

    scripts = queue_scripts(connection, "test")
    admin = QueueAdmin("test", connection)
    for i in range(5):
        enqueue(QUEUE, "double", {"value": i}, JobOptions(job_id=f"j{i}"), connection)
        reply = asyncio.run(_claim_and_bury(connection, scripts, f"j{i}", 1000 + i))
        assert reply == []
    page = admin.dead_letters(limit=2, offset=1)
    assert [d.id for d in page] == ["j3", "j2"]
    assert page[0].failed_at is not None
    assert page[0].reason == "test reason"


async def _claim_and_bury(
    connection: Connection, scripts: object, job_id: str, now: int
) -> list[str]:
    from jobcontracts.runtime.scripts import QueueScripts

    assert isinstance(scripts, QueueScripts)
    reply = await scripts.finish_and_claim_async(now, f"w:{job_id}", 30_000, 1, [])
    assert [j.id for j in reply.jobs] == [job_id]
    reply = await scripts.finish_and_claim_async(
        now, "w:x", 30_000, 0, [Settlement.dead(job_id, f"w:{job_id}", "", "test reason")]
    )
    await connection.aclose()
    return reply.ignored


async def test_pause_and_resume(connection: Connection) -> None:
    rec = Recorder()
    admin = QueueAdmin("test", connection)
    await admin.pause_async()
    async with running(Worker(QUEUE, rec, connection=connection, settings=fast_settings())):
        job = await enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(), connection)
        await asyncio.sleep(0.3)
        assert rec.seen == []
        counts = await admin.counts_async()
        assert counts.paused
        assert counts.waiting == 1
        admin.resume()
        assert await job.result(timeout=10) == Doubled(doubled=2)
    assert not (await admin.counts_async()).paused


async def test_rate_limit_is_shared_by_workers(connection: Connection) -> None:
    rec_a, rec_b = Recorder(), Recorder()
    settings = fast_settings(rate_limit=RateLimit(max=2, duration=1.0))
    admin = QueueAdmin("test", connection)
    for i in range(5):
        await enqueue_async(QUEUE, "double", {"value": i}, JobOptions(), connection)
    async with (
        running(Worker(QUEUE, rec_a, connection=connection, settings=settings)),
        running(Worker(QUEUE, rec_b, connection=connection, settings=settings)),
    ):
        await wait_counts(admin, completed=2)
        await asyncio.sleep(0.2)
        counts = await admin.counts_async()
        assert (counts.completed, counts.waiting) == (2, 3)  # two workers, one shared window
        # later windows let the rest through
        await wait_counts(admin, completed=5)
    assert len(rec_a.seen) + len(rec_b.seen) == 5


async def test_repeat_runs_each_occurrence_once_with_three_workers(
    redis_url: str, key_prefix: str, manual_clock: ManualClock
) -> None:
    connection = Connection(redis_url, prefix=key_prefix, clock=manual_clock)
    admin = QueueAdmin("test", connection)
    recs = [Recorder() for _ in range(3)]
    t0 = manual_clock.now
    try:
        first = await enqueue_async(
            QUEUE, "double", {"value": 1}, JobOptions(repeat=Repeat(every=10, limit=4)), connection
        )
        assert first.id.startswith("repeat:double:every=10000:")
        assert first.id.endswith(f":{t0 + 10_000}")
        again = await enqueue_async(
            QUEUE, "double", {"value": 1}, JobOptions(repeat=Repeat(every=10, limit=4)), connection
        )
        assert again.id == first.id
        assert not again.created
        [info] = await admin.repeats_async()
        assert (info.every_ms, info.limit, info.next_ms, info.name) == (
            10_000,
            4,
            t0 + 10_000,
            "double",
        )
        workers = [Worker(QUEUE, r, connection=connection, settings=fast_settings()) for r in recs]

        def total() -> int:
            return sum(len(r.seen) for r in recs)

        async with running(workers[0]), running(workers[1]), running(workers[2]):
            await asyncio.sleep(0.2)
            assert total() == 0
            for k in range(1, 5):
                manual_clock.advance(10_000)
                await wait_until(_equals(total, k))
            manual_clock.advance(10_000)
            await asyncio.sleep(0.3)
            assert total() == 4
            await wait_counts(admin, completed=4, delayed=0)
        ids = [job_id for r in recs for job_id, _, _ in r.seen]
        assert len(set(ids)) == 4
        assert sorted(ids) == sorted(
            f"{first.id.rsplit(':', 1)[0]}:{t0 + 10_000 * k}" for k in range(1, 5)
        )
        assert await admin.repeats_async() == []
    finally:
        await connection.aclose()


async def test_cron_repeat_and_remove(
    redis_url: str, key_prefix: str, manual_clock: ManualClock
) -> None:
    manual_clock.now = 1_700_000_000_000  # 2023-11-14T22:13:20Z
    connection = Connection(redis_url, prefix=key_prefix, clock=manual_clock)
    admin = QueueAdmin("test", connection)
    try:
        job = await enqueue_async(
            QUEUE, "note", {"value": 1}, JobOptions(repeat=Repeat(cron="*/15 * * * *")), connection
        )
        assert job.id.endswith(":1700000100000")  # 22:15:00Z
        assert await job.status() is JobState.DELAYED
        [info] = admin.repeats()
        assert info.cron == "*/15 * * * *"
        assert info.next_ms == 1_700_000_100_000
        rec = Recorder()
        async with running(Worker(QUEUE, rec, connection=connection, settings=fast_settings())):
            manual_clock.now = 1_700_000_100_000
            await wait_until(lambda: len(rec.seen) == 1)
            await wait_until(
                lambda: bool(admin.repeats()) and admin.repeats()[0].next_ms == 1_700_001_000_000
            )
        assert admin.remove_repeat(info.key)
        assert not await admin.remove_repeat_async(info.key)
        counts = await admin.counts_async()
        assert counts.delayed == 0  # the pending occurrence went with it
        assert admin.repeats() == []
    finally:
        await connection.aclose()


async def test_several_domains_in_one_process(connection: Connection) -> None:
    other = make_queue("other")
    rec_a, rec_b = Recorder(), Recorder()
    wa = Worker(QUEUE, rec_a, connection=connection, settings=fast_settings())
    wb = Worker(other, rec_b, connection=connection, settings=fast_settings())
    task = asyncio.create_task(run_workers(wa, wb))
    a = await enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(), connection)
    b = await enqueue_async(other, "double", {"value": 2}, JobOptions(), connection)
    assert await a.result(timeout=10) == Doubled(doubled=2)
    assert await b.result(timeout=10) == Doubled(doubled=4)
    wa.stop()
    wb.stop()
    await asyncio.wait_for(task, 10)
    assert len(rec_a.seen) == len(rec_b.seen) == 1


async def test_result_of_dead_job_raises_even_when_asked_late(connection: Connection) -> None:
    rec = Recorder()
    rec.unrecoverable = True
    admin = QueueAdmin("test", connection)
    async with running(Worker(QUEUE, rec, connection=connection, settings=fast_settings())):
        job = await enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(), connection)
        await wait_counts(admin, dead=1)
    with pytest.raises(JobDeadError, match="unrecoverable"):
        await job.result(timeout=1)
