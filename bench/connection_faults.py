"""How fast and how clearly jobctl reports a Redis it cannot use.

Starts private redis-servers configured each way (password required, an ACL
user without EVALSHA, TLS only) and, for each fault, times ``jobctl stats``
(a one-shot command) until it exits, counts the connections the server saw,
and prints the last line of stderr. Also times how long a worker given a
wrong password takes to exit (capped at --worker-cap seconds).

    .venv/bin/python bench/connection_faults.py
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path

import redis

from jobcontracts.runtime.testing import faults, free_port

ROOT = Path(__file__).resolve().parents[1]
JOBCTL = ROOT / ".venv" / "bin" / "jobctl"
PASSWORD = "s3cret-pass"  # noqa: S105 - a throwaway server's password


def connections_seen(admin: redis.Redis | None) -> int | None:
    return None if admin is None else faults.connections_seen(admin)


@contextmanager
def server(*args: str) -> Generator[int]:
    """A private redis-server on a free port with ``args``; yields its plain or TLS port."""
    directory = Path(tempfile.mkdtemp(prefix="faults-redis-"))
    port = free_port()
    try:
        with faults.redis_process(directory, port, *[a.replace("PORT", str(port)) for a in args]):
            yield port
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def one_shot(label: str, url: str, admin: redis.Redis | None, *command: str) -> None:
    before = connections_seen(admin)
    started = time.monotonic()
    done = subprocess.run(
        [str(JOBCTL), *command, "--redis-url", url],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "300", "NO_COLOR": "1"},
        timeout=300,
    )
    elapsed = time.monotonic() - started
    after = connections_seen(admin)
    opened = "-" if before is None or after is None else str(after - before)
    line = (done.stderr.strip().splitlines() or ["(no stderr)"])[-1]
    print(f"| {label} | {elapsed:.2f} s | {done.returncode} | {opened} | {line} |")


def worker_exit(url: str, cap: float) -> None:
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(JOBCTL), "worker", "examples.demo.worker:github_worker", "--human-logs"],
        cwd=ROOT,
        env={
            **os.environ,
            "REDIS_URL": url,
            "NO_COLOR": "1",
            "DEMO_DB": str(Path(tempfile.mkdtemp()) / "demo.sqlite3"),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, stderr = proc.communicate(timeout=cap)
        line = (stderr.strip().splitlines() or ["(no stderr)"])[-1]
        elapsed = time.monotonic() - started
        print(f"| worker, wrong password | {elapsed:.2f} s | {proc.returncode} | - | {line} |")
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        print(f"| worker, wrong password | still running after {cap:.0f} s | - | - | (killed) |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker-cap", type=float, default=30.0)
    options = parser.parse_args()
    print("| fault | time to exit | exit code | connections opened | last stderr line |")
    print("|---|---|---|---|---|")
    with server("--port", "PORT", "--requirepass", PASSWORD) as port:
        admin = redis.Redis(port=port, password=PASSWORD)
        one_shot(
            "(reference) right password",
            f"redis://:{PASSWORD}@127.0.0.1:{port}/0",
            admin,
            "stats",
            "github",
        )
        one_shot("missing password", f"redis://127.0.0.1:{port}/0", admin, "stats", "github")
        one_shot("wrong password", f"redis://:nope@127.0.0.1:{port}/0", admin, "stats", "github")
        admin.acl_setuser(
            "jobs",
            enabled=True,
            passwords=[f"+{PASSWORD}"],
            keys=["*"],
            commands=["+@all", "-evalsha"],
        )  # pyright: ignore[reportUnknownMemberType]
        payload = '{"repository": {"owner": "a", "name": "b"}}'
        one_shot(
            "ACL user without EVALSHA",
            f"redis://jobs:{PASSWORD}@127.0.0.1:{port}/0",
            admin,
            "enqueue",
            "github",
            "sync_repo",
            payload,
        )
        worker_exit(f"redis://:nope@127.0.0.1:{port}/0", options.worker_cap)
        admin.close()
    one_shot(
        "unreachable (nothing listening)",
        f"redis://127.0.0.1:{free_port()}/0",
        None,
        "stats",
        "github",
    )
    directory = Path(tempfile.mkdtemp(prefix="faults-tls-"))
    with faults.tls_only_server(directory, "--tls-auth-clients", "no") as port:
        one_shot(
            "plain redis:// to a TLS port", f"redis://127.0.0.1:{port}/0", None, "stats", "github"
        )
    shutil.rmtree(directory, ignore_errors=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
