"""``jobctl init``: from an empty directory to a job's result with the commands it prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from jobcontracts.cli.app import app
from jobcontracts.codegen.spec import jobs_file_json_schema
from jobcontracts.runtime.testing import RedisServer
from tests.packaging.venvs import stop
from tests.process.proc_support import jobctl

STARTER = ["jobs.yaml", "jobs.schema.json", "handlers.py", "worker.py"]

TYPED_ENQUEUE = """
from generated.hello import GreetResult, JobName, add_job

result = add_job(JobName.GREET, {"name": "world"}).result(timeout=60)
assert isinstance(result, GreetResult)
print(result.greeting)
"""


def run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def show_when_done(job_id: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``jobctl show`` until the job completed (the worker is already warm by then)."""
    deadline = time.monotonic() + 60
    while True:
        shown = run([*jobctl(), "show", "hello", job_id], cwd, env)
        if "completed" in shown.stdout or time.monotonic() > deadline:
            return shown
        time.sleep(0.2)


def test_init_generate_worker_enqueue_gives_a_typed_result(
    tmp_path: Path, redis_server_factory: Callable[[], RedisServer]
) -> None:
    # a private server: the starter uses the default key prefix, as a new user would
    server = redis_server_factory()
    env = {**os.environ, "REDIS_URL": server.url, "PYTHONUNBUFFERED": "1"}
    env.pop("PYTHONPATH", None)
    initialised = run([*jobctl(), "init"], tmp_path, env)
    assert initialised.returncode == 0, initialised.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(STARTER)
    first_line = (tmp_path / "jobs.yaml").read_text().splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=./jobs.schema.json"
    assert json.loads((tmp_path / "jobs.schema.json").read_text()) == jobs_file_json_schema()
    assert "jobctl worker worker:worker" in initialised.stdout

    generated = run([*jobctl(), "generate"], tmp_path, env)
    assert generated.returncode == 0, generated.stderr
    assert "1 domain(s), 1 job(s) into generated" in generated.stdout

    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [*jobctl(), "worker", "worker:worker", "--human-logs"],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            typed = run([sys.executable, "-c", TYPED_ENQUEUE], tmp_path, env)
            enqueued = run(
                [*jobctl(), "enqueue", "hello", "greet", '{"name": "init"}'], tmp_path, env
            )
            shown = show_when_done(enqueued.stdout.strip(), tmp_path, env)
        finally:
            code = stop(worker)
    worker_log = log_path.read_text()
    assert typed.returncode == 0, typed.stderr + worker_log
    assert typed.stdout == "Hello, world!\n"
    assert enqueued.returncode == 0, enqueued.stderr
    assert shown.returncode == 0, shown.stderr
    assert "Hello, init!" in shown.stdout
    assert code == 0, worker_log
    assert "greeting world" in worker_log


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "worker.py").write_text("# mine\n")
    result = CliRunner().invoke(app, ["init", str(tmp_path)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert f"not overwriting {tmp_path / 'worker.py'}; nothing was written" in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["worker.py"]
    assert (tmp_path / "worker.py").read_text() == "# mine\n"


def test_init_into_a_new_directory(tmp_path: Path) -> None:
    target = tmp_path / "fresh" / "project"
    result = CliRunner().invoke(app, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in target.iterdir()) == sorted(STARTER)
