"""``jobctl enqueue/stats/show/dlq/pause/resume/--version`` against a real Redis.

Every command runs in-process through typer's CliRunner with ``--prefix`` set
to the test's own namespace; queue states are set up with the runtime API and
a real ``Worker`` running the generated github queue in this event loop.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from importlib.metadata import version

import pytest
from typer.testing import CliRunner

from generated import github
from generated.github import SyncDataPayload, SyncDataResult
from jobcontracts.cli.app import app
from jobcontracts.cli.output import out_console
from jobcontracts.runtime import (
    Backoff,
    Connection,
    JobContext,
    JobOptions,
    JobState,
    QueueAdmin,
    Unrecoverable,
    Worker,
    enqueue,
)
from jobcontracts.runtime.testing import free_port
from tests.cli.cli_support import (
    ADA,
    FAST,
    GRACE,
    ROOT,
    WIDE,
    GithubStub,
    flat,
    invoke,
    keys_under,
    show_fields,
    table_row,
    wait_counts,
    wait_for,
)
from tests.runtime.runtime_testkit import running

SYNC_DATA = json.dumps({"user_id": ADA, "data_source": "webhook"})


@pytest.fixture(autouse=True)
def _in_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--out generated`` (the default) is resolved against the working directory."""
    monkeypatch.chdir(ROOT)


@pytest.fixture
def where(connection: Connection) -> list[str]:
    """The options that point a command at this test's Redis namespace."""
    return ["--prefix", connection.prefix, "--redis-url", connection.url]


@pytest.fixture
def admin(connection: Connection) -> QueueAdmin:
    return QueueAdmin("github", connection)


async def make_dead(connection: Connection, admin: QueueAdmin, users: list[str]) -> list[str]:
    """Dead-letter one sync_data job per user through a real worker; returns their ids."""
    ids = [
        enqueue(
            github.QUEUE,
            "sync_data",
            {"user_id": u, "data_source": "external-api"},
            JobOptions(),
            connection,
        ).id
        for u in users
    ]
    stub = GithubStub()
    async with running(Worker(github.QUEUE, stub, connection=connection, settings=FAST)):
        await wait_counts(admin, dead=len(ids), active=0)
    return ids


# ---------------------------------------------------------------- enqueue


def test_enqueue_prints_the_id_of_a_waiting_job(where: list[str], admin: QueueAdmin) -> None:
    result = invoke(["enqueue", "github", "sync_data", SYNC_DATA, "--priority", "3", *where])
    assert result.exit_code == 0, result.stderr
    job_id = result.stdout.strip()
    assert job_id
    info = admin.job(job_id)
    assert info is not None
    assert info.state is JobState.WAITING
    assert info.name == "sync_data"
    assert info.priority == 3
    stored = json.loads(info.payload)
    assert (stored["user_id"], stored["data_source"]) == (ADA, "webhook")
    assert admin.counts().waiting == 1


def test_enqueue_with_delay_makes_a_delayed_job(where: list[str], admin: QueueAdmin) -> None:
    result = invoke(["enqueue", "github", "sync_data", SYNC_DATA, "--delay", "3600", *where])
    assert result.exit_code == 0, result.stderr
    info = admin.job(result.stdout.strip())
    assert info is not None
    assert info.state is JobState.DELAYED
    assert (admin.counts().waiting, admin.counts().delayed) == (0, 1)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(["github", "sync_data", "{not json"], ["not JSON"], id="invalid-json"),
        pytest.param(["github", "sync_data", "[1, 2]"], ["JSON object"], id="not-an-object"),
        pytest.param(
            ["github", "sync_data", json.dumps({"user_id": "nope", "data_source": "webhook"})],
            ["invalid payload", "github.sync_data", "user_id", "not a valid uuid"],
            id="schema-bad-field",
        ),
        pytest.param(
            ["github", "sync_data", json.dumps({"user_id": ADA})],
            ["invalid payload", "data_source"],
            id="schema-missing-field",
        ),
        pytest.param(
            ["github", "sync_data", json.dumps({"user_id": ADA, "data_source": "fax"})],
            ["invalid payload", "data_source"],
            id="schema-enum",
        ),
        pytest.param(
            ["github", "sync_daat", SYNC_DATA],
            ["no job 'sync_daat'", "sync_data", "sync_repo"],
            id="unknown-job",
        ),
        pytest.param(
            ["gitlab", "sync_data", SYNC_DATA],
            ["no domain 'gitlab'", "email", "github"],
            id="unknown-domain",
        ),
        pytest.param(
            ["github", "sync_data", SYNC_DATA, "--attempts", "0"], ["attempts"], id="bad-option"
        ),
    ],
)
def test_enqueue_refusals_exit_2_and_write_nothing(
    where: list[str], connection: Connection, args: list[str], expected: list[str]
) -> None:
    result = invoke(["enqueue", *args, *where])
    assert result.exit_code == 2
    assert result.stdout == ""
    message = flat(result.stderr)
    assert message.startswith("error:"), message
    for fragment in expected:
        assert fragment in message, (fragment, message)
    assert "Traceback" not in result.stderr
    assert keys_under(connection.url, connection.prefix) == []


