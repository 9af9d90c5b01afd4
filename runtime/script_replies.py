"""What the Lua scripts answer, decoded: the reply types and one parser per script."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .wire import CLAIM_ROW, STALL_ROW, AddJobArgs, RepeatStep, Settlement, StallEnd, WatchReply

__all__ = [
    "BeatReply",
    "ClaimReply",
    "ClaimedJob",
    "RawJob",
    "Settlement",
    "StalledJob",
]


class ClaimedJob:
    """A job this worker now holds under a lease (decoded claim reply)."""

    __slots__ = (
        "attempt",
        "attempts",
        "backoff",
        "deadline_bucket",
        "enqueued_ms",
        "id",
        "name",
        "payload",
        "ready_ms",
        "timed_out",
        "timeout_ms",
        "token",
        "trace_context",
    )

    def __init__(
        self,
        id: str,
        name: str,
        payload: bytes,
        attempt: int,
        attempts: int,
        backoff: bytes,
        timeout_ms: int,
        enqueued_ms: int,
        token: str,
        ready_ms: int = 0,
        trace_context: str = "",
    ) -> None:
        self.id = id
        self.name = name
        self.payload = payload
        self.attempt = attempt
        self.attempts = attempts
        self.backoff = backoff
        self.timeout_ms = timeout_ms
        self.enqueued_ms = enqueued_ms
        self.token = token
        self.ready_ms = ready_ms or enqueued_ms
        self.trace_context = trace_context
        self.deadline_bucket = 0
        self.timed_out = False


@dataclass(frozen=True, slots=True)
class ClaimReply:
    jobs: list[ClaimedJob]
    ignored: list[str]
    next_due_ms: int | None
    rate_wait_ms: int
    next_repeat_ms: int | None
    paused: bool


@dataclass(frozen=True, slots=True)
class StalledJob:
    id: str
    name: str
    stalls: int
    dead: bool


@dataclass(frozen=True, slots=True)
class BeatReply:
    registered: bool
    """False when the worker was not in the live set: it was new, or declared dead."""
    lost: list[str]
    reclaimed: list[StalledJob]
    """Jobs of workers whose liveness ran out, handed back to wait or dead-lettered."""


@dataclass(frozen=True, slots=True)
class RawJob:
    state: str
    score: int | None
    fields: dict[str, bytes]


# ---------------------------------------------------------------- parsers


def parse_add(jobs: Sequence[AddJobArgs], reply: list[int]) -> list[tuple[str, bool]]:
    """(id, created) per job of an ``add_jobs`` call from its one integer a job.

    A job sent with its id is answered 1 or 0: the id need not travel back. A
    job that took the counter's next value (``job_id`` "") is answered that
    value, negated when a job of that id already existed.
    """
    return [
        (jobs[i][0], n == 1) if jobs[i][0] else (str(abs(n)), n > 0) for i, n in enumerate(reply)
    ]


def parse_add_one(job: AddJobArgs, reply: list[int]) -> tuple[str, bool]:
    """``parse_add`` for a call of one job."""
    (n,) = reply
    job_id = job[0]
    return (job_id, n == 1) if job_id else (str(abs(n)), n > 0)


def parse_claim(reply: list[Any], token: str) -> ClaimReply:
    meta, flat, ignored = reply
    jobs = [
        ClaimedJob(
            flat[i].decode(),
            flat[i + 1].decode(),
            flat[i + 2],
            flat[i + 3],
            int(flat[i + 4]),
            flat[i + 5],
            int(flat[i + 6]),
            int(flat[i + 7]),
            token,
            int(flat[i + 8]) if flat[i + 8] else 0,
            flat[i + 9].decode() if flat[i + 9] else "",
        )
        for i in range(0, len(flat), CLAIM_ROW)
    ]
    next_due, rate_wait, next_repeat, paused = meta
    return ClaimReply(
        jobs,
        [i.decode() for i in ignored],
        None if next_due < 0 else int(next_due),
        int(rate_wait),
        None if next_repeat < 0 else int(next_repeat),
        paused == 1,
    )


_DEAD = StallEnd.DEAD.encode()


def parse_stalled(reply: list[Any]) -> list[StalledJob]:
    return [
        StalledJob(
            reply[i].decode(), reply[i + 1].decode(), int(reply[i + 2]), reply[i + 3] == _DEAD
        )
        for i in range(0, len(reply), STALL_ROW)
    ]


def parse_beat(reply: list[Any]) -> BeatReply:
    registered, lost, reclaimed = reply
    return BeatReply(registered == 1, [i.decode() for i in lost], parse_stalled(reclaimed))


def parse_read(reply: list[Any]) -> RawJob | None:
    state = reply[0].decode()
    if state == "unknown" and len(reply) <= 2:
        return None
    score = int(float(reply[1])) if reply[1] else None
    flat = reply[2:]
    fields = {flat[i].decode(): flat[i + 1] for i in range(0, len(flat), 2)}
    return RawJob(state, score, fields)


def parse_watch(reply: list[Any]) -> tuple[WatchReply, bytes]:
    return WatchReply(reply[0].decode()), (reply[1] if len(reply) > 1 else b"")


def parse_add_repeat(reply: list[Any]) -> tuple[str, int, bool]:
    return reply[0].decode(), int(float(reply[1])), reply[2] == 1


def parse_schedule(reply: list[Any]) -> list[RepeatStep]:
    return [RepeatStep(int(x)) for x in reply]


def parse_due_repeats(reply: list[Any]) -> list[tuple[str, int, bytes | None]]:
    return [
        (reply[i].decode(), int(float(reply[i + 1])), reply[i + 2]) for i in range(0, len(reply), 3)
    ]
