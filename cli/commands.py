"""The ``jobctl`` command tree, built with typer.

``codegen`` must not import ``runtime`` and vice versa, so the one command line
that offers both is assembled here, above them. ``app.main`` builds it only
when ``fast_path`` leaves the argv to typer.
"""

from __future__ import annotations

from typing import Annotated

import typer

from jobcontracts.codegen.cli import register_codegen_commands

from .breaking_command import breaking_command
from .doctor import doctor_command
from .help import TidyGroup
from .init_command import init_command
from .observe_commands import register_observe_commands
from .ops import register_ops_commands
from .worker_command import worker_command

app = typer.Typer(
    name="jobctl",
    help="Typed background jobs: generate code from jobs.yaml and operate its queues.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=TidyGroup,
)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"jobctl {version('jobcontracts')}")
        except PackageNotFoundError:
            typer.echo("jobctl (not installed)")
        raise typer.Exit


@app.callback()
def _root(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Typed background jobs: generate code from jobs.yaml and operate its queues."""


app.command("init", no_args_is_help=False)(init_command)
register_codegen_commands(app)
app.command("worker")(worker_command)
app.command("breaking")(breaking_command)
register_ops_commands(app)
app.command("doctor")(doctor_command)
register_observe_commands(app)
