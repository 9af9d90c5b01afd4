"""The engine behind ``Worker.run``: the driver loop that claims and settles.

The driver is the only code that talks to Redis for the held jobs. Each turn
it sends everything finished since its last call together with a request for
as many jobs as it has free room, in ONE ``finish_and_claim_jobs`` call (which
also promotes due delayed and retried jobs). While a call is in flight, more
jobs finish and queue up, so batches grow under load and a lone job still
goes out at once when idle. When there is nothing to do, the driver waits on
a local future (woken by a finishing job), never polling, while the queue's
marker is watched on a connection of its own (``idle.py``): producers wake
that wait within a round trip, and the claim queued behind it brings the jobs
with the wake-up.

The rest lives beside it: the held jobs and their settlements in
``claimed.py``, job timeouts in ``deadlines.py``, liveness, leases and stall
recovery in the heartbeat thread (``heartbeat.py``), and the repeats that
came due in ``repeat.py``.
"""

from __future__ import annotations

import asyncio
import logging
import time

from .claimed import ClaimedJobs
from .connection import Connection
from .durations import to_milliseconds
from .errors import RedisAccessError, TopologyError
from .execution import JobRunner
from .heartbeat import Heartbeat
from .idle import MIN_BLOCK_S, IdleWaits, PendingWait, WaitEnd
from .lanes import WorkerLane
from .repeat import advance_due_repeats
from .routing import TRANSIENT_ERRORS
from .script_replies import ClaimReply
from .scripts import QueueScripts
from .server_clock import ServerClock
from .wire import Settlement
from .worker_settings import WorkerSettings
from .workers import new_worker_id, serve

log = logging.getLogger("jobcontracts.worker")


