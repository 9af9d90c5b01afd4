"""Enqueueing: validation before Redis, option merging, ids, ordering, delay, bulk."""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import pytest
import redis

from jobcontracts.runtime import (
    Backoff,
    Connection,
    InvalidOptionsError,
    InvalidPayloadError,
    JobOptions,
    JobState,
    QueueAdmin,
    Repeat,
    Retention,
    UnknownJobError,
    Worker,
    enqueue,
    enqueue_async,
    enqueue_many,
    enqueue_many_async,
)
from jobcontracts.runtime.resolution import resolve
from jobcontracts.runtime.scripts import queue_scripts
from jobcontracts.runtime.testing import ManualClock
from tests.runtime.runtime_testkit import (
    Echo,
    Recorder,
    fast_settings,
    make_queue,
    raw_job,
    running,
    wait_until,
)

QUEUE = make_queue()


def _keys(connection: Connection) -> list[bytes]:
    return [
        key
        for node in connection.primaries()
        for key in node.sync_client().scan_iter(match=f"{connection.prefix}:*")
    ]


def test_invalid_payload_is_refused_before_redis(connection: Connection) -> None:
    with pytest.raises(InvalidPayloadError) as info:
        enqueue(QUEUE, "double", {"value": "not a number"}, JobOptions(), connection)
    assert info.value.domain == "test"
    assert info.value.job_name == "double"
    assert info.value.fields == ("value",)
    assert "test.double" in str(info.value)
    assert "value" in str(info.value)
    with pytest.raises(UnknownJobError, match="no job 'nope'"):
        enqueue(QUEUE, "nope", {"value": 1}, JobOptions(), connection)
    with pytest.raises(InvalidOptionsError, match="disagree"):
        enqueue(QUEUE, "double", {"value": 1}, JobOptions(attempts=3, retries=5), connection)
    assert _keys(connection) == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (JobOptions(attempts=0), "attempts"),
        (JobOptions(retries=-1), "retries"),
        (JobOptions(priority=10**7), "priority"),
        (JobOptions(timeout=0), "timeout"),
        (JobOptions(delay=-1), "delay"),
        (JobOptions(job_id="123"), "job_id"),
        (JobOptions(job_id="~order-7"), "job_id"),
        (JobOptions(job_id=""), "job_id"),
        (JobOptions(backoff=Backoff.fixed(1, jitter=2.0)), "jitter"),
        (JobOptions(repeat=Repeat()), "exactly one"),
        (JobOptions(repeat=Repeat(cron="not a cron")), "cron"),
        (JobOptions(remove_on_complete=Retention(count=-1)), "count"),
    ],
)
def test_invalid_options(connection: Connection, options: JobOptions, message: str) -> None:
    with pytest.raises(InvalidOptionsError, match=message):
        enqueue(QUEUE, "double", {"value": 1}, options, connection)
    assert _keys(connection) == []


_ONE_OVERRIDE: dict[str, object] = {
    "delay": 2,
    "priority": 0,
    "attempts": 3,
    "retries": 2,
    "backoff": Backoff.fixed(timedelta(milliseconds=10)),
    "timeout": timedelta(seconds=5),
    "job_id": "given",
    "repeat": Repeat(every=timedelta(minutes=1)),
    "remove_on_complete": False,
    "remove_on_fail": False,
}
"""One value per option; several equal to the kind's default, which still counts as given."""


def test_any_option_given_is_resolved_not_taken_from_the_defaults() -> None:
    definition = QUEUE.jobs["double"]
    defaults = resolve(definition, JobOptions())
    assert resolve(definition, JobOptions()) is defaults  # resolved once per job kind
    assert set(_ONE_OVERRIDE) == {f.name for f in dataclasses.fields(JobOptions)}
    for name, value in _ONE_OVERRIDE.items():
        given = resolve(definition, JobOptions(**{name: value}))  # type: ignore[arg-type]
        assert given is not defaults, name


