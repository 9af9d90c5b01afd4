"""Helpers shared by the codegen tests: the repo layout, a CLI runner, importing output.

It lives beside the golden cases so tests import it as ``tests.golden.support``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType, TracebackType

import typer
from typer.testing import CliRunner, Result

from jobcontracts.codegen.cli import register_codegen_commands

REPO_ROOT = Path(__file__).resolve().parents[2]
GOLDEN_DIR = REPO_ROOT / "tests" / "golden"
SCHEMA_ERRORS_DIR = REPO_ROOT / "tests" / "schema_errors"


def codegen_app() -> typer.Typer:
    """A jobctl-like app with only the codegen commands, independent of ``jobctl.app``."""
    app = typer.Typer(no_args_is_help=True)
    register_codegen_commands(app)
    return app


def run_cli(*arguments: str) -> Result:
    return CliRunner().invoke(codegen_app(), list(arguments))


def write_tree(files: Mapping[str, str], root: Path) -> None:
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def read_tree(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


class imported_package:
    """Import ``parent/package`` as a top-level package, and forget it afterwards."""

    def __init__(self, parent: Path, package: str) -> None:
        self.parent = str(parent)
        self.package = package

    def __enter__(self) -> ModuleType:
        sys.path.insert(0, self.parent)
        importlib.invalidate_caches()
        return importlib.import_module(self.package)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        sys.path.remove(self.parent)
        root = self.package.split(".")[0]
        for name in [m for m in sys.modules if m == root or m.startswith(f"{root}.")]:
            del sys.modules[name]
