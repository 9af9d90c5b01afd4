"""Concurrent ``enqueue_async`` calls of one queue share one script call.

A call that finds no add of its queue in flight on its event loop sends its
job at once, as before: a producer awaiting one job at a time pays nothing
here. Calls that arrive while an add is in flight wait for it, then leave
together as one ``add_jobs`` call (at most ``MAX_BATCH`` jobs each). The more
producers, the larger the batches: one round trip and one script run carry
many jobs, where each job used to cost its own.

Each call keeps its own result: the script answers ``(id, created)`` per job,
in order. Each keeps its own error too: if a shared call fails with an error
reply, every job of it is sent again alone, so the one that caused it fails
alone (ids are fixed before the first try, so a job the failed call had
already added is found, not added twice). An error that is not about a job
(Redis unreachable after the retries, replication not confirmed) is every
caller's, and each of them gets it.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

import redis
from redis.exceptions import NoScriptError

from .connection import Connection
from .pipelined import PipelinedConnection
from .retrying import is_outage
from .routing import REDIRECT_ERRORS
from .script_replies import parse_add, parse_add_one
from .scripts import QueueScripts, queue_scripts
from .wire import AddJobArgs

MAX_BATCH = 1000
Added = tuple[str, bool]
"""What ``add_jobs`` answers for one job: its id, and whether this call created it."""
_Waiting = tuple[AddJobArgs, "asyncio.Future[Added]"]


@dataclass
class _Batcher:
    """The adds of one queue on one connection and event loop."""

    connection: Connection
    domain: str
    busy: bool = False
    waiting: list[_Waiting] = field(default_factory=lambda: list[_Waiting]())
    scripts: QueueScripts = field(init=False)
    direct: bool = field(init=False)
    """Whether calls may go straight to the lane's pipelined connection (``_send``)."""
    pipe: PipelinedConnection | None = None
    """That connection, as the last call through the full path left it."""

    def __post_init__(self) -> None:
        self.scripts = queue_scripts(self.connection, self.domain)
        self.direct = self.connection.endpoint.kind != "cluster" and self.scripts.calls.wait is None

    async def add(self, job: AddJobArgs) -> Added:
        if self.busy:
            future: asyncio.Future[Added] = asyncio.get_running_loop().create_future()
            entry = (job, future)
            self.waiting.append(entry)
            try:
                return await future
            except asyncio.CancelledError:
                if entry in self.waiting:  # not sent yet: it never will be
                    self.waiting.remove(entry)
                raise
        self.busy = True
        try:
            pipe = self.pipe
            connection = self.connection
            if pipe is None or not pipe.usable or connection.clock_stale:
                return (await self._send([job]))[0]
            # _send's direct path for one job, written out: a coroutine less per add
            now = connection.now_ms()
            packed = self.scripts.calls.add_one_packed(now, job)
            try:
                reply = await pipe.call(packed)
            except Exception as error:
                return (await self._after(error, now, [job]))[0]
            return parse_add_one(job, reply)
        finally:
            self._next()

    def _next(self) -> None:
        """Send what waited meanwhile as one call, or mark the queue free."""
        waiting = self.waiting
        if not waiting:
            self.busy = False
            return
        batch, self.waiting = waiting[:MAX_BATCH], waiting[MAX_BATCH:]
        asyncio.get_running_loop().create_task(self._send_batch(batch))

    async def _send_batch(self, batch: list[_Waiting]) -> None:
        try:
            replies = await self._send([job for job, _ in batch])
        except redis.ResponseError:
            replies = None
        except BaseException as error:
            for _, future in batch:
                if future.done():
                    continue
                if isinstance(error, asyncio.CancelledError):
                    future.cancel()
                else:
                    future.set_exception(error)
            if not isinstance(error, Exception):
                raise
            return
        finally:
            self._next()
        if replies is None:
            await asyncio.gather(*(self._alone(job, future) for job, future in batch))
            return
        for (_, future), reply in zip(batch, replies, strict=True):
            if not future.done():
                future.set_result(reply)

    async def _alone(self, job: AddJobArgs, future: asyncio.Future[Added]) -> None:
        """One job of a failed shared call, sent by itself so that its error is its own."""
        try:
            (reply,) = await self._send([job])
        except Exception as error:
            if not future.done():
                future.set_exception(error)
            return
        if not future.done():
            future.set_result(reply)

    async def _send(self, jobs: Sequence[AddJobArgs]) -> list[Added]:
        """One ``add_jobs`` call; straight to the pipelined connection when nothing is unusual.

        The direct path is the full one (``QueueScripts.add_jobs_async``: routing,
        the lane, EVALSHA with its NOSCRIPT fallback) for its common case, a single
        server, no WAIT and an open lane, written without its layers. Its bytes on
        the wire are the same; on any failure ``_after`` goes on as the full path would.
        """
        connection = self.connection
        if connection.clock_stale:
            await connection.sync_clock_async()
        now = connection.now_ms()
        pipe = self.pipe
        if pipe is None or not pipe.usable:
            return await self._full(now, jobs)
        calls = self.scripts.calls
        packed = (
            calls.add_one_packed(now, jobs[0]) if len(jobs) == 1 else calls.add_packed(now, jobs)
        )
        try:
            reply = await pipe.call(packed)
        except Exception as error:
            return await self._after(error, now, jobs)
        return parse_add(jobs, reply)

    async def _after(self, error: Exception, now: int, jobs: Sequence[AddJobArgs]) -> list[Added]:
        """What the full path does once the lane's connection answered ``error``.

        A connection error or timeout that is an outage: the call goes through
        the client's pool, with its retries (``AsyncProducerLane.execute``). An
        unloaded script (NOSCRIPT) or a redirect: the call starts over on the full
        path, which loads the script or reroutes (the failed EVALSHA ran nothing).
        Any other error is the call's own.
        """
        if isinstance(error, redis.ConnectionError | redis.TimeoutError):
            if not is_outage(error):
                raise error
            return await self._full(now, jobs, pooled=True)
        if isinstance(error, (NoScriptError, *REDIRECT_ERRORS)):
            return await self._full(now, jobs)
        raise error

    async def _full(
        self, now: int, jobs: Sequence[AddJobArgs], *, pooled: bool = False
    ) -> list[Added]:
        try:
            return await self.scripts.add_jobs_async(now, jobs, pooled=pooled)
        finally:
            if self.direct:
                self.pipe = self.connection.async_lane().open_pipe()


Batchers = dict[str, _Batcher]
"""The batchers of one connection and event loop, by domain (``Connection.batchers_by_loop``)."""


def add_job_coalesced(
    connection: Connection, domain: str, job: AddJobArgs
) -> Coroutine[Any, Any, Added]:
    """Add one job (its ``add_jobs`` arguments), sharing a script call with concurrent adds.

    Returns the batcher's coroutine itself: no coroutine of its own around it.
    """
    loop = asyncio.get_running_loop()
    last = connection.last_batchers
    if last is not None and last[0]() is loop:
        per_domain = last[1]
    else:
        found = connection.batchers_by_loop.get(loop)
        per_domain = connection.batchers_by_loop[loop] = {} if found is None else found
        connection.last_batchers = (weakref.ref(loop), per_domain)
    batcher = per_domain.get(domain)
    if batcher is None:
        batcher = per_domain[domain] = _Batcher(connection, domain)
    return batcher.add(job)
