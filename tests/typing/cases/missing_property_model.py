from generated.github import SyncDataPayload

SyncDataPayload(data_source="webhook")  # expect: mypy[call-arg] pyright[reportCallIssue]
# expect-message mypy: Missing named argument "user_id"
# expect-message pyright: Argument missing for parameter "user_id"
