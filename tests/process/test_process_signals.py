"""A worker process killed with SIGKILL or stopped with SIGTERM loses no job."""

from __future__ import annotations

import signal
from pathlib import Path

from jobcontracts.runtime import Connection, JobState
from tests.process.proc_support import (
    Records,
    add_naps,
    admin,
    counts_are,
    eventually,
    settled,
    worker_process,
)


def test_jobs_of_a_sigkilled_worker_are_recovered_and_completed_once(
    connection: Connection, redis_url: str, tmp_path: Path
) -> None:
    total = 6
    ids = add_naps(connection, total, seconds=2.0)
    records = Records(connection)
    short_lease = {"concurrency": total, "lease": 1.0, "stall_check": 0.5, "shutdown_grace": 5.0}

    with worker_process(
        redis_url, connection.prefix, tmp_path / "a.log", settings=short_lease
    ) as first:
        eventually(
            lambda: sum(records.started().values()) == total,
            timeout=20,
            what="worker A starting every job",
            worker=first,
        )
        assert records.done() == {}  # every job is mid-sleep
        first.sigkill()
        assert first.process.returncode == -9
    # The dead worker's leases are still in Redis: nothing is waiting yet.
    counts = admin(connection).counts()
    assert (counts.active, counts.waiting, counts.completed) == (total, 0, 0)

    with worker_process(
        redis_url, connection.prefix, tmp_path / "b.log", settings=short_lease
    ) as second:
        eventually(
            counts_are(connection, completed=total),
            timeout=30,
            what="worker B completing the recovered jobs",
            worker=second,
        )
        assert second.sigterm_and_wait() == 0
        log = second.log()

    assert settled(admin(connection).counts()) == (0, 0, 0, total, 0, 0)
    # At least once: each job ran (partially) in A and again in B ...
    assert records.started() == dict.fromkeys(ids, 2)
    # ... but finished, and is completed, exactly once.
    assert records.done() == dict.fromkeys(ids, 1)
    for job_id in ids:
        info = admin(connection).job(job_id)
        assert info is not None
        assert info.state is JobState.COMPLETED
        assert info.stalls == 1, info
        assert info.result is not None
        assert '"slept":2.0' in info.result.replace(" ", "")
    assert "stalled (lease expired); back to wait" in log


def test_sigterm_lets_running_jobs_finish_and_exits_0(
    connection: Connection, redis_url: str, tmp_path: Path
) -> None:
    total = 4
    ids = add_naps(connection, total, seconds=0.5)
    records = Records(connection)
    with worker_process(
        redis_url,
        connection.prefix,
        tmp_path / "worker.log",
        settings={"concurrency": total, "shutdown_grace": 20.0},
    ) as worker:
        eventually(
            lambda: sum(records.started().values()) == total,
            timeout=20,
            what="every job starting",
            worker=worker,
        )
        assert records.done() == {}
        assert worker.sigterm_and_wait() == 0
        log = worker.log()
    assert settled(admin(connection).counts()) == (0, 0, 0, total, 0, 0)
    assert records.done() == dict.fromkeys(ids, 1)
    assert "received SIGTERM" in log
    assert f"waiting up to 20.0s for {total} running job(s)" in log
    assert f"naps/nap#{ids[0]} attempt 1" in log  # human lines name domain/job#id attempt
    assert "handed" not in log


def test_sigterm_after_the_grace_hands_unfinished_jobs_back(
    connection: Connection, redis_url: str, tmp_path: Path
) -> None:
    total = 3
    ids = add_naps(connection, total, seconds=60.0)
    records = Records(connection)
    with worker_process(
        redis_url,
        connection.prefix,
        tmp_path / "first.log",
        settings={"concurrency": total, "shutdown_grace": 0.3},
    ) as worker:
        eventually(
            lambda: sum(records.started().values()) == total,
            timeout=20,
            what="every job starting",
            worker=worker,
        )
        assert worker.sigterm_and_wait() == 0
        log = worker.log()
    assert f"handed {total} unfinished job(s) back to wait" in log
    # Not lost, not dead, not counted as a failed attempt: simply waiting again.
    assert settled(admin(connection).counts()) == (total, 0, 0, 0, 0, 0)
    assert records.done() == {}
    for job_id in ids:
        info = admin(connection).job(job_id)
        assert info is not None
        assert (info.state, info.attempts_made, info.errors) == (JobState.WAITING, 0, [])

    # A later worker (sleeps capped, so it does not take a minute) completes them.
    with worker_process(
        redis_url, connection.prefix, tmp_path / "second.log", sleep_cap=0.05
    ) as later:
        eventually(
            counts_are(connection, completed=total),
            timeout=20,
            what="the later worker completing the handed-back jobs",
            worker=later,
        )
        assert later.sigterm_and_wait() == 0
    assert settled(admin(connection).counts()) == (0, 0, 0, total, 0, 0)
    assert records.done() == dict.fromkeys(ids, 1)
    assert records.started() == dict.fromkeys(ids, 2)


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
