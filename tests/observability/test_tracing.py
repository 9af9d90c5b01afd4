"""Traces: the producer's span travels with the job and each attempt continues it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from jobcontracts.observability.tracing import instrument, uninstrument
from jobcontracts.runtime import (
    Connection,
    JobContext,
    JobOptions,
    QueueAdmin,
    Worker,
    enqueue,
    enqueue_many_async,
)
from jobcontracts.runtime.observe import publish_tracer
from tests.runtime.runtime_testkit import Echo, Recorder, fast_settings, make_queue, running
from tests.runtime.runtime_testkit import wait_counts as wait_for_counts

QUEUE = make_queue("traced")


PROVIDER = TracerProvider()
EXPORTER = InMemorySpanExporter()
PROVIDER.add_span_processor(SimpleSpanProcessor(EXPORTER))


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    EXPORTER.clear()
    instrument(PROVIDER)
    try:
        yield EXPORTER
    finally:
        uninstrument()


def named(exporter: InMemorySpanExporter, name: str) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.name == name]


async def test_attempts_continue_the_producers_trace(
    connection: Connection, spans: InMemorySpanExporter
) -> None:
    rec = Recorder()
    rec.fail_until_attempt = 1
    admin = QueueAdmin("traced", connection)
    async with running(Worker(QUEUE, rec, connection=connection, settings=fast_settings())):
        job = enqueue(QUEUE, "double", {"value": 2}, JobOptions(), connection)
        await wait_for_counts(admin, completed=1)
    (publish,) = named(spans, "publish traced")
    first, second = sorted(named(spans, "process traced"), key=lambda s: s.start_time or 0)
    assert publish.kind is SpanKind.PRODUCER
    assert publish.attributes is not None
    assert publish.attributes["messaging.system"] == "jobcontracts"
    assert publish.attributes["messaging.destination.name"] == "traced"
    assert publish.attributes["messaging.message.id"] == job.id
    assert publish.context is not None
    for attempt, span in enumerate((first, second), start=1):
        assert span.kind is SpanKind.CONSUMER
        assert span.parent is not None
        assert span.parent.span_id == publish.context.span_id
        assert span.context is not None
        assert span.context.trace_id == publish.context.trace_id
        assert span.attributes is not None
        assert span.attributes["messaging.message.id"] == job.id
        assert span.attributes["jobcontracts.job.name"] == "double"
        assert span.attributes["jobcontracts.job.attempt"] == attempt
    assert first.status.status_code is StatusCode.ERROR
    assert [e.name for e in first.events] == ["exception"]
    assert first.events[0].attributes is not None
    assert "boom on attempt 1" in str(first.events[0].attributes["exception.message"])
    assert second.status.status_code is not StatusCode.ERROR
    assert second.events == ()


async def test_handler_spans_are_children_of_the_attempt(
    connection: Connection, spans: InMemorySpanExporter
) -> None:
    rec = Recorder()

    async def handler_span(payload: Echo, ctx: JobContext) -> None:
        tracer = trace.get_tracer("handler", tracer_provider=PROVIDER)
        with tracer.start_as_current_span("handler work"):
            pass

    rec.hook = handler_span
    admin = QueueAdmin("traced", connection)
    async with running(Worker(QUEUE, rec, connection=connection, settings=fast_settings())):
        enqueue(QUEUE, "double", {"value": 2}, JobOptions(), connection)
        await wait_for_counts(admin, completed=1)
    (process,) = named(spans, "process traced")
    (work,) = named(spans, "handler work")
    assert work.parent is not None
    assert process.context is not None
    assert work.parent.span_id == process.context.span_id


async def test_a_batch_is_one_publish_span(
    connection: Connection, spans: InMemorySpanExporter
) -> None:
    admin = QueueAdmin("traced", connection)
    async with running(Worker(QUEUE, Recorder(), connection=connection, settings=fast_settings())):
        items = [("double", {"value": n}) for n in range(3)]
        await enqueue_many_async(QUEUE, items, connection)
        await wait_for_counts(admin, completed=3)
    (publish,) = named(spans, "publish traced")
    assert publish.attributes is not None
    assert publish.attributes["messaging.batch.message_count"] == 3
    processed = named(spans, "process traced")
    assert len(processed) == 3
    assert publish.context is not None
    assert all(s.parent and s.parent.span_id == publish.context.span_id for s in processed)


def test_uninstrument_removes_every_hook(spans: InMemorySpanExporter) -> None:
    assert publish_tracer() is not None
    uninstrument()
    assert publish_tracer() is None
