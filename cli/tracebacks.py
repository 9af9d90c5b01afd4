"""``--traceback`` for ``jobctl show`` and ``jobctl dlq list``: the stored tracebacks, verbatim.

Tables fold long cells, which would break a traceback's lines; so tracebacks
are printed after the table, each under a heading naming the job and attempt.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.rule import Rule


def print_tracebacks(console: Console, entries: Iterable[tuple[str, str | None]]) -> int:
    """Print ``(heading, traceback)`` pairs; a missing traceback says why. Returns how many."""
    printed = 0
    for heading, text in entries:
        console.print(Rule(heading, align="left", style="dim"))
        if text:
            console.print(text.rstrip("\n"), markup=False, highlight=False, soft_wrap=True)
            printed += 1
        else:
            console.print("(no traceback: this attempt did not raise, e.g. its lease expired)")
    return printed
