"""The demo's database: a local SQLite file, written only with upserts.

Upserts keyed by natural ids make every handler idempotent: a job retried
after a crash writes the same rows again instead of duplicating them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS user_records (
    user_id TEXT NOT NULL,
    record_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (user_id, record_id)
);
CREATE TABLE IF NOT EXISTS repositories (
    full_name TEXT PRIMARY KEY,
    stars INTEGER NOT NULL,
    open_issues INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);
"""


class Store:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        with self._transaction() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def _transaction(self) -> Generator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        try:
            with db:
                yield db
        finally:
            db.close()

    def upsert_user_records(
        self, user_id: str, source: str, rows: list[tuple[str, str, str, str]]
    ) -> int:
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO user_records (user_id, record_id, kind, value, changed_at, source)"
                " VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (user_id, record_id) DO UPDATE SET"
                " kind = excluded.kind, value = excluded.value,"
                " changed_at = excluded.changed_at, source = excluded.source",
                [
                    (user_id, rid, kind, value, changed, source)
                    for rid, kind, value, changed in rows
                ],
            )
        return len(rows)

    def upsert_repository(self, full_name: str, stars: int, open_issues: int) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO repositories (full_name, stars, open_issues) VALUES (?, ?, ?)"
                " ON CONFLICT (full_name) DO UPDATE SET"
                " stars = excluded.stars, open_issues = excluded.open_issues",
                (full_name, stars, open_issues),
            )

    def queue_email_once(self, user_id: str, kind: str, recipient: str, body: str) -> bool:
        """True when this e-mail was queued now, False when an earlier attempt already did."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO outbox (user_id, kind, recipient, body) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (user_id, kind) DO NOTHING",
                (user_id, kind, recipient, body),
            )
            return cursor.rowcount == 1

    def count(self, table: str) -> int:
        if table not in {"user_records", "repositories", "outbox"}:
            raise ValueError(f"unknown table {table!r}")
        with self._transaction() as db:
            row = db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()  # noqa: S608 - allow-listed
            return int(row[0])
