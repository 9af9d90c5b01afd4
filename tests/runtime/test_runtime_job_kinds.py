"""A job kind's work done once (``job_kinds``) changes no byte and no refusal.

Calls that override no option take their arguments from the kind as worked out
once; these tests hold them to what resolving the options on every call stores,
and to the order in which a call refuses a bad payload and bad options.
"""

# pyright: reportUnknownMemberType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

from typing import ClassVar, cast

import pytest

from jobcontracts.runtime import (
    NO_OVERRIDES,
    Connection,
    InvalidOptionsError,
    InvalidPayloadError,
    JobDefaults,
    JobDefinition,
    JobOptions,
    QueueDefinition,
    enqueue,
    enqueue_async,
    enqueue_many,
)
from jobcontracts.runtime.contract import ContractModel, JsonSchema
from jobcontracts.runtime.keys import QueueKeys
from jobcontracts.runtime.wire import JobField
from tests.runtime.runtime_testkit import make_queue


class Count(ContractModel):
    __contract_schema__: ClassVar[JsonSchema] = {
        "type": "object",
        "required": ["n"],
        "properties": {"n": {"type": "integer", "minimum": 0}},
        "additionalProperties": False,
    }
    n: int


PLAIN = make_queue(domain="kinds")
"""Its payload model is a plain pydantic model: validated by pydantic, not a schema judge."""
JUDGED = QueueDefinition(
    domain="kinds_judged",
    jobs={"double": JobDefinition(name="double", payload_model=Count, result_model=None)},
)
PAYLOADS = {PLAIN.domain: {"value": 7}, JUDGED.domain: {"n": 7}}
MOMENTS = {JobField.ENQUEUED_AT, JobField.WAIT_SCORE}
"""The fields that differ between two jobs enqueued alike (their ids aside)."""


def _fields(connection: Connection, queue: QueueDefinition, job_id: str) -> dict[str, str]:
    key = QueueKeys.build(connection.prefix, queue.domain).job_prefix + job_id
    raw = cast("dict[bytes, bytes]", connection.route(key).sync_client().hgetall(key))
    return {k.decode(): v.decode() for k, v in raw.items() if k.decode() not in MOMENTS}


@pytest.mark.parametrize("queue", [PLAIN, JUDGED], ids=["plain", "judged"])
async def test_overriding_nothing_stores_what_resolving_empty_options_stores(
    connection: Connection, queue: QueueDefinition
) -> None:
    payload = PAYLOADS[queue.domain]
    many = [("double", payload), ("double", payload, JobOptions())]
    jobs = [
        await enqueue_async(queue, "double", payload, NO_OVERRIDES, connection),
        await enqueue_async(queue, "double", payload, JobOptions(), connection),
        enqueue(queue, "double", payload, NO_OVERRIDES, connection),
        enqueue(queue, "double", payload, JobOptions(), connection),
        *enqueue_many(queue, many, connection),  # type: ignore[arg-type]
    ]
    stored = [_fields(connection, queue, job.id) for job in jobs]
    assert all(fields == stored[0] for fields in stored), stored
    assert all(job.created and job.name in ("double", "") for job in jobs)
    assert len({job.id for job in jobs}) == len(jobs)


async def test_a_given_job_id_found_again_is_not_created(connection: Connection) -> None:
    options = JobOptions(job_id="k")
    first = await enqueue_async(PLAIN, "double", {"value": 1}, options, connection)
    again = await enqueue_async(PLAIN, "double", {"value": 1}, options, connection)
    assert (first.id, first.created) == ("k", True)
    assert (again.id, again.created) == ("k", False)


async def test_kind_defaults_that_do_not_resolve_are_refused_after_the_payload(
    connection: Connection,
) -> None:
    queue = make_queue(domain="kinds_bad", defaults=JobDefaults(priority=10**9))
    with pytest.raises(InvalidPayloadError):
        await enqueue_async(queue, "double", {"value": "x"}, NO_OVERRIDES, connection)
    with pytest.raises(InvalidOptionsError, match="priority"):
        await enqueue_async(queue, "double", {"value": 1}, NO_OVERRIDES, connection)
    with pytest.raises(InvalidOptionsError, match="priority"):
        enqueue(queue, "double", {"value": 1}, NO_OVERRIDES, connection)


@pytest.mark.parametrize(
    ("payload", "where"),
    [({"n": -1}, "n"), ({"n": 1, "x": 2}, "x"), ({1: 2}, "<payload>"), ({}, "n")],
)
async def test_a_payload_its_schema_refuses_is_refused_with_where(
    connection: Connection, payload: dict[object, object], where: str
) -> None:
    with pytest.raises(InvalidPayloadError) as refused:
        await enqueue_async(JUDGED, "double", payload, NO_OVERRIDES, connection)  # type: ignore[arg-type]
    assert refused.value.fields == (where,)
    with pytest.raises(InvalidPayloadError):
        enqueue(JUDGED, "double", payload, NO_OVERRIDES, connection)  # type: ignore[arg-type]
