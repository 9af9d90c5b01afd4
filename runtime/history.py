"""Throughput history: completed and failed attempts per minute, per queue.

The settle script counts them as it settles (``record_history`` in
``lua/_common.lua``) into one HASH per queue, keeping the last 24 hours; this
module reads a window of it back for charts. Reading N minutes is one HMGET
of 2N fields.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from .connection import Connection
from .keys import QueueKeys
from .routing import call_routed
from .wire import HISTORY_MINUTES, MINUTE_MS, HistoryField

__all__ = ["HISTORY_MINUTES", "MINUTE_MS", "MinuteCount", "throughput"]


@dataclass(frozen=True, slots=True)
class MinuteCount:
    minute: datetime
    """Start of the minute (UTC)."""
    completed: int
    failed: int
    """Failed attempts: those retried after a backoff and those that died."""


def _fields(first: int, last: int) -> list[str]:
    fields: list[str] = []
    for minute in range(first, last + 1):
        fields.append(f"{HistoryField.COMPLETED}{minute}")
        fields.append(f"{HistoryField.FAILED}{minute}")
    return fields


def throughput(connection: Connection, domain: str, minutes: int = 60) -> list[MinuteCount]:
    """The last ``minutes`` minutes (the current one included), oldest first, zeros filled in."""
    if not 1 <= minutes <= HISTORY_MINUTES:
        raise ValueError(f"minutes must be within 1..{HISTORY_MINUTES}, got {minutes}")
    last = connection.now_ms() // MINUTE_MS
    first = last - minutes + 1
    key = QueueKeys.build(connection.prefix, domain).history
    fields = _fields(first, last)
    raw = cast(
        "list[bytes | None]",
        call_routed(connection, key, lambda node: node.sync_client().hmget(key, fields)),
    )
    return [
        MinuteCount(
            datetime.fromtimestamp(minute * MINUTE_MS / 1000, tz=UTC),
            int(raw[2 * i] or 0),
            int(raw[2 * i + 1] or 0),
        )
        for i, minute in enumerate(range(first, last + 1))
    ]
