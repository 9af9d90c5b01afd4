"""Prometheus counters and histograms of job attempts, fed by the worker's observer hook.

``JobMetrics`` is a ``JobObserver``: add it to a worker (``worker.observers``)
and every attempt updates the series below, labelled by domain and job name
(``jobs_failed_total`` also by reason). Label children are cached per
(domain, job), so one attempt costs a handful of lock-protected additions.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

from jobcontracts.runtime.observe import Attempt, AttemptEnd, FailureReason, Outcome

DURATION_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
WAIT_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600)

METRIC_NAMES = (
    "jobcontracts_jobs_started_total",
    "jobcontracts_jobs_completed_total",
    "jobcontracts_jobs_failed_total",
    "jobcontracts_jobs_retried_total",
    "jobcontracts_jobs_dead_total",
    "jobcontracts_job_duration_seconds",
    "jobcontracts_job_wait_seconds",
    "jobcontracts_jobs_in_progress",
)


@dataclass(frozen=True, slots=True)
class _Series:
    """The label children of one (domain, job), resolved once."""

    started: Counter
    completed: Counter
    retried: Counter
    dead: Counter
    duration: Histogram
    wait: Histogram
    in_progress: Gauge


class JobMetrics:
    """The per-attempt series, registered in ``registry`` (default: the global one)."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        labels = ("domain", "job")
        self._started = Counter(
            "jobcontracts_jobs_started_total", "Attempts started.", labels, registry=registry
        )
        self._completed = Counter(
            "jobcontracts_jobs_completed_total", "Attempts completed.", labels, registry=registry
        )
        self._failed = Counter(
            "jobcontracts_jobs_failed_total",
            "Attempts failed, by reason (error, timeout, invalid_payload, ...).",
            (*labels, "reason"),
            registry=registry,
        )
        self._retried = Counter(
            "jobcontracts_jobs_retried_total",
            "Failed attempts that will be retried after a backoff.",
            labels,
            registry=registry,
        )
        self._dead = Counter(
            "jobcontracts_jobs_dead_total",
            "Jobs moved to the dead-letter queue.",
            labels,
            registry=registry,
        )
        self._duration = Histogram(
            "jobcontracts_job_duration_seconds",
            "Time one attempt took, handler included.",
            labels,
            buckets=DURATION_BUCKETS,
            registry=registry,
        )
        self._wait = Histogram(
            "jobcontracts_job_wait_seconds",
            "Time from ready (enqueued, delay or backoff over) to started.",
            labels,
            buckets=WAIT_BUCKETS,
            registry=registry,
        )
        self._in_progress = Gauge(
            "jobcontracts_jobs_in_progress", "Attempts running now.", labels, registry=registry
        )
        self._series: dict[tuple[str, str], _Series] = {}

    def _of(self, domain: str, job: str) -> _Series:
        series = self._series.get((domain, job))
        if series is None:
            series = self._series[(domain, job)] = _Series(
                self._started.labels(domain, job),
                self._completed.labels(domain, job),
                self._retried.labels(domain, job),
                self._dead.labels(domain, job),
                self._duration.labels(domain, job),
                self._wait.labels(domain, job),
                self._in_progress.labels(domain, job),
            )
        return series

    # ------------------------------------------------------------ JobObserver
    def attempt_started(self, attempt: Attempt, wait_s: float) -> None:
        series = self._of(attempt.domain, attempt.job_name)
        series.started.inc()
        series.wait.observe(wait_s)
        series.in_progress.inc()

    def attempt_ended(self, attempt: Attempt, end: AttemptEnd) -> None:
        series = self._of(attempt.domain, attempt.job_name)
        series.in_progress.dec()
        series.duration.observe(end.duration_s)
        outcome = end.outcome
        if outcome is Outcome.COMPLETED:
            series.completed.inc()
            return
        if outcome is Outcome.INTERRUPTED:
            return
        reason = end.reason or FailureReason.ERROR
        self._failed.labels(attempt.domain, attempt.job_name, reason.value).inc()
        if outcome is Outcome.RETRY:
            series.retried.inc()
        else:
            series.dead.inc()

    def job_stalled(self, domain: str, job_name: str, dead: bool) -> None:
        self._failed.labels(domain, job_name, FailureReason.STALLED.value).inc()
        if dead:
            self._of(domain, job_name).dead.inc()
