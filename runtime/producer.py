"""Enqueueing: validate the payload, then one round trip to Redis.

Validation and option merging happen in Python before any I/O, so a bad
payload or contradictory options never write a byte. A single job is one
``add_jobs.lua`` call (hash + index + wake-up marker, or the existing id for
an explicit ``job_id``: idempotent enqueue); concurrent ``enqueue_async`` calls
of a queue share one such call (``coalescing``), as do concurrent ``enqueue``
calls from threads (``thread_coalescing``). ``enqueue_many`` validates
everything first, then sends the jobs in chunks, one script call per chunk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeAlias

from pydantic import BaseModel

from .coalescing import add_job_coalesced
from .connection import Connection, default_connection
from .definitions import QueueDefinition
from .errors import InvalidOptionsError
from .handle import AsyncJob, Job
from .ids import is_generated_id, new_job_id
from .job_kinds import JobKind, job_kind
from .observe import publish_tracer
from .options import NO_OVERRIDES, JobOptions
from .repeat import first_occurrence, repeat_definition
from .resolution import ResolvedOptions, add_job_args, repeat_key, resolve
from .scripts import queue_scripts
from .thread_coalescing import add_job_shared
from .wire import AddJobArgs

Payload: TypeAlias = BaseModel | Mapping[str, Any]
BulkItem: TypeAlias = tuple[str, Payload] | tuple[str, Payload, JobOptions]
"""One job of ``enqueue_many``: ``(name, payload)`` or ``(name, payload, options)``."""

DEFAULT_CHUNK = 1000


def _prepare(
    queue: QueueDefinition, name: str, payload: Payload, options: JobOptions
) -> tuple[JobKind, ResolvedOptions, str]:
    """The job's kind, its options and its payload's JSON; raises before any I/O if invalid."""
    kind = job_kind(queue, name)
    payload_json = kind.payload_json(queue, name, payload)
    resolved = kind.defaults
    if options is not NO_OVERRIDES or resolved is None:
        resolved = resolve(kind.definition, options)
    return kind, resolved, payload_json


def _wire(
    kind: JobKind,
    resolved: ResolvedOptions,
    name: str,
    payload_json: str,
    now_ms: int,
    trace_context: str,
) -> AddJobArgs:
    """The job's ``add_jobs`` arguments, with the id made here when the caller gave none.

    A retry after a lost reply then finds the job it added instead of adding it
    again (``ids.py``). A job with its kind's own options takes the rest of its
    arguments from the kind as they are.
    """
    if resolved is kind.defaults and not trace_context:
        return add_job_args(
            AddJobArgs, (new_job_id(now_ms), payload_json, name, *kind.default_tail)
        )
    made_id = "" if resolved.job_id else new_job_id(now_ms)
    return resolved.wire(name, payload_json, "", trace_context, made_id)


def _repeat_args(
    name: str, payload: str, resolved: ResolvedOptions, now_ms: int
) -> tuple[str, str, int]:
    assert resolved.repeat is not None
    key = repeat_key(name, resolved.repeat, payload, resolved.job_id)
    first = first_occurrence(resolved.repeat, now_ms + resolved.delay_ms)
    return key, repeat_definition(name, payload, resolved, resolved.repeat), first


def enqueue(
    queue: QueueDefinition,
    name: str,
    payload: BaseModel | Mapping[str, Any],
    options: JobOptions,
    connection: Connection | None = None,
) -> Job[Any]:
    """Validate ``payload`` against the job's model and add the job; nothing is written if invalid.

    With ``options.repeat`` the repeat is stored and the handle points at its
    first occurrence (``repeat:<key>:<ms>``, delayed until then).
    """
    kind, resolved, payload_json = _prepare(queue, name, payload, options)
    conn = connection or default_connection()
    tracer = publish_tracer()
    if tracer is None and resolved.repeat is None:  # _add's common case, one call fewer
        conn.sync_clock()
        wire = _wire(kind, resolved, name, payload_json, conn.now_ms(), "")
        job_id, created = add_job_shared(conn, queue.domain, wire)
        return Job(
            job_id, queue.domain, kind.result_model, conn, created or not resolved.job_id, name
        )
    if tracer is None:
        return _add(queue, kind, name, payload_json, resolved, conn, "")
    with tracer.publish(queue.domain, (name,)) as span:
        job = _add(queue, kind, name, payload_json, resolved, conn, span.context)
        span.set_job_ids((job.id,))
        return job


def _add(
    queue: QueueDefinition,
    kind: JobKind,
    name: str,
    payload_json: str,
    resolved: ResolvedOptions,
    conn: Connection,
    trace_context: str,
) -> Job[Any]:
    conn.sync_clock()
    now = conn.now_ms()
    if resolved.repeat is not None:
        key, definition, first = _repeat_args(name, payload_json, resolved, now)
        job_id, _, created = queue_scripts(conn, queue.domain).add_repeat(
            now, key, definition, first
        )
        return Job(job_id, queue.domain, kind.result_model, conn, created, name)
    wire = _wire(kind, resolved, name, payload_json, now, trace_context)
    job_id, created = add_job_shared(conn, queue.domain, wire)
    return Job(job_id, queue.domain, kind.result_model, conn, created or not resolved.job_id, name)


async def enqueue_async(
    queue: QueueDefinition,
    name: str,
    payload: BaseModel | Mapping[str, Any],
    options: JobOptions,
    connection: Connection | None = None,
) -> AsyncJob[Any]:
    """The asyncio twin of ``enqueue``."""
    kind, resolved, payload_json = _prepare(queue, name, payload, options)
    conn = connection or default_connection()
    tracer = publish_tracer()
    if tracer is None and resolved.repeat is None:  # _add_async's common case, one coroutine fewer
        if conn.clock_stale:
            await conn.sync_clock_async()
        wire = _wire(kind, resolved, name, payload_json, conn.now_ms(), "")
        job_id, created = await add_job_coalesced(conn, queue.domain, wire)
        return AsyncJob(
            job_id, queue.domain, kind.result_model, conn, created or not resolved.job_id, name
        )
    if tracer is None:
        return await _add_async(queue, kind, name, payload_json, resolved, conn, "")
    with tracer.publish(queue.domain, (name,)) as span:
        job = await _add_async(queue, kind, name, payload_json, resolved, conn, span.context)
        span.set_job_ids((job.id,))
        return job


async def _add_async(
    queue: QueueDefinition,
    kind: JobKind,
    name: str,
    payload_json: str,
    resolved: ResolvedOptions,
    conn: Connection,
    trace_context: str,
) -> AsyncJob[Any]:
    if conn.clock_stale:
        await conn.sync_clock_async()
    now = conn.now_ms()
    if resolved.repeat is not None:
        key, definition, first = _repeat_args(name, payload_json, resolved, now)
        job_id, _, created = await queue_scripts(conn, queue.domain).add_repeat_async(
            now, key, definition, first
        )
        return AsyncJob(job_id, queue.domain, kind.result_model, conn, created, name)
    wire = _wire(kind, resolved, name, payload_json, now, trace_context)
    job_id, created = await add_job_coalesced(conn, queue.domain, wire)
    return AsyncJob(
        job_id, queue.domain, kind.result_model, conn, created or not resolved.job_id, name
    )


def _created(job_id: str, created: bool) -> bool:
    """A generated id (a form a caller's ``job_id`` may not take) is this call's own job:
    a retry that found it found the job this call added."""
    return created or is_generated_id(job_id)


_Prepared: TypeAlias = tuple[str, ResolvedOptions, str, str]
"""A validated bulk job: name, options, payload JSON, the id made for it ('' if given)."""


def _prepare_many(queue: QueueDefinition, jobs: Iterable[BulkItem], now_ms: int) -> list[_Prepared]:
    prepared: list[_Prepared] = []
    for item in jobs:
        name = item[0]
        options = item[2] if len(item) == 3 else NO_OVERRIDES
        _, resolved, payload_json = _prepare(queue, name, item[1], options)
        if resolved.repeat is not None:
            raise InvalidOptionsError(
                "enqueue_many does not take repeat options; use enqueue for repeats"
            )
        made_id = "" if resolved.job_id else new_job_id(now_ms)
        prepared.append((name, resolved, payload_json, made_id))
    return prepared


def _wires(prepared: Sequence[_Prepared], trace_context: str) -> list[tuple[str, AddJobArgs]]:
    return [
        (name, resolved.wire(name, payload_json, "", trace_context, made_id))
        for name, resolved, payload_json, made_id in prepared
    ]


def _chunks(
    items: Sequence[tuple[str, AddJobArgs]], size: int
) -> Iterable[Sequence[tuple[str, AddJobArgs]]]:
    if size < 1:
        raise ValueError("chunk_size must be >= 1")
    for start in range(0, len(items), size):
        yield items[start : start + size]


def enqueue_many(
    queue: QueueDefinition,
    jobs: Iterable[BulkItem],
    connection: Connection | None = None,
    *,
    chunk_size: int = DEFAULT_CHUNK,
) -> list[Job[Any]]:
    """Validate every job, then add them in chunks (one script call per chunk).

    Nothing is written if any payload or option is invalid. Each chunk is
    atomic; chunks are not atomic with each other. Repeats are refused.
    """
    conn = connection or default_connection()
    conn.sync_clock()
    prepared = _prepare_many(queue, jobs, conn.now_ms())
    tracer = publish_tracer()
    if tracer is None:
        return _add_many(queue, _wires(prepared, ""), conn, chunk_size)
    with tracer.publish(queue.domain, [name for name, _, _, _ in prepared]) as span:
        handles = _add_many(queue, _wires(prepared, span.context), conn, chunk_size)
        span.set_job_ids([job.id for job in handles])
        return handles


def _add_many(
    queue: QueueDefinition,
    prepared: Sequence[tuple[str, AddJobArgs]],
    conn: Connection,
    chunk_size: int,
) -> list[Job[Any]]:
    scripts = queue_scripts(conn, queue.domain)
    handles: list[Job[Any]] = []
    for chunk in _chunks(prepared, chunk_size):
        added = scripts.add_jobs(conn.now_ms(), [wire for _, wire in chunk])
        for (name, _), (job_id, created) in zip(chunk, added, strict=True):
            handles.append(
                Job(
                    job_id,
                    queue.domain,
                    queue.jobs[name].result_model,
                    conn,
                    created=_created(job_id, created),
                )
            )
    return handles


async def enqueue_many_async(
    queue: QueueDefinition,
    jobs: Iterable[BulkItem],
    connection: Connection | None = None,
    *,
    chunk_size: int = DEFAULT_CHUNK,
) -> list[AsyncJob[Any]]:
    """The asyncio twin of ``enqueue_many``."""
    conn = connection or default_connection()
    await conn.sync_clock_async()
    prepared = _prepare_many(queue, jobs, conn.now_ms())
    tracer = publish_tracer()
    if tracer is None:
        return await _add_many_async(queue, _wires(prepared, ""), conn, chunk_size)
    with tracer.publish(queue.domain, [name for name, _, _, _ in prepared]) as span:
        handles = await _add_many_async(queue, _wires(prepared, span.context), conn, chunk_size)
        span.set_job_ids([job.id for job in handles])
        return handles


async def _add_many_async(
    queue: QueueDefinition,
    prepared: Sequence[tuple[str, AddJobArgs]],
    conn: Connection,
    chunk_size: int,
) -> list[AsyncJob[Any]]:
    scripts = queue_scripts(conn, queue.domain)
    handles: list[AsyncJob[Any]] = []
    for chunk in _chunks(prepared, chunk_size):
        added = await scripts.add_jobs_async(conn.now_ms(), [wire for _, wire in chunk])
        for (name, _), (job_id, created) in zip(chunk, added, strict=True):
            handles.append(
                AsyncJob(
                    job_id,
                    queue.domain,
                    queue.jobs[name].result_model,
                    conn,
                    created=_created(job_id, created),
                )
            )
    return handles
