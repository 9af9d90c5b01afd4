"""Queue operations from the command line: enqueue, stats, show, dead letters, pause.

Each command finds the domain's generated package (``--out``, default
``generated/``) to validate payloads and to know which domains exist.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from .argv import Arg, Opt
from .loading import LoadError, check_domain, load_queue
from .output import fail, open_connection, out_console, redis_command
from .queue_stats import OUT, PREFIX, REDIS_URL, STATS_DOMAIN, show_stats

if TYPE_CHECKING:
    from rich.console import Console

    from jobcontracts.runtime import QueueAdmin


def typer_option(spec: Opt[Any]) -> Any:
    """The ``typer.Option`` of a declaration that ``argv.parse_plain`` also reads."""
    return typer.Option(spec.flags, min=spec.min, max=spec.max, envvar=spec.envvar, help=spec.help)


def typer_argument(spec: Arg) -> Any:
    return typer.Argument(help=spec.help)


OutOption = Annotated[Path, typer_option(OUT)]
UrlOption = Annotated[str | None, typer_option(REDIS_URL)]
PrefixOption = Annotated[str, typer_option(PREFIX)]
TracebackOption = Annotated[
    bool, typer.Option("--traceback", help="Also print the stored traceback of each failure.")
]
DomainArg = Annotated[str, typer.Argument(help="The domain (queue), as named in jobs.yaml.")]


def admin_for(domain: str, out: Path, url: str | None, prefix: str) -> QueueAdmin:
    from jobcontracts.runtime.admin import QueueAdmin

    try:
        check_domain(domain, out)
    except LoadError as error:
        raise fail(str(error)) from error
    return QueueAdmin(domain, open_connection(url, prefix))


def print_tracebacks(console: Console, entries: Iterable[tuple[str, str | None]]) -> int:
    from .tracebacks import print_tracebacks

    return print_tracebacks(console, entries)


def when(value: datetime | None) -> str:
    return "-" if value is None else value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def enqueue_command(
    domain: DomainArg,
    job: Annotated[str, typer.Argument(help="The job name, e.g. sync_data.")],
    payload: Annotated[
        str, typer.Argument(help="The payload as JSON (validated before enqueueing).")
    ],
    delay: Annotated[float | None, typer.Option(help="Seconds before the job may run.")] = None,
    priority: Annotated[int | None, typer.Option(help="Higher runs earlier.")] = None,
    attempts: Annotated[int | None, typer.Option(help="Total tries, the first included.")] = None,
    timeout: Annotated[float | None, typer.Option(help="Seconds one attempt may take.")] = None,
    job_id: Annotated[
        str | None,
        typer.Option("--job-id", help="Idempotency key: an existing id is not added again."),
    ] = None,
    out: OutOption = Path("generated"),
    redis_url: UrlOption = None,
    prefix: PrefixOption = "jobs",
) -> None:
    """Validate a payload against the job's schema, enqueue it, and print the job id."""
    from jobcontracts.runtime import (
        InvalidOptionsError,
        InvalidPayloadError,
        JobOptions,
        UnknownJobError,
        enqueue,
    )

    try:
        queue = load_queue(domain, out)
    except LoadError as error:
        raise fail(str(error)) from error
    try:
        data: Any = json.loads(payload)
    except json.JSONDecodeError as error:
        raise fail(f"the payload is not JSON: {error}") from error
    if not isinstance(data, dict):
        raise fail("the payload must be a JSON object")
    options = JobOptions(
        delay=delay, priority=priority, attempts=attempts, timeout=timeout, job_id=job_id
    )
    connection = open_connection(redis_url, prefix)
    try:
        handle = enqueue(queue, job, cast("dict[str, Any]", data), options, connection)
    except (InvalidPayloadError, UnknownJobError, InvalidOptionsError) as error:
        raise fail(str(error)) from error
    typer.echo(handle.id)


def stats_command(
    domain: Annotated[str | None, typer_argument(STATS_DOMAIN)] = None,
    out: OutOption = OUT.default,
    redis_url: UrlOption = None,
    prefix: PrefixOption = PREFIX.default,
) -> None:
    """Show how many jobs each queue holds, by state."""
    show_stats(domain, out, redis_url, prefix)


def show_command(
    domain: DomainArg,
    job_id: Annotated[str, typer.Argument(help="The job id that enqueue printed.")],
    out: OutOption = Path("generated"),
    redis_url: UrlOption = None,
    prefix: PrefixOption = "jobs",
    traceback: TracebackOption = False,
) -> None:
    """Show one job: state, attempts, errors, result (and tracebacks with --traceback)."""
    from rich.table import Table

    admin = admin_for(domain, out, redis_url, prefix)
    info = admin.job(job_id)
    if info is None:
        raise fail(f"no job {job_id!r} in {domain} (never added, or removed by retention)", 1)
    table = Table(show_header=False, title=f"{domain}/{info.name} #{info.id}")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    rows = [
        ("state", info.state.value),
        ("attempts", f"{info.attempts_made} of {info.attempts_allowed}"),
        ("priority", str(info.priority)),
        ("payload", info.payload),
        ("schema revision", info.revision or "-"),
        ("result", info.result or "-"),
        ("enqueued", when(info.enqueued_at)),
        ("started", when(info.started_at)),
        ("finished", when(info.finished_at)),
    ]
    if info.ready_at:
        rows.append(("ready at", when(info.ready_at)))
    if info.dead_reason:
        rows.append(("dead because", info.dead_reason))
    if info.stalls:
        rows.append(("stalls", str(info.stalls)))
    if info.error_count > len(info.errors):
        rows.append(("errors", f"{info.error_count} in total; the last {len(info.errors)} follow"))
    rows.extend((f"attempt {e.attempt} error", e.reason) for e in info.errors)
    for field, value in rows:
        table.add_row(field, value)
    out_console().print(table)
    if traceback:
        if not info.errors:
            out_console().print("no failed attempts, so no traceback")
        print_tracebacks(
            out_console(), ((f"attempt {e.attempt}: {e.reason}", e.traceback) for e in info.errors)
        )


def pause_command(
    domain: DomainArg,
    out: OutOption = Path("generated"),
    redis_url: UrlOption = None,
    prefix: PrefixOption = "jobs",
) -> None:
    """Stop workers of a domain from starting new jobs (running ones finish)."""
    admin_for(domain, out, redis_url, prefix).pause()
    out_console().print(f"{domain} paused")


def resume_command(
    domain: DomainArg,
    out: OutOption = Path("generated"),
    redis_url: UrlOption = None,
    prefix: PrefixOption = "jobs",
) -> None:
    """Let workers of a paused domain start jobs again."""
    admin_for(domain, out, redis_url, prefix).resume()
    out_console().print(f"{domain} resumed")


def register_ops_commands(app: typer.Typer) -> None:
    from .dlq_commands import dlq_app
    from .repeat_commands import repeat_app

    app.command("enqueue")(redis_command(enqueue_command))
    app.command("stats")(redis_command(stats_command))
    app.command("show")(redis_command(show_command))
    app.add_typer(dlq_app, name="dlq")
    app.add_typer(repeat_app, name="repeat")
    app.command("pause")(redis_command(pause_command))
    app.command("resume")(redis_command(resume_command))
