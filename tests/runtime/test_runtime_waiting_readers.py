"""Everything that reads waiting jobs sees both keys they wait in.

Priority-0 jobs are in the ``fifo`` LIST, others in the ``wait`` ZSET; counts,
``Job.status()``, ``QueueAdmin.job``, claim-order pages and the inventory of
``jobctl breaking --live`` must each find them in both, including while
workers claim and producers enqueue between two reads.
"""

# pyright: reportUnknownMemberType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

from itertools import product
from typing import cast

from jobcontracts.runtime import Connection, JobOptions, JobState, QueueAdmin, enqueue
from jobcontracts.runtime.inventory import stored_jobs
from jobcontracts.runtime.scripts import queue_scripts
from jobcontracts.runtime.waiting import claim_order_spans, waiting_page
from tests.runtime.runtime_testkit import make_queue

QUEUE = make_queue()
PLAN = [(0, "z1"), (3, "p1"), (-2, "n1"), (0, "z2"), (3, "p2"), (0, "z3"), (-1, "n2")]
CLAIM_ORDER = ["p1", "p2", "z1", "z2", "z3", "n2", "n1"]


def _enqueue_plan(connection: Connection) -> None:
    for priority, job_id in PLAN:
        enqueue(
            QUEUE, "double", {"value": 1}, JobOptions(priority=priority, job_id=job_id), connection
        )


def enqueue_many_ids(connection: Connection, n: int) -> list[str]:
    return [enqueue(QUEUE, "double", {"value": i}, JobOptions(), connection).id for i in range(n)]


def test_counts_status_and_job_info_include_listed_jobs(connection: Connection) -> None:
    _enqueue_plan(connection)
    admin = QueueAdmin(QUEUE.domain, connection)
    assert admin.counts().waiting == len(PLAN)
    for priority, job_id in PLAN:
        info = admin.job(job_id)
        assert info is not None
        assert (info.state, info.priority) == (JobState.WAITING, priority)
    assert admin.job("never-enqueued") is None
    listed = enqueue(QUEUE, "double", {"value": 1}, JobOptions(), connection)
    assert listed.status() is JobState.WAITING


def test_claim_order_spans_cover_every_window_once() -> None:
    for head, listed, tail in product(range(4), repeat=3):
        order = [("z", r) for r in range(head)] + [("l", i) for i in range(listed)]
        order += [("z", head + r) for r in range(tail)]
        for start, stop in product(range(len(order) + 2), repeat=2):
            spans = claim_order_spans(head, listed, head + tail, start, stop)
            got = [
                ("l" if s.in_list else "z", p) for s in spans for p in range(s.first, s.last + 1)
            ]
            assert got == order[start : stop + 1], (head, listed, tail, start, stop)


def test_waiting_pages_follow_the_claim_order(connection: Connection) -> None:
    _enqueue_plan(connection)
    scripts = queue_scripts(connection, QUEUE.domain)
    client = scripts.node().sync_client()
    for start, stop in product(range(len(PLAN) + 1), repeat=2):
        total, ids = waiting_page(client, scripts.keys, start, stop)
        assert total == len(PLAN)
        assert [i.decode() for i in ids] == CLAIM_ORDER[start : stop + 1]


def test_the_inventory_reads_listed_jobs_in_batches(connection: Connection) -> None:
    _enqueue_plan(connection)
    jobs = enqueue_many_ids(connection, 11)
    found = list(stored_jobs(connection, QUEUE.domain, batch=2))
    assert sorted(j.id for j in found) == sorted([i for _, i in PLAN] + jobs)
    assert {j.state for j in found} == {JobState.WAITING}


def test_the_inventory_misses_no_listed_job_while_workers_claim(connection: Connection) -> None:
    """Claims pop the head and producers push the tail between two batches of the walk."""
    listed = enqueue_many_ids(connection, 20)
    scripts = queue_scripts(connection, QUEUE.domain)
    client = scripts.node().sync_client()
    walk = stored_jobs(connection, QUEUE.domain, batch=3)
    seen = [next(walk).id for _ in range(3)]
    claimed = [raw.decode() for raw in cast("list[bytes]", client.lpop(scripts.keys.fifo, 5))]
    added = enqueue_many_ids(connection, 4)
    seen += [job.id for job in walk]
    stayed = [i for i in listed if i not in claimed]
    assert set(stayed) <= set(seen)
    assert claimed == listed[:5]
    assert set(seen) <= set(listed) | set(added)
