"""Real worker processes: a SIGKILLed worker's jobs come back within its liveness, not its
lease; a handler that blocks the event loop longer than a lease still runs once."""

from __future__ import annotations

import re
import time
from pathlib import Path

from jobcontracts.runtime import Connection
from tests.process.proc_support import (
    Naps,
    Records,
    add_nap,
    admin,
    counts_are,
    eventually,
    worker_process,
)


def test_a_sigkilled_workers_jobs_return_within_its_liveness(naps: Naps) -> None:
    total = 6
    ids = naps.add(total, seconds=1.0)
    # A lease of 10 minutes: only the liveness record (1 s) can bring the jobs back soon.
    settings = {"concurrency": 2, "prefetch": 4, "lease": 600.0, "liveness": 1.0}
    starting = "worker A starting two jobs (four more prefetched)"
    with naps.running("a", 2, settings=settings, what=starting) as a:
        assert naps.counts()[2] == total  # all active: two running, four prefetched
        a.sigkill()
    killed_at = time.monotonic()
    what = "worker B completing the dead worker's jobs"
    log, completed_at = naps.complete("b", total, settings=settings, what=what)
    recovered_in = completed_at - killed_at
    assert recovered_in < 20, recovered_in  # worker start + 1 s liveness + 3 s of naps, not 600 s
    assert naps.counts() == (0, 0, 0, total, 0, 0)
    assert naps.records.done() == dict.fromkeys(ids, 1)
    assert "stalled (its worker stopped beating); back to wait" in log
    assert [naps.job(job_id).stalls for job_id in ids] == [1] * total


def test_a_handler_blocking_the_loop_longer_than_a_lease_runs_once(
    connection: Connection, redis_url: str, tmp_path: Path
) -> None:
    job_id = add_nap(connection, {"seconds": 4.0, "block": True})
    records = Records(connection)
    settings = {"concurrency": 1, "lease": 1.0, "liveness": 0.5, "stall_check": 0.2}
    with (
        worker_process(redis_url, connection.prefix, tmp_path / "a.log", settings=settings) as a,
        worker_process(redis_url, connection.prefix, tmp_path / "b.log", settings=settings) as b,
    ):
        eventually(
            counts_are(connection, completed=1),
            timeout=30,
            what="the blocking job completing",
            worker=a,
        )
        time.sleep(1.5)  # several more leases and stall checks: nothing may run it again
        assert a.sigterm_and_wait() == 0
        assert b.sigterm_and_wait() == 0
        logs = a.log() + b.log()
    assert records.started() == {job_id: 1}
    assert records.done() == {job_id: 1}
    info = admin(connection).job(job_id)
    assert info is not None
    assert (info.stalls, info.attempts_made) == (0, 1)
    assert f"job naps:{job_id} (nap), attempt 1, is blocking the naps worker's event loop" in logs
    blocked = re.search(
        rf"job naps:{job_id} \(nap\), attempt 1, blocked the naps worker's event loop for "
        r"(\d+\.\d)s",
        logs,
    )
    assert blocked is not None, logs
    assert 3.0 <= float(blocked.group(1)) <= 6.0
    assert "lease expired" not in logs
    assert "lost" not in logs
