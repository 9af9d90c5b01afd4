"""A worker process killed with SIGKILL or stopped with SIGTERM loses no job."""

from __future__ import annotations

import signal
from pathlib import Path

from jobcontracts.runtime import Connection, JobState
from tests.process.proc_support import (
    Naps,
    eventually,
    worker_process,
)


def test_jobs_of_a_sigkilled_worker_are_recovered_and_completed_once(naps: Naps) -> None:
    total = 6
    ids = naps.add(total, seconds=2.0)
    short_lease = {"concurrency": total, "lease": 1.0, "stall_check": 0.5, "shutdown_grace": 5.0}

    with naps.running("a", total, settings=short_lease, what="worker A starting every job") as a:
        assert naps.records.done() == {}  # every job is mid-sleep
        a.sigkill()
        assert a.process.returncode == -9
    # The dead worker's leases are still in Redis: nothing is waiting yet.
    assert naps.counts()[:4] == (0, 0, total, 0)

    what = "worker B completing the recovered jobs"
    log, _ = naps.complete("b", total, settings=short_lease, what=what)

    assert naps.counts() == (0, 0, 0, total, 0, 0)
    # At least once: each job ran (partially) in A and again in B ...
    assert naps.records.started() == dict.fromkeys(ids, 2)
    # ... but finished, and is completed, exactly once.
    assert naps.records.done() == dict.fromkeys(ids, 1)
    for job_id in ids:
        info = naps.job(job_id)
        assert info.state is JobState.COMPLETED
        assert info.stalls == 1, info
        assert info.result is not None
        assert '"slept":2.0' in info.result.replace(" ", "")
    assert "stalled (lease expired); back to wait" in log


def test_sigterm_lets_running_jobs_finish_and_exits_0(naps: Naps) -> None:
    total = 4
    ids = naps.add(total, seconds=0.5)
    settings = {"concurrency": total, "shutdown_grace": 20.0}
    with naps.running("worker", total, settings=settings, what="every job starting") as worker:
        assert naps.records.done() == {}
        assert worker.sigterm_and_wait() == 0
        log = worker.log()
    assert naps.counts() == (0, 0, 0, total, 0, 0)
    assert naps.records.done() == dict.fromkeys(ids, 1)
    assert "received SIGTERM" in log
    assert f"waiting up to 20.0s for {total} running job(s)" in log
    assert f"naps/nap#{ids[0]} attempt 1" in log  # human lines name domain/job#id attempt
    assert "handed" not in log


def test_sigterm_after_the_grace_hands_unfinished_jobs_back(naps: Naps) -> None:
    total = 3
    ids = naps.add(total, seconds=60.0)
    settings = {"concurrency": total, "shutdown_grace": 0.3}
    with naps.running("first", total, settings=settings, what="every job starting") as worker:
        assert worker.sigterm_and_wait() == 0
        log = worker.log()
    assert f"handed {total} unfinished job(s) back to wait" in log
    # Not lost, not dead, not counted as a failed attempt: simply waiting again.
    assert naps.counts() == (total, 0, 0, 0, 0, 0)
    assert naps.records.done() == {}
    for job_id in ids:
        info = naps.job(job_id)
        assert (info.state, info.attempts_made, info.errors) == (JobState.WAITING, 0, [])

    # A later worker (sleeps capped, so it does not take a minute) completes them.
    what = "the later worker completing the handed-back jobs"
    naps.complete("second", total, sleep_cap=0.05, what=what)
    assert naps.counts() == (0, 0, 0, total, 0, 0)
    assert naps.records.done() == dict.fromkeys(ids, 1)
    assert naps.records.started() == dict.fromkeys(ids, 2)


def test_sigint_stops_an_idle_worker_with_exit_0(
    connection: Connection, redis_url: str, tmp_path: Path
) -> None:
    with worker_process(redis_url, connection.prefix, tmp_path / "worker.log") as worker:
        eventually(
            lambda: "worker for naps started" in worker.log(),
            timeout=20,
            what="the worker starting",
            worker=worker,
        )
        worker.process.send_signal(signal.SIGINT)
        assert worker.process.wait(30) == 0
        log = worker.log()
    assert "received SIGINT" in log
    assert "worker for naps stopped" in log
    assert "Traceback" not in log
