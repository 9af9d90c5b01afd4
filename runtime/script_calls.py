"""Every script call of one queue as a value: keys, arguments and reply parser, no I/O.

``QueueCalls`` knows the KEYS and ARGV layout of each script in ``lua/``
(see their headers) and which parser in ``script_replies.py`` reads its
reply. ``scripts.py`` runs the calls, blocking or on asyncio, through
``evalsha.py`` (EVALSHA and its one NOSCRIPT fallback); nothing here is
written twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, Final, Generic, NamedTuple, TypeVar

from .evalsha import Arg, LuaScript, load_script, script_head
from .keys import QueueKeys
from .pipelined import Encoded, pack
from .script_replies import (
    BeatReply,
    ClaimReply,
    RawJob,
    StalledJob,
    parse_add_repeat,
    parse_beat,
    parse_claim,
    parse_due_repeats,
    parse_read,
    parse_schedule,
    parse_stalled,
    parse_watch,
)
from .topology import ReplicaWait
from .wire import (
    ADD_ARGS_PER_JOB,
    ADD_ARGS_PER_SET,
    ADD_OWN_FIELDS,
    AddJobArgs,
    RepeatStep,
    Settlement,
    WatchReply,
)

T = TypeVar("T")

ADD_JOBS: Final = load_script("add_jobs")
FINISH_AND_CLAIM: Final = load_script("finish_and_claim_jobs")
EXTEND_LEASES: Final = load_script("extend_leases")
RECOVER_STALLED: Final = load_script("recover_stalled_jobs")
READ_JOB: Final = load_script("read_job")
WATCH_JOB: Final = load_script("watch_job")
UNWATCH_JOB: Final = load_script("unwatch_job")
RETRY_DEAD: Final = load_script("retry_dead_jobs")
PURGE_DEAD: Final = load_script("purge_dead_jobs")
ADD_REPEAT: Final = load_script("add_repeat")
READ_DUE_REPEATS: Final = load_script("read_due_repeats")
SCHEDULE_REPEATS: Final = load_script("schedule_repeats")
REMOVE_REPEAT: Final = load_script("remove_repeat")
BEAT_WORKER: Final = load_script("beat_worker")
CHECK_PERMISSIONS: Final = load_script("check_permissions")


_compact = json.JSONEncoder(separators=(",", ":")).encode
"""Compact JSON (``json.dumps`` with options would build an encoder a call, on the hot path)."""


def _as_int(reply: Any) -> int:
    return int(reply)


def _decoded(reply: list[Any]) -> list[str]:
    return [item.decode() if isinstance(item, bytes) else str(item) for item in reply]


def _integers(reply: list[int]) -> list[int]:
    return reply


def _nothing(_reply: Any) -> None:
    return None


class ScriptCall(NamedTuple, Generic[T]):
    """One script run: what to send and how to read the reply.

    A named tuple rather than a frozen dataclass: the worker builds one per
    round trip, and a frozen dataclass's ``__init__`` costs several times more.
    """

    script: LuaScript
    keys: Sequence[str]
    args: Sequence[Arg | Encoded]
    parse: Callable[[Any], T]
    wait: ReplicaWait | None = None
    """Wait for this many replicas after the write (``wait_replicas`` in the URL)."""
    head: Encoded | None = None
    """``EVALSHA``, the sha, the key count and ``keys`` packed once (``evalsha.script_head``)."""


def _pairs(args: list[Arg], held: Iterable[tuple[str, str]]) -> list[Arg]:
    for job_id, token in held:
        args.append(job_id)
        args.append(token)
    return args


OPTION_SETS_PACKED = 64
"""Option sets whose packed form a queue keeps; when more come (each call with its own
delay or trace context has its own set), it starts afresh."""


class QueueCalls:
    """The script calls of one queue; ``wait`` applies to the writes that ask for it."""

    __slots__ = (
        "_add",
        "_add_head",
        "_add_one_head",
        "_claim",
        "_repeat",
        "_sets",
        "_states",
        "keys",
        "wait",
    )

    def __init__(self, keys: QueueKeys, wait: ReplicaWait | None) -> None:
        self.keys = k = keys
        self.wait = wait
        self._add = (k.id, k.wait, k.delayed, k.marker, k.paused, k.job_prefix, k.options, k.fifo)
        self._add_head = script_head(ADD_JOBS, self._add)
        one_count = len(self._add_head) + 2 + ADD_ARGS_PER_SET + ADD_ARGS_PER_JOB
        self._add_one_head = b"*%d\r\n%s" % (one_count, self._add_head.resp)
        self._sets: dict[tuple[Arg, ...], Encoded] = {}
        self._claim = (
            *(k.wait, k.delayed, k.retry, k.active, k.completed, k.dead, k.paused),
            *(k.marker, k.limiter, k.repeat, k.job_prefix, k.done_prefix, k.history, k.options),
            *(k.fifo, k.id),
        )
        self._repeat = (
            *(k.repeat, k.repeats, k.id, k.wait, k.delayed, k.marker),
            *(k.job_prefix, k.fifo),
        )
        self._states = (k.wait, k.delayed, k.retry, k.active, k.completed, k.dead)

    def add_jobs(self, now_ms: int, jobs: Iterable[AddJobArgs]) -> ScriptCall[list[int]]:
        """Each distinct option set once, then per job its id, payload and set number.

        The script's head and each option set go out as packed before (``Encoded``):
        on a queue's calls they hardly change, so a call packs only what does. The
        reply is one integer per job: ``parse_add`` pairs it with the jobs.
        """
        sets: dict[tuple[Arg, ...], int] = {}
        own: list[Arg] = []
        for job in jobs:
            shared = job[ADD_OWN_FIELDS:]
            number = sets.get(shared)
            if number is None:
                number = sets[shared] = len(sets) + 1
            own += (job[0], job[1], number)
        args: list[Arg | Encoded] = [now_ms, len(sets)]
        packed = self._sets
        for options in sets:
            encoded = packed.get(options)
            if encoded is None:
                if len(packed) >= OPTION_SETS_PACKED:
                    packed.clear()
                encoded = packed[options] = Encoded(options)
            args.append(encoded)
        args += own
        return ScriptCall(ADD_JOBS, self._add, args, _integers, self.wait, self._add_head)

    def add_one_packed(self, now_ms: int, job: AddJobArgs) -> bytes:
        """``add_jobs(now_ms, [job])`` packed for the wire (``pipelined.pack``), in fewer steps.

        The asyncio producer's common call: one job. Its bytes are those of
        ``pack`` on the call's EVALSHA, built from the head and the option set
        packed before, with only the time, the id and the payload packed here.
        """
        shared = job[ADD_OWN_FIELDS:]
        packed = self._sets
        encoded = packed.get(shared)
        if encoded is None:
            if len(packed) >= OPTION_SETS_PACKED:
                packed.clear()
            encoded = packed[shared] = Encoded(shared)
        job_id = job[0]
        payload = job[1]
        if type(payload) is str:
            data = payload.encode()
        elif type(payload) is bytes:
            data = payload
        else:  # a subclass: ``pack`` knows how redis-py encodes it
            return self.add_packed(now_ms, (job,))
        if type(job_id) is not str or type(now_ms) is not int:
            return self.add_packed(now_ms, (job,))
        key = job_id.encode()
        now = b"%d" % now_ms
        return b"".join(
            (
                self._add_one_head,
                b"$%d\r\n%s\r\n$1\r\n1\r\n" % (len(now), now),
                encoded.resp,
                b"$%d\r\n%s\r\n$%d\r\n" % (len(key), key, len(data)),
                data,
                b"\r\n$1\r\n1\r\n",
            )
        )

    def add_packed(self, now_ms: int, jobs: Sequence[AddJobArgs]) -> bytes:
        """``add_jobs(now_ms, jobs)`` packed for the wire (``pipelined.pack``)."""
        call = self.add_jobs(now_ms, jobs)
        return pack((self._add_head, *call.args))

    def packed_sets(self) -> int:
        """How many option sets this queue keeps packed (at most ``OPTION_SETS_PACKED``)."""
        return len(self._sets)

    def finish_and_claim(
        self,
        now_ms: int | None,
        token: str,
        lease_ms: int,
        want: int,
        settled: Sequence[Settlement],
        rate: tuple[int, int] = (0, 0),
    ) -> ScriptCall[ClaimReply]:
        """Settle ``settled``, claim up to ``want``; ``rate`` = (max jobs, window ms) or (0, 0).

        ``now_ms`` None: the script reads the server's clock when it runs.
        """
        packed = _compact(settled) if settled else ""
        now: Arg = "" if now_ms is None else now_ms
        args: list[Arg] = [now, token, lease_ms, want, rate[0], rate[1], packed]
        parse = partial(parse_claim, token=token)
        return ScriptCall(
            FINISH_AND_CLAIM, self._claim, args, parse, self.wait if settled else None
        )

    def extend_leases(
        self, deadline_ms: int, held: Iterable[tuple[str, str]]
    ) -> ScriptCall[list[str]]:
        args = _pairs([deadline_ms], held)
        return ScriptCall(EXTEND_LEASES, (self.keys.active, self.keys.job_prefix), args, _decoded)

    def recover_stalled(
        self, now_ms: int, max_stalls: int, limit: int = 1000
    ) -> ScriptCall[list[StalledJob]]:
        k = self.keys
        keys = (
            k.active,
            k.wait,
            k.dead,
            k.marker,
            k.paused,
            k.job_prefix,
            k.done_prefix,
            k.options,
            k.fifo,
        )
        return ScriptCall(RECOVER_STALLED, keys, (now_ms, max_stalls, limit), parse_stalled)

    def beat_worker(
        self,
        now_ms: int,
        worker_id: str,
        liveness_ms: int,
        record: str,
        lease_deadline_ms: int | None,
        max_stalls: int,
        held: Iterable[tuple[str, str]] = (),
    ) -> ScriptCall[BeatReply]:
        k = self.keys
        keys = (
            *(k.workers, k.worker_prefix, k.active, k.wait, k.dead, k.marker, k.paused),
            *(k.job_prefix, k.done_prefix, k.options, k.fifo),
        )
        deadline = "" if lease_deadline_ms is None else lease_deadline_ms
        args: list[Arg] = [now_ms, worker_id, liveness_ms, record, deadline, max_stalls]
        if lease_deadline_ms is not None:
            _pairs(args, held)
        return ScriptCall(BEAT_WORKER, keys, args, parse_beat)

    def read_job(self, job_id: str, fields: bool = True) -> ScriptCall[RawJob | None]:
        keys = (self.keys.job(job_id), *self._states, self.keys.options)
        return ScriptCall(READ_JOB, keys, (job_id, "1" if fields else "0"), parse_read)

    def watch_job(self, job_id: str) -> ScriptCall[tuple[WatchReply, bytes]]:
        keys = (self.keys.job(job_id), self.keys.completed, self.keys.dead)
        return ScriptCall(WATCH_JOB, keys, (job_id,), parse_watch)

    def unwatch_job(self, job_id: str) -> ScriptCall[None]:
        return ScriptCall(UNWATCH_JOB, (self.keys.job(job_id),), (), _nothing)

    def retry_dead(self, now_ms: int, job_ids: Sequence[str]) -> ScriptCall[int]:
        k = self.keys
        keys = (k.dead, k.wait, k.marker, k.paused, k.job_prefix, k.done_prefix, k.fifo, k.id)
        return ScriptCall(RETRY_DEAD, keys, (now_ms, *job_ids), _as_int)

    def purge_dead(self, limit: int) -> ScriptCall[int]:
        keys = (self.keys.dead, self.keys.job_prefix)
        return ScriptCall(PURGE_DEAD, keys, (limit,), _as_int)

    def add_repeat(
        self, now_ms: int, key: str, definition: str, first_ms: int
    ) -> ScriptCall[tuple[str, int, bool]]:
        args = (now_ms, key, definition, first_ms)
        return ScriptCall(ADD_REPEAT, self._repeat, args, parse_add_repeat, self.wait)

    def due_repeats(
        self, now_ms: int, limit: int
    ) -> ScriptCall[list[tuple[str, int, bytes | None]]]:
        keys = (self.keys.repeat, self.keys.repeats)
        return ScriptCall(READ_DUE_REPEATS, keys, (now_ms, limit), parse_due_repeats)

    def schedule_repeats(
        self, now_ms: int, steps: Sequence[tuple[str, int, int | None]]
    ) -> ScriptCall[list[RepeatStep]]:
        """Advance repeats given (key, expected current ms, next ms or None)."""
        args: list[Arg] = [now_ms]
        for key, expected, nxt in steps:
            args.extend((key, expected, "" if nxt is None else nxt))
        return ScriptCall(SCHEDULE_REPEATS, self._repeat, args, parse_schedule)

    def remove_repeat(self, key: str) -> ScriptCall[int]:
        k = self.keys
        keys = (k.repeat, k.repeats, k.delayed, k.job_prefix)
        return ScriptCall(REMOVE_REPEAT, keys, (key,), _as_int)


def check_permissions_call(
    probe_key: str, probes: Sequence[Sequence[str]]
) -> ScriptCall[list[str]]:
    """The probes (argv lists, ``KEY`` for ``probe_key``) the connection's user may not run."""
    args: list[Arg] = []
    for argv in probes:
        args += [len(argv), *argv]
    return ScriptCall(CHECK_PERMISSIONS, (probe_key,), args, _decoded)
