"""A running worker shows up where operators look: the workers gauge and the dashboard.

The liveness records are the runtime's (written by ``jobcontracts.runtime.workers``,
read by ``worker_info``); these tests check that the exporter and the dashboard read
the same records a real worker writes, and that a stopped worker disappears from both.
"""

from __future__ import annotations

import asyncio
import os
import socket

from jobcontracts.observability.dashboard.data import DashboardData
from jobcontracts.observability.queue_gauges import QueueCollector
from jobcontracts.runtime import Connection, Worker
from tests.runtime.runtime_testkit import Recorder, fast_settings, make_queue, running

QUEUE = make_queue()


def live_worker_gauge(connection: Connection, domain: str) -> float | None:
    for family in QueueCollector([(connection, [domain])]).collect():
        if family.name == "jobcontracts_workers":
            for sample in family.samples:
                if sample.labels.get("domain") == domain:
                    return sample.value
    return None


async def test_a_running_worker_is_counted_and_listed(connection: Connection) -> None:
    dashboard = DashboardData(connection, [QUEUE.domain])
    assert live_worker_gauge(connection, QUEUE.domain) == 0
    async with running(Worker(QUEUE, Recorder(), connection=connection, settings=fast_settings())):
        for _ in range(200):
            if dashboard.workers():
                break
            await asyncio.sleep(0.05)
        (worker,) = dashboard.workers()
        assert worker.pid == os.getpid()
        assert worker.host == socket.gethostname()
        assert worker.domain == QUEUE.domain
        assert live_worker_gauge(connection, QUEUE.domain) == 1
    assert dashboard.workers() == []
    assert live_worker_gauge(connection, QUEUE.domain) == 0
