"""pytest fixtures for testing handlers and producers, registered by the ``pytest11`` entry point.

Installing jobcontracts is enough for pytest to offer them; names start with
``jobs_`` so they do not shadow an application's own ``redis`` or ``connection``:

``jobs_redis_url`` (session)
    ``REDIS_URL`` when set, else a throwaway ``redis-server`` from PATH on a free
    port, stopped when the session ends.
``jobs_clock``
    A ``ManualClock`` starting at the current time.
``jobs_connection``
    A ``Connection`` to that Redis with a key prefix unique to the test and
    ``jobs_clock`` as its clock (so ``run_until_idle`` can step delays and
    backoffs); every key under the prefix is deleted after the test.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..connection import Connection, system_clock
from .clock import ManualClock
from .servers import RedisServer, delete_prefix, free_port


@pytest.fixture(scope="session")
def jobs_redis_url() -> Iterator[str]:
    """REDIS_URL when set, else a throwaway redis-server on a free port for this session."""
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    if shutil.which("redis-server") is None:
        pytest.fail("the jobs_* fixtures need a Redis: set REDIS_URL or put redis-server on PATH")
    with tempfile.TemporaryDirectory(prefix="jobcontracts-redis-") as directory:
        server = RedisServer(free_port(), Path(directory))
        server.start()
        try:
            yield server.url
        finally:
            server.stop()


@pytest.fixture
def jobs_clock() -> ManualClock:
    """A manual millisecond clock starting now; ``jobs_connection`` writes its time to Redis."""
    return ManualClock(system_clock())


@pytest.fixture
def jobs_connection(jobs_redis_url: str, jobs_clock: ManualClock) -> Iterator[Connection]:
    """A Connection with a key prefix of its own (deleted afterwards) and ``jobs_clock``."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    connection = Connection(jobs_redis_url, prefix=prefix, clock=jobs_clock)
    try:
        yield connection
    finally:
        connection.close()
        delete_prefix(jobs_redis_url, prefix)
