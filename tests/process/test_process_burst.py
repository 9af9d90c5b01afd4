"""``jobctl worker --burst`` processes what is waiting, then exits 0 on its own."""

from __future__ import annotations

import subprocess
from pathlib import Path

from jobcontracts.runtime import Connection, JobOptions, JobState, enqueue_many
from tests.process.nap_worker import QUEUE
from tests.process.proc_support import Records, add_naps, admin, settled, worker_process


def test_a_burst_worker_drains_the_queue_and_exits_zero(
    connection: Connection, redis_url: str, tmp_path: Path
) -> None:
    ids = add_naps(connection, 12, seconds=0.05)
    (later,) = enqueue_many(QUEUE, [("nap", {"seconds": 0}, JobOptions(delay=3600))], connection)
    with worker_process(
        redis_url,
        connection.prefix,
        tmp_path / "burst.log",
        settings={"concurrency": 4},
        args=("--burst", "--human-logs"),
    ) as worker:
        try:
            code = worker.process.wait(60)
        except subprocess.TimeoutExpired as error:
            raise AssertionError(f"burst worker still running; log:\n{worker.log()}") from error
        log = worker.log()
    assert code == 0, log
    assert "nothing waiting; burst run done" in log
    # every waiting job ran once; the job scheduled an hour ahead stays for a later run
    assert Records(connection).done() == dict.fromkeys(ids, 1)
    assert settled(admin(connection).counts()) == (0, 1, 0, 12, 0, 0)
    info = admin(connection).job(later.id)
    assert info is not None
    assert info.state is JobState.DELAYED


def test_a_burst_worker_on_an_empty_queue_exits_at_once(
    connection: Connection, redis_url: str, tmp_path: Path
) -> None:
    with worker_process(
        redis_url, connection.prefix, tmp_path / "empty.log", args=("--burst", "--human-logs")
    ) as worker:
        code = worker.process.wait(60)
        assert code == 0, worker.log()


def test_a_burst_worker_leaves_a_paused_domain_waiting(
    connection: Connection, redis_url: str, tmp_path: Path
) -> None:
    ids = add_naps(connection, 3, seconds=0)
    admin(connection).pause()
    with worker_process(
        redis_url, connection.prefix, tmp_path / "paused.log", args=("--burst", "--human-logs")
    ) as worker:
        code = worker.process.wait(60)
        assert code == 0, worker.log()
    assert Records(connection).started() == {}
    assert settled(admin(connection).counts()) == (len(ids), 0, 0, 0, 0, 0)
