"""``jobctl breaking --live``: jobs written under the old contract, checked in a real Redis.

The old contract is this repository's jobs.yaml and its generated package:
jobs are enqueued with it and driven by a real worker into every state a
worker will read again (waiting, delayed, failed awaiting a retry, active,
dead) plus a repeat. The new contract narrows an enum of sync_data, keeps
sync_repo as it is, and drops the email domain; it is generated into a
package of its own, as a deploy would.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; this file only compares what they return.)

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import Result

from generated import email, github
from generated.github import SyncDataPayload, SyncDataResult, SyncRepoPayload, SyncRepoResult
from jobcontracts.codegen.pipeline import generate_from_file
from jobcontracts.runtime import (
    Backoff,
    Connection,
    JobContext,
    JobOptions,
    QueueAdmin,
    Repeat,
    Unrecoverable,
    Worker,
    enqueue,
)
from jobcontracts.runtime.testing import free_port
from tests.cli.cli_support import FAST, ROOT, invoke, wait_counts, wait_for
from tests.runtime.runtime_testkit import running

OLD_SPEC = (ROOT / "jobs.yaml").read_text(encoding="utf-8")
DEAD, RETRYING, ACTIVE, QUEUED = (str(uuid.UUID(int=n)) for n in range(1, 5))
REPO = {"repository": {"owner": "octo", "name": "cat"}}


def _new_spec() -> str:
    narrowed = OLD_SPEC.replace("enum: [external-api, webhook]", "enum: [external-api]")
    assert narrowed != OLD_SPEC
    return narrowed[: narrowed.index("\n  email:\n")] + "\n"


@dataclass(frozen=True)
class NewContract:
    folder: Path
    spec: str
    out: str


@pytest.fixture(scope="module")
def new_contract(tmp_path_factory: pytest.TempPathFactory) -> NewContract:
    """The new jobs.yaml and its generated package (a unique name: modules are cached)."""
    folder = tmp_path_factory.mktemp("new_contract")
    (folder / "jobs.yaml").write_text(_new_spec(), encoding="utf-8")
    package = f"contract_{uuid.uuid4().hex[:8]}"
    for relative, text in generate_from_file(folder / "jobs.yaml").files.items():
        target = folder / package / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return NewContract(folder, "jobs.yaml", package)


@pytest.fixture
def live(
    new_contract: NewContract, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """Arguments of ``jobctl breaking --live`` for this test's namespace, run in the new tree."""
    monkeypatch.chdir(new_contract.folder)
    return [
        "breaking", "--live", "--spec", new_contract.spec, "--out", new_contract.out,
        "--prefix", connection.prefix, "--redis-url", connection.url,
    ]  # fmt: skip


