"""The only caller of the Lua scripts in ``runtime/lua``: one typed method per script.

Each call is built and its reply read by plain functions without I/O
(``script_calls.py``); the methods here only run it, blocking or on asyncio,
through ``evalsha.py`` (EVALSHA, and its one NOSCRIPT fallback). Operations of
several round trips (the admin reads, waiting for a result) are generators
of steps (``Steps``): script calls and ``Batch``es of plain commands, which
``run_steps`` and ``arun_steps`` drive. Every step goes to the node serving
the queue's slot and rides out redirections and failovers (``routing.py``);
enqueue and settlement wait for replicas when the URL asks for it
(``wait_replicas``).
"""

# pyright: reportUnknownMemberType=false
# (redis-py types its pipeline factory's arguments as unknown.)

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Generator, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple, TypeVar

from redis.exceptions import NoScriptError, ResponseError

from .connection import Connection
from .errors import NotReplicatedError
from .evalsha import AsyncClientLink, ClientLink, arun_script, run_script, script_request
from .keys import QueueKeys
from .lanes import WorkerLane
from .routing import acall_routed, call_routed
from .script_calls import QueueCalls, ScriptCall, check_permissions_call
from .script_replies import BeatReply, ClaimedJob, ClaimReply, RawJob, StalledJob, parse_add
from .wire import AddJobArgs, RepeatStep, Settlement, WatchReply

__all__ = [
    "Batch",
    "BeatReply",
    "ClaimReply",
    "ClaimedJob",
    "ClientCall",
    "NotReplicatedError",
    "QueueScripts",
    "RawJob",
    "ScriptCall",
    "Settlement",
    "StalledJob",
    "Steps",
    "WokenClaim",
    "queue_scripts",
]

T = TypeVar("T")

log = logging.getLogger("jobcontracts.worker")


@dataclass(frozen=True, slots=True)
class Batch:
    """Plain commands in one round trip: ``queue`` puts them on a redis-py pipeline.

    Blocking and asyncio pipelines queue commands alike, without I/O, so one
    ``queue`` function serves both; the step's reply is the list of replies.
    """

    queue: Callable[[Any], object]
    transaction: bool = False


@dataclass(frozen=True, slots=True)
class ClientCall:
    """One command on the node's client: ``send(client)``.

    Blocking and asyncio clients share their method names, so one function
    serves both: it returns the reply, or on asyncio the awaitable of it.
    """

    send: Callable[[Any], Any]


class WokenClaim(NamedTuple):
    """What an idle worker's wait brought: the claim queued behind it, and the wait's own error."""

    reply: ClaimReply | None
    """None when the server had lost the script (NOSCRIPT): nothing was claimed."""
    error: ResponseError | None
    """An error reply to the BZPOPMIN (the claim ran all the same)."""


Steps = Generator[ScriptCall[Any] | Batch | ClientCall, Any, T]
"""An operation of several round trips: yields steps, receives each step's reply."""


def _batch(batch: Batch, node: Connection) -> list[Any]:
    pipe = node.sync_client().pipeline(transaction=batch.transaction)
    batch.queue(pipe)
    replies: list[Any] = pipe.execute()
    return replies


async def _abatch(batch: Batch, node: Connection) -> list[Any]:
    pipe = node.async_client().pipeline(transaction=batch.transaction)
    batch.queue(pipe)
    replies: list[Any] = await pipe.execute()
    return replies


def _client_call(call: ClientCall, node: Connection) -> Any:
    return call.send(node.sync_client())


async def _aclient_call(call: ClientCall, node: Connection) -> Any:
    return await call.send(node.async_client())


