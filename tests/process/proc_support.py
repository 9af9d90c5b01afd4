"""Running ``jobctl worker`` as a real subprocess, and waiting on what it does."""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from jobcontracts.runtime import (
    Connection,
    JobInfo,
    JobOptions,
    QueueAdmin,
    QueueCounts,
    enqueue_many,
)
from tests.process.nap_worker import DOMAIN, QUEUE, done_key, started_key

ROOT = Path(__file__).resolve().parents[2]
TARGET = "tests.process.nap_worker:nap_worker"


def jobctl() -> list[str]:
    """The installed ``jobctl`` script next to this interpreter, else ``python -m jobctl``."""
    script = Path(sys.executable).with_name("jobctl")
    return [str(script)] if script.exists() else [sys.executable, "-m", "jobcontracts.cli"]


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def sigterm_and_wait(self, timeout: float = 30.0) -> int:
        """SIGTERM, then the exit code (the test fails if it takes longer than ``timeout``)."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired as error:
            raise AssertionError(
                f"worker ignored SIGTERM for {timeout}s; log:\n{self.log()}"
            ) from error

    def sigkill(self) -> None:
        self.process.kill()
        self.process.wait(10)


@contextlib.contextmanager
def worker_process(
    redis_url: str,
    prefix: str,
    log_path: Path,
    *,
    settings: Mapping[str, float | int] | None = None,
    sleep_cap: float | None = None,
    args: tuple[str, ...] = ("--human-logs",),
    target: str = TARGET,
) -> Generator[WorkerProcess]:
    """``jobctl worker TARGET ARGS`` (the nap worker by default); killed on the way out."""
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "NAP_PREFIX": prefix,
        "NAP_SETTINGS": json.dumps(dict(settings or {})),
        "PYTHONUNBUFFERED": "1",
    }
    if sleep_cap is not None:
        env["NAP_SLEEP_CAP"] = str(sleep_cap)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*jobctl(), "worker", target, *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    worker = WorkerProcess(process, log_path)
    try:
        yield worker
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def process_alive(pid: int) -> bool:
    """True while ``pid`` runs; a zombie (ended, not yet reaped) counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def children_of(pid: int) -> set[int]:
    """The living processes whose parent is ``pid`` (read from /proc)."""
    found: set[int] = set()
    for stat_path in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_path.read_text().rpartition(")")[2].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat_path.parent.name))
    return found


def eventually(
    predicate: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    worker: WorkerProcess | None = None,
) -> None:
    """Poll until ``predicate`` holds; fail early if ``worker`` exits meanwhile."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if worker is not None and not worker.alive():
            code = worker.process.returncode
            raise AssertionError(f"worker exited ({code}) before {what}; log:\n{worker.log()}")
        if time.monotonic() > deadline:
            log = worker.log() if worker is not None else ""
            raise AssertionError(f"{what}: not within {timeout}s; worker log:\n{log}")
        time.sleep(0.05)


class Records:
    """What the nap handlers recorded under the test's prefix, across processes."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def _list(self, key: str) -> list[str]:
        raw = cast("list[bytes]", self.connection.sync_client().lrange(key, 0, -1))
        return [item.decode() for item in raw]

    def started(self) -> Counter[str]:
        return Counter(self._list(started_key(self.connection.prefix)))

    def done(self) -> Counter[str]:
        return Counter(self._list(done_key(self.connection.prefix)))

    def ended_in_order(self) -> list[str]:
        return self._list(done_key(self.connection.prefix))


def add_naps(connection: Connection, count: int, seconds: float) -> list[str]:
    jobs = enqueue_many(QUEUE, [("nap", {"seconds": seconds}) for _ in range(count)], connection)
    return [job.id for job in jobs]


def add_nap(connection: Connection, payload: Mapping[str, object]) -> str:
    return enqueue_many(QUEUE, [("nap", dict(payload), JobOptions())], connection)[0].id


def admin(connection: Connection) -> QueueAdmin:
    return QueueAdmin(DOMAIN, connection)


def counts_are(connection: Connection, **expected: int) -> Callable[[], bool]:
    def check() -> bool:
        counts: QueueCounts = admin(connection).counts()
        return all(getattr(counts, k) == v for k, v in expected.items())

    return check


def settled(counts: QueueCounts) -> tuple[int, int, int, int, int, int]:
    """(waiting, delayed, active, completed, failed, dead)."""
    return (
        counts.waiting,
        counts.delayed,
        counts.active,
        counts.completed,
        counts.failed,
        counts.dead,
    )


@dataclass
class Naps:
    """One test's nap jobs and the worker processes run on them (the ``naps`` fixture)."""

    connection: Connection
    redis_url: str
    directory: Path

    def __post_init__(self) -> None:
        self.records = Records(self.connection)

    def add(self, count: int, seconds: float) -> list[str]:
        return add_naps(self.connection, count, seconds)

    def counts(self) -> tuple[int, int, int, int, int, int]:
        """(waiting, delayed, active, completed, failed, dead)."""
        return settled(admin(self.connection).counts())

    def job(self, job_id: str) -> JobInfo:
        info = admin(self.connection).job(job_id)
        assert info is not None, job_id
        return info

    def worker(
        self,
        name: str,
        *,
        settings: Mapping[str, float | int] | None = None,
        sleep_cap: float | None = None,
    ) -> contextlib.AbstractContextManager[WorkerProcess]:
        """A worker process logging to ``<name>.log``."""
        log = self.directory / f"{name}.log"
        prefix = self.connection.prefix
        return worker_process(self.redis_url, prefix, log, settings=settings, sleep_cap=sleep_cap)

    @contextlib.contextmanager
    def running(
        self, name: str, started: int, *, settings: Mapping[str, float | int], what: str
    ) -> Generator[WorkerProcess]:
        """A worker process, once the naps it started number ``started``."""
        with self.worker(name, settings=settings) as worker:
            eventually(
                lambda: sum(self.records.started().values()) == started,
                timeout=20,
                what=what,
                worker=worker,
            )
            yield worker

    def complete(
        self,
        name: str,
        total: int,
        *,
        what: str,
        settings: Mapping[str, float | int] | None = None,
        sleep_cap: float | None = None,
    ) -> tuple[str, float]:
        """Run a worker until ``total`` jobs are completed, then SIGTERM it (it must exit 0).

        Returns its log and the monotonic time at which the jobs were seen completed.
        """
        with self.worker(name, settings=settings, sleep_cap=sleep_cap) as worker:
            eventually(
                counts_are(self.connection, completed=total), timeout=30, what=what, worker=worker
            )
            completed_at = time.monotonic()
            assert worker.sigterm_and_wait() == 0
            return worker.log(), completed_at
