"""The data the runtime keeps in Redis, named once.

The Lua scripts in ``lua/`` and the Python code that calls them must agree on
every field of a job hash, every outcome letter and return code, every score
encoding and argument count. Those are spelled here, and only here, on the
Python side; ``tests/runtime/test_runtime_wire_layout.py`` reads the scripts
and fails when they and this module disagree (a field used in Lua only, an
argument added on one side), and checks the table in ``docs/runtime.md``.

Field names are short because every job hash carries them: one or two letters
per field save memory across millions of jobs. The enums below give them
names that say what they hold.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum, StrEnum
from typing import Final, NamedTuple, cast

__all__ = [
    "ADD_ARGS_PER_JOB",
    "ADD_ARGS_PER_SET",
    "ADD_OWN_FIELDS",
    "CLAIM_ROW",
    "DONE_TTL_MS",
    "ERROR_HISTORY",
    "HISTORY_MINUTES",
    "MAX_PRIORITY",
    "MINUTE_MS",
    "MIN_PRIORITY",
    "OPTIONS_COUNT",
    "PRIORITY_OFFSET",
    "SEQ_SPAN",
    "STALL_ROW",
    "AddJobArgs",
    "ClaimMeta",
    "ClaimRow",
    "HistoryField",
    "JobField",
    "RepeatField",
    "RepeatStep",
    "SettleOutcome",
    "Settlement",
    "StallEnd",
    "StallRow",
    "WatchReply",
    "priority_of",
    "wait_score",
]


class JobField(StrEnum):
    """The fields of a job HASH (``<prefix>:{<domain>}:job:<id>``)."""

    meaning: str

    def __new__(cls, value: str, meaning: str) -> JobField:
        member = str.__new__(cls, value)
        member._value_ = value
        member.meaning = meaning
        return member

    NAME = "n", "job name"
    PAYLOAD = "d", "payload JSON, as the producer sent it"
    WAIT_SCORE = "s", "place in line: priority band, then FIFO sequence (see below)"
    ATTEMPTS = "a", "attempts allowed"
    BACKOFF = "b", "backoff spec (`runtime/backoff.py`)"
    TIMEOUT = "t", "timeout of one attempt (ms)"
    ENQUEUED_AT = "ts", "enqueue time (ms)"
    READY_AT = "ra", "when a delayed, retried or re-queued dead job became ready (ms)"
    ATTEMPTS_MADE = "m", "attempts made (a hand-back or stall takes one back)"
    LEASE_TOKEN = (
        "lk",
        "lease token of the worker holding it (`<worker id>:<call>`); empty once it completed",
    )
    STARTED_AT = "sa", "start of the latest attempt (ms)"
    RESULT = "r", "result JSON of a completed job"
    FINISHED_AT = "ft", "completion or death time (ms)"
    DEAD_REASON = "dr", "why it was dead-lettered"
    ERRORS = "er", "the last `ERROR_HISTORY` error records, one JSON object a line"
    ERROR_COUNT = "ec", "every error recorded, including those no longer kept"
    STALLS = "st", "times its holder vanished while it ran"
    WAITERS = "w", "`Job.result()` callers waiting for it"
    REMOVE_ON_COMPLETE = "rc", "retention spec for completion (see `Retention` below)"
    REMOVE_ON_FAIL = "rf", "retention spec for death"
    REPEAT_KEY = "rk", "the repeat that created this occurrence"
    REVISION = "v", "revision of the job's schema that wrote the payload"
    TRACE_CONTEXT = "tc", "the producer's trace context (W3C traceparent)"
    OPTIONS = (
        "o",
        (
            "number of the shared options record (`options` HASH) holding `a`, `b`, `t`, `rc`, "
            "`rf` and `v` for this job, which then does not store them"
        ),
    )


OPTIONS_COUNT: Final = "#"
"""In the ``options`` HASH, ``#`` holds the last record number given.

