"""Running one claimed job: decode, call the handler under its timeout, judge the outcome.

``JobRunner.run`` never raises (except ``CancelledError`` at shutdown): every
ending becomes a ``Settlement`` the dispatcher sends back in its next batch:
completed, retry at a time, or dead with a reason. Poison jobs (undecodable
data, unknown name, invalid payload) go straight to the dead-letter queue.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from pydantic import BaseModel, ValidationError

from .backoff import backoff_delay_ms
from .context import JobContext
from .contract import SchemaViolation, error_details
from .definitions import QueueDefinition
from .errors import MissingHandlerError, Unrecoverable
from .observe import Attempt, AttemptEnd, FailureReason, ObserverGroup, Outcome
from .scripts import ClaimedJob, Settlement
from .serialization import dump_result, error_record, format_duration, load_payload
from .server_clock import Clock
from .wire import SettleOutcome

log = logging.getLogger(__name__)

Handler = Callable[[Any, JobContext], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class _Kind:
    handler: Handler
    payload_model: type[BaseModel]
    result_model: type[BaseModel] | None


def _is_async_callable(obj: object) -> bool:
    call = type(obj).__call__ if callable(obj) else None
    return inspect.iscoroutinefunction(obj) or inspect.iscoroutinefunction(call)


def bind_handlers(queue: QueueDefinition, handlers: object) -> dict[str, _Kind]:
    """Look up ``getattr(handlers, job_name)`` for every job; all must be async callables."""
    missing: list[str] = []
    not_async: list[str] = []
    kinds: dict[str, _Kind] = {}
    for name, definition in queue.jobs.items():
        handler = getattr(handlers, name, None)
        if handler is None or not callable(handler):
            missing.append(name)
        elif not _is_async_callable(handler):
            not_async.append(name)
        else:
            kinds[name] = _Kind(
                cast(Handler, handler), definition.payload_model, definition.result_model
            )
    if missing or not_async:
        parts: list[str] = []
        if missing:
            parts.append("missing handler(s): " + ", ".join(missing))
        if not_async:
            parts.append("not async (need 'async def'): " + ", ".join(not_async))
        raise MissingHandlerError(
            f"handlers {type(handlers).__name__} for domain {queue.domain!r}: {'; '.join(parts)}"
        )
    return kinds


@dataclass(frozen=True, slots=True)
class _Failure:
    reason: FailureReason
    error: BaseException | None


_OUTCOMES: dict[str, Outcome] = {
    SettleOutcome.COMPLETED: Outcome.COMPLETED,
    SettleOutcome.RETRY: Outcome.RETRY,
    SettleOutcome.DEAD: Outcome.DEAD,
}


def _ending(settlement: Settlement, failure: _Failure | None, duration_s: float) -> AttemptEnd:
    outcome = _OUTCOMES[settlement.outcome]
    if failure is None:
        return AttemptEnd(outcome, duration_s)
    message = settlement.reason if outcome is Outcome.DEAD else str(failure.error or "")
    return AttemptEnd(outcome, duration_s, failure.reason, message, failure.error)


def _payload_problem(exc: ValidationError) -> str:
    errors = exc.errors()
    if errors and errors[0]["type"] in ("json_invalid", "json_type"):
        return f"undecodable payload: {errors[0]['msg']}"
    return f"invalid payload: {_details(exc, '<payload>')}"


def _details(exc: ValidationError | SchemaViolation, root: str) -> str:
    return "; ".join(f"{where}: {what}" for where, what in error_details(exc, root))


ErrorObserver = Callable[[ClaimedJob, BaseException], None]


class JobRunner:
    """Executes jobs of one queue with its bound handlers.

    ``on_error`` sees the exception of every failed attempt before it becomes a
    settlement (the in-process test driver re-raises it; workers only log).
    ``observer`` hears of every attempt's start and end (metrics, traces).
    """

    def __init__(
        self,
        queue: QueueDefinition,
        handlers: object,
        clock: Clock,
        *,
        on_error: ErrorObserver | None = None,
        observer: ObserverGroup | None = None,
    ) -> None:
        self.domain = queue.domain
        self.observer = observer
        self._kinds = bind_handlers(queue, handlers)
        self._clock = clock
        self._on_error = on_error
        self._job_logger = logging.getLogger(f"jobcontracts.job.{queue.domain}")

    def _extra(self, job: ClaimedJob, duration_ms: float | None = None) -> dict[str, object]:
        return {
            "job_id": job.id,
            "domain": self.domain,
            "job_name": job.name,
            "attempt": job.attempt,
            "duration_ms": None if duration_ms is None else round(duration_ms, 2),
        }

    async def run(self, job: ClaimedJob) -> Settlement:
        observer = self.observer
        if observer is None:
            settlement, _ = await self._attempt(job)
            return settlement
        attempt = Attempt(
            self.domain,
            job.id,
            job.name,
            job.attempt,
            job.attempts,
            job.ready_ms,
            job.trace_context,
        )
        observer.attempt_started(attempt, max(self._clock() - job.ready_ms, 0) / 1000)
        started = time.perf_counter()
        try:
            settlement, failure = await self._attempt(job)
        except asyncio.CancelledError:
            duration = time.perf_counter() - started
            observer.attempt_ended(attempt, AttemptEnd(Outcome.INTERRUPTED, duration))
            raise
        observer.attempt_ended(attempt, _ending(settlement, failure, time.perf_counter() - started))
        return settlement

    async def _attempt(self, job: ClaimedJob) -> tuple[Settlement, _Failure | None]:
        """Decode, run and judge one attempt; the failure (if any) says why, for observers."""
        kind = self._kinds.get(job.name)
        if kind is None:
            reason = f"unknown job name {job.name!r}"
            return self._dead(job, reason, None, None), _Failure(FailureReason.UNKNOWN_JOB, None)
        try:
            payload = load_payload(kind.payload_model, job.payload)
        except ValidationError as exc:
            settlement = self._dead(job, _payload_problem(exc), exc, None)
            return settlement, _Failure(FailureReason.INVALID_PAYLOAD, exc)
        if log.isEnabledFor(logging.DEBUG):
            self._log_start(job)
        ctx = JobContext.for_attempt(
            job.id,
            self.domain,
            job.name,
            job.attempt,
            job.attempts,
            job.enqueued_ms,
            self._job_logger,
        )
        started = time.perf_counter()
        try:
            value = await kind.handler(payload, ctx)
            data = dump_result(kind.result_model, value)
        except Unrecoverable as exc:
            settlement = self._dead(job, f"unrecoverable: {exc}", exc, started)
            return settlement, _Failure(FailureReason.UNRECOVERABLE, exc)
        except Exception as exc:
            if isinstance(exc, ValidationError | SchemaViolation):
                reason = f"result does not match the result schema: {_details(exc, '<result>')}"
                why = FailureReason.INVALID_RESULT
            else:
                reason = f"{type(exc).__name__}: {exc}"
                why = FailureReason.ERROR
            return self._failed(job, reason, exc, started), _Failure(why, exc)
        except asyncio.CancelledError as cancelled:
            # The dispatcher's deadline sweep cancels overdue jobs and marks them;
            # any other cancellation (shutdown, lost lease) propagates.
            if not job.timed_out:
                raise
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            reason = f"timed out after {format_duration(job.timeout_ms)}"
            timeout = TimeoutError(reason)
            timeout.__context__ = cancelled
            settlement = self._failed(job, reason, timeout, started)
            return settlement, _Failure(FailureReason.TIMEOUT, timeout)
        if log.isEnabledFor(logging.INFO):
            extra = self._extra(job, (time.perf_counter() - started) * 1000)
            log.info("job %s:%s (%s) completed", self.domain, job.id, job.name, extra=extra)
        return Settlement.completed(job.id, job.token, data), None

    def _log_start(self, job: ClaimedJob) -> None:
        log.debug(
            "job %s:%s (%s) started, attempt %d",
            self.domain,
            job.id,
            job.name,
            job.attempt,
            extra=self._extra(job),
        )

    def _dead(
        self,
        job: ClaimedJob,
        reason: str,
        exc: BaseException | None,
        started: float | None,
        attempt_reason: str | None = None,
    ) -> Settlement:
        duration = None if started is None else (time.perf_counter() - started) * 1000
        if exc is not None and self._on_error is not None:
            self._on_error(job, exc)
        log.warning(
            "job %s:%s (%s) dead-lettered after attempt %d/%d: %s",
            self.domain,
            job.id,
            job.name,
            job.attempt,
            job.attempts,
            reason,
            extra=self._extra(job, duration),
        )
        record = error_record(job.attempt, self._clock(), exc, attempt_reason or reason)
        return Settlement.dead(job.id, job.token, record, reason)

    def _failed(
        self, job: ClaimedJob, reason: str, exc: BaseException, started: float
    ) -> Settlement:
        if job.attempt >= job.attempts:
            exhausted = f"failed {job.attempt} of {job.attempts} attempts; last: {reason}"
            return self._dead(job, exhausted, exc, started, reason)
        now = self._clock()
        delay = backoff_delay_ms(job.backoff, job.attempt)
        if self._on_error is not None:
            self._on_error(job, exc)
        log.warning(
            "job %s:%s (%s) attempt %d/%d failed (%s); retrying in %s",
            self.domain,
            job.id,
            job.name,
            job.attempt,
            job.attempts,
            reason,
            format_duration(delay),
            extra=self._extra(job, (time.perf_counter() - started) * 1000),
        )
        record = error_record(job.attempt, now, exc, reason)
        return Settlement.retry(job.id, job.token, record, now + delay)
