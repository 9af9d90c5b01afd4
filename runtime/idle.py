"""How an idle worker waits for work: BZPOPMIN on the queue's marker, on a connection of its own.

Producers add to the marker when they make a job ready, so the wait ends
within a round trip of the enqueue. When the worker's clock is the server's,
the claim goes out right behind the BZPOPMIN on the same connection
(``QueueScripts.claim_when_woken_async``): Redis runs it the moment the pop
returns, so the jobs come back with the wake-up instead of one round trip
later. Such a claim was sent before it runs, which has three consequences:

- it reads the server's clock when it runs (a lease runs from the claim);
- its ``want`` stays reserved while it is pending: the driver's own turns
  claim only the room left, so the worker never holds more than it may;
- its reply must be read whatever happens, or the jobs it claimed would sit
  under a lease nobody renews. Stopping therefore wakes the wait through the
  worker's own wake key (``QueueKeys.wake``) and reads the claim, whose jobs
  are then handed back; so does a due time or the end of a rate-limit window
  the pending claim should act on (``nudge``). Only a lost connection can
  lose the reply, as it can for any claim: the lease then runs out and the
  jobs are recovered.

A worker on a clock of its own (tests pass a manual one) waits on the marker
alone and claims once woken, with the time it is told.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from redis.exceptions import ResponseError

from .connection import Connection
from .lanes import WorkerLane
from .routing import TRANSIENT_ERRORS
from .script_replies import ClaimReply
from .scripts import QueueScripts

log = logging.getLogger("jobcontracts.worker")

MIN_BLOCK_S = 0.001
WAKE_TTL_MS = 1000
"""A wake-up nobody took (the wait had just ended) is gone after this long."""
NUDGE_ERRORS: tuple[type[Exception], ...] = (*TRANSIENT_ERRORS, ResponseError)


class WaitEnd(enum.Enum):
    WOKEN = "woken"
    """The wait ended (woken or timed out) and claimed nothing: the driver claims now."""
    CLAIMED = "claimed"
    """The claim queued behind the wait ran and its jobs were taken."""
    TROUBLE = "trouble"
    """A connection or server error, already logged: back off, then claim."""


Took = Callable[[ClaimReply, int], Awaitable[None]]
"""Takes the reply of a claim of ``want`` jobs (``Dispatcher._took_woken``)."""


@dataclass(slots=True)
class PendingWait:
    task: asyncio.Task[WaitEnd]
    reserved: int
    """Room promised to the claim queued behind the wait; 0 for a plain wait."""
    until: float
    """Loop time by which the server ends the wait by itself."""
    nudged: bool = False


class IdleWaits:
    """The marker waits of one worker run, one at a time, on their own connection."""

    def __init__(
        self,
        connection: Connection,
        scripts: QueueScripts,
        worker_id: str,
        claim: tuple[int, tuple[int, int]],
        ended: Callable[[], None],
    ) -> None:
        self._conn = connection
        self._scripts = scripts
        self._lane = WorkerLane(lambda: scripts.node().async_client())
        self._wake_key = scripts.keys.wake(worker_id)
        self._lease_ms, self._rate = claim
        self._ended = ended
        self._log_extra = {"domain": scripts.keys.domain}
        self.pending: PendingWait | None = None

    @property
    def reserved(self) -> int:
        pending = self.pending
        return pending.reserved if pending is not None and not pending.task.done() else 0

    def start(self, timeout: float, claim: tuple[str, int, Took] | None) -> PendingWait:
        """Wait up to ``timeout``; with ``claim`` (token, want, took) claim when woken."""
        loop = asyncio.get_running_loop()
        timeout = max(timeout, MIN_BLOCK_S)
        if claim is None:
            task = loop.create_task(self._wait(timeout))
        else:
            task = loop.create_task(self._wait_and_claim(timeout, *claim))
        task.add_done_callback(lambda _task: self._ended())
        pending = self.pending = PendingWait(task, claim[1] if claim else 0, loop.time() + timeout)
        return pending

    async def _wait(self, timeout: float) -> WaitEnd:
        try:
            await self._lane.execute("BZPOPMIN", self._scripts.keys.marker, f"{timeout:.3f}")
        except TRANSIENT_ERRORS as exc:
            await self._lost(exc)
            return WaitEnd.TROUBLE
        return WaitEnd.WOKEN

    async def _wait_and_claim(self, timeout: float, token: str, want: int, took: Took) -> WaitEnd:
        call = (token, self._lease_ms, want, self._rate)
        try:
            woken = await self._scripts.claim_when_woken_async(
                self._lane, self._wake_key, timeout, call
            )
        except TRANSIENT_ERRORS as exc:
            await self._lost(exc)
            return WaitEnd.TROUBLE
        except Exception as exc:
            from .diagnosis import is_access_error, refused  # loaded when a wait fails

            if is_access_error(exc):  # waiting will not fix it: stop the worker
                raise refused(exc, self._conn.url, prefix=self._conn.prefix) from exc
            log.error(
                "idle claim failed in %s",
                self._scripts.keys.domain,
                exc_info=exc,
                extra=self._log_extra,
            )
            return WaitEnd.TROUBLE
        if woken.reply is None:  # the server lost its scripts: a turn loads them
            return WaitEnd.WOKEN
        try:
            await took(woken.reply, want)  # takes the jobs first, then may call Redis
        except TRANSIENT_ERRORS as exc:
            await self._lost(exc)
            return WaitEnd.TROUBLE
        except Exception as exc:  # the due repeats: the next turn tries them again
            log.error(
                "idle claim failed in %s",
                self._scripts.keys.domain,
                exc_info=exc,
                extra=self._log_extra,
            )
            return WaitEnd.TROUBLE
        if woken.error is not None:  # the claim's jobs are taken; the wait itself failed
            from .diagnosis import is_access_error, refused

            if is_access_error(woken.error):
                raise refused(
                    woken.error, self._conn.url, prefix=self._conn.prefix
                ) from woken.error
            raise woken.error
        return WaitEnd.CLAIMED

    async def _lost(self, exc: Exception) -> None:
        log.warning(
            "redis unavailable for %s while idle (%s)",
            self._scripts.keys.domain,
            exc,
            extra=self._log_extra,
        )
        with contextlib.suppress(*TRANSIENT_ERRORS):
            await asyncio.to_thread(self._conn.reroute)

    async def nudge(self, lane: WorkerLane) -> None:
        """End the pending wait now, so that its claim runs (sent on ``lane``, not the wait's)."""
        pending = self.pending
        if pending is None or pending.nudged or pending.task.done():
            return
        pending.nudged = True
        wake = self._wake_key
        try:
            await lane.execute_many(("ZADD", wake, "0", "0"), ("PEXPIRE", wake, WAKE_TTL_MS))
        except NUDGE_ERRORS as exc:  # it still ends by its own timeout
            log.warning(
                "could not wake the idle claim of %s (%s)",
                self._scripts.keys.domain,
                exc,
                extra=self._log_extra,
            )

    async def finish(self, lane: WorkerLane) -> None:
        """Stopping: end the pending wait, reading its claim's reply when there is one."""
        pending = self.pending
        if pending is None:
            return
        task = pending.task
        if pending.reserved and not task.done():
            await self.nudge(lane)
            left = pending.until - asyncio.get_running_loop().time()
            await asyncio.wait({task}, timeout=max(left, 0.0) + 1.0)
        self.pending = None
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    async def close(self) -> None:
        await self._lane.close()
