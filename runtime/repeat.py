"""Repeating jobs: when the next occurrence is, and how workers create it.

A repeat is stored once (``repeats`` hash, ``repeat`` ZSET scored by the
current occurrence). Exactly one future occurrence exists as a delayed job
with the deterministic id ``repeat:<key>:<ms>``. When it comes due, any worker
computes the next time here (cron needs croniter, so Python does it) and
``schedule_repeats.lua`` creates the next occurrence only if the repeat still
points at the occurrence that worker saw: a compare-and-set, so three workers
racing create it once.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .durations import to_milliseconds
from .options import Repeat
from .resolution import ResolvedOptions
from .scripts import QueueScripts
from .wire import RepeatField, RepeatStep

log = logging.getLogger(__name__)


def _cron_after(cron: str, after_ms: int) -> int:
    from croniter import croniter  # only repeats on a cron schedule pay for its import

    base = datetime.fromtimestamp(after_ms / 1000, tz=UTC)
    nxt: float = croniter(cron, base).get_next(float)  # pyright: ignore[reportUnknownMemberType]
    return int(nxt * 1000)


def first_occurrence(repeat: Repeat, start_ms: int) -> int:
    """``every``: one interval after ``start_ms``; ``cron``: the first match after it."""
    if repeat.every is not None:
        return start_ms + to_milliseconds(repeat.every)
    assert repeat.cron is not None
    return _cron_after(repeat.cron, start_ms)


def next_occurrence(definition: dict[str, Any], current_ms: int, now_ms: int) -> int:
    """The first occurrence after both ``current_ms`` and ``now_ms``: missed ones are skipped."""
    every = definition.get(RepeatField.EVERY)
    if every:
        step = int(every)
        nxt = current_ms + step
        if nxt <= now_ms:
            nxt += ((now_ms - nxt) // step + 1) * step
        return nxt
    return _cron_after(str(definition[RepeatField.CRON]), max(current_ms, now_ms))


def repeat_definition(name: str, payload: str, options: ResolvedOptions, repeat: Repeat) -> str:
    """The stored definition: everything needed to create an occurrence in Lua."""
    return json.dumps(
        {
            RepeatField.NAME: name,
            RepeatField.PAYLOAD: payload,
            RepeatField.PRIORITY: options.priority,
            RepeatField.ATTEMPTS: options.attempts,
            RepeatField.BACKOFF: options.backoff,
            RepeatField.TIMEOUT: options.timeout_ms,
            RepeatField.REMOVE_ON_COMPLETE: options.remove_on_complete,
            RepeatField.REMOVE_ON_FAIL: options.remove_on_fail,
            RepeatField.EVERY: None if repeat.every is None else to_milliseconds(repeat.every),
            RepeatField.CRON: repeat.cron,
            RepeatField.LIMIT: repeat.limit,
            RepeatField.REVISION: options.revision,
        },
        separators=(",", ":"),
    )


@dataclass(frozen=True, slots=True)
class RepeatInfo:
    """One stored repeat, as the admin API lists it."""

    key: str
    name: str
    every_ms: int | None
    cron: str | None
    limit: int | None
    created: int
    next_ms: int | None
    payload: str
    revision: str | None = None
    """Schema revision of the job kind when the repeat was added (``None``: not recorded)."""


def parse_repeat(key: str, raw: bytes, created: bytes | None, next_ms: float | None) -> RepeatInfo:
    d = json.loads(raw)
    return RepeatInfo(
        key=key,
        name=str(d[RepeatField.NAME]),
        every_ms=d.get(RepeatField.EVERY),
        cron=d.get(RepeatField.CRON),
        limit=d.get(RepeatField.LIMIT),
        created=int(created or 0),
        next_ms=None if next_ms is None else int(next_ms),
        payload=str(d[RepeatField.PAYLOAD]),
        revision=str(d[RepeatField.REVISION]) if d.get(RepeatField.REVISION) else None,
    )


async def advance_due_repeats(scripts: QueueScripts, now_ms: int, batch: int = 100) -> int:
    """Create the next occurrence of every repeat that came due.

    Returns how many occurrences this worker created (others may have won the race).
    """
    steps: list[tuple[str, int, int | None]] = []
    for key, current, raw in await scripts.due_repeats_async(now_ms, batch):
        if raw is None:
            continue
        try:
            nxt: int | None = next_occurrence(json.loads(raw), current, now_ms)
        except (ValueError, KeyError, TypeError):
            log.exception(
                "repeat %s has an unusable definition; stopping it",
                key,
                extra={"domain": scripts.keys.domain},
            )
            nxt = None
        steps.append((key, current, nxt))
    if not steps:
        return 0
    codes = await scripts.schedule_repeats_async(now_ms, steps)
    return sum(1 for c in codes if c is RepeatStep.ADVANCED)
