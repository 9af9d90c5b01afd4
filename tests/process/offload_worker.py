"""A worker module for the process tests of blocking handlers.

``jobctl worker tests.process.offload_worker:offload_worker`` serves the
``offloads`` queue: ``block`` sleeps with ``time.sleep`` in the worker's
thread pool (``in_thread``; with ``until_done`` it blocks
until that many jobs have ended), ``child`` sleeps in a child process
(``in_process``) after appending its process id to ``pid_file``, and
``quick`` is a plain async handler. ``block`` and ``quick`` record starts and
finishes in Redis like the nap worker does, so a test sees what ran where.

Configured from the environment: ``REDIS_URL``, ``NAP_PREFIX`` and
``NAP_SETTINGS`` (JSON of ``WorkerSettings`` fields).
"""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from jobcontracts.runtime import (
    Backoff,
    Connection,
    JobContext,
    JobDefaults,
    JobDefinition,
    QueueDefinition,
    Worker,
    WorkerSettings,
    in_process,
    in_thread,
)
from tests.process.nap_worker import PATIENT, done_key, started_key

DOMAIN = "offloads"


class Sleep(BaseModel):
    seconds: float = 0.0
    pid_file: str = ""
    until_done: int = 0
    """``block`` then sleeps on until this many jobs have recorded their end (at most a minute)."""


class Slept(BaseModel):
    pid: int


QUEUE = QueueDefinition(
    domain=DOMAIN,
    jobs={
        name: JobDefinition(
            name=name,
            payload_model=Sleep,
            result_model=Slept,
            defaults=JobDefaults(
                attempts=3,
                backoff=Backoff.fixed(timedelta(milliseconds=50)),
                timeout=timedelta(seconds=120),
            ),
        )
        for name in ("block", "child", "quick")
    },
)


class Offloads:
    """The child process builds its own ``Offloads()``, without a connection."""

    def __init__(self, connection: Connection | None = None) -> None:
        self.connection = connection

    def _record(self, key: str, job_id: str) -> None:
        assert self.connection is not None
        self.connection.sync_client().rpush(key, job_id)  # pyright: ignore[reportUnknownMemberType]

    def _count(self, key: str) -> int:
        assert self.connection is not None
        return self.connection.sync_client().llen(key)

    @in_thread
    def block(self, payload: Sleep, ctx: JobContext, /) -> Slept:
        assert self.connection is not None
        self._record(started_key(self.connection.prefix), ctx.job_id)
        time.sleep(payload.seconds)
        ended = done_key(self.connection.prefix)
        give_up = time.monotonic() + 60.0
        while time.monotonic() < give_up and self._count(ended) < payload.until_done:
            time.sleep(0.05)
        self._record(ended, ctx.job_id)
        return Slept(pid=os.getpid())

    @in_process
    def child(self, payload: Sleep, ctx: JobContext, /) -> Slept:
        if payload.pid_file:
            with Path(payload.pid_file).open("a") as pids:
                pids.write(f"{os.getpid()}\n")
        time.sleep(payload.seconds)
        return Slept(pid=os.getpid())

    async def quick(self, payload: Sleep, ctx: JobContext, /) -> Slept:
        assert self.connection is not None
        await self.connection.async_client().rpush(done_key(self.connection.prefix), ctx.job_id)  # pyright: ignore[reportUnknownMemberType]
        return Slept(pid=os.getpid())


def offload_worker() -> Worker:
    connection = Connection(
        os.environ["REDIS_URL"], prefix=os.environ["NAP_PREFIX"], settings=PATIENT
    )
    options: dict[str, Any] = json.loads(os.environ.get("NAP_SETTINGS", "{}"))
    settings = WorkerSettings(**options)
    return Worker(QUEUE, Offloads(connection), connection=connection, settings=settings)
