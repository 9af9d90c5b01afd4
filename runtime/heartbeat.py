"""A worker's heartbeat, from a thread that does not depend on the event loop.

A handler that blocks the event loop (``time.sleep``, CPU-bound work, a
synchronous HTTP client) must not cost the worker its leases: another worker
would then start the same job while the first still runs it. So liveness and
leases are renewed from this thread, with the sync client, whatever the loop
is doing. The same thread:

- renews the worker's liveness record every ``liveness / 4`` and, in that same
  call, hands back the jobs of workers whose liveness ran out (``beat_worker.lua``);
- renews the leases of held jobs every ``heartbeat`` (default ``lease / 3``);
- recovers jobs whose lease expired anywhere every ``stall_check`` (the fallback
  for workers that never registered a liveness record);
- watches the event loop and logs which job blocked it, and for how long;
- measures the offset of this host's clock to the Redis server's every minute;
- fences: when no beat succeeded for a whole ``liveness`` (Redis unreachable),
  other workers may have taken this worker's jobs, so it stops them here.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from typing import Protocol

from .connection import Connection
from .durations import to_milliseconds
from .observe import ObserverGroup
from .routing import TRANSIENT_ERRORS
from .script_replies import ClaimedJob, StalledJob
from .scripts import QueueScripts
from .worker_settings import WorkerSettings
from .workers import worker_record

log = logging.getLogger("jobcontracts.worker")

WATCH_EVERY_S = 0.25
BLOCKED_AFTER_S = 1.0
"""A loop that has not run a posted callback for this long counts as blocked."""


class HeldJobs(Protocol):
    """What the heartbeat needs from the dispatcher (called from the heartbeat thread)."""

    def snapshot(self) -> tuple[list[ClaimedJob], list[ClaimedJob]]:
        """(running, prefetched), copied atomically."""
        ...

    def job_of(self, task: asyncio.Task[object] | None) -> ClaimedJob | None: ...

    def lost(self, ids: set[str]) -> None:
        """Run in the loop: stop the jobs whose lease is gone."""
        ...


class Heartbeat:
    def __init__(
        self,
        worker_id: str,
        domain: str,
        scripts: QueueScripts,
        settings: WorkerSettings,
        connection: Connection,
        jobs: HeldJobs,
        loop: asyncio.AbstractEventLoop,
        observer: ObserverGroup | None = None,
    ) -> None:
        self.worker_id = worker_id
        self._scripts = scripts
        self._settings = settings
        self._conn = connection
        self._clock = connection.clock
        self._jobs = jobs
        self._loop = loop
        self._observer = observer
        self._domain = domain
        self._liveness_ms = to_milliseconds(settings.liveness)
        self._lease_ms = to_milliseconds(settings.lease)
        heartbeat = settings.heartbeat
        self._lease_every = (
            to_milliseconds(heartbeat) / 1000 if heartbeat is not None else self._lease_ms / 3000
        )
        self._beat_every = self._liveness_ms / 4000
        self._stall_every = to_milliseconds(settings.stall_check) / 1000
        self._started_ms = self._clock()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"jobs-{self._domain}-heartbeat", daemon=True
        )
        self._probe_sent: float | None = None
        self._blocked_logged = False
        self._blocking: ClaimedJob | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self, *, leave: bool) -> None:
        """Stop beating (blocking; call it off the loop); ``leave`` deletes the liveness record."""
        self._stop.set()
        self._thread.join()
        if leave:
            try:
                self._beat(liveness_ms=0, leases_due=False)
            except TRANSIENT_ERRORS as exc:
                log.warning(
                    "could not remove the liveness record of %s (%s)",
                    self.worker_id,
                    exc,
                    extra={"domain": self._domain},
                )

    # ------------------------------------------------------------ the thread
    def _run(self) -> None:
        now = time.monotonic()
        next_beat, next_lease = now, now + self._lease_every
        next_stall = now + random.uniform(0, self._stall_every)  # spread workers out
        last_ok = now
        fenced = False
        while True:
            now = time.monotonic()
            self._watch(now)
            leases_due = now >= next_lease
            if now >= next_beat or leases_due:
                next_beat = now + self._beat_every
                if leases_due:
                    next_lease = now + self._lease_every
                if self._safely(self._beat, self._liveness_ms, leases_due):
                    last_ok, fenced = now, False
                elif not fenced and time.monotonic() - last_ok > self._liveness_ms / 1000:
                    fenced = True
                    self._fence()
            if now >= next_stall:
                next_stall = now + self._stall_every
                self._safely(self._recover_stalled)
            wait = min(next_beat, next_lease, next_stall) - time.monotonic()
            if self._stop.wait(max(min(wait, WATCH_EVERY_S), 0.0)):
                return

    def _safely(self, action: object, *args: object) -> bool:
        assert callable(action)
        try:
            action(*args)
        except TRANSIENT_ERRORS as exc:
            log.warning(
                "redis unavailable for %s heartbeat (%s)",
                self._domain,
                exc,
                extra={"domain": self._domain},
            )
            return False
        except Exception:
            log.exception("heartbeat error in %s", self._domain, extra={"domain": self._domain})
            return False
        return True

    def _beat(self, liveness_ms: int, leases_due: bool) -> None:
        self._conn.sync_clock()
        running, prefetched = self._jobs.snapshot()
        now = self._clock()
        record = worker_record(
            self.worker_id,
            self._domain,
            self._settings.concurrency,
            len(running),
            len(prefetched),
            self._started_ms,
            now,
        )
        held = [(job.id, job.token) for job in (*running, *prefetched)]
        scripts = self._scripts
        deadline = now + self._lease_ms if leases_due else None
        max_stalls = self._settings.max_stalls
        reply = scripts.run(
            scripts.calls.beat_worker(
                now, self.worker_id, liveness_ms, record, deadline, max_stalls, held
            )
        )
        self._report(reply.reclaimed, "its worker stopped beating")
        if not reply.registered and held and liveness_ms and not leases_due:
            # Declared dead while alive (e.g. cut off from Redis): check every lease now.
            reply = scripts.run(
                scripts.calls.beat_worker(
                    now, self.worker_id, liveness_ms, record, now + self._lease_ms, 0, held
                )
            )
        if reply.lost:
            self._loop.call_soon_threadsafe(self._jobs.lost, set(reply.lost))

    def _recover_stalled(self) -> None:
        stalled = self._scripts.recover_stalled(self._clock(), self._settings.max_stalls)
        self._report(stalled, "lease expired")

    def _report(self, jobs: list[StalledJob], why: str) -> None:
        observer = self._observer
        for job in jobs:
            if observer is not None:
                observer.job_stalled(self._domain, job.name, job.dead)
            extra = {"job_id": job.id, "domain": self._domain, "job_name": job.name}
            if job.dead:
                log.warning(
                    "job %s:%s (%s) stalled %d times; dead-lettered",
                    *(self._domain, job.id, job.name, job.stalls),
                    extra=extra,
                )
            else:
                log.warning(
                    "job %s:%s (%s) stalled (%s); back to wait",
                    *(self._domain, job.id, job.name, why),
                    extra=extra,
                )

    def _fence(self) -> None:
        log.error(
            "%s worker could not reach Redis for %.1fs: other workers may have taken its "
            "jobs, so it stops them here",
            self._domain,
            self._liveness_ms / 1000,
            extra={"domain": self._domain},
        )
        running, prefetched = self._jobs.snapshot()
        ids = {job.id for job in (*running, *prefetched)}
        if ids:
            self._loop.call_soon_threadsafe(self._jobs.lost, ids)

    # ------------------------------------------------------------ watchdog
    def _watch(self, now: float) -> None:
        """Post a probe to the loop; a probe left unanswered means a blocked loop."""
        if self._loop.is_closed():
            return
        sent = self._probe_sent
        if sent is None:
            self._probe_sent = now
            self._loop.call_soon_threadsafe(self._answered, now)
            return
        if now - sent >= BLOCKED_AFTER_S and not self._blocked_logged:
            self._blocked_logged = True
            self._blocking = self._jobs.job_of(asyncio.current_task(self._loop))
            self._log_blocked(self._blocking, now - sent, "is blocking")

    def _answered(self, sent: float) -> None:
        """Runs in the loop: the probe got through."""
        blocked = time.monotonic() - sent
        if self._blocked_logged:
            self._log_blocked(self._blocking, blocked, "blocked")
        self._blocked_logged, self._blocking = False, None
        self._probe_sent = None

    def _log_blocked(self, job: ClaimedJob | None, seconds: float, verb: str) -> None:
        what = f"job {self._domain}:{job.id} ({job.name}), attempt {job.attempt}," if job else ""
        extra = (
            {"job_id": job.id, "domain": self._domain, "job_name": job.name, "attempt": job.attempt}
            if job
            else {"domain": self._domain}
        )
        log.warning(
            "%s %s the %s worker's event loop for %.1fs; leases are kept, but timeouts and "
            "stop requests wait for it: run blocking handlers with in_thread or in_process",
            what or "something",
            verb,
            self._domain,
            seconds,
            extra=extra,
        )
