"""Handles to enqueued jobs: ask their state, wait for their typed result.

Waiting is push-based, not polling: ``watch_job.lua`` either returns the
outcome of a finished job or registers the caller as a waiter; the worker's
settle step then pushes the outcome (result JSON or dead reason) onto a
short-lived list the caller blocks on with BLPOP. The pushed message carries
the result itself, so it survives ``remove_on_complete=True``. Settling pushes
one message however many callers wait; each waiter that pops it pushes it back
for the next one. A wait that times out or is cancelled withdraws its
registration, so abandoned waits leave nothing behind.
"""

# pyright: reportUnknownMemberType=false
# (redis-py types its pipeline factory's arguments as unknown.)

from __future__ import annotations

import asyncio
import contextlib
import time
from functools import partial
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel

from .connection import CONNECTION_ERRORS, Connection
from .durations import Duration, to_milliseconds
from .errors import JobDeadError, JobNotFoundError, ResultTimeoutError
from .script_calls import QueueCalls
from .scripts import Batch, ClientCall, Steps, queue_scripts
from .serialization import format_duration, load_result
from .states import JobState
from .wire import DONE_TTL_MS, WatchReply

__all__ = ["AsyncJob", "Job", "JobState"]

ResultT = TypeVar("ResultT")

BLOCK_SLICE_S = 5.0
"""Longest single BLPOP; stays below the client's socket timeout."""


def _deadline(timeout: Duration | None) -> float | None:
    return None if timeout is None else time.monotonic() + to_milliseconds(timeout) / 1000


def _slice(deadline: float | None) -> float | None:
    """Seconds for the next BLPOP, or ``None`` once the deadline has passed."""
    if deadline is None:
        return BLOCK_SLICE_S
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return None
    return max(min(remaining, BLOCK_SLICE_S), 0.001)


def _blpop(key: str, timeout: float, client: Any) -> Any:
    """BLPOP on a blocking or an asyncio client (the reply, or its awaitable)."""
    return client.blpop([key], timeout=timeout)


def _pass_on(key: str, message: bytes, pipe: Any) -> None:
    """Push the outcome back for the next waiter (settling pushed one copy for all)."""
    pipe.lpush(key, message)
    pipe.pexpire(key, DONE_TTL_MS)