class Handlers:
    """sync_data: one user dies, one fails for a retry an hour away, one blocks (active)."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.blocked = asyncio.Event()

    async def sync_data(self, payload: SyncDataPayload, ctx: JobContext, /) -> SyncDataResult:
        user = str(payload.user_id)
        if user == DEAD:
            raise Unrecoverable("gone upstream")
        if user == ACTIVE:
            self.blocked.set()
            await self.release.wait()
            return SyncDataResult(synced=1)
        raise ConnectionError("upstream timed out")

    async def sync_repo(self, payload: SyncRepoPayload, ctx: JobContext, /) -> SyncRepoResult:
        return SyncRepoResult(stars=1, issues=0)


def _add(connection: Connection, user: str, source: str, options: JobOptions | None = None) -> str:
    payload = {"user_id": user, "data_source": source}
    return enqueue(github.QUEUE, "sync_data", payload, options or JobOptions(), connection).id


def _kinds(result: Result) -> dict[str, dict[str, object]]:
    document = json.loads(result.stdout)
    return {f"{kind['domain']}.{kind['job']}": kind for kind in document["kinds"]}


def _snapshot(connection: Connection) -> dict[bytes, object]:
    """Every key of the namespace with its contents: proves a command wrote nothing."""
    contents: dict[bytes, object] = {}
    for node in connection.primaries():
        client = node.sync_client()
        for key in client.scan_iter(match=f"{connection.prefix}:*"):
            kind = client.type(key)
            if kind == b"hash":
                contents[key] = client.hgetall(key)
            elif kind == b"zset":
                contents[key] = client.zrange(key, 0, -1, withscores=True)
            elif kind == b"list":
                contents[key] = client.lrange(key, 0, -1)
            else:
                contents[key] = client.get(key)
    return contents


async def test_live_reports_each_old_job_that_new_workers_would_refuse(
    live: list[str], connection: Connection
) -> None:
    admin = QueueAdmin("github", connection)
    _add(connection, DEAD, "webhook")
    _add(connection, RETRYING, "webhook", JobOptions(backoff=Backoff.fixed(3600)))
    _add(connection, ACTIVE, "webhook")
    handlers = Handlers()
    async with running(Worker(github.QUEUE, handlers, connection=connection, settings=FAST)):
        await wait_for(handlers.blocked.is_set, what="the blocking job to start")
        await wait_counts(admin, dead=1, failed=1, active=1)
        admin.pause()  # what is enqueued now stays where it is put
        _add(connection, QUEUED, "webhook")
        _add(connection, QUEUED, "external-api")  # still valid under the new enum
        _add(connection, QUEUED, "webhook", JobOptions(delay=3600))
        _add(connection, QUEUED, "webhook", JobOptions(repeat=Repeat(every=3600)))
        for _ in range(2):
            enqueue(github.QUEUE, "sync_repo", REPO, JobOptions(), connection)
        welcome = {"user_id": QUEUED, "to": "ada@example.com", "locale": "en"}
        welcome_id = enqueue(email.QUEUE, "send_welcome", welcome, JobOptions(), connection).id

        before = _snapshot(connection)
        result = invoke([*live, "--format", "json", "--examples", "10"])
        assert _snapshot(connection) == before
        handlers.release.set()

    assert result.exit_code == 1, result.output
    kinds = _kinds(result)
    sync_data = kinds["github.sync_data"]
    # dead, failed, active, waiting x2, delayed, the repeat's occurrence and the repeat itself
    assert (sync_data["stored"], sync_data["same_revision"], sync_data["failing"]) == (8, 0, 7)
    examples = sync_data["examples"]
    assert isinstance(examples, list)
    states = sorted(str(e["state"]) for e in examples)
    assert states == ["active", "dead", "delayed", "delayed", "failed", "repeat", "waiting"]
    assert {e["reason"] for e in examples} == {
        'data_source: "webhook" is not one of ["external-api"]'
    }
    sync_repo = kinds["github.sync_repo"]
    assert (sync_repo["stored"], sync_repo["same_revision"], sync_repo["failing"]) == (2, 2, 0)
    welcome_kind = kinds["email.send_welcome"]
    assert (welcome_kind["stored"], welcome_kind["failing"]) == (1, 1)
    assert welcome_kind["examples"] == [
        {
            "id": welcome_id,
            "state": "waiting",
            "reason": "domain 'email' is not in jobs.yaml: no worker will serve its queue",
        }
    ]


def test_live_text_report_and_exit_zero_when_nothing_would_fail(
    live: list[str], connection: Connection
) -> None:
    enqueue(github.QUEUE, "sync_repo", REPO, JobOptions(), connection)
    _add(connection, QUEUED, "external-api")
    result = invoke(live)
    assert result.exit_code == 0, result.output
    assert "0 of 2 stored job(s) and repeat(s) would fail" in result.stdout


def test_live_validates_jobs_that_recorded_no_revision(
    live: list[str], connection: Connection
) -> None:
    """Jobs from before revisions were recorded are checked, never skipped."""
    job_id = enqueue(github.QUEUE, "sync_repo", REPO, JobOptions(), connection).id
    broken = _add(connection, QUEUED, "webhook")
    for ident in (job_id, broken):
        key = f"{connection.prefix}:{{github}}:job:{ident}"
        # its own revision, or the number of the shared options record holding it
        assert connection.route(key).sync_client().hdel(key, "v", "o") == 1
    result = invoke([*live, "--format", "json"])
    assert result.exit_code == 1
    kinds = _kinds(result)
    assert (kinds["github.sync_repo"]["same_revision"], kinds["github.sync_repo"]["failing"]) == (
        0,
        0,
    )
    assert kinds["github.sync_data"]["examples"] == [
        {
            "id": broken,
            "state": "waiting",
            "reason": 'data_source: "webhook" is not one of ["external-api"]',
        }
    ]
    assert f"github.sync_data #{broken} (waiting)" in invoke(live).stdout


def test_live_refuses_a_generated_package_older_than_jobs_yaml(
    live: list[str], connection: Connection, new_contract: NewContract
) -> None:
    """Validating with models that do not match jobs.yaml would answer the wrong question."""
    stale = [*live]
    stale[stale.index("--spec") + 1] = str(ROOT / "jobs.yaml")
    result = invoke(stale)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"error: {new_contract.out}/github is out of date with {ROOT / 'jobs.yaml'} "
        "(job 'sync_data'); run `jobctl generate` first"
    ]


def test_live_with_redis_unreachable_is_one_line_exit_2(live: list[str]) -> None:
    args = [*live]
    args[args.index("--redis-url") + 1] = f"redis://127.0.0.1:{free_port()}/0"
    result = invoke(args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: cannot reach Redis")
