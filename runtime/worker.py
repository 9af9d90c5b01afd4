"""The worker: runs a domain's handlers for jobs fetched from Redis.

INTERFACE STUB: the signatures are fixed (the generated code depends on them).
"""

from __future__ import annotations

from dataclasses import dataclass

from runtime.connection import Connection
from runtime.definitions import QueueDefinition


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    concurrency: int = 10


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
    ) -> None:
        self.queue = queue
        self.handlers = handlers
        self.connection = connection
        self.settings = settings or WorkerSettings()

    async def run(self) -> None:
        """Process jobs until asked to stop (SIGTERM/SIGINT or ``stop()``)."""
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError
