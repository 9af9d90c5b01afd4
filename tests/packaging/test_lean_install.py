"""A plain install (no ``codegen`` extra) runs API and worker processes, and says what it lacks.

The user-project test installs the built wheel without the extra and tries it for
real; these tests check the same promises in the development environment, quickly.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.golden.support import GOLDEN_DIR, run_cli

CODEGEN_ONLY = ("yaml", "jinja2", "datamodel_code_generator", "ruff", "black", "isort")


@pytest.mark.parametrize("command", ["generate", "check"])
@pytest.mark.parametrize("blocked", ["yaml", "datamodel_code_generator"])
def test_codegen_commands_without_the_extra_say_what_to_install(
    command: str, blocked: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, blocked, None)  # find_spec and import both fail on None
    spec = GOLDEN_DIR / "tricky" / "jobs.yaml"
    result = run_cli(command, "--spec", str(spec), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"jobctl {command} needs the code generator, which this install lacks ({blocked}): "
        "pip install 'jobcontracts[codegen]'"
    ]
    assert not (tmp_path / "out").exists()


def test_runtime_and_operations_cli_import_nothing_from_the_code_generator(
    tmp_path: Path,
) -> None:
    """Import every module of runtime/ and cli/ in a fresh interpreter: no generator libs load."""
    probe = f"""
import importlib, pkgutil, sys
import jobcontracts.runtime, jobcontracts.cli
names = []
for package in (jobcontracts.runtime, jobcontracts.cli):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if info.name.split(".")[-1] in ("pytest_plugin", "__main__"):
            continue  # loaded by pytest, or runs the CLI
        names.append(info.name)
        importlib.import_module(info.name)
loaded = sorted(m for m in {CODEGEN_ONLY!r} if m in sys.modules)
print(len(names), ",".join(loaded))
"""
    completed = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    count, loaded = completed.stdout.split(" ")
    assert int(count) >= 20
    assert loaded.strip() == ""
