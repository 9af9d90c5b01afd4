"""Handlers run by in_thread and in_process satisfy the handler Protocol like async ones."""

from typing import assert_type

from generated.github import (
    GithubHandlers,
    SyncDataPayload,
    SyncDataResult,
    SyncRepoPayload,
    SyncRepoResult,
    create_worker,
)
from jobcontracts.runtime import JobContext, in_process, in_thread


class Github:
    @in_thread
    def sync_data(self, payload: SyncDataPayload, ctx: JobContext, /) -> SyncDataResult:
        return SyncDataResult(synced=1)

    @in_process
    def sync_repo(self, payload: SyncRepoPayload, ctx: JobContext, /) -> SyncRepoResult:
        return SyncRepoResult(stars=0, issues=0)


async def call_directly(payload: SyncRepoPayload, ctx: JobContext) -> None:
    result = await Github().sync_repo(payload, ctx)
    assert_type(result, SyncRepoResult)


handlers: GithubHandlers = Github()
create_worker(Github())
