"""Prometheus series of job attempts, fed by the worker's observer hook.

``JobMetrics`` is a ``JobObserver``: add it to a worker (``worker.observers``)
and every attempt updates the series below, labelled by domain and job name
(``jobs_failed_total`` also by reason). It is also a prometheus-client
collector: the worker only bumps plain integers (its event loop is the only
writer, so no lock is taken per job), and the families are built when
Prometheus scrapes. With prometheus-client's own Counter/Histogram objects an
attempt cost about 13 us of worker CPU (six locked updates); this way it is a
few dictionary look-ups and additions (figures in docs/observability.md).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

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


# Enum members read through their class cost about half a microsecond each on
# Python 3.11; the per-attempt path compares against these module constants.
_COMPLETED = Outcome.COMPLETED
_RETRY = Outcome.RETRY
_INTERRUPTED = Outcome.INTERRUPTED


class _Histogram:
    __slots__ = ("bounds", "counts", "total")

    def __init__(self, bounds: Sequence[float]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)  # the last slot is +Inf
        self.total = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1
        self.total += value

    def buckets(self) -> list[tuple[str, float]]:
        """Cumulative ``le`` buckets, as the exposition format wants them."""
        out: list[tuple[str, float]] = []
        running = 0
        for bound, count in zip((*self.bounds, float("inf")), list(self.counts), strict=True):
            running += count
            out.append(("+Inf" if bound == float("inf") else repr(float(bound)), running))
        return out


class _Series:
    """Everything counted for one (domain, job)."""

    __slots__ = ("completed", "dead", "duration", "in_progress", "retried", "started", "wait")

    def __init__(self) -> None:
        self.started = 0
        self.completed = 0
        self.retried = 0
        self.dead = 0
        self.in_progress = 0
        self.duration = _Histogram(DURATION_BUCKETS)
        self.wait = _Histogram(WAIT_BUCKETS)


class JobMetrics(Collector):
    """The per-attempt series; registers itself in ``registry`` (default: the global one)."""

    def __init__(self, registry: CollectorRegistry | None = REGISTRY) -> None:
        self._series: dict[tuple[str, str], _Series] = {}
        self._failed: dict[tuple[str, str, str], int] = {}
        if registry is not None:
            registry.register(self)

    def _of(self, domain: str, job: str) -> _Series:
        series = self._series.get((domain, job))
        if series is None:
            series = self._series[(domain, job)] = _Series()
        return series

    def _fail(self, domain: str, job: str, reason: FailureReason) -> None:
        key = (domain, job, reason.value)
        self._failed[key] = self._failed.get(key, 0) + 1

    # ------------------------------------------------------------ JobObserver
    def attempt_started(self, attempt: Attempt, wait_s: float) -> None:
        series = self._of(attempt.domain, attempt.job_name)
        series.started += 1
        series.in_progress += 1
        series.wait.observe(wait_s)

    def attempt_ended(self, attempt: Attempt, end: AttemptEnd) -> None:
        series = self._of(attempt.domain, attempt.job_name)
        series.in_progress -= 1
        series.duration.observe(end.duration_s)
        outcome = end.outcome
        if outcome is _COMPLETED:
            series.completed += 1
        elif outcome is not _INTERRUPTED:
            self._fail(attempt.domain, attempt.job_name, end.reason or FailureReason.ERROR)
            if outcome is _RETRY:
                series.retried += 1
            else:
                series.dead += 1

    def job_stalled(self, domain: str, job_name: str, dead: bool) -> None:
        self._fail(domain, job_name, FailureReason.STALLED)
        if dead:
            self._of(domain, job_name).dead += 1

    # ------------------------------------------------------------ Collector
    def describe(self) -> Iterable[Metric]:
        return []  # built at scrape time; nothing to check for duplicates up front

    def collect(self) -> Iterable[Metric]:
        labels = ["domain", "job"]
        counters = {
            name: CounterMetricFamily(f"jobcontracts_jobs_{name}", help_text, labels=labels)
            for name, help_text in (
                ("started", "Attempts started."),
                ("completed", "Attempts completed."),
                ("retried", "Failed attempts that will be retried after a backoff."),
                ("dead", "Jobs moved to the dead-letter queue."),
            )
        }
        failed = CounterMetricFamily(
            "jobcontracts_jobs_failed",
            "Attempts failed, by reason (error, timeout, invalid_payload, ...).",
            labels=[*labels, "reason"],
        )
        duration = HistogramMetricFamily(
            "jobcontracts_job_duration_seconds",
            "Time one attempt took, handler included.",
            labels=labels,
        )
        wait = HistogramMetricFamily(
            "jobcontracts_job_wait_seconds",
            "Time from ready (enqueued, delay or backoff over) to started.",
            labels=labels,
        )
        running = GaugeMetricFamily(
            "jobcontracts_jobs_in_progress", "Attempts running now.", labels=labels
        )
        for (domain, job), s in self._series.copy().items():
            values = {"started": s.started, "completed": s.completed}
            values.update(retried=s.retried, dead=s.dead)
            for name, family in counters.items():
                family.add_metric([domain, job], values[name])
            duration.add_metric([domain, job], s.duration.buckets(), s.duration.total)
            wait.add_metric([domain, job], s.wait.buckets(), s.wait.total)
            running.add_metric([domain, job], s.in_progress)
        for (domain, job, reason), count in self._failed.copy().items():
            failed.add_metric([domain, job, reason], count)
        return [*counters.values(), failed, duration, wait, running]
