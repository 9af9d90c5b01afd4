"""The demo's HTTP API (the seed's ``apps/api``): validate a request, enqueue, return at once.

FastAPI reads the generated pydantic models directly, so the request body is
validated by the same contract the worker validates against.
"""

from __future__ import annotations

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from examples.demo.worker import connection
from generated import email, github
from jobcontracts.runtime import JobState, QueueAdmin

app = FastAPI(title="jobcontracts demo API")
CONNECTION = connection()


class Enqueued(BaseModel):
    job_id: str
    status: JobState


@app.post("/github/sync-data", status_code=202)
async def sync_data(payload: github.SyncDataPayload) -> Enqueued:
    job = await github.add_job_async(github.JobName.SYNC_DATA, payload, connection=CONNECTION)
    return Enqueued(job_id=job.id, status=await job.status())


@app.post("/github/sync-repo", status_code=202)
async def sync_repo(payload: github.SyncRepoPayload) -> Enqueued:
    job = await github.add_job_async(github.JobName.SYNC_REPO, payload, connection=CONNECTION)
    return Enqueued(job_id=job.id, status=await job.status())


@app.post("/email/welcome", status_code=202)
async def send_welcome(payload: email.SendWelcomePayload) -> Enqueued:
    job = await email.add_job_async(
        email.JobName.SEND_WELCOME,
        payload,
        job_id=f"welcome-{payload.user_id}",
        connection=CONNECTION,
    )
    return Enqueued(job_id=job.id, status=await job.status())


@app.get("/jobs/{domain}/{job_id}")
async def job_status(domain: str, job_id: str) -> dict[str, object]:
    if domain not in ("github", "email"):
        raise HTTPException(404, f"no domain {domain!r}")
    info = await QueueAdmin(domain, CONNECTION).job_async(job_id)
    if info is None:
        raise HTTPException(404, f"no job {job_id!r} in {domain}")
    return {
        "id": info.id,
        "job": info.name,
        "state": info.state,
        "attempts": info.attempts_made,
        "result": info.result,
        "dead_reason": info.dead_reason,
    }
