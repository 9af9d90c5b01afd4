"""JobContext: read-only, and the worker's lazily made fields equal the ones given outright."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from jobcontracts.runtime import JobContext

BASE = logging.getLogger("jobcontracts.job.ctx-test")
ENQUEUED_MS = 1_796_309_054_126


def _worker_context() -> JobContext:
    return JobContext.for_attempt("job-1", "mail", "send", 2, 5, ENQUEUED_MS, BASE)


def test_the_worker_context_makes_enqueue_time_and_logger_on_use() -> None:
    ctx = _worker_context()
    assert ctx.enqueued_at == datetime(2026, 12, 3, 14, 44, 14, 126000, tzinfo=UTC)
    assert ctx.enqueued_at is ctx.enqueued_at  # made once
    assert ctx.logger is ctx.logger
    assert ctx.logger.logger is BASE
    assert ctx.logger.extra == {
        "job_id": "job-1",
        "domain": "mail",
        "job_name": "send",
        "attempt": 2,
    }


def test_a_context_given_every_field_equals_the_worker_made_one() -> None:
    lazy = _worker_context()
    given = JobContext("job-1", "mail", "send", 2, 5, lazy.enqueued_at, lazy.logger)
    assert given == lazy
    assert hash(given) == hash(lazy)
    assert repr(given) == repr(lazy)
    assert repr(given).startswith("JobContext(job_id='job-1', domain='mail', job_name='send'")
    other = JobContext("job-2", "mail", "send", 2, 5, lazy.enqueued_at, lazy.logger)
    assert other != lazy


@pytest.mark.parametrize(
    "field", ["job_id", "domain", "job_name", "attempt", "attempts", "enqueued_at", "logger"]
)
def test_a_handler_cannot_change_its_context(field: str) -> None:
    ctx = _worker_context()
    before = getattr(ctx, field)
    with pytest.raises(AttributeError):
        setattr(ctx, field, "changed")
    assert getattr(ctx, field) == before
    with pytest.raises(AttributeError):
        ctx.note = "anything"  # type: ignore[attr-defined]
