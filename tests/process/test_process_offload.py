"""Real worker processes with blocking handlers: ``in_thread`` keeps the event loop free
while it blocks longer than a lease; ``in_process`` children end with their worker."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import TypedDict

from jobcontracts.runtime import Connection, JobOptions, QueueAdmin, enqueue_many
from tests.process.offload_worker import DOMAIN, QUEUE
from tests.process.proc_support import (
    Records,
    children_of,
    eventually,
    process_alive,
    worker_process,
)

TARGET = "tests.process.offload_worker:offload_worker"


class Run(TypedDict):
    settings: Mapping[str, float | int]
    target: str


def run(settings: Mapping[str, float | int]) -> Run:
    return {"settings": settings, "target": TARGET}


def add(connection: Connection, name: str, payload: dict[str, object]) -> str:
    return enqueue_many(QUEUE, [(name, payload, JobOptions())], connection)[0].id


def test_an_in_thread_handler_blocking_longer_than_a_lease_runs_once_and_the_loop_runs_on(
    connection: Connection, redis_url: str, tmp_path: Path
) -> None:
    records = Records(connection)
    # blocks for several leases, then on until the six quick jobs are done: with the loop
    # blocked they could only end after it, however slow or fast the machine is
    block_id = add(connection, "block", {"seconds": 3.0, "until_done": 6})
    settings = {"concurrency": 2, "lease": 1.0, "liveness": 0.5, "stall_check": 0.2}
    with (
        worker_process(redis_url, connection.prefix, tmp_path / "a.log", **run(settings)) as a,
        worker_process(redis_url, connection.prefix, tmp_path / "b.log", **run(settings)) as b,
    ):
        eventually(lambda: block_id in records.started(), timeout=30, what="block starting")
        quick_ids = [add(connection, "quick", {}) for _ in range(6)]
        eventually(
            lambda: all(q in records.done() for q in quick_ids),
            timeout=30,
            what="quick jobs finishing while the handler blocks",
            worker=a,
        )
        admin = QueueAdmin(DOMAIN, connection)
        eventually(lambda: admin.counts().completed == 7, timeout=30, what="all done", worker=a)
        time.sleep(1.5)  # several more leases and stall checks: nothing may run it again
        assert a.sigterm_and_wait() == 0
        assert b.sigterm_and_wait() == 0
        logs = a.log() + b.log()
    assert records.started() == {block_id: 1}
    assert records.done()[block_id] == 1
    assert records.ended_in_order()[-1] == block_id  # the quick jobs ended while it blocked
    info = QueueAdmin(DOMAIN, connection).job(block_id)
    assert info is not None
    assert (info.stalls, info.attempts_made) == (0, 1)
    assert "event loop" not in logs  # the watchdog never saw the loop blocked
    assert "lease expired" not in logs
    assert "lost" not in logs


CHILDREN = {"concurrency": 2, "processes": 2, "shutdown_grace": 1.0}
"""Two warm children: one runs a long job, the other waits idle."""


def test_a_stopping_worker_leaves_no_child_process(
    connection: Connection, redis_url: str, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pids"
    long_id = add(connection, "child", {"seconds": 60.0, "pid_file": str(pid_file)})
    with worker_process(redis_url, connection.prefix, tmp_path / "w.log", **run(CHILDREN)) as w:
        eventually(pid_file.exists, timeout=30, what="the child job starting", worker=w)
        eventually(
            lambda: len(children_of(w.process.pid)) == 2,
            timeout=30,
            what="two warm children",
            worker=w,
        )
        children = children_of(w.process.pid)
        assert int(pid_file.read_text()) in children
        assert w.sigterm_and_wait() == 0
    assert not [pid for pid in children if process_alive(pid)]
    info = QueueAdmin(DOMAIN, connection).job(long_id)
    assert info is not None
    assert info.state.value == "waiting"  # handed back after the grace, for another worker


def test_a_sigkilled_worker_takes_its_child_processes_with_it(
    connection: Connection, redis_url: str, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pids"
    add(connection, "child", {"seconds": 60.0, "pid_file": str(pid_file)})
    with worker_process(redis_url, connection.prefix, tmp_path / "w.log", **run(CHILDREN)) as w:
        eventually(pid_file.exists, timeout=30, what="the child job starting", worker=w)
        eventually(
            lambda: len(children_of(w.process.pid)) == 2,
            timeout=30,
            what="two warm children",
            worker=w,
        )
        children = children_of(w.process.pid)
        w.sigkill()
    eventually(
        lambda: not [pid for pid in children if process_alive(pid)],
        timeout=5,
        what="the children ending with their worker",
    )


def test_a_stopping_worker_hands_an_in_thread_job_back_but_exits_when_its_thread_returns(
    connection: Connection, redis_url: str, tmp_path: Path
) -> None:
    records = Records(connection)
    block_id = add(connection, "block", {"seconds": 4.0})
    settings = {"concurrency": 1, "shutdown_grace": 0.5}
    with worker_process(redis_url, connection.prefix, tmp_path / "w.log", **run(settings)) as w:
        eventually(lambda: block_id in records.started(), timeout=30, what="block starting")
        stopping = time.monotonic()
        assert w.sigterm_and_wait() == 0
        took = time.monotonic() - stopping
    info = QueueAdmin(DOMAIN, connection).job(block_id)
    assert info is not None
    assert info.state.value == "waiting"  # handed back after the grace
    assert records.done() == {block_id: 1}  # yet the thread ran to its end
    assert took > 2.0, took  # the process waited for it
