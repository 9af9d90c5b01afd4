"""``jobctl doctor``: is the Redis this deployment points at fit to hold jobs?

A short table of findings with the fix for each; exit 1 when any is an
error, so a deployment pipeline can run it before starting workers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from .ops import OutOption, PrefixOption, UrlOption
from .output import open_connection, out_console, redis_command

if TYPE_CHECKING:
    from rich.table import Table

    from jobcontracts.runtime.server_checks import Finding

STYLE = {"ok": "green", "warning": "yellow", "error": "bold red"}
"""Colour of each finding level, by its value."""


def render(findings: list[Finding], where: str) -> Table:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"Redis at {where}", title_justify="left")
    table.add_column("check", style="bold")
    table.add_column("status")
    table.add_column("found", overflow="fold")
    table.add_column("fix", overflow="fold")
    for finding in findings:
        status = Text(finding.level.value, style=STYLE[finding.level.value])
        table.add_row(finding.check, status, finding.detail, finding.fix or "-")
    return table


@redis_command
def doctor_command(
    out: OutOption = Path("generated"),
    redis_url: UrlOption = None,
    prefix: PrefixOption = "jobs",
) -> None:
    """Check Redis: version and mode, eviction, persistence, ACL, latency, clock offset."""
    from jobcontracts.runtime.diagnosis import Target
    from jobcontracts.runtime.server_checks import Level
    from jobcontracts.runtime.server_report import check_server

    connection = open_connection(redis_url, prefix)
    domains = sorted(p.parent.name for p in out.glob("*/__init__.py"))
    findings = check_server(connection, domains)
    target = Target.parse(connection.url)
    where = f"{target.address}, db {target.db}, user '{target.user_name}'"
    out_console().print(render(findings, where))
    if any(f.level is Level.ERROR for f in findings):
        raise typer.Exit(1)
