"""Option merging: call-site ``JobOptions`` over the job's ``JobDefaults``.

Produces the fully resolved, validated options of one enqueue, plus the
compact wire form stored in the job hash (what ``add_jobs.lua`` expects).
Everything here runs before Redis is touched, so bad options never write.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from .backoff import pack_backoff
from .definitions import JobDefinition
from .durations import Duration, to_milliseconds
from .errors import InvalidOptionsError
from .ids import MARK, is_generated_id
from .options import NO_OVERRIDES, JobOptions, RemovePolicy, Repeat, Retention
from .wire import MAX_PRIORITY, MIN_PRIORITY, AddJobArgs, JobField
from .wire import Retention as RetentionSpec

__all__ = [
    "MAX_PRIORITY",
    "MIN_PRIORITY",
    "ResolvedOptions",
    "add_job_args",
    "pack_retention",
    "repeat_key",
    "resolve",
    "validate_repeat",
]


@dataclass(frozen=True, slots=True)
class ResolvedOptions:
    attempts: int
    backoff: str
    timeout_ms: int
    priority: int
    delay_ms: int
    job_id: str
    remove_on_complete: str
    remove_on_fail: str
    repeat: Repeat | None
    revision: str
    """The job kind's schema revision, stored with the job (field ``v``)."""
    shared_options: str = ""
    """``""`` when an option was overridden; else the JSON of the job kind's defaults,
    stored once per queue as a shared options record (``wire.OPTIONS_COUNT``)."""

    def wire(
        self,
        name: str,
        payload: str | bytes,
        repeat_key: str = "",
        trace_context: str = "",
        made_id: str = "",
    ) -> AddJobArgs:
        """The job as ``add_jobs.lua`` takes it; ``made_id`` stands in for an unset ``job_id``.

        Built as a plain tuple (``tuple.__new__``): one per enqueued job, and the
        named tuple's generated ``__new__`` costs about twice as much.
        """
        return add_job_args(
            AddJobArgs,
            (
                self.job_id or made_id,
                payload,
                name,
                self.priority,
                self.delay_ms,
                self.attempts,
                self.backoff,
                self.timeout_ms,
                self.remove_on_complete,
                self.remove_on_fail,
                repeat_key,
                self.revision,
                trace_context,
                self.shared_options,
            ),
        )


add_job_args = cast(
    "Callable[[type[AddJobArgs], tuple[str | bytes | int, ...]], AddJobArgs]",
    tuple.__new__,  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
)
"""``AddJobArgs`` from a plain tuple (see ``ResolvedOptions.wire``)."""


def _ms(what: str, value: Duration) -> int:
    try:
        return to_milliseconds(value)
    except (TypeError, ValueError) as exc:
        raise InvalidOptionsError(f"{what}: {exc}") from exc


def pack_retention(what: str, policy: RemovePolicy) -> str:
    """'' keeps everything, '1' keeps nothing, '<count>:<age ms>' trims."""
    if policy is True:
        return RetentionSpec.REMOVE
    if policy is False:
        return RetentionSpec.KEEP
    if not isinstance(policy, Retention):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise InvalidOptionsError(f"{what} must be True, False or a Retention, got {policy!r}")
    if policy.count is None and policy.age is None:
        return RetentionSpec.KEEP
    if policy.count is not None and (isinstance(policy.count, bool) or policy.count < 0):
        raise InvalidOptionsError(f"{what}: count must be >= 0, got {policy.count!r}")
    count = "" if policy.count is None else str(policy.count)
    age = "" if policy.age is None else str(_ms(f"{what} age", policy.age))
    return f"{count}:{age}"


def _attempts(defaults_attempts: int, options: JobOptions) -> int:
    attempts, retries = options.attempts, options.retries
    if retries is not None and retries < 0:
        raise InvalidOptionsError(f"retries must be >= 0, got {retries}")
    if attempts is not None and retries is not None and attempts != retries + 1:
        raise InvalidOptionsError(
            f"attempts={attempts} and retries={retries} disagree "
            "(attempts = retries + 1); give one of them"
        )
    if attempts is None:
        attempts = retries + 1 if retries is not None else defaults_attempts
    if isinstance(attempts, bool) or attempts < 1:
        raise InvalidOptionsError(f"attempts must be >= 1, got {attempts!r}")
    return attempts


def validate_repeat(repeat: Repeat) -> None:
    if (repeat.every is None) == (repeat.cron is None):
        raise InvalidOptionsError("repeat needs exactly one of 'every' and 'cron'")
    if repeat.every is not None and _ms("repeat every", repeat.every) <= 0:
        raise InvalidOptionsError("repeat every must be positive")
    if repeat.cron is not None and not _valid_cron(repeat.cron):
        raise InvalidOptionsError(f"invalid cron expression {repeat.cron!r}")
    if repeat.limit is not None and repeat.limit < 1:
        raise InvalidOptionsError(f"repeat limit must be >= 1, got {repeat.limit}")


