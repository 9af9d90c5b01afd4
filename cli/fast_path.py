"""``jobctl worker`` and ``jobctl stats`` started without building the typer command tree.

A worker process, and a ``stats`` run from a script, spend a good part of
their start-up importing typer and click only to read an argv that is almost
always plain. ``run_plain`` reads such an argv with the same declarations the
typer commands are built from (``argv.py``) and calls the command's function
itself. Whatever it is not sure of (``--help``, a bad or odd value, an unknown
option, shell completion) it leaves to typer, so usage errors and help are
typer's own; ``tests/cli/test_cli_fast_path.py`` checks that both read every
argv alike.

A command that fails raises ``typer.Exit`` (``output.fail``); it ends the
process as click's standalone mode would, importing typer only then.
"""

from __future__ import annotations

import errno
import gc
import os
import sys
from collections.abc import Callable
from typing import TextIO, cast


def _completing() -> bool:
    """Shell completion is on (``_JOBCTL_COMPLETE`` or the like): typer answers it."""
    return any(name.startswith("_") and name.endswith("_COMPLETE") for name in os.environ)


def _plain_call(argv: list[str]) -> Callable[[], None] | None:
    from .argv import parse_plain

    command = argv[0] if argv else ""
    if command == "worker":
        from .worker_run import TARGETS, WORKER_OPTIONS, run_worker

        worker_values = parse_plain(argv[1:], TARGETS, WORKER_OPTIONS)
        if worker_values is None:
            return None
        return lambda: run_worker(**worker_values)
    if command == "stats":
        from .output import redis_command
        from .queue_stats import STATS_DOMAIN, STATS_OPTIONS, show_stats

        stats_values = parse_plain(argv[1:], STATS_DOMAIN, STATS_OPTIONS)
        if stats_values is None:
            return None
        return lambda: redis_command(show_stats)(**stats_values)
    return None


def run_plain(argv: list[str]) -> bool:
    """Run ``jobctl ARGV`` if it is a plain worker or stats call; False to leave it to typer."""
    if argv[:1] not in (["worker"], ["stats"]) or _completing():
        return False
    call = _plain_call(argv)
    if call is None:
        return False
    gc.disable()  # until start_up_done: see there
    try:
        call()
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:
        _end_like_click(error)
        raise
    return True


def start_up_done() -> None:
    """Collect garbage again, leaving out everything start-up made (a worker's, before it runs).

    Start-up allocates hundreds of thousands of objects that live as long as
    the process: modules, classes, functions, pydantic models. Every collection
    while importing them walks the growing heap again, for nothing to free, so
    ``run_plain`` (and ``app.main``, while it builds the typer command tree)
    turns collection off; here the objects made meanwhile are moved out of the
    collector's reach (``gc.freeze``: the few hundred cyclic leftovers of
    imports stay in memory) so the running command's collections do not walk
    them either. A no-op unless start-up turned collection off.
    """
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def _end_like_click(error: Exception) -> None:
    """Exit as typer's standalone mode does after ``error``; return where it re-raises."""
    from typer._click.exceptions import ClickException
    from typer._click.utils import PacifyFlushWrapper, echo
    from typer.core import HAS_RICH
    from typer.exceptions import Abort, Exit

    from .rich_help import load

    load()
    from typer import rich_utils

    if isinstance(error, Exit):
        sys.exit(error.exit_code)
    if isinstance(error, ClickException):
        if HAS_RICH:
            rich_utils.rich_format_error(error)
        else:
            error.show()
        sys.exit(error.exit_code)
    if isinstance(error, EOFError | Abort):
        if isinstance(error, EOFError):
            echo(file=sys.stderr)
        if HAS_RICH:
            rich_utils.rich_abort_error()
        else:
            echo("Aborted!", file=sys.stderr)
        sys.exit(1)
    if isinstance(error, OSError) and error.errno == errno.EPIPE:
        sys.stdout = cast("TextIO", PacifyFlushWrapper(sys.stdout))
        sys.stderr = cast("TextIO", PacifyFlushWrapper(sys.stderr))
        sys.exit(1)
