"""Targets for ``jobctl worker MODULE:ATTR`` argument-error tests."""

from __future__ import annotations

from generated import github
from generated.github import SyncDataPayload, SyncDataResult, SyncRepoPayload, SyncRepoResult
from jobcontracts.runtime import Connection, JobContext, Worker

NOT_A_WORKER = 42
"""Neither a Worker nor callable."""


def returns_a_string() -> str:
    """Callable, but what it returns is not a Worker."""
    return "not a worker"


class OnlySyncData:
    """Implements sync_data but forgets sync_repo."""

    async def sync_data(self, payload: SyncDataPayload, ctx: JobContext, /) -> SyncDataResult:
        return SyncDataResult(synced=0)


def incomplete_github_worker() -> Worker:
    # runtime.Worker (not the generated create_worker, which the type checker
    # would reject) so the mistake is only caught at run time.
    return Worker(github.QUEUE, OnlySyncData(), connection=Connection(prefix="never-used"))


class EveryGithubJob(OnlySyncData):
    async def sync_repo(self, payload: SyncRepoPayload, ctx: JobContext, /) -> SyncRepoResult:
        return SyncRepoResult(stars=0, issues=0)


def complete_github_worker() -> Worker:
    """A valid worker whose construction has no side effects (it is never run here)."""
    return github.create_worker(EveryGithubJob(), connection=Connection(prefix="never-used"))