_resolved_defaults: dict[int, tuple[JobDefinition[Any, Any], ResolvedOptions]] = {}
"""Most jobs are enqueued with their defaults: those resolve once per job kind."""


def resolve(definition: JobDefinition[Any, Any], options: JobOptions) -> ResolvedOptions:
    cached = _resolved_defaults.get(id(definition))
    if cached is None or cached[0] is not definition:
        defaults = _shared(_resolve(definition, NO_OVERRIDES))
        cached = _resolved_defaults[id(definition)] = (definition, defaults)
    if _overrides_nothing(options):
        return cached[1]
    resolved = _resolve(definition, options)
    if _keeps_shared_options(options):
        return dataclasses.replace(resolved, shared_options=cached[1].shared_options)
    return resolved


def _overrides_nothing(options: JobOptions) -> bool:
    """``options == JobOptions()``, field by field: the dataclass's ``==`` builds and compares
    two tuples of every field, on every enqueue."""
    return (
        options.delay is None
        and options.priority is None
        and options.attempts is None
        and options.retries is None
        and options.backoff is None
        and options.timeout is None
        and options.job_id is None
        and options.repeat is None
        and options.remove_on_complete is None
        and options.remove_on_fail is None
    )


def _keeps_shared_options(options: JobOptions) -> bool:
    """Whether the job takes every option a shared options record holds from its kind.

    Only those jobs share records, so a queue holds one record per job kind and
    revision, however many values callers pass for the options they override.
    """
    return (
        options.attempts is None
        and options.retries is None
        and options.backoff is None
        and options.timeout is None
        and options.remove_on_complete is None
        and options.remove_on_fail is None
    )


def _shared(resolved: ResolvedOptions) -> ResolvedOptions:
    """``resolved`` (a job kind's defaults) with the JSON of its shared options record."""
    record = {
        JobField.ATTEMPTS: str(resolved.attempts),
        JobField.BACKOFF: resolved.backoff,
        JobField.TIMEOUT: str(resolved.timeout_ms),
        JobField.REMOVE_ON_COMPLETE: resolved.remove_on_complete,
        JobField.REMOVE_ON_FAIL: resolved.remove_on_fail,
        JobField.REVISION: resolved.revision,
    }
    spec = json.dumps({str(k): v for k, v in record.items() if v}, separators=(",", ":"))
    return dataclasses.replace(resolved, shared_options=spec)


def _resolve(definition: JobDefinition[Any, Any], options: JobOptions) -> ResolvedOptions:
    d = definition.defaults
    priority = d.priority if options.priority is None else options.priority
    if isinstance(priority, bool) or not MIN_PRIORITY <= priority <= MAX_PRIORITY:
        raise InvalidOptionsError(
            f"priority must be within {MIN_PRIORITY}..{MAX_PRIORITY}, got {priority!r}"
        )
    timeout_ms = _ms("timeout", d.timeout if options.timeout is None else options.timeout)
    if timeout_ms <= 0:
        raise InvalidOptionsError("timeout must be positive")
    job_id = options.job_id or ""
    if options.job_id is not None:
        if not job_id or is_generated_id(job_id):
            raise InvalidOptionsError(
                f"job_id must be a non-empty string that is not all digits and does not "
                f"start with {MARK!r} (those are generated ids), got {job_id!r}"
            )
        if any(ch.isspace() for ch in job_id):
            raise InvalidOptionsError(f"job_id must not contain whitespace, got {job_id!r}")
    if options.repeat is not None:
        validate_repeat(options.repeat)
    return ResolvedOptions(
        attempts=_attempts(d.attempts, options),
        backoff=pack_backoff(d.backoff if options.backoff is None else options.backoff),
        timeout_ms=timeout_ms,
        priority=priority,
        delay_ms=0 if options.delay is None else _ms("delay", options.delay),
        job_id=job_id,
        remove_on_complete=pack_retention(
            "remove_on_complete",
            d.remove_on_complete
            if options.remove_on_complete is None
            else options.remove_on_complete,
        ),
        remove_on_fail=pack_retention(
            "remove_on_fail",
            d.remove_on_fail if options.remove_on_fail is None else options.remove_on_fail,
        ),
        repeat=options.repeat,
        revision=definition.revision,
    )


def repeat_key(name: str, repeat: Repeat, payload: str, job_id: str) -> str:
    """A stable key per (job, schedule, payload): re-adding the same repeat is idempotent."""
    if job_id:
        return f"{name}:{job_id}"
    spec = (
        f"every={_ms('repeat every', repeat.every)}"
        if repeat.every is not None
        else f"cron={repeat.cron}"
    )
    digest = hashlib.sha1(payload.encode(), usedforsecurity=False).hexdigest()[:12]
    return f"{name}:{spec.replace(' ', '_')}:{digest}"


def _valid_cron(expression: str) -> bool:
    from croniter import croniter  # only repeats on a cron schedule pay for its import

    valid: bool = croniter.is_valid(expression)
    return valid
