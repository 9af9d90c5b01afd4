"""Where the old contract comes from: a git revision of the same file, or another file.

Git is run as a subprocess (``git show REV:PATH``); no git library is needed
and whatever git understands as a revision works (branch, tag, commit,
``HEAD~2``). Every failure becomes one ``SourceError`` line.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


class SourceError(Exception):
    """The old contract cannot be read; the message is one line that says why."""


@dataclass(frozen=True, slots=True)
class Source:
    text: str
    name: str
    """How findings and errors name the old file, e.g. ``main:jobs.yaml``."""


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError as error:
        raise SourceError(f"cannot run git: {error}") from None


def read_at_revision(spec: Path, revision: str) -> Source:
    """The text of ``spec`` as committed at ``revision`` of the repository holding it."""
    folder = spec.resolve().parent
    if not folder.is_dir():
        raise SourceError(f"{spec.parent} is not a directory")
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise SourceError(f"{folder} is not inside a git repository; use --against-file instead")
    root = Path(top.stdout.decode().strip())
    relative = spec.resolve().relative_to(root.resolve()).as_posix()
    if revision.startswith("-") or not revision:
        raise SourceError(f"{revision!r} is not a git revision")
    known = _git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    if known.returncode != 0:
        raise SourceError(f"unknown git revision {revision!r} in {root}")
    shown = _git(root, "show", f"{revision}:{relative}")
    if shown.returncode != 0:
        raise SourceError(f"revision {revision!r} has no {relative}")
    try:
        text = shown.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise SourceError(f"{revision}:{relative} is not UTF-8 text") from None
    return Source(text, f"{revision}:{relative}")


def read_file(path: Path) -> Source:
    try:
        return Source(path.read_text(encoding="utf-8"), str(path))
    except FileNotFoundError:
        raise SourceError(f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SourceError(f"cannot read {path}: {error}") from None
