"""Configuration: where Redis is, key layout, client policy."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
import time
import weakref

import pytest
import redis.asyncio.retry
import redis.retry

from jobcontracts.runtime import (
    Connection,
    JobOptions,
    default_connection,
    enqueue,
    enqueue_async,
)
from jobcontracts.runtime.connection import url_from_env
from jobcontracts.runtime.keys import QueueKeys
from jobcontracts.runtime.retrying import AsyncOutageRetry, OutageRetry
from jobcontracts.runtime.testing_deployments import LocalCluster
from tests.conftest import delete_prefix
from tests.leak_guard import resource_warnings
from tests.runtime.runtime_testkit import make_queue

QUEUE = make_queue()


def test_url_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("REDIS_HOST", raising=False)
    monkeypatch.delenv("REDIS_PORT", raising=False)
    assert url_from_env() == "redis://localhost:6379/0"
    monkeypatch.setenv("REDIS_HOST", "cache.internal")
    monkeypatch.setenv("REDIS_PORT", "6380")
    assert url_from_env() == "redis://cache.internal:6380/0"
    monkeypatch.setenv("REDIS_URL", "rediss://worker:s3cret@redis.example:6390/2")
    assert url_from_env() == "rediss://worker:s3cret@redis.example:6390/2"
    conn = Connection()
    assert "s3cret" not in repr(conn)
    kwargs = conn.sync_client().connection_pool.connection_kwargs
    assert (kwargs["username"], kwargs["password"], kwargs["host"], kwargs["port"]) == (
        "worker",
        "s3cret",
        "redis.example",
        6390,
    )
    assert conn.sync_client().connection_pool.connection_class.__name__ == "SSLConnection"
    conn.close()


def test_clients_use_explicit_retry_policy() -> None:
    conn = Connection("redis://127.0.0.1:6379/0")
    sync_retry = conn.sync_client().connection_pool.connection_kwargs["retry"]
    assert type(sync_retry) is OutageRetry
    assert isinstance(sync_retry, redis.retry.Retry)

    async def check() -> None:
        first = conn.async_client()
        assert conn.async_client() is first  # cached per loop
        retry = first.connection_pool.connection_kwargs["retry"]
        assert type(retry) is AsyncOutageRetry
        assert isinstance(retry, redis.asyncio.retry.Retry)  # the sync class would disable retrying
        await conn.aclose()

    asyncio.run(check())
    conn.close()


def test_default_connection_is_shared() -> None:
    assert default_connection() is default_connection()


def test_keys_share_one_hash_tag() -> None:
    keys = QueueKeys.build("jobs", "github")
    assert keys.wait == "jobs:{github}:wait"
    assert keys.fifo == "jobs:{github}:fifo"
    assert keys.job("42") == "jobs:{github}:job:42"
    names = [
        keys.id,
        keys.wait,
        keys.fifo,
        keys.delayed,
        keys.retry,
        keys.active,
        keys.completed,
        keys.dead,
        keys.paused,
        keys.marker,
        keys.limiter,
        keys.repeat,
        keys.repeats,
        keys.job_prefix,
        keys.done_prefix,
    ]
    assert all("{github}" in n and n.index("{") == n.index("{github}") for n in names)
    with pytest.raises(ValueError, match="braces"):
        QueueKeys.build("jo{bs", "github")
    with pytest.raises(ValueError, match="empty"):
        QueueKeys.build("jobs", "")


async def test_a_connection_that_enqueued_is_collected_once_dropped(
    redis_url: str, key_prefix: str
) -> None:
    """Per-queue helpers live on the connection: no module-level map keeps it (and its sockets)."""
    sync_conn = Connection(redis_url, prefix=key_prefix)
    async_conn = Connection(redis_url, prefix=key_prefix)
    try:
        first = enqueue(QUEUE, "double", {"value": 1}, JobOptions(), sync_conn)
        second = await enqueue_async(QUEUE, "double", {"value": 2}, JobOptions(), async_conn)
        assert first.id != second.id
    finally:
        sync_conn.close()
        await async_conn.aclose()
        delete_prefix(redis_url, key_prefix)
    gone = [weakref.ref(sync_conn), weakref.ref(async_conn)]
    del sync_conn, async_conn, first, second
    gc.collect()
    assert [ref() for ref in gone] == [None, None]


_HANDSHAKE_PROBE = """
import asyncio, sys
import redis
from jobcontracts.runtime import Connection

opened = []
sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == "open" else None)
conn = Connection(sys.argv[1], prefix="handshake")
for _ in range(3):  # a new socket each time
    conn.sync_client().ping()
    conn.close()


async def ping() -> None:
    await conn.async_client().ping()
    await conn.aclose()


asyncio.run(ping())
info = conn.sync_client().connection_pool.connection_kwargs.get("driver_info")
conn.close()
name, version = getattr(info, "formatted_name", None), getattr(info, "lib_version", None)
print(sum("dist-info" in path for path in opened), name, version == redis.__version__)
"""


def test_connecting_reads_no_package_metadata(redis_url: str) -> None:
    # CLIENT SETINFO still names redis-py and its version; the version is not
    # looked up in the installed distributions for every new socket.
    done = subprocess.run(
        [sys.executable, "-c", _HANDSHAKE_PROBE, redis_url],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.split() == ["0", "redis-py", "True"]


async def test_aclose_closes_the_asyncio_clients_of_every_cluster_node(
    redis_cluster: LocalCluster, key_prefix: str
) -> None:
    """A Cluster connection's asyncio clients live on its node connections: aclose reaches them."""
    with resource_warnings() as leaks:
        conn = Connection(redis_cluster.url, prefix=key_prefix)
        try:
            await enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(), conn)
            assert await conn.primaries()[0].async_client().ping()  # pyright: ignore[reportUnknownMemberType]
        finally:
            await conn.aclose()
            delete_prefix(redis_cluster.url, key_prefix)
        del conn
    assert leaks == []


def test_close_outside_an_idle_loop_closes_the_producer_lane_and_client_made_on_it(
    redis_url: str, key_prefix: str
) -> None:
    """The lane holds one of the pool's connections: it is closed before the pool, at once."""
    with resource_warnings() as leaks:
        conn = Connection(redis_url, prefix=key_prefix)
        loop = asyncio.new_event_loop()
        try:
            job = loop.run_until_complete(
                enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(), conn)
            )
            assert job.id
            started = time.monotonic()
            conn.close()
            assert time.monotonic() - started < 1.0
        finally:
            loop.close()
            delete_prefix(redis_url, key_prefix)
        del conn
    assert leaks == []
