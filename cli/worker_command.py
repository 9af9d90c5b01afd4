"""``jobctl worker``: run one or more domains' workers in this process until SIGTERM."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer

from jobcontracts.runtime import MissingHandlerError, Worker, run_forever

from .loading import LoadError, load_worker
from .logs import configure_logging
from .ops import fail


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
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
    json_logs: Annotated[
        bool | None,
        typer.Option("--json-logs/--human-logs", help="Default: JSON unless stderr is a terminal."),
    ] = None,
) -> None:
    """Process jobs until SIGTERM/SIGINT, then finish or hand back running jobs and exit 0."""
    configure_logging(log_level, json_logs=json_logs)
    workers: list[Worker] = []
    for target in targets:
        try:
            worker = load_worker(target)
        except (LoadError, MissingHandlerError) as error:
            raise fail(str(error)) from error
        if concurrency is not None:
            worker.settings = dataclasses.replace(worker.settings, concurrency=concurrency)
        workers.append(worker)
    run_forever(*workers)
