"""Command-line values converted without building a pydantic adapter per parameter.

typer 0.29 converts every parameter value through a pydantic ``TypeAdapter``
that it builds the first time the parameter is read. For ``jobctl stats`` that
is pydantic's import plus one schema build per option, a third of the command's
start-up, for values that are plain text, whole numbers and paths. The
parameter classes of ``help.py`` use ``plain_runtime_param`` instead: it
converts the plain forms itself (the same results typer's adapters give) and
hands any other value to typer's own adapter, built only then, so odd input and
every error message stay exactly typer's.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
from typer._param_types import coerce_cli_path, routes_to_path

from .argv import WHOLE

if TYPE_CHECKING:
    from typer._click import Context
    from typer.core import _TyperParameter  # pyright: ignore[reportPrivateUsage]

_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,15})?")
"""Decimals float() and pydantic read alike."""

_MISS = object()


@dataclass(frozen=True)
class PlainRuntimeParam(RuntimeParam):
    """Converts text, flags, whole numbers, decimals, paths and lists of text; else typer."""

    descriptor: TypeDescriptor

    @functools.cached_property
    def _typer(self) -> RuntimeParam:
        return build_runtime_param(self.descriptor)

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
        plain = _convert(self.descriptor, value, param, ctx)
        if plain is _MISS:
            return self._typer._coerce_value(value, param=param, ctx=ctx)
        return plain


def plain_runtime_param(descriptor: TypeDescriptor) -> RuntimeParam | None:
    """The cheap converter for ``descriptor``, or None when typer's adapter must do it."""
    info = descriptor.parameter_info
    annotation = descriptor.annotation
    if descriptor.file_annotation is not None or info.parser is not None or info.clamp:
        return None
    if annotation not in (str, bool, int, float, Path, list[str]) or info.path_type is not None:
        return None
    if annotation is not Path and routes_to_path(annotation, info):
        return None
    return PlainRuntimeParam(parameter_info=info, annotation=annotation, descriptor=descriptor)


def _convert(descriptor: TypeDescriptor, value: Any, param: _TyperParameter, ctx: Context) -> Any:
    annotation = descriptor.annotation
    if annotation is str or annotation is bool:
        return value if type(value) is annotation else _MISS
    if annotation == list[str]:
        if not isinstance(value, (list, tuple)):
            return _MISS
        items = cast("list[object] | tuple[object, ...]", value)
        return list(items) if all(type(item) is str for item in items) else _MISS
    if annotation is Path:
        if type(value) is str and value:
            value = Path(value)
        if not isinstance(value, Path):
            return _MISS
        try:
            return coerce_cli_path(
                value, descriptor.parameter_info, path_type=Path, param=param, ctx=ctx
            )
        except ValueError:
            return _MISS
    return _number(descriptor, value)


def _number(descriptor: TypeDescriptor, value: Any) -> Any:
    annotation = descriptor.annotation
    if type(value) is annotation:
        number = value
    elif type(value) is str and (WHOLE if annotation is int else _DECIMAL).fullmatch(value):
        number = annotation(value)
    else:
        return _MISS
    info = descriptor.parameter_info
    if (info.min is not None and number < info.min) or (info.max is not None and number > info.max):
        return _MISS
    return number
