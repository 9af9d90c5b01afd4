"""What travels through Redis is what the caller gave, by wire name, and nothing more."""

from __future__ import annotations

import json

from generated.github import QUEUE, JobName, SyncRepoPayload, add_job
from jobcontracts.runtime import Connection, QueueAdmin


def _stored_payload(connection: Connection, job_id: str) -> dict[str, object]:
    info = QueueAdmin("github", connection).job(job_id)
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
