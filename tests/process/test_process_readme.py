"""The README's worker, enqueue and show commands, run as written, work together.

The commands are read from the README block marked ``readme-commands``, so the
README cannot drift from what is tested. They run against a private Redis:
with no flags they use the default ``jobs`` prefix, which the shared server
must not see.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

from jobcontracts.runtime import Connection, QueueAdmin
from jobcontracts.runtime.testing import RedisServer
from tests.cli.cli_support import show_fields
from tests.process.proc_support import ROOT, WorkerProcess, eventually, jobctl

MARKER = "<!-- readme-commands:"


def readme_commands() -> list[list[str]]:
    """The ``jobctl`` lines of the fenced block after the marker, split like a shell would."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text[text.index(MARKER) :].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [shlex.split(line) for line in block.splitlines() if line.strip()]
    assert all(command[0] == "jobctl" for command in commands), commands
    return commands


def run_jobctl(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*jobctl(), *command[1:]], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_the_readme_worker_and_enqueue_commands_complete_a_job(
    redis_server_factory: Callable[[], RedisServer], tmp_path: Path
) -> None:
    worker_line, enqueue_line, show_line = readme_commands()
    assert [line[1] for line in (worker_line, enqueue_line, show_line)] == [
        "worker",
        "enqueue",
        "show",
    ]
    server = redis_server_factory()
    env = {
        **os.environ,
        "REDIS_URL": server.url,
        "DEMO_DB": str(tmp_path / "demo.sqlite3"),
        "COLUMNS": "200",
        "NO_COLOR": "1",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DEMO_PREFIX", None)
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*jobctl(), *worker_line[1:], "--human-logs"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    worker = WorkerProcess(process, log_path)
    try:
        eventually(
            lambda: "worker for github started" in worker.log(),
            timeout=30,
            what="the worker's start line",
            worker=worker,
        )
        start = next(line for line in worker.log().splitlines() if "started" in line)
        assert f"{server.url}, prefix 'jobs', concurrency 50" in start, start

        enqueued = run_jobctl(enqueue_line, env)
        assert enqueued.returncode == 0, enqueued.stderr
        assert enqueued.stdout.strip() == show_line[-1]  # the id the README then shows

        admin = QueueAdmin("github", Connection(server.url))  # the default prefix, as the README
        try:
            eventually(
                lambda: admin.counts().completed == 1,
                timeout=30,
                what="the README's job completing",
                worker=worker,
            )
        finally:
            admin.connection.close()
        shown = run_jobctl(show_line, env)
        assert shown.returncode == 0, shown.stderr
        assert show_fields(shown.stdout)["state"] == "completed"
        assert worker.sigterm_and_wait() == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
    assert "Traceback" not in worker.log()
