"""Handlers run off the event loop, for the runtime tests of ``in_thread`` and ``in_process``.

A module of its own (not a test module): the child processes import
``tests.runtime.offload_handlers`` by name, as they would a user's module.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from jobcontracts.runtime import (
    Backoff,
    JobContext,
    JobDefaults,
    JobDefinition,
    QueueDefinition,
    Unrecoverable,
    in_process,
    in_thread,
)


class Work(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    value: int = 0
    label: str = Field(default="", alias="wire-label")
    seconds: float = 0.0
    spin: bool = False
    """Burn CPU for ``seconds`` instead of sleeping."""
    crash: str = ""
    """``exit``, ``kill``, ``raise`` or ``unrecoverable``."""
    pid_file: str = ""
    """Append the running process's id (one line per attempt) before working."""


class Done(BaseModel):
    doubled: int
    pid: int
    label: str
    attempt: int
    domain: str


def make_offload_queue(domain: str) -> QueueDefinition:
    defaults = JobDefaults(
        attempts=1, backoff=Backoff.fixed(timedelta(milliseconds=10)), timeout=timedelta(seconds=20)
    )
    return QueueDefinition(
        domain=domain,
        jobs={
            name: JobDefinition(name=name, payload_model=Work, result_model=Done, defaults=defaults)
            for name in ("child", "thread", "plain")
        },
    )


def _work(payload: Work, ctx: JobContext) -> Done:
    if payload.pid_file:
        with Path(payload.pid_file).open("a") as pids:
            pids.write(f"{os.getpid()}\n")
    if payload.crash == "exit":
        os._exit(3)
    if payload.crash == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if payload.crash == "raise":
        raise ValueError(f"bad value {payload.value}")
    if payload.crash == "unrecoverable":
        raise Unrecoverable("give up")
    if payload.spin:
        until = time.perf_counter() + payload.seconds
        while time.perf_counter() < until:
            pass
    elif payload.seconds:
        time.sleep(payload.seconds)
    return Done(
        doubled=payload.value * 2,
        pid=os.getpid(),
        label=payload.label,
        attempt=ctx.attempt,
        domain=ctx.domain,
    )


class OffloadHandlers:
    """``child`` runs in a child process, ``thread`` in the worker's pool, ``plain`` on the loop.

    The child builds its own instance (no arguments), so nothing set on the
    worker's instance is seen there.
    """

    def __init__(self) -> None:
        self.thread_started = threading.Event()
        self.threads_finished: list[str] = []

    @in_process
    def child(self, payload: Work, ctx: JobContext, /) -> Done:
        return _work(payload, ctx)

    @in_thread
    def thread(self, payload: Work, ctx: JobContext, /) -> Done:
        self.thread_started.set()
        done = _work(payload, ctx)
        self.threads_finished.append(ctx.job_id)
        return done

    async def plain(self, payload: Work, ctx: JobContext, /) -> Done:
        return _work(payload, ctx)


@in_process
def triple(payload: Work, ctx: JobContext) -> int:
    """A top-level function run in a child process."""
    return payload.value * 3 + ctx.attempt


class Misplaced:
    """A static method cannot be told apart from a method by the child: refused."""

    @staticmethod
    @in_process
    def child(payload: Work, ctx: JobContext, /) -> int:
        return payload.value
