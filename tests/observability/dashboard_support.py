"""Real jobs in every state, and a dashboard served over them, for the dashboard tests.

The jobs are made the way production makes them: the generated github queue
runs through a real ``Worker`` (completed and dead jobs, with real tracebacks);
an e-mail whose name holds markup and a delayed job wait, as nothing runs them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from generated.email import QUEUE as EMAIL
from generated.github import QUEUE as GITHUB
from jobcontracts.observability.dashboard.app import Dashboard
from jobcontracts.observability.dashboard.data import DashboardData
from jobcontracts.observability.dashboard.security import Guard
from jobcontracts.observability.dashboard.server import DashboardServer
from jobcontracts.runtime import Connection, JobOptions, QueueAdmin, Worker, enqueue
from tests.cli.cli_support import ADA, FAST, GRACE, GithubStub, wait_counts
from tests.runtime.runtime_testkit import running

TOKEN = "operator-secret-token"
MARKUP_NAME = "<script>window.__xss = 1</script><img src=x onerror='window.__xss = 2'>"
REPO = {"repository": {"owner": "acme", "name": "rockets"}}


@dataclass(frozen=True)
class Population:
    dead: list[str]
    completed: list[str]
    markup: str
    """The waiting e-mail job whose payload holds markup."""


async def _run_github(connection: Connection) -> tuple[list[str], list[str]]:
    """On a loop of its own: what the worker opened on it is closed before the loop is."""
    admin = QueueAdmin("github", connection)
    try:
        async with running(Worker(GITHUB, GithubStub(), connection=connection, settings=FAST)):
            done = [
                enqueue(GITHUB, "sync_repo", REPO, JobOptions(), connection).id for _ in range(3)
            ]
            dead = [
                enqueue(
                    GITHUB,
                    "sync_data",
                    {"user_id": u, "data_source": "external-api"},
                    JobOptions(),
                    connection,
                ).id
                for u in (ADA, GRACE)
            ]
            await wait_counts(admin, completed=3, dead=2)
    finally:
        await connection.aclose()
    return dead, done


def populate(connection: Connection) -> Population:
    # A thread of its own: Playwright's sync API keeps an event loop on the test's thread.
    with ThreadPoolExecutor(1) as pool:
        dead, done = pool.submit(asyncio.run, _run_github(connection)).result(60)
    payload = {"user_id": ADA, "to": "ada@example.com", "locale": "en", "name": MARKUP_NAME}
    markup = enqueue(EMAIL, "send_welcome", payload, JobOptions(), connection).id
    later = {"user_id": GRACE, "to": "grace@example.com", "locale": "de"}
    enqueue(EMAIL, "send_welcome", later, JobOptions(delay=timedelta(hours=1)), connection)
    return Population(dead, done, markup)


@contextmanager
def served(connection: Connection, token: str | None = TOKEN) -> Generator[DashboardServer]:
    dashboard = Dashboard(DashboardData(connection, ["email", "github"]), Guard(token))
    server = DashboardServer(dashboard, "127.0.0.1", 0)
    server.start()
    try:
        yield server
    finally:
        server.close()
