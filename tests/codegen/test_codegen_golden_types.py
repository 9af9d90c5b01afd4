"""Every golden tree passes the real ``mypy --strict`` and pyright (strict), as generated/ does.

The trees are copied out of ``tests/golden`` (which the project's own checker
runs exclude, since a case may hold deliberately odd names) into packages of
their own and checked in one run of each checker.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.golden.support import GOLDEN_DIR, REPO_ROOT, read_tree, write_tree

CASES = sorted(path.parent.name for path in GOLDEN_DIR.glob("*/jobs.yaml"))


def _copy_trees(root: Path) -> list[Path]:
    packages: list[Path] = []
    for case in CASES:
        package = root / f"golden_{case}"
        write_tree(read_tree(GOLDEN_DIR / case / "expected"), package)
        packages.append(package)
    return packages


def _mypy(packages: list[Path], root: Path) -> str:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(REPO_ROOT / "pyproject.toml"),
            "--cache-dir",
            str(root / ".mypy_cache"),
            "--no-error-summary",
            *map(str, packages),
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode in (0, 1), f"mypy crashed:\n{completed.stderr}"
    return completed.stdout


def _pyright(root: Path, files: int) -> list[str]:
    config = {
        "include": ["."],
        "exclude": [".mypy_cache"],
        "typeCheckingMode": "strict",
        "pythonVersion": "3.11",
        "extraPaths": [str(REPO_ROOT)],
    }
    (root / "pyrightconfig.json").write_text(json.dumps(config), encoding="utf-8")
    completed = subprocess.run(
        [
            str(Path(sys.executable).with_name("pyright")),
            "--outputjson",
            "--project",
            str(root / "pyrightconfig.json"),
            "--pythonpath",
            sys.executable,
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    output = json.loads(completed.stdout)
    assert output["summary"]["filesAnalyzed"] == files, output["summary"]
    return [
        f"{item['file']}:{item['range']['start']['line'] + 1}: {item['message']}"
        for item in output["generalDiagnostics"]
        if item["severity"] in ("error", "warning")
    ]


def test_every_golden_tree_type_checks(tmp_path: Path) -> None:
    packages = _copy_trees(tmp_path)
    files = len(list(tmp_path.rglob("*.py")))
    assert len(packages) == len(CASES) >= 10
    assert _mypy(packages, tmp_path) == ""
    assert _pyright(tmp_path, files) == []