def test_enqueue_with_the_same_job_id_twice_adds_one_job(
    where: list[str], admin: QueueAdmin
) -> None:
    first = invoke(["enqueue", "github", "sync_data", SYNC_DATA, "--job-id", "user-ada", *where])
    second = invoke(["enqueue", "github", "sync_data", SYNC_DATA, "--job-id", "user-ada", *where])
    assert (first.exit_code, second.exit_code) == (0, 0), (first.stderr, second.stderr)
    assert first.stdout.strip() == second.stdout.strip() == "user-ada"
    counts = admin.counts()
    assert (counts.waiting, counts.delayed) == (1, 0)


# ---------------------------------------------------------------- stats


async def test_stats_shows_the_count_of_every_state(
    where: list[str], connection: Connection, admin: QueueAdmin
) -> None:
    def add(name: str, payload: Mapping[str, object], options: JobOptions | None = None) -> str:
        return enqueue(github.QUEUE, name, payload, options or JobOptions(), connection).id

    repo = {"repository": {"owner": "octo", "name": "cat"}}
    add("sync_data", {"user_id": ADA, "data_source": "external-api"})  # -> dead
    add("sync_data", {"user_id": GRACE, "data_source": "external-api"})  # -> dead
    # a transient failure waiting out a one-hour backoff -> failed
    add(
        "sync_data",
        {"user_id": ADA, "data_source": "webhook"},
        JobOptions(backoff=Backoff.fixed(3600)),
    )
    add("sync_repo", repo)  # -> completed
    add("sync_repo", {**repo, "include_issues": True})  # -> held active until released
    stub = GithubStub()
    async with running(Worker(github.QUEUE, stub, connection=connection, settings=FAST)):
        await wait_for(stub.blocked.is_set, what="the blocking job to start")
        await wait_counts(admin, dead=2, failed=1, completed=1, active=1, waiting=0)
        admin.pause()  # keeps the jobs enqueued below waiting while the worker runs
        add("sync_repo", repo)
        add("sync_repo", repo)
        add("sync_repo", repo, JobOptions(delay=3600))

        result = invoke(["stats", "github", *where])
        assert result.exit_code == 0, result.stderr
        assert "Queues" in result.stdout
        header = table_row(result.stdout, "domain")
        assert header == [
            "domain",
            "waiting",
            "delayed",
            "active",
            "completed",
            "failed",
            "dead",
            "paused",
        ]
        assert table_row(result.stdout, "github") == ["github", "2", "1", "1", "1", "1", "2", "yes"]
        stub.release.set()
        await wait_counts(admin, completed=2, active=0)

    admin.resume()
    result = invoke(["stats", *where])  # every domain of generated/
    assert result.exit_code == 0, result.stderr
    assert table_row(result.stdout, "email") == ["email", "0", "0", "0", "0", "0", "0", "no"]
    github_row = table_row(result.stdout, "github")
    assert github_row[4:] == ["2", "1", "2", "no"]  # completed, failed, dead, paused
    assert int(github_row[1]) + int(github_row[3]) == 2  # the worker stopped; nothing ran


# ---------------------------------------------------------------- show


