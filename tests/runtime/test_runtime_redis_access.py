"""Refusals are not outages: no retries for bad credentials, workers stop with the fix.

Also the start-up findings: a worker warns once when Redis may evict or forget jobs.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis

from jobcontracts.runtime import Connection, JobOptions, RedisAccessError, Worker, enqueue
from jobcontracts.runtime.testing import RedisServer
from tests.cli.redis_faults import tls_only_server
from tests.runtime.runtime_testkit import Echo, Recorder, fast_settings, make_queue, running

PASSWORD = "s3cret-pass"


def _seen(admin: redis.Redis) -> int:
    return int(admin.info("stats")["total_connections_received"])


def test_missing_password_raises_at_once_with_the_workers_retry_policy(
    redis_server_factory: Callable[..., RedisServer],
) -> None:
    server = redis_server_factory(password=PASSWORD)
    admin = redis.Redis.from_url(server.url)
    before = _seen(admin)
    # Default settings: 8 retries for outages. A refusal must not use them.
    conn = Connection(f"redis://127.0.0.1:{server.port}/0", prefix="access")
    with pytest.raises(redis.AuthenticationError):
        conn.sync_client().ping()
    with pytest.raises(redis.AuthenticationError):
        enqueue(make_queue(), "double", Echo(value=1), JobOptions(), conn)
    assert _seen(admin) - before == 2  # one connection per call, none retried
    conn.close()
    admin.close()


def test_async_client_does_not_retry_a_wrong_password(
    redis_server_factory: Callable[..., RedisServer],
) -> None:
    server = redis_server_factory(password=PASSWORD)
    admin = redis.Redis.from_url(server.url)
    before = _seen(admin)
    conn = Connection(f"redis://:nope@127.0.0.1:{server.port}/0", prefix="access")

    async def ping() -> None:
        try:
            await conn.async_client().ping()
        finally:
            await conn.aclose()

    with pytest.raises(redis.AuthenticationError):
        asyncio.run(ping())
    assert _seen(admin) - before == 1
    admin.close()


async def test_worker_with_a_wrong_password_stops_with_the_fix(
    redis_server_factory: Callable[..., RedisServer],
) -> None:
    server = redis_server_factory(password=PASSWORD)
    conn = Connection(f"redis://:nope@127.0.0.1:{server.port}/0", prefix="access")
    worker = Worker(make_queue(), Recorder(), connection=conn, settings=fast_settings())
    with pytest.raises(RedisAccessError, match="Redis rejected the password of user 'default'"):
        await asyncio.wait_for(worker.run(), 10)
    assert not worker.running
    await conn.aclose()


async def test_worker_whose_acl_lacks_evalsha_stops_instead_of_retrying(
    redis_server_factory: Callable[..., RedisServer],
) -> None:
    server = redis_server_factory(password=PASSWORD)
    admin = redis.Redis.from_url(server.url)
    admin.acl_setuser(
        "jobs", enabled=True, passwords=[f"+{PASSWORD}"], keys=["*"], commands=["+@all", "-evalsha"]
    )
    conn = Connection(f"redis://jobs:{PASSWORD}@127.0.0.1:{server.port}/0", prefix="access")
    worker = Worker(make_queue(), Recorder(), connection=conn, settings=fast_settings())
    with pytest.raises(RedisAccessError, match="user 'jobs' may not run EVALSHA"):
        await asyncio.wait_for(worker.run(), 10)
    await conn.aclose()
    admin.close()


async def test_worker_given_a_plain_url_to_a_tls_port_stops_saying_so(tmp_path: Path) -> None:
    with tls_only_server(tmp_path) as port:
        conn = Connection(f"redis://127.0.0.1:{port}/0", prefix="access")
        worker = Worker(make_queue(), Recorder(), connection=conn, settings=fast_settings())
        started = time.monotonic()
        with pytest.raises(RedisAccessError, match="looks like TLS: use rediss://"):
            await asyncio.wait_for(worker.run(), 60)
        # the one-shot start-up probe, not the worker policy's nested retries
        assert time.monotonic() - started < 10
        await conn.aclose()


async def test_worker_warns_once_at_start_about_eviction_and_persistence(
    redis_server_factory: Callable[..., RedisServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = redis_server_factory("--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru")
    conn = Connection(server.url, prefix="access")
    worker = Worker(make_queue(), Recorder(), connection=conn, settings=fast_settings())
    with caplog.at_level(logging.WARNING, logger="jobcontracts.worker"):
        async with running(worker):
            await asyncio.sleep(0.3)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    eviction = [w for w in warnings if w.startswith("redis eviction:")]
    persistence = [w for w in warnings if w.startswith("redis persistence:")]
    assert len(eviction) == 1
    assert "maxmemory-policy allkeys-lru" in eviction[0]
    assert "noeviction" in eviction[0]  # the fix
    assert len(persistence) == 1
    assert "a restart loses every job" in persistence[0]
    await conn.aclose()


async def test_worker_on_a_fit_redis_logs_no_findings(
    redis_server_factory: Callable[..., RedisServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = redis_server_factory("--appendonly", "yes", "--appendfsync", "everysec")
    conn = Connection(server.url, prefix="access")
    worker = Worker(make_queue(), Recorder(), connection=conn, settings=fast_settings())
    with caplog.at_level(logging.WARNING, logger="jobcontracts.worker"):
        async with running(worker):
            await asyncio.sleep(0.3)
    assert not [r for r in caplog.records if r.getMessage().startswith("redis ")]
    await conn.aclose()
