"""``jobctl repeat``: list and remove a domain's repeating jobs."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from .ops import DomainArg, OutOption, PrefixOption, UrlOption, admin_for, when
from .output import fail, out_console, redis_command

repeat_app = typer.Typer(help="Repeating jobs: list and remove.", no_args_is_help=True)


@repeat_app.command("list")
@redis_command
def repeat_list(
    domain: DomainArg,
    out: OutOption = Path("generated"),
    redis_url: UrlOption = None,
    prefix: PrefixOption = "jobs",
) -> None:
    """List the repeats of a domain with their schedule and next occurrence."""
    from rich.table import Table

    admin = admin_for(domain, out, redis_url, prefix)
    table = Table(title=f"Repeats of {domain}")
    for column in ("key", "job", "schedule", "next", "payload"):
        table.add_column(column, overflow="fold")
    for repeat in admin.repeats():
        schedule = f"cron {repeat.cron}" if repeat.cron else f"every {repeat.every_ms} ms"
        if repeat.limit is not None:
            schedule += f" (limit {repeat.limit})"
        upcoming = None if repeat.next_ms is None else datetime.fromtimestamp(repeat.next_ms / 1000)
        table.add_row(repeat.key, repeat.name, schedule, when(upcoming), repeat.payload)
    out_console().print(table)


@repeat_app.command("remove")
@redis_command
def repeat_remove(
    domain: DomainArg,
    key: Annotated[str, typer.Argument(help="The repeat key that `repeat list` shows.")],
    out: OutOption = Path("generated"),
    redis_url: UrlOption = None,
    prefix: PrefixOption = "jobs",
) -> None:
    """Stop a repeat and drop its pending occurrence."""
    if not admin_for(domain, out, redis_url, prefix).remove_repeat(key):
        raise fail(f"no repeat {key!r} in {domain}", 1)
    out_console().print(f"removed repeat {key} of {domain}")
