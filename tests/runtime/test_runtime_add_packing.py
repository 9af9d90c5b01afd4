"""The producer's script call packs its constant parts once per queue.

``add_jobs`` sends the script's head (sha and keys) and each option set as
runs packed before (``pipelined.Encoded``). These tests check that the runs
stand for exactly the arguments they replace, on every path a call can take:
the producer's lanes, and redis-py clients, which pack commands themselves.
"""

from __future__ import annotations

import asyncio

import pytest
import redis

from jobcontracts.runtime import Connection
from jobcontracts.runtime.evalsha import script_request
from jobcontracts.runtime.keys import QueueKeys
from jobcontracts.runtime.pipelined import Encoded, pack, plain
from jobcontracts.runtime.script_calls import OPTION_SETS_PACKED, QueueCalls
from jobcontracts.runtime.scripts import queue_scripts
from jobcontracts.runtime.wire import ADD_OWN_FIELDS, AddJobArgs
from tests.runtime.runtime_testkit import raw_job


def test_a_queue_packs_an_option_set_once_and_sends_its_values() -> None:
    calls = QueueCalls(QueueKeys.build("jobs", "github"), None)
    first = calls.add_jobs(1, [raw_job("a", "double", b"{}")])
    second = calls.add_jobs(2, [raw_job("b", "double", b"[]"), raw_job("c", "triple", b"{}")])
    assert first.args[2] is second.args[2]  # the same set: packed by the first call only
    assert calls.packed_sets() == 2
    job_b, job_c = raw_job("b", "double", b"[]"), raw_job("c", "triple", b"{}")
    assert list(plain(second.args)) == [
        *(2, 2, *job_b[ADD_OWN_FIELDS:], *job_c[ADD_OWN_FIELDS:]),
        *("b", b"[]", 1, "c", b"{}", 2),
    ]


def test_sets_that_vary_per_call_keep_few_packed_and_each_goes_out_as_it_is() -> None:
    calls = QueueCalls(QueueKeys.build("jobs", "github"), None)
    for delay in range(3 * OPTION_SETS_PACKED):
        job = raw_job("a", "double", b"{}")._replace(delay_ms=delay)
        call = calls.add_jobs(1, [job])
        assert list(plain(call.args)) == [1, 1, *job[ADD_OWN_FIELDS:], "a", b"{}", 1]
        assert calls.packed_sets() <= OPTION_SETS_PACKED


@pytest.mark.parametrize(
    "job",
    [
        raw_job("a", "double", b'{"value":1}'),
        raw_job("", "double", b"{}"),  # the id counter's next value
        raw_job("ü-1", "double", "é".encode() * 700),  # past the lookup of short lengths
        raw_job("b", "double", b"[]")._replace(payload='{"text":"ß"}', delay_ms=1500),
    ],
)
def test_one_job_is_packed_as_the_full_path_packs_it(job: AddJobArgs) -> None:
    calls = QueueCalls(QueueKeys.build("jobs", "github"), None)
    for now_ms in (0, 7, 1_796_331_741_158):
        for jobs in ([job], [job, job]):
            call = calls.add_jobs(now_ms, jobs)
            (evalsha,) = script_request(call.script, call.keys, call.args, None, call.head)
            assert calls.add_packed(now_ms, jobs) == pack(evalsha)
        assert calls.add_one_packed(now_ms, job) == calls.add_packed(now_ms, [job])


def _exists(url: str, key: str) -> bool:
    client = redis.Redis.from_url(url)  # pyright: ignore[reportUnknownMemberType]
    try:
        return bool(client.exists(key))  # pyright: ignore[reportUnknownMemberType]
    finally:
        client.close()


def test_an_add_runs_through_redis_py_clients_too(redis_url: str, key_prefix: str) -> None:
    """Not only the producer's lanes: a client that packs its own commands gets the values."""
    connection = Connection(redis_url, prefix=key_prefix)
    scripts = queue_scripts(connection, "packing")
    try:
        call = scripts.calls.add_jobs(connection.now_ms(), [raw_job("blocking", "n", b"{}")])
        assert call.head is not None
        assert scripts.run(call) == [1]  # created, through a redis-py client, not the lane

        async def over_asyncio() -> list[int]:
            again = scripts.calls.add_jobs(connection.now_ms(), [raw_job("async", "n", b"{}")])
            try:
                return await scripts.arun(again)
            finally:
                await connection.aclose()

        assert asyncio.run(over_asyncio()) == [1]
        assert _exists(redis_url, scripts.keys.job("blocking"))
        assert _exists(redis_url, scripts.keys.job("async"))
    finally:
        connection.close()


async def test_the_lane_sends_packed_runs_through_the_pool_when_its_connection_dies(
    redis_url: str, key_prefix: str
) -> None:
    connection = Connection(redis_url, prefix=key_prefix)
    lane = connection.async_lane()
    lane_id = await lane.execute("CLIENT", "ID")
    admin = redis.Redis.from_url(redis_url)  # pyright: ignore[reportUnknownMemberType]
    try:
        empty = Encoded((f"{key_prefix}:never-filled",))
        in_flight = asyncio.ensure_future(lane.execute("BLPOP", empty, "0.5"))
        await asyncio.sleep(0.05)
        admin.client_kill_filter(_id=lane_id)  # pyright: ignore[reportUnknownMemberType]
        assert await in_flight is None  # sent again through the pool, spread into its values
        many = await lane.execute_many(("ECHO", Encoded(("one",))), ("ECHO", "two"))
        assert many == [b"one", b"two"]
    finally:
        admin.close()
        await connection.aclose()
