"""Helpers for the ``jobctl`` CLI tests: invoking the app, stub handlers, polling.

The stub handlers run the *generated* ``github`` queue (the CLI only knows
domains that ``generated/`` declares), so jobs reach every state the way they
do in production: through a real ``Worker`` against a real Redis.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from typer.testing import CliRunner, Result

from generated.github import (
    SyncDataPayload,
    SyncDataResult,
    SyncRepoPayload,
    SyncRepoResult,
)
from jobcontracts.cli.app import app
from jobcontracts.runtime import (
    Connection,
    JobContext,
    QueueAdmin,
    QueueCounts,
    Unrecoverable,
    WorkerSettings,
)

ROOT = Path(__file__).resolve().parents[2]
WIDE = {"COLUMNS": "220", "NO_COLOR": "1"}
"""Wide enough that rich never folds a table cell or an error message."""

ADA = "0b7e7c8e-2f61-4a55-9d6e-8f1f9c2a1b11"
GRACE = "5d0c1a43-6a0e-4d4c-8d43-2a1f0b9c3e22"


def invoke(args: Sequence[str], *, input: str | None = None) -> Result:
    """Run ``jobctl ARGS`` in-process; stdout and stderr stay separate."""
    return CliRunner().invoke(app, list(args), env=WIDE, input=input, catch_exceptions=False)


def flat(text: str) -> str:
    """Collapse whitespace so assertions do not depend on where rich wraps lines."""
    return " ".join(text.split())


def keys_under(url: str, prefix: str) -> list[str]:
    """Every key under ``prefix`` (on every primary of a cluster)."""
    connection = Connection(url, prefix=prefix)
    try:
        return sorted(
            k.decode()
            for node in connection.primaries()
            for k in node.sync_client().scan_iter(match=f"{prefix}:*", count=1000)
        )
    finally:
        connection.close()


def table_row(output: str, first_cell: str) -> list[str]:
    """The cells of the rich table row whose first cell is ``first_cell``."""
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip().strip("│┃").replace("┃", "│").split("│")]
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no table row starting with {first_cell!r} in:\n{output}")


def show_fields(output: str) -> dict[str, str]:
    """``jobctl show``'s two-column table as a dict (cells folded over lines are joined)."""
    fields: dict[str, str] = {}
    last = ""
    for line in output.splitlines():
        if not line.startswith("│"):
            continue
        name, value = (c.strip() for c in line.strip().strip("│").split("│", 1))
        if name:
            last = name
            fields[name] = value
        elif last:
            fields[last] += value
    return fields


@dataclass
class GithubStub:
    """Handlers for the generated github queue with an outcome chosen by the payload.

    sync_data: ``external-api`` -> Unrecoverable (dead at once); ``webhook`` ->
    a transient error (retried after the job's backoff).
    sync_repo: completes with ``stars=7``; with ``include_issues`` it first
    blocks until ``release`` is set, so the job stays active meanwhile.
    """

    release: asyncio.Event = field(default_factory=asyncio.Event)
    blocked: asyncio.Event = field(default_factory=asyncio.Event)
    calls: list[str] = field(default_factory=list)

    async def sync_data(self, payload: SyncDataPayload, ctx: JobContext, /) -> SyncDataResult:
        self.calls.append(ctx.job_id)
        if payload.data_source == "external-api":
            raise Unrecoverable(f"user {payload.user_id} was deleted upstream")
        raise ConnectionError("upstream timed out")

    async def sync_repo(self, payload: SyncRepoPayload, ctx: JobContext, /) -> SyncRepoResult:
        self.calls.append(ctx.job_id)
        if payload.include_issues:
            self.blocked.set()
            await self.release.wait()
        return SyncRepoResult(stars=7, issues=3 if payload.include_issues else 0)


FAST = WorkerSettings(concurrency=8, idle_block=0.1, shutdown_grace=5.0)


async def wait_for(
    predicate: Callable[[], bool], timeout: float = 15.0, what: str = "condition"
) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} not reached within {timeout}s")
        await asyncio.sleep(0.02)


async def wait_counts(admin: QueueAdmin, timeout: float = 15.0, **expected: int) -> QueueCounts:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        counts = await admin.counts_async()
        if all(getattr(counts, k) == v for k, v in expected.items()):
            return counts
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"counts {counts} never matched {expected}")
        await asyncio.sleep(0.02)


__all__ = ["Connection"]