class QueueScripts:
    """Typed entry points to the scripts of one queue, bound to a connection."""

    __slots__ = ("_conn", "calls", "keys")

    def __init__(self, connection: Connection, keys: QueueKeys) -> None:
        self._conn = connection
        self.keys = keys
        self.calls = QueueCalls(keys, connection.endpoint.wait)

    # routing ----------------------------------------------------------
    def node(self) -> Connection:
        """The connection of the node serving this queue now (itself unless on a Cluster)."""
        return self._conn.route(self.keys.base)

    def call(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` on the node serving this queue, rerouting on redirects and failovers."""
        return call_routed(self._conn, self.keys.base, fn)

    async def acall(self, fn: Callable[[Connection], Awaitable[T]]) -> T:
        return await acall_routed(self._conn, self.keys.base, fn)

    # the two executors --------------------------------------------------
    def run(self, call: ScriptCall[T], *, fast: bool = False) -> T:
        """Run one script call; ``fast`` takes the producer's lane (``lanes.py``)."""

        def on(node: Connection) -> Any:
            link = node.sync_lane() if fast else ClientLink(node.sync_client())
            return run_script(link, call.script, call.keys, call.args, call.wait, call.head)

        return call.parse(call_routed(self._conn, self.keys.base, on))

    async def arun(
        self, call: ScriptCall[T], *, fast: bool = False, lane: WorkerLane | None = None
    ) -> T:
        """``run`` on asyncio; over ``lane`` when given (the worker's own connection)."""

        def on(node: Connection) -> Awaitable[Any]:  # the script run itself: one coroutine less
            link = lane or (node.async_lane() if fast else AsyncClientLink(node.async_client()))
            return arun_script(link, call.script, call.keys, call.args, call.wait, call.head)

        return call.parse(await acall_routed(self._conn, self.keys.base, on))

    def run_steps(self, steps: Steps[T]) -> T:
        """Drive an operation of several round trips, each step routed on its own."""
        step = next(steps)
        while True:
            if isinstance(step, Batch):
                reply: Any = self.call(partial(_batch, step))
            elif isinstance(step, ClientCall):
                reply = self.call(partial(_client_call, step))
            else:
                reply = self.run(step)
            try:
                step = steps.send(reply)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]

    async def arun_steps(self, steps: Steps[T]) -> T:
        """``run_steps`` on asyncio."""
        step = next(steps)
        while True:
            if isinstance(step, Batch):
                reply: Any = await self.acall(partial(_abatch, step))
            elif isinstance(step, ClientCall):
                reply = await self.acall(partial(_aclient_call, step))
            else:
                reply = await self.arun(step)
            try:
                step = steps.send(reply)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]

    # named operations: one call each, blocking and asyncio ----------------
    def add_jobs(self, now_ms: int, jobs: Sequence[AddJobArgs]) -> list[tuple[str, bool]]:
        """Add jobs; returns (id, created) per job."""
        return parse_add(jobs, self.run(self.calls.add_jobs(now_ms, jobs), fast=True))

    async def add_jobs_async(
        self, now_ms: int, jobs: Sequence[AddJobArgs], *, pooled: bool = False
    ) -> list[tuple[str, bool]]:
        """``pooled``: through the client's pool, as the lane does after losing its connection."""
        call = self.calls.add_jobs(now_ms, jobs)
        return parse_add(jobs, await self.arun(call, fast=not pooled))

    async def finish_and_claim_async(
        self,
        now_ms: int,
        token: str,
        lease_ms: int,
        want: int,
        settled: Sequence[Settlement],
        rate_max: int = 0,
        rate_window_ms: int = 0,
        lane: WorkerLane | None = None,
    ) -> ClaimReply:
        """Settle ``settled`` and claim up to ``want`` jobs (over ``lane`` when given)."""
        call = self.calls.finish_and_claim(
            now_ms, token, lease_ms, want, settled, (rate_max, rate_window_ms)
        )
        try:
            return await self.arun(call, lane=lane)
        except NotReplicatedError as error:
            log.warning(
                "%d settlement(s) in %s: %s",
                len(settled),
                self.keys.base,
                error,
                extra={"domain": self.keys.domain},
            )
            return call.parse(error.reply)

    async def claim_when_woken_async(
        self,
        lane: WorkerLane,
        wake_key: str,
        timeout_s: float,
        call: tuple[str, int, int, tuple[int, int]],
    ) -> WokenClaim:
        """Block on the marker (or ``wake_key``) and claim when woken: one round trip.

        ``call`` is (token, lease ms, want, rate). The claim goes out right
        behind the BZPOPMIN on the same connection, so Redis runs it the moment
        the pop returns (woken or timed out) and the jobs come back with the
        wake-up. It was sent up to ``timeout_s`` before it runs, so it reads the
        server's clock then: a lease runs from the claim, not from the send.
        It settles nothing, so it never waits for replicas.
        """
        token, lease_ms, want, rate = call
        claim = self.calls.finish_and_claim(None, token, lease_ms, want, (), rate)
        block = ("BZPOPMIN", self.keys.marker, wake_key, f"{timeout_s:.3f}")
        (evalsha,) = script_request(claim.script, claim.keys, claim.args, None)
        popped, reply = await lane.exchange(block, evalsha)
        error = popped if isinstance(popped, ResponseError) else None
        if isinstance(reply, ResponseError):
            if error is not None:
                raise error
            if isinstance(reply, NoScriptError):
                return WokenClaim(None, None)
            raise reply
        return WokenClaim(claim.parse(reply), error)

    async def extend_leases_async(
        self, deadline_ms: int, held: Iterable[tuple[str, str]]
    ) -> list[str]:
        """Renew leases in one call; returns the ids whose lease was lost."""
        return await self.arun(self.calls.extend_leases(deadline_ms, held))

    def recover_stalled(self, now_ms: int, max_stalls: int, limit: int = 1000) -> list[StalledJob]:
        return self.run(self.calls.recover_stalled(now_ms, max_stalls, limit))

    async def recover_stalled_async(
        self, now_ms: int, max_stalls: int, limit: int = 1000
    ) -> list[StalledJob]:
        return await self.arun(self.calls.recover_stalled(now_ms, max_stalls, limit))

    def read_job(self, job_id: str, *, fields: bool = True) -> RawJob | None:
        return self.run(self.calls.read_job(job_id, fields))

    async def read_job_async(self, job_id: str, *, fields: bool = True) -> RawJob | None:
        return await self.arun(self.calls.read_job(job_id, fields))

    def watch_job(self, job_id: str) -> tuple[WatchReply, bytes]:
        """(COMPLETED, result) / (DEAD, reason) / (UNKNOWN, b'') / (PENDING, b'')."""
        return self.run(self.calls.watch_job(job_id))

    async def watch_job_async(self, job_id: str) -> tuple[WatchReply, bytes]:
        return await self.arun(self.calls.watch_job(job_id))

    def unwatch_job(self, job_id: str) -> None:
        """Withdraw one waiter registration (a ``Job.result`` call that gave up)."""
        self.run(self.calls.unwatch_job(job_id))

    async def unwatch_job_async(self, job_id: str) -> None:
        await self.arun(self.calls.unwatch_job(job_id))

    def retry_dead(self, now_ms: int, job_ids: Sequence[str]) -> int:
        return self.run(self.calls.retry_dead(now_ms, job_ids)) if job_ids else 0

    async def retry_dead_async(self, now_ms: int, job_ids: Sequence[str]) -> int:
        return await self.arun(self.calls.retry_dead(now_ms, job_ids)) if job_ids else 0

    def purge_dead(self, limit: int) -> int:
        return self.run(self.calls.purge_dead(limit))

    async def purge_dead_async(self, limit: int) -> int:
        return await self.arun(self.calls.purge_dead(limit))

    def add_repeat(
        self, now_ms: int, key: str, definition: str, first_ms: int
    ) -> tuple[str, int, bool]:
        """Store a repeat; returns (first occurrence id, its time, created)."""
        return self.run(self.calls.add_repeat(now_ms, key, definition, first_ms))

    async def add_repeat_async(
        self, now_ms: int, key: str, definition: str, first_ms: int
    ) -> tuple[str, int, bool]:
        return await self.arun(self.calls.add_repeat(now_ms, key, definition, first_ms))

    async def due_repeats_async(
        self, now_ms: int, limit: int
    ) -> list[tuple[str, int, bytes | None]]:
        """Up to ``limit`` due repeats: (key, current occurrence ms, definition or None)."""
        return await self.arun(self.calls.due_repeats(now_ms, limit))

    async def schedule_repeats_async(
        self, now_ms: int, steps: Sequence[tuple[str, int, int | None]]
    ) -> list[RepeatStep]:
        """Advance repeats given (key, expected current ms, next ms or None); a step per repeat."""
        return await self.arun(self.calls.schedule_repeats(now_ms, steps))

    def remove_repeat(self, key: str) -> bool:
        return self.run(self.calls.remove_repeat(key)) == 1

    async def remove_repeat_async(self, key: str) -> bool:
        return await self.arun(self.calls.remove_repeat(key)) == 1


def check_permissions(
    connection: Connection, probe_key: str, probes: Sequence[Sequence[str]]
) -> list[str]:
    """The probes (argv lists, ``KEY`` for ``probe_key``) the connection's user may not run."""
    call = check_permissions_call(probe_key, probes)
    link = ClientLink(connection.route(probe_key).sync_client())
    return call.parse(run_script(link, call.script, call.keys, call.args))


def queue_scripts(connection: Connection, domain: str) -> QueueScripts:
    """The (cached) scripts facade of one queue on one connection."""
    per_conn = connection.scripts_by_domain
    scripts = per_conn.get(domain)
    if scripts is None:
        scripts = per_conn[domain] = QueueScripts(
            connection, QueueKeys.build(connection.prefix, domain)
        )
    return scripts
