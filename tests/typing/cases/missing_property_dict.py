from generated.github import JobName, add_job

add_job(JobName.SYNC_DATA, {"user_id": "0b7e7c8e-2f61-4a55-9d6e-8f1f9c2a1b11"})  # expect: mypy[call-overload] pyright[reportCallIssue] pyright[reportArgumentType]
# expect-message pyright: "data_source" is required in "SyncDataPayloadDict"