class Dispatcher:
    """One run of one worker: claims jobs, hands them to ``ClaimedJobs``, settles them."""

    def __init__(
        self,
        connection: Connection,
        scripts: QueueScripts,
        runner: JobRunner,
        settings: WorkerSettings,
    ) -> None:
        self._conn = connection
        self._scripts = scripts
        self._runner = runner
        self._settings = settings
        self._domain = runner.domain
        self._clock = connection.clock
        prefetch = settings.concurrency if settings.prefetch is None else settings.prefetch
        self._capacity = settings.concurrency + prefetch
        self._lease_ms = to_milliseconds(settings.lease)
        self._rate = (
            (settings.rate_limit.max, to_milliseconds(settings.rate_limit.duration))
            if settings.rate_limit
            else (0, 0)
        )
        self._token_base = new_worker_id()
        self._calls = 0
        self._claimed: ClaimedJobs | None = None
        self._wake: asyncio.Future[None] | None = None
        self._stopping = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lane: WorkerLane | None = None
        self._waits = IdleWaits(
            connection, scripts, self._token_base, (self._lease_ms, self._rate), self._poke
        )
        self._log_extra = {"domain": self._domain}
        # driver state, kept across turns
        self._idle = False
        self._next_due: int | None = None
        self._rate_until = 0.0
        self._error_delay = 0.0

    # ------------------------------------------------------------ control
    def request_stop(self) -> None:
        """Stop claiming; ``run`` then drains and returns. Safe from any thread."""
        self._stopping = True
        if self._claimed is not None:
            self._claimed.starting = False
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is loop:
                self._poke()
            else:
                loop.call_soon_threadsafe(self._poke)

    def _poke(self) -> None:
        wake = self._wake
        if wake is not None and not wake.done():
            wake.set_result(None)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        claimed = self._claimed = ClaimedJobs(
            self._runner, self._settings.concurrency, self._loop, self._poke
        )
        claimed.starting = not self._stopping
        # It follows the queue's node: on a Cluster it changes after a failover.
        self._lane = WorkerLane(lambda: self._scripts.node().async_client())
        try:
            await self._conn.sync_clock_async()
        except TRANSIENT_ERRORS as exc:  # the heartbeat measures it once Redis answers
            log.warning(
                "could not read the Redis server's clock for %s (%s)",
                self._domain,
                exc,
                extra=self._log_extra,
            )
        heartbeat = Heartbeat(
            self._token_base,
            self._domain,
            self._scripts,
            self._settings,
            self._conn,
            claimed,
            self._loop,
            self._runner.observer,
        )
        heartbeat.start()
        serve(self._domain, +1)
        leave = False
        try:
            try:
                await self._drive(claimed)
            finally:
                await self._shutdown(claimed)
            leave = not claimed.finished  # unreported jobs: let liveness expiry hand them back
        finally:
            serve(self._domain, -1)
            await asyncio.to_thread(heartbeat.stop, leave=leave)
            await self._lane.close()
            await self._waits.close()

    # ------------------------------------------------------------ one round trip
    async def _call(self, want: int, settled: list[Settlement]) -> ClaimReply:
        """One finish-and-claim round trip, then the repeats it says came due."""
        self._calls += 1
        now = self._clock()
        rate_max, rate_window = self._rate
        try:
            reply = await self._scripts.finish_and_claim_async(
                now,
                f"{self._token_base}:{self._calls}",
                self._lease_ms,
                want,
                settled,
                rate_max,
                rate_window,
                lane=self._lane,
            )
        except Exception as exc:
            from .diagnosis import is_access_error, refused  # loaded when a call fails

            if is_access_error(exc):  # waiting will not fix it: stop the worker
                raise refused(exc, self._conn.url, prefix=self._conn.prefix) from exc
            raise
        await self._after_call(reply, now)
        return reply

    async def _after_call(self, reply: ClaimReply, now: int) -> None:
        """Log the settlements that came too late, and create the repeats that came due."""
        for job_id in reply.ignored:
            log.warning(
                "job %s:%s finished after its lease was lost; its outcome was ignored",
                self._domain,
                job_id,
                extra={"job_id": job_id, "domain": self._domain},
            )
        if reply.next_repeat_ms is not None and reply.next_repeat_ms <= now:
            created = await advance_due_repeats(self._scripts, now)
            if created:
                log.debug(
                    "scheduled %d repeat occurrence(s) in %s",
                    created,
                    self._domain,
                    extra=self._log_extra,
                )

    # ------------------------------------------------------------ the driver loop
    async def _drive(self, claimed: ClaimedJobs) -> None:
        try:
            while not self._stopping:
                rate_limited = self._rate_until > time.monotonic()
                room = self._capacity - len(claimed) - self._waits.reserved
                want = 0 if rate_limited else room
                if claimed.finished or (want > 0 and not self._idle):
                    if await self._turn(claimed, want):
                        break
                else:
                    await self._wait(want, rate_limited)
        finally:
            claimed.starting = False  # a claim read from here on is handed back
            assert self._lane is not None
            await self._waits.finish(self._lane)

    async def _turn(self, claimed: ClaimedJobs, want: int) -> bool:
        """Settle what finished and claim up to ``want``; True when a burst run is done."""
        settled = claimed.take_finished()
        try:
            reply = await self._call(want, settled)
        except (RedisAccessError, TopologyError):
            claimed.put_back(settled)
            raise  # refused or misconfigured: retrying cannot help
        except Exception as exc:
            claimed.put_back(settled)
            await self._back_off(exc)
            return False
        self._took(claimed, reply, want)
        if reply.rate_wait_ms > 0:
            return False
        return self._burst_done(claimed)

    def _took(self, claimed: ClaimedJobs, reply: ClaimReply, want: int) -> None:
        """Start the claimed jobs and note what the claim said about the queue."""
        if reply.jobs:
            claimed.accept(reply.jobs)
        self._error_delay = 0.0
        self._next_due = reply.next_due_ms
        if want > 0:
            self._idle = len(reply.jobs) < want or reply.paused
        if reply.rate_wait_ms > 0:
            self._rate_until = time.monotonic() + reply.rate_wait_ms / 1000

    async def _took_woken(self, reply: ClaimReply, want: int) -> None:
        """The reply of the claim that waited behind the marker: ``_took``, then due repeats."""
        assert self._claimed is not None
        self._took(self._claimed, reply, want)
        await self._after_call(reply, self._clock())

    async def _back_off(self, exc: Exception | None) -> None:
        """Wait before the next try, doubling up to ``error_backoff_max``; logs ``exc``."""
        delay = self._error_delay = min(
            max(self._error_delay * 2, 0.1), self._settings.error_backoff_max
        )
        if isinstance(exc, TRANSIENT_ERRORS):
            log.warning(
                "redis unavailable for %s (%s); retrying in %.1fs",
                self._domain,
                exc,
                delay,
                extra=self._log_extra,
            )
        elif exc is not None:
            log.error(
                "worker loop error in %s; retrying in %.1fs",
                self._domain,
                delay,
                exc_info=exc,
                extra=self._log_extra,
            )
        await self._pause(delay)

    async def _wait(self, want: int, rate_limited: bool) -> None:
        """Nothing to send and nothing to claim: wait for a finished job, a producer's
        marker, the next due time or the end of the rate window."""
        loop = asyncio.get_running_loop()
        pending = self._waits.pending
        claim_pending = pending is not None and pending.reserved > 0 and not pending.nudged
        timeout = self._settings.idle_block
        # a due time matters when there is room to claim it, or a pending claim could
        if self._next_due is not None and not rate_limited and (want > 0 or claim_pending):
            timeout = min(timeout, (self._next_due - self._clock()) / 1000)
        if rate_limited:
            timeout = min(timeout, self._rate_until - time.monotonic())
        if timeout < MIN_BLOCK_S:
            if not claim_pending:
                self._idle = False
                return
            assert self._lane is not None
            await self._waits.nudge(self._lane)  # the pending claim runs now, and takes it
            timeout = self._settings.idle_block
        # One plain future is the only thing awaited: finishing jobs, stop(),
        # the marker wait and the timeout all resolve it (no asyncio.wait).
        wake = self._wake = loop.create_future()
        if want > 0 and self._idle and pending is None:
            pending = self._start_wait(want, timeout)
        until = loop.time() + timeout
        if pending is not None and pending.task.done():
            self._wake = None  # woke while we were busy: its poke found no waiter
        else:
            # a pending claim ends by itself: no timer needed for that
            timed = pending is None or not pending.reserved or until < pending.until
            timer = loop.call_at(until, self._poke) if timed else None
            try:
                await wake
            finally:
                if timer is not None:
                    timer.cancel()
                self._wake = None
        if pending is not None and pending.task.done():
            self._waits.pending = None
            end = pending.task.result()
            if end is WaitEnd.TROUBLE:
                await self._back_off(None)
            if end is not WaitEnd.CLAIMED:
                self._idle = False
        elif loop.time() >= until:
            if pending is None or not pending.reserved:
                self._idle = False
            else:  # a due time or the end of a rate window came before the pending claim ran
                assert self._lane is not None
                await self._waits.nudge(self._lane)

    def _start_wait(self, want: int, timeout: float) -> PendingWait:
        """Wait on the marker; with the server's clock, with a claim of ``want`` queued behind."""
        clock = self._clock
        if not (isinstance(clock, ServerClock) and clock.measured):
            return self._waits.start(timeout, None)
        self._calls += 1
        return self._waits.start(
            timeout, (f"{self._token_base}:{self._calls}", want, self._took_woken)
        )

    def _burst_done(self, claimed: ClaimedJobs) -> bool:
        """In burst mode: nothing was left to claim and everything held has been settled."""
        if not (self._settings.burst and self._idle and not len(claimed) and not claimed.finished):
            return False
        log.info("%s: nothing waiting; burst run done", self._domain, extra=self._log_extra)
        return True

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake early on ``stop()``."""
        wake = self._wake = asyncio.get_running_loop().create_future()
        try:
            await asyncio.wait({wake}, timeout=seconds)
        finally:
            self._wake = None

    # ------------------------------------------------------------ shutdown
    async def _shutdown(self, claimed: ClaimedJobs) -> None:
        """Hand prefetched jobs back at once; let running jobs finish within the grace period."""
        claimed.hand_back_prefetched()
        await self._report_finished(claimed)
        await claimed.drain(to_milliseconds(self._settings.shutdown_grace) / 1000)
        await self._report_finished(claimed)

    async def _report_finished(self, claimed: ClaimedJobs) -> None:
        """Send every settlement still held (shutdown), retrying through a short outage."""
        deadline = time.monotonic() + max(
            to_milliseconds(self._settings.shutdown_grace) / 1000, 5.0
        )
        while claimed.finished:
            settled = claimed.take_finished()
            try:
                await self._call(0, settled)
            except TRANSIENT_ERRORS as exc:
                claimed.put_back(settled)
                if time.monotonic() > deadline:
                    log.error(
                        "could not report %d finished job(s) of %s before exit (%s); "
                        "their leases will expire and they will run again",
                        len(settled),
                        self._domain,
                        exc,
                        extra=self._log_extra,
                    )
                    return
                await asyncio.sleep(0.2)
