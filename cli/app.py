"""Composition root of the ``jobctl`` CLI: the console script's ``main``.

``main`` first offers the argv to ``fast_path``, which runs a plain
``jobctl worker`` or ``jobctl stats`` without building the typer tree; every
other argv, and every one it is unsure about, goes to the typer app in
``commands.py``, which is imported only then, without garbage collection
(``fast_path.start_up_done``). ``app`` is that typer app.
"""

from __future__ import annotations

import gc
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .commands import app as app


def main() -> None:
    from .fast_path import run_plain, start_up_done

    if run_plain(sys.argv[1:]):
        return
    gc.disable()  # building the command tree makes only objects that live on: see start_up_done
    from .commands import app

    start_up_done()
    app()


def __getattr__(name: str) -> Any:
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from .commands import app

    return app
