"""The jobs a worker claimed and has not reported yet: running, prefetched, finished.

Claiming and settling meet here. ``accept`` takes the jobs a claim returned,
starting them while there is room and prefetching the rest (they wait under
the same lease and start the moment a slot frees). Each job runs in its own
task, the unit of cancellation for timeouts and shutdown; its ending is a
``Settlement`` queued in ``finished``, which the driver sends with its next
finish-and-claim call. The heartbeat thread reads the held jobs through
``snapshot`` and ``job_of`` and stops those whose lease was lost (``lost``).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable

from .deadlines import TimeoutBuckets
from .execution import JobRunner
from .script_replies import ClaimedJob
from .wire import Settlement

log = logging.getLogger("jobcontracts.worker")


class ClaimedJobs:
    """The held jobs of one worker run, driven from its event loop."""

    def __init__(
        self,
        runner: JobRunner,
        concurrency: int,
        loop: asyncio.AbstractEventLoop,
        finished_one: Callable[[], None],
    ) -> None:
        self.domain = runner.domain
        self.running: dict[ClaimedJob, asyncio.Task[None]] = {}
        self.prefetched: deque[ClaimedJob] = deque()
        self.finished: list[Settlement] = []
        """Settlements not yet sent; the driver takes them with ``take_finished``."""
        self.starting = True
        """False once the worker stops: a finished job no longer starts a prefetched one."""
        self._runner = runner
        self._concurrency = concurrency
        self._loop = loop
        self._finished_one = finished_one
        self._timeouts = TimeoutBuckets(loop, self._time_out)
        self._log_extra = {"domain": self.domain}

    def __len__(self) -> int:
        return len(self.running) + len(self.prefetched)

    # ------------------------------------------------------------ claiming
    def accept(self, jobs: list[ClaimedJob]) -> None:
        """Start ``jobs`` while there is room; once stopping, only hold them to hand back."""
        for job in jobs:
            if self.starting and len(self.running) < self._concurrency:
                self._start(job)
            else:
                self.prefetched.append(job)

    def _start(self, job: ClaimedJob) -> None:
        self._timeouts.add(job)
        self.running[job] = self._loop.create_task(self._execute(job))

    def _time_out(self, job: ClaimedJob) -> None:
        task = self.running.get(job)
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
                self.domain,
                job.id,
                extra={"job_id": job.id, "domain": self.domain, "job_name": job.name},
            )
            settlement = Settlement.hand_back(job.id, job.token)
        self._done(job, settlement)

    # ------------------------------------------------------------ settling
    def _done(self, job: ClaimedJob, settlement: Settlement) -> None:
        self._timeouts.discard(job)
        if self.running.pop(job, None) is None:
            return
        self.finished.append(settlement)
        if self.prefetched and self.starting:
            self._start(self.prefetched.popleft())
        self._finished_one()

    def take_finished(self) -> list[Settlement]:
        settled, self.finished = self.finished, []
        return settled

    def put_back(self, settled: list[Settlement]) -> None:
        """Settlements a failed call did not deliver: they go out with the next one."""
        self.finished[:0] = settled

    def hand_back_prefetched(self) -> None:
        """Queue the unstarted jobs to be handed back (stopping: they wait for no one)."""
        for job in self.prefetched:
            self.finished.append(Settlement.hand_back(job.id, job.token))
        self.prefetched.clear()

    async def drain(self, grace_s: float) -> None:
        """Let running jobs finish within ``grace_s``; cancel and hand back the others."""
        tasks = list(self.running.values())
        if not tasks:
            return
        log.info(
            "worker for %s stopping: waiting up to %.1fs for %d running job(s)",
            self.domain,
            grace_s,
            len(tasks),
            extra=self._log_extra,
        )
        _, pending = await asyncio.wait(tasks, timeout=grace_s)
        for task in pending:
            task.cancel()
        if not pending:
            return
        await asyncio.gather(*pending, return_exceptions=True)
        # tasks cancelled before their first step never ran _execute
        for job in list(self.running):
            self.running.pop(job)
            self.finished.append(Settlement.hand_back(job.id, job.token))
        log.warning(
            "worker for %s handed %d unfinished job(s) back to wait",
            self.domain,
            len(pending),
            extra=self._log_extra,
        )

    # ------------------------------------------------------------ for the heartbeat thread
    def snapshot(self) -> tuple[list[ClaimedJob], list[ClaimedJob]]:
        # dict.copy and deque.copy run without releasing the GIL: a consistent copy
        return list(self.running.copy()), list(self.prefetched.copy())

    def job_of(self, task: asyncio.Task[object] | None) -> ClaimedJob | None:
        for job, job_task in self.running.copy().items():
            if job_task is task:
                return job
        return None

    def lost(self, ids: set[str]) -> None:
        """Stop the held jobs whose lease is gone (another worker may run them now)."""
        for job, task in list(self.running.items()):
            if job.id in ids:
                log.warning(
                    "lease of job %s:%s lost; cancelling it here",
                    self.domain,
                    job.id,
                    extra={"job_id": job.id, "domain": self.domain, "job_name": job.name},
                )
                self.running.pop(job, None)
                task.cancel()
        self.prefetched = deque(j for j in self.prefetched if j.id not in ids)