async def test_show_a_completed_a_dead_and_an_unknown_job(
    where: list[str], connection: Connection, admin: QueueAdmin
) -> None:
    repo = {"repository": {"owner": "octo", "name": "cat"}}
    done = enqueue(github.QUEUE, "sync_repo", repo, JobOptions(), connection).id
    (dead,) = await make_dead(connection, admin, [GRACE])
    assert admin.counts().completed == 1

    result = invoke(["show", "github", done, *where])
    assert result.exit_code == 0, result.stderr
    fields = show_fields(result.stdout)
    assert f"github/sync_repo #{done}" in result.stdout
    assert fields["state"] == "completed"
    assert fields["attempts"] == "1 of 5"
    assert json.loads(fields["result"]) == {"stars": 7, "issues": 0}
    assert "dead because" not in fields

    result = invoke(["show", "github", dead, *where])
    assert result.exit_code == 0, result.stderr
    fields = show_fields(result.stdout)
    assert fields["state"] == "dead"
    assert fields["result"] == "-"
    assert fields["dead because"] == f"unrecoverable: user {GRACE} was deleted upstream"
    assert "attempt 1 error" in fields

    result = invoke(["show", "github", "no-such-job", *where])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "no job 'no-such-job' in github" in flat(result.stderr)


# ---------------------------------------------------------------- dead-letter queue


async def test_dlq_list_shows_each_reason(
    where: list[str], connection: Connection, admin: QueueAdmin
) -> None:
    ids = await make_dead(connection, admin, [ADA, GRACE])
    result = invoke(["dlq", "list", "github", *where])
    assert result.exit_code == 0, result.stderr
    assert "Dead letters of github (2 in all)" in result.stdout
    for job_id, user in zip(ids, [ADA, GRACE], strict=True):
        row = table_row(result.stdout, job_id)
        assert row[1:3] == ["sync_data", "1"]
        assert row[4] == f"unrecoverable: user {user} was deleted upstream"


MARKUP_LIKE = "Input should be a valid integer [type=int_parsing, input_value='x'] [/x] [bold]b"
"""An error text with what rich would read as markup: a tag that swallows pydantic's
details, an unmatched closing tag (rich raises on it) and a style."""


class MarkupRaisingStub(GithubStub):
    async def sync_data(self, payload: SyncDataPayload, ctx: JobContext, /) -> SyncDataResult:
        raise Unrecoverable(MARKUP_LIKE)


async def test_users_text_is_printed_as_written_never_as_markup(
    where: list[str], connection: Connection, admin: QueueAdmin
) -> None:
    job_id = enqueue(
        github.QUEUE,
        "sync_data",
        {"user_id": ADA, "data_source": "webhook"},
        JobOptions(),
        connection,
    ).id
    async with running(
        Worker(github.QUEUE, MarkupRaisingStub(), connection=connection, settings=FAST)
    ):
        await wait_counts(admin, dead=1, active=0)
    reason = f"unrecoverable: {MARKUP_LIKE}"

    result = invoke(["dlq", "list", "github", *where])
    assert result.exit_code == 0, result.stderr
    assert table_row(result.stdout, job_id)[4] == reason

    result = invoke(["show", "github", job_id, *where])
    assert result.exit_code == 0, result.stderr
    assert show_fields(result.stdout)["dead because"] == reason

    result = invoke(["enqueue", "github", "sync[/x]", SYNC_DATA, *where])
    assert result.exit_code == 2
    assert "no job 'sync[/x]'" in result.stderr


async def test_dlq_retry_by_id_and_all(
    where: list[str], connection: Connection, admin: QueueAdmin
) -> None:
    first, second, third = await make_dead(connection, admin, [ADA, GRACE, ADA])

    result = invoke(["dlq", "retry", "github", first, *where])
    assert result.exit_code == 0, result.stderr
    assert "re-enqueued 1 job(s) of github" in result.stdout
    counts = admin.counts()
    assert (counts.dead, counts.waiting) == (2, 1)
    info = admin.job(first)
    assert info is not None
    assert (info.state, info.attempts_made) == (JobState.WAITING, 0)

    # an id that is not dead: reported, exit 1, nothing else changes
    result = invoke(["dlq", "retry", "github", first, *where])
    assert result.exit_code == 1
    assert "re-enqueued 0 job(s)" in result.stdout
    assert "1 of the ids were not in the dead-letter queue" in flat(result.stderr)
    assert (admin.counts().dead, admin.counts().waiting) == (2, 1)

    result = invoke(["dlq", "retry", "github", "--all", *where])
    assert result.exit_code == 0, result.stderr
    assert "re-enqueued 2 job(s) of github" in result.stdout
    counts = admin.counts()
    assert (counts.dead, counts.waiting) == (0, 3)
    for job_id in (second, third):
        info = admin.job(job_id)
        assert info is not None
        assert (info.state, info.attempts_made) == (JobState.WAITING, 0)


