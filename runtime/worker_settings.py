"""Tuning knobs of a worker, kept apart so the dispatcher and the public API share them."""

from __future__ import annotations

from dataclasses import dataclass

from .durations import Duration, to_milliseconds


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``max`` jobs started per ``duration``, counted in Redis across all workers."""

    max: int
    duration: Duration


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """How a worker runs.

    ``concurrency`` jobs run at once; up to ``prefetch`` more (default: as many
    as ``concurrency``) are claimed ahead so a finishing slot restarts without
    a round trip. A heartbeat thread (independent of the event loop, so a
    blocking handler does not stop it) renews the worker's liveness record
    every ``liveness / 4``; once a worker misses a whole ``liveness``, the next
    heartbeat of any other worker hands its jobs back (running and prefetched),
    so a dead worker's jobs come back within about ``liveness`` seconds.
    Held jobs also keep a ``lease`` renewed every ``heartbeat`` (default
    ``lease / 3``): the fallback for jobs whose worker left no liveness record;
    every ``stall_check`` this worker recovers jobs whose lease expired
    anywhere. A job handed back either way counts as stalled, and one that
    stalled more than ``max_stalls`` times is dead-lettered. On stop, prefetched
    jobs go back at once; running jobs get ``shutdown_grace`` to finish before
    they are cancelled and handed back. ``idle_block`` caps one
    blocking wait (it must stay below the client's socket timeout).

    ``burst`` makes ``run()`` return once nothing is waiting and every job it
    claimed is settled (for CI jobs and cron). Jobs scheduled for later (a
    delay, a retry waiting out its backoff) and the jobs of a paused domain
    stay in Redis for the next run.

    ``threads`` bounds the pool that runs ``in_thread`` handlers (default:
    ``concurrency``); ``processes`` bounds the warm child processes that run
    ``in_process`` handlers (default: ``concurrency``, at most the CPU count).
    Both are created on first use and stopped with the worker.
    """

    concurrency: int = 10
    prefetch: int | None = None
    lease: Duration = 30.0
    liveness: Duration = 8.0
    heartbeat: Duration | None = None
    stall_check: Duration = 15.0
    max_stalls: int = 1
    shutdown_grace: Duration = 10.0
    rate_limit: RateLimit | None = None
    idle_block: float = 2.0
    error_backoff_max: float = 5.0
    burst: bool = False
    threads: int | None = None
    processes: int | None = None

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        if self.prefetch is not None and self.prefetch < 0:
            raise ValueError("prefetch must be >= 0")
        if to_milliseconds(self.liveness) < 100:
            raise ValueError("liveness must be at least 100 ms")
        if self.max_stalls < 0:
            raise ValueError("max_stalls must be >= 0")
        if self.rate_limit is not None and self.rate_limit.max < 1:
            raise ValueError("rate_limit.max must be >= 1")
        if self.threads is not None and self.threads < 1:
            raise ValueError("threads must be >= 1")
        if self.processes is not None and self.processes < 1:
            raise ValueError("processes must be >= 1")
        if not 0 < self.idle_block <= 5:
            raise ValueError("idle_block must be within (0, 5] seconds")
