"""Concurrent ``enqueue`` calls from threads share script calls; each keeps its own result.

What could go wrong when threads' jobs travel together: a result handed to the
wrong thread, one job's error raised in another thread, a job added twice when
a shared call is split. Writes are paused on a private server so that the
threads' jobs queue up behind the call in flight, deterministically.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any

import pytest
import redis

from jobcontracts.runtime import Connection, JobOptions, NotReplicatedError, QueueAdmin, enqueue
from jobcontracts.runtime.testing import RedisServer
from jobcontracts.runtime.thread_coalescing import add_job_shared
from tests.runtime.runtime_testkit import make_queue, raw_job

QUEUE = make_queue()
PAUSE_MS = 400


@pytest.fixture
def private(redis_server_factory: Callable[..., RedisServer]) -> Iterator[tuple[Connection, Any]]:
    server = redis_server_factory()
    conn = Connection(server.url, prefix="shared")
    admin = redis.Redis.from_url(server.url)
    try:
        enqueue(QUEUE, "double", {"value": -1}, JobOptions(), conn)  # clock and script warm
        yield conn, admin
    finally:
        admin.close()
        conn.close()


def _evalsha_calls(admin: Any) -> int:
    return int(admin.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0))


def _in_threads(calls: Sequence[Callable[[], object]], admin: Any) -> list[Any]:
    """Run ``calls`` in threads while writes are paused: the first leaves, the rest queue."""
    results: list[Any] = [None] * len(calls)

    def run(k: int) -> None:
        try:
            results[k] = calls[k]()
        except BaseException as error:
            results[k] = error

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(calls))]
    admin.execute_command("CLIENT", "PAUSE", PAUSE_MS, "WRITE")
    threads[0].start()
    time.sleep(0.05)  # the first call is in flight, held by the pause
    for thread in threads[1:]:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_threads_share_script_calls_and_keep_their_own_results(
    private: tuple[Connection, Any],
) -> None:
    conn, admin = private
    before = _evalsha_calls(admin)
    calls = [partial(enqueue, QUEUE, "double", {"value": i}, JobOptions(), conn) for i in range(30)]
    jobs = _in_threads(calls, admin)
    assert _evalsha_calls(admin) - before == 2  # the first job alone, then the 29 together
    assert all(job.created for job in jobs)
    assert len({job.id for job in jobs}) == 30
    admin_view = QueueAdmin("test", conn)
    assert admin_view.counts().waiting == 31
    for value, job in enumerate(jobs):
        info = admin_view.job(job.id)
        assert info is not None
        assert info.payload == f'{{"value":{value}}}'


def test_one_threads_error_is_its_own(private: tuple[Connection, Any]) -> None:
    conn, admin = private
    good = [raw_job(f"good-{k}", "double", b'{"value":1}') for k in range(12)]
    bad = raw_job("bad", "double", b'{"value":1}')._replace(delay_ms="soon")  # type: ignore[arg-type]
    jobs = [*good[:6], bad, *good[6:]]
    before = _evalsha_calls(admin)
    results = _in_threads([partial(add_job_shared, conn, "test", job) for job in jobs], admin)
    assert isinstance(results[6], redis.ResponseError)
    # The shared call failed whole, having written nothing; each job was then sent alone.
    assert results[:6] + results[7:] == [(job.job_id, True) for job in good]
    assert _evalsha_calls(admin) - before == 2 + len(jobs) - 1
    assert QueueAdmin("test", conn).counts().waiting == 1 + len(good)


def test_the_same_id_from_two_threads_is_added_once(private: tuple[Connection, Any]) -> None:
    conn, admin = private
    options = JobOptions(job_id="order-7")
    jobs = _in_threads(
        [
            partial(enqueue, QUEUE, "double", {"value": 0}, JobOptions(), conn),
            partial(enqueue, QUEUE, "double", {"value": 1}, options, conn),
            partial(enqueue, QUEUE, "double", {"value": 2}, options, conn),
        ],
        admin,
    )
    assert jobs[0].created
    assert jobs[1].id == jobs[2].id == "order-7"
    assert [jobs[1].created, jobs[2].created].count(True) == 1
    assert QueueAdmin("test", conn).counts().waiting == 3


def test_an_error_not_about_a_job_reaches_every_thread_of_the_call(
    redis_server_factory: Callable[..., RedisServer],
) -> None:
    """No replica confirms the writes: each thread of the shared call learns it, none hangs."""
    server = redis_server_factory()
    conn = Connection(f"{server.url}?wait_replicas=1&wait_timeout_ms=20", prefix="shared")
    admin = redis.Redis.from_url(server.url)
    try:
        with pytest.raises(NotReplicatedError):
            enqueue(QUEUE, "double", {"value": -1}, JobOptions(), conn)
        before = _evalsha_calls(admin)
        calls = [
            partial(enqueue, QUEUE, "double", {"value": i}, JobOptions(), conn) for i in range(10)
        ]
        results = _in_threads(calls, admin)
        assert all(isinstance(result, NotReplicatedError) for result in results)
        assert _evalsha_calls(admin) - before == 2  # the first alone, the other nine together
        assert QueueAdmin("test", conn).counts().waiting == 11  # written, unconfirmed
    finally:
        admin.close()
        conn.close()
