"""Job options: the defaults a job inherits from ``jobs.yaml`` and call-site overrides.

Frozen dataclasses rather than option dicts, so the type checker sees every
option name and type at the call site.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, TypeAlias

from .durations import Duration

BackoffType: TypeAlias = Literal["fixed", "exponential"]


@dataclass(frozen=True, slots=True)
class Backoff:
    """How long to wait before the next attempt of a failed job.

    ``fixed`` waits ``delay`` every time; ``exponential`` waits
    ``delay * 2 ** (attempt - 1)``. ``jitter`` (0..1) subtracts up to that
    fraction at random, so retries of many jobs failing together spread out.
    """

    type: BackoffType = "exponential"
    delay: Duration = 1.0
    jitter: float = 0.0

    @classmethod
    def fixed(cls, delay: Duration, *, jitter: float = 0.0) -> Backoff:
        return cls("fixed", delay, jitter)

    @classmethod
    def exponential(cls, delay: Duration, *, jitter: float = 0.0) -> Backoff:
        return cls("exponential", delay, jitter)


@dataclass(frozen=True, slots=True)
class Retention:
    """Keep finished jobs, but only the last ``count`` and/or those younger than ``age``."""

    count: int | None = None
    age: Duration | None = None


RemovePolicy: TypeAlias = bool | Retention
"""``True`` removes a finished job at once, ``False`` keeps it, a ``Retention`` trims."""


@dataclass(frozen=True, slots=True)
class Repeat:
    """Enqueue a job again and again: ``every`` a duration, or on a ``cron`` schedule.

    Exactly one of ``every`` and ``cron`` is given. ``limit`` caps the number of
    occurrences. Each occurrence is enqueued exactly once however many workers run.
    """

    every: Duration | None = None
    cron: str | None = None
    limit: int | None = None


@dataclass(frozen=True, slots=True)
class JobDefaults:
    """The fully resolved options of one job kind, as ``jobs.yaml`` declares them."""

    attempts: int = 3
    backoff: Backoff = Backoff()
    timeout: timedelta = timedelta(seconds=30)
    priority: int = 0
    remove_on_complete: RemovePolicy = False
    remove_on_fail: RemovePolicy = False


@dataclass(frozen=True, slots=True)
class JobOptions:
    """Call-site overrides; ``None`` means "use the job's default".

    ``retries`` is the seed's alias: ``attempts = retries + 1``.
    """

    delay: Duration | None = None
    priority: int | None = None
    attempts: int | None = None
    retries: int | None = None
    backoff: Backoff | None = None
    timeout: Duration | None = None
    job_id: str | None = None
    repeat: Repeat | None = None
    remove_on_complete: RemovePolicy | None = None
    remove_on_fail: RemovePolicy | None = None


NO_OVERRIDES = JobOptions()
"""The options of a call that overrides nothing, shared by the runtime's own calls."""
