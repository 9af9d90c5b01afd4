"""Chaos run: how long the tail is after workers die mid-run.

Starts a private redis-server, enqueues N nap jobs, runs K ``jobctl worker``
processes (the ``naps`` queue of ``tests/process/nap_worker.py``) and SIGKILLs
one of them every ``--kill-every`` seconds (restarting it at once) for
``--kills`` kills. A victim is always a worker that has completed a job (so it
holds jobs when it dies), and another such worker is left running.

Reports the tail (from the last kill to the last job completed), the run's
length, lost, dead-lettered and twice-run jobs, and per kill the recovery time:
from the kill until every job the victim held (running or prefetched) finished.

    .venv/bin/python -m bench.chaos --jobs 10000 --workers 4 --kills 8
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jobcontracts.runtime import Connection, QueueAdmin, enqueue_many
from jobcontracts.runtime.keys import QueueKeys
from jobcontracts.runtime.testing import RedisServer, free_port
from tests.process.nap_worker import DOMAIN, QUEUE, done_key, started_key

ROOT = Path(__file__).resolve().parents[1]


def _spawn(
    url: str, prefix: str, settings: dict[str, float | int], log: Path
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "REDIS_URL": url,
        "NAP_PREFIX": prefix,
        "NAP_SETTINGS": json.dumps(settings),
        "PYTHONUNBUFFERED": "1",
    }
    jobctl = Path(sys.executable).with_name("jobctl")
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(jobctl), "worker", "tests.process.nap_worker:nap_worker", "--human-logs"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _held_by(conn: Connection, pid: int) -> set[str]:
    """Ids of the active jobs whose lease token names process ``pid`` (host:pid:...)."""
    keys = QueueKeys.build(conn.prefix, DOMAIN)
    client = conn.sync_client()
    ids = [i.decode() for i in client.zrange(keys.active, 0, -1)]
    pipe = client.pipeline(transaction=False)
    for job_id in ids:
        pipe.hget(keys.job(job_id), "lk")
    tokens = pipe.execute()
    return {
        i for i, t in zip(ids, tokens, strict=True) if t and t.decode().split(":")[1] == str(pid)
    }


def _finished(conn: Connection, ids: set[str]) -> set[str]:
    keys = QueueKeys.build(conn.prefix, DOMAIN)
    pipe = conn.sync_client().pipeline(transaction=False)
    ordered = sorted(ids)
    for job_id in ordered:
        pipe.zscore(keys.completed, job_id)
        pipe.zscore(keys.dead, job_id)
    flags = pipe.execute()
    return {
        j for n, j in enumerate(ordered) if flags[2 * n] is not None or flags[2 * n + 1] is not None
    }


class Chaos:
    """Workers to kill: a victim is one whose current process already completed a job."""

    def __init__(
        self, url: str, prefix: str, settings: dict[str, float | int], logs: Path, size: int
    ) -> None:
        self.url, self.prefix, self.settings, self.logs = url, prefix, settings, logs
        self.procs = [self._spawn(i) for i in range(size)]

    def _spawn(self, index: int) -> tuple[subprocess.Popen[bytes], Path]:
        log = self.logs / f"w{index}-{time.monotonic_ns()}.log"
        return _spawn(self.url, self.prefix, self.settings, log), log

    def busy(self) -> list[int]:
        return [i for i, (_, log) in enumerate(self.procs) if b"completed" in log.read_bytes()]

    def kill(self, index: int) -> int:
        proc, _ = self.procs[index]
        proc.kill()
        proc.wait()
        self.procs[index] = self._spawn(index)
        return proc.pid

    def stop(self) -> None:
        for proc, _ in self.procs:
            proc.terminate()
        for proc, _ in self.procs:
            proc.wait(30)


def run(
    jobs: int, workers: int, kills: int, kill_every: float, nap: float, concurrency: int
) -> dict[str, float | int]:
    directory = Path(tempfile.mkdtemp(prefix="jobs-chaos-"))
    server = RedisServer(free_port(), directory)
    server.start()
    prefix = "chaos"
    conn = Connection(server.url, prefix=prefix)
    try:
        enqueue_many(QUEUE, [("nap", {"seconds": nap}) for _ in range(jobs)], conn)
        chaos = Chaos(server.url, prefix, {"concurrency": concurrency}, directory, workers)
        admin = QueueAdmin(DOMAIN, conn)
        rng = random.Random(7)
        start = last_kill = time.monotonic()
        pending: list[tuple[float, set[str]]] = []
        recoveries: list[float] = []
        done_kills = 0
        next_kill = start + kill_every
        deadline = start + 600
        while time.monotonic() < deadline:
            now = time.monotonic()
            busy = chaos.busy() if done_kills < kills and now >= next_kill else []
            if len(busy) >= 2:  # someone must be left to notice the death
                victim = rng.choice(busy)
                pid = chaos.procs[victim][0].pid
                held = _held_by(conn, pid)
                chaos.kill(victim)
                last_kill = time.monotonic()
                pending.append((last_kill, held))
                done_kills += 1
                next_kill = last_kill + kill_every
            for killed_at, held in list(pending):
                held -= _finished(conn, held)
                if not held:
                    recoveries.append(time.monotonic() - killed_at)
                    pending.remove((killed_at, held))
            if (
                done_kills >= kills
                and not pending
                and admin.counts().completed + admin.counts().dead >= jobs
            ):
                break
            time.sleep(0.05)
        end = time.monotonic()
        counts = admin.counts()
        client = conn.sync_client()
        started = client.lrange(started_key(prefix), 0, -1)
        done = client.lrange(done_key(prefix), 0, -1)
        chaos.stop()
        recoveries.sort()
        return {
            "jobs": jobs,
            "kills": done_kills,
            "completed": counts.completed,
            "dead": counts.dead,
            "lost": jobs - counts.completed - counts.dead,
            "ran_twice": len(started) - len(set(started)),
            "finished_twice": len(done) - len(set(done)),
            "run_s": round(end - start, 2),
            "tail_s": round(end - last_kill, 2),
            "recovery_median_s": round(recoveries[len(recoveries) // 2], 2) if recoveries else -1,
            "recovery_max_s": round(recoveries[-1], 2) if recoveries else -1,
        }
    finally:
        conn.close()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--kill-every", type=float, default=2.0)
    parser.add_argument("--nap", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    result = run(args.jobs, args.workers, args.kills, args.kill_every, args.nap, args.concurrency)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
