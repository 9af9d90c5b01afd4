"""The demo's worker process (the seed's ``apps/worker``): register handlers, run.

Run with ``jobctl worker examples.demo.worker:github_worker examples.demo.worker:email_worker``.
``create_worker`` is where the type checker proves every job has a handler.
"""

from __future__ import annotations

import os
from pathlib import Path

from examples.demo.handlers import EmailJobs, GithubJobs
from examples.demo.source import ExternalSource
from examples.demo.store import Store
from generated import email, github
from jobcontracts.runtime import Connection, Worker

DEFAULT_DB = Path("demo-data") / "demo.sqlite3"


PREFIX = os.environ.get("DEMO_PREFIX", "jobs")
"""Key prefix of the demo's queues: ``jobs``, the one every ``jobctl`` command uses,
so the README's ``jobctl worker`` and ``jobctl enqueue`` meet without flags.
``python -m examples.demo.run`` sets ``DEMO_PREFIX=demo`` to keep its run apart."""


def _store() -> Store:
    return Store(Path(os.environ.get("DEMO_DB", str(DEFAULT_DB))))


def connection() -> Connection:
    return Connection(prefix=PREFIX)


def github_worker() -> Worker:
    return github.create_worker(GithubJobs(ExternalSource(), _store()), connection=connection())


def email_worker() -> Worker:
    return email.create_worker(EmailJobs(_store()), connection=connection())
