"""Run workers in the test's own process until nothing is waiting or due.

``run_until_idle`` is the in-process counterpart of a worker process for tests:
it claims jobs through the same Lua script a worker uses, runs them with the same
``JobRunner`` (payload validation, timeouts, retries, dead letters), settles them,
and returns when the queues are idle. Three things differ from ``Worker.run``:

- the first exception a handler raises is re-raised once its job is settled
  (``fail_fast=True``, the default), so a broken handler fails the test that ran
  it instead of turning into a retry nobody looks at;
- when the connection's clock is a ``ManualClock`` (and ``step_clock`` is left
  on), the clock is moved to the next delayed job or retry whenever nothing else
  is ready, so delays and backoffs are stepped through without sleeping;
- a run that has processed ``max_jobs`` jobs and is still not idle stops with
  ``NotIdleError``: a handler that keeps enqueueing jobs would otherwise never end.

A repeat's next occurrence is a delayed job too, so stepping the clock would run
it forever: for repeats pass ``step_clock=False`` and advance the clock yourself;
each call then runs the occurrences that are due. Rate limits are not applied.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field

from ..connection import Connection, default_connection
from ..durations import to_milliseconds
from ..errors import JobContractsError
from ..execution import JobRunner
from ..repeat import advance_due_repeats
from ..scripts import ClaimedJob, QueueScripts, Settlement, queue_scripts
from ..wire import SettleOutcome
from ..worker import Worker
from .clock import ManualClock

DEFAULT_MAX_JOBS = 1000


class NotIdleError(JobContractsError):
    """The queues did not become idle within ``max_jobs`` jobs."""


@dataclass(frozen=True, slots=True)
class HandlerFailure:
    """One failed attempt: which job, and the exception its handler raised."""

    domain: str
    job_id: str
    job_name: str
    attempt: int
    error: BaseException


@dataclass(slots=True)
class IdleReport:
    """What ``run_until_idle`` did: counts by outcome, every failure, the clock it moved."""

    completed: int = 0
    retried: int = 0
    dead: int = 0
    failures: list[HandlerFailure] = field(default_factory=list[HandlerFailure])
    clock_advanced_ms: int = 0

    @property
    def processed(self) -> int:
        return self.completed + self.retried + self.dead


class _Lane:
    """One worker's queue as this driver sees it: scripts, runner and what to settle next."""

    def __init__(self, worker: Worker, report: IdleReport) -> None:
        if worker.running:
            raise RuntimeError(f"worker for {worker.domain!r} is already running")
        self.domain = worker.domain
        self.connection: Connection = worker.connection or default_connection()
        self.scripts: QueueScripts = queue_scripts(self.connection, worker.domain)
        self.want = worker.settings.concurrency
        self.lease_ms = to_milliseconds(worker.settings.lease)
        self.runner = JobRunner(
            worker.queue, worker.handlers, self.connection.clock, on_error=self._failed
        )
        self.report = report
        self.settled: list[Settlement] = []
        self.next_due_ms: int | None = None
        self._calls = 0
        self._token = f"testing:{uuid.uuid4().hex[:8]}"

    def _failed(self, job: ClaimedJob, error: BaseException) -> None:
        self.report.failures.append(
            HandlerFailure(self.domain, job.id, job.name, job.attempt, error)
        )

    async def claim(self, want: int) -> list[ClaimedJob]:
        """Settle what finished, create due repeat occurrences, claim up to ``want`` jobs."""
        self._calls += 1
        now = self.connection.clock()
        settled, self.settled = self.settled, []
        reply = await self.scripts.finish_and_claim_async(
            now, f"{self._token}:{self._calls}", self.lease_ms, want, settled
        )
        self.next_due_ms = reply.next_due_ms
        repeat_due = reply.next_repeat_ms is not None and reply.next_repeat_ms <= now
        if not (want and not reply.jobs and repeat_due):
            return reply.jobs
        created = await advance_due_repeats(self.scripts, now)
        return await self.claim(want) if created else reply.jobs

    async def run(self, jobs: list[ClaimedJob]) -> None:
        results = await asyncio.gather(*(self._run_one(job) for job in jobs))
        for settlement in results:
            outcome = settlement.outcome
            if outcome == SettleOutcome.COMPLETED:
                self.report.completed += 1
            elif outcome == SettleOutcome.RETRY:
                self.report.retried += 1
            elif outcome == SettleOutcome.DEAD:
                self.report.dead += 1
        self.settled.extend(results)

    async def _run_one(self, job: ClaimedJob) -> Settlement:
        """The job under its timeout, the way the worker enforces it (cancel, then judge)."""
        task = asyncio.ensure_future(self.runner.run(job))

        def expire() -> None:
            if not task.done():
                job.timed_out = True
                task.cancel()

        timer = asyncio.get_running_loop().call_later(job.timeout_ms / 1000, expire)
        try:
            return await task
        finally:
            timer.cancel()


async def run_until_idle_async(
    *workers: Worker,
    fail_fast: bool = True,
    max_jobs: int = DEFAULT_MAX_JOBS,
    step_clock: bool = True,
) -> IdleReport:
    """Process the workers' queues in this event loop until nothing is waiting or due.

    ``fail_fast`` re-raises the first exception a handler raised (its job is settled
    first: retried or dead-lettered as usual); with ``fail_fast=False`` the run goes
    on and the returned report lists every failure. ``NotIdleError`` after
    ``max_jobs`` jobs. ``step_clock=False`` never moves a manual clock (see the
    module docstring: repeats).
    """
    if not workers:
        raise ValueError("run_until_idle needs at least one worker")
    report = IdleReport()
    lanes = [_Lane(worker, report) for worker in workers]
    try:
        while True:
            busy = False
            for lane in lanes:
                jobs = await lane.claim(lane.want)
                if not jobs:
                    continue
                busy = True
                await lane.run(jobs)
                if fail_fast and report.failures:
                    raise report.failures[0].error
                if report.processed >= max_jobs:
                    raise NotIdleError(
                        f"processed {report.processed} jobs and the queues are still not idle: "
                        "a handler that keeps enqueueing jobs, or a repeat the manual clock "
                        "keeps stepping to? (step_clock=False, or a larger max_jobs)"
                    )
            if busy:
                continue
            if not (step_clock and _step_clock(lanes, report)):
                return report
    finally:
        for lane in lanes:
            if lane.settled:
                await lane.claim(0)


def _step_clock(lanes: list[_Lane], report: IdleReport) -> bool:
    """Move a manual clock to the next delayed job or retry; False when there is none."""
    due = [lane.next_due_ms for lane in lanes if lane.next_due_ms is not None]
    clock = lanes[0].connection.clock
    if not due or not isinstance(clock, ManualClock):
        return False
    if any(lane.connection.clock is not clock for lane in lanes):
        raise ValueError("workers stepped by a manual clock must share one clock")
    target = min(due)
    if target <= clock.now:  # due yet unclaimed: the domain is paused
        return False
    report.clock_advanced_ms += target - clock.now
    clock.now = target
    return True


def run_until_idle(
    *workers: Worker,
    fail_fast: bool = True,
    max_jobs: int = DEFAULT_MAX_JOBS,
    step_clock: bool = True,
) -> IdleReport:
    """``run_until_idle_async`` for synchronous tests: runs its own event loop."""

    async def main() -> IdleReport:
        try:
            return await run_until_idle_async(
                *workers, fail_fast=fail_fast, max_jobs=max_jobs, step_clock=step_clock
            )
        finally:
            for connection in {id(w.connection): w.connection for w in workers}.values():
                await (connection or default_connection()).aclose()

    return asyncio.run(main())