The HASH also maps each number to its record, a JSON object of job-hash fields
(``JobField.ATTEMPTS``, ``BACKOFF``, ``TIMEOUT``, and ``REMOVE_ON_COMPLETE``,
``REMOVE_ON_FAIL``, ``REVISION`` unless empty), and each record back to its
number. Jobs enqueued with their kind's default options store the number
(``JobField.OPTIONS``) instead of those fields: about 60 bytes less per job.
A record never changes once numbered, so a queued job keeps the options it was
enqueued with; jobs that override an option store their own fields, as do jobs
written before records existed, and every reader reads a job with a number
through its record and any other job from its own fields.
"""


class RepeatField(StrEnum):
    """Keys of a repeat definition (JSON in the ``repeats`` HASH, decoded in Lua)."""

    NAME = "n"
    PAYLOAD = "d"
    PRIORITY = "p"
    ATTEMPTS = "a"
    BACKOFF = "b"
    TIMEOUT = "t"
    REMOVE_ON_COMPLETE = "rc"
    REMOVE_ON_FAIL = "rf"
    EVERY = "every"
    CRON = "cron"
    LIMIT = "limit"
    REVISION = "v"


REPEAT_COUNT_PREFIX: Final = "#"
"""In the ``repeats`` HASH, ``#<repeat key>`` counts the occurrences created."""


class HistoryField(StrEnum):
    """Fields of the per-queue throughput HASH: ``c<minute>``, ``f<minute>``, ``last``."""

    COMPLETED = "c"
    """Prefix: completed attempts in minute ``<minute>`` (ms // 60000)."""
    FAILED = "f"
    """Prefix: failed attempts (retried or dead) in that minute."""
    LAST = "last"
    """The latest minute counted (older minutes are trimmed when it moves)."""


class Retention(StrEnum):
    """The two fixed retention specs; any other is ``<count>:<age ms>`` (either may be empty)."""

    KEEP = ""
    """Keep every completed (or dead) job."""
    REMOVE = "1"
    """Keep none: delete the job hash as it settles."""


# ---------------------------------------------------------------- settling


class SettleOutcome(StrEnum):
    """How a held job ended, as the settle step of ``finish_and_claim_jobs.lua`` reads it."""

    COMPLETED = "c"
    RETRY = "r"
    DEAD = "d"
    HAND_BACK = "h"
    """Handed back unstarted or interrupted (shutdown, cancellation): attempt not counted."""


_COMPLETED, _RETRY, _DEAD, _HAND_BACK = (o.value for o in SettleOutcome)


class Settlement(NamedTuple):
    """One held job's ending, sent as a JSON array ``[id, token, outcome, data, extra]``.

    ``extra`` is the ready time (ms) of a retry and the reason of a death; build
    settlements with the class methods, which say which. They build the tuple
    directly (``tuple.__new__``): a worker makes one per job, and the generated
    ``__new__`` with its keyword handling costs three times as much.
    """

    job_id: str
    token: str
    outcome: str
    data: str
    extra: int | str

    @classmethod
    def completed(cls, job_id: str, token: str, result: str) -> Settlement:
        return _make(cls, (job_id, token, _COMPLETED, result, ""))

    @classmethod
    def retry(cls, job_id: str, token: str, error: str, ready_ms: int) -> Settlement:
        return _make(cls, (job_id, token, _RETRY, error, ready_ms))

    @classmethod
    def dead(cls, job_id: str, token: str, error: str, reason: str) -> Settlement:
        return _make(cls, (job_id, token, _DEAD, error, reason))

    @classmethod
    def hand_back(cls, job_id: str, token: str) -> Settlement:
        return _make(cls, (job_id, token, _HAND_BACK, "", ""))

    @property
    def reason(self) -> str:
        """Why a dead job died (``""`` for other outcomes)."""
        return str(self.extra) if self.outcome == SettleOutcome.DEAD else ""


_make = cast(
    "Callable[[type[Settlement], tuple[str, str, str, str, int | str]], Settlement]",
    tuple.__new__,  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
)


# ---------------------------------------------------------------- claiming


class ClaimMeta(NamedTuple):
    """First element of the ``finish_and_claim_jobs`` reply."""

    next_due_ms: int
    """Earliest delayed, retry or repeat time; -1 when none."""
    rate_wait_ms: int
    next_repeat_ms: int
    """-1 when none."""
    paused: int


class ClaimRow(NamedTuple):
    """One claimed job in the flat job list of the ``finish_and_claim_jobs`` reply."""

    id: bytes
    name: bytes
    payload: bytes
    attempt: int
    attempts: bytes
    backoff: bytes
    timeout_ms: bytes
    enqueued_ms: bytes
    ready_ms: bytes | None
    trace_context: bytes | None


