"""A ``JobContext`` for calling a handler directly in a unit test, without Redis."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from enum import Enum

from ..context import JobContext
from .lookup import queue_of


def job_context(
    name: Enum, *, attempt: int = 1, attempts: int | None = None, job_id: str = "test-1"
) -> JobContext:
    """What a worker would pass the handler of ``name`` (a generated ``JobName`` member).

    ``attempts`` defaults to the job's configured attempts; the logger is the one
    the worker uses, with the same extra fields.
    """
    queue = queue_of(name)
    job_name = str(name.value)
    total = queue.jobs[job_name].defaults.attempts if attempts is None else attempts
    extra = {"job_id": job_id, "domain": queue.domain, "job_name": job_name, "attempt": attempt}
    logger = logging.LoggerAdapter(logging.getLogger(f"jobcontracts.job.{queue.domain}"), extra)
    return JobContext(job_id, queue.domain, job_name, attempt, total, datetime.now(UTC), logger)
