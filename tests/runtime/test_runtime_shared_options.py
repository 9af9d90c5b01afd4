"""Shared options records: jobs enqueued with their kind's defaults store a record number.

Each test checks the bytes saved (which fields a job hash holds) and that the
job still behaves as its options say: attempts, backoff, timeout, retention and
revision read through the record, by the claim, the settle step, the stall
recovery and ``read_job``; and that a queued job keeps its options when the
kind's defaults change.
"""

# pyright: reportUnknownMemberType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import json
from datetime import timedelta
from typing import cast

from jobcontracts.runtime import (
    Backoff,
    Connection,
    JobDefaults,
    JobOptions,
    QueueAdmin,
    Worker,
    enqueue_async,
)
from jobcontracts.runtime.keys import QueueKeys
from jobcontracts.runtime.scripts import queue_scripts
from jobcontracts.runtime.wire import JobField
from tests.runtime.runtime_testkit import (
    Recorder,
    fast_settings,
    make_queue,
    raw_job,
    running,
    wait_counts,
    wait_until,
)

DEFAULTS = JobDefaults(
    attempts=2,
    backoff=Backoff.fixed(timedelta(milliseconds=10)),
    timeout=timedelta(seconds=5),
    remove_on_complete=True,
    remove_on_fail=True,
)
QUEUE = make_queue(defaults=DEFAULTS)
SHARED = {
    JobField.ATTEMPTS,
    JobField.BACKOFF,
    JobField.TIMEOUT,
    JobField.REMOVE_ON_COMPLETE,
    JobField.REMOVE_ON_FAIL,
    JobField.REVISION,
}
LEASE_MS = 1000


def _fields(connection: Connection, job_id: str) -> dict[str, str]:
    key = QueueKeys.build(connection.prefix, QUEUE.domain).job_prefix + job_id
    raw = cast("dict[bytes, bytes]", connection.route(key).sync_client().hgetall(key))
    return {k.decode(): v.decode() for k, v in raw.items()}


def _records(connection: Connection) -> dict[str, str]:
    key = QueueKeys.build(connection.prefix, QUEUE.domain).options
    raw = cast("dict[bytes, bytes]", connection.route(key).sync_client().hgetall(key))
    return {k.decode(): v.decode() for k, v in raw.items()}


async def test_jobs_with_default_options_share_one_record(connection: Connection) -> None:
    options = [JobOptions(), JobOptions(priority=5), JobOptions(delay=60), JobOptions(job_id="k")]
    jobs = [await enqueue_async(QUEUE, "double", {"value": 1}, o, connection) for o in options]
    for job in jobs:
        fields = _fields(connection, job.id)
        assert fields[JobField.OPTIONS] == "1"
        assert SHARED.isdisjoint(fields), fields
    record = json.loads(_records(connection)["1"])
    assert record == {"a": "2", "b": "f:10:0", "t": "5000", "rc": "1", "rf": "1"}
    assert _records(connection) == {
        "#": "1",
        "1": json.dumps(record, separators=(",", ":")),
        json.dumps(record, separators=(",", ":")): "1",
    }
    info = await QueueAdmin(QUEUE.domain, connection).job_async(jobs[0].id)
    assert info is not None
    assert (info.attempts_allowed, info.backoff, info.timeout_ms) == (2, "f:10:0", 5000)


async def test_a_job_overriding_an_option_stores_its_own_fields(connection: Connection) -> None:
    for options in (
        JobOptions(attempts=4),
        JobOptions(timeout=9),
        JobOptions(retries=1),
        JobOptions(remove_on_fail=False),
        JobOptions(backoff=Backoff.fixed(1)),
    ):
        job = await enqueue_async(QUEUE, "double", {"value": 1}, options, connection)
        fields = _fields(connection, job.id)
        assert JobField.OPTIONS not in fields
        assert {JobField.ATTEMPTS, JobField.BACKOFF, JobField.TIMEOUT} <= set(fields)
    assert _records(connection) == {}


async def test_attempts_and_retention_are_read_through_the_record(
    connection: Connection,
) -> None:
    """Two attempts, then the job dies and is removed (remove_on_fail); a success is removed."""
    rec = Recorder()
    rec.fail_until_attempt = 5
    failing = await enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(), connection)
    admin = QueueAdmin(QUEUE.domain, connection)
    async with running(Worker(QUEUE, rec, connection=connection, settings=fast_settings())):
        await wait_until(lambda: len(rec.seen) == 2)
        await wait_counts(admin, waiting=0, active=0, failed=0)
        rec.fail_until_attempt = 0
        passing = await enqueue_async(QUEUE, "double", {"value": 2}, JobOptions(), connection)
        await wait_until(lambda: len(rec.seen) == 3)
        await wait_counts(admin, waiting=0, active=0)
    assert [(job_id, attempt) for job_id, _, attempt in rec.seen] == [
        (failing.id, 1),
        (failing.id, 2),
        (passing.id, 1),
    ]
    assert _fields(connection, failing.id) == {}
    assert _fields(connection, passing.id) == {}
    counts = await admin.counts_async()
    assert (counts.dead, counts.completed) == (0, 0)


async def test_a_stalled_job_is_buried_by_its_record(connection: Connection) -> None:
    """The stall recovery reads remove_on_fail from the record: the dead job is removed."""
    job = await enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(), connection)
    scripts = queue_scripts(connection, QUEUE.domain)
    now = connection.now_ms()
    reply = await scripts.finish_and_claim_async(now, "gone:1", LEASE_MS, 1, [])
    assert [(j.id, j.attempts, j.backoff, j.timeout_ms) for j in reply.jobs] == [
        (job.id, 2, b"f:10:0", 5000)
    ]
    stalled = await scripts.recover_stalled_async(now + LEASE_MS + 1, max_stalls=0)
    assert [(s.id, s.dead) for s in stalled] == [(job.id, True)]
    assert _fields(connection, job.id) == {}
    assert (await QueueAdmin(QUEUE.domain, connection).counts_async()).dead == 0


async def test_queued_jobs_keep_their_options_when_the_defaults_change(
    connection: Connection,
) -> None:
    """A later producer with other defaults adds a record; earlier jobs keep theirs."""
    old = await enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(), connection)
    changed = make_queue(defaults=JobDefaults(attempts=7, timeout=timedelta(seconds=3)))
    new = await enqueue_async(changed, "double", {"value": 1}, JobOptions(), connection)
    assert (_fields(connection, old.id)["o"], _fields(connection, new.id)["o"]) == ("1", "2")
    admin = QueueAdmin(QUEUE.domain, connection)
    infos = [await admin.job_async(job.id) for job in (old, new)]
    assert [(i.attempts_allowed, i.timeout_ms) for i in infos if i] == [(2, 5000), (7, 3000)]


async def test_jobs_written_without_a_record_keep_working(connection: Connection) -> None:
    """Jobs of earlier versions hold their options as fields: they run by those."""
    scripts = queue_scripts(connection, QUEUE.domain)
    scripts.add_jobs(connection.now_ms(), [raw_job("older-1", "double", b'{"value": 3}')])
    assert JobField.OPTIONS not in _fields(connection, "older-1")
    rec = Recorder()
    admin = QueueAdmin(QUEUE.domain, connection)
    async with running(Worker(QUEUE, rec, connection=connection, settings=fast_settings())):
        await wait_counts(admin, completed=1, waiting=0, active=0)
    assert [(job_id, attempt) for job_id, _, attempt in rec.seen] == [("older-1", 1)]
