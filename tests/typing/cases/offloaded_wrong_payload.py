from generated.github import (
    SyncDataResult,
    SyncRepoPayload,
    SyncRepoResult,
    create_worker,
)
from jobcontracts.runtime import JobContext, in_process, in_thread


class Github:
    @in_process
    def sync_data(self, payload: SyncRepoPayload, ctx: JobContext, /) -> SyncDataResult:
        return SyncDataResult(synced=0)

    @in_thread
    def sync_repo(self, payload: SyncRepoPayload, ctx: JobContext, /) -> SyncRepoResult:
        return SyncRepoResult(stars=0, issues=0)


create_worker(Github())  # expect: mypy[arg-type] pyright[reportArgumentType]
# expect-message mypy: Argument 1 to "create_worker" has incompatible type "Github"; expected "GithubHandlers"
# expect-message pyright: "sync_data" is an incompatible type
