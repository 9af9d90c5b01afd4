"""Read every stored job and repeat of a queue: read-only, a bounded batch at a time.

``jobctl breaking --live`` checks what sits in Redis against a new contract.
It must change nothing and must not hold a whole queue in memory, so state
sets are walked with ZSCAN, the LIST of waiting priority-0 jobs with LRANGE
from its tail, job hashes are fetched with one pipelined HMGET per batch, and
repeats with HSCAN: memory follows the batch, not the queue. A job that moves
between keys during the walk may be seen twice or not at all (SCAN only
promises members present for the whole walk, and so does the LIST walk:
claims take from the head and enqueues add at the tail, so counting from the
tail a job can only move further away, into what is still to read); the
report is about a live queue, so that is accepted and documented. On a Cluster each
call goes to the primary of the queue's slot (rerouted on redirects), and
queues are discovered on every primary.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import cast

from .connection import Connection
from .keys import QueueKeys
from .routing import call_routed
from .states import JobState
from .wire import REPEAT_COUNT_PREFIX, JobField, RepeatField

DEFAULT_BATCH = 500
_GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")


@dataclass(frozen=True, slots=True)
class StoredJob:
    """A job as a worker would read it: its name, raw payload and the revision that wrote it."""

    id: str
    state: JobState
    name: str
    payload: bytes
    revision: str | None


def _keys(connection: Connection, domain: str) -> QueueKeys:
    return QueueKeys.build(connection.prefix, domain)


def _state_sets(keys: QueueKeys) -> tuple[tuple[str, JobState], ...]:
    """Every set whose jobs a worker will still read: completed jobs are done with."""
    return (
        (keys.wait, JobState.WAITING),
        (keys.delayed, JobState.DELAYED),
        (keys.retry, JobState.FAILED),
        (keys.active, JobState.ACTIVE),
        (keys.dead, JobState.DEAD),
    )


def stored_domains(connection: Connection, batch: int = 1000) -> list[str]:
    """Domains with a queue under ``connection.prefix`` (found by their id counter key)."""
    escaped = _GLOB_SPECIAL.sub(r"\\\1", connection.prefix)
    found: set[str] = set()
    for node in connection.primaries():
        for raw in node.sync_client().scan_iter(match=f"{escaped}:{{*}}:id", count=batch):
            key = cast("bytes", raw).decode(errors="replace")
            inner = key[len(connection.prefix) + 1 : -len(":id")]
            if inner.startswith("{") and inner.endswith("}"):
                found.add(inner[1:-1])
    return sorted(found)


def stored_jobs(
    connection: Connection, domain: str, batch: int = DEFAULT_BATCH
) -> Iterator[StoredJob]:
    """Every job of ``domain`` in waiting, delayed, failed (retrying), active or dead."""
    keys = _keys(connection, domain)
    yield from _listed_jobs(connection, keys, batch)
    for set_key, state in _state_sets(keys):
        cursor = 0
        while True:
            cursor, members = call_routed(
                connection, set_key, partial(_zscan, key=set_key, cursor=cursor, batch=batch)
            )
            yield from _read_jobs(connection, keys, [member for member, _ in members], state)
            if cursor == 0:
                break


def _listed_jobs(connection: Connection, keys: QueueKeys, batch: int) -> Iterator[StoredJob]:
    """The jobs of the ``fifo`` LIST, a batch at a time from the tail until its head."""
    end = -1
    while True:
        ids = call_routed(
            connection, keys.fifo, partial(_lrange, key=keys.fifo, start=end - batch + 1, end=end)
        )
        yield from _read_jobs(connection, keys, ids, JobState.WAITING)
        if len(ids) < batch:
            break
        end -= batch


def _lrange(node: Connection, *, key: str, start: int, end: int) -> list[bytes]:
    return cast("list[bytes]", node.sync_client().lrange(key, start, end))


def _zscan(
    node: Connection, *, key: str, cursor: int, batch: int
) -> tuple[int, list[tuple[bytes, float]]]:
    return cast(
        "tuple[int, list[tuple[bytes, float]]]",
        node.sync_client().zscan(key, cursor, count=batch),
    )


def _hscan(
    node: Connection, *, key: str, cursor: int, batch: int
) -> tuple[int, dict[bytes, bytes]]:
    return cast(
        "tuple[int, dict[bytes, bytes]]", node.sync_client().hscan(key, cursor, count=batch)
    )


_READ = [JobField.NAME, JobField.PAYLOAD, JobField.REVISION, JobField.OPTIONS]


def _hmget_all(node: Connection, keys: QueueKeys, ids: list[bytes]) -> list[list[bytes | None]]:
    """(name, payload, revision) per job; a revision kept in a shared options record is read
    from it (one HMGET per batch), so a job shows the revision it was enqueued with."""
    pipe = node.sync_client().pipeline(transaction=False)
    for raw_id in ids:
        pipe.hmget(keys.job_prefix + raw_id.decode(), _READ)
    rows = cast("list[list[bytes | None]]", pipe.execute())
    shared = sorted({row[3] for row in rows if row[2] is None and row[3] is not None})
    if shared:
        records = cast("list[bytes | None]", node.sync_client().hmget(keys.options, shared))
        revisions = {n: _record_revision(r) for n, r in zip(shared, records, strict=True)}
        for row in rows:
            if row[2] is None and row[3] is not None:
                row[2] = revisions[row[3]]
    return [row[:3] for row in rows]


def _record_revision(raw: bytes | None) -> bytes | None:
    if raw is None:
        return None
    try:
        revision = json.loads(raw).get(JobField.REVISION)
    except (ValueError, AttributeError):
        return None
    return revision.encode() if isinstance(revision, str) and revision else None


def _read_jobs(
    connection: Connection, keys: QueueKeys, ids: list[bytes], state: JobState
) -> Iterator[StoredJob]:
    if not ids:
        return
    rows = call_routed(connection, keys.wait, lambda node: _hmget_all(node, keys, ids))
    for raw_id, (name, payload, revision) in zip(ids, rows, strict=True):
        if name is None or payload is None:
            continue  # removed between the scan and the read
        yield StoredJob(
            id=raw_id.decode(),
            state=state,
            name=name.decode(errors="replace"),
            payload=payload,
            revision=revision.decode(errors="replace") if revision else None,
        )


@dataclass(frozen=True, slots=True)
class StoredRepeat:
    """A repeat definition: every future occurrence will carry this payload."""

    key: str
    name: str
    payload: str
    revision: str | None


def stored_repeats(
    connection: Connection, domain: str, batch: int = DEFAULT_BATCH
) -> Iterator[StoredRepeat]:
    """Every repeat definition of ``domain`` (the ``#key`` counters are skipped)."""
    keys = _keys(connection, domain)
    cursor = 0
    while True:
        cursor, entries = call_routed(
            connection, keys.repeats, partial(_hscan, key=keys.repeats, cursor=cursor, batch=batch)
        )
        for raw_key, raw in entries.items():
            key = raw_key.decode(errors="replace")
            if not key.startswith(REPEAT_COUNT_PREFIX):
                yield _repeat(key, raw)
        if cursor == 0:
            break


def _repeat(key: str, raw: bytes) -> StoredRepeat:
    try:
        definition = json.loads(raw)
        return StoredRepeat(
            key=key,
            name=str(definition[RepeatField.NAME]),
            payload=str(definition[RepeatField.PAYLOAD]),
            revision=(
                str(definition[RepeatField.REVISION])
                if definition.get(RepeatField.REVISION)
                else None
            ),
        )
    except (ValueError, KeyError, TypeError):
        return StoredRepeat(key=key, name="", payload="", revision=None)
