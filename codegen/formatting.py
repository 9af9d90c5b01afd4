"""Format generated sources with ruff, the way the project's own code is formatted.

Everything is written to one temporary directory and ruff runs twice on it
(sort imports, then format), which is much faster than one process per file.
Settings are passed explicitly (``--isolated``) so the output does not depend
on where jobctl runs.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .errors import GeneratorBug

_SETTINGS = [
    "--isolated",
    "--line-length=100",
    "--target-version=py311",
]
_ISORT = ["--config", "lint.isort.known-first-party = ['jobcontracts']"]


def _ruff(*arguments: str, cwd: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "ruff", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise GeneratorBug(
            f"ruff {arguments[0]} failed on generated code:\n{completed.stdout}{completed.stderr}"
        )


def format_sources(sources: Mapping[str, str]) -> dict[str, str]:
    """Relative path -> formatted source, for every Python file in ``sources``."""
    with tempfile.TemporaryDirectory(prefix="jobctl-format-") as directory:
        root = Path(directory)
        for relative, text in sources.items():
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        _ruff(
            "check",
            *_SETTINGS,
            *_ISORT,
            "--select=I,RUF022",
            "--fix",
            "--quiet",
            "--exit-zero",
            ".",
            cwd=root,
        )
        _ruff("format", *_SETTINGS, "--quiet", ".", cwd=root)
        return {relative: (root / relative).read_text(encoding="utf-8") for relative in sources}
