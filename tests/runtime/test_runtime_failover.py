"""Killing the primary under load, on a Cluster and with Sentinel (``bench/failover.py``).

Each case starts its own deployment (a failover changes who is primary), puts
a producer and a worker on it, SIGKILLs the primary that serves the queue and
restarts it a few seconds later. What must hold:

- without WAIT, producer and worker reach the promoted replica before the dead
  server is restarted (no restart of theirs, no restart of Redis needed);
- with ``wait_replicas=1`` no acknowledged job is lost;
- the worker finishes every acknowledged job that survived.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESTART_S = 8.0
"""Without WAIT: later than any recovery we accept, so recovery cannot come from the restart."""


def _failover(setup: str, wait: int, restart_s: float) -> dict[str, Any]:
    completed = subprocess.run(
        [
            sys.executable,
            "bench/failover.py",
            "--runs",
            "1",
            "--setups",
            setup,
            "--waits",
            str(wait),
            "--load",
            "1",
            "--restart",
            str(restart_s),
            "--after",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "Traceback" not in completed.stderr, completed.stderr[-3000:]
    runs = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]
    assert len(runs) == 1, completed.stdout
    result: dict[str, Any] = runs[0]
    return result


@pytest.mark.parametrize("setup", ["cluster", "sentinel"])
def test_producer_and_worker_move_to_the_promoted_replica(setup: str) -> None:
    run = _failover(setup, 0, RESTART_S)
    assert run["acked"] > 0
    assert run["producer_gap_s"] < RESTART_S, run  # writes resumed before the restart
    assert run["worker_gap_s"] < RESTART_S, run


@pytest.mark.parametrize("setup", ["cluster", "sentinel"])
def test_with_wait_replicas_no_acknowledged_job_is_lost(setup: str) -> None:
    # The only replica was promoted: WAIT 1 is satisfiable again once the dead
    # server is back as a replica, so it is restarted a second after the kill.
    run = _failover(setup, 1, 1.0)
    assert run["acked"] > 0
    assert run["lost"] == 0, run
    assert run["worker_gap_s"] < 60, run
