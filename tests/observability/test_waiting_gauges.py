"""The queue gauge and the dashboard count and list waiting jobs in both keys.

Priority-0 jobs wait in the ``fifo`` LIST, other priorities in the ``wait``
ZSET: the ``waiting`` gauge adds both, and the dashboard's waiting pages list
them in the order workers will claim them, page after page.
"""

from __future__ import annotations

from jobcontracts.observability.dashboard.data import PAGE_SIZE, DashboardData
from jobcontracts.observability.queue_gauges import QueueCollector
from jobcontracts.runtime import Connection, JobOptions, enqueue
from tests.runtime.runtime_testkit import make_queue

QUEUE = make_queue()


def _enqueue(connection: Connection) -> list[str]:
    """Jobs of priorities 2, 0 and -1, interleaved; their ids in claim order."""
    by_priority: dict[int, list[str]] = {2: [], 0: [], -1: []}
    for n in range(2 * PAGE_SIZE + 5):
        priority = (2, 0, 0, -1)[n % 4]
        options = JobOptions(priority=priority, job_id=f"j{n}")
        by_priority[priority].append(enqueue(QUEUE, "note", {"value": n}, options, connection).id)
    return by_priority[2] + by_priority[0] + by_priority[-1]


def test_the_waiting_gauge_counts_listed_jobs(connection: Connection) -> None:
    order = _enqueue(connection)
    waiting = [
        sample.value
        for family in QueueCollector([(connection, [QUEUE.domain])]).collect()
        for sample in family.samples
        if sample.name == "jobcontracts_queue_jobs" and sample.labels["state"] == "waiting"
    ]
    assert waiting == [len(order)]


def test_dashboard_pages_list_waiting_jobs_in_claim_order(connection: Connection) -> None:
    order = _enqueue(connection)
    data = DashboardData(connection, [QUEUE.domain])
    pages = [data.jobs(QUEUE.domain, "waiting", page) for page in (1, 2, 3)]
    assert [p.total for p in pages] == [len(order)] * 3
    assert [p.pages for p in pages] == [3] * 3
    assert [job.id for p in pages for job in p.jobs] == order
    assert data.jobs(QUEUE.domain, "waiting", 9).page == 3
