"""Composition root of the ``jobctl`` CLI.

``codegen`` must not import ``runtime`` and vice versa, so the one command line
that offers both is assembled here, above them.
"""

from __future__ import annotations

import typer

from codegen.cli import register_codegen_commands

app = typer.Typer(
    name="jobctl",
    help="Typed background jobs: generate code from jobs.yaml and operate its queues.",
    no_args_is_help=True,
    add_completion=False,
)
register_codegen_commands(app)


def main() -> None:
    app()
