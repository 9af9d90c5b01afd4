"""``jobctl worker``: run one or more domains' workers in this process until SIGTERM.

The parameters are declared in ``worker_run.py``, which ``fast_path.py`` also
reads; this is the typer command built from them, for ``--help`` and for any
argv the plain parser leaves to typer.
"""

from __future__ import annotations

from typing import Annotated

from .ops import typer_argument, typer_option
from .worker_run import (
    BURST,
    CONCURRENCY,
    JSON_LOGS,
    LOG_LEVEL,
    METRICS_HOST,
    METRICS_PORT,
    PREFIX,
    PROCESSES,
    REDIS_URL,
    TARGETS,
    THREADS,
    TRACES,
    prepared_worker,
    run_worker,
)

__all__ = ["prepared_worker", "worker_command"]


def worker_command(
    targets: Annotated[list[str], typer_argument(TARGETS)],
    concurrency: Annotated[int | None, typer_option(CONCURRENCY)] = CONCURRENCY.default,
    threads: Annotated[int | None, typer_option(THREADS)] = THREADS.default,
    processes: Annotated[int | None, typer_option(PROCESSES)] = PROCESSES.default,
    redis_url: Annotated[str | None, typer_option(REDIS_URL)] = REDIS_URL.default,
    prefix: Annotated[str | None, typer_option(PREFIX)] = PREFIX.default,
    log_level: Annotated[str, typer_option(LOG_LEVEL)] = LOG_LEVEL.default,
    json_logs: Annotated[bool | None, typer_option(JSON_LOGS)] = JSON_LOGS.default,
    metrics_port: Annotated[int | None, typer_option(METRICS_PORT)] = METRICS_PORT.default,
    metrics_host: Annotated[str, typer_option(METRICS_HOST)] = METRICS_HOST.default,
    traces: Annotated[bool, typer_option(TRACES)] = TRACES.default,
    burst: Annotated[bool, typer_option(BURST)] = BURST.default,
) -> None:
    """Process jobs until SIGTERM/SIGINT, then finish or hand back running jobs and exit 0."""
    run_worker(
        targets,
        concurrency,
        threads,
        processes,
        redis_url,
        prefix,
        log_level,
        json_logs,
        metrics_port,
        metrics_host,
        traces,
        burst,
    )
