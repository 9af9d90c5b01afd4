"""``jobctl worker``: run one or more domains' workers in this process until SIGTERM."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer

from jobcontracts.runtime import (
    Connection,
    MissingHandlerError,
    RedisAccessError,
    TopologyError,
    Worker,
    run_forever,
)
from jobcontracts.runtime.connection import default_connection

from .loading import LoadError, load_worker
from .logs import configure_logging
from .observe_commands import start_worker_observability
from .ops import fail


def _reconnect(worker: Worker, redis_url: str | None, prefix: str | None) -> None:
    """Point a worker at the Redis and prefix given on the command line.

    The worker's own clock and client settings stay; only what was asked for
    changes, so ``--prefix`` alone keeps the URL the worker was built with.
    """
    if redis_url is None and prefix is None:
        return
    current = worker.connection or default_connection()
    worker.connection = Connection(
        redis_url or current.url,
        prefix=prefix or current.prefix,
        clock=current.clock,
        settings=current.settings,
    )


def worker_command(
    targets: Annotated[
        list[str],
        typer.Argument(
            help="MODULE:ATTR of a Worker, or of a callable returning one; several allowed."
        ),
    ],
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="Jobs in flight per worker.")
    ] = None,
    redis_url: Annotated[
        str | None,
        typer.Option(
            "--redis-url",
            help="Redis URL for every worker (default: the worker's own, else REDIS_URL,"
            " then REDIS_HOST/PORT).",
        ),
    ] = None,
    prefix: Annotated[
        str | None,
        typer.Option(
            "--prefix",
            help="Key prefix for every worker (default: the worker's own, else jobs);"
            " must match the prefix jobs are enqueued under.",
        ),
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
    json_logs: Annotated[
        bool | None,
        typer.Option("--json-logs/--human-logs", help="Default: JSON unless stderr is a terminal."),
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            "--metrics-port",
            min=0,
            max=65535,
            help="Serve Prometheus /metrics on this port (needs the 'metrics' extra).",
        ),
    ] = None,
    metrics_host: Annotated[
        str, typer.Option("--metrics-host", help="Address /metrics listens on.")
    ] = "127.0.0.1",
    traces: Annotated[
        bool,
        typer.Option(
            "--traces", help="OpenTelemetry span per attempt (needs the 'otel' extra and an SDK)."
        ),
    ] = False,
    burst: Annotated[
        bool, typer.Option("--burst", help="Exit 0 once nothing is waiting (CI jobs, cron).")
    ] = False,
) -> None:
    """Process jobs until SIGTERM/SIGINT, then finish or hand back running jobs and exit 0."""
    configure_logging(log_level, json_logs=json_logs)
    workers: list[Worker] = []
    for target in targets:
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
        if concurrency is not None:
            worker.settings = dataclasses.replace(worker.settings, concurrency=concurrency)
        if burst:
            worker.settings = dataclasses.replace(worker.settings, burst=True)
        workers.append(worker)
    start_worker_observability(workers, metrics_port, metrics_host, traces)
    try:
        run_forever(*workers)
    except TopologyError as error:
        raise fail(str(error)) from error
    except RedisAccessError as error:
        raise fail(str(error), 1) from error