CLAIM_ROW: Final = len(ClaimRow._fields)
CLAIM_READS: Final = (
    JobField.NAME,
    JobField.PAYLOAD,
    JobField.ATTEMPTS,
    JobField.BACKOFF,
    JobField.TIMEOUT,
    JobField.ENQUEUED_AT,
    JobField.READY_AT,
    JobField.TRACE_CONTEXT,
)
"""The fields the claim reads from each job hash: every ``ClaimRow`` item but id and attempt.

The claim also reads ``JobField.OPTIONS``, to take attempts, backoff and timeout
from the job's shared options record when it has one, and ``JobField.ATTEMPTS_MADE``,
which it writes back one higher in the same HSET as the lease.
"""


class StallEnd(StrEnum):
    """Where a job whose holder vanished went."""

    WAIT = "w"
    DEAD = "d"


class StallRow(NamedTuple):
    """One reclaimed job in the replies of ``recover_stalled_jobs`` and ``beat_worker``."""

    id: bytes
    name: bytes
    stalls: int
    end: bytes


STALL_ROW: Final = len(StallRow._fields)


# ---------------------------------------------------------------- other replies


class WatchReply(StrEnum):
    """First element of the ``watch_job`` reply; ``c``/``d`` also open the done message."""

    COMPLETED = "c"
    """Followed by the result JSON."""
    DEAD = "d"
    """Followed by the dead reason."""
    UNKNOWN = "u"
    PENDING = "p"
    """A waiter was registered: the outcome will be pushed to the done list."""


class RepeatStep(IntEnum):
    """Per repeat, what ``schedule_repeats`` did."""

    LOST_RACE = 0
    """Another worker advanced it first, or it was removed."""
    ADVANCED = 1
    """The next occurrence was created."""
    FINISHED = 2
    """Limit reached or schedule exhausted: the repeat was removed."""


# ---------------------------------------------------------------- enqueueing


class AddJobArgs(NamedTuple):
    """One job of an ``add_jobs.lua`` call.

    ``job_id`` and ``payload`` go to the script once per job; the other fields
    are the job's option set, which the script receives once per distinct set
    in a call: the jobs of a bulk enqueue, or of concurrent adds of one kind,
    mostly share one set, and each field not sent again per job is work saved
    on both sides of the connection (``ADD_ARGS_PER_SET``, ``ADD_ARGS_PER_JOB``).
    """

    job_id: str
    """``""``: take the next value of the id counter."""
    payload: str | bytes
    name: str
    priority: int
    delay_ms: int
    attempts: int
    backoff: str
    timeout_ms: int
    remove_on_complete: str
    remove_on_fail: str
    repeat_key: str
    revision: str
    trace_context: str
    shared_options: str
    """``""``: store the options in the job; else the JSON of the shared options record
    (see ``OPTIONS_COUNT``) the job stands for, numbered by the script."""


ADD_OWN_FIELDS: Final = 2
"""The first fields of ``AddJobArgs`` (id and payload) are sent per job; the rest per set."""
ADD_ARGS_PER_SET: Final = len(AddJobArgs._fields) - ADD_OWN_FIELDS
ADD_ARGS_PER_JOB: Final = ADD_OWN_FIELDS + 1
"""Per job: its id, its payload and the number of its option set (1-based)."""


# ---------------------------------------------------------------- scores and limits

MIN_PRIORITY: Final = -1_000_000
MAX_PRIORITY: Final = 1_000_000
PRIORITY_OFFSET: Final = 1_048_576
"""Above ``MAX_PRIORITY``, so ``PRIORITY_OFFSET - priority`` is always positive."""
SEQ_SPAN: Final = 2**32
"""FIFO slots per priority band; the score stays below 2^53 (exact in a double)."""


def wait_score(priority: int, seq: int) -> int:
    """The ``wait`` score: higher priority first, then FIFO by sequence (``_common.lua``)."""
    return (PRIORITY_OFFSET - priority) * SEQ_SPAN + seq % SEQ_SPAN


def priority_of(score: int) -> int:
    """The priority a ``wait_score`` was made from."""
    return PRIORITY_OFFSET - score // SEQ_SPAN


ERROR_HISTORY: Final = 10
"""Error records kept per job (the last ones)."""
HISTORY_MINUTES: Final = 1440
"""Minutes of throughput history kept per queue."""
MINUTE_MS: Final = 60_000
DONE_TTL_MS: Final = 60_000
"""How long an outcome stays on a job's done list for ``Job.result()`` waiters."""
