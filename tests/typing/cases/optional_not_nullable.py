from pydantic import MISSING

from generated.github import SyncRepoPayload

repository = {"owner": "octo", "name": "cat"}
payload = SyncRepoPayload.model_validate({"repository": repository})
SyncRepoPayload(repository=payload.repository, labels=None)  # expect: mypy[arg-type] pyright[reportArgumentType]
payload.labels.append("bug")  # expect: mypy[union-attr] pyright[reportAttributeAccessIssue] pyright[reportUnknownMemberType]
if payload.labels is not MISSING:
    payload.labels.append("bug")
