"""The states a job can be in, as ``Job.status()`` and the admin API report them."""

from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    WAITING = "waiting"
    DELAYED = "delayed"
    ACTIVE = "active"
    FAILED = "failed"  # an attempt failed; waiting out its backoff before the next
    COMPLETED = "completed"
    DEAD = "dead"  # in the dead-letter queue
    UNKNOWN = "unknown"  # never existed, or removed by retention
