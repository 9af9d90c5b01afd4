"""Concurrent ``enqueue_async`` calls share script calls, and each keeps its own result and error.

What could go wrong when jobs travel together: a result handed to the wrong
caller, one job's error failing its neighbours, a job added twice when the
shared call is retried or split, a cancelled caller's job added anyway.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
import redis

from jobcontracts.runtime import Connection, JobOptions, QueueAdmin, enqueue_async
from jobcontracts.runtime.coalescing import add_job_coalesced
from jobcontracts.runtime.connection import ClientSettings
from jobcontracts.runtime.script_calls import ADD_JOBS
from tests.conftest import delete_prefix
from tests.runtime.lossy_proxy import LossyProxy
from tests.runtime.runtime_testkit import make_queue, raw_job

QUEUE = make_queue()


@pytest.fixture
async def conn(redis_url: str, key_prefix: str) -> AsyncIterator[Connection]:
    connection = Connection(redis_url, prefix=key_prefix)
    try:
        yield connection
    finally:
        await connection.aclose()
        delete_prefix(redis_url, key_prefix)


def _evalsha_calls(url: str) -> int:
    client = redis.Redis.from_url(url)  # pyright: ignore[reportUnknownMemberType]
    try:
        stats = client.info("commandstats")  # pyright: ignore[reportUnknownMemberType]
    finally:
        client.close()
    entry = stats.get("cmdstat_evalsha", {})  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    return int(entry.get("calls", 0))  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]


async def test_concurrent_adds_share_script_calls_and_keep_their_own_results(
    conn: Connection, redis_url: str
) -> None:
    await enqueue_async(QUEUE, "double", {"value": -1}, JobOptions(), conn)  # warm
    before = _evalsha_calls(redis_url)
    jobs = await asyncio.gather(
        *(enqueue_async(QUEUE, "double", {"value": i}, JobOptions(), conn) for i in range(200))
    )
    assert _evalsha_calls(redis_url) - before <= 50  # 200 jobs in far fewer script calls
    assert all(job.created for job in jobs)
    admin = QueueAdmin("test", conn)
    assert (await admin.counts_async()).waiting == 201
    for value in (0, 1, 100, 199):
        info = await admin.job_async(jobs[value].id)
        assert info is not None
        assert info.payload == f'{{"value":{value}}}'


async def test_one_jobs_error_is_its_own(conn: Connection) -> None:
    good = [raw_job(f"good-{k}", "double", b'{"value":1}') for k in range(12)]
    # a priority no producer of ours would send: the script fails on it mid-call
    bad = raw_job("bad", "double", b'{"value":1}')._replace(priority="not a number")  # type: ignore[arg-type]
    jobs = [*good[:6], bad, *good[6:]]
    results = await asyncio.gather(
        *(add_job_coalesced(conn, "test", job) for job in jobs), return_exceptions=True
    )
    assert isinstance(results[6], redis.ResponseError)
    others = results[:6] + results[7:]
    # Each good job gets its own id back; one the failed shared call had already written is
    # found by its id when sent again alone, not added a second time.
    assert [result[0] if isinstance(result, tuple) else result for result in others] == [
        job.job_id for job in good
    ]
    # The failed call checked every job before writing any: each good job is its sender's.
    assert all(result == (job.job_id, True) for result, job in zip(others, good, strict=True))
    assert (await QueueAdmin("test", conn).counts_async()).waiting == len(good)


async def test_the_same_id_in_one_shared_call_is_added_once(conn: Connection) -> None:
    options = JobOptions(job_id="order-7")
    first, second, third = await asyncio.gather(
        enqueue_async(QUEUE, "double", {"value": 0}, JobOptions(), conn),
        enqueue_async(QUEUE, "double", {"value": 1}, options, conn),
        enqueue_async(QUEUE, "double", {"value": 2}, options, conn),
    )
    assert first.created
    assert second.id == third.id == "order-7"
    assert [second.created, third.created].count(True) == 1  # whichever arrived first
    info = await QueueAdmin("test", conn).job_async("order-7")
    assert info is not None
    assert info.payload == ('{"value":1}' if second.created else '{"value":2}')
    assert (await QueueAdmin("test", conn).counts_async()).waiting == 2


async def test_a_caller_cancelled_before_its_job_left_adds_nothing(conn: Connection) -> None:
    first = asyncio.ensure_future(enqueue_async(QUEUE, "double", {"value": 0}, JobOptions(), conn))
    await asyncio.sleep(0)  # the first call is now in flight
    waiting = asyncio.ensure_future(
        enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(job_id="never"), conn)
    )
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await first
    await enqueue_async(QUEUE, "double", {"value": 2}, JobOptions(), conn)
    assert await QueueAdmin("test", conn).job_async("never") is None
    assert (await QueueAdmin("test", conn).counts_async()).waiting == 2


@pytest.fixture
def proxy(redis_url: str) -> Iterator[LossyProxy]:
    lossy = LossyProxy(redis_url)
    try:
        yield lossy
    finally:
        lossy.close()


async def test_a_lost_reply_to_a_shared_call_adds_each_job_once(
    proxy: LossyProxy, redis_url: str, key_prefix: str
) -> None:
    settings = ClientSettings(retries=3, backoff_base=0.01, backoff_cap=0.05)
    via_proxy = Connection(proxy.url, prefix=key_prefix, settings=settings)
    direct = Connection(redis_url, prefix=key_prefix)
    try:
        await enqueue_async(QUEUE, "double", {"value": -1}, JobOptions(), via_proxy)
        proxy.drop_reply_to(ADD_JOBS.sha.encode())
        jobs = await asyncio.gather(
            *(
                enqueue_async(QUEUE, "double", {"value": i}, JobOptions(), via_proxy)
                for i in range(30)
            )
        )
        assert proxy.dropped == 1
        assert all(job.created for job in jobs)
        assert len({job.id for job in jobs}) == 30
        assert (await QueueAdmin("test", direct).counts_async()).waiting == 31
    finally:
        await via_proxy.aclose()
        await direct.aclose()
        delete_prefix(redis_url, key_prefix)


def test_event_loops_taking_turns_each_keep_their_own_batchers(
    redis_url: str, key_prefix: str
) -> None:
    """A connection remembers the loop it served last; another loop must not get its batchers."""
    connection = Connection(redis_url, prefix=key_prefix)
    loops = [asyncio.new_event_loop(), asyncio.new_event_loop()]

    async def burst(start: int) -> None:
        jobs = await asyncio.gather(
            *(
                enqueue_async(QUEUE, "double", {"value": start + i}, JobOptions(), connection)
                for i in range(20)
            )
        )
        assert all(job.created for job in jobs)

    try:
        for turn in range(3):
            for number, loop in enumerate(loops):
                loop.run_until_complete(burst(100 * (2 * turn + number)))
        assert set(connection.batchers_by_loop) == set(loops)
        first, second = (connection.batchers_by_loop[loop]["test"] for loop in loops)
        assert first is not second
        counts = loops[0].run_until_complete(QueueAdmin("test", connection).counts_async())
        assert counts.waiting == 120
    finally:
        for loop in loops:
            loop.run_until_complete(connection.aclose())
            loop.close()
        delete_prefix(redis_url, key_prefix)
