"""The "external API" the demo handlers fetch from.

These machines have no internet, so the source is a local JSON file; it can
still fail like a remote service (``unavailable_attempts``) so retries show.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

DEFAULT_SOURCE = Path(__file__).parent / "data" / "external_api.json"


class SourceUnavailableError(ConnectionError):
    """The source did not answer; worth retrying."""


@dataclass(frozen=True)
class SourceRecord:
    id: str
    kind: str
    value: str
    changed_at: datetime


@dataclass(frozen=True)
class SourceIssue:
    number: int
    title: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class SourceRepository:
    stars: int
    issues: tuple[SourceIssue, ...]


class ExternalSource:
    def __init__(self, path: Path = DEFAULT_SOURCE) -> None:
        self._data = json.loads(path.read_text(encoding="utf-8"))

    def user_email(self, user_id: str) -> str | None:
        user = self._data["users"].get(user_id)
        return None if user is None else str(user["email"])

    def user_records(self, user_id: str, attempt: int) -> list[SourceRecord] | None:
        """The user's records, or ``None`` for a user the source does not know."""
        user = self._data["users"].get(user_id)
        if user is None:
            return None
        if attempt <= int(user.get("unavailable_attempts", 0)):
            raise SourceUnavailableError(f"source timed out fetching user {user_id}")
        return [
            SourceRecord(
                id=str(item["id"]),
                kind=str(item["kind"]),
                value=str(item["value"]),
                changed_at=datetime.fromisoformat(item["changed_at"]),
            )
            for item in user["records"]
        ]

    def repository(self, owner: str, name: str) -> SourceRepository | None:
        repo = self._data["repositories"].get(f"{owner}/{name}")
        if repo is None:
            return None
        issues = tuple(
            SourceIssue(int(i["number"]), str(i["title"]), tuple(map(str, i["labels"])))
            for i in repo["issues"]
        )
        return SourceRepository(stars=int(repo["stars"]), issues=issues)
