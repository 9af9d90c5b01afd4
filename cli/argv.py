"""Options declared once, read both by typer and by a plain parser that needs no typer.

Building the typer command tree costs the import of typer and its vendored
click, a sizeable part of a worker's start-up, for an argv that is almost
always plain: known options with ordinary values. ``Opt`` and ``Arg`` describe
a command's parameters; the typer signatures are built from them (``ops.py``),
and ``parse_plain`` reads an argv with them. It answers only for argv it is
sure about and returns None for anything else (``--help``, an unknown option,
a value out of range or in an odd form, a missing argument), so every
refusal and its message stay typer's.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar

T_co = TypeVar("T_co", covariant=True)

WHOLE = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")
"""Whole numbers int() and pydantic read alike (no sign '+', spaces, '_' or leading 0)."""


class Opt(NamedTuple, Generic[T_co]):
    """One option: its Python parameter, its flag (``--a/--b`` for a pair), type and bounds.

    ``kind`` is what a value is converted to (str, int, bool or Path); ``default``
    is what the command gets when the option is not given (and its signature's default).
    A named tuple, not a dataclass: defining one costs a fifth of a dataclass's
    start-up, which every ``jobctl`` run pays.
    """

    name: str
    flags: str
    help: str
    kind: type
    default: T_co
    min: int | None = None
    max: int | None = None
    envvar: str | None = None

    def value_of(self, text: str) -> object:
        """``text`` as typer would convert it, or None where typer must judge it."""
        if not text or text.startswith("-"):
            return None  # empty, a negative number, or text that looks like an option
        if self.kind is str:
            return text
        if self.kind is Path:
            return Path(text)
        if self.kind is not int or not WHOLE.fullmatch(text):
            return None
        number = int(text)
        if (self.min is not None and number < self.min) or (
            self.max is not None and number > self.max
        ):
            return None
        return number


class Arg(NamedTuple):
    """The positional argument: one optional value, or one or more (``many``)."""

    name: str
    help: str
    many: bool = False


def _flag_values(options: tuple[Opt[object], ...]) -> dict[str, tuple[Opt[object], bool | None]]:
    """Each flag and its option; a bool flag's value, None for an option taking one."""
    found: dict[str, tuple[Opt[object], bool | None]] = {}
    for option in options:
        if option.kind is bool:
            on, _, off = option.flags.partition("/")
            found[on] = (option, True)
            if off:
                found[off] = (option, False)
        else:
            found[option.flags] = (option, None)
    return found


def _defaults(options: tuple[Opt[object], ...]) -> dict[str, Any] | None:
    """Each option's value when argv does not give it: its environment variable, else default."""
    values: dict[str, Any] = {}
    for option in options:
        values[option.name] = option.default
        if option.envvar is not None and os.environ.get(option.envvar):
            values[option.name] = option.value_of(os.environ[option.envvar])
            if values[option.name] is None:
                return None
    return values


def parse_plain(
    argv: list[str], arg: Arg, options: tuple[Opt[object], ...]
) -> dict[str, Any] | None:
    """The parameters ``argv`` gives the command, or None when typer must read it.

    Options and positionals may come in any order, ``--flag value`` or
    ``--flag=value``; a later value of an option replaces an earlier one, as
    in click.
    """
    flags = _flag_values(options)
    values = _defaults(options)
    if values is None:
        return None
    positional: list[str] = []
    rest = list(reversed(argv))
    while rest:
        token = rest.pop()
        if not token.startswith("-"):
            positional.append(token)
            continue
        flag, equals, inline = token.partition("=")
        if flag not in flags:
            return None  # --help, --, -, or an option the command does not have
        given, flag_value = flags[flag]
        if flag_value is not None and not equals:
            values[given.name] = flag_value
            continue
        if flag_value is not None or (not equals and not rest):
            return None  # a value given to a flag, or none to an option that takes one
        value = given.value_of(inline if equals else rest.pop())
        if value is None:
            return None
        values[given.name] = value
    if arg.many:
        if not positional:
            return None
        values[arg.name] = positional
    else:
        if len(positional) > 1:
            return None
        values[arg.name] = positional[0] if positional else None
    return values
