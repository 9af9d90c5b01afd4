"""The engine behind ``Worker.run``: one driver coroutine plus a maintenance loop.

The driver is the only code that claims and settles jobs. Each turn it sends
everything finished since its last call together with a request for as many
jobs as it has free room, in ONE ``finish_and_claim_jobs`` call. While a call
is in flight, more jobs finish and queue up, so batches grow under load and a
lone job still goes out at once when idle. When there is nothing to do, the
driver blocks on BZPOPMIN of the queue's marker (woken by producers within
a round trip) or on a local future (woken by a finishing job), never polling.

Each job runs in its own task (cheap in asyncio, and the unit of cancellation
for timeouts and shutdown). Jobs claimed beyond ``concurrency`` (prefetch)
wait locally under the same lease and start the moment a slot frees.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque

from .channel import RawChannel
from .connection import Connection
from .diagnosis import is_access_error, refused
from .durations import to_milliseconds
from .errors import RedisAccessError, TopologyError
from .execution import JobRunner
from .heartbeat import Heartbeat
from .repeat import advance_due_repeats
from .routing import TRANSIENT_ERRORS
from .scripts import ClaimedJob, QueueScripts, Settlement
from .worker_settings import WorkerSettings
from .workers import new_worker_id, serve

log = logging.getLogger("jobcontracts.worker")

MIN_BLOCK_S = 0.001
DEADLINE_TICK_S = 0.01
"""Job timeouts are enforced by 10 ms buckets: one timer per bucket, not one per job."""


class Dispatcher:
    """One run of one worker: owns the held jobs and talks to Redis for them."""

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
        self._concurrency = settings.concurrency
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
        self._running: dict[ClaimedJob, asyncio.Task[None]] = {}
        self._prefetched: deque[ClaimedJob] = deque()
        self._finished: list[Settlement] = []
        self._wake: asyncio.Future[None] | None = None
        self._stopping = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._deadlines: dict[int, set[ClaimedJob]] = {}
        self._channel: RawChannel | None = None
        self._marker_channel: RawChannel | None = None
        self._log_extra = {"domain": self._domain}

    # ------------------------------------------------------------ control
    def request_stop(self) -> None:
        """Stop claiming; ``run`` then drains and returns. Safe from any thread."""
        self._stopping = True
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

    @property
    def held(self) -> int:
        return len(self._running) + len(self._prefetched)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        # Both follow the queue's node: on a Cluster it changes after a failover.
        self._channel = RawChannel(lambda: self._scripts.node().async_client())
        self._marker_channel = RawChannel(lambda: self._scripts.node().async_client())
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
            self,
            self._loop,
            self._runner.observer,
        )
        heartbeat.start()
        serve(self._domain, +1)
        leave = False
        try:
            try:
                await self._drive()
            finally:
                await self._shutdown()
            leave = not self._finished  # unreported jobs: let liveness expiry hand them back
        finally:
            serve(self._domain, -1)
            await asyncio.to_thread(heartbeat.stop, leave=leave)
            await self._channel.close()
            await self._marker_channel.close()

    # ------------------------------------------------------------ jobs
    def _start(self, job: ClaimedJob) -> None:
        loop = self._loop
        assert loop is not None
        bucket = int((loop.time() + job.timeout_ms / 1000) / DEADLINE_TICK_S) + 1
        job.deadline_bucket = bucket
        jobs = self._deadlines.get(bucket)
        if jobs is None:
            jobs = self._deadlines[bucket] = set()
            loop.call_at(bucket * DEADLINE_TICK_S, self._expire, bucket)
        jobs.add(job)
        self._running[job] = loop.create_task(self._execute(job))

    def _expire(self, bucket: int) -> None:
        """Cancel the jobs of a deadline bucket that are still running (they timed out)."""
        for job in self._deadlines.pop(bucket, ()):
            task = self._running.get(job)
            if task is not None:
                job.timed_out = True
                task.cancel()

    async def _execute(self, job: ClaimedJob) -> None:
        try:
            settlement = await self._runner.run(job)
        except asyncio.CancelledError:
            self._done(job, Settlement.hand_back(job.id, job.token))
            raise
        except Exception:  # a bug in the runner itself: never lose the job
            log.exception(
                "internal error running job %s:%s",
                self._domain,
                job.id,
                extra={"job_id": job.id, "domain": self._domain, "job_name": job.name},
            )
            settlement = Settlement.hand_back(job.id, job.token)
        self._done(job, settlement)

    def _done(self, job: ClaimedJob, settlement: Settlement) -> None:
        bucket = self._deadlines.get(job.deadline_bucket)
        if bucket is not None:
            bucket.discard(job)
        if self._running.pop(job, None) is None:
            return
        self._finished.append(settlement)
        if self._prefetched and not self._stopping:
            self._start(self._prefetched.popleft())
        self._poke()

    def _accept(self, jobs: list[ClaimedJob]) -> None:
        for job in jobs:
            if len(self._running) < self._concurrency:
                self._start(job)
            else:
                self._prefetched.append(job)

    # ------------------------------------------------------------ driver
    async def _call(
        self, want: int, settled: list[Settlement]
    ) -> tuple[list[ClaimedJob], int | None, int, bool]:
        """One finish-and-claim round trip; returns (jobs, next_due_ms, rate_wait_ms, paused)."""
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
                channel=self._channel,
            )
        except Exception as exc:
            if is_access_error(exc):  # waiting will not fix it: stop the worker
                raise refused(exc, self._conn.url, prefix=self._conn.prefix) from exc
            raise
        for job_id in reply.ignored:
            log.warning(
                "job %s:%s finished after its lease was lost; its outcome was ignored",
                self._domain,
                job_id,
                extra={"job_id": job_id, "domain": self._domain},
            )
        if reply.next_repeat_ms is not None and reply.next_repeat_ms <= now:
            created = await advance_due_repeats(self._conn, self._scripts, now)
            if created:
                log.debug(
                    "scheduled %d repeat occurrence(s) in %s",
                    created,
                    self._domain,
                    extra=self._log_extra,
                )
        return reply.jobs, reply.next_due_ms, reply.rate_wait_ms, reply.paused

    async def _drive(self) -> None:
        loop = asyncio.get_running_loop()
        idle = False
        next_due: int | None = None
        rate_until = 0.0
        error_delay = 0.0
        marker: asyncio.Task[object] | None = None
        try:
            while not self._stopping:
                rate_limited = rate_until > time.monotonic()
                want = 0 if rate_limited else self._capacity - self.held
                if self._finished or (want > 0 and not idle):
                    settled, self._finished = self._finished, []
                    try:
                        jobs, next_due, rate_wait, paused = await self._call(want, settled)
                    except RedisAccessError:
                        self._finished[:0] = settled
                        raise
                    except TRANSIENT_ERRORS as exc:
                        self._finished[:0] = settled
                        error_delay = min(
                            max(error_delay * 2, 0.1), self._settings.error_backoff_max
                        )
                        log.warning(
                            "redis unavailable for %s (%s); retrying in %.1fs",
                            self._domain,
                            exc,
                            error_delay,
                            extra=self._log_extra,
                        )
                        await self._pause(error_delay)
                        continue
                    except TopologyError:
                        self._finished[:0] = settled
                        raise  # misconfigured: retrying cannot help
                    except Exception:
                        self._finished[:0] = settled
                        error_delay = min(
                            max(error_delay * 2, 0.1), self._settings.error_backoff_max
                        )
                        log.exception(
                            "worker loop error in %s; retrying in %.1fs",
                            self._domain,
                            error_delay,
                            extra=self._log_extra,
                        )
                        await self._pause(error_delay)
                        continue
                    error_delay = 0.0
                    if jobs:
                        self._accept(jobs)
                    if want > 0:
                        idle = len(jobs) < want or paused
                    if rate_wait > 0:
                        rate_until = time.monotonic() + rate_wait / 1000
                    elif self._burst_done(idle):
                        break
                    continue
                # Nothing to send and nothing to claim: wait for a finished job,
                # a producer's marker, the next due time or the rate window.
                timeout = self._settings.idle_block
                if next_due is not None:
                    timeout = min(timeout, (next_due - self._clock()) / 1000)
                if rate_limited:
                    timeout = min(timeout, rate_until - time.monotonic())
                if timeout < MIN_BLOCK_S:
                    idle = False
                    continue
                # One plain future is the only thing awaited: finishing jobs, stop(),
                # the marker task and the timeout all resolve it (no asyncio.wait).
                wake = self._wake = loop.create_future()
                if want > 0 and idle and marker is None:
                    marker = asyncio.create_task(self._block_on_marker(timeout))
                    marker.add_done_callback(self._marker_done)
                until = loop.time() + timeout
                if marker is not None and marker.done():
                    self._wake = None  # woke while we were busy: its poke found no waiter
                else:
                    timer = loop.call_at(until, self._poke)
                    try:
                        await wake
                    finally:
                        timer.cancel()
                        self._wake = None
                if marker is not None and marker.done():
                    woke, marker = marker.result(), None
                    if woke is None:  # connection trouble, already logged
                        error_delay = min(
                            max(error_delay * 2, 0.1), self._settings.error_backoff_max
                        )
                        await self._pause(error_delay)
                    idle = False
                elif loop.time() >= until:
                    idle = False
        finally:
            if marker is not None:
                marker.cancel()
                await asyncio.gather(marker, return_exceptions=True)

    def _burst_done(self, idle: bool) -> bool:
        """In burst mode: nothing was left to claim and everything held has been settled."""
        if not (self._settings.burst and idle and not self.held and not self._finished):
            return False
        log.info("%s: nothing waiting; burst run done", self._domain, extra=self._log_extra)
        return True

    def _marker_done(self, _task: asyncio.Task[object]) -> None:
        self._poke()

    async def _block_on_marker(self, timeout: float) -> object:
        """BZPOPMIN the marker; True when woken or timed out, None on connection errors."""
        try:
            assert self._marker_channel is not None
            await self._marker_channel.execute(
                "BZPOPMIN", self._scripts.keys.marker, f"{max(timeout, MIN_BLOCK_S):.3f}"
            )
        except TRANSIENT_ERRORS as exc:
            log.warning(
                "redis unavailable for %s while idle (%s)", self._domain, exc, extra=self._log_extra
            )
            with contextlib.suppress(*TRANSIENT_ERRORS):
                await asyncio.to_thread(self._conn.reroute)
            return None
        return True

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake early on ``stop()``."""
        wake = self._wake = asyncio.get_running_loop().create_future()
        try:
            await asyncio.wait({wake}, timeout=seconds)
        finally:
            self._wake = None

    # ------------------------------------------------------------ for the heartbeat thread
    def snapshot(self) -> tuple[list[ClaimedJob], list[ClaimedJob]]:
        # dict.copy and deque.copy run without releasing the GIL: a consistent copy
        return list(self._running.copy()), list(self._prefetched.copy())

    def job_of(self, task: asyncio.Task[object] | None) -> ClaimedJob | None:
        for job, job_task in self._running.copy().items():
            if job_task is task:
                return job
        return None

    def lost(self, ids: set[str]) -> None:
        """Stop the held jobs whose lease is gone (another worker may run them now)."""
        for job, task in list(self._running.items()):
            if job.id in ids:
                log.warning(
                    "lease of job %s:%s lost; cancelling it here",
                    self._domain,
                    job.id,
                    extra={"job_id": job.id, "domain": self._domain, "job_name": job.name},
                )
                self._running.pop(job, None)
                task.cancel()
        self._prefetched = deque(j for j in self._prefetched if j.id not in ids)

    # ------------------------------------------------------------ shutdown
    async def _shutdown(self) -> None:
        """Hand prefetched jobs back at once; let running jobs finish within the grace period."""
        for job in self._prefetched:
            self._finished.append(Settlement.hand_back(job.id, job.token))
        self._prefetched.clear()
        await self._report_finished()
        tasks = list(self._running.values())
        if tasks:
            grace = to_milliseconds(self._settings.shutdown_grace) / 1000
            log.info(
                "worker for %s stopping: waiting up to %.1fs for %d running job(s)",
                self._domain,
                grace,
                len(tasks),
                extra=self._log_extra,
            )
            _, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
                # tasks cancelled before their first step never ran _execute
                for job in list(self._running):
                    self._running.pop(job)
                    self._finished.append(Settlement.hand_back(job.id, job.token))
                log.warning(
                    "worker for %s handed %d unfinished job(s) back to wait",
                    self._domain,
                    len(pending),
                    extra=self._log_extra,
                )
        await self._report_finished()

    async def _report_finished(self) -> None:
        """Send every settlement still held (shutdown), retrying through a short outage."""
        deadline = time.monotonic() + max(
            to_milliseconds(self._settings.shutdown_grace) / 1000, 5.0
        )
        while self._finished:
            settled, self._finished = self._finished, []
            try:
                await self._call(0, settled)
            except TRANSIENT_ERRORS as exc:
                if time.monotonic() > deadline:
                    log.error(
                        "could not report %d finished job(s) of %s before exit (%s); "
                        "their leases will expire and they will run again",
                        len(settled),
                        self._domain,
                        exc,
                        extra=self._log_extra,
                    )
                    self._finished[:0] = settled
                    return
                self._finished[:0] = settled
                await asyncio.sleep(0.2)
