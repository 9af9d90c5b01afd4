"""Claim order across the two keys ready jobs wait in.

Priority-0 jobs wait in the ``fifo`` LIST, other priorities in the ``wait``
ZSET (``lua/_common.lua``). These tests drive the scripts directly with given
times, so every order is exact: priorities interleaved at enqueue, claims of
every size crossing the boundaries between the keys, jobs coming back (handed
back, stalled, reclaimed from a dead worker, promoted when due, retried from
the dead-letter queue) and jobs an earlier version left in ``wait``. The
``connection`` fixture runs each test on a single server and on a Cluster,
where a key outside the queue's slot would fail the script.
"""

# pyright: reportUnknownMemberType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

from typing import cast

import pytest

from jobcontracts.runtime import Connection
from jobcontracts.runtime.scripts import queue_scripts
from jobcontracts.runtime.wire import Settlement, wait_score
from tests.runtime.runtime_testkit import raw_job

DOMAIN = "order"
LEASE_MS = 1000


class Queue:
    """One queue's scripts, called with explicit times, and what its two keys hold."""

    def __init__(self, connection: Connection) -> None:
        self.scripts = queue_scripts(connection, DOMAIN)
        self.keys = self.scripts.keys
        self.client = self.scripts.node().sync_client()

    def add(self, now: int, *jobs: tuple[str, int], delay_ms: int = 0) -> None:
        """Add jobs given as (id, priority), in that order, in one call."""
        args = [
            raw_job(job_id, "double", b'{"value":1}')._replace(priority=p, delay_ms=delay_ms)
            for job_id, p in jobs
        ]
        self.scripts.add_jobs(now, args)

    def claim(
        self, now: int, want: int, settled: list[Settlement] | None = None, token: str = ""
    ) -> list[str]:
        """Settle ``settled`` and claim up to ``want`` under ``token`` (default: ``w:1``)."""
        lease = token or "w:1"
        call = self.scripts.calls.finish_and_claim(now, lease, LEASE_MS, want, settled or [])
        return [job.id for job in self.scripts.run(call).jobs]

    def claim_all(self, now: int, want: int = 1) -> list[str]:
        """Claim ``want`` at a time until nothing is left; the ids in claim order."""
        order: list[str] = []
        while batch := self.claim(now, want):
            order += batch
        return order

    def listed(self) -> list[str]:
        return [i.decode() for i in cast("list[bytes]", self.client.lrange(self.keys.fifo, 0, -1))]

    def scored(self) -> list[str]:
        return [i.decode() for i in cast("list[bytes]", self.client.zrange(self.keys.wait, 0, -1))]

    def add_earlier_layout(self, now: int, *job_ids: str) -> None:
        """Priority-0 jobs as an earlier version queued them: members of ``wait``."""
        for job_id in job_ids:
            score = wait_score(0, self.client.incr(self.keys.id))
            fields: list[str | int] = ["n", "double", "d", '{"value":1}', "s", score, "ts", now]
            fields += ["a", 3, "b", "f:10:0", "t", 5000]
            self.client.hset(self.keys.job(job_id), items=fields)
            self.client.zadd(self.keys.wait, {job_id: score})


INTERLEAVED = [
    ("zero-a", 0),
    ("five-a", 5),
    ("minus3-a", -3),
    ("zero-b", 0),
    ("ten-a", 10),
    ("minus3-b", -3),
    ("five-b", 5),
    ("zero-c", 0),
    ("minus1-a", -1),
    ("max", 1_000_000),
    ("min", -1_000_000),
]
CLAIM_ORDER = [
    "max",
    "ten-a",
    "five-a",
    "five-b",
    "zero-a",
    "zero-b",
    "zero-c",
    "minus1-a",
    "minus3-a",
    "minus3-b",
    "min",
]


@pytest.mark.parametrize("want", [1, 2, 3, 5, 11, 20])
def test_higher_priority_first_fifo_within_negative_after_zero(
    connection: Connection, want: int
) -> None:
    queue = Queue(connection)
    for job in INTERLEAVED:  # one call per job: the enqueue order is the FIFO order
        queue.add(1, job)
    assert queue.listed() == ["zero-a", "zero-b", "zero-c"]
    assert set(queue.scored()) == {i for i, p in INTERLEAVED if p != 0}
    assert queue.claim_all(2, want) == CLAIM_ORDER
    assert queue.listed() == queue.scored() == []


def test_one_call_adding_many_keeps_their_order(connection: Connection) -> None:
    queue = Queue(connection)
    queue.add(1, *INTERLEAVED)
    assert queue.claim_all(2, 4) == CLAIM_ORDER


def test_jobs_left_in_wait_by_an_earlier_version_are_claimed_first_within_priority_0(
    connection: Connection,
) -> None:
    queue = Queue(connection)
    queue.add_earlier_layout(1, "old-a", "old-b")
    queue.add(2, ("new-a", 0), ("up", 1), ("down", -1))
    queue.add_earlier_layout(3, "old-c")
    assert queue.claim_all(4) == ["up", "old-a", "old-b", "old-c", "new-a", "down"]


def test_an_earlier_layout_job_handed_back_returns_among_its_kind(connection: Connection) -> None:
    queue = Queue(connection)
    queue.add_earlier_layout(1, "old-a", "old-b")
    queue.add(2, ("new-a", 0))
    assert queue.claim(3, 1) == ["old-a"]
    assert queue.claim(4, 0, [Settlement.hand_back("old-a", "w:1")]) == []
    assert queue.listed() == ["new-a"]
    assert queue.claim_all(5) == ["old-a", "old-b", "new-a"]


