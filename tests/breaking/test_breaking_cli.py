"""``jobctl breaking --against/--against-file`` end to end: exit codes, output, bad input."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import Result

from tests.breaking.corpus_support import CORPUS
from tests.cli.cli_support import invoke

BASE = """version: 1
domains:
  shop:
    jobs:
      place_order:
        payload:
          type: object
          required: [order_id]
          properties:
            order_id: {type: string}
            note: {type: string, maxLength: 200}
        timeout: 30s
"""
BREAKING = BASE.replace("required: [order_id]", "required: [order_id, note]")
HARMLESS = BASE.replace("timeout: 30s", "timeout: 1m")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository whose ``main`` has BASE as jobs.yaml; the test runs inside it."""
    _git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "jobs.yaml").write_text(BASE, encoding="utf-8")
    _git(tmp_path, "add", "jobs.yaml")
    _git(tmp_path, "commit", "-q", "-m", "base")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(*args: str) -> Result:
    return invoke(["breaking", *args])


def _one_error_line(result: Result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_unchanged_contract_exits_zero(repo: Path) -> None:
    result = _run("--against", "main")
    assert result.exit_code == 0, result.output
    assert "no breaking change: 0 errors, 0 warnings, 0 infos" in result.stdout


def test_information_only_exits_zero(repo: Path) -> None:
    (repo / "jobs.yaml").write_text(HARMLESS, encoding="utf-8")
    result = _run("--against", "main")
    assert result.exit_code == 0, result.output
    assert "jobs.yaml:12:9: info TIMEOUT_CHANGED shop.place_order timeout" in result.stdout


def test_break_exits_one_and_points_to_the_migration_path(repo: Path) -> None:
    (repo / "jobs.yaml").write_text(BREAKING, encoding="utf-8")
    result = _run("--against", "main")
    assert result.exit_code == 1
    assert (
        "jobs.yaml:11:13: error PROPERTY_BECAME_REQUIRED [old-payloads-to-new-workers] "
        "shop.place_order payload.note: now required"
    ) in result.stdout
    assert "add the new shape as a new job" in result.stderr
    assert "README.md#making-a-breaking-change" in result.stderr


def test_json_format_for_ci(repo: Path) -> None:
    (repo / "jobs.yaml").write_text(BREAKING, encoding="utf-8")
    result = _run("--against", "main", "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["breaking"] is True
    assert document["against"] == "main:jobs.yaml"
    assert document["findings"] == [
        {
            "rule": "PROPERTY_BECAME_REQUIRED",
            "category": "wire",
            "severity": "error",
            "direction": "old-payloads-to-new-workers",
            "domain": "shop",
            "job": "place_order",
            "file": "jobs.yaml",
            "line": 11,
            "col": 13,
            "where": "payload.note",
            "message": "now required",
        }
    ]


def test_against_a_commit_and_a_relative_revision(repo: Path) -> None:
    (repo / "jobs.yaml").write_text(BREAKING, encoding="utf-8")
    _git(repo, "commit", "-q", "-am", "require note")
    assert _run("--against", "HEAD").exit_code == 0
    assert _run("--against", "HEAD~1").exit_code == 1


def test_against_file(repo: Path) -> None:
    (repo / "old.yaml").write_text(BASE, encoding="utf-8")
    (repo / "jobs.yaml").write_text(BREAKING, encoding="utf-8")
    result = _run("--against-file", "old.yaml")
    assert result.exit_code == 1
    assert "old.yaml" in result.stdout


def test_revision_without_jobs_yaml(repo: Path) -> None:
    (repo / "other.txt").write_text("x", encoding="utf-8")
    _git(repo, "rm", "-q", "jobs.yaml")
    _git(repo, "add", "other.txt")
    _git(repo, "commit", "-q", "-m", "drop the contract")
    (repo / "jobs.yaml").write_text(BASE, encoding="utf-8")
    result = _run("--against", "HEAD")
    assert result.exit_code == 2
    assert _one_error_line(result) == "error: revision 'HEAD' has no jobs.yaml"


def test_unknown_revision(repo: Path) -> None:
    result = _run("--against", "no-such-branch")
    assert result.exit_code == 2
    assert "unknown git revision 'no-such-branch'" in _one_error_line(result)


def test_invalid_old_contract(repo: Path) -> None:
    (repo / "jobs.yaml").write_text(BASE.replace("version: 1", "version: 7"), encoding="utf-8")
    _git(repo, "commit", "-q", "-am", "broken")
    (repo / "jobs.yaml").write_text(BASE, encoding="utf-8")
    line = _one_error_line(_run("--against", "HEAD"))
    assert line == (
        "error: the old contract HEAD:jobs.yaml is not valid (1 problem(s)), first: "
        "HEAD:jobs.yaml:1:10: version: unsupported version: this jobctl reads version: 1"
    )
    assert _run("--against", "HEAD").exit_code == 2


def test_not_a_git_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    (tmp_path / "jobs.yaml").write_text(BASE, encoding="utf-8")
    result = _run("--against", "main")
    assert result.exit_code == 2
    assert "is not inside a git repository; use --against-file instead" in _one_error_line(result)


def test_missing_against_file(repo: Path) -> None:
    result = _run("--against-file", "nowhere.yaml")
    assert result.exit_code == 2
    assert _one_error_line(result) == "error: nowhere.yaml does not exist"


@pytest.mark.parametrize(
    "args",
    [[], ["--against", "main", "--against-file", "jobs.yaml"], ["--against", "main", "--live"]],
)
def test_exactly_one_mode(repo: Path, args: list[str]) -> None:
    result = _run(*args)
    assert result.exit_code == 2
    assert "give exactly one of --against REF, --against-file PATH and --live" in _one_error_line(
        result
    )


def test_invalid_new_contract_lists_its_problems(repo: Path) -> None:
    (repo / "jobs.yaml").write_text(BASE.replace("timeout: 30s", "timeout: soon"), encoding="utf-8")
    result = _run("--against", "main")
    assert result.exit_code == 2
    assert (
        "jobs.yaml:12:18: domains.shop.jobs.place_order.timeout: invalid duration" in result.stderr
    )


def test_a_generated_api_break_alone_is_a_warning_and_exits_one(repo: Path) -> None:
    """A renamed definition keeps the wire but renames the class callers import."""
    (repo / "old.yaml").write_text(
        (CORPUS / "ref_target_changed__api" / "old.yaml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    (repo / "jobs.yaml").write_text(
        (CORPUS / "ref_target_changed__api" / "new.yaml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    result = _run("--against-file", "old.yaml")
    assert result.exit_code == 1
    assert "warning REF_TARGET_CHANGED [python-callers]" in result.stdout
    assert "breaking: 0 errors, 1 warning, 0 infos" in result.stdout
