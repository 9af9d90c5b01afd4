"""``jobctl worker --json-logs``: one JSON object per line, job fields on every job line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest

from jobcontracts.runtime import Connection
from tests.process.nap_worker import DOMAIN
from tests.process.proc_support import add_nap, counts_are, eventually, worker_process


@pytest.mark.parametrize(
    "choice",
    [pytest.param(("--json-logs",), id="json-logs"), pytest.param((), id="default-without-tty")],
)
def test_json_logs_carry_job_id_domain_name_and_attempt(
    connection: Connection, redis_url: str, tmp_path: Path, choice: tuple[str, ...]
) -> None:
    ok = add_nap(connection, {"seconds": 0})
    flaky = add_nap(connection, {"seconds": 0, "flaky_attempts": 1})
    doomed = add_nap(connection, {"seconds": 0, "fail": True})
    with worker_process(
        redis_url,
        connection.prefix,
        tmp_path / "worker.jsonl",
        args=(*choice, "--log-level", "debug"),
    ) as worker:
        eventually(
            counts_are(connection, completed=2, dead=1),
            timeout=20,
            what="two jobs completing and one dead-lettered",
            worker=worker,
        )
        assert worker.sigterm_and_wait() == 0
        text = worker.log()

    lines = [line for line in text.splitlines() if line.strip()]
    assert lines
    entries: list[dict[str, Any]] = []
    for line in lines:
        entry: object = json.loads(line)  # every line is one JSON object, nothing else
        assert isinstance(entry, dict), line
        entry = cast("dict[str, Any]", entry)
        assert {"ts", "level", "logger", "message"} <= entry.keys(), line
        entries.append(entry)

    def about(job_id: str) -> list[dict[str, Any]]:
        return [e for e in entries if e.get("job_id") == job_id]

    def one(job_id: str, words: str, attempt: int) -> dict[str, Any]:
        found = [e for e in about(job_id) if words in e["message"] and e["attempt"] == attempt]
        assert len(found) == 1, (job_id, words, attempt, about(job_id))
        return found[0]

    for job_id in (ok, flaky, doomed):
        assert about(job_id), f"no log line for job {job_id}:\n{text}"
        for entry in about(job_id):
            assert entry["domain"] == DOMAIN, entry
            assert entry["job_name"] == "nap", entry
            assert isinstance(entry["attempt"], int), entry

    assert one(ok, "started", 1)["level"] == "debug"
    completed = one(ok, "completed", 1)
    assert completed["level"] == "info"
    assert isinstance(completed["duration_ms"], float)
    assert completed["duration_ms"] == round(completed["duration_ms"], 2)  # not 0.29053999969...
    assert all(
        len(str(e["duration_ms"]).partition(".")[2]) <= 2 for e in entries if "duration_ms" in e
    )
    (start,) = [e for e in entries if "started:" in e["message"]]
    assert (start["domain"], start["redis_url"], start["prefix"]) == (
        DOMAIN,
        redis_url,
        connection.prefix,
    )
    assert (
        one(ok, "napping", 1)["logger"] == f"jobcontracts.job.{DOMAIN}"
    )  # the handler's ctx.logger

    assert one(flaky, "failed", 1)["level"] == "warning"
    assert "flaky on attempt 1" in one(flaky, "failed", 1)["message"]
    one(flaky, "completed", 2)

    dead = one(doomed, "dead-lettered", 1)
    assert dead["level"] == "warning"
    assert "unrecoverable: asked to fail" in dead["message"]

    lifecycle = [e["message"] for e in entries if "job_id" not in e]
    assert any(m.startswith(f"worker for {DOMAIN} started") for m in lifecycle), lifecycle
    assert "received SIGTERM; stopping 1 worker(s)" in lifecycle
