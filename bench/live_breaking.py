"""Time and peak memory of ``jobctl breaking --live`` over many stored jobs.

Run from the repository root: ``.venv/bin/python bench/live_breaking.py [N ...]``
(default: 10,000 and 100,000). A private redis-server is started on a free
port; each run stores N github jobs as an older contract would have written
them (another schema revision, so none is skipped) in waiting, delayed and
dead, one in ten with a payload the current contract refuses, then runs the
real ``jobctl`` in a subprocess and reports its wall time and peak RSS
(``ru_maxrss`` of the child). Memory should not grow with N: the check walks
the queue in batches.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from generated import github  # noqa: E402
from jobcontracts.runtime import Connection, JobOptions  # noqa: E402
from jobcontracts.runtime.resolution import resolve  # noqa: E402
from jobcontracts.runtime.scripts import queue_scripts  # noqa: E402
from jobcontracts.runtime.testing import RedisServer, free_port  # noqa: E402

OLD_REVISION = "000000000000"
CHUNK = 1000
USER = "0b7e7c8e-2f61-4a55-9d6e-8f1f9c2a1b11"


def _store(url: str, prefix: str, count: int) -> None:
    """``count`` sync_data jobs with the old revision: 10 % invalid, some delayed, some dead."""
    connection = Connection(url, prefix=prefix)
    scripts = queue_scripts(connection, "github")
    resolved = resolve(github.QUEUE.jobs["sync_data"], JobOptions())
    client = connection.sync_client()
    try:
        for start in range(0, count, CHUNK):
            wires = []
            for n in range(start, min(start + CHUNK, count)):
                source = "manual" if n % 10 == 0 else "webhook"
                payload = json.dumps({"user_id": USER, "data_source": source})
                wire = list(resolved.wire("sync_data", payload))
                wire[4] = 3_600_000 if n % 5 == 1 else 0  # delay: one in five is delayed
                wire[-1] = OLD_REVISION
                wires.append(wire)
            added = scripts.add_jobs(connection.now_ms(), wires)
            dead = [job_id for index, (job_id, _) in enumerate(added) if (start + index) % 5 == 2]
            if dead:  # move to the dead-letter set as a worker would have left them
                pipe = client.pipeline(transaction=False)
                for job_id in dead:  # just added: near the tail, where LREM -1 starts
                    pipe.lrem(scripts.keys.fifo, -1, job_id)
                pipe.zadd(scripts.keys.dead, dict.fromkeys(dead, 1))
                pipe.execute()
    finally:
        connection.close()


def _run(url: str, prefix: str) -> tuple[float, float, int, dict[str, object]]:
    """Wall time, CPU time, peak RSS (KiB; this child only, by ``wait4``), the JSON report.

    CPU time is reported next to wall time because a shared machine stretches
    the wall clock; the Redis server's own time is in the wall time only.
    """
    command = [str(REPO_ROOT / ".venv/bin/jobctl"), "breaking", "--live", "--format", "json"]
    command += ["--redis-url", url, "--prefix", prefix]
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=output, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode not in (0, 1):
            assert process.stderr is not None
            raise RuntimeError(process.stderr.read().decode())
        output.seek(0)
        report: dict[str, object] = json.loads(output.read())
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, report


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [10_000, 100_000]
    with tempfile.TemporaryDirectory() as directory:
        server = RedisServer(free_port(), Path(directory))
        server.start()
        try:
            for count in sizes:
                prefix = f"bench{count}"
                _store(server.url, prefix, count)
                elapsed, cpu, peak_kib, report = _run(server.url, prefix)
                kinds = report["kinds"]
                assert isinstance(kinds, list)
                checked = sum(int(k["checked"]) for k in kinds)
                failing = sum(int(k["failing"]) for k in kinds)
                print(
                    f"N={count:,}: {elapsed:.2f} s wall, {cpu:.2f} s CPU, "
                    f"peak RSS {peak_kib / 1024:.0f} MiB, checked {checked:,}, "
                    f"would fail {failing:,}"
                )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
