"""Through Sentinel: a primary, one replica and three sentinels named by one URL."""

# pyright: reportUnknownMemberType=false
# (redis-py types its commands' **kwargs as unknown.)

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from jobcontracts.runtime import (
    Connection,
    JobOptions,
    QueueAdmin,
    TopologyError,
    Worker,
    enqueue,
    enqueue_async,
)
from jobcontracts.runtime.scripts import queue_scripts
from jobcontracts.runtime.testing_deployments import LocalSentinel
from tests.cli.cli_support import invoke
from tests.conftest import delete_prefix
from tests.leak_guard import resource_warnings
from tests.runtime.runtime_testkit import Doubled, Recorder, fast_settings, make_queue, running

QUEUE = make_queue("sentineled")


@pytest.fixture(scope="module")
def sentinel_group() -> Iterator[LocalSentinel]:
    directory = tempfile.mkdtemp(prefix="jobs-sentinel-")
    group = LocalSentinel(Path(directory))
    try:
        group.start()
        yield group
    finally:
        group.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def sentinel_connection(sentinel_group: LocalSentinel) -> Iterator[Connection]:
    prefix = f"t-{uuid.uuid4().hex[:12]}"
    conn = Connection(sentinel_group.url, prefix=prefix)
    try:
        yield conn
    finally:
        conn.close()
        delete_prefix(sentinel_group.url, prefix)


async def test_jobs_run_on_the_primary_the_sentinels_name(
    sentinel_group: LocalSentinel, sentinel_connection: Connection
) -> None:
    recorder = Recorder()
    worker = Worker(QUEUE, recorder, connection=sentinel_connection, settings=fast_settings())
    async with running(worker):
        job = await enqueue_async(QUEUE, "double", {"value": 4}, JobOptions(), sentinel_connection)
        assert await job.result(timeout=10) == Doubled(doubled=8)
        sync_job = enqueue(QUEUE, "double", {"value": 5}, JobOptions(), sentinel_connection)
    assert (await QueueAdmin(QUEUE.domain, sentinel_connection).counts_async()).completed >= 1
    assert sync_job.id
    pool = queue_scripts(sentinel_connection, QUEUE.domain).node().sync_client().connection_pool
    assert pool.get_master_address()[1] == sentinel_group.primary_port()  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]


def test_jobctl_speaks_through_sentinel(sentinel_connection: Connection) -> None:
    where = ["--redis-url", sentinel_connection.url, "--prefix", sentinel_connection.prefix]
    payload = '{"user_id": "0b7e7c8e-2f61-4a55-9d6e-8f1f9c2a1b11", "data_source": "webhook"}'
    result = invoke(["enqueue", "github", "sync_data", payload, *where])
    assert result.exit_code == 0, result.stderr
    assert QueueAdmin("github", sentinel_connection).counts().waiting == 1
    stats = invoke(["stats", "github", *where])
    assert stats.exit_code == 0, stats.stderr


def test_an_unknown_service_is_one_line(sentinel_group: LocalSentinel) -> None:
    url = sentinel_group.url.replace(sentinel_group.service, "no-such-service")
    with pytest.raises(TopologyError, match="monitors a service named 'no-such-service'"):
        QueueAdmin("github", Connection(url, prefix="t-none")).counts()
    result = invoke(["stats", "github", "--redis-url", url])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert f"(they know: {sentinel_group.service})" in result.stderr


async def test_aclose_closes_the_clients_that_asked_the_sentinels(
    sentinel_group: LocalSentinel,
) -> None:
    with resource_warnings() as leaks:
        conn = Connection(sentinel_group.url, prefix=f"t-{uuid.uuid4().hex[:12]}")
        assert await conn.async_client().ping()
        await conn.aclose()
        del conn
    assert leaks == []


def _client_ids(sentinels: list[redis.Redis]) -> set[tuple[int, int]]:
    """The connections to each sentinel that carry no name: ours (sentinels name theirs)."""
    ids: set[tuple[int, int]] = set()
    for index, sentinel in enumerate(sentinels):
        own = sentinel.client_id()
        for entry in sentinel.client_list():
            if not entry["name"] and int(entry["id"]) != own:
                ids.add((index, int(entry["id"])))
    return ids


def test_close_closes_the_clients_that_asked_the_sentinels(sentinel_group: LocalSentinel) -> None:
    sentinels = [redis.Redis(port=s.port) for s in sentinel_group.sentinels]
    try:
        before = _client_ids(sentinels)
        conn = Connection(sentinel_group.url, prefix=f"t-{uuid.uuid4().hex[:12]}")
        assert conn.sync_client().ping()
        assert _client_ids(sentinels) - before  # the master was asked for
        conn.close()
        assert _client_ids(sentinels) <= before
    finally:
        for sentinel in sentinels:
            sentinel.close()
