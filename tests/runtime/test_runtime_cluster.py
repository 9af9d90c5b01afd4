"""Redis Cluster specifics: one slot per script, shards, resharding, bad URLs.

(Every runtime and CLI test that takes ``connection`` also runs against the
session's 3-primary cluster; these are the cases only a cluster has.)
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from redis.crc import key_slot

from jobcontracts.runtime import (
    Connection,
    JobOptions,
    QueueAdmin,
    TopologyError,
    Worker,
    enqueue_async,
    enqueue_many,
    run_workers,
)
from jobcontracts.runtime.scripts import queue_scripts
from jobcontracts.runtime.testing_deployments import LocalCluster
from tests.cli.cli_support import invoke
from tests.conftest import delete_prefix
from tests.runtime.runtime_testkit import (
    Doubled,
    Recorder,
    fast_settings,
    make_queue,
    sample_calls,
    wait_counts,
)

SHARDED = ("alpha", "one", "beta")
"""Domains whose hash tags fall in the three primaries' slot ranges (0-5460, 5461-10922, 10923-)."""


@pytest.fixture
def cluster_connection(redis_cluster: LocalCluster) -> Iterator[Connection]:
    prefix = f"t-{uuid.uuid4().hex[:12]}"
    conn = Connection(redis_cluster.url, prefix=prefix)
    try:
        yield conn
    finally:
        conn.close()
        delete_prefix(redis_cluster.url, prefix)


def test_every_script_touches_keys_of_one_slot() -> None:
    conn = Connection("redis://127.0.0.1:1/0", prefix="jobs")
    scripts = queue_scripts(conn, "github")
    key_sets = [call.keys for call in sample_calls(scripts.calls)]
    key_sets.append((scripts.keys.job("42"), scripts.keys.done("42"), scripts.keys.marker))
    assert len(key_sets) >= 15
    slots = {key_slot(key.encode()) for keys in key_sets for key in keys}
    assert slots == {key_slot(b"github")}


async def test_one_process_serves_domains_on_three_shards(
    redis_cluster: LocalCluster, cluster_connection: Connection
) -> None:
    ports = {redis_cluster.primary_port(f"{{{d}}}") for d in SHARDED}
    assert len(ports) == 3, "the three domains must live on three different primaries"
    queues = [make_queue(d) for d in SHARDED]
    recorders = [Recorder() for _ in queues]
    workers = [
        Worker(q, r, connection=cluster_connection, settings=fast_settings())
        for q, r in zip(queues, recorders, strict=True)
    ]
    runner = asyncio.create_task(run_workers(*workers))
    try:
        bulk = [
            enqueue_many(q, [("double", {"value": i}) for i in range(20)], cluster_connection)
            for q in queues
        ]
        singles = [
            await enqueue_async(q, "double", {"value": 100}, JobOptions(), cluster_connection)
            for q in queues
        ]
        for queue, handles in zip(queues, bulk, strict=True):
            results = [await asyncio.to_thread(h.result, 10) for h in handles]
            assert results == [Doubled(doubled=2 * i) for i in range(20)], queue.domain
        assert [await s.result(timeout=10) for s in singles] == [Doubled(doubled=200)] * 3
    finally:
        for w in workers:
            w.stop()
        await asyncio.wait_for(runner, 30)
    for queue, recorder in zip(queues, recorders, strict=True):
        assert len(recorder.seen) == 21
        node = queue_scripts(cluster_connection, queue.domain).node()
        port = redis_cluster.primary_port(f"{{{queue.domain}}}")
        assert node.url.endswith(f":{port}/0")
        counts = node.sync_client().zcard(
            queue_scripts(cluster_connection, queue.domain).keys.completed
        )
        assert counts == 21  # the queue's keys really live on that primary


def _command(client: redis.Redis, *args: Any) -> Any:
    return client.execute_command(*args)  # type: ignore[no-untyped-call]


