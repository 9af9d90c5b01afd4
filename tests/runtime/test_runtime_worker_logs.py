"""Every line a worker logs about itself names its domain, even when Redis is gone."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from collections.abc import Callable

import pytest

from jobcontracts.cli.logs import JsonFormatter
from jobcontracts.runtime import Connection, Worker
from jobcontracts.runtime.connection import ClientSettings
from jobcontracts.runtime.testing import RedisServer
from jobcontracts.runtime.worker import _stop_all  # pyright: ignore[reportPrivateUsage]
from tests.runtime.runtime_testkit import Recorder, fast_settings, make_queue, wait_until


def _runtime_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("jobcontracts")]


async def test_worker_lines_carry_the_domain_through_a_redis_outage(
    redis_server_factory: Callable[[], RedisServer],
    key_prefix: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = redis_server_factory()
    connection = Connection(server.url, prefix=key_prefix, settings=ClientSettings(retries=0))
    worker = Worker(
        make_queue("outage"),
        Recorder(),
        connection=connection,
        settings=fast_settings(error_backoff_max=0.2, idle_block=0.1),
    )
    caplog.set_level(logging.DEBUG, logger="jobcontracts")
    task = asyncio.create_task(worker.run())
    try:
        await wait_until(lambda: any("started" in r.getMessage() for r in caplog.records))
        server.stop()
        await wait_until(
            lambda: any("unavailable" in r.getMessage() for r in caplog.records), timeout=20
        )
    finally:
        worker.stop()
        server.start()
        await asyncio.wait_for(task, 30)
        await connection.aclose()
    records = _runtime_records(caplog)
    assert any("redis unavailable" in r.getMessage() for r in records)
    assert any("stopped" in r.getMessage() for r in records)
    unnamed = [r.getMessage() for r in records if getattr(r, "domain", None) != "outage"]
    assert unnamed == []
    lines = [json.loads(JsonFormatter().format(r)) for r in records]
    assert {line["domain"] for line in lines} == {"outage"}


def test_a_line_about_several_workers_lists_their_domains(
    caplog: pytest.LogCaptureFixture,
) -> None:
    workers = (Worker(make_queue("first"), Recorder()), Worker(make_queue("second"), Recorder()))
    caplog.set_level(logging.INFO, logger="jobcontracts")
    _stop_all(workers, signal.SIGTERM)
    (record,) = _runtime_records(caplog)
    assert "stopping 2 worker(s)" in record.getMessage()
    assert json.loads(JsonFormatter().format(record))["domains"] == ["first", "second"]
