"""``jobctl show --traceback`` and ``jobctl dlq list --traceback`` print what the worker stored."""

from __future__ import annotations

import pytest

from generated import github
from jobcontracts.runtime import Connection, JobOptions, QueueAdmin, enqueue
from tests.cli.cli_support import ADA, GRACE, ROOT, invoke
from tests.cli.test_cli_ops import make_dead


@pytest.fixture(autouse=True)
def _in_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def where(connection: Connection) -> list[str]:
    return ["--prefix", connection.prefix, "--redis-url", connection.url]


async def test_show_traceback_prints_each_failed_attempts_traceback(
    connection: Connection,
) -> None:
    (dead,) = await make_dead(connection, QueueAdmin("github", connection), [GRACE])

    plain = invoke(["show", "github", dead, *where(connection)])
    assert plain.exit_code == 0, plain.stderr
    assert "Traceback" not in plain.stdout

    result = invoke(["show", "github", dead, "--traceback", *where(connection)])
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    heading = f"attempt 1: unrecoverable: user {GRACE} was deleted upstream"
    assert heading in text
    after = text[text.index(heading) :]
    # verbatim, unfolded: the traceback's own lines, from its first to its last
    assert "Traceback (most recent call last):" in after
    assert "in sync_data" in after
    assert f"jobcontracts.runtime.errors.Unrecoverable: user {GRACE} was deleted upstream" in after


async def test_dlq_list_traceback_prints_one_traceback_per_dead_letter(
    connection: Connection,
) -> None:
    ids = await make_dead(connection, QueueAdmin("github", connection), [ADA, GRACE])
    result = invoke(["dlq", "list", "github", "--traceback", *where(connection)])
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert text.count("Traceback (most recent call last):") == 2
    for job_id, user in zip(ids, [ADA, GRACE], strict=True):
        section = text[text.index(f"{job_id} (sync_data)") :]
        assert f"Unrecoverable: user {user} was deleted upstream" in section


def test_show_traceback_of_a_job_that_never_failed_says_so(connection: Connection) -> None:
    job = enqueue(
        github.QUEUE,
        "sync_data",
        {"user_id": ADA, "data_source": "webhook"},
        JobOptions(),
        connection,
    )
    result = invoke(["show", "github", job.id, "--traceback", *where(connection)])
    assert result.exit_code == 0, result.stderr
    assert "no failed attempts, so no traceback" in result.stdout
