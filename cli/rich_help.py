"""typer's help and error renderer, imported without rich's Markdown and Traceback.

``typer.rich_utils`` draws every ``--help`` and usage error. At its top it
imports ``rich.markdown`` (markdown-it, and pygments through ``rich.syntax``)
and ``rich.traceback`` (``rich.pretty``, attrs): a quarter of ``jobctl
--help``'s start-up, for two classes it builds only for help written in
Markdown (``rich_markup_mode="markdown"``, which ``jobctl`` does not use) and
for pretty tracebacks (which ``jobctl`` turns off). ``load`` imports it with
two stand-ins in their place that import the real class when first used, so
whatever typer does with them still works; nothing else changes.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.markdown import Markdown
    from rich.traceback import Traceback


class LazyMarkdown:
    """``rich.markdown.Markdown``, imported when typer first makes one."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Markdown:  # type: ignore[misc]
        from rich.markdown import Markdown

        return Markdown(*args, **kwargs)


class LazyTraceback:
    """``rich.traceback.Traceback``, imported when typer first renders an exception."""

    @classmethod
    def from_exception(cls, *args: Any, **kwargs: Any) -> Traceback:
        from rich.traceback import Traceback

        return Traceback.from_exception(*args, **kwargs)


_STAND_INS: dict[str, tuple[str, type]] = {
    "rich.markdown": ("Markdown", LazyMarkdown),
    "rich.traceback": ("Traceback", LazyTraceback),
}


def load() -> None:
    """Import ``typer.rich_utils`` without rich.markdown and rich.traceback, if not done yet.

    While it is imported, ``sys.modules`` holds a stand-in module for each of
    the two that is not loaded yet, with the one name typer takes from it; the
    stand-ins are removed right after, so any later import gets the real module.
    """
    if "typer.rich_utils" in sys.modules:
        return
    placed: list[str] = []
    for module_name, (name, stand_in) in _STAND_INS.items():
        if module_name not in sys.modules:
            module = types.ModuleType(module_name, "stands in while typer.rich_utils is imported")
            setattr(module, name, stand_in)
            sys.modules[module_name] = module
            placed.append(module_name)
    try:
        importlib.import_module("typer.rich_utils")
    finally:
        for module_name in placed:
            del sys.modules[module_name]
