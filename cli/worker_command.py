"""``jobctl worker``: run one or more domains' workers in this process until SIGTERM."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated, TypedDict

import typer

from .loading import LoadError, load_worker
from .logs import configure_logging
from .observe_commands import start_worker_observability
from .ops import fail

if TYPE_CHECKING:
    from jobcontracts.runtime import Worker


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


Targets = Annotated[
    list[str],
    typer.Argument(
        help="MODULE:ATTR of a Worker, or of a callable returning one; several allowed."
    ),
]
Concurrency = Annotated[int | None, typer.Option(min=1, help="Jobs in flight per worker.")]
Threads = Annotated[
    int | None,
    typer.Option(min=1, help="Threads for in_thread handlers (default: --concurrency)."),
]
Processes = Annotated[
    int | None,
    typer.Option(
        min=1, help="Child processes for in_process handlers (default: min(concurrency, CPUs))."
    ),
]
RedisUrl = Annotated[
    str | None,
    typer.Option(
        "--redis-url",
        help="Redis URL for every worker (default: the worker's own, else REDIS_URL,"
        " then REDIS_HOST/PORT).",
    ),
]
Prefix = Annotated[
    str | None,
    typer.Option(
        "--prefix",
        help="Key prefix for every worker (default: the worker's own, else jobs);"
        " must match the prefix jobs are enqueued under.",
    ),
]
LogLevel = Annotated[str, typer.Option(help="debug, info, warning or error.")]
JsonLogs = Annotated[
    bool | None,
    typer.Option("--json-logs/--human-logs", help="Default: JSON unless stderr is a terminal."),
]
MetricsPort = Annotated[
    int | None,
    typer.Option(
        "--metrics-port",
        min=0,
        max=65535,
        help="Serve Prometheus /metrics on this port (needs the 'metrics' extra).",
    ),
]
MetricsHost = Annotated[str, typer.Option("--metrics-host", help="Address /metrics listens on.")]
Traces = Annotated[
    bool,
    typer.Option(
        "--traces", help="OpenTelemetry span per attempt (needs the 'otel' extra and an SDK)."
    ),
]
Burst = Annotated[
    bool, typer.Option("--burst", help="Exit 0 once nothing is waiting (CI jobs, cron).")
]


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


def worker_command(
    targets: Targets,
    concurrency: Concurrency = None,
    threads: Threads = None,
    processes: Processes = None,
    redis_url: RedisUrl = None,
    prefix: Prefix = None,
    log_level: LogLevel = "info",
    json_logs: JsonLogs = None,
    metrics_port: MetricsPort = None,
    metrics_host: MetricsHost = "127.0.0.1",
    traces: Traces = False,
    burst: Burst = False,
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
    try:
        run_forever(*workers)
    except TopologyError as error:
        raise fail(str(error)) from error
    except RedisAccessError as error:
        raise fail(str(error), 1) from error
