"""Finding user code from the command line: ``MODULE:ATTR`` and generated domain packages."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jobcontracts.runtime import Worker
    from jobcontracts.runtime.definitions import QueueDefinition


class LoadError(Exception):
    """What the user asked for cannot be imported; the message says what to fix."""


def _ensure_cwd_importable() -> None:
    cwd = str(Path.cwd())
    if cwd not in sys.path:
        sys.path.insert(0, cwd)


def import_module(name: str) -> ModuleType:
    _ensure_cwd_importable()
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        raise LoadError(f"cannot import {name!r}: {error}") from error


def load_worker(target: str) -> Worker:
    """``MODULE:ATTR`` where ATTR is a Worker or a callable returning one."""
    from jobcontracts.runtime.worker import Worker

    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        raise LoadError(f"{target!r} is not MODULE:ATTR (e.g. examples.demo.worker:github_worker)")
    module = import_module(module_name)
    try:
        value: object = getattr(module, attr)
    except AttributeError as error:
        raise LoadError(f"module {module_name!r} has no attribute {attr!r}") from error
    if not isinstance(value, Worker) and callable(value):
        value = value()
    if not isinstance(value, Worker):
        raise LoadError(
            f"{target} is a {type(value).__name__}, not a Worker or a callable returning one"
        )
    return value


def package_of(out: Path) -> str:
    """The import name of the generated folder, relative to the working directory."""
    try:
        relative = out.resolve().relative_to(Path.cwd().resolve())
    except ValueError as error:
        raise LoadError(f"{out} must lie below the working directory to be imported") from error
    if not relative.parts:
        raise LoadError("--out must name the generated package folder, not the working directory")
    return ".".join(relative.parts)


def check_domain(domain: str, out: Path) -> None:
    """That ``out`` holds the domain's generated package, without importing it.

    Commands that only read or change a queue by name (stats, pause, show) need
    no models; importing them would cost more than the command itself.
    """
    known = sorted(init.parent.name for init in out.glob("*/__init__.py"))
    if domain not in known:
        if not known:
            raise LoadError(
                f"no domain {domain!r}: {out}/ holds no domain packages; run `jobctl generate`?"
            )
        import difflib  # only for this message: a worker or stats run that succeeds never needs it

        close = difflib.get_close_matches(domain, known, n=1)
        if close:
            raise LoadError(
                f"no domain {domain!r} in {out}/; did you mean {close[0]!r}?"
                f" (known: {', '.join(known)})"
            )
        raise LoadError(
            f"no domain {domain!r} in {out}/ (known: {', '.join(known)});"
            " add it to jobs.yaml and run `jobctl generate`?"
        )


def load_queue(domain: str, out: Path) -> QueueDefinition:
    """The ``QUEUE`` a generated domain package declares."""
    from jobcontracts.runtime.definitions import QueueDefinition

    check_domain(domain, out)
    module = import_module(f"{package_of(out)}.{domain}")
    queue: object = getattr(module, "QUEUE", None)
    if not isinstance(queue, QueueDefinition):
        raise LoadError(f"{module.__name__} has no QUEUE; regenerate it with `jobctl generate`")
    return queue
