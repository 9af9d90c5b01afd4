"""What the queue commands share and can use without typer: consoles, errors, connections.

``fail`` imports typer only when a command fails, so a command that succeeds
through ``fast_path.py`` never loads it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, ParamSpec

if TYPE_CHECKING:
    import typer
    from rich.console import Console

    from jobcontracts.runtime import Connection

P = ParamSpec("P")


@functools.cache
def out_console() -> Console:
    """The console for results (rich is imported by the commands that print, not by --help).

    Results hold users' text (payloads, error messages, domain and job names):
    it is printed as written, so a ``:name:`` is never an emoji and a ``[word]``
    never a style (pydantic's ``[type=int_parsing, ...]`` would vanish, and an
    unmatched ``[/x]`` would crash the command). Styled parts are ``rich.text.Text``.
    Not looking for emoji codes also spares loading rich's table of them.
    """
    from rich.console import Console

    return Console(emoji=False, markup=False)


@functools.cache
def err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True, highlight=False, emoji=False, markup=False)


def fail(message: str, code: int = 2) -> typer.Exit:
    import typer
    from rich.text import Text

    err_console().print(Text.assemble(("error:", "red"), " ", message))
    return typer.Exit(code)


def need_extra(extra: str, module: str) -> ModuleType:
    """``module``, or a failure naming the extra that provides it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise fail(
            f"this needs the '{extra}' extra ({error.name} is missing): "
            f"pip install 'jobcontracts[{extra}]'"
        ) from error


_opened: list[Connection] = []
"""Connections a command opened; ``redis_command`` closes them when it ends."""


def open_connection(url: str | None, prefix: str) -> Connection:
    from jobcontracts.runtime.connection import ONE_SHOT, Connection

    try:
        connection = Connection(url, prefix=prefix, settings=ONE_SHOT)
    except ValueError as error:  # a prefix that would break the domain's hash tag
        raise fail(str(error)) from error
    _opened.append(connection)
    return connection


def redis_command(command: Callable[P, None]) -> Callable[P, None]:
    """Redis unreachable or refusing becomes one line with the fix; connections are closed."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except Exception as error:
            from jobcontracts.runtime.connection import CONNECTION_ERRORS, url_from_env
            from jobcontracts.runtime.diagnosis import explain, is_access_error
            from jobcontracts.runtime.errors import TopologyError

            if isinstance(error, TopologyError):
                raise fail(str(error)) from error
            if not (isinstance(error, CONNECTION_ERRORS) or is_access_error(error)):
                raise
            url = _opened[0].url if _opened else None
            raise fail(explain(error, url or url_from_env()), 1) from error
        finally:
            while _opened:
                _opened.pop().close()

    return run
