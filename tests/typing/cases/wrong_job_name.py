from generated.github import JobName, add_job

add_job(JobName.SYNC_DATTA, {"user_id": "u", "data_source": "webhook"})  # expect: mypy[attr-defined] mypy[call-overload] pyright[reportAttributeAccessIssue] pyright[reportUnknownMemberType] pyright[reportUnknownArgumentType]
# expect-message pyright: Attribute "SYNC_DATTA" is unknown
add_job("sync_dat", {"user_id": "u", "data_source": "webhook"})  # expect: mypy[call-overload] pyright[reportCallIssue] pyright[reportArgumentType]
