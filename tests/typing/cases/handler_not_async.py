from generated.github import (
    SyncDataPayload,
    SyncDataResult,
    SyncRepoPayload,
    SyncRepoResult,
    create_worker,
)
from jobcontracts.runtime import JobContext


class Github:
    def sync_data(self, payload: SyncDataPayload, ctx: JobContext, /) -> SyncDataResult:
        return SyncDataResult(synced=0)

    async def sync_repo(self, payload: SyncRepoPayload, ctx: JobContext, /) -> SyncRepoResult:
        return SyncRepoResult(stars=0, issues=0)


create_worker(Github())  # expect: mypy[arg-type] pyright[reportArgumentType]
