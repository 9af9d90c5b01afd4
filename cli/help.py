"""Plain ``--help``: ``DOMAIN``, ``--limit INTEGER`` and bare flags, as people expect.

typer 0.29 labels every parameter with its Python type (``<bool>`` even on
flags and ``--help``, ``<list[str]>``) and wraps required arguments in braces
(``{domain}``). ``TidyGroup``, the root command's class, swaps the parameter
classes of the whole command tree for subclasses that print upper-case names
instead, and that convert plain values without pydantic (``coercion.py``).
Help text changes; what a value parses to does not.

Help and usage errors are drawn by ``typer.rich_utils``; the tidy classes
import it through ``rich_help.load`` first, which leaves out what jobctl
never draws with (Markdown, tracebacks).
"""

from __future__ import annotations

from typing import Any

from typer._click import Command, Context, HelpFormatter, Parameter
from typer._click.exceptions import ClickException
from typer._coercion import RuntimeParam
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption
from typer.exceptions import Abort

from . import rich_help
from .coercion import plain_runtime_param

_TYPE_NAMES = {
    "int": "INTEGER",
    "int range": "INTEGER",
    "float": "FLOAT",
    "float range": "FLOAT",
    "str": "TEXT",
    "path": "PATH",
}


class TidyArgument(TyperArgument):
    def get_runtime_param(self) -> RuntimeParam:
        if self._runtime_param is None:
            self._runtime_param = plain_runtime_param(self.type_descriptor)
        return super().get_runtime_param()  # typer's adapter when plain_runtime_param gave None

    @property
    def display_name_raw(self) -> str:
        return self.metavar or (self.name or "").upper()

    def display_type_rich(self, ctx: Context) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        name = self.display_name_raw + ("..." if self.nargs != 1 else "")
        return name if self.required else f"[{name}]"


class TidyOption(TyperOption):
    def get_runtime_param(self) -> RuntimeParam:
        if self._runtime_param is None:
            self._runtime_param = plain_runtime_param(self.type_descriptor)
        return super().get_runtime_param()  # typer's adapter when plain_runtime_param gave None

    def display_type_rich(self, ctx: Context) -> str | None:
        if self.is_flag or self.count:
            return None
        if self.metavar is not None:
            return self.metavar
        label = self.display_type(ctx).strip("<>")
        if "|" in label:  # choices are typed as they are: [text|json]
            return f"[{label}]"
        return _TYPE_NAMES.get(label, label.upper())


def _tidy_parameter(parameter: Parameter) -> None:
    if isinstance(parameter, TyperArgument) and not isinstance(parameter, TidyArgument):
        parameter.__class__ = TidyArgument
    elif isinstance(parameter, TyperOption) and not isinstance(parameter, TidyOption):
        parameter.__class__ = TidyOption


class TidyCommand(TyperCommand):
    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        rich_help.load()
        super().format_help(ctx, formatter)

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        # click makes ``--help`` lazily, after the tree was tidied
        option = super().get_help_option(ctx)
        if option is not None:
            _tidy_parameter(option)
        return option


class TidyGroup(TyperGroup):
    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        tidy(self)

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        rich_help.load()
        super().format_help(ctx, formatter)

    def make_context(self, *args: Any, **kwargs: Any) -> Context:
        try:
            return super().make_context(*args, **kwargs)
        except (ClickException, Abort):  # typer draws these with typer.rich_utils
            rich_help.load()
            raise

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except (ClickException, Abort):
            rich_help.load()
            raise

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        option = super().get_help_option(ctx)
        if option is not None:
            _tidy_parameter(option)
        return option


def tidy(command: Command) -> None:
    """Give ``command`` and everything below it the tidy help classes."""
    if isinstance(command, TyperGroup) and not isinstance(command, TidyGroup):
        command.__class__ = TidyGroup
    elif isinstance(command, TyperCommand) and not isinstance(command, TidyCommand):
        command.__class__ = TidyCommand
    for parameter in command.params:
        _tidy_parameter(parameter)
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            tidy(sub)
