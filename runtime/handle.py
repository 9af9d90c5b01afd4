"""Handles to enqueued jobs: ask their state, wait for their typed result.

INTERFACE STUB: the signatures are fixed (the generated code depends on them).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Generic, TypeVar

from runtime.durations import Duration

ResultT = TypeVar("ResultT")


class JobState(StrEnum):
    WAITING = "waiting"
    DELAYED = "delayed"
    ACTIVE = "active"
    FAILED = "failed"  # an attempt failed; waiting out its backoff before the next
    COMPLETED = "completed"
    DEAD = "dead"  # in the dead-letter queue
    UNKNOWN = "unknown"  # never existed, or removed by retention


class Job(Generic[ResultT]):
    """A synchronous handle, returned by the generated ``add_job``."""

    @property
    def id(self) -> str:
        raise NotImplementedError

    def status(self) -> JobState:
        raise NotImplementedError

    def result(self, timeout: Duration | None = None) -> ResultT:
        """Wait for the job to finish and return its typed result.

        Raises ``JobDeadError`` if it ended in the dead-letter queue and
        ``ResultTimeoutError`` if ``timeout`` passes first.
        """
        raise NotImplementedError


class AsyncJob(Generic[ResultT]):
    """The asyncio twin of ``Job``, returned by the generated ``add_job_async``."""

    @property
    def id(self) -> str:
        raise NotImplementedError

    async def status(self) -> JobState:
        raise NotImplementedError

    async def result(self, timeout: Duration | None = None) -> ResultT:
        raise NotImplementedError
