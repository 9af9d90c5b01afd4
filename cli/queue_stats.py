"""``jobctl stats`` without typer, and the options every queue command shares.

``ops.py`` builds the typer commands from these declarations; ``fast_path.py``
reads a plain ``stats`` argv with them and calls ``show_stats`` directly.
"""

from __future__ import annotations

from pathlib import Path

from .argv import Arg, Opt
from .loading import LoadError, check_domain
from .output import fail, open_connection, out_console

OUT = Opt("out", "--out", "Folder of the generated domain packages.", Path, Path("generated"))
REDIS_URL: Opt[str | None] = Opt(
    "redis_url",
    "--redis-url",
    "Redis URL (default: REDIS_URL, then REDIS_HOST/PORT).",
    str,
    None,
    envvar="REDIS_URL",
)
PREFIX = Opt("prefix", "--prefix", "Key prefix the queues live under.", str, "jobs")
STATS_DOMAIN = Arg("domain", "One domain; all domains when omitted.")
STATS_OPTIONS: tuple[Opt[object], ...] = (OUT, REDIS_URL, PREFIX)
"""In the order of ``stats_command``'s parameters."""

_COLUMNS = ("domain", "waiting", "delayed", "active", "completed", "failed", "dead", "paused")


def show_stats(domain: str | None, out: Path, redis_url: str | None, prefix: str) -> None:
    """Show how many jobs each queue holds, by state."""
    from rich.table import Table
    from rich.text import Text

    from jobcontracts.runtime.admin import QueueAdmin

    domains = [domain] if domain else sorted(p.parent.name for p in out.glob("*/__init__.py"))
    if not domains:
        raise fail(f"{out}/ holds no domain packages; run `jobctl generate`")
    connection = open_connection(redis_url, prefix)
    table = Table(title="Queues")
    for column in _COLUMNS:
        table.add_column(column, justify="left" if column == "domain" else "right")
    for name in domains:
        try:
            check_domain(name, out)
        except LoadError as error:
            raise fail(str(error)) from error
        counts = QueueAdmin(name, connection).counts()
        table.add_row(
            name,
            str(counts.waiting),
            str(counts.delayed),
            str(counts.active),
            str(counts.completed),
            str(counts.failed),
            Text(str(counts.dead), style="red") if counts.dead else "0",
            "yes" if counts.paused else "no",
        )
    out_console().print(table)
