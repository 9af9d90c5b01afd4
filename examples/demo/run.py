"""The demo, end to end: codegen, Redis, a worker process, the HTTP API, real jobs.

``python -m examples.demo.run`` (what ``scripts/demo.sh`` runs) shows jobs
being enqueued through the API, processed, retried after a flaky source,
dead-lettered when they cannot succeed, and ends with the queue stats.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from rich.console import Console
from rich.table import Table

from jobcontracts.runtime import Connection, QueueAdmin
from jobcontracts.runtime.testing import RedisServer, free_port, redis_answers

console = Console()
ROOT = Path(__file__).resolve().parents[2]
PREFIX = "demo"
FINAL = {"completed", "dead"}

ADA = "0b7e7c8e-2f61-4a55-9d6e-8f1f9c2a1b11"
GRACE = "5d0c1a43-6a0e-4d4c-8d43-2a1f0b9c3e22"
LINUS = "9a3f2e11-0c4b-4e8d-b1a7-3c5d6e7f8a33"  # the source fails twice for this one
NOBODY = "00000000-0000-4000-8000-000000000000"  # the source does not know this one

REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("github", "/github/sync-data", {"user_id": ADA, "data_source": "external-api"}),
    ("github", "/github/sync-data", {"user_id": GRACE, "data_source": "webhook"}),
    ("github", "/github/sync-data", {"user_id": LINUS, "data_source": "external-api"}),
    ("github", "/github/sync-data", {"user_id": NOBODY, "data_source": "external-api"}),
    (
        "github",
        "/github/sync-repo",
        {"repository": {"owner": "octo", "name": "engine"}, "include_issues": True},
    ),
    ("github", "/github/sync-repo", {"repository": {"owner": "octo", "name": "cat"}}),
    (
        "email",
        "/email/welcome",
        {"user_id": ADA, "to": "ada@example.org", "name": "Ada", "locale": "en"},
    ),
    ("email", "/email/welcome", {"user_id": GRACE, "to": "grace@example.org", "locale": "fr"}),
    ("email", "/email/welcome", {"user_id": NOBODY, "to": "nobody@bounce.example", "locale": "de"}),
]
INVALID = ("/github/sync-data", {"user_id": "not-a-uuid", "data_source": "carrier-pigeon"})


@contextmanager
def redis_for_demo() -> Generator[str]:
    """``REDIS_URL``, else a Redis on localhost, else a throwaway redis-server."""
    url = os.environ.get("REDIS_URL")
    if url:
        if not redis_answers(url):
            sys.exit(f"REDIS_URL={url} does not answer PING")
        console.print(f"Redis: [bold]{url}[/bold] (REDIS_URL)")
        yield url
        return
    local = "redis://127.0.0.1:6379/0"
    if redis_answers(local):
        console.print(f"Redis: [bold]{local}[/bold] (already running)")
        yield local
        return
    if shutil.which("redis-server") is None:
        sys.exit(
            "No Redis answers on localhost:6379 and redis-server is not installed:"
            " install it (apt-get install redis-server) or set REDIS_URL."
        )
    with tempfile.TemporaryDirectory(prefix="jobs-demo-redis-") as directory:
        server = RedisServer(free_port(), Path(directory))
        server.start()
        console.print(f"Redis: started a throwaway redis-server at [bold]{server.url}[/bold]")
        try:
            yield server.url
        finally:
            server.stop()


@contextmanager
def api_server(port: int) -> Generator[str]:
    config = uvicorn.Config(
        "examples.demo.api:app", host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the demo API did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


class WorkerDiedError(Exception):
    """The worker process ended while the demo still needed it."""

    def __init__(self, code: int) -> None:
        super().__init__(f"the worker process exited with code {code}; its log is above")
        self.code = code


@contextmanager
def worker_process(env: dict[str, str]) -> Generator[subprocess.Popen[bytes]]:
    command = [
        sys.executable,
        "-m",
        "jobcontracts.cli",
        "worker",
        "examples.demo.worker:github_worker",
        "examples.demo.worker:email_worker",
        "--prefix",
        PREFIX,
        "--concurrency",
        "8",
        "--human-logs",
    ]
    console.print(f"$ jobctl worker {' '.join(command[4:])}", style="dim")
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            code = process.wait(30)
            console.print(f"worker stopped on SIGTERM with exit code {code}")


def wait_until_final(
    url: str, jobs: list[tuple[str, str]], worker: subprocess.Popen[bytes], timeout: float = 90
) -> dict[str, str]:
    """Poll until every job is final; a dead worker ends the wait at once."""
    states: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=url) as client:
        while time.monotonic() < deadline:
            code = worker.poll()
            if code is not None:
                raise WorkerDiedError(code)
            for domain, job_id in jobs:
                states[job_id] = client.get(f"/jobs/{domain}/{job_id}").json()["state"]
            if all(state in FINAL for state in states.values()):
                break
            time.sleep(0.2)
    return states


def print_jobs(connection: Connection, jobs: list[tuple[str, str]]) -> None:
    results = Table(title="Jobs")
    for column in ("job", "id", "state", "attempts", "result / reason"):
        results.add_column(column, overflow="fold", no_wrap=column == "id")
    for domain, job_id in jobs:
        info = QueueAdmin(domain, connection).job(job_id)
        if info is None:
            continue
        outcome = info.dead_reason or (info.result if info.result not in (None, "null") else "-")
        results.add_row(
            f"{domain}/{info.name}",
            job_id,
            info.state.value,
            f"{info.attempts_made}/{info.attempts_allowed}",
            outcome,
        )
    console.print(results)


def remove_keys(connection: Connection) -> int:
    """Delete every key under the demo's prefix (a rerun starts empty; nothing is left)."""
    client = connection.sync_client()
    keys: list[bytes] = list(client.scan_iter(match=f"{connection.prefix}:*", count=1000))  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
    return int(client.unlink(*keys)) if keys else 0  # pyright: ignore[reportUnknownArgumentType]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--keep",
        action="store_true",
        help=f"leave the demo's keys ({PREFIX}:*) in Redis, for jobctl --prefix {PREFIX}",
    )
    args = parser.parse_args()
    try:
        run(keep=bool(args.keep))
    except WorkerDiedError as died:
        console.print(f"[red]error:[/red] {died}")
        sys.exit(died.code or 1)


