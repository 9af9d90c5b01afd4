"""Each option of the generated ``add_job`` reaches the job, alone or with the others."""

# pyright: reportUnknownMemberType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

import pytest

from generated.github import JobName, SyncRepoPayloadDict, add_job, add_job_async
from jobcontracts.runtime import (
    Backoff,
    Connection,
    JobInfo,
    JobState,
    QueueAdmin,
    Repeat,
    Retention,
)
from jobcontracts.runtime.scripts import queue_scripts

PAYLOAD: SyncRepoPayloadDict = {"repository": {"owner": "octo", "name": "cat"}}
Check = Callable[[JobInfo, "bytes | None"], bool]
"""Whether a job shows the option (given the job hash's field of it, for retention)."""

OPTIONS: dict[str, tuple[object, Check]] = {
    "delay": (timedelta(hours=1), lambda info, _: info.state == JobState.DELAYED),
    "priority": (7, lambda info, _: info.priority == 7),
    "attempts": (9, lambda info, _: info.attempts_allowed == 9),
    "retries": (7, lambda info, _: info.attempts_allowed == 8),
    "backoff": (Backoff.fixed(timedelta(seconds=3)), lambda info, _: info.backoff == "f:3000:0"),
    "timeout": (timedelta(seconds=4), lambda info, _: info.timeout_ms == 4000),
    "job_id": ("order-7", lambda info, _: info.id == "order-7"),
    "repeat": (Repeat(every=timedelta(hours=1)), lambda info, _: info.repeat_key is not None),
    "remove_on_complete": (Retention(count=5), lambda _, stored: stored == b"5:"),
    "remove_on_fail": (True, lambda _, stored: stored == b"1"),
}
FIELDS = {"remove_on_complete": "rc", "remove_on_fail": "rf"}


def _seen(connection: Connection, job_id: str, option: str) -> tuple[JobInfo, bytes | None]:
    info = QueueAdmin("github", connection).job(job_id)
    assert info is not None
    if option not in FIELDS:
        return info, None
    scripts = queue_scripts(connection, "github")
    stored = scripts.node().sync_client().hget(scripts.keys.job(job_id), FIELDS[option])
    return info, cast("bytes | None", stored)


@pytest.mark.parametrize("option", sorted(OPTIONS))
def test_an_option_given_alone_reaches_the_job(connection: Connection, option: str) -> None:
    value, holds = OPTIONS[option]
    given: dict[str, Any] = {option: value}
    job = add_job(JobName.SYNC_REPO, PAYLOAD, connection=connection, **given)
    plain = add_job(JobName.SYNC_REPO, PAYLOAD, connection=connection)
    assert holds(*_seen(connection, job.id, option))
    assert not holds(*_seen(connection, plain.id, option))


async def test_options_given_together_reach_the_job(connection: Connection) -> None:
    job = await add_job_async(
        JobName.SYNC_REPO, PAYLOAD, priority=3, attempts=2, job_id="both", connection=connection
    )
    info = await QueueAdmin("github", connection).job_async(job.id)
    assert info is not None
    assert (info.id, info.priority, info.attempts_allowed) == ("both", 3, 2)
