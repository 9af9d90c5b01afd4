"""Shared fixtures: a Redis to test against and a namespaced connection per test.

``redis_url`` (session): ``REDIS_URL`` if set, else 127.0.0.1:6379 if it answers
PING, else a throwaway ``redis-server`` on a free port, stopped at the end.
``connection`` (function): a ``runtime.Connection`` whose prefix is unique to
the test; every key under it is deleted afterwards (the server is shared).
``manual_clock``: a settable millisecond clock to pass as ``Connection(clock=...)``.
``redis_server_factory``: starts private throwaway servers (for restart tests).
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from jobcontracts.runtime import Connection
from jobcontracts.runtime.testing import ManualClock, RedisServer, free_port, redis_answers


@pytest.fixture(scope="session")
def redis_server_factory() -> Iterator[Callable[[], RedisServer]]:
    servers: list[RedisServer] = []
    dirs: list[str] = []

    def make() -> RedisServer:
        directory = tempfile.mkdtemp(prefix="jobs-redis-")
        dirs.append(directory)
        server = RedisServer(free_port(), Path(directory))
        server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()
    for directory in dirs:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url(redis_server_factory: Callable[[], RedisServer]) -> str:
    url = os.environ.get("REDIS_URL")
    if url:
        return url
    local = "redis://127.0.0.1:6379/0"
    if redis_answers(local):
        return local
    return redis_server_factory().url


def delete_prefix(url: str, prefix: str) -> None:
    client = redis.Redis.from_url(url)
    try:
        batch: list[bytes] = []
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            batch.append(key)
            if len(batch) >= 500:
                client.unlink(*batch)
                batch.clear()
        if batch:
            client.unlink(*batch)
    finally:
        client.close()


@pytest.fixture
def manual_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def key_prefix() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def connection(redis_url: str, key_prefix: str) -> Iterator[Connection]:
    conn = Connection(redis_url, prefix=key_prefix)
    try:
        yield conn
    finally:
        conn.close()
        delete_prefix(redis_url, key_prefix)


__all__ = ["ManualClock", "RedisServer", "delete_prefix"]
