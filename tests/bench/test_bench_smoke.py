"""The benchmark harness still runs end to end (a smoke run: small N, this project only).

Speed is measured by ``nox -s bench``, never asserted here; this only shows
that every measurement produces a number, so the published table can be
reproduced.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_bench_smoke_run_measures_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    completed = subprocess.run(
        [
            sys.executable,
            "bench/run.py",
            "--systems",
            "jobcontracts-sync,jobcontracts-async",
            "--only",
            "enqueue,scaling,latency",
            "--n",
            "300",
            "--repeat",
            "1",
            "--out",
            str(out),
            "--no-render",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    systems = json.loads(out.read_text())["systems"]
    sync_runs = systems["jobcontracts-sync"]["runs"]
    async_runs = systems["jobcontracts-async"]["runs"]
    for runs, measures in (
        (sync_runs, ("enqueue", "enqueue_bulk", "enqueue_concurrent")),
        (async_runs, ("enqueue", "enqueue_bulk", "enqueue_concurrent", "process_w1", "process_w2")),
    ):
        for measure in measures:
            (run,) = runs[measure]
            assert "error" not in run, run
            assert run["jobs_per_s"] > 0, run
    (latency,) = async_runs["latency"]
    assert 0 < latency["p50_ms"] <= latency["p99_ms"], latency
    (enqueue,) = async_runs["enqueue"]
    assert enqueue["redis_bytes_per_job"] > 0, enqueue
    assert sync_runs["enqueue_concurrent"][0]["producers"] == "8 threads"
    assert async_runs["enqueue_concurrent"][0]["producers"] == "100 coroutines"
