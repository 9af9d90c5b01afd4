"""mypy names the wrong field of a dict payload once the literal is bound to the job's TypedDict.

Passed straight to ``add_job``, a wrong dict literal only gets "no overload
matches" from mypy (pyright names the field either way); annotated with the
``<Job>PayloadDict`` type, mypy checks it key by key, nested dicts included.
"""

from generated.github import JobName, SyncDataPayloadDict, SyncRepoPayloadDict, add_job

USER = "0b7e7c8e-2f61-4a55-9d6e-8f1f9c2a1b11"

wrong_value: SyncDataPayloadDict = {"user_id": USER, "data_source": "ftp"}  # expect: mypy[typeddict-item] pyright[reportAssignmentType]
# expect-message mypy: TypedDict item "data_source" has type "Literal['external-api', 'webhook']"
missing: SyncDataPayloadDict = {"user_id": USER}  # expect: mypy[typeddict-item] pyright[reportAssignmentType]
# expect-message mypy: Missing key "data_source" for TypedDict "SyncDataPayloadDict"
nested: SyncRepoPayloadDict = {"repository": {"owner": "octo"}, "include_issues": True}  # expect: mypy[typeddict-item] pyright[reportAssignmentType]
# expect-message mypy: Missing key "name" for TypedDict "RepositoryDict"

right: SyncDataPayloadDict = {"user_id": USER, "data_source": "webhook"}
add_job(JobName.SYNC_DATA, right)