class _Registrations:
    """How many waiter registrations a wait holds: each is withdrawn when it ends."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0


class _Base:
    __slots__ = ("_connection", "_created", "_domain", "_id", "_name", "_result_model")

    def __init__(
        self,
        job_id: str,
        domain: str,
        result_model: type[BaseModel] | None,
        connection: Connection,
        created: bool = True,
        name: str = "",
    ) -> None:
        self._id = job_id
        self._domain = domain
        self._name = name
        self._result_model = result_model
        self._connection = connection
        self._created = created

    @property
    def id(self) -> str:
        return self._id

    @property
    def domain(self) -> str:
        return self._domain

    @property
    def name(self) -> str:
        """The job name (``""`` for a handle built without one)."""
        return self._name

    @property
    def created(self) -> bool:
        """False when an explicit ``job_id`` already existed and nothing was added."""
        return self._created

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._domain}:{self._id})"

    def _timeout_error(self, timeout: Duration | None, state: str | None) -> ResultTimeoutError:
        """Names the job, the wait, and what the job is doing, so the cause is findable."""
        waited_ms = 0 if timeout is None else to_milliseconds(timeout)
        label = f"{self._domain}:{self._id}" + (f" ({self._name})" if self._name else "")
        message = f"job {label} did not finish within {format_duration(waited_ms)}"
        if state == JobState.WAITING:
            message += (
                f"; it is still waiting: is a worker running for domain {self._domain!r}"
                f" with prefix {self._connection.prefix!r}?"
            )
        elif state is not None:
            message += f"; it is {state}"
        return ResultTimeoutError(
            message, domain=self._domain, job_id=self._id, job_name=self._name, timeout_ms=waited_ms
        )

    def _wait(
        self, calls: QueueCalls, timeout: Duration | None, registered: _Registrations
    ) -> Steps[tuple[WatchReply, bytes]]:
        """The wait for the outcome, without I/O: watch, then BLPOP in slices until it comes.

        Every registration it makes is counted in ``registered``, which the
        caller withdraws however the wait ends.
        """
        deadline = _deadline(timeout)
        done_key = calls.keys.done(self._id)
        kind, data = yield calls.watch_job(self._id)
        registered.count = int(kind == WatchReply.PENDING)
        while kind == WatchReply.PENDING:
            block = _slice(deadline)
            if block is None:
                raw = yield calls.read_job(self._id, fields=False)
                raise self._timeout_error(timeout, None if raw is None else raw.state)
            got = yield ClientCall(partial(_blpop, done_key, block))
            if got is not None:
                registered.count = 0
                message = cast("bytes", got[1])
                yield Batch(partial(_pass_on, done_key, message), transaction=True)
                kind, data = WatchReply(message[:1].decode()), message[1:]
                continue
            raw = yield calls.read_job(self._id, fields=False)
            if raw is None or raw.state in (JobState.COMPLETED, JobState.DEAD):
                kind, data = yield calls.watch_job(self._id)
                registered.count += kind == WatchReply.PENDING
        return kind, data

    def _outcome(self, kind: str, data: bytes) -> Any:
        if kind == WatchReply.COMPLETED:
            return load_result(self._result_model, data)
        if kind == WatchReply.DEAD:
            raise JobDeadError(
                f"job {self._domain}:{self._id} is dead: {data.decode(errors='replace')}"
            )
        raise JobNotFoundError(
            f"job {self._domain}:{self._id} does not exist (never did, or was removed)"
        )


class Job(_Base, Generic[ResultT]):
    """A synchronous handle, returned by the generated ``add_job``."""

    __slots__ = ()

    def status(self) -> JobState:
        raw = queue_scripts(self._connection, self._domain).read_job(self._id, fields=False)
        return JobState.UNKNOWN if raw is None else JobState(raw.state)

    def result(self, timeout: Duration | None = None) -> ResultT:
        """Wait for the job to finish and return its typed result.

        Raises ``JobDeadError`` if it ended in the dead-letter queue and
        ``ResultTimeoutError`` if ``timeout`` passes first (the wait then
        withdraws its registration). A job kept by no
        retention (``remove_on_complete=True``) hands its result only to calls
        that were already waiting when it finished; a later call raises
        ``JobNotFoundError``, since nothing of the job is left in Redis.
        """
        scripts = queue_scripts(self._connection, self._domain)
        registered = _Registrations()
        try:
            kind, data = scripts.run_steps(self._wait(scripts.calls, timeout, registered))
        finally:
            for _ in range(registered.count):
                with contextlib.suppress(*CONNECTION_ERRORS):
                    scripts.unwatch_job(self._id)
        return cast("ResultT", self._outcome(kind, data))


class AsyncJob(_Base, Generic[ResultT]):
    """The asyncio twin of ``Job``, returned by the generated ``add_job_async``."""

    __slots__ = ()

    async def status(self) -> JobState:
        raw = await queue_scripts(self._connection, self._domain).read_job_async(
            self._id, fields=False
        )
        return JobState.UNKNOWN if raw is None else JobState(raw.state)

    async def result(self, timeout: Duration | None = None) -> ResultT:
        """Wait for the job to finish and return its typed result (see ``Job.result``)."""
        scripts = queue_scripts(self._connection, self._domain)
        registered = _Registrations()
        try:
            kind, data = await scripts.arun_steps(self._wait(scripts.calls, timeout, registered))
        finally:
            for _ in range(registered.count):
                with contextlib.suppress(*CONNECTION_ERRORS):
                    await asyncio.shield(scripts.unwatch_job_async(self._id))
        return cast("ResultT", self._outcome(kind, data))
