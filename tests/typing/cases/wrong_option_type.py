from generated.github import JobName, add_job

add_job(JobName.SYNC_DATA, {"user_id": "u", "data_source": "webhook"}, priority="high")  # expect: mypy[call-overload] pyright[reportCallIssue] pyright[reportArgumentType]
# expect-message pyright: "Literal['high']" is not assignable to "int"
add_job(JobName.SYNC_DATA, {"user_id": "u", "data_source": "webhook"}, delay="5s")  # expect: mypy[call-overload] pyright[reportCallIssue] pyright[reportArgumentType]
add_job(JobName.SYNC_DATA, {"user_id": "u", "data_source": "webhook"}, priorty=1)  # expect: mypy[call-overload] pyright[reportCallIssue]
