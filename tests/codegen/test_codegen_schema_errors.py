"""Every kind of spec error, as the exact stderr lines ``jobctl generate`` prints.

Each ``tests/schema_errors/<case>.yaml`` has a ``<case>.expected`` with the
lines (``file:line:col: where: what``); ``python -m tests.golden.regenerate``
rewrites them after an intended change to a message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.golden.support import REPO_ROOT, SCHEMA_ERRORS_DIR, run_cli

CASES = sorted(path.stem for path in SCHEMA_ERRORS_DIR.glob("*.yaml"))


def test_every_error_kind_has_a_case() -> None:
    assert len(CASES) >= 12
    assert "several_errors" in CASES


@pytest.mark.parametrize("case", CASES)
def test_schema_error_output(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)
    spec = f"tests/schema_errors/{case}.yaml"
    out = tmp_path / "out"
    result = run_cli("generate", "--spec", spec, "--out", str(out))
    expected = (SCHEMA_ERRORS_DIR / f"{case}.expected").read_text(encoding="utf-8")
    assert result.exit_code == 2, result.output
    assert result.stderr == expected
    assert not out.exists(), "an invalid spec must not write anything"


@pytest.mark.parametrize("case", CASES)
def test_check_also_refuses_invalid_specs(case: str, tmp_path: Path) -> None:
    result = run_cli(
        "check", "--spec", str(SCHEMA_ERRORS_DIR / f"{case}.yaml"), "--out", str(tmp_path)
    )
    assert result.exit_code == 2
