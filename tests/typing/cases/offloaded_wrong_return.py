from generated.github import (
    SyncDataPayload,
    SyncRepoPayload,
    SyncRepoResult,
    create_worker,
)
from jobcontracts.runtime import JobContext, in_process, in_thread


class Github:
    @in_thread
    def sync_data(self, payload: SyncDataPayload, ctx: JobContext, /) -> int:
        return 0

    @in_process
    def sync_repo(self, payload: SyncRepoPayload, ctx: JobContext, /) -> SyncRepoResult:
        return SyncRepoResult(stars=0, issues=0)


create_worker(Github())  # expect: mypy[arg-type] pyright[reportArgumentType]
# expect-message pyright: "sync_data" is an incompatible type
