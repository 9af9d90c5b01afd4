"""``--help`` of every ``jobctl`` command: upper-case names, no Python types, no braces."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

import pytest
import typer
from typer._click import Command
from typer.core import TyperGroup
from typer.testing import CliRunner

from jobcontracts.cli.app import app
from jobcontracts.cli.help import TidyGroup
from tests.cli.cli_support import WIDE, invoke

PYTHON_TYPE_LABEL = re.compile(r"<[a-z_]+(\[[^\]]*\])?( range)?>")
BRACED_NAME = re.compile(r"\{[a-z_]+\}")


def command_paths() -> list[list[str]]:
    """Every command and group of the app, as argument lists (``[]`` is the root)."""
    paths: list[list[str]] = []

    def walk(command: Command, path: list[str]) -> None:
        paths.append(path)
        if isinstance(command, TyperGroup):
            for name, sub in sorted(command.commands.items()):
                walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return paths


PATHS = command_paths()


def test_every_command_is_covered() -> None:
    names = {" ".join(path) for path in PATHS}
    expected = {"", "generate", "check", "schema", "worker", "enqueue", "stats", "show"}
    expected |= {"pause", "resume", "dlq", "dlq list", "dlq retry", "dlq purge"}
    expected |= {"repeat", "repeat list", "repeat remove"}
    assert expected <= names


@pytest.mark.parametrize("path", PATHS, ids=[" ".join(p) or "jobctl" for p in PATHS])
def test_help_shows_no_python_types_or_braces(path: list[str]) -> None:
    result = invoke([*path, "--help"])
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert text.lstrip().startswith(f"Usage: jobctl {' '.join(path)}".rstrip())
    assert not PYTHON_TYPE_LABEL.search(text), text
    assert not BRACED_NAME.search(text), text
    assert "--help" in text


@pytest.mark.parametrize(
    ("path", "usage", "rows"),
    [
        pytest.param(
            ["dlq", "retry"],
            "Usage: jobctl dlq retry [OPTIONS] DOMAIN [JOB_IDS...]",
            ["DOMAIN", "JOB_IDS...", "--all  ", "--out  PATH", "--prefix  TEXT"],
            id="dlq-retry",
        ),
        pytest.param(
            ["worker"],
            "Usage: jobctl worker [OPTIONS] TARGETS...",
            ["TARGETS...", "--concurrency  INTEGER [x>=1]", "--redis-url  TEXT", "--prefix  TEXT"],
            id="worker",
        ),
        pytest.param(
            ["enqueue"],
            "Usage: jobctl enqueue [OPTIONS] DOMAIN JOB PAYLOAD",
            ["--delay  FLOAT", "--priority  INTEGER", "--job-id  TEXT"],
            id="enqueue",
        ),
        pytest.param(
            ["show"],
            "Usage: jobctl show [OPTIONS] DOMAIN JOB_ID",
            ["--traceback  Also print"],
            id="show",
        ),
    ],
)
def test_help_reads_like_a_unix_command(path: list[str], usage: str, rows: list[str]) -> None:
    text = invoke([*path, "--help"]).stdout
    assert usage in text
    squeezed = re.sub(r" {2,}", "  ", text)
    for row in rows:
        assert row in squeezed, (row, squeezed)


def test_a_missing_argument_is_named_in_upper_case() -> None:
    result = invoke(["show", "github"])
    assert result.exit_code == 2
    assert "Missing argument 'JOB_ID'" in result.stderr


class Shape(StrEnum):
    TEXT = "text"
    JSON = "json"


def test_choices_are_shown_as_typed() -> None:
    demo = typer.Typer(cls=TidyGroup)

    @demo.command()
    def pick(shape: Annotated[Shape, typer.Option("--shape", help="How.")] = Shape.TEXT) -> None:
        """Pick a shape."""

    @demo.command()
    def other() -> None:
        """Another command, so pick is a subcommand."""

    text = CliRunner().invoke(demo, ["pick", "--help"], env=WIDE).stdout
    assert re.search(r"--shape +\[text\|json\] +How\.", text), text
