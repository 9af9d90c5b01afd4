"""Throughput history: per-minute counts written by the settle script, bounded to 24 hours."""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import pytest

from jobcontracts.runtime import Connection, JobOptions, QueueAdmin, Worker, enqueue_async
from jobcontracts.runtime.history import HISTORY_MINUTES, MINUTE_MS, throughput
from jobcontracts.runtime.testing import ManualClock
from tests.conftest import delete_prefix
from tests.runtime.runtime_testkit import Recorder, fast_settings, make_queue, running, wait_counts

QUEUE = make_queue("charted")


@pytest.fixture
def clocked(redis_url: str, key_prefix: str) -> Iterator[tuple[Connection, ManualClock]]:
    clock = ManualClock(start_ms=1_700_000_000_000 - 1_700_000_000_000 % MINUTE_MS)
    connection = Connection(redis_url, prefix=key_prefix, clock=clock)
    yield connection, clock
    connection.close()
    delete_prefix(redis_url, key_prefix)


async def test_counts_land_in_their_minute(clocked: tuple[Connection, ManualClock]) -> None:
    connection, clock = clocked
    rec = Recorder()
    admin = QueueAdmin("charted", connection)
    async with running(Worker(QUEUE, rec, connection=connection, settings=fast_settings())):
        for n in range(4):
            await enqueue_async(QUEUE, "double", {"value": n}, JobOptions(), connection)
        await wait_counts(admin, completed=4)
        clock.advance(2 * MINUTE_MS)
        rec.unrecoverable = True
        await enqueue_async(QUEUE, "double", {"value": 9}, JobOptions(), connection)
        await wait_counts(admin, completed=4, dead=1)
    minutes = throughput(connection, "charted", minutes=3)
    assert [(m.completed, m.failed) for m in minutes] == [(4, 0), (0, 0), (0, 1)]
    assert minutes[-1].minute.timestamp() * 1000 == clock() - clock() % MINUTE_MS


async def test_history_keeps_one_day(clocked: tuple[Connection, ManualClock]) -> None:
    connection, clock = clocked
    admin = QueueAdmin("charted", connection)
    key = admin.keys.history
    client = connection.sync_client()
    async with running(Worker(QUEUE, Recorder(), connection=connection, settings=fast_settings())):
        for step in range(3):  # three busy minutes, an hour apart
            await enqueue_async(QUEUE, "double", {"value": step}, JobOptions(), connection)
            await wait_counts(admin, completed=step + 1)
            clock.advance(60 * MINUTE_MS)
        assert client.hlen(key) == 3 + 1  # three 'c' fields and the last-trim marker
        clock.advance(HISTORY_MINUTES * MINUTE_MS)
        await enqueue_async(QUEUE, "double", {"value": 7}, JobOptions(), connection)
        await wait_counts(admin, completed=4)
    fields = sorted(f.decode() for f in cast("list[bytes]", client.hkeys(key)))
    now_minute = clock() // MINUTE_MS
    assert fields == ["c" + str(now_minute), "last"]
    assert 0 < client.pttl(key) <= (HISTORY_MINUTES + 60) * MINUTE_MS
    assert sum(m.completed for m in throughput(connection, "charted", HISTORY_MINUTES)) == 1


def test_window_is_bounded(clocked: tuple[Connection, ManualClock]) -> None:
    connection, _ = clocked
    with pytest.raises(ValueError, match="minutes must be within"):
        throughput(connection, "charted", HISTORY_MINUTES + 1)
