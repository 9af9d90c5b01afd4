"""A worker module for the process tests: ``jobctl worker tests.process.nap_worker:nap_worker``.

One hand-built queue (``naps``) whose only job sleeps for a payload-given
time. The handler records into Redis, next to the queue under the same prefix,
every start (``<prefix>:record:started``) and every finish
(``<prefix>:record:done``), so a test sees what ran across processes.

Configured from the environment: ``REDIS_URL``, ``NAP_PREFIX``,
``NAP_SETTINGS`` (JSON of ``WorkerSettings`` fields) and ``NAP_SLEEP_CAP``
(seconds; caps every sleep, so a later worker can finish long jobs quickly).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, Field

from jobcontracts.runtime import (
    Backoff,
    Connection,
    JobContext,
    JobDefaults,
    JobDefinition,
    QueueDefinition,
    Unrecoverable,
    Worker,
    WorkerSettings,
)
from jobcontracts.runtime.connection import ClientSettings

DOMAIN = "naps"


class Nap(BaseModel):
    seconds: float = Field(ge=0, le=120)
    fail: bool = False
    """Raise ``Unrecoverable``: the job is dead-lettered at once."""
    flaky_attempts: int = 0
    """Raise a transient error on attempts up to this one."""
    block: bool = False
    """Sleep with ``time.sleep``: the common mistake that blocks the event loop."""


class Slept(BaseModel):
    slept: float


QUEUE = QueueDefinition(
    domain=DOMAIN,
    jobs={
        "nap": JobDefinition(
            name="nap",
            payload_model=Nap,
            result_model=Slept,
            defaults=JobDefaults(
                attempts=5,
                backoff=Backoff.fixed(timedelta(milliseconds=50)),
                timeout=timedelta(seconds=120),
            ),
        )
    },
)

PATIENT = ClientSettings(retries=20, backoff_cap=0.5)
"""Rides out a Redis restart of several seconds whatever the backoff jitter draws."""


def started_key(prefix: str) -> str:
    return f"{prefix}:record:started"


def done_key(prefix: str) -> str:
    return f"{prefix}:record:done"


class Naps:
    def __init__(self, connection: Connection, sleep_cap: float) -> None:
        self.connection = connection
        self.sleep_cap = sleep_cap

    async def nap(self, payload: Nap, ctx: JobContext, /) -> Slept:
        client = self.connection.async_client()
        prefix = self.connection.prefix
        await client.rpush(started_key(prefix), ctx.job_id)  # pyright: ignore[reportUnknownMemberType]
        if payload.fail:
            raise Unrecoverable("asked to fail")
        if ctx.attempt <= payload.flaky_attempts:
            raise RuntimeError(f"flaky on attempt {ctx.attempt}")
        seconds = min(payload.seconds, self.sleep_cap)
        ctx.logger.info("napping %.2fs", seconds)
        if payload.block:
            time.sleep(seconds)
        else:
            await asyncio.sleep(seconds)
        await client.rpush(done_key(prefix), ctx.job_id)  # pyright: ignore[reportUnknownMemberType]
        return Slept(slept=seconds)


def nap_worker() -> Worker:
    connection = Connection(
        os.environ["REDIS_URL"], prefix=os.environ["NAP_PREFIX"], settings=PATIENT
    )
    options: dict[str, Any] = json.loads(os.environ.get("NAP_SETTINGS", "{}"))
    settings = WorkerSettings(**options)
    sleep_cap = float(os.environ.get("NAP_SLEEP_CAP", "inf"))
    return Worker(QUEUE, Naps(connection, sleep_cap), connection=connection, settings=settings)
