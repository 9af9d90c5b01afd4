"""Small queue definitions, handlers and helpers shared by the runtime tests.

(No ``__init__.py`` here on purpose: a ``tests.runtime`` package would shadow
the ``runtime`` library under pytest's default import mode.)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

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
from jobcontracts.runtime.admin import QueueAdmin
from jobcontracts.runtime.script_calls import QueueCalls, ScriptCall, check_permissions_call
from jobcontracts.runtime.wire import AddJobArgs, Settlement


class Echo(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    value: int
    label: str = Field(default="", alias="wire-label")


class Doubled(BaseModel):
    doubled: int


FAST_DEFAULTS = JobDefaults(
    attempts=3, backoff=Backoff.fixed(timedelta(milliseconds=10)), timeout=timedelta(seconds=5)
)


def make_queue(domain: str = "test", defaults: JobDefaults = FAST_DEFAULTS) -> QueueDefinition:
    return QueueDefinition(
        domain=domain,
        jobs={
            "double": JobDefinition(
                name="double", payload_model=Echo, result_model=Doubled, defaults=defaults
            ),
            "note": JobDefinition(
                name="note", payload_model=Echo, result_model=None, defaults=defaults
            ),
        },
    )


def raw_job(job_id: str, name: str, payload: bytes, *, attempts: int = 3) -> AddJobArgs:
    """The ``add_jobs`` arguments of a job written past validation, as another producer might."""
    return AddJobArgs(
        job_id=job_id,
        name=name,
        payload=payload,
        priority=0,
        delay_ms=0,
        attempts=attempts,
        backoff="f:10:0",
        timeout_ms=5000,
        remove_on_complete="",
        remove_on_fail="",
        repeat_key="",
        revision="",
        trace_context="",
        shared_options="",
    )


def sample_calls(calls: QueueCalls) -> list[ScriptCall[Any]]:
    """One call of every script, built without I/O (for checks of keys and arguments)."""
    held = [("1", "w:1"), ("2", "w:1")]
    return [
        calls.add_jobs(1, [raw_job("a", "double", b"{}"), raw_job("", "double", b"{}")]),
        calls.finish_and_claim(1, "w:2", 30_000, 5, [Settlement.hand_back("1", "w:1")], (9, 1000)),
        calls.finish_and_claim(None, "w:3", 30_000, 5, [], (0, 0)),  # an idle worker's
        calls.extend_leases(1, held),
        calls.recover_stalled(1, 3),
        calls.beat_worker(1, "w", 8000, "{}", 2, 3, held),
        calls.read_job("42"),
        calls.watch_job("42"),
        calls.unwatch_job("42"),
        calls.retry_dead(1, ["1", "2"]),
        calls.purge_dead(10),
        calls.add_repeat(1, "k", "{}", 2),
        calls.due_repeats(1, 100),
        calls.schedule_repeats(1, [("k", 1, 2), ("j", 1, None)]),
        calls.remove_repeat("k"),
        check_permissions_call(calls.keys.wait, [["get", "KEY"]]),
    ]


class Recorder:
    """Handlers that record what they ran; behaviour per value is configurable."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int, int]] = []  # (job id, value, attempt)
        self.contexts: list[JobContext] = []
        self.fail_until_attempt = 0
        self.unrecoverable = False
        self.sleep: float = 0.0
        self.started = asyncio.Event()
        self.hook: Callable[[Echo, JobContext], Awaitable[None]] | None = None

    async def double(self, payload: Echo, ctx: JobContext) -> Doubled:
        self.seen.append((ctx.job_id, payload.value, ctx.attempt))
        self.contexts.append(ctx)
        self.started.set()
        if self.hook is not None:
            await self.hook(payload, ctx)
        if self.sleep:
            await asyncio.sleep(self.sleep)
        if self.unrecoverable:
            raise Unrecoverable("no point retrying")
        if ctx.attempt <= self.fail_until_attempt:
            raise ValueError(f"boom on attempt {ctx.attempt}")
        return Doubled(doubled=payload.value * 2)

    async def note(self, payload: Echo, ctx: JobContext) -> None:
        self.seen.append((ctx.job_id, payload.value, ctx.attempt))


@contextlib.asynccontextmanager
async def running(worker: Worker) -> AsyncGenerator[Worker]:
    """Run ``worker`` in the background for the duration of the block, then stop it."""
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        worker.stop()
        await asyncio.wait_for(task, 30)


async def run_then_close(worker: Worker) -> None:
    """``worker.run()`` on a loop the test made itself (``asyncio.run``), then the worker's
    connection closes what it opened on that loop: once the loop is closed, nothing can."""
    try:
        await worker.run()
    finally:
        if worker.connection is not None:
            await worker.connection.aclose()


def fast_settings(**overrides: Any) -> WorkerSettings:
    base: dict[str, Any] = {"concurrency": 4, "idle_block": 0.05, "shutdown_grace": 2.0}
    base.update(overrides)
    return WorkerSettings(**base)


async def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Yield to the loop until ``predicate`` holds (tests only; fails after ``timeout``)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.005)


async def wait_counts(admin: QueueAdmin, timeout: float = 10.0, **expected: int) -> None:
    """Wait until the queue counts match ``expected`` (e.g. ``completed=3``)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        counts = await admin.counts_async()
        if all(getattr(counts, k) == v for k, v in expected.items()):
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"counts {counts} never matched {expected}")
        await asyncio.sleep(0.01)


__all__ = ["Connection"]
