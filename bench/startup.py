"""Start-up times: ``jobctl --help``, ``jobctl stats`` and a worker from exec to its first job.

Run from the repository root: ``.venv/bin/python bench/startup.py [--n 7]``.
Starts a throwaway redis-server on a free port. Every process reads cached
bytecode, as deployed code does: ``PYTHONDONTWRITEBYTECODE`` is removed from
the children's environment (the first, unmeasured, run of each writes it).

- ``help``: wall time of ``jobctl --help``.
- ``stats``: wall time of ``jobctl stats email`` against an empty server.
- ``worker``: one ``send_welcome`` job is enqueued under a fresh prefix, then
  ``jobctl worker bench.startup_target:worker`` is started; the clock runs from
  just before the exec until a poll (every 0.2 ms, one HGET-sized script call)
  sees the job completed. The worker is then stopped with SIGTERM.

``--jobctl`` picks the install to time (say, another checkout's venv); the
worker target and ``generated/`` come from this checkout, the working folder.
Prints best and median of ``--n`` runs of each, and the target each should
meet (``TARGETS_MS``). Times, not a test: the machine is shared, so compare
runs made one after the other.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from server import RedisServer  # noqa: E402

from generated import email  # noqa: E402
from jobcontracts.runtime import Connection, JobState  # noqa: E402

_POLL_S = 0.0002
_TIMEOUT_S = 30.0
TARGETS_MS = {"help": 300.0, "stats": 300.0, "worker": 300.0}
"""What each start-up should take at most (median, on an idle machine)."""


def _env(redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["REDIS_URL"] = redis_url
    return env


def time_command(jobctl: str, env: dict[str, str], *args: str) -> float:
    start = time.perf_counter()
    subprocess.run([jobctl, *args], env=env, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def time_worker(jobctl: str, env: dict[str, str], redis_url: str) -> float:
    prefix = f"startup-{uuid.uuid4().hex[:8]}"
    connection = Connection(redis_url, prefix=prefix)
    job = email.add_job(
        "send_welcome",
        {"user_id": str(uuid.uuid4()), "to": "a@example.com", "locale": "en"},
        connection=connection,
    )
    argv = [jobctl, "worker", "bench.startup_target:worker", "--prefix", prefix]
    argv += ["--log-level", "warning"]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        while job.status() is not JobState.COMPLETED:
            if proc.poll() is not None or time.perf_counter() - start > _TIMEOUT_S:
                raise RuntimeError(f"worker exited or timed out (exit code {proc.poll()})")
            time.sleep(_POLL_S)
        elapsed = time.perf_counter() - start
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        connection.close()
    return elapsed


def _line(label: str, times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    median = statistics.median(ms)
    target = TARGETS_MS[label]
    verdict = "met" if median <= target else "NOT met"
    return (
        f"{label:<8} best {ms[0]:7.1f} ms   median {median:7.1f} ms   (n={len(ms)})"
        f"   target {target:.0f} ms: {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=7, help="measured runs of each (default 7)")
    parser.add_argument("--jobctl", default=str(Path(sys.executable).parent / "jobctl"))
    args = parser.parse_args()
    server = RedisServer()
    try:
        env = _env(server.url)
        time_command(args.jobctl, env, "--help")  # each writes bytecode; not measured
        time_command(args.jobctl, env, "stats", "email")
        time_worker(args.jobctl, env, server.url)
        helps = [time_command(args.jobctl, env, "--help") for _ in range(args.n)]
        stats = [time_command(args.jobctl, env, "stats", "email") for _ in range(args.n)]
        workers = [time_worker(args.jobctl, env, server.url) for _ in range(args.n)]
    finally:
        server.stop()
    print(_line("help", helps))
    print(_line("stats", stats))
    print(_line("worker", workers))


if __name__ == "__main__":
    main()
