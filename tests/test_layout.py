"""The repository's top-level folders are installed as ``jobcontracts.*``.

``runtime/``, ``codegen/`` and ``cli/`` are importable by their bare names from the
repository root, but not from a wheel: an absolute ``import runtime`` would pass here
and break every user. Inside a package imports are relative; across packages they
name ``jobcontracts``.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BARE = re.compile(r"^\s*(?:from|import)\s+(runtime|codegen|cli|observability)\b", re.MULTILINE)
SOURCES = ("runtime", "codegen", "cli", "observability", "generated", "examples", "tests", "bench")


def test_no_source_imports_a_folder_by_its_bare_name() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{text[: match.start()].count(chr(10)) + 1}"
        for folder in SOURCES
        for path in sorted((ROOT / folder).rglob("*.py"))
        if ".venvs" not in path.parts
        for text in [path.read_text(encoding="utf-8")]
        for match in BARE.finditer(text)
    ]
    templates = sorted((ROOT / "codegen" / "templates").glob("*.jinja"))
    offenders += [
        str(path.relative_to(ROOT)) for path in templates if BARE.search(path.read_text())
    ]
    assert offenders == []


def test_the_namespace_links_each_folder() -> None:
    for name in ("runtime", "codegen", "cli", "observability"):
        link = ROOT / "jobcontracts" / name
        assert link.is_symlink(), f"jobcontracts/{name} should link ../{name}"
        assert link.resolve() == (ROOT / name).resolve()
