"""An emptied script cache costs a reload, never a failed call.

Redis forgets loaded scripts on a restart, and a promoted replica never had
them (the cache is not replicated). Every way the runtime sends a script (the
producer's channels, the plain clients, the worker's own connection, with and
without a WAIT behind it) must answer NOSCRIPT by loading the script and
sending it once more. The test flushes the cache of a private server before
each kind of call and checks that the script is loaded again afterwards.
"""

# pyright: reportUnknownMemberType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from jobcontracts.runtime import Connection, JobOptions, JobState, QueueAdmin, enqueue
from jobcontracts.runtime.errors import NotReplicatedError
from jobcontracts.runtime.evalsha import LuaScript
from jobcontracts.runtime.lanes import WorkerLane
from jobcontracts.runtime.producer import enqueue_async
from jobcontracts.runtime.script_calls import ADD_JOBS, FINISH_AND_CLAIM, READ_JOB
from jobcontracts.runtime.scripts import queue_scripts
from jobcontracts.runtime.testing import RedisServer
from jobcontracts.runtime.wire import Settlement
from tests.runtime.runtime_testkit import make_queue

QUEUE = make_queue()


@pytest.fixture
def private(redis_server_factory: Callable[[], RedisServer]) -> Iterator[Connection]:
    """A connection to a server of this test's own: flushing its scripts disturbs no one."""
    connection = Connection(redis_server_factory().url, prefix="noscript")
    try:
        yield connection
    finally:
        connection.close()


def _flushed(connection: Connection, script: LuaScript) -> None:
    client = connection.sync_client()
    client.script_flush()
    assert client.script_exists(script.sha) == [False]


def _loaded(connection: Connection, script: LuaScript) -> bool:
    return connection.sync_client().script_exists(script.sha) == [True]


async def test_every_kind_of_call_reloads_its_script(private: Connection) -> None:
    admin = QueueAdmin("test", private)
    _flushed(private, ADD_JOBS)
    first = enqueue(QUEUE, "double", {"value": 1}, JobOptions(), private)  # blocking channel
    assert _loaded(private, ADD_JOBS)
    _flushed(private, ADD_JOBS)
    second = await enqueue_async(QUEUE, "double", {"value": 2}, JobOptions(), private)  # lane
    assert _loaded(private, ADD_JOBS)

    _flushed(private, READ_JOB)
    info = admin.job(first.id)  # blocking client
    assert info is not None
    assert info.state is JobState.WAITING
    _flushed(private, READ_JOB)
    assert await second.status() is JobState.WAITING  # asyncio client
    assert _loaded(private, READ_JOB)

    scripts = queue_scripts(private, "test")
    channel = WorkerLane(lambda: private.async_client())
    try:
        _flushed(private, FINISH_AND_CLAIM)
        claim = await scripts.finish_and_claim_async(
            private.now_ms(), "w:1", 30_000, 2, [], lane=channel
        )  # the worker's own connection
        assert sorted(job.id for job in claim.jobs) == sorted([first.id, second.id])
        _flushed(private, FINISH_AND_CLAIM)
        done = [Settlement.completed(job.id, job.token, '{"doubled":0}') for job in claim.jobs]
        reply = await scripts.finish_and_claim_async(
            private.now_ms(), "w:2", 30_000, 0, done, lane=channel
        )
        assert reply.ignored == []
    finally:
        await channel.close()
    assert admin.counts().completed == 2
    await private.aclose()


def test_a_call_waiting_for_replicas_reloads_its_script(
    redis_server_factory: Callable[[], RedisServer],
) -> None:
    """With ``wait_replicas`` the script and WAIT go out together; NOSCRIPT still reloads.

    The server has no replica, so the WAIT times out: the add itself must have run.
    """
    server = redis_server_factory()
    connection = Connection(f"{server.url}?wait_replicas=1&wait_timeout_ms=20", prefix="ns")
    try:
        _flushed(connection, ADD_JOBS)
        with pytest.raises(NotReplicatedError, match="acknowledged by 0 of 1"):
            enqueue(QUEUE, "double", {"value": 1}, JobOptions(), connection)
        assert _loaded(connection, ADD_JOBS)
        assert QueueAdmin("test", connection).counts().waiting == 1
    finally:
        connection.close()
