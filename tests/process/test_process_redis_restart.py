"""Redis stops (saving its data) and starts again while a worker process runs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis

from jobcontracts.runtime import Connection, Job, JobOptions, enqueue
from jobcontracts.runtime.connection import ClientSettings
from jobcontracts.runtime.testing import RedisServer
from tests.process.nap_worker import PATIENT, QUEUE
from tests.process.proc_support import (
    Records,
    add_naps,
    admin,
    counts_are,
    eventually,
    settled,
    worker_process,
)

OUTAGE_S = 1.0


def test_worker_and_producer_ride_out_a_redis_restart(
    redis_server_factory: Callable[[], RedisServer], key_prefix: str, tmp_path: Path
) -> None:
    server = redis_server_factory()
    connection = Connection(server.url, prefix=key_prefix, settings=PATIENT)
    records = Records(connection)
    total = 40
    ids = add_naps(connection, total, seconds=0.1)
    settings = {
        "concurrency": 4,
        "lease": 5.0,
        "stall_check": 0.5,
        "max_stalls": 5,
        "idle_block": 0.5,
        "error_backoff_max": 0.5,
    }
    patient_outcome: list[Job[Any] | BaseException] = []

    def patient_producer() -> None:
        try:
            patient_outcome.append(enqueue(QUEUE, "nap", {"seconds": 0.01}, JobOptions(), patient))
        except BaseException as error:  # reported through the assertion below
            patient_outcome.append(error)

    patient = Connection(server.url, prefix=key_prefix, settings=PATIENT)
    impatient = Connection(server.url, prefix=key_prefix, settings=ClientSettings(retries=0))
    try:
        with worker_process(
            server.url, key_prefix, tmp_path / "worker.log", settings=settings
        ) as worker:
            eventually(
                lambda: sum(records.done().values()) >= 8,
                timeout=20,
                what="the first jobs finishing",
                worker=worker,
            )
            # (stop(save=True) itself currently takes ~4 s: redis-py retries the
            # SHUTDOWN whose connection the server closes; the outage is that longer.)
            server.stop(save=True)
            assert server.process is None

            # Producer without retries: a clear connection error, nothing half-written.
            with pytest.raises(redis.ConnectionError, match=f"127.0.0.1:{server.port}"):
                enqueue(QUEUE, "nap", {"seconds": 0.01}, JobOptions(), impatient)
            # Producer with the retry policy: blocks through the outage, then succeeds.
            thread = threading.Thread(target=patient_producer, daemon=True)
            thread.start()
            time.sleep(OUTAGE_S)
            assert worker.alive(), worker.log()
            assert patient_outcome == []  # still retrying, not silently given up
            server.start()

            thread.join(30)
            assert not thread.is_alive()
            (outcome,) = patient_outcome
            assert isinstance(outcome, Job), outcome
            eventually(
                counts_are(connection, completed=total + 1),
                timeout=40,
                what="every job (and the one added during the outage) completing",
                worker=worker,
            )
            assert worker.sigterm_and_wait() == 0
            log = worker.log()
        assert "redis unavailable" in log  # the worker did see the outage
        # Nothing lost, nothing dead, nothing stuck: exactly the jobs that were added.
        assert settled(admin(connection).counts()) == (0, 0, 0, total + 1, 0, 0)
        assert set(records.done()) == {*ids, outcome.id}
    finally:
        for conn in (connection, patient, impatient):
            conn.close()


def test_a_worker_started_before_redis_waits_for_it(
    redis_server_factory: Callable[[], RedisServer], key_prefix: str, tmp_path: Path
) -> None:
    server = redis_server_factory()
    server.stop()  # nothing saved: the server comes back empty
    connection = Connection(server.url, prefix=key_prefix, settings=PATIENT)
    settings = {"idle_block": 0.5, "error_backoff_max": 0.5}
    try:
        with worker_process(
            server.url, key_prefix, tmp_path / "worker.log", settings=settings
        ) as worker:
            time.sleep(OUTAGE_S)
            assert worker.alive(), worker.log()  # no Redis yet: it keeps trying, not exiting
            server.start()
            ids = add_naps(connection, 5, seconds=0.01)
            eventually(
                counts_are(connection, completed=5),
                timeout=30,
                what="the jobs added once Redis is up completing",
                worker=worker,
            )
            assert worker.sigterm_and_wait() == 0
        assert settled(admin(connection).counts()) == (0, 0, 0, 5, 0, 0)
        assert Records(connection).done() == dict.fromkeys(ids, 1)
    finally:
        connection.close()