def test_option_merge() -> None:
    definition = QUEUE.jobs["double"]
    merged = resolve(
        definition, JobOptions(retries=4, priority=7, timeout=timedelta(seconds=2), delay=1.5)
    )
    assert merged.attempts == 5
    assert merged.priority == 7
    assert merged.timeout_ms == 2000
    assert merged.delay_ms == 1500
    assert merged.backoff == "f:10:0"
    default = resolve(definition, JobOptions())
    assert default.attempts == 3
    assert default.remove_on_complete == ""
    assert resolve(definition, JobOptions(attempts=2, retries=1)).attempts == 2
    packed = resolve(
        definition,
        JobOptions(
            remove_on_complete=Retention(count=10, age=timedelta(days=1)), remove_on_fail=True
        ),
    )
    assert packed.remove_on_complete == "10:86400000"
    assert packed.remove_on_fail == "1"
    exp = resolve(
        definition, JobOptions(backoff=Backoff.exponential(timedelta(seconds=2), jitter=0.2))
    )
    assert exp.backoff == "e:2000:0.2"


def test_payload_uses_wire_aliases(connection: Connection) -> None:
    job = enqueue(
        QUEUE,
        "double",
        Echo.model_validate({"value": 3, "wire-label": "x"}),
        JobOptions(),
        connection,
    )
    info = QueueAdmin("test", connection).job(job.id)
    assert info is not None
    assert info.payload == '{"value":3,"wire-label":"x"}'
    assert info.state is JobState.WAITING
    assert info.attempts_made == 0
    assert info.attempts_allowed == 3
    assert job.status() is JobState.WAITING


def test_job_id_is_idempotent(connection: Connection) -> None:
    first = enqueue(QUEUE, "double", {"value": 1}, JobOptions(job_id="order-42"), connection)
    second = enqueue(QUEUE, "double", {"value": 2}, JobOptions(job_id="order-42"), connection)
    assert first.id == second.id == "order-42"
    assert first.created
    assert not second.created
    admin = QueueAdmin("test", connection)
    assert admin.counts().waiting == 1
    info = admin.job("order-42")
    assert info is not None
    assert '"value":1' in info.payload


async def test_priority_then_fifo(connection: Connection) -> None:
    plan = [(0, 1), (5, 2), (0, 3), (10, 4), (5, 5), (-3, 6), (10, 7)]
    for priority, value in plan:
        await enqueue_async(
            QUEUE, "double", {"value": value}, JobOptions(priority=priority), connection
        )
    rec = Recorder()
    worker = Worker(
        QUEUE, rec, connection=connection, settings=fast_settings(concurrency=1, prefetch=0)
    )
    async with running(worker):
        await wait_until(lambda: len(rec.seen) == len(plan))
    assert [value for _, value, _ in rec.seen] == [4, 7, 2, 5, 1, 3, 6]


async def test_delay_with_manual_clock(
    redis_url: str, key_prefix: str, manual_clock: ManualClock
) -> None:
    connection = Connection(redis_url, prefix=key_prefix, clock=manual_clock)
    try:
        job = await enqueue_async(QUEUE, "double", {"value": 1}, JobOptions(delay=60), connection)
        assert await job.status() is JobState.DELAYED
        info = QueueAdmin("test", connection).job(job.id)
        assert info is not None
        assert info.ready_at is not None
        assert int(info.ready_at.timestamp() * 1000) == manual_clock.now + 60_000
        rec = Recorder()
        async with running(Worker(QUEUE, rec, connection=connection, settings=fast_settings())):
            await asyncio.sleep(0.2)
            assert rec.seen == []
            manual_clock.advance(60_000)
            await wait_until(lambda: len(rec.seen) == 1)
        assert await job.status() is JobState.COMPLETED
    finally:
        await connection.aclose()


def test_enqueue_many_validates_all_first(connection: Connection) -> None:
    with pytest.raises(InvalidPayloadError):
        enqueue_many(QUEUE, [("double", {"value": 1}), ("double", {"value": "bad"})], connection)
    assert _keys(connection) == []
    jobs = enqueue_many(
        QUEUE,
        [("double", {"value": i}, JobOptions(priority=i % 3)) for i in range(25)],
        connection,
        chunk_size=10,
    )
    assert len({j.id for j in jobs}) == 25
    assert QueueAdmin("test", connection).counts().waiting == 25
    with pytest.raises(InvalidOptionsError, match="repeat"):
        enqueue_many(
            QUEUE, [("double", {"value": 1}, JobOptions(repeat=Repeat(every=5)))], connection
        )