def _migrate_slot(cluster: LocalCluster, key: str, keys_per_step: int = 20) -> int:
    """Move ``key``'s slot to another primary the way redis-cli reshard does; returns its port."""
    slot = key_slot(key.encode())
    source = cluster.node(cluster.primary_port(key))
    target = next(
        cluster.node(p)
        for p in {cluster.primary_port(f"{{{d}}}") for d in SHARDED}
        if p != source.port
    )
    src, dst = source.client(), target.client()
    src_id, dst_id = _command(src, "CLUSTER", "MYID"), _command(dst, "CLUSTER", "MYID")
    _command(dst, "CLUSTER", "SETSLOT", slot, "IMPORTING", src_id)
    _command(src, "CLUSTER", "SETSLOT", slot, "MIGRATING", dst_id)
    while keys := _command(src, "CLUSTER", "GETKEYSINSLOT", slot, keys_per_step):
        _command(src, "MIGRATE", "127.0.0.1", target.port, "", 0, 5000, "KEYS", *keys)
    for node in cluster.nodes:
        if node.process is not None and node.client().info("replication")["role"] == "master":
            _command(node.client(), "CLUSTER", "SETSLOT", slot, "NODE", dst_id)
    cluster.wait_healthy()
    return target.port


async def test_moving_a_queue_to_another_primary_mid_load_loses_nothing(
    redis_cluster: LocalCluster, cluster_connection: Connection
) -> None:
    queue = make_queue("reshard")
    admin = QueueAdmin("reshard", cluster_connection)
    recorder = Recorder()
    worker = Worker(queue, recorder, connection=cluster_connection, settings=fast_settings())
    runner = asyncio.create_task(worker.run())
    added: list[str] = []

    async def produce() -> None:
        for i in range(300):
            job = await enqueue_async(
                queue, "double", {"value": i}, JobOptions(), cluster_connection
            )
            added.append(job.id)
            await asyncio.sleep(0.002)

    try:
        producing = asyncio.create_task(produce())
        await asyncio.sleep(0.2)
        new_port = await asyncio.to_thread(_migrate_slot, redis_cluster, "{reshard}")
        await producing
        await wait_counts(admin, timeout=30, waiting=0, active=0, completed=300)
    finally:
        worker.stop()
        await asyncio.wait_for(runner, 30)
    assert redis_cluster.primary_port("{reshard}") == new_port
    assert {job_id for job_id, _, _ in recorder.seen} == set(added)
    assert queue_scripts(cluster_connection, "reshard").node().url.endswith(f":{new_port}/0")


def test_cluster_url_to_a_single_server_is_one_line(redis_url: str) -> None:
    host_port = redis_url.split("://", 1)[1].split("/", 1)[0]
    conn = Connection(f"redis+cluster://{host_port}", prefix="t-none")
    with pytest.raises(TopologyError, match=r"is not a cluster node .*use redis://"):
        QueueAdmin("github", conn).counts()
    result = invoke(["stats", "github", "--redis-url", f"redis+cluster://{host_port}"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "is not a cluster node" in result.stderr
    assert "Traceback" not in result.stderr


def test_single_server_url_to_a_cluster_node_is_one_line(redis_cluster: LocalCluster) -> None:
    seeds = redis_cluster.url.split("://", 1)[1].split(",")
    urls = [f"redis://{seed}/0" for seed in seeds]
    messages = []
    for url in urls:  # at least one seed does not serve the github slot
        result = invoke(["stats", "github", "--redis-url", url])
        if result.exit_code:
            messages.append(result.stderr)
    assert messages
    for message in messages:
        assert message.count("\n") == 1
        assert "is a Redis Cluster node" in message
        assert "redis+cluster://" in message


@pytest.mark.parametrize("prefix", ["jobs{}", "{jobs}", "a b"])
def test_a_prefix_that_would_break_the_hash_tag_is_one_line(redis_url: str, prefix: str) -> None:
    with pytest.raises(ValueError, match="hash tag"):
        Connection(redis_url, prefix=prefix)
    result = invoke(["stats", "github", "--redis-url", redis_url, "--prefix", prefix])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "several Redis Cluster slots" in result.stderr


def test_bad_cluster_urls_are_one_line() -> None:
    for url, words in [
        ("redis+cluster://127.0.0.1", "is not host:port"),
        ("redis+cluster://127.0.0.1:7000/0", "takes no path"),
        ("redis+cluster://127.0.0.1:7000?ssl_ca_certs=/ca.pem", "need the rediss+ scheme"),
        ("redis+klaster://127.0.0.1:7000", "unknown scheme"),
    ]:
        with pytest.raises(TopologyError, match=re.escape(words)):
            Connection(url)
        result = invoke(["stats", "github", "--redis-url", url])
        assert result.exit_code == 2, url
        assert result.stderr.count("\n") == 1, result.stderr
        assert words in result.stderr
