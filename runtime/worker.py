"""The worker: runs a domain's handlers for jobs fetched from Redis.

``Worker`` checks the handlers at construction and runs until ``stop()``.
Signal handling is not installed by the library; ``run_forever`` (the entry
point for a worker process) installs SIGTERM/SIGINT handlers that stop every
worker gracefully. ``run_workers`` runs workers of several domains in one loop.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence

from .connection import Connection, default_connection, redact_url
from .definitions import QueueDefinition
from .dispatch import Dispatcher
from .execution import JobRunner, bind_handlers
from .observe import JobObserver, combine
from .offload import offloading
from .scripts import queue_scripts
from .startup_checks import check_redis_at_start
from .worker_settings import RateLimit, WorkerSettings

__all__ = ["RateLimit", "Worker", "WorkerSettings", "run_forever", "run_workers"]

log = logging.getLogger(__name__)


class Worker:
    """Fetches jobs of one queue and runs them ``concurrency`` at a time.

    Raises ``MissingHandlerError`` at construction when ``handlers`` lacks a
    coroutine method named after any job of the queue.
    """

    def __init__(
        self,
        queue: QueueDefinition,
        handlers: object,
        *,
        connection: Connection | None = None,
        settings: WorkerSettings | None = None,
        observers: Sequence[JobObserver] = (),
    ) -> None:
        self.queue = queue
        self.handlers = handlers
        self.connection = connection
        self.settings = settings or WorkerSettings()
        self.observers: list[JobObserver] = list(observers)
        """Told about every attempt (metrics, traces); read when ``run()`` starts."""
        bind_handlers(queue, handlers)
        self._dispatcher: Dispatcher | None = None
        self._stop_requested = False

    @property
    def domain(self) -> str:
        return self.queue.domain

    @property
    def running(self) -> bool:
        return self._dispatcher is not None

    async def run(self) -> None:
        """Process jobs until asked to stop (SIGTERM/SIGINT or ``stop()``).

        Raises ``RedisAccessError`` at once, and later if Redis starts
        refusing this client (credentials, ACL), instead of retrying.
        """
        if self._dispatcher is not None:
            raise RuntimeError(f"worker for {self.domain!r} is already running")
        conn = self.connection or default_connection()
        await check_redis_at_start(conn, self.domain)
        runner = JobRunner(self.queue, self.handlers, conn.clock, observer=combine(self.observers))
        dispatcher = Dispatcher(conn, queue_scripts(conn, self.domain), runner, self.settings)
        self._dispatcher = dispatcher
        if self._stop_requested:
            dispatcher.request_stop()
        url = redact_url(conn.url)
        log.info(
            "worker for %s started: %s, prefix %r, concurrency %d",
            self.domain,
            url,
            conn.prefix,
            self.settings.concurrency,
            extra={"domain": self.domain, "redis_url": url, "prefix": conn.prefix},
        )
        try:
            handlers = [getattr(self.handlers, name) for name in self.queue.jobs]
            async with offloading(self.domain, self.settings, handlers):
                await dispatcher.run()
        finally:
            self._dispatcher = None
            self._stop_requested = False
            log.info("worker for %s stopped", self.domain, extra={"domain": self.domain})

    def stop(self) -> None:
        """Stop fetching; ``run()`` returns once running jobs finished or were handed back.

        Safe to call from a signal handler, another thread, or before ``run()``.
        """
        self._stop_requested = True
        dispatcher = self._dispatcher
        if dispatcher is not None:
            dispatcher.request_stop()


async def run_workers(*workers: Worker) -> None:
    """Run several workers (e.g. of different domains) in this event loop until all stop.

    If one fails, the others are stopped gracefully and the error is raised.
    """
    tasks = [asyncio.create_task(w.run(), name=f"worker-{w.domain}") for w in workers]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                for w in workers:
                    w.stop()
    finally:
        for w in workers:
            w.stop()
        results = await asyncio.gather(*tasks, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result


def run_forever(*workers: Worker) -> None:
    """Entry point of a worker process: run until SIGTERM/SIGINT, then stop gracefully."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, _stop_all, workers, sig)
        try:
            await run_workers(*workers)
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
            for w in workers:
                if w.connection is not None:
                    await w.connection.aclose()

    asyncio.run(main())


def _stop_all(workers: tuple[Worker, ...], sig: signal.Signals) -> None:
    log.info(
        "received %s; stopping %d worker(s)",
        sig.name,
        len(workers),
        extra={"domains": [w.domain for w in workers]},
    )
    for w in workers:
        w.stop()
