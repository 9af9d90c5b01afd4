"""Hooks for metrics and traces: who wants to hear about job attempts and enqueues.

The runtime itself records nothing. A worker calls its ``JobObserver`` (if it
has any) when an attempt starts and when it ends, and the producer calls the
``PublishTracer`` (if one is installed) around each enqueue. With nobody
attached, each hook point costs one ``is None`` test, so a worker without
metrics or tracing runs exactly as fast as before. Observers live in optional
modules (``jobcontracts.observability``); the runtime imports none of them.

An observer that raises is logged and otherwise ignored: telemetry must never
change what happens to a job.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    """How one attempt ended."""

    COMPLETED = "completed"
    RETRY = "retry"  # failed; another attempt follows after the backoff
    DEAD = "dead"  # failed for good: moved to the dead-letter queue
    INTERRUPTED = "interrupted"  # cancelled by shutdown or a lost lease; handed back


class FailureReason(StrEnum):
    """Why an attempt failed: the ``reason`` label of ``jobs_failed_total``."""

    ERROR = "error"
    TIMEOUT = "timeout"
    INVALID_PAYLOAD = "invalid_payload"
    UNKNOWN_JOB = "unknown_job"
    UNRECOVERABLE = "unrecoverable"
    INVALID_RESULT = "invalid_result"
    STALLED = "stalled"


@dataclass(eq=False, slots=True)
class Attempt:
    """One attempt of one job, as observers see it.

    Compared by identity, so an observer can key its own per-attempt state
    (a span, a start time) by the attempt itself. ``ready_ms`` is when the job
    last became ready to run (enqueue, end of its delay or backoff, or retry
    from the dead-letter queue); ``trace_context`` is what the producer's
    tracer stored with the job ('' when none).
    """

    domain: str
    job_id: str
    job_name: str
    number: int
    attempts: int
    ready_ms: int
    trace_context: str


@dataclass(slots=True)
class AttemptEnd:
    """How an attempt ended (not frozen: a frozen dataclass costs microseconds per job)."""

    outcome: Outcome
    duration_s: float
    reason: FailureReason | None = None
    message: str = ""
    error: BaseException | None = None


class JobObserver(Protocol):
    """Told about every attempt a worker runs, in the task that runs it."""

    def attempt_started(self, attempt: Attempt, wait_s: float) -> None: ...

    def attempt_ended(self, attempt: Attempt, end: AttemptEnd) -> None: ...

    def job_stalled(self, domain: str, job_name: str, dead: bool) -> None:
        """A lease expired (its worker vanished); ``dead`` when it stalled too often."""
        ...


class ObserverGroup:
    """Fans one event out to several observers; a failing observer is logged, not raised."""

    __slots__ = ("_observers",)

    def __init__(self, observers: Sequence[JobObserver]) -> None:
        self._observers = tuple(observers)

    def attempt_started(self, attempt: Attempt, wait_s: float) -> None:
        for observer in self._observers:
            try:
                observer.attempt_started(attempt, wait_s)
            except Exception:
                log.exception("job observer %r failed on attempt start", observer)

    def attempt_ended(self, attempt: Attempt, end: AttemptEnd) -> None:
        for observer in self._observers:
            try:
                observer.attempt_ended(attempt, end)
            except Exception:
                log.exception("job observer %r failed on attempt end", observer)

    def job_stalled(self, domain: str, job_name: str, dead: bool) -> None:
        for observer in self._observers:
            try:
                observer.job_stalled(domain, job_name, dead)
            except Exception:
                log.exception("job observer %r failed on a stalled job", observer)


_process_observers: list[JobObserver] = []


def add_process_observer(observer: JobObserver) -> None:
    """Observe every worker that starts in this process from now on (e.g. tracing)."""
    if observer not in _process_observers:
        _process_observers.append(observer)


def remove_process_observer(observer: JobObserver) -> None:
    if observer in _process_observers:
        _process_observers.remove(observer)


def combine(own: Sequence[JobObserver]) -> ObserverGroup | None:
    """The observers of one worker run (process-wide ones first); None when there are none."""
    observers = [*_process_observers, *own]
    return ObserverGroup(observers) if observers else None


# ---------------------------------------------------------------- producer side


class PublishSpan(Protocol):
    """An open producer span; ``context`` is stored with the job(s) it covers."""

    context: str

    def set_job_ids(self, job_ids: Sequence[str]) -> None: ...


class PublishTracer(Protocol):
    def publish(self, domain: str, job_names: Sequence[str]) -> AbstractContextManager[PublishSpan]:
        """Open a span around one enqueue call; an exception inside is recorded on it."""
        ...


_publish_tracer: list[PublishTracer] = []


def set_publish_tracer(tracer: PublishTracer | None) -> None:
    """Install (or with None remove) the tracer every enqueue in this process uses."""
    _publish_tracer.clear()
    if tracer is not None:
        _publish_tracer.append(tracer)


def publish_tracer() -> PublishTracer | None:
    return _publish_tracer[0] if _publish_tracer else None
