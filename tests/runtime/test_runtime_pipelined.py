"""The asyncio producer's lane: many calls in flight on one connection, each with its own reply.

Replies are matched to calls by order alone, so these tests try what could
break the order: calls from many coroutines at once, an error reply among
them, a caller cancelled while its command runs, the connection killed by the
server, a reply that never comes. Each call must get its own reply or error,
and the lane must keep working (or reopen) afterwards.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import cast
from urllib.parse import urlparse

import pytest
import redis
from redis.connection import Connection as RedisPyConnection
from redis.exceptions import DataError

from jobcontracts.runtime import Connection, JobOptions, QueueAdmin, enqueue_async
from jobcontracts.runtime.connection import ClientSettings
from jobcontracts.runtime.lanes import AsyncProducerLane
from jobcontracts.runtime.pipelined import Encoded, PipelinedConnection, pack, plain
from jobcontracts.runtime.server_checks import Level
from jobcontracts.runtime.wire import Retention
from tests.conftest import delete_prefix
from tests.runtime.runtime_testkit import make_queue

QUEUE = make_queue()


@pytest.fixture
async def conn(redis_url: str, key_prefix: str) -> AsyncIterator[Connection]:
    connection = Connection(redis_url, prefix=key_prefix)
    try:
        yield connection
    finally:
        await connection.aclose()
        delete_prefix(redis_url, key_prefix)


def _open_sockets() -> int:
    """This process's open sockets: unlike the server's client list, blind to other processes
    sharing the Redis."""
    fds = Path("/proc/self/fd")
    return sum(1 for fd in fds.iterdir() if _target(fd).startswith("socket:"))


def _target(fd: Path) -> str:
    try:
        return os.readlink(fd)
    except FileNotFoundError:  # the directory's own descriptor, closed once listed
        return ""


@pytest.mark.parametrize(
    "args",
    [
        ("EVALSHA", "abc", 2, "k1", "k2", 1_700_000_000_000, -3, 0.5, 1e-7, 2.5e20),
        ("SET", "clé", "värde ✓", "PX", 10),
        ("SET", b"\x00\xffbinary", b"", "KEEPTTL"),
        ("ECHO", memoryview(b"view")),
        ("ECHO", Retention.REMOVE, bytearray(b"ba"), Level.ERROR.value, 7.0),
        ("MSET", "a" * 1023, "b" * 1024, "é" * 600, "x" * 70_000),
    ],
)
def test_commands_are_packed_as_redis_py_packs_them(args: tuple[object, ...]) -> None:
    expected = b"".join(RedisPyConnection().pack_command(*args))  # type: ignore[no-untyped-call]
    assert pack(args) == expected


def test_a_run_packed_once_packs_as_its_values_would() -> None:
    """An ``Encoded`` run stands for its values: the same bytes, the same argument count."""
    head = Encoded(("EVALSHA", "abc", 2, "k1", "k2"))
    options = Encoded(("double", 0, "é", b"", Retention.REMOVE))
    command = (head, 1_700_000_000_000, 1, options, Encoded(()), "job-1", '{"v":1}', 1)
    flat = plain(command)
    assert list(flat) == [
        *("EVALSHA", "abc", 2, "k1", "k2", 1_700_000_000_000, 1),
        *("double", 0, "é", b"", Retention.REMOVE, "job-1", '{"v":1}', 1),
    ]
    expected = b"".join(RedisPyConnection().pack_command(*flat))  # type: ignore[no-untyped-call]
    assert pack(command) == expected
    assert plain(flat) is flat  # nothing packed: taken as it is


def test_an_argument_redis_py_refuses_is_refused() -> None:
    with pytest.raises(DataError):
        pack(("SET", "k", True))
    with pytest.raises(DataError):
        pack(("SET", "k", None))


async def test_a_hundred_producers_share_one_connection(conn: Connection) -> None:
    await enqueue_async(QUEUE, "double", {"value": -1}, JobOptions(), conn)  # warm: lane open
    lane = conn.async_lane()
    assert lane.pipelined
    before = _open_sockets()
    jobs = await asyncio.gather(
        *(enqueue_async(QUEUE, "double", {"value": i}, JobOptions(), conn) for i in range(100))
    )
    assert _open_sockets() <= before + 1  # not one connection per concurrent call
    assert len({job.id for job in jobs}) == 100
    assert all(job.created for job in jobs)
    admin = QueueAdmin("test", conn)
    assert (await admin.counts_async()).waiting == 101
    for value, job in ((0, jobs[0]), (57, jobs[57]), (99, jobs[99])):
        info = await admin.job_async(job.id)
        assert info is not None
        assert info.payload == f'{{"value":{value}}}'


async def test_an_error_reply_goes_to_its_own_caller_only(conn: Connection) -> None:
    lane = conn.async_lane()
    key = f"{conn.prefix}:echo"
    calls = [
        lane.execute("SET", key, "v"),
        lane.execute("NOSUCHCOMMAND", "x"),
        lane.execute("GET", key),
        lane.execute("ECHO", "last"),
    ]
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert results[0] is True or results[0] == b"OK"
    assert isinstance(results[1], redis.ResponseError)
    assert results[2:] == [b"v", b"last"]
    assert lane.pipelined  # an error reply leaves the connection as it was


async def test_a_cancelled_call_does_not_hand_its_reply_to_the_next(conn: Connection) -> None:
    lane = conn.async_lane()
    assert await lane.execute("ECHO", "open") == b"open"
    empty = f"{conn.prefix}:never-filled"
    blocked = asyncio.ensure_future(lane.execute("BLPOP", empty, "0.3"))
    await asyncio.sleep(0.05)
    blocked.cancel()
    with pytest.raises(asyncio.CancelledError):
        await blocked
    # The BLPOP reply (nil) is still to come on this connection; this call must not get it.
    assert await lane.execute("ECHO", "mine") == b"mine"
    assert lane.pipelined


async def test_a_connection_killed_by_the_server_is_replaced(
    conn: Connection, redis_url: str
) -> None:
    lane = conn.async_lane()
    lane_id = await lane.execute("CLIENT", "ID")
    admin = redis.Redis.from_url(redis_url)  # pyright: ignore[reportUnknownMemberType]
    try:
        empty = f"{conn.prefix}:never-filled"
        in_flight = asyncio.ensure_future(lane.execute("BLPOP", empty, "0.5"))
        await asyncio.sleep(0.05)
        admin.client_kill_filter(_id=lane_id)  # pyright: ignore[reportUnknownMemberType]
        assert await in_flight is None  # sent again through the pool: BLPOP timed out empty
    finally:
        admin.close()
    assert await lane.execute("ECHO", "again") == b"again"
    assert lane.pipelined
    assert await lane.execute("CLIENT", "ID") != lane_id


async def test_an_overdue_reply_fails_the_call_and_the_lane_reopens(
    redis_url: str, key_prefix: str
) -> None:
    settings = ClientSettings(socket_timeout=0.2, retries=0)
    conn = Connection(redis_url, prefix=key_prefix, settings=settings)
    try:
        lane: AsyncProducerLane = conn.async_lane()
        with pytest.raises(redis.TimeoutError):
            await lane.execute("BLPOP", f"{key_prefix}:never-filled", "1")
        assert await lane.execute("ECHO", "fresh") == b"fresh"
        assert lane.pipelined
    finally:
        await conn.aclose()


async def _taken_over(
    redis_url: str,
) -> tuple[PipelinedConnection, list[bytes], asyncio.StreamWriter]:
    """A raw connection to the test server driven by the lane's protocol; every write recorded.

    The stream writer is handed back to be kept: dropping it would close the transport.
    """
    url = urlparse(redis_url)
    _, writer = await asyncio.open_connection(url.hostname, url.port)
    transport = cast("asyncio.Transport", writer.transport)
    writes: list[bytes] = []
    send = transport.write

    def recorded(data: bytes | bytearray | memoryview) -> None:
        writes.append(bytes(data))
        send(data)

    transport.write = recorded  # type: ignore[method-assign]
    return PipelinedConnection.take_over(transport, 5.0), writes, writer


async def test_a_call_alone_is_written_at_once_and_a_turns_later_calls_share_a_write(
    redis_url: str,
) -> None:
    lane, writes, writer = await _taken_over(redis_url)
    try:
        first = lane.call(pack(("ECHO", "first")))
        assert writes == [pack(("ECHO", "first"))]  # before the loop got a turn
        second = lane.call(pack(("ECHO", "second")))
        third = lane.call(pack(("ECHO", "third")))
        assert len(writes) == 1  # the first is in flight: these wait for the turn's end
        assert list(await asyncio.gather(first, second, third)) == [b"first", b"second", b"third"]
        assert writes[1:] == [pack(("ECHO", "second")) + pack(("ECHO", "third"))]
        alone = lane.call(pack(("ECHO", "again")))  # nothing in flight any more
        assert len(writes) == 3
        assert await alone == b"again"
    finally:
        lane.close()
        writer.close()
