"""What a handler learns about the job it runs, besides its payload."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

JobLogger = logging.LoggerAdapter[logging.Logger]


class JobContext:
    """Identity and attempt of the running job.

    ``attempt`` counts from 1; ``attempts`` is the total allowed, so a handler
    can tell its last try (``attempt == attempts``). ``logger`` already carries
    job id, domain, job name and attempt in every record it emits.

    Read-only, like a frozen dataclass. A plain class with slots rather than
    one: a worker builds a context for every attempt, and a frozen dataclass's
    constructor, the enqueue ``datetime`` and the logger adapter cost about
    3 us a job, more than the rest of a no-op handler's bookkeeping. The
    worker's contexts (``for_attempt``) make ``enqueued_at`` and ``logger``
    on first use; most handlers never touch them.
    """

    __slots__ = (
        "_attempt",
        "_attempts",
        "_base_logger",
        "_domain",
        "_enqueued",
        "_job_id",
        "_job_name",
        "_logger",
    )

    _enqueued: datetime | int
    _logger: JobLogger | None
    _base_logger: logging.Logger | None

    def __init__(
        self,
        job_id: str,
        domain: str,
        job_name: str,
        attempt: int,
        attempts: int,
        enqueued_at: datetime,
        logger: JobLogger,
    ) -> None:
        self._job_id = job_id
        self._domain = domain
        self._job_name = job_name
        self._attempt = attempt
        self._attempts = attempts
        self._enqueued = enqueued_at
        self._logger = logger
        self._base_logger = None

    @classmethod
    def for_attempt(
        cls,
        job_id: str,
        domain: str,
        job_name: str,
        attempt: int,
        attempts: int,
        enqueued_ms: int,
        base_logger: logging.Logger,
    ) -> JobContext:
        """The worker's context: enqueue time in ms, logger made from ``base_logger`` on use."""
        ctx = cls.__new__(cls)
        ctx._job_id = job_id
        ctx._domain = domain
        ctx._job_name = job_name
        ctx._attempt = attempt
        ctx._attempts = attempts
        ctx._enqueued = enqueued_ms
        ctx._logger = None
        ctx._base_logger = base_logger
        return ctx

    @property
    def job_id(self) -> str:
        return self._job_id

    @property
    def domain(self) -> str:
        return self._domain

    @property
    def job_name(self) -> str:
        return self._job_name

    @property
    def attempt(self) -> int:
        return self._attempt

    @property
    def attempts(self) -> int:
        return self._attempts

    @property
    def enqueued_at(self) -> datetime:
        enqueued = self._enqueued
        if isinstance(enqueued, int):
            enqueued = self._enqueued = datetime.fromtimestamp(enqueued / 1000, tz=UTC)
        return enqueued

    @property
    def logger(self) -> JobLogger:
        logger = self._logger
        if logger is None:
            assert self._base_logger is not None  # set by for_attempt, the only other way in
            extra = {
                "job_id": self._job_id,
                "domain": self._domain,
                "job_name": self._job_name,
                "attempt": self._attempt,
            }
            logger = self._logger = logging.LoggerAdapter(self._base_logger, extra)
        return logger

    def _fields(self) -> tuple[Any, ...]:
        return (
            self._job_id,
            self._domain,
            self._job_name,
            self._attempt,
            self._attempts,
            self.enqueued_at,
            self.logger,
        )

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, JobContext)
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"JobContext(job_id={self._job_id!r}, domain={self._domain!r}, "
            f"job_name={self._job_name!r}, attempt={self._attempt!r}, "
            f"attempts={self._attempts!r}, enqueued_at={self.enqueued_at!r}, "
            f"logger={self.logger!r})"
        )
