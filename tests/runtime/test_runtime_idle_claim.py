"""An idle worker's claim waits on the server behind its BZPOPMIN.

The claim is sent with the wait, so a job added to an idle queue reaches the
worker with the wake-up: one round trip, no claim sent after it. These tests
check what that must not cost: the lease runs from when the claim ran (not
from when it was sent), the room the pending claim reserved is never claimed
twice, a stop reads the claim's reply (its jobs are handed back, not left
leased), and the wait rides out a restart and an emptied script cache.
Tests that look at the server's clients (CLIENT LIST) or count its commands
run on a private server: another worker's wait would look the same.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any, cast

import pytest
import redis

from jobcontracts.runtime import (
    Connection,
    JobContext,
    JobOptions,
    QueueAdmin,
    Worker,
    enqueue,
    enqueue_async,
    enqueue_many_async,
)
from jobcontracts.runtime.connection import ClientSettings
from jobcontracts.runtime.lanes import WorkerLane
from jobcontracts.runtime.script_calls import FINISH_AND_CLAIM
from jobcontracts.runtime.scripts import queue_scripts
from jobcontracts.runtime.testing import RedisServer
from tests.runtime.runtime_testkit import (
    Echo,
    Recorder,
    fast_settings,
    make_queue,
    run_then_close,
    running,
    wait_counts,
    wait_until,
)

QUEUE = make_queue()
QUIET = {"idle_block": 5.0, "liveness": 60.0, "heartbeat": 60.0, "stall_check": 60.0}
"""Long idle waits, and no heartbeat call while a test counts commands."""


@pytest.fixture
def private(redis_server_factory: Callable[[], RedisServer]) -> Iterator[Connection]:
    connection = Connection(redis_server_factory().url, prefix="idle")
    try:
        yield connection
    finally:
        connection.close()


def _claim_queued_behind_a_wait(client: redis.Redis) -> bool:
    """A client blocked in BZPOPMIN with a command waiting in its query buffer."""
    clients = client.client_list()
    return any("b" in c["flags"] and c["cmd"] == "bzpopmin" and int(c["qbuf"]) > 0 for c in clients)


def _calls(client: redis.Redis) -> dict[str, int]:
    stats = cast("dict[str, dict[str, Any]]", client.info("commandstats"))
    return {name.removeprefix("cmdstat_"): int(s["calls"]) for name, s in stats.items()}


def _server_ms(client: redis.Redis) -> int:
    seconds, micros = client.time()
    return seconds * 1000 + micros // 1000


async def test_a_lone_job_reaches_an_idle_worker_in_one_round_trip(private: Connection) -> None:
    """Before the job exists, the claim waits on the server behind the worker's BZPOPMIN.

    Between the add and the handler's first line the server runs two scripts:
    the add and that claim; no other script call, script load or wait. (A
    warm-up job first loads the scripts and opens the producer's connection.)
    """
    client = private.sync_client()
    rec = Recorder()
    at_start: dict[str, int] = {}

    async def first_line(payload: Echo, _ctx: JobContext) -> None:
        if payload.value == 1:  # blocking on purpose: nothing else runs meanwhile
            at_start.update(_calls(client))

    rec.hook = first_line
    async with running(Worker(QUEUE, rec, connection=private, settings=fast_settings(**QUIET))):
        await enqueue_async(QUEUE, "double", {"value": 0}, JobOptions(), private)
        await wait_until(lambda: len(rec.seen) == 1)
        await wait_until(lambda: _claim_queued_behind_a_wait(client))
        before = _calls(client)
        await enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(), private)
        await wait_until(lambda: bool(at_start))
    sent = {name: at_start.get(name, 0) - before.get(name, 0) for name in before}
    assert sent["evalsha"] == 2
    assert sent["bzpopmin"] == 0  # the worker's next wait starts after the handler
    assert sent.get("script|load", 0) == 0
    assert [value for _, value, _ in rec.seen] == [0, 1]


async def test_a_queued_claim_leases_from_when_it_runs_not_when_it_was_sent(
    connection: Connection,
) -> None:
    """The claim runs when the wait times out, 1.5 s after it was sent.

    It must find the job that came due meanwhile (promotion reads the server's
    clock then) and lease it for the full lease from that moment.
    """
    scripts = queue_scripts(connection, "test")
    client = scripts.node().sync_client()
    job = await enqueue_async(
        QUEUE, "double", {"value": 1}, JobOptions(delay=timedelta(seconds=1)), connection
    )
    client.delete(scripts.keys.marker)  # the delayed job woke the (absent) idle workers
    lane = WorkerLane(lambda: scripts.node().async_client())
    lease_ms = 2000
    try:  # a turn first, as a worker makes: it loads the script on this server
        await scripts.finish_and_claim_async(connection.now_ms(), "w:0", lease_ms, 0, [])
        sent = _server_ms(client)
        woken = await scripts.claim_when_woken_async(
            lane, scripts.keys.wake("w"), 1.5, ("w:1", lease_ms, 5, (0, 0))
        )
        back = _server_ms(client)
    finally:
        await lane.close()
    assert woken.error is None
    assert woken.reply is not None
    assert [j.id for j in woken.reply.jobs] == [job.id]
    deadline = cast("float", client.zscore(scripts.keys.active, job.id))
    started = int(cast("bytes", client.hget(scripts.keys.job(job.id), "sa")))
    assert sent + 1400 <= started <= back
    assert deadline == started + lease_ms
    await connection.aclose()


async def test_a_turn_never_claims_the_room_a_pending_claim_holds(private: Connection) -> None:
    """Room 2: one job running, a claim of 1 waiting; then 10 jobs are ready unannounced.

    When the running job ends, the driver's turn may claim 1 (not 2): the pending
    claim, woken by that turn, takes the other. More than 2 active would be an
    over-claim beyond concurrency + prefetch.
    """
    client = private.sync_client()
    admin = QueueAdmin("test", private)
    keys = queue_scripts(private, "test").keys
    rec = Recorder()
    release = asyncio.Event()

    async def hold_first(payload: Echo, _ctx: JobContext) -> None:
        if payload.value == 0:
            await release.wait()
        else:
            await asyncio.sleep(0.05)

    rec.hook = hold_first
    settings = fast_settings(concurrency=1, prefetch=1, **QUIET)
    async with running(Worker(QUEUE, rec, connection=private, settings=settings)):
        await enqueue_async(QUEUE, "double", {"value": 0}, JobOptions(), private)
        await rec.started.wait()
        await wait_until(lambda: _claim_queued_behind_a_wait(client))  # claiming 1
        await admin.pause_async()  # enqueue without waking the worker...
        await enqueue_many_async(QUEUE, [("double", {"value": i}) for i in range(1, 11)], private)
        client.delete(keys.paused)  # ...then make them claimable, still unannounced
        release.set()
        most = 0
        while (await admin.counts_async()).completed < 11:
            most = max(most, client.zcard(keys.active))
            await asyncio.sleep(0.002)
    assert most == 2
    assert sorted(value for _, value, _ in rec.seen) == list(range(11))


async def test_stop_reads_a_claim_whose_reply_is_on_its_way_and_hands_the_job_back(
    private: Connection,
) -> None:
    """The job wakes the worker's wait and its claim runs, but the loop has not read the
    reply yet when stop() comes (the test holds the loop meanwhile).

    Dropping the connection then would leave the job leased to nobody until the
    lease ran out (and count a stall); the reply is read and the job handed back.
    """
    client = private.sync_client()
    admin = QueueAdmin("test", private)
    rec = Recorder()
    worker = Worker(QUEUE, rec, connection=private, settings=fast_settings(**QUIET))
    task = asyncio.create_task(worker.run())
    await wait_until(lambda: _claim_queued_behind_a_wait(client))
    job = enqueue(QUEUE, "double", {"value": 1}, JobOptions(), private)  # holds the loop
    time.sleep(0.05)  # the claim's reply reaches the worker's socket, unread
    assert client.zcard(queue_scripts(private, "test").keys.active) == 1
    loop = asyncio.get_running_loop()
    stopping = loop.time()
    worker.stop()
    await asyncio.wait_for(task, 10)
    assert loop.time() - stopping < 2.0  # not a wait for the lease (idle_block is 5 s)
    assert rec.seen == []
    counts = await admin.counts_async()
    assert (counts.waiting, counts.active) == (1, 0)
    info = await admin.job_async(job.id)
    assert info is not None
    assert (info.attempts_made, info.stalls) == (0, 0)


async def test_stop_while_blocked_ends_the_wait_at_once(private: Connection) -> None:
    client = private.sync_client()
    keys = queue_scripts(private, "test").keys
    worker = Worker(QUEUE, Recorder(), connection=private, settings=fast_settings(**QUIET))
    task = asyncio.create_task(worker.run())
    await wait_until(lambda: _claim_queued_behind_a_wait(client))
    loop = asyncio.get_running_loop()
    stopping = loop.time()
    worker.stop()
    await asyncio.wait_for(task, 10)
    assert loop.time() - stopping < 2.0  # woken, not timed out (idle_block is 5 s)
    assert not _claim_queued_behind_a_wait(client)
    wakes = list(client.scan_iter(match=keys.wake("*")))
    assert all(0 < client.pttl(key) <= 1000 for key in wakes)  # gone, or going


async def test_stop_while_blocked_on_the_cluster_too(connection: Connection) -> None:
    """The wake key shares the queue's hash tag: on a Cluster, stop() still ends the wait."""
    rec = Recorder()
    worker = Worker(QUEUE, rec, connection=connection, settings=fast_settings(**QUIET))
    async with running(worker):
        await enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(), connection)
        await wait_until(lambda: len(rec.seen) == 1)
        await asyncio.sleep(0.1)  # idle again, waiting on the marker
        loop = asyncio.get_running_loop()
        stopping = loop.time()
    assert loop.time() - stopping < 2.0
    await connection.aclose()


async def test_a_restart_while_blocked_loses_no_job(
    redis_server_factory: Callable[[], RedisServer],
) -> None:
    server = redis_server_factory()
    connection = Connection(
        server.url, prefix="idle", settings=ClientSettings(retries=12, backoff_cap=0.5)
    )
    client = connection.sync_client()
    rec = Recorder()
    admin = QueueAdmin("test", connection)
    try:
        settings = fast_settings(**QUIET)
        async with running(Worker(QUEUE, rec, connection=connection, settings=settings)):
            await wait_until(lambda: _claim_queued_behind_a_wait(client))
            server.stop(save=True)
            await asyncio.sleep(0.3)
            server.start()
            await enqueue_async(QUEUE, "double", {"value": 7}, JobOptions(), connection)
            await wait_counts(admin, timeout=15, completed=1, active=0)
        assert [value for _, value, _ in rec.seen] == [7]
    finally:
        await connection.aclose()


async def test_an_emptied_script_cache_while_blocked_costs_a_reload(private: Connection) -> None:
    """The queued EVALSHA answers NOSCRIPT once woken: the next claim loads the script."""
    client = private.sync_client()
    rec = Recorder()
    admin = QueueAdmin("test", private)
    async with running(Worker(QUEUE, rec, connection=private, settings=fast_settings(**QUIET))):
        await wait_until(lambda: _claim_queued_behind_a_wait(client))
        client.script_flush()
        await enqueue_async(QUEUE, "double", {"value": 3}, JobOptions(), private)
        await wait_counts(admin, completed=1, active=0)
    assert client.script_exists(FINISH_AND_CLAIM.sha) == [True]
    assert [value for _, value, _ in rec.seen] == [3]


