"""What a handler learns about the job it runs, besides its payload."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class JobContext:
    """Identity and attempt of the running job.

    ``attempt`` counts from 1; ``attempts`` is the total allowed, so a handler
    can tell its last try (``attempt == attempts``). ``logger`` already carries
    job id, domain, job name and attempt in every record it emits.
    """

    job_id: str
    domain: str
    job_name: str
    attempt: int
    attempts: int
    enqueued_at: datetime
    logger: logging.LoggerAdapter[logging.Logger]
