"""The error history of a job is bounded: the last ERROR_HISTORY records, plus the total count."""

from __future__ import annotations

import re
from importlib import resources
from typing import cast

from jobcontracts.runtime import Connection, JobOptions, JobState, QueueAdmin, enqueue
from jobcontracts.runtime.scripts import queue_scripts
from jobcontracts.runtime.serialization import error_record
from jobcontracts.runtime.wire import ERROR_HISTORY, Settlement
from tests.runtime.runtime_testkit import make_queue

QUEUE = make_queue()


def test_the_lua_and_python_agree_on_the_history_length() -> None:
    common = (resources.files("jobcontracts.runtime") / "lua" / "_common.lua").read_text()
    match = re.search(r"^local ERROR_HISTORY = (\d+)", common, re.MULTILINE)
    assert match is not None
    assert int(match.group(1)) == ERROR_HISTORY


async def test_a_job_dead_lettered_and_retried_many_times_keeps_the_last_records(
    connection: Connection,
) -> None:
    scripts = queue_scripts(connection, "test")
    admin = QueueAdmin("test", connection)
    job = enqueue(QUEUE, "double", {"value": 1}, JobOptions(attempts=1), connection)
    rounds = ERROR_HISTORY + 5
    for n in range(1, rounds + 1):
        claim = await scripts.finish_and_claim_async(connection.now_ms(), f"w:{n}", 30_000, 1, [])
        (held,) = claim.jobs
        record = error_record(held.attempt, connection.now_ms(), ValueError(f"boom {n}"), f"r{n}")
        await scripts.finish_and_claim_async(
            connection.now_ms(),
            f"w:{n}",
            30_000,
            0,
            [Settlement.dead(job.id, held.token, record, "dead")],
        )
        if n < rounds:
            assert admin.retry_dead([job.id]) == 1
    info = admin.job(job.id)
    assert info is not None
    assert info.state is JobState.DEAD
    assert info.error_count == rounds
    assert [e.reason for e in info.errors] == [f"r{n}" for n in range(6, rounds + 1)]
    assert [e.message for e in info.errors][-1] == f"boom {rounds}"
    raw = cast(
        "bytes | None",
        queue_scripts(connection, "test").node().sync_client().hget(scripts.keys.job(job.id), "er"),
    )
    assert raw is not None
    assert raw.count(b"\n") == ERROR_HISTORY - 1