async def test_a_retry_due_before_the_pending_claim_ends_wakes_it(private: Connection) -> None:
    """The attempt fails after 0.1 s, when the worker's next claim already waits (5 s) on the
    server; its retry is due 10 ms later. The worker ends that wait when the retry comes
    due instead of sleeping it out."""
    client = private.sync_client()
    rec = Recorder()
    rec.fail_until_attempt = 1
    rec.sleep = 0.1
    admin = QueueAdmin("test", private)
    async with running(Worker(QUEUE, rec, connection=private, settings=fast_settings(**QUIET))):
        await wait_until(lambda: _claim_queued_behind_a_wait(client))
        loop = asyncio.get_running_loop()
        added = loop.time()
        await enqueue_async(QUEUE, "double", {"value": 5}, JobOptions(), private)
        await wait_counts(admin, completed=1, active=0)
        took = loop.time() - added
    assert [attempt for _, _, attempt in rec.seen] == [1, 2]
    assert took < 2.0


def test_a_full_worker_does_not_spin_when_a_delayed_job_comes_due(connection: Connection) -> None:
    """At full capacity a due job cannot be claimed: the wait must not end at once, again
    and again (that loop never yielded, so the running job never finished). The worker
    runs on a thread of its own so that such a spin fails this test instead of hanging it."""
    rec = Recorder()
    rec.sleep = 1.0
    admin = QueueAdmin("test", connection)
    settings = fast_settings(concurrency=1, prefetch=0, idle_block=0.5)
    worker = Worker(QUEUE, rec, connection=connection, settings=settings)
    thread = threading.Thread(target=asyncio.run, args=(run_then_close(worker),), daemon=True)
    enqueue(QUEUE, "double", {"value": 1}, JobOptions(), connection)
    enqueue(QUEUE, "double", {"value": 2}, JobOptions(delay=timedelta(seconds=0.2)), connection)
    thread.start()
    deadline = time.monotonic() + 10
    while admin.counts().completed < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.stop()
    thread.join(10)
    assert [value for _, value, _ in rec.seen] == [1, 2]
    assert not thread.is_alive()
