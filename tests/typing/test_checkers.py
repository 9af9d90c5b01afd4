"""The type checkers, not only the runtime, must reject each mistake the contracts catch.

Each file in ``cases/`` is checked by the real mypy (--strict) and pyright. A
line that must fail ends with ``# expect: mypy[code] pyright[rule]``; every
expected error must be reported on that line, and nothing else anywhere.
Optional ``# expect-message: text`` lines assert words the user will read.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CASES = sorted((Path(__file__).parent / "cases").glob("*.py"))
EXPECT = re.compile(r"#\s*expect:\s*(?P<specs>.+)$")
EXPECT_MESSAGE = re.compile(r"#\s*expect-message\s+(?P<checker>mypy|pyright):\s*(?P<text>.+)$")
SPEC = re.compile(r"(?P<checker>mypy|pyright)\[(?P<code>[\w-]+)\]")


@dataclass(frozen=True)
class Diagnostic:
    line: int
    code: str
    message: str


Reports = dict[Path, list[Diagnostic]]


def _expected(path: Path, checker: str) -> set[tuple[int, str]]:
    expected: set[tuple[int, str]] = set()
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        match = EXPECT.search(text)
        if match:
            for spec in SPEC.finditer(match["specs"]):
                if spec["checker"] == checker:
                    expected.add((number, spec["code"]))
    return expected


def _expected_messages(path: Path, checker: str) -> list[tuple[int, str]]:
    """``# expect-message`` comments apply to the nearest line above that expects an error."""
    messages: list[tuple[int, str]] = []
    last_error_line = 0
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        if EXPECT.search(text):
            last_error_line = number
        match = EXPECT_MESSAGE.search(text)
        if match and match["checker"] == checker:
            messages.append((last_error_line, match["text"].strip()))
    return messages


@cache
def _mypy_reports() -> Reports:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--no-error-summary",
            "--show-error-codes",
            "--hide-error-context",
            "--no-pretty",
            *map(str, CASES),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    reports: Reports = defaultdict(list)
    pattern = re.compile(
        r"^(?P<file>[^:]+):(?P<line>\d+): error: (?P<msg>.*)  \[(?P<code>[\w-]+)\]$"
    )
    for text in completed.stdout.splitlines():
        match = pattern.match(text)
        if match:
            path = (ROOT / match["file"]).resolve()
            reports[path].append(Diagnostic(int(match["line"]), match["code"], match["msg"]))
        elif ": error:" in text:
            raise AssertionError(f"unparsed mypy output: {text}")
    if completed.returncode not in (0, 1):
        raise AssertionError(f"mypy crashed:\n{completed.stdout}\n{completed.stderr}")
    return reports


@cache
def _pyright_reports() -> Reports:
    # The project's pyright config excludes the cases (they are meant to fail), so
    # they have a config of their own beside this file: strict, like the project.
    completed = subprocess.run(
        [
            str(Path(sys.executable).with_name("pyright")),
            "--outputjson",
            "--project",
            str(Path(__file__).parent / "pyrightconfig.json"),
            "--pythonpath",
            sys.executable,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        output = json.loads(completed.stdout)
    except json.JSONDecodeError as error:
        raise AssertionError(
            f"pyright gave no JSON:\n{completed.stdout}\n{completed.stderr}"
        ) from error
    analyzed = output["summary"]["filesAnalyzed"]
    assert analyzed >= len(CASES), f"pyright analyzed {analyzed} files, expected {len(CASES)}"
    reports: Reports = defaultdict(list)
    for item in output["generalDiagnostics"]:
        if item["severity"] != "error":
            continue
        path = Path(item["file"]).resolve()
        line = item["range"]["start"]["line"] + 1
        reports[path].append(Diagnostic(line, item.get("rule", "error"), item["message"]))
    return reports


def _check(path: Path, checker: str, reports: Reports) -> None:
    found = reports.get(path.resolve(), [])
    got = {(d.line, d.code) for d in found}
    expected = _expected(path, checker)
    missing = expected - got
    unexpected = got - expected
    detail = "\n".join(f"  {d.line}: [{d.code}] {d.message}" for d in found)
    assert not missing, (
        f"{checker} did not report {sorted(missing)} in {path.name}; it said:\n{detail}"
    )
    assert not unexpected, (
        f"{checker} reported unexpected {sorted(unexpected)} in {path.name}:\n{detail}"
    )
    for line, text in _expected_messages(path, checker):
        messages = [d.message for d in found if d.line == line]
        assert any(text in message for message in messages), (
            f"{checker} on {path.name}:{line} should say {text!r}; it said {messages}"
        )


def test_every_failing_case_expects_an_error_from_both_checkers() -> None:
    for path in CASES:
        if path.name.startswith("ok_"):
            continue
        assert _expected(path, "mypy"), f"{path.name} expects no mypy error"
        assert _expected(path, "pyright"), f"{path.name} expects no pyright error"


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_mypy(path: Path) -> None:
    _check(path, "mypy", _mypy_reports())


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_pyright(path: Path) -> None:
    _check(path, "pyright", _pyright_reports())
