"""An asyncio add that finds its queue's lane open goes straight to it, and loses nothing.

The direct path (``coalescing._Batcher._send``) writes the ``add_jobs`` call
to the lane's pipelined connection without the layers of the full path. These
tests check that it is the path taken (``test_runtime_add_packing``: with the
full path's bytes), and that every failure it can meet ends as the full path
ends it: an
emptied script cache reloads the script, a lost connection goes through the
pool, a script's error reply is the caller's own.
"""

# pyright: reportUnknownMemberType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
import redis

from jobcontracts.runtime import Connection, JobOptions, QueueAdmin, enqueue_async
from jobcontracts.runtime.coalescing import add_job_coalesced
from jobcontracts.runtime.script_calls import ADD_JOBS
from jobcontracts.runtime.script_replies import parse_add, parse_add_one
from jobcontracts.runtime.testing import RedisServer
from tests.conftest import delete_prefix
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


def _batcher_pipe(connection: Connection) -> object:
    (per_domain,) = connection.batchers_by_loop.values()
    return per_domain["test"].pipe


async def test_after_the_first_add_the_next_ones_go_straight_to_the_lane(conn: Connection) -> None:
    await enqueue_async(QUEUE, "double", {"value": 0}, JobOptions(), conn)
    lane = conn.async_lane()
    assert lane.open_pipe() is not None
    assert _batcher_pipe(conn) is lane.open_pipe()
    jobs = [
        await enqueue_async(QUEUE, "double", {"value": i}, JobOptions(), conn) for i in range(5)
    ]
    assert all(job.created for job in jobs)
    assert (await QueueAdmin("test", conn).counts_async()).waiting == 6


async def test_a_script_error_on_the_direct_path_is_the_callers(conn: Connection) -> None:
    await add_job_coalesced(conn, "test", raw_job("first", "double", b"{}"))
    bad = raw_job("bad", "double", b"{}")._replace(priority="not a number")  # type: ignore[arg-type]
    with pytest.raises(redis.ResponseError):
        await add_job_coalesced(conn, "test", bad)
    assert await add_job_coalesced(conn, "test", raw_job("after", "double", b"{}")) == (
        "after",
        True,
    )
    assert conn.async_lane().pipelined  # an error reply leaves the connection as it was


async def test_an_emptied_script_cache_on_the_direct_path_reloads_the_script(
    redis_server_factory: Callable[[], RedisServer],
) -> None:
    connection = Connection(redis_server_factory().url, prefix="direct")
    try:
        assert await add_job_coalesced(connection, "test", raw_job("a", "double", b"{}")) == (
            "a",
            True,
        )
        client = connection.sync_client()
        client.script_flush()
        assert client.script_exists(ADD_JOBS.sha) == [False]
        assert await add_job_coalesced(connection, "test", raw_job("b", "double", b"{}")) == (
            "b",
            True,
        )
        assert client.script_exists(ADD_JOBS.sha) == [True]
        assert (await QueueAdmin("test", connection).counts_async()).waiting == 2
    finally:
        await connection.aclose()


async def test_a_lane_killed_between_adds_costs_the_next_add_nothing(
    conn: Connection, redis_url: str
) -> None:
    await add_job_coalesced(conn, "test", raw_job("a", "double", b"{}"))
    lane_id = await conn.async_lane().execute("CLIENT", "ID")
    admin = redis.Redis.from_url(redis_url)
    try:
        admin.client_kill_filter(_id=lane_id)
    finally:
        admin.close()
    assert await add_job_coalesced(conn, "test", raw_job("b", "double", b"{}")) == ("b", True)
    assert (await QueueAdmin("test", conn).counts_async()).waiting == 2
    assert await add_job_coalesced(conn, "test", raw_job("c", "double", b"{}")) == ("c", True)
    assert conn.async_lane().pipelined  # reopened for the calls after


@pytest.mark.parametrize("n", [1, 0, 17, -17])
@pytest.mark.parametrize("job_id", ["given", ""])
def test_a_one_job_reply_reads_as_a_batch_reply_of_one(job_id: str, n: int) -> None:
    job = raw_job(job_id, "double", b"{}")
    assert parse_add_one(job, [n]) == parse_add([job], [n])[0]
