"""``jobctl metrics`` and ``jobctl worker --metrics-port`` as real processes, scraped over HTTP."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobcontracts.runtime import Connection, JobOptions, QueueAdmin, enqueue
from jobcontracts.runtime.testing import free_port
from tests.cli.cli_support import ADA, invoke
from tests.process.proc_support import (
    TARGET,
    add_naps,
    counts_are,
    eventually,
    jobctl,
    worker_process,
)

ROOT = Path(__file__).resolve().parents[2]


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return str(response.read().decode())


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one series in a text exposition, or None when absent."""
    for line in text.splitlines():
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if not match or match[1] != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match[2] or ""))
        if found == labels:
            return float(match[3])
    return None


@pytest.fixture
def deployment_url(redis_url: str) -> str:
    """Worker and exporter processes run against the single server (as in tests/process)."""
    return redis_url


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield held.getsockname()[1]


def run_jobctl(
    args: list[str], redis_url: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REDIS_URL": redis_url, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [*jobctl(), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_metrics_command_serves_queue_gauges(connection: Connection) -> None:
    from generated.github import QUEUE as GITHUB

    for _ in range(3):
        enqueue(
            GITHUB,
            "sync_data",
            {"user_id": ADA, "data_source": "webhook"},
            JobOptions(),
            connection,
        )
    QueueAdmin("github", connection).pause()
    port = free_port()
    env = {**os.environ, "REDIS_URL": connection.url}
    command = [*jobctl(), "metrics", "--port", str(port), "--prefix", connection.prefix]
    with subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:  # its pipes are closed on the way out
        try:
            text = ""

            def answers() -> bool:
                nonlocal text
                try:
                    text = scrape(port)
                except OSError:
                    return False
                return True

            eventually(answers, timeout=30, what="jobctl metrics answers")
            assert sample(text, "jobcontracts_queue_jobs", domain="github", state="waiting") == 3
            assert sample(text, "jobcontracts_queue_jobs", domain="github", state="dead") == 0
            assert sample(text, "jobcontracts_queue_jobs", domain="email", state="waiting") == 0
            assert sample(text, "jobcontracts_queue_paused", domain="github") == 1
            assert sample(text, "jobcontracts_workers", domain="github") == 0
            assert sample(text, "jobcontracts_redis_up") == 1
            assert (
                sample(text, "jobcontracts_jobs_started_total", domain="github", job="sync_data")
                is None
            )
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(30) == 0


PORT_TAKEN = (
    "error: metrics port {port} on 127.0.0.1 is already in use; "
    "give each worker process its own --metrics-port"
)


def test_metrics_command_refuses_a_taken_port(
    busy_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    result = invoke(["metrics", "--port", str(busy_port)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [PORT_TAKEN.format(port=busy_port)]


def test_worker_refuses_a_taken_metrics_port(
    busy_port: int, redis_url: str, key_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("NAP_PREFIX", key_prefix)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        result = invoke(["worker", TARGET, "--metrics-port", str(busy_port), "--human-logs"])
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [PORT_TAKEN.format(port=busy_port)]


def test_worker_serves_its_attempts(connection: Connection, tmp_path: Path) -> None:
    port = free_port()
    args = ("--human-logs", "--metrics-port", str(port))
    with worker_process(connection.url, connection.prefix, tmp_path / "w.log", args=args) as worker:
        add_naps(connection, 4, 0.0)
        eventually(counts_are(connection, completed=4), timeout=30, what="4 naps", worker=worker)
        text = scrape(port)
        assert worker.sigterm_and_wait() == 0
    assert sample(text, "jobcontracts_jobs_started_total", domain="naps", job="nap") == 4
    assert sample(text, "jobcontracts_jobs_completed_total", domain="naps", job="nap") == 4
    assert sample(text, "jobcontracts_job_duration_seconds_count", domain="naps", job="nap") == 4
    assert sample(text, "jobcontracts_jobs_in_progress", domain="naps", job="nap") == 0
    assert sample(text, "jobcontracts_queue_jobs", domain="naps", state="completed") == 4
