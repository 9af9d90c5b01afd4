"""What each dashboard page shows, read from Redis through the runtime's admin API.

Every read is bounded: counts are ZCARDs (and one LLEN), a job list is one
page of a state set (newest first where that is what people look for; waiting
jobs in the order they will be claimed), charts read a fixed window of the
throughput history.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from jobcontracts.runtime import Connection, JobInfo, QueueAdmin, QueueCounts
from jobcontracts.runtime.history import MinuteCount, throughput
from jobcontracts.runtime.keys import QueueKeys
from jobcontracts.runtime.routing import call_routed
from jobcontracts.runtime.waiting import waiting_page
from jobcontracts.runtime.worker_info import WorkerInfo, live_workers

PAGE_SIZE = 25
STATES = ("waiting", "delayed", "active", "failed", "completed", "dead")
NEWEST_FIRST = {"completed", "dead"}
"""Finished jobs are listed newest first; the others in the order they will run."""


@dataclass(frozen=True, slots=True)
class DomainSummary:
    domain: str
    counts: QueueCounts
    workers: int
    minutes: list[MinuteCount]


@dataclass(frozen=True, slots=True)
class JobPage:
    state: str
    page: int
    pages: int
    total: int
    jobs: list[JobInfo]


def state_key(keys: QueueKeys, state: str) -> str:
    """The ZSET of a state other than waiting (whose jobs are in two keys: ``waiting.py``)."""
    return {
        "delayed": keys.delayed,
        "active": keys.active,
        "failed": keys.retry,
        "completed": keys.completed,
        "dead": keys.dead,
    }[state]


class DashboardData:
    """The reads behind the pages, for a fixed set of domains on one connection."""

    def __init__(self, connection: Connection, domains: Sequence[str]) -> None:
        self.connection = connection
        self.domains = sorted(domains)
        self._admins = {d: QueueAdmin(d, connection) for d in self.domains}

    def admin(self, domain: str) -> QueueAdmin | None:
        return self._admins.get(domain)

    def summaries(self, minutes: int = 60) -> list[DomainSummary]:
        return [
            DomainSummary(
                domain,
                admin.counts(),
                len(live_workers(self.connection, domain)),
                throughput(self.connection, domain, minutes),
            )
            for domain, admin in self._admins.items()
        ]

    def jobs(self, domain: str, state: str, page: int) -> JobPage:
        admin = self._admins[domain]
        if state == "waiting":
            return self._waiting(admin, page)
        key = state_key(admin.keys, state)
        total = int(call_routed(self.connection, key, lambda node: node.sync_client().zcard(key)))
        pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        page = min(max(page, 1), pages)
        start, stop = (page - 1) * PAGE_SIZE, page * PAGE_SIZE - 1
        read = "zrevrange" if state in NEWEST_FIRST else "zrange"
        ids = cast(
            "list[bytes]",
            call_routed(
                self.connection,
                key,
                lambda node: getattr(node.sync_client(), read)(key, start, stop),
            ),
        )
        infos = [admin.job(i.decode()) for i in ids]
        return JobPage(state, page, pages, total, [i for i in infos if i is not None])

    def _waiting(self, admin: QueueAdmin, page: int) -> JobPage:
        """Waiting jobs in claim order: two round trips, the first for the sizes."""
        keys = admin.keys
        total, _ = call_routed(  # no positions asked: the count only
            self.connection, keys.wait, lambda node: waiting_page(node.sync_client(), keys, 0, -1)
        )
        pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        page = min(max(page, 1), pages)
        start, stop = (page - 1) * PAGE_SIZE, page * PAGE_SIZE - 1
        total, ids = call_routed(
            self.connection,
            keys.wait,
            lambda node: waiting_page(node.sync_client(), keys, start, stop),
        )
        infos = [admin.job(i.decode()) for i in ids]
        return JobPage("waiting", page, pages, total, [i for i in infos if i is not None])

    def workers(self) -> list[WorkerInfo]:
        found: list[WorkerInfo] = []
        for domain in self.domains:
            found.extend(live_workers(self.connection, domain))
        return found


def pretty_json(text: str | None) -> str:
    """Indented JSON for display; text that is not JSON is shown as it is."""
    if text is None:
        return ""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False, sort_keys=True)
    except ValueError:
        return text
