"""``jobctl breaking``: compare jobs.yaml with git or a file, or with the jobs stored in Redis.

The comparison of contracts lives in ``codegen.breaking`` (it needs no Redis);
``--live`` reads Redis through the runtime (``cli.live``). This command is
the only place that joins the two.
"""

from __future__ import annotations

import enum
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jobcontracts.codegen.cli import require_codegen_extra

from .ops import PrefixOption, UrlOption
from .output import fail

if TYPE_CHECKING:
    from rich.console import Console


@functools.cache
def _console(*, stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True, markup=False)


class OutputFormat(enum.Enum):
    TEXT = "text"
    JSON = "json"


def _static(spec: Path, against: str | None, against_file: Path | None, fmt: OutputFormat) -> None:
    from jobcontracts.codegen.breaking.check import find_breaks
    from jobcontracts.codegen.breaking.report import guide_hint, render_json, render_line, summary
    from jobcontracts.codegen.breaking.sources import SourceError, read_at_revision, read_file
    from jobcontracts.codegen.errors import SpecError

    try:
        source = read_at_revision(spec, against) if against is not None else None
        source = source or read_file(against_file or Path())
        findings = find_breaks(spec, source)
    except SourceError as error:
        raise fail(str(error)) from None
    except SpecError as error:
        for problem in error.problems:
            _console(stderr=True).print(problem.render(), markup=False)
        raise fail(
            f"{len(error.problems)} problem(s) in {spec}; fix them before comparing"
        ) from None
    breaks = any(finding.breaks for finding in findings)
    if fmt is OutputFormat.JSON:
        typer.echo(render_json(findings, source.name))
    else:
        for finding in findings:
            _console().print(render_line(finding), markup=False)
        _console().print(f"{spec} against {source.name}: {summary(findings)}", markup=False)
        if breaks:
            _console(stderr=True).print(guide_hint(), markup=False)
    if breaks:
        raise typer.Exit(1)


def breaking_command(
    against: Annotated[
        str | None,
        typer.Option(
            "--against",
            help="A git revision (branch, tag, commit) whose jobs.yaml to compare with.",
        ),
    ] = None,
    against_file: Annotated[
        Path | None, typer.Option("--against-file", help="A jobs.yaml file to compare with.")
    ] = None,
    live: Annotated[
        bool,
        typer.Option("--live", help="Check the jobs stored in Redis against the working tree."),
    ] = False,
    spec: Annotated[Path, typer.Option("--spec", "-s", help="The new jobs.yaml.")] = Path(
        "jobs.yaml"
    ),
    out: Annotated[
        Path, typer.Option("--out", help="Folder of the generated domain packages (--live).")
    ] = Path("generated"),
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="text for people, json for CI.")
    ] = OutputFormat.TEXT,
    examples: Annotated[
        int, typer.Option("--examples", min=0, help="Failing jobs shown per job kind (--live).")
    ] = 3,
    redis_url: UrlOption = None,
    prefix: PrefixOption = "jobs",
) -> None:
    """Exit 1 when the working tree's jobs.yaml breaks queued jobs or code; 2 on bad input."""
    if sum((against is not None, against_file is not None, live)) != 1:
        raise fail("give exactly one of --against REF, --against-file PATH and --live")
    require_codegen_extra("breaking")
    if live:
        from .live_command import run_live

        run_live(spec, out, output_format.value, examples, redis_url, prefix)
        return
    _static(spec, against, against_file, output_format)
