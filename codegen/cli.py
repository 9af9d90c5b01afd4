"""The code generation commands of ``jobctl``: generate, check, schema.

Exit codes: 0 success, 1 generated code out of date (check), 2 invalid spec or the
``codegen`` extra not installed.
Diagnostics go to stderr so stdout stays machine-readable (``schema``).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .errors import SpecError

if TYPE_CHECKING:
    from rich.console import Console

    from .pipeline import Generated

# The pipeline (jinja2, ruff, the YAML loader) is imported
# inside the commands: ``jobctl worker`` shares this command line and should not
# pay for a code generator it never runs.

SpecOption = Annotated[
    Path,
    typer.Option("--spec", "-s", help="The jobs.yaml to read.", show_default=True),
]
OutOption = Annotated[
    Path,
    typer.Option("--out", "-o", help="The package folder to generate into.", show_default=True),
]
SCHEMA_FILE_NAME = "jobs.schema.json"
CODEGEN_MODULES = ("yaml", "jinja2", "datamodel_code_generator", "ruff")
"""What the ``codegen`` extra installs; a plain install (API and worker processes) lacks them."""
INSTALL_HINT = "pip install 'jobcontracts[codegen]'"


def _console(*, stderr: bool = False) -> Console:
    """No wrapping, no highlighting: lines stay greppable and diffable.

    No markup either: paths and names are printed as written (``gen[1]/`` stays
    itself); styled parts are ``rich.text.Text``.
    """
    from rich.console import Console  # imported when a command prints, not for --help

    return Console(stderr=stderr, highlight=False, soft_wrap=True, markup=False)


def require_codegen_extra(command: str) -> None:
    """One line saying what to install, instead of a traceback from deep inside the pipeline."""
    missing = [name for name in CODEGEN_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        _console(stderr=True).print(
            f"jobctl {command} needs the code generator, which this install lacks "
            f"({', '.join(missing)}): {INSTALL_HINT}",
            markup=False,
        )
        raise typer.Exit(code=2)


def _load(spec: Path) -> Generated:
    from .pipeline import generate_from_file

    err = _console(stderr=True)
    try:
        return generate_from_file(spec, display_name=str(spec))
    except SpecError as error:
        for problem in error.problems:
            err.print(problem.render(), markup=False)
        err.print(f"{len(error.problems)} problem(s) in {spec}; nothing was written.", markup=False)
        raise typer.Exit(code=2) from None


def generate(spec: SpecOption = Path("jobs.yaml"), out: OutOption = Path("generated")) -> None:
    """Validate jobs.yaml and write the generated packages (only files that changed)."""
    require_codegen_extra("generate")
    from rich.text import Text

    from .output import compare, write

    result = _load(spec)
    drift = compare(result.files, out)
    kept = write(result.files, out, drift)
    console = _console()
    domains = result.contracts.domains
    jobs = sum(len(domain.jobs) for domain in domains)
    written = len(drift.changed) + len(drift.missing)
    removed = len(drift.extra) - len(kept)
    console.print(
        Text.assemble(
            ("generated", "bold green"),
            f" {len(domains)} domain(s), {jobs} job(s) into {out}: "
            f"{written} file(s) written, {len(drift.unchanged)} unchanged"
            + (f", {removed} stale removed" if removed else ""),
        )
    )
    for domain in domains:
        console.print(f"  {domain.key}: {', '.join(job.key for job in domain.jobs)}", markup=False)
    for relative in kept:
        _console(stderr=True).print(
            f"warning: {out / relative} is not generated code; left in place (remove it:"
            f" {out}/ holds only generated code, and `jobctl check` fails while it is there)",
            markup=False,
        )


def check(spec: SpecOption = Path("jobs.yaml"), out: OutOption = Path("generated")) -> None:
    """Exit 1 with a diff if the generated packages differ from what jobs.yaml gives."""
    require_codegen_extra("check")
    from .output import compare, is_generated, unified_diff

    result = _load(spec)
    drift = compare(result.files, out)
    if drift.clean:
        _console().print(f"{out} is up to date with {spec}", markup=False)
        return
    err = _console(stderr=True)
    diff = unified_diff(result.files, out, drift)
    typer.echo(diff, nl=False)
    err.print(
        f"{out} is out of date: {len(drift.changed)} changed, {len(drift.missing)} missing, "
        f"{len(drift.extra)} extra file(s)",
        markup=False,
    )
    strays = [out / relative for relative in drift.extra if not is_generated(out / relative)]
    for relative in drift.extra:
        if out / relative not in strays:
            err.print(
                f"{out / relative}: stale generated file; `jobctl generate` removes it",
                markup=False,
            )
    for stray in strays:
        err.print(
            f"{stray}: not generated from {spec}; remove it ({out}/ holds only generated code)",
            markup=False,
        )
    if len(strays) < len(drift.extra) + len(drift.changed) + len(drift.missing):
        err.print(f"run `jobctl generate` and commit {out}/", markup=False)
    raise typer.Exit(code=1)


def schema(
    write_to: Annotated[
        Path | None,
        typer.Option(
            "--write", "-w", help=f"Also write it to this file (e.g. {SCHEMA_FILE_NAME})."
        ),
    ] = None,
) -> None:
    """Print the JSON Schema of jobs.yaml itself, for editor completion and validation."""
    from .spec import jobs_file_json_schema

    text = json.dumps(jobs_file_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    typer.echo(text, nl=False)
    if write_to is not None:
        write_to.write_text(text, encoding="utf-8")


def register_codegen_commands(app: typer.Typer) -> None:
    """Add generate, check and schema to the ``jobctl`` app."""
    app.command(no_args_is_help=False)(generate)
    app.command(no_args_is_help=False)(check)
    app.command(no_args_is_help=False)(schema)
