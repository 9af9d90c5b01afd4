"""``jobctl worker`` without typer: its parameters, declared once, and what it does.

``worker_command.py`` builds the typer command from ``TARGETS`` and
``WORKER_OPTIONS``; ``fast_path.py`` reads a plain argv with the same
declarations and calls ``run_worker`` directly, so a worker starts without
importing typer and click.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import TYPE_CHECKING, TypedDict

from .argv import Arg, Opt
from .loading import LoadError, load_worker
from .logs import configure_logging
from .output import fail, need_extra

if TYPE_CHECKING:
    from jobcontracts.runtime import Worker

TARGETS = Arg(
    "targets", "MODULE:ATTR of a Worker, or of a callable returning one; several allowed.", True
)
CONCURRENCY: Opt[int | None] = Opt(
    "concurrency", "--concurrency", "Jobs in flight per worker.", int, None, min=1
)
THREADS: Opt[int | None] = Opt(
    "threads",
    "--threads",
    "Threads for in_thread handlers (default: --concurrency).",
    int,
    None,
    min=1,
)
PROCESSES: Opt[int | None] = Opt(
    "processes",
    "--processes",
    "Child processes for in_process handlers (default: min(concurrency, CPUs)).",
    int,
    None,
    min=1,
)
REDIS_URL: Opt[str | None] = Opt(
    "redis_url",
    "--redis-url",
    "Redis URL for every worker (default: the worker's own, else REDIS_URL, then REDIS_HOST/PORT).",
    str,
    None,
)
PREFIX: Opt[str | None] = Opt(
    "prefix",
    "--prefix",
    "Key prefix for every worker (default: the worker's own, else jobs);"
    " must match the prefix jobs are enqueued under.",
    str,
    None,
)
LOG_LEVEL = Opt("log_level", "--log-level", "debug, info, warning or error.", str, "info")
JSON_LOGS: Opt[bool | None] = Opt(
    "json_logs",
    "--json-logs/--human-logs",
    "Default: JSON unless stderr is a terminal.",
    bool,
    None,
)
METRICS_PORT: Opt[int | None] = Opt(
    "metrics_port",
    "--metrics-port",
    "Serve Prometheus /metrics on this port (needs the 'metrics' extra).",
    int,
    None,
    min=0,
    max=65535,
)
METRICS_HOST = Opt(
    "metrics_host", "--metrics-host", "Address /metrics listens on.", str, "127.0.0.1"
)
TRACES = Opt(
    "traces",
    "--traces",
    "OpenTelemetry span per attempt (needs the 'otel' extra and an SDK).",
    bool,
    False,
)
BURST = Opt("burst", "--burst", "Exit 0 once nothing is waiting (CI jobs, cron).", bool, False)
WORKER_OPTIONS: tuple[Opt[object], ...] = (
    CONCURRENCY,
    THREADS,
    PROCESSES,
    REDIS_URL,
    PREFIX,
    LOG_LEVEL,
    JSON_LOGS,
    METRICS_PORT,
    METRICS_HOST,
    TRACES,
    BURST,
)
"""In the order of ``worker_command``'s parameters (and of its ``--help``)."""


def _reconnect(worker: Worker, redis_url: str | None, prefix: str | None) -> None:
    """Point a worker at the Redis and prefix given on the command line.

    The worker's own clock and client settings stay; only what was asked for
    changes, so ``--prefix`` alone keeps the URL the worker was built with.
    """
    from jobcontracts.runtime.connection import Connection, default_connection

    if redis_url is None and prefix is None:
        return
    current = worker.connection or default_connection()
    worker.connection = Connection(
        redis_url or current.url,
        prefix=prefix or current.prefix,
        clock=current.clock,
        settings=current.settings,
    )


class SettingsGiven(TypedDict, total=False):
    """The worker settings the command line set; the rest stay the worker's own."""

    concurrency: int
    threads: int
    processes: int
    burst: bool


def prepared_worker(
    target: str, redis_url: str | None, prefix: str | None, settings: SettingsGiven
) -> Worker:
    """Load one target and apply the command line's connection and settings to it.

    ``settings`` holds only what the command line gave, so a worker's own
    choices (its concurrency, its pools) stay unless overridden.
    """
    from jobcontracts.runtime import MissingHandlerError, TopologyError

    try:
        worker = load_worker(target)
    except (LoadError, MissingHandlerError, TopologyError) as error:
        raise fail(str(error)) from error
    try:
        _reconnect(worker, redis_url, prefix)
    except TopologyError as error:  # a malformed --redis-url
        raise fail(f"--redis-url: {error}") from error
    except ValueError as error:  # a prefix the key layout cannot take
        raise fail(f"--prefix: {error}") from error
    if settings:
        worker.settings = dataclasses.replace(worker.settings, **settings)
    return worker


def start_worker_observability(
    workers: list[Worker], metrics_port: int | None, metrics_host: str, traces: bool
) -> None:
    """What ``jobctl worker --metrics-port/--traces`` sets up before the workers start."""
    if traces:
        tracing = need_extra("otel", "jobcontracts.observability.tracing")
        tracing.instrument()
    if metrics_port is None:
        return
    exporter = need_extra("metrics", "jobcontracts.observability.exporter")
    try:
        server = exporter.serve_worker_metrics(metrics_port, metrics_host, workers)
    except exporter.MetricsPortError as error:
        raise fail(str(error)) from error
    print(f"metrics on http://{metrics_host}:{server.port}/metrics", file=sys.stderr, flush=True)


def run_worker(
    targets: list[str],
    concurrency: int | None,
    threads: int | None,
    processes: int | None,
    redis_url: str | None,
    prefix: str | None,
    log_level: str,
    json_logs: bool | None,
    metrics_port: int | None,
    metrics_host: str,
    traces: bool,
    burst: bool,
) -> None:
    """Process jobs until SIGTERM/SIGINT, then finish or hand back running jobs and exit 0."""
    from jobcontracts.runtime import RedisAccessError, TopologyError, run_forever

    configure_logging(log_level, json_logs=json_logs)
    settings = SettingsGiven()
    if concurrency is not None:
        settings["concurrency"] = concurrency
    if threads is not None:
        settings["threads"] = threads
    if processes is not None:
        settings["processes"] = processes
    if burst:
        settings["burst"] = True
    workers = [prepared_worker(target, redis_url, prefix, settings) for target in targets]
    start_worker_observability(workers, metrics_port, metrics_host, traces)
    from .fast_path import start_up_done

    start_up_done()
    try:
        run_forever(*workers)
    except TopologyError as error:
        raise fail(str(error)) from error
    except RedisAccessError as error:
        raise fail(str(error), 1) from error
