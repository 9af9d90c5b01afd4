"""The demo's FastAPI app, in-process over ASGI, enqueueing into the test's namespace."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from examples.demo import api as demo_api
from jobcontracts.runtime import Connection, JobState, QueueAdmin
from tests.cli.cli_support import ADA, keys_under


@pytest.fixture
async def client(
    connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    # The app's module-level connection is built from the environment at import;
    # point it at this test's Redis and prefix instead.
    monkeypatch.setattr(demo_api, "CONNECTION", connection)
    transport = httpx.ASGITransport(app=demo_api.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://demo") as http:
        yield http
    await connection.aclose()


async def test_a_valid_request_is_accepted_and_its_job_waits(
    client: httpx.AsyncClient, connection: Connection
) -> None:
    body = {"user_id": ADA, "data_source": "webhook"}
    reply = await client.post("/github/sync-data", json=body)
    assert reply.status_code == 202, reply.text
    answer = reply.json()
    assert answer["status"] == "waiting"
    job_id = answer["job_id"]
    assert isinstance(job_id, str)
    assert job_id

    info = await QueueAdmin("github", connection).job_async(job_id)
    assert info is not None
    assert (info.state, info.name) == (JobState.WAITING, "sync_data")
    stored = json.loads(info.payload)
    assert (stored["user_id"], stored["data_source"]) == (ADA, "webhook")

    status = await client.get(f"/jobs/github/{job_id}")
    assert status.status_code == 200
    assert (status.json()["state"], status.json()["job"]) == ("waiting", "sync_data")


@pytest.mark.parametrize(
    ("path", "body", "bad_fields"),
    [
        pytest.param(
            "/github/sync-data",
            {"user_id": "not-a-uuid", "data_source": "carrier-pigeon"},
            {"user_id", "data_source"},
            id="sync-data",
        ),
        pytest.param(
            "/github/sync-repo", {"repository": {"owner": ""}}, {"owner", "name"}, id="sync-repo"
        ),
        pytest.param(
            "/email/welcome",
            {"user_id": ADA, "to": "not-an-address", "locale": "xx"},
            {"to", "locale"},
            id="welcome",
        ),
    ],
)
async def test_an_invalid_body_is_refused_with_422_and_writes_nothing(
    client: httpx.AsyncClient,
    connection: Connection,
    path: str,
    body: dict[str, object],
    bad_fields: set[str],
) -> None:
    reply = await client.post(path, json=body)
    assert reply.status_code == 422, reply.text
    named = {str(error["loc"][-1]) for error in reply.json()["detail"]}
    assert bad_fields <= named, reply.json()
    assert keys_under(connection.url, connection.prefix) == []


async def test_the_welcome_mail_is_enqueued_once_per_user(
    client: httpx.AsyncClient, connection: Connection
) -> None:
    body = {"user_id": ADA, "to": "ada@example.org", "locale": "en"}
    first = await client.post("/email/welcome", json=body)
    second = await client.post("/email/welcome", json=body)
    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["job_id"] == second.json()["job_id"] == f"welcome-{ADA}"
    counts = await QueueAdmin("email", connection).counts_async()
    assert counts.waiting == 1


async def test_status_of_unknown_jobs_and_domains_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/jobs/github/no-such-job")).status_code == 404
    assert (await client.get("/jobs/gitlab/1")).status_code == 404
