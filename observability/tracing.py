"""OpenTelemetry spans for enqueues and attempts (extra ``otel``).

``instrument()`` installs two hooks of ``jobcontracts.runtime.observe``:

* every enqueue opens a PRODUCER span ``publish {domain}`` and stores the
  propagated context (W3C ``traceparent`` through the global propagator) with
  the job, in the same script call that creates it;
* every attempt a worker of this process runs is a CONSUMER span
  ``process {domain}`` whose parent is that stored context, so a job's trace
  shows where it was enqueued, each attempt, and the spans its handler opens.
  A failed attempt records its exception and ends with an error status.

Attributes follow the OpenTelemetry messaging conventions
(``messaging.system``, ``messaging.destination.name``, ``messaging.message.id``,
``messaging.operation.type``/``name``) plus ``jobcontracts.job.name`` and
``jobcontracts.job.attempt``. Without ``instrument()`` (or without the extra)
the runtime's hook points stay empty and cost one ``is None`` test each.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Sequence
from contextlib import contextmanager
from contextvars import Token
from typing import Final

from opentelemetry import context, propagate, trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer, TracerProvider

from jobcontracts.runtime.observe import (
    Attempt,
    AttemptEnd,
    Outcome,
    add_process_observer,
    remove_process_observer,
    set_publish_tracer,
)

SYSTEM: Final = "jobcontracts"


class _OpenPublish:
    __slots__ = ("_span", "context")

    def __init__(self, span: Span, carrier: dict[str, str]) -> None:
        self._span = span
        self.context = json.dumps(carrier, separators=(",", ":")) if carrier else ""

    def set_job_ids(self, job_ids: Sequence[str]) -> None:
        if len(job_ids) == 1:
            self._span.set_attribute("messaging.message.id", job_ids[0])


class PublishTracer:
    """Opens ``publish {domain}`` around one enqueue call."""

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer

    @contextmanager
    def publish(self, domain: str, job_names: Sequence[str]) -> Generator[_OpenPublish]:
        attributes: dict[str, str | int] = {
            "messaging.system": SYSTEM,
            "messaging.destination.name": domain,
            "messaging.operation.type": "send",
            "messaging.operation.name": "publish",
        }
        if len(job_names) == 1:
            attributes["jobcontracts.job.name"] = job_names[0]
        else:
            attributes["messaging.batch.message_count"] = len(job_names)
        with self._tracer.start_as_current_span(
            f"publish {domain}", kind=SpanKind.PRODUCER, attributes=attributes
        ) as span:
            carrier: dict[str, str] = {}
            propagate.inject(carrier)
            yield _OpenPublish(span, carrier)


class TracingObserver:
    """Opens ``process {domain}`` for each attempt, as a child of the producer's span."""

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer
        self._open: dict[Attempt, tuple[Span, Token[Context]]] = {}

    def attempt_started(self, attempt: Attempt, wait_s: float) -> None:
        parent = None
        if attempt.trace_context:
            carrier: dict[str, str] = json.loads(attempt.trace_context)
            parent = propagate.extract(carrier)
        span = self._tracer.start_span(
            f"process {attempt.domain}",
            context=parent,
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": SYSTEM,
                "messaging.destination.name": attempt.domain,
                "messaging.message.id": attempt.job_id,
                "messaging.operation.type": "process",
                "messaging.operation.name": "process",
                "jobcontracts.job.name": attempt.job_name,
                "jobcontracts.job.attempt": attempt.number,
            },
        )
        token = context.attach(trace.set_span_in_context(span))
        self._open[attempt] = (span, token)

    def attempt_ended(self, attempt: Attempt, end: AttemptEnd) -> None:
        opened = self._open.pop(attempt, None)
        if opened is None:
            return
        span, token = opened
        span.set_attribute("jobcontracts.job.outcome", end.outcome.value)
        if end.error is not None:
            span.record_exception(end.error)
        if end.outcome in (Outcome.RETRY, Outcome.DEAD):
            reason = end.reason.value if end.reason else "error"
            span.set_attribute("error.type", reason)
            span.set_status(Status(StatusCode.ERROR, end.message or reason))
        context.detach(token)
        span.end()

    def job_stalled(self, domain: str, job_name: str, dead: bool) -> None:
        """A stall has no attempt of this process to attach to; nothing to trace."""


_installed: list[TracingObserver] = []


def instrument(tracer_provider: TracerProvider | None = None) -> None:
    """Trace every enqueue and every attempt of every worker started in this process."""
    uninstrument()
    tracer = trace.get_tracer("jobcontracts", tracer_provider=tracer_provider)
    observer = TracingObserver(tracer)
    set_publish_tracer(PublishTracer(tracer))
    add_process_observer(observer)
    _installed.append(observer)


def uninstrument() -> None:
    set_publish_tracer(None)
    while _installed:
        remove_process_observer(_installed.pop())
