"""Handlers for the shipped jobs.yaml: fetch -> transform -> save, each idempotent.

The classes need not inherit from the generated Protocols: ``create_worker``
checks them structurally, so a missing or mistyped handler is a type error at
the call in ``worker.py``.
"""

from __future__ import annotations

from pydantic import MISSING

from examples.demo.source import ExternalSource
from examples.demo.store import Store
from generated.email import SendWelcomePayload
from generated.github import SyncDataPayload, SyncDataResult, SyncRepoPayload, SyncRepoResult
from jobcontracts.runtime import JobContext, Unrecoverable

BOUNCING_DOMAIN = "@bounce.example"
"""The demo's mail server rejects every mailbox of this domain, permanently."""

WELCOME = {
    "en": "Welcome aboard, {name}!",
    "de": "Willkommen an Bord, {name}!",
    "fr": "Bienvenue à bord, {name} !",
}


class GithubJobs:
    def __init__(self, source: ExternalSource, store: Store) -> None:
        self.source = source
        self.store = store

    async def sync_data(self, payload: SyncDataPayload, ctx: JobContext, /) -> SyncDataResult:
        user_id = str(payload.user_id)
        records = self.source.user_records(user_id, ctx.attempt)  # raises when unavailable: retried
        if records is None:
            raise Unrecoverable(f"user {user_id} does not exist at {payload.data_source}")
        fresh = [r for r in records if payload.since is MISSING or r.changed_at > payload.since]
        rows = [(r.id, r.kind, r.value.strip(), r.changed_at.isoformat()) for r in fresh]
        synced = self.store.upsert_user_records(user_id, str(payload.data_source), rows)
        ctx.logger.info("synced %d records for user %s", synced, user_id)
        return SyncDataResult(synced=synced)

    async def sync_repo(self, payload: SyncRepoPayload, ctx: JobContext, /) -> SyncRepoResult:
        repo = payload.repository
        found = self.source.repository(repo.owner, repo.name)
        if found is None:
            raise Unrecoverable(f"repository {repo.owner}/{repo.name} not found")
        labels: set[str] = set() if payload.labels is MISSING else set(payload.labels)
        issues = [i for i in found.issues if not labels or labels.intersection(i.labels)]
        open_issues = len(issues) if payload.include_issues else 0
        self.store.upsert_repository(f"{repo.owner}/{repo.name}", found.stars, open_issues)
        return SyncRepoResult(stars=found.stars, issues=open_issues)


class EmailJobs:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def send_welcome(self, payload: SendWelcomePayload, ctx: JobContext, /) -> None:
        recipient = str(payload.to)
        if recipient.endswith(BOUNCING_DOMAIN):
            raise Unrecoverable(f"mailbox {recipient} does not exist")
        body = WELCOME[payload.locale].format(name=payload.name or recipient)
        if not self.store.queue_email_once(str(payload.user_id), "welcome", recipient, body):
            ctx.logger.info("welcome e-mail to %s was already sent; skipping", recipient)
