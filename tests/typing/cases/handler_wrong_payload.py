from generated.github import (
    SyncDataResult,
    SyncRepoPayload,
    SyncRepoResult,
    create_worker,
)
from jobcontracts.runtime import JobContext


class Github:
    async def sync_data(self, payload: SyncRepoPayload, ctx: JobContext, /) -> SyncDataResult:
        return SyncDataResult(synced=0)

    async def sync_repo(self, payload: SyncRepoPayload, ctx: JobContext, /) -> SyncRepoResult:
        return SyncRepoResult(stars=0, issues=0)


create_worker(Github())  # expect: mypy[arg-type] pyright[reportArgumentType]
