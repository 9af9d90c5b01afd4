"""Configuration: where Redis is, key layout, client policy."""

from __future__ import annotations

import asyncio
import gc
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
from tests.conftest import delete_prefix
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