def test_jobs_of_one_call_keep_their_own_options(connection: Connection) -> None:
    """Jobs sharing a script call send their common options once: none may get another's."""
    specs = [
        ("double", JobOptions()),
        ("note", JobOptions()),
        ("double", JobOptions(priority=7)),
        ("double", JobOptions(attempts=9, timeout=timedelta(seconds=4))),
        ("note", JobOptions(delay=timedelta(hours=1))),
        ("double", JobOptions(job_id="own-id", priority=-3)),
    ]
    own = [(name, {"value": i}, options) for i, (name, options) in enumerate(specs)]
    plain = [(specs[i % len(specs)][0], {"value": i}) for i in range(len(specs), 18)]
    jobs = enqueue_many(QUEUE, [*own, *plain], connection)
    admin = QueueAdmin("test", connection)
    for i, job in enumerate(jobs):
        info = admin.job(job.id)
        assert info is not None
        name, options = specs[i] if i < len(specs) else (specs[i % len(specs)][0], JobOptions())
        defaults = resolve(QUEUE.jobs[name], JobOptions())
        assert (info.name, info.payload) == (name, f'{{"value":{i}}}')
        assert info.priority == (options.priority if options.priority is not None else 0)
        assert info.attempts_allowed == (options.attempts or defaults.attempts)
        assert info.timeout_ms == (4000 if options.timeout else defaults.timeout_ms)
        assert info.state == (JobState.DELAYED if options.delay else JobState.WAITING)
    assert jobs[5].id == "own-id"


@pytest.mark.parametrize("bad_at", [0, 3, 5])
def test_a_call_with_a_bad_job_writes_nothing(connection: Connection, bad_at: int) -> None:
    """The script checks every job before it writes one: the call fails whole."""
    jobs = [raw_job(f"j{k}", "double", b'{"value":1}') for k in range(6)]
    jobs[bad_at] = jobs[bad_at]._replace(delay_ms="soon")  # type: ignore[arg-type]
    scripts = queue_scripts(connection, QUEUE.domain)
    with pytest.raises(redis.ResponseError, match="not a number"):
        scripts.add_jobs(connection.now_ms(), jobs)
    assert _keys(connection) == []


async def test_enqueue_many_async(connection: Connection) -> None:
    jobs = await enqueue_many_async(QUEUE, [("note", {"value": i}) for i in range(5)], connection)
    assert [await j.status() for j in jobs] == [JobState.WAITING] * 5


def test_memory_per_waiting_job(connection: Connection) -> None:
    """Budget: at most 1 KiB of Redis memory per small waiting job with default options."""
    client = queue_scripts(connection, QUEUE.domain).node().sync_client()
    enqueue(QUEUE, "double", {"value": 0}, JobOptions(), connection)
    before = int(client.info("memory")["used_memory"])
    enqueue_many(QUEUE, [("double", {"value": i}) for i in range(2000)], connection)
    after = int(client.info("memory")["used_memory"])
    # other tests share the server, so this is only a coarse bound
    assert (after - before) / 2000 < 1024


def test_unreachable_redis_fails_clearly() -> None:
    from jobcontracts.runtime.connection import ClientSettings

    conn = Connection(
        "redis://127.0.0.1:1/0",
        prefix="x",
        settings=ClientSettings(retries=1, backoff_base=0.01, connect_timeout=0.2),
    )
    with pytest.raises(redis.ConnectionError):
        enqueue(QUEUE, "double", {"value": 1}, JobOptions(), conn)
    conn.close()


def test_threads_share_a_connection_without_mixing_replies(connection: Connection) -> None:
    """Each thread gets its own direct connection: ids are unique and every job is stored."""
    from concurrent.futures import ThreadPoolExecutor

    def produce(worker: int) -> list[str]:
        return [
            enqueue(QUEUE, "double", {"value": worker * 1000 + i}, JobOptions(), connection).id
            for i in range(100)
        ]

    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = [job_id for batch in pool.map(produce, range(4)) for job_id in batch]
    assert len(set(ids)) == 400
    assert QueueAdmin("test", connection).counts().waiting == 400
