"""Leases: expiry recovery, stall limit, stale completions ignored, heartbeats keep jobs alive."""

from __future__ import annotations

import asyncio

from jobcontracts.runtime import Connection, JobOptions, JobState, QueueAdmin, Worker, enqueue_async
from jobcontracts.runtime.scripts import QueueScripts, queue_scripts
from jobcontracts.runtime.testing import ManualClock
from jobcontracts.runtime.wire import Settlement
from tests.runtime.runtime_testkit import (
    Doubled,
    Recorder,
    fast_settings,
    make_queue,
    running,
    wait_counts,
)

QUEUE = make_queue()
LEASE_MS = 30_000


async def _claim(scripts: QueueScripts, now: int, token: str) -> str:
    """Act as a worker that claims one job and then dies (never settles, never heartbeats)."""
    reply = await scripts.finish_and_claim_async(now, token, LEASE_MS, 1, [])
    assert len(reply.jobs) == 1
    return reply.jobs[0].id


async def test_expired_lease_goes_back_to_wait_then_dead(
    redis_url: str, key_prefix: str, manual_clock: ManualClock
) -> None:
    connection = Connection(redis_url, prefix=key_prefix, clock=manual_clock)
    scripts = queue_scripts(connection, "test")
    admin = QueueAdmin("test", connection)
    try:
        job = await enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(), connection)
        await _claim(scripts, manual_clock.now, "dead-worker:1")
        assert await job.status() is JobState.ACTIVE
        # the lease is alive: nothing to recover
        manual_clock.advance(LEASE_MS - 1)
        assert await scripts.recover_stalled_async(manual_clock.now, max_stalls=1) == []
        manual_clock.advance(1)
        stalled = await scripts.recover_stalled_async(manual_clock.now, max_stalls=1)
        assert [(s.id, s.stalls, s.dead) for s in stalled] == [(job.id, 1, False)]
        info = await admin.job_async(job.id)
        assert info is not None
        assert info.state is JobState.WAITING
        assert info.stalls == 1
        assert info.attempts_made == 0
        # second stall exceeds max_stalls=1: dead-lettered with that reason
        await _claim(scripts, manual_clock.now, "dead-worker:2")
        manual_clock.advance(LEASE_MS)
        stalled = await scripts.recover_stalled_async(manual_clock.now, max_stalls=1)
        assert [(s.id, s.stalls, s.dead) for s in stalled] == [(job.id, 2, True)]
        letters = await admin.dead_letters_async()
        assert letters[0].reason.startswith("stalled 2 times: lease expired")
    finally:
        await connection.aclose()


async def test_stale_completion_is_ignored(
    redis_url: str, key_prefix: str, manual_clock: ManualClock
) -> None:
    connection = Connection(redis_url, prefix=key_prefix, clock=manual_clock)
    scripts = queue_scripts(connection, "test")
    try:
        job = await enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(), connection)
        await _claim(scripts, manual_clock.now, "slow-worker:1")
        manual_clock.advance(LEASE_MS + 1)
        await scripts.recover_stalled_async(manual_clock.now, max_stalls=5)
        await _claim(scripts, manual_clock.now, "fresh-worker:1")
        # the slow worker finally reports: its token no longer matches
        reply = await scripts.finish_and_claim_async(
            manual_clock.now,
            "slow-worker:2",
            LEASE_MS,
            0,
            [Settlement.completed(job.id, "slow-worker:1", '{"doubled":2}')],
        )
        assert reply.ignored == [job.id]
        assert await job.status() is JobState.ACTIVE
        # the lease holder's heartbeat still works, the stale one's does not
        assert (
            await scripts.extend_leases_async(
                manual_clock.now + LEASE_MS, [(job.id, "fresh-worker:1")]
            )
            == []
        )
        lost = await scripts.extend_leases_async(
            manual_clock.now + LEASE_MS, [(job.id, "slow-worker:1")]
        )
        assert lost == [job.id]
        reply = await scripts.finish_and_claim_async(
            manual_clock.now,
            "fresh-worker:2",
            LEASE_MS,
            0,
            [Settlement.completed(job.id, "fresh-worker:1", '{"doubled":2}')],
        )
        assert reply.ignored == []
        assert await job.status() is JobState.COMPLETED
    finally:
        await connection.aclose()


async def test_a_completion_delivered_twice_is_applied_once(
    redis_url: str, key_prefix: str, manual_clock: ManualClock
) -> None:
    """A call whose reply was lost is sent again, settlements and all: the second is ignored."""
    connection = Connection(redis_url, prefix=key_prefix, clock=manual_clock)
    scripts = queue_scripts(connection, "test")
    try:
        job = await enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(), connection)
        await _claim(scripts, manual_clock.now, "worker:1")
        done = [Settlement.completed(job.id, "worker:1", '{"doubled":2}')]
        first = await scripts.finish_and_claim_async(
            manual_clock.now, "worker:2", LEASE_MS, 0, done
        )
        assert first.ignored == []
        manual_clock.advance(5)
        again = [Settlement.completed(job.id, "worker:1", '{"doubled":3}')]
        second = await scripts.finish_and_claim_async(
            manual_clock.now, "worker:3", LEASE_MS, 0, again
        )
        assert second.ignored == [job.id]
        assert await job.status() is JobState.COMPLETED
        assert await job.result() == Doubled(doubled=2)
        # the finished job's emptied token matches no worker's heartbeat
        lost = await scripts.extend_leases_async(manual_clock.now, [(job.id, "worker:1")])
        assert lost == [job.id]
        assert await scripts.extend_leases_async(manual_clock.now, [(job.id, "")]) == [job.id]
    finally:
        await connection.aclose()


async def test_worker_recovers_a_dead_workers_job(
    redis_url: str, key_prefix: str, manual_clock: ManualClock
) -> None:
    connection = Connection(redis_url, prefix=key_prefix, clock=manual_clock)
    scripts = queue_scripts(connection, "test")
    try:
        job = await enqueue_async(QUEUE, "double", {"value": 4}, JobOptions(), connection)
        await _claim(scripts, manual_clock.now, "crashed:1")
        rec = Recorder()
        settings = fast_settings(stall_check=0.05, lease=LEASE_MS / 1000)
        async with running(Worker(QUEUE, rec, connection=connection, settings=settings)):
            await asyncio.sleep(0.2)
            assert rec.seen == []  # the lease is still alive
            manual_clock.advance(LEASE_MS + 1)
            assert await job.result(timeout=10) == Doubled(doubled=8)
        info = await QueueAdmin("test", connection).job_async(job.id)
        assert info is not None
        assert info.stalls == 1
        assert info.attempts_made == 1
    finally:
        await connection.aclose()


async def test_heartbeat_keeps_long_jobs_leased(connection: Connection) -> None:
    rec = Recorder()
    rec.sleep = 1.0
    settings = fast_settings(lease=0.3, stall_check=0.05)
    admin = QueueAdmin("test", connection)
    async with running(Worker(QUEUE, rec, connection=connection, settings=settings)):
        job = await enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(), connection)
        assert await job.result(timeout=10) == Doubled(doubled=2)
    info = await admin.job_async(job.id)
    assert info is not None
    assert info.stalls == 0
    assert len(rec.seen) == 1
    await wait_counts(admin, completed=1, active=0)
