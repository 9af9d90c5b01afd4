"""``jobctl breaking --live``: would the jobs stored in Redis fail on the working tree's workers?

The CLI is the one place that may import both the code generator and the
runtime. It reads jobs.yaml through ``codegen`` (for each job's schema
revision) and validates payloads with the generated models of ``--out``,
which are what the new workers will run. When the two disagree (jobs.yaml was
edited and not regenerated) the check refuses to guess and says so.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from jobcontracts.runtime import Connection, QueueDefinition
from jobcontracts.runtime.connection import CONNECTION_ERRORS

from .live import LiveCheck, Tally, failing_total
from .loading import LoadError, load_queue
from .output import fail

out_console = Console(highlight=False, soft_wrap=True, markup=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)


def _contract_queues(spec: Path, out: Path) -> dict[str, QueueDefinition]:
    """The generated queue of every domain of ``spec``, checked to match it revision by revision."""
    from jobcontracts.codegen.breaking.check import load_new
    from jobcontracts.codegen.breaking.sources import SourceError
    from jobcontracts.codegen.errors import SpecError

    try:
        contract = load_new(spec)
    except SourceError as error:
        raise fail(str(error)) from None
    except SpecError as error:
        for problem in error.problems:
            err_console.print(problem.render(), markup=False)
        raise fail(f"{len(error.problems)} problem(s) in {spec}; fix them first") from None
    queues: dict[str, QueueDefinition] = {}
    for domain in contract.contracts.domains:
        try:
            queue = load_queue(domain.key, out)
        except LoadError as error:
            raise fail(str(error)) from None
        for job in domain.jobs:
            generated = queue.jobs.get(job.key)
            if generated is None or generated.revision != job.revision:
                raise fail(
                    f"{out}/{domain.key} is out of date with {spec} (job {job.key!r}); "
                    "run `jobctl generate` first"
                )
        queues[domain.key] = queue
    return queues


def _print_text(tallies: list[Tally]) -> None:
    table = Table(title="Stored jobs against the working tree's jobs.yaml")
    for column in ("domain", "job", "stored", "same revision", "checked", "would fail"):
        table.add_column(column, justify="left" if column in ("domain", "job") else "right")
    for t in tallies:
        table.add_row(
            t.domain, t.job, str(t.stored), str(t.same_revision), str(t.checked), str(t.failing)
        )
    out_console.print(table)
    for t in tallies:
        for example in t.examples:
            out_console.print(
                f"{t.domain}.{t.job} #{example.id} ({example.state}): {example.reason}",
                markup=False,
            )
    stored = sum(t.stored for t in tallies)
    out_console.print(
        f"{failing_total(tallies)} of {stored} stored job(s) and repeat(s) would fail", markup=False
    )


def _print_json(tallies: list[Tally]) -> None:
    document = {
        "breaking": failing_total(tallies) > 0,
        "kinds": [
            {
                "domain": t.domain,
                "job": t.job,
                "stored": t.stored,
                "same_revision": t.same_revision,
                "checked": t.checked,
                "failing": t.failing,
                "examples": [
                    {"id": e.id, "state": e.state, "reason": e.reason} for e in t.examples
                ],
            }
            for t in tallies
        ],
    }
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


def run_live(
    spec: Path, out: Path, fmt: str, examples: int, redis_url: str | None, prefix: str
) -> None:
    """Exit 1 when any stored job or repeat would fail; 2 when the check cannot run."""
    from jobcontracts.codegen.breaking.report import guide_hint

    queues = _contract_queues(spec, out)
    connection = Connection(redis_url, prefix=prefix)
    try:
        tallies = LiveCheck(connection, queues, examples=examples).run()
    except CONNECTION_ERRORS as error:
        raise fail(f"cannot reach Redis: {error}") from None
    finally:
        connection.close()
    if fmt == "json":
        _print_json(tallies)
    else:
        _print_text(tallies)
    if failing_total(tallies):
        err_console.print(guide_hint(), markup=False)
        raise typer.Exit(1)
