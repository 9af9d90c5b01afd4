"""The sync producer from many threads: short-lived threads leave no connection behind."""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import threading
from collections.abc import Callable

import redis

from jobcontracts.runtime import Connection, JobOptions, QueueAdmin, enqueue
from jobcontracts.runtime.lanes import SyncProducerLane
from jobcontracts.runtime.testing import RedisServer
from tests.runtime.runtime_testkit import Echo, make_queue

THREADS = 1000


def _enqueue_from_threads(conn: Connection, values: range) -> list[BaseException]:
    queue = make_queue()
    errors: list[BaseException] = []

    def one(value: int) -> None:
        try:
            enqueue(queue, "note", Echo(value=value), JobOptions(), conn)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=one, args=(v,)) for v in values]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_a_thousand_short_lived_threads_each_enqueue_one_job(
    redis_server_factory: Callable[..., RedisServer],
) -> None:
    server = redis_server_factory()
    conn = Connection(server.url, prefix="threads")
    errors = _enqueue_from_threads(conn, range(THREADS))
    assert errors == []
    assert QueueAdmin("test", conn).counts().waiting == THREADS
    # The threads are gone and so are their claims on connections: only the
    # channel's idle set stays out of the pool, and the server sees no more.
    channel = conn.sync_lane()
    assert channel.idle() <= SyncProducerLane.IDLE_MAX
    admin = redis.Redis.from_url(server.url)
    clients = int(admin.info("clients")["connected_clients"])
    assert clients <= conn.sync_client().connection_pool.max_connections + 1
    # Threads started later reuse those connections: none opened, none failing.
    opened = int(admin.info("stats")["total_connections_received"])
    assert _enqueue_from_threads(conn, range(THREADS, THREADS + 200)) == []
    assert QueueAdmin("test", conn).counts().waiting == THREADS + 200
    assert int(admin.info("stats")["total_connections_received"]) - opened <= 2
    admin.close()
    conn.close()
