"""``python -m examples.demo.run`` (the README's first command) against a private Redis.

The runner starts with ``jobctl generate``, which writes into ``generated/``.
Others work in this checkout at the same time, so the demo runs in a copy of
the project's sources: the same code, but its ``generate`` can touch nothing here.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from examples.demo import run as demo_run
from jobcontracts.runtime.ids import is_generated_id
from jobcontracts.runtime.testing import RedisServer
from tests.cli.cli_support import keys_under, table_row

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("jobcontracts", "codegen", "runtime", "generated", "cli", "examples", "jobs.yaml")
NOBODY = "00000000-0000-4000-8000-000000000000"
WELCOME = ("welcome-0b7e7c8e", "welcome-5d0c1a43", "welcome-00000000")


def job_rows(output: str) -> dict[str, tuple[str, ...]]:
    """The demo's "Jobs" table: id -> (job, state, attempts, result or reason)."""
    rows: dict[str, tuple[str, ...]] = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if len(cells) == 5 and "/" in cells[0] and cells[0] != "job":
            rows[cells[1]] = (cells[0], *cells[2:])
    return rows


def copy_project(target: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "demo-data")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore, symlinks=True)
        else:
            shutil.copy2(source, target / name)
    return target


def run_demo(cwd: Path, redis_url: str, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REDIS_URL": redis_url, "COLUMNS": "200", "NO_COLOR": "1"}
    env.pop("DEMO_PREFIX", None)
    env.pop("PYTHONPATH", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "examples.demo.run"],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its worker subprocess shares the group: killed together
    )
    try:
        out, err = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate(timeout=10)
        else:
            # the runner stops its worker itself; make sure nothing of the group lingers
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def test_the_demo_runs_end_to_end(
    redis_server_factory: Callable[[], RedisServer], tmp_path: Path
) -> None:
    server = redis_server_factory()
    project = copy_project(tmp_path / "project")
    result = run_demo(project, server.url, timeout=150)
    out, err = result.stdout, result.stderr
    assert result.returncode == 0, f"stdout:\n{out}\nstderr:\n{err}"

    assert f"Redis: {server.url} (REDIS_URL)" in out
    assert out.count("-> 202 job") == 9
    # the invalid request is refused before anything is enqueued
    assert "with an invalid payload -> 422: 2 errors, nothing enqueued" in out

    # the jobs table: completed jobs with results, dead letters with their reasons
    # generated ids sort by creation: number them 1..6 in the order they were added
    generated = sorted(i for i in re.findall(r"-> 202 job (\S+)", out) if is_generated_id(i))
    number = {job_id: str(n) for n, job_id in enumerate(generated, start=1)}
    jobs = {number.get(job_id, job_id[:16]): row for job_id, row in job_rows(out).items()}
    assert set(jobs) == {"1", "2", "3", "4", "5", "6", *WELCOME}
    dead = {job_id for job_id, row in jobs.items() if row[1] == "dead"}
    assert dead == {"4", "welcome-00000000"}
    assert {row[1] for job_id, row in jobs.items() if job_id not in dead} == {"completed"}
    assert jobs["4"] == (
        "github/sync_data",
        "dead",
        "1/5",
        f"unrecoverable: user {NOBODY} does not exist at external-api",
    )
    assert jobs["welcome-00000000"] == (
        "email/send_welcome",
        "dead",
        "1/4",
        "unrecoverable: mailbox nobody@bounce.example does not exist",
    )
    assert jobs["5"] == ("github/sync_repo", "completed", "1/5", '{"stars":1234,"issues":2}')
    # the flaky user is retried, then completes on its third attempt
    assert jobs["3"][1:3] == ("completed", "3/5")
    assert "attempt 1/5 failed (SourceUnavailableError" in err

    # the stats table that ends the demo
    assert "Queues" in out
    assert table_row(out, "github")[1:] == ["0", "0", "0", "5", "0", "1", "no"]
    assert table_row(out, "email")[1:] == ["0", "0", "0", "2", "0", "1", "no"]
    assert "worker stopped on SIGTERM with exit code 0" in out
    assert "Traceback" not in err

    # and the demo cleaned up after itself
    assert "removed the demo's" in out
    assert keys_under(server.url, "demo") == []


def test_a_worker_that_dies_at_start_ends_the_demo_at_once_with_its_exit_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    dead.wait(30)
    started = time.monotonic()
    with pytest.raises(demo_run.WorkerDiedError) as died:
        # the API address is never asked: the dead worker is noticed first
        demo_run.wait_until_final("http://127.0.0.1:9", [("github", "1")], dead, timeout=90)
    assert time.monotonic() - started < 5
    assert died.value.code == 3

    def run(*, keep: bool) -> None:
        raise demo_run.WorkerDiedError(3)

    monkeypatch.setattr(demo_run, "run", run)
    monkeypatch.setattr(sys, "argv", ["run.py"])
    with pytest.raises(SystemExit) as exited:
        demo_run.main()
    assert exited.value.code == 3
