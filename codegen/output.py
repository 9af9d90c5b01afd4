"""Compare the generated tree with a folder, and bring the folder up to date.

``check`` and ``generate`` see the same differences; ``generate`` applies them,
``check`` prints them as a unified diff.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .render import HEADER

IGNORED_DIRECTORIES = frozenset({"__pycache__"})


@dataclass(frozen=True, slots=True)
class Drift:
    changed: tuple[str, ...]
    missing: tuple[str, ...]
    extra: tuple[str, ...]
    unchanged: tuple[str, ...]

    @property
    def clean(self) -> bool:
        return not (self.changed or self.missing or self.extra)


def existing_files(out: Path) -> dict[str, Path]:
    """Relative POSIX path -> file, for every file under ``out`` except caches."""
    if not out.is_dir():
        return {}
    found: dict[str, Path] = {}
    for path in sorted(out.rglob("*")):
        relative = path.relative_to(out)
        if any(part in IGNORED_DIRECTORIES for part in relative.parts) or path.suffix == ".pyc":
            continue
        if path.is_file():
            found[relative.as_posix()] = path
    return found


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def compare(files: Mapping[str, str], out: Path) -> Drift:
    on_disk = existing_files(out)
    changed: list[str] = []
    unchanged: list[str] = []
    for relative, text in files.items():
        if relative not in on_disk:
            continue
        (unchanged if _read(on_disk[relative]) == text else changed).append(relative)
    return Drift(
        changed=tuple(changed),
        missing=tuple(relative for relative in files if relative not in on_disk),
        extra=tuple(relative for relative in on_disk if relative not in files),
        unchanged=tuple(unchanged),
    )


def unified_diff(files: Mapping[str, str], out: Path, drift: Drift) -> str:
    """What would change on disk, as one unified diff (``a/`` is disk, ``b/`` expected)."""
    chunks: list[str] = []
    prefix = out.as_posix().rstrip("/")
    for relative in sorted((*drift.changed, *drift.missing, *drift.extra)):
        path = out / relative
        current = (_read(path) or "") if path.exists() else ""
        expected = files.get(relative, "")
        before = f"a/{prefix}/{relative}" if relative not in drift.missing else "/dev/null"
        after = f"b/{prefix}/{relative}" if relative not in drift.extra else "/dev/null"
        chunks.extend(
            difflib.unified_diff(
                current.splitlines(keepends=True), expected.splitlines(keepends=True), before, after
            )
        )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
        for line in chunks
    )


def is_generated(path: Path) -> bool:
    """Whether ``path`` carries the generated-code header (so ``generate`` may delete it)."""
    return (_read(path) or "").startswith(HEADER)


def write(files: Mapping[str, str], out: Path, drift: Drift) -> list[str]:
    """Write changed and missing files; delete stale files this tool generated.

    Extra files without the generated-code header are left alone (and
    returned), because they were not ours to delete.
    """
    for relative in (*drift.changed, *drift.missing):
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(files[relative], encoding="utf-8")
    kept: list[str] = []
    for relative in drift.extra:
        path = out / relative
        if is_generated(path):
            path.unlink()
        else:
            kept.append(relative)
    for directory in sorted((p for p in out.rglob("*") if p.is_dir()), reverse=True):
        remaining = [c for c in directory.iterdir() if c.name not in IGNORED_DIRECTORIES]
        if not remaining:
            for cache in directory.iterdir():
                _remove_tree(cache)
            directory.rmdir()
    return kept


def _remove_tree(path: Path) -> None:
    if path.is_dir():
        for child in path.iterdir():
            _remove_tree(child)
        path.rmdir()
    else:
        path.unlink()
