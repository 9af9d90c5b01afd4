from generated.github import SyncDataPayload, SyncDataResult, create_worker
from jobcontracts.runtime import JobContext, in_process


class Github:
    @in_process
    def sync_data(self, payload: SyncDataPayload, ctx: JobContext, /) -> SyncDataResult:
        return SyncDataResult(synced=0)


create_worker(Github())  # expect: mypy[arg-type] pyright[reportArgumentType]
# expect-message pyright: "sync_repo" is not present
