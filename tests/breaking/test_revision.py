"""Schema revisions: computed from jobs.yaml, generated into each queue, stored with each job."""

from __future__ import annotations

import pytest

from generated import github
from jobcontracts.codegen.breaking.contract_diff import load_contract
from jobcontracts.runtime import Connection, JobOptions, QueueAdmin, Repeat, enqueue
from tests.cli.cli_support import ADA, ROOT, invoke, show_fields

SPEC = (ROOT / "jobs.yaml").read_text(encoding="utf-8")


def _revisions(text: str) -> dict[str, str]:
    contract = load_contract(text, "jobs.yaml")
    return {f"{d.key}.{j.key}": j.revision for d in contract.contracts.domains for j in d.jobs}


def test_revision_ignores_descriptions_and_titles() -> None:
    edited = SPEC.replace("description: Records written.", "description: Rows upserted.")
    edited = edited.replace("A repository on the code host", "One repository on the host")
    assert edited != SPEC
    assert _revisions(edited) == _revisions(SPEC)


def test_a_changed_definition_changes_the_revision_of_each_job_using_it_only() -> None:
    edited = SPEC.replace(
        "owner: {type: string, minLength: 1, maxLength: 100}",
        "owner: {type: string, minLength: 1, maxLength: 50}",
    )
    assert edited != SPEC
    before, after = _revisions(SPEC), _revisions(edited)
    assert after["github.sync_repo"] != before["github.sync_repo"]
    assert after["github.sync_data"] == before["github.sync_data"]
    assert after["email.send_welcome"] == before["email.send_welcome"]


def test_result_schema_is_part_of_the_revision() -> None:
    edited = SPEC.replace(
        "synced: {type: integer, minimum: 0,", "synced: {type: integer, minimum: 1,"
    )
    assert edited != SPEC
    assert _revisions(edited)["github.sync_data"] != _revisions(SPEC)["github.sync_data"]


def test_generated_queues_carry_the_revisions_of_jobs_yaml() -> None:
    revisions = _revisions(SPEC)
    for name, definition in github.QUEUE.jobs.items():
        assert definition.revision == revisions[f"github.{name}"]
        assert len(definition.revision) == 12


def test_each_job_and_repeat_stores_the_revision_that_wrote_it(
    connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # jobctl show finds generated/ there
    revision = github.QUEUE.jobs["sync_data"].revision
    payload = {"user_id": ADA, "data_source": "webhook"}
    job = enqueue(github.QUEUE, "sync_data", payload, JobOptions(), connection)
    occurrence = enqueue(
        github.QUEUE, "sync_data", payload, JobOptions(repeat=Repeat(every=3600)), connection
    )
    admin = QueueAdmin("github", connection)
    for job_id in (job.id, occurrence.id):
        info = admin.job(job_id)
        assert info is not None
        assert info.revision == revision
    (repeat,) = admin.repeats()
    assert repeat.revision == revision
    where = ["--prefix", connection.prefix, "--redis-url", connection.url]
    result = invoke(["show", "github", job.id, *where])
    assert result.exit_code == 0, result.stderr
    assert show_fields(result.stdout)["schema revision"] == revision
