"""Correct use of the generated API: both checkers must accept all of it."""

from typing import assert_type
from uuid import UUID

from generated.email import EmailHandlers, SendWelcomePayload
from generated.email import create_worker as create_email_worker
from generated.github import (
    GithubHandlers,
    JobName,
    SyncDataPayload,
    SyncDataResult,
    SyncRepoPayload,
    SyncRepoResult,
    add_job,
    add_job_async,
    create_worker,
)
from jobcontracts.runtime import AsyncJob, Backoff, Job, JobContext, Repeat, Retention, Worker

USER = UUID("0b7e7c8e-2f61-4a55-9d6e-8f1f9c2a1b11")


def enqueue_everything() -> None:
    model_job = add_job(
        JobName.SYNC_DATA, SyncDataPayload(user_id=USER, data_source="external-api")
    )
    assert_type(model_job, Job[SyncDataResult])
    dict_job = add_job(
        JobName.SYNC_DATA,
        {"user_id": str(USER), "data_source": "webhook"},
        delay=5,
        priority=10,
        attempts=4,
        backoff=Backoff.exponential(2, jitter=0.1),
        timeout=30.5,
        job_id="sync-user-1",
        remove_on_complete=Retention(count=10),
        remove_on_fail=True,
    )
    assert_type(dict_job, Job[SyncDataResult])
    by_string = add_job("sync_repo", {"repository": {"owner": "octo", "name": "cat"}}, retries=2)
    assert_type(by_string, Job[SyncRepoResult])
    add_job(JobName.SYNC_REPO, {"repository": {"owner": "octo", "name": "cat"}}, repeat=Repeat(every=60))
    result = dict_job.result(timeout=10)
    assert_type(result, SyncDataResult)
    print(result.synced + 1)


async def enqueue_async() -> None:
    job = await add_job_async(JobName.SYNC_DATA, {"user_id": str(USER), "data_source": "webhook"})
    assert_type(job, AsyncJob[SyncDataResult])
    result = await job.result(timeout=5)
    assert_type(result, SyncDataResult)


class Github:
    async def sync_data(self, payload: SyncDataPayload, ctx: JobContext, /) -> SyncDataResult:
        ctx.logger.info("syncing %s from %s", payload.user_id, payload.data_source)
        return SyncDataResult(synced=1)

    async def sync_repo(self, data: SyncRepoPayload, context: JobContext, /) -> SyncRepoResult:
        return SyncRepoResult(stars=len(data.repository.owner), issues=0)


class Email:
    async def send_welcome(self, payload: SendWelcomePayload, ctx: JobContext, /) -> None:
        ctx.logger.info("welcome %s", payload.to)


def workers() -> list[Worker]:
    handlers: GithubHandlers = Github()
    email: EmailHandlers = Email()
    return [create_worker(handlers), create_email_worker(email)]
