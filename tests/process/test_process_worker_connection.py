"""``jobctl worker --prefix/--redis-url`` re-point the loaded workers; the start line says where."""

from __future__ import annotations

from pathlib import Path

from jobcontracts.runtime import Connection
from tests.process.proc_support import add_nap, counts_are, eventually, worker_process


def test_prefix_on_the_command_line_wins_over_the_workers_own(
    connection: Connection, redis_url: str, tmp_path: Path
) -> None:
    # The worker module builds its connection with the test's prefix; the
    # command line moves its queue under another one (still below the test's
    # prefix, so the fixture cleans it up).
    moved = Connection(redis_url, prefix=f"{connection.prefix}:cli")
    try:
        job_id = add_nap(moved, {"seconds": 0})
        with worker_process(
            redis_url,
            connection.prefix,
            tmp_path / "worker.log",
            args=("--prefix", moved.prefix, "--human-logs"),
        ) as worker:
            eventually(
                counts_are(moved, completed=1), timeout=30, what="the job completing", worker=worker
            )
            assert worker.sigterm_and_wait() == 0
            log = worker.log()
    finally:
        moved.close()
    start = next(line for line in log.splitlines() if "started" in line)
    assert f"worker for naps started: {redis_url}, prefix '{moved.prefix}'" in start, log
    assert job_id in log


def test_redis_url_on_the_command_line_is_used_and_its_password_is_not_logged(
    connection: Connection, redis_url: str, tmp_path: Path
) -> None:
    unreachable = "redis://:s3cret-word@127.0.0.1:9/0"
    with worker_process(
        redis_url,
        connection.prefix,
        tmp_path / "worker.log",
        args=("--redis-url", unreachable, "--json-logs"),
    ) as worker:
        eventually(
            lambda: "started" in worker.log(), timeout=30, what="the start line", worker=worker
        )
        worker.sigkill()
        log = worker.log()
    start = next(line for line in log.splitlines() if "started" in line)
    assert '"redis_url": "redis://***@127.0.0.1:9/0"' in start, start
    assert f'"prefix": "{connection.prefix}"' in start, start
    assert "s3cret-word" not in log
