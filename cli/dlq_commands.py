"""``jobctl dlq``: list, retry and purge a domain's dead-lettered jobs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .ops import (
    DomainArg,
    OutOption,
    PrefixOption,
    TracebackOption,
    UrlOption,
    admin_for,
    print_tracebacks,
    when,
)
from .output import fail, out_console, redis_command

dlq_app = typer.Typer(help="The dead-letter queue: list, retry, purge.", no_args_is_help=True)


@dlq_app.command("list")
@redis_command
def dlq_list(
    domain: DomainArg,
    limit: Annotated[int, typer.Option(help="How many to show.")] = 50,
    offset: Annotated[int, typer.Option(help="How many to skip.")] = 0,
    out: OutOption = Path("generated"),
    redis_url: UrlOption = None,
    prefix: PrefixOption = "jobs",
    traceback: TracebackOption = False,
) -> None:
    """List dead-lettered jobs with the reason each one failed (and tracebacks with --traceback)."""
    from rich.table import Table

    admin = admin_for(domain, out, redis_url, prefix)
    letters = admin.dead_letters(limit=limit, offset=offset)
    table = Table(title=f"Dead letters of {domain} ({admin.counts().dead} in all)")
    for column in ("id", "job", "attempts", "failed at", "reason"):
        table.add_column(column, overflow="fold")
    for letter in letters:
        table.add_row(
            letter.id, letter.name, str(letter.attempts), when(letter.failed_at), letter.reason
        )
    out_console().print(table)
    if traceback:
        print_tracebacks(
            out_console(),
            ((f"{letter.id} ({letter.name})", letter.traceback) for letter in letters),
        )


@dlq_app.command("retry")
@redis_command
def dlq_retry(
    domain: DomainArg,
    job_ids: Annotated[list[str] | None, typer.Argument(help="Ids to retry.")] = None,
    all_jobs: Annotated[bool, typer.Option("--all", help="Retry every dead-lettered job.")] = False,
    out: OutOption = Path("generated"),
    redis_url: UrlOption = None,
    prefix: PrefixOption = "jobs",
) -> None:
    """Put dead-lettered jobs back in the queue with fresh attempts."""
    if bool(job_ids) == all_jobs:
        raise fail("name the job ids to retry, or pass --all (not both)")
    admin = admin_for(domain, out, redis_url, prefix)
    count = admin.retry_dead(None if all_jobs else job_ids)
    out_console().print(f"re-enqueued {count} job(s) of {domain}")
    if job_ids and count < len(job_ids):
        raise fail(f"{len(job_ids) - count} of the ids were not in the dead-letter queue", 1)


@dlq_app.command("purge")
@redis_command
def dlq_purge(
    domain: DomainArg,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    out: OutOption = Path("generated"),
    redis_url: UrlOption = None,
    prefix: PrefixOption = "jobs",
) -> None:
    """Delete every dead-lettered job of a domain."""
    admin = admin_for(domain, out, redis_url, prefix)
    dead = admin.counts().dead
    if not yes:
        if not sys.stdin.isatty():
            raise fail(f"refusing to delete {dead} dead job(s) without --yes")
        typer.confirm(f"Delete {dead} dead job(s) of {domain}?", abort=True)
    out_console().print(f"purged {admin.purge_dead()} dead job(s) of {domain}")
