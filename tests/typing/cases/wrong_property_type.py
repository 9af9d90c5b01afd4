from uuid import UUID

from generated.github import JobName, SyncDataPayload, add_job

SyncDataPayload(user_id=UUID(int=1), data_source="ftp")  # expect: mypy[arg-type] pyright[reportArgumentType]
add_job(JobName.SYNC_REPO, {"repository": {"owner": "octo", "name": "cat"}, "include_issues": "yes"})  # expect: mypy[call-overload] pyright[reportCallIssue] pyright[reportArgumentType]
# expect-message pyright: "Literal['yes']" is not assignable to "bool"
