from generated.github import SyncDataPayload, SyncDataResult
from jobcontracts.runtime import JobContext


class Github:
    async def sync_data(self, payload: SyncDataPayload, ctx: JobContext, /) -> SyncDataResult:
        ctx.logger.info("user %s", payload.user_idd)  # expect: mypy[attr-defined] pyright[reportAttributeAccessIssue] pyright[reportUnknownMemberType] pyright[reportUnknownArgumentType]
        return SyncDataResult(synced=0)
