"""Exactly-once enqueue: a reply lost after Redis ran the add does not add the job twice."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jobcontracts.runtime import (
    Connection,
    JobOptions,
    QueueAdmin,
    enqueue,
    enqueue_async,
    enqueue_many,
)
from jobcontracts.runtime.connection import ClientSettings
from jobcontracts.runtime.ids import MARK, is_generated_id
from jobcontracts.runtime.script_calls import ADD_JOBS
from jobcontracts.runtime.scripts import queue_scripts
from jobcontracts.runtime.worker import Worker
from tests.conftest import delete_prefix
from tests.runtime.lossy_proxy import LossyProxy
from tests.runtime.runtime_testkit import (
    Recorder,
    fast_settings,
    make_queue,
    raw_job,
    running,
    wait_counts,
)

QUEUE = make_queue()
QUICK_RETRY = ClientSettings(retries=3, backoff_base=0.01, backoff_cap=0.05)


@pytest.fixture
def proxy(redis_url: str) -> Iterator[LossyProxy]:
    lossy = LossyProxy(redis_url)
    try:
        yield lossy
    finally:
        lossy.close()


@pytest.fixture
def direct(redis_url: str, key_prefix: str) -> Iterator[Connection]:
    """The single server behind the proxy, under the test's prefix (cleaned afterwards)."""
    conn = Connection(redis_url, prefix=key_prefix)
    try:
        yield conn
    finally:
        conn.close()
        delete_prefix(redis_url, key_prefix)


@pytest.fixture
def via_proxy(proxy: LossyProxy, direct: Connection) -> Iterator[Connection]:
    """A connection through the proxy, under the test's prefix."""
    conn = Connection(proxy.url, prefix=direct.prefix, settings=QUICK_RETRY)
    try:
        yield conn
    finally:
        conn.close()


def test_a_lost_reply_to_add_job_does_not_add_it_twice(
    proxy: LossyProxy, via_proxy: Connection, direct: Connection
) -> None:
    enqueue(QUEUE, "double", {"value": 0}, JobOptions(), via_proxy)  # warm: scripts loaded
    proxy.drop_reply_to(ADD_JOBS.sha.encode())
    job = enqueue(QUEUE, "double", {"value": 1}, JobOptions(), via_proxy)
    assert proxy.dropped == 1  # the add ran, its reply never came, the client retried
    assert job.created
    counts = QueueAdmin("test", direct).counts()
    assert counts.waiting == 2  # the warm-up job and this one, once
    info = QueueAdmin("test", direct).job(job.id)
    assert info is not None
    assert info.payload == '{"value":1}'


async def test_a_lost_reply_to_add_job_async_does_not_add_it_twice(
    proxy: LossyProxy, via_proxy: Connection, direct: Connection
) -> None:
    await enqueue_async(QUEUE, "double", {"value": 0}, JobOptions(), via_proxy)
    proxy.drop_reply_to(ADD_JOBS.sha.encode())
    job = await enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(), via_proxy)
    assert proxy.dropped == 1
    assert job.created
    assert (await QueueAdmin("test", direct).counts_async()).waiting == 2
    await via_proxy.aclose()


def test_a_lost_reply_to_a_bulk_add_does_not_add_the_chunk_twice(
    proxy: LossyProxy, via_proxy: Connection, direct: Connection
) -> None:
    enqueue(QUEUE, "double", {"value": 0}, JobOptions(), via_proxy)
    proxy.drop_reply_to(ADD_JOBS.sha.encode())
    jobs = enqueue_many(QUEUE, [("double", {"value": n}) for n in range(50)], via_proxy)
    assert proxy.dropped == 1
    assert all(job.created for job in jobs)
    assert len({job.id for job in jobs}) == 50
    assert QueueAdmin("test", direct).counts().waiting == 51


def test_generated_ids_sort_by_creation_and_never_repeat(connection: Connection) -> None:
    jobs = enqueue_many(QUEUE, [("double", {"value": n}) for n in range(2000)], connection)
    ids = [job.id for job in jobs]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith(MARK) and len(i) == 19 and is_generated_id(i) for i in ids)
    later = enqueue(QUEUE, "double", {"value": 1}, JobOptions(), connection)
    assert later.id > max(ids)


async def test_jobs_with_ids_of_the_all_digit_form_still_run(connection: Connection) -> None:
    """Jobs queued by an older producer (31-digit ids) keep working next to the shorter form."""
    old_id = "1796301786382620452585063764478"
    scripts = queue_scripts(connection, QUEUE.domain)
    ((added, created),) = scripts.add_jobs(
        connection.now_ms(), [raw_job(old_id, "double", b'{"value": 5}')]
    )
    assert (added, created) == (old_id, True)
    assert is_generated_id(old_id)
    new = await enqueue_async(QUEUE, "double", {"value": 6}, JobOptions(), connection)
    assert new.id > old_id  # the new form sorts after every id of the old one
    rec = Recorder()
    admin = QueueAdmin(QUEUE.domain, connection)
    async with running(Worker(QUEUE, rec, connection=connection, settings=fast_settings())):
        await wait_counts(admin, completed=2, waiting=0, active=0)
    assert sorted((job_id, value) for job_id, value, _ in rec.seen) == [(old_id, 5), (new.id, 6)]
    info = await admin.job_async(old_id)
    assert info is not None
    assert info.attempts_made == 1
