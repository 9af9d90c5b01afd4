"""What travels through Redis is what the caller gave, by wire name, and nothing more."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID

import pytest
from pydantic import ValidationError

from generated.email import JobName as EmailJob
from generated.email import SendWelcomePayload
from generated.email import add_job as add_email_job
from generated.github import (
    QUEUE,
    JobName,
    SyncDataPayload,
    SyncDataPayloadDict,
    SyncDataResult,
    SyncRepoPayload,
    SyncRepoResult,
    add_job,
    create_worker,
)
from jobcontracts.runtime import Connection, InvalidPayloadError, JobContext, QueueAdmin
from jobcontracts.runtime.contract import ContractModel, JsonSchema, SchemaViolation
from jobcontracts.runtime.scripts import queue_scripts
from jobcontracts.runtime.serialization import dump_result, load_payload
from tests.runtime.runtime_testkit import fast_settings, raw_job, running, wait_counts


def _stored_payload(
    connection: Connection, job_id: str, domain: str = "github"
) -> dict[str, object]:
    info = QueueAdmin(domain, connection).job(job_id)
    assert info is not None
    payload: dict[str, object] = json.loads(info.payload)
    return payload


def test_omitted_optional_fields_do_not_travel_as_null(connection: Connection) -> None:
    job = add_job(
        JobName.SYNC_REPO, {"repository": {"owner": "octo", "name": "cat"}}, connection=connection
    )
    assert _stored_payload(connection, job.id) == {"repository": {"owner": "octo", "name": "cat"}}


def test_a_model_payload_keeps_the_fields_it_was_given(connection: Connection) -> None:
    payload = SyncRepoPayload.model_validate(
        {"repository": {"owner": "octo", "name": "cat"}, "labels": ["bug"]}
    )
    job = add_job(JobName.SYNC_REPO, payload, connection=connection)
    stored = _stored_payload(connection, job.id)
    assert stored == {"repository": {"owner": "octo", "name": "cat"}, "labels": ["bug"]}
    # and the worker side reads it back with the defaults filled in
    decoded = QUEUE.jobs["sync_repo"].payload_model.model_validate(stored)
    assert decoded.include_issues is False


# -- schema fidelity: JSON Schema is the judge on both sides of Redis ------------


def dict_form(data: dict[str, str]) -> SyncDataPayloadDict:
    return {"user_id": data["user_id"], "data_source": "webhook", "since": data["since"]}


def _repo(**extra: object) -> dict[str, object]:
    return {"repository": {"owner": "octo", "name": "cat"}, **extra}


def test_an_extra_property_travels_intact_to_the_worker(connection: Connection) -> None:
    payload = SyncRepoPayload.model_validate(_repo(pagez=9))
    job = add_job(JobName.SYNC_REPO, payload, connection=connection)
    stored = _stored_payload(connection, job.id)
    assert stored == _repo(pagez=9)
    decoded = load_payload(SyncRepoPayload, json.dumps(stored))
    assert decoded.model_extra == {"pagez": 9}


def test_omitted_and_explicit_null_stay_distinct_on_the_wire(connection: Connection) -> None:
    base = {"user_id": str(UUID(int=7)), "to": "ada@example.com", "locale": "en"}
    omitted = add_email_job(
        EmailJob.SEND_WELCOME, SendWelcomePayload.model_validate(base), connection=connection
    )
    explicit = add_email_job(
        EmailJob.SEND_WELCOME,
        SendWelcomePayload.model_validate({**base, "name": None}),
        connection=connection,
    )
    assert "name" not in _stored_payload(connection, omitted.id, "email")
    assert _stored_payload(connection, explicit.id, "email")["name"] is None


def test_null_is_refused_where_the_schema_does_not_allow_it(connection: Connection) -> None:
    with pytest.raises(ValidationError) as refused:
        SyncRepoPayload.model_validate(_repo(labels=None))
    assert [(e["loc"], e["msg"]) for e in refused.value.errors()] == [
        (("labels",), "null is not of type array")
    ]
    untyped: Any = _repo(labels=None)
    with pytest.raises(InvalidPayloadError, match="labels: null is not of type array"):
        add_job(JobName.SYNC_REPO, untyped, connection=connection)


@pytest.mark.parametrize(
    ("field", "value"),
    [("stars", "1"), ("stars", True), ("stars", 1.5), ("issues", None)],
)
def test_no_coercion_between_json_types(field: str, value: object) -> None:
    data: dict[str, object] = {"stars": 1, "issues": 2, field: value}
    with pytest.raises(ValidationError) as refused:
        SyncRepoResult.model_validate(data)
    assert [e["loc"] for e in refused.value.errors()] == [(field,)]
    with pytest.raises(SchemaViolation, match=f"{field}: "):
        dump_result(SyncRepoResult, data)


def test_an_integral_float_is_an_integer() -> None:
    assert SyncRepoResult.model_validate({"stars": 1.0, "issues": 0}).stars == 1
    assert json.loads(dump_result(SyncRepoResult, {"stars": 1.0, "issues": 0})) == {
        "stars": 1.0,
        "issues": 0,
    }


def test_formats_take_python_objects_and_keep_their_text(connection: Connection) -> None:
    user = UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
    since = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    job = add_job(
        JobName.SYNC_DATA,
        SyncDataPayload(user_id=user, data_source="webhook", since=since),
        connection=connection,
    )
    stored = _stored_payload(connection, job.id)
    assert stored["user_id"] == str(user)
    assert stored["since"] == "2024-05-01T12:00:00+00:00"
    # Text the schema accepts travels exactly as given, whichever path built the payload.
    text = {"user_id": str(user).upper(), "data_source": "webhook", "since": "2016-12-31T23:59:60Z"}
    from_dict = add_job(JobName.SYNC_DATA, dict_form(text), connection=connection)
    from_model = add_job(
        JobName.SYNC_DATA, SyncDataPayload.model_validate(text), connection=connection
    )
    assert _stored_payload(connection, from_dict.id) == text
    assert _stored_payload(connection, from_model.id) == text
    parsed = SyncDataPayload.model_validate(text)
    assert parsed.since == datetime(2016, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)
    with pytest.raises(ValidationError, match="is not a valid date-time"):
        SyncDataPayload(user_id=user, data_source="webhook", since=datetime(2024, 5, 1))


def test_a_model_changed_after_it_was_built_is_judged_again(connection: Connection) -> None:
    payload = SyncRepoPayload.model_validate(_repo())
    payload.labels = ["bug"] * 21  # models do not validate assignments; the dump is judged
    with pytest.raises(InvalidPayloadError, match=r"labels: .* has more items than 20"):
        add_job(JobName.SYNC_REPO, payload, connection=connection)
    result = SyncRepoResult(stars=1, issues=2)
    result.stars = -1
    with pytest.raises(SchemaViolation, match="stars: -1 is less than 0"):
        dump_result(SyncRepoResult, result)


class _Handlers:
    def __init__(self) -> None:
        self.seen: list[SyncRepoPayload] = []

    async def sync_data(self, payload: SyncDataPayload, ctx: JobContext, /) -> SyncDataResult:
        return SyncDataResult(synced=0)

    async def sync_repo(self, payload: SyncRepoPayload, ctx: JobContext, /) -> SyncRepoResult:
        self.seen.append(payload)
        return SyncRepoResult(stars=-1, issues=0)  # outside the result schema: minimum 0


async def test_the_worker_judges_stored_json_by_the_same_schema(connection: Connection) -> None:
    scripts = queue_scripts(connection, "github")
    foreign = [  # as another producer might have written them
        ("empty-owner", b'{"repository": {"owner": "", "name": "cat"}}'),
        ("number-flag", b'{"repository": {"owner": "o", "name": "c"}, "include_issues": 1}'),
    ]
    for job_id, raw in foreign:
        scripts.add_jobs(connection.now_ms(), [raw_job(job_id, "sync_repo", raw, attempts=1)])
    handlers = _Handlers()
    admin = QueueAdmin("github", connection)
    good = add_job(
        JobName.SYNC_REPO,
        SyncRepoPayload.model_validate(_repo()),
        attempts=1,
        connection=connection,
    )
    async with running(create_worker(handlers, connection=connection, settings=fast_settings())):
        await wait_counts(admin, dead=3)
    reasons = {d.id: d.reason for d in await admin.dead_letters_async()}
    assert 'repository.owner: "" is shorter than 1' in reasons["empty-owner"]
    assert "include_issues: 1 is not of type boolean" in reasons["number-flag"]
    assert "stars: -1 is less than 0" in reasons[good.id]
    assert len(handlers.seen) == 1


class _AnyValue(ContractModel):
    """A result whose schema admits every JSON value."""

    __contract_schema__: ClassVar[JsonSchema] = {}


STORED: list[object] = [
    {"i": 5},
    {"text": 'ü "quoted" \\ \n\t\u2028 \U0001f600', "empty": "", "nested": {"a": [[], {}]}},
    {"n": [0, -1, 2**70, 0.1, -2.5e-300, 1e300, 3.0], "flags": [True, False, None]},
    [1, "two", {"3": 3}],
    "a bare string",
    12,
    None,
]


@pytest.mark.parametrize("value", STORED)
def test_stored_json_is_the_standard_compact_encoding(value: object) -> None:
    """Payloads and results are written as ``json.dumps`` writes them, compact, non-ASCII kept."""
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert dump_result(_AnyValue, value) == expected