@pytest.mark.parametrize(
    "extra", [pytest.param([], id="neither"), pytest.param(["some-id", "--all"], id="both")]
)
def test_dlq_retry_needs_ids_or_all_but_not_both(where: list[str], extra: list[str]) -> None:
    result = invoke(["dlq", "retry", "github", *extra, *where])
    assert result.exit_code == 2
    assert "name the job ids to retry, or pass --all" in flat(result.stderr)


async def test_dlq_purge_refuses_without_yes_then_empties(
    where: list[str], connection: Connection, admin: QueueAdmin
) -> None:
    ids = await make_dead(connection, admin, [ADA, GRACE])

    result = invoke(["dlq", "purge", "github", *where])  # CliRunner's stdin is no TTY
    assert result.exit_code == 2
    assert "refusing to delete 2 dead job(s) without --yes" in flat(result.stderr)
    assert admin.counts().dead == 2

    result = invoke(["dlq", "purge", "github", "--yes", *where])
    assert result.exit_code == 0, result.stderr
    assert "purged 2 dead job(s) of github" in result.stdout
    assert admin.counts().dead == 0
    assert [admin.job(i) for i in ids] == [None, None]
    assert admin.dead_letters() == []


# ---------------------------------------------------------------- pause / resume


async def test_pause_stops_a_worker_starting_jobs_and_resume_restarts_it(
    where: list[str], connection: Connection, admin: QueueAdmin
) -> None:
    result = invoke(["pause", "github", *where])
    assert result.exit_code == 0, result.stderr
    assert "github paused" in result.stdout
    assert admin.counts().paused

    repo = {"repository": {"owner": "octo", "name": "cat"}}
    ids = [enqueue(github.QUEUE, "sync_repo", repo, JobOptions(), connection).id for _ in range(3)]
    stub = GithubStub()
    async with running(Worker(github.QUEUE, stub, connection=connection, settings=FAST)):
        # Paused is an absence of events; give the worker several claim cycles.
        for _ in range(10):
            await wait_counts(admin, waiting=3, active=0)
            await asyncio.sleep(0.1)
        assert stub.calls == []

        result = invoke(["resume", "github", *where])
        assert result.exit_code == 0, result.stderr
        assert "github resumed" in result.stdout
        await wait_counts(admin, completed=3, waiting=0, active=0)
    assert sorted(stub.calls) == sorted(ids)
    assert not admin.counts().paused


def test_pause_of_an_unknown_domain_is_refused(where: list[str], connection: Connection) -> None:
    result = invoke(["pause", "gitlab", *where])
    assert result.exit_code == 2
    assert "no domain 'gitlab'" in flat(result.stderr)
    assert keys_under(connection.url, connection.prefix) == []


def test_version() -> None:
    result = invoke(["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"jobctl {version('jobcontracts')}"


# ---------------------------------------------------------------- what users read on failure


def test_enqueue_with_redis_unreachable_says_so_without_a_traceback(key_prefix: str) -> None:
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"  # nothing listens there
    result = CliRunner().invoke(
        app,
        ["enqueue", "github", "sync_data", SYNC_DATA, "--prefix", key_prefix, "--redis-url", url],
        env=WIDE,
    )
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code != 0
    assert result.stdout == ""
    message = flat(result.stderr)
    assert message.startswith("error:"), message
    assert f"127.0.0.1:{port}" in message


def test_error_messages_stay_on_one_line_when_stderr_is_not_a_terminal(
    where: list[str],
) -> None:
    payload = json.dumps({"user_id": "not-a-uuid", "data_source": "webhook"})
    result = CliRunner().invoke(
        app, ["enqueue", "github", "sync_data", payload, *where], env={"COLUMNS": None}
    )
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert 'user_id: "not-a-uuid" is not a valid uuid' in lines[0]


def test_users_text_is_printed_as_written_never_as_emoji(where: list[str]) -> None:
    # The job name comes back in the error message, its ":tada:" printed as written.
    result = invoke(["enqueue", "github", "party:tada:", SYNC_DATA, *where])
    assert result.exit_code == 2
    assert "no job 'party:tada:'" in result.stderr
    assert "\N{PARTY POPPER}" not in result.stderr
    console = out_console()  # results: payloads, error records
    with console.capture() as captured:
        console.print("payload :tada:")
    assert captured.get() == "payload :tada:\n"