def run(*, keep: bool) -> None:
    console.rule("[bold]jobcontracts demo")
    console.print("$ jobctl generate", style="dim")
    subprocess.run([sys.executable, "-m", "jobcontracts.cli", "generate"], cwd=ROOT, check=True)
    with redis_for_demo() as redis_url, tempfile.TemporaryDirectory(prefix="jobs-demo-") as data:
        connection = Connection(redis_url, prefix=PREFIX)
        remove_keys(connection)  # the demo's own namespace only: a rerun starts empty
        env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "DEMO_PREFIX": PREFIX,
            "DEMO_DB": str(Path(data) / "demo.sqlite3"),
        }
        os.environ.update(env)
        try:
            unfinished = run_jobs(connection, env)
        finally:
            if keep:
                console.print(f"kept the demo's keys: jobctl stats --prefix {PREFIX}")
            else:
                console.print(f"removed the demo's {remove_keys(connection)} key(s) from Redis")
            connection.close()
    if unfinished:
        sys.exit(f"{len(unfinished)} job(s) did not finish in time: {unfinished}")


def run_jobs(connection: Connection, env: dict[str, str]) -> list[str]:
    """Enqueue through the API, let the worker run them, print the outcome; the unfinished."""
    with worker_process(env) as worker, api_server(free_port()) as api:
        console.rule("enqueue through the HTTP API")
        enqueued: list[tuple[str, str]] = []
        with httpx.Client(base_url=api) as http:
            for domain, path, body in REQUESTS:
                reply = http.post(path, json=body)
                reply.raise_for_status()
                enqueued.append((domain, reply.json()["job_id"]))
                console.print(f"POST {path} -> 202 job {reply.json()['job_id']}")
            invalid_path, invalid_body = INVALID
            refused = http.post(invalid_path, json=invalid_body)
            console.print(
                f"POST {invalid_path} with an invalid payload -> {refused.status_code}: "
                f"{len(refused.json()['detail'])} errors, nothing enqueued"
            )
        console.rule("processing (worker log above and below)")
        states = wait_until_final(api, enqueued, worker)
        time.sleep(0.3)
        print_jobs(connection, enqueued)
        unfinished = [job_id for job_id, state in states.items() if state not in FINAL]
    subprocess.run(
        [sys.executable, "-m", "jobcontracts.cli", "stats", "--prefix", PREFIX],
        cwd=ROOT,
        check=True,
        env=env,
    )
    return unfinished


if __name__ == "__main__":
    main()
