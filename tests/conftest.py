"""Shared fixtures: a Redis to test against and a namespaced connection per test.

``redis_url`` (session): ``REDIS_URL`` if set, else 127.0.0.1:6379 if it answers
PING, else a throwaway ``redis-server`` on a free port, stopped at the end.
``key_prefix`` (function): a prefix unique to the test, ``t-<session>-<test>``;
every key under it is deleted after the test (the server is shared).
``connection`` (function): a ``runtime.Connection`` on ``key_prefix`` (its keys
deleted afterwards on the server or cluster it ran against).
At the end of the session no key may remain under ``t-<session>-``: the
``redis_url`` fixture fails the run and names the keys a test left behind.
``manual_clock``: a settable millisecond clock to pass as ``Connection(clock=...)``.
``redis_server_factory``: starts private throwaway servers (for restart tests).
``redis_cluster`` (session): a throwaway 3-primary Redis Cluster with one
replica each; ``connection`` runs every test that takes it twice, against the
single server and against this cluster (``REDIS_CLUSTER_TESTS=0`` skips the
cluster runs).
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import inspect
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from jobcontracts.runtime import Connection
from jobcontracts.runtime.testing import (
    ManualClock,
    RedisServer,
    delete_prefix,
    free_port,
    redis_answers,
)
from jobcontracts.runtime.testing_deployments import LocalCluster

pytest_plugins = ("pytester", "tests.leak_guard")
"""pytester runs whole pytest sessions for the tests of our own pytest plugin; leak_guard
fails the test module that leaves a socket, file or process open."""

LOOP_RUNNER = "_function_scoped_runner"
"""pytest-asyncio's fixture that owns an async test's event loop (closing it on teardown)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give every async test its event loop before any other fixture, so the loop closes last.

    pytest-asyncio adds the loop after the test's own fixtures, so it is torn
    down first; a sync fixture's ``Connection.close()`` then meets a closed
    loop and can only drop the asyncio clients the test made on it, sockets
    open. Set up first, the loop is still open (not running) at their
    teardown, and ``close()`` closes those clients on it.
    """
    for item in items:
        if isinstance(item, pytest.Function) and inspect.iscoroutinefunction(item.obj):
            names = item.fixturenames
            if LOOP_RUNNER in names:
                names.remove(LOOP_RUNNER)
            names.insert(0, LOOP_RUNNER)


@pytest.fixture(scope="session")
def redis_server_factory() -> Iterator[Callable[..., RedisServer]]:
    """``make(*args, password=None)`` starts a private server with more redis-server options."""
    servers: list[RedisServer] = []
    dirs: list[str] = []

    def make(*args: str, password: str | None = None) -> RedisServer:
        directory = tempfile.mkdtemp(prefix="jobs-redis-")
        dirs.append(directory)
        server = RedisServer(free_port(), Path(directory), args=args, password=password)
        server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()
    for directory in dirs:
        shutil.rmtree(directory, ignore_errors=True)


SESSION_PREFIX = f"t-{uuid.uuid4().hex[:8]}"
"""Every test prefix of this run starts with it, so leftovers are this run's, not another's."""


def _find_redis(redis_server_factory: Callable[..., RedisServer]) -> str:
    url = os.environ.get("REDIS_URL")
    if url:
        return url
    local = "redis://127.0.0.1:6379/0"
    if redis_answers(local):
        return local
    return redis_server_factory().url


@pytest.fixture(scope="session")
def redis_url(redis_server_factory: Callable[..., RedisServer]) -> Iterator[str]:
    url = _find_redis(redis_server_factory)
    yield url
    left = keys_under(url, SESSION_PREFIX)
    if left:
        client = redis.Redis.from_url(url)
        try:
            client.unlink(*left)  # reported once, then gone: the server is shared
        finally:
            client.close()
        pytest.fail(f"the tests left {len(left)} key(s) in Redis: {', '.join(left[:20])}")


def keys_under(url: str, prefix: str) -> list[str]:
    """Every key starting with ``prefix`` (sorted), on the server at ``url``."""
    client = redis.Redis.from_url(url)
    try:
        return sorted(k.decode() for k in client.scan_iter(match=f"{prefix}*", count=1000))
    finally:
        client.close()


@pytest.fixture
def manual_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def key_prefix(redis_url: str) -> Iterator[str]:
    prefix = f"{SESSION_PREFIX}-{uuid.uuid4().hex[:8]}"
    yield prefix
    delete_prefix(redis_url, prefix)


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[LocalCluster]:
    directory = tempfile.mkdtemp(prefix="jobs-cluster-")
    cluster = LocalCluster(Path(directory))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(params=["single", "cluster"])
def deployment_url(request: pytest.FixtureRequest, redis_url: str) -> str:
    """The URL a parametrised test runs against: the single server, then the cluster."""
    if request.param == "single":
        return redis_url
    if os.environ.get("REDIS_CLUSTER_TESTS") == "0":
        pytest.skip("cluster runs disabled (REDIS_CLUSTER_TESTS=0)")
    cluster: LocalCluster = request.getfixturevalue("redis_cluster")
    return cluster.url


@pytest.fixture
def connection(deployment_url: str, key_prefix: str) -> Iterator[Connection]:
    conn = Connection(deployment_url, prefix=key_prefix)
    try:
        yield conn
    finally:
        conn.close()
        delete_prefix(deployment_url, key_prefix)


__all__ = ["SESSION_PREFIX", "ManualClock", "RedisServer", "delete_prefix", "keys_under"]