def test_handed_back_jobs_return_to_the_head_in_their_order(connection: Connection) -> None:
    queue = Queue(connection)
    queue.add(1, ("a", 0), ("b", 0), ("c", 0), ("d", 0), ("p1", 4), ("p2", 4), ("e", 0))
    assert queue.claim(2, 5) == ["p1", "p2", "a", "b", "c"]
    # handed back in another order than claimed, in one call: they come back as they were
    back = [Settlement.hand_back(i, "w:1") for i in ("b", "a", "p2", "c")]
    assert queue.claim(3, 0, back) == []
    assert queue.listed() == ["a", "b", "c", "d", "e"]
    assert queue.claim_all(4) == ["p2", "a", "b", "c", "d", "e"]


def test_a_hand_back_from_another_worker_goes_ahead_of_later_jobs(connection: Connection) -> None:
    queue = Queue(connection)
    queue.add(1, ("a", 0), ("b", 0), ("c", 0))
    assert queue.claim(2, 1, token="w:1") == ["a"]
    assert queue.claim(2, 1, token="v:1") == ["b"]
    queue.add(3, ("d", 0))
    assert queue.claim(4, 0, [Settlement.hand_back("b", "v:1")], token="v:2") == []
    assert queue.claim(5, 0, [Settlement.hand_back("a", "w:1")], token="w:2") == []
    assert queue.claim_all(6) == ["a", "b", "c", "d"]


def test_stalled_jobs_return_to_the_head_lowest_sequence_first(connection: Connection) -> None:
    queue = Queue(connection)
    queue.add(1, ("a", 0), ("b", 0), ("c", 0), ("hi", 2), ("d", 0))
    assert queue.claim(10, 2, token="w:1") == ["hi", "a"]
    assert queue.claim(500, 1, token="w:2") == ["b"]  # a later lease deadline
    queue.add(600, ("e", 0))
    recovered = queue.scripts.run(queue.scripts.calls.recover_stalled(2000, 3))
    assert [j.id for j in recovered] == ["a", "hi", "b"]  # by lease deadline, then id
    assert not any(j.dead for j in recovered)
    assert queue.listed() == ["a", "b", "c", "d", "e"]
    assert queue.claim_all(2001) == ["hi", "a", "b", "c", "d", "e"]


def test_a_dead_workers_jobs_return_to_the_head(connection: Connection) -> None:
    queue = Queue(connection)
    calls = queue.scripts.calls
    queue.scripts.run(calls.beat_worker(0, "gone", 100, "{}", None, 3))
    queue.scripts.run(calls.beat_worker(0, "alive", 10_000, "{}", None, 3))
    queue.add(1, ("a", 0), ("b", 0), ("c", 0), ("low", -2))
    assert queue.claim(2, 1, token="alive:1") == ["a"]
    assert queue.claim(3, 2, token="gone:1") == ["b", "c"]
    queue.add(4, ("d", 0))
    reply = queue.scripts.run(calls.beat_worker(200, "alive", 10_000, "{}", None, 3))
    assert sorted(j.id for j in reply.reclaimed) == ["b", "c"]
    assert queue.listed() == ["b", "c", "d"]
    assert queue.claim_all(201) == ["b", "c", "d", "low"]


def test_due_delayed_jobs_join_the_back_in_the_order_they_became_due(
    connection: Connection,
) -> None:
    queue = Queue(connection)
    queue.add(0, ("late", 0), delay_ms=100)
    queue.add(0, ("early", 0), ("early-hi", 3), delay_ms=50)
    queue.add(10, ("a", 0), ("b", 0), ("hi", 3))
    assert queue.claim_all(200) == ["hi", "early-hi", "a", "b", "early", "late"]


def test_a_retry_waits_its_turn_after_the_backoff(connection: Connection) -> None:
    queue = Queue(connection)
    queue.add(0, ("a", 0), ("hi", 1))
    assert queue.claim(1, 2) == ["hi", "a"]
    queue.add(2, ("b", 0), ("hi-2", 1))
    retries = [Settlement.retry(i, "w:1", "{}", 50) for i in ("a", "hi")]
    assert queue.claim(3, 0, retries) == []
    assert queue.claim_all(100) == ["hi-2", "hi", "b", "a"]


def test_dead_letter_retries_join_the_back_in_the_order_given(connection: Connection) -> None:
    queue = Queue(connection)
    queue.add(0, ("a", 0), ("b", 0), ("hi", 1))
    assert queue.claim(1, 3) == ["hi", "a", "b"]
    deaths = [Settlement.dead(i, "w:1", "", "gave up") for i in ("a", "b", "hi")]
    assert queue.claim(2, 0, deaths) == []
    queue.add(3, ("c", 0), ("hi-2", 1))
    assert queue.scripts.run(queue.scripts.calls.retry_dead(4, ["b", "hi", "a"])) == 3
    assert queue.listed() == ["c", "b", "a"]
    assert queue.claim_all(5) == ["hi-2", "hi", "c", "b", "a"]


def test_a_claim_that_leaves_listed_jobs_wakes_another_worker(connection: Connection) -> None:
    queue = Queue(connection)
    queue.add(1, ("a", 0), ("b", 0))
    queue.client.delete(queue.keys.marker)
    assert queue.claim(2, 1) == ["a"]
    assert queue.client.zcard(queue.keys.marker) == 1
    queue.client.delete(queue.keys.marker)
    assert queue.claim(3, 1) == ["b"]
    assert queue.client.zcard(queue.keys.marker) == 0
