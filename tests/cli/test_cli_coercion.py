"""Values ``jobctl`` converts itself come out as typer's pydantic adapters make them.

``cli/coercion.py`` converts plain values without building typer's adapters;
anything else, and every refusal, goes to typer. Each parameter of the real
command tree converts a spread of awkward inputs both ways, and the two must
agree on the value, its type, or the error message word for word.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer._click import Context
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param
from typer.core import TyperArgument, TyperGroup, TyperOption

from jobcontracts.cli.app import app
from jobcontracts.cli.coercion import PlainRuntimeParam, plain_runtime_param

_INPUTS: list[Any] = [
    "7", "-3", "0", "007", "+5", " 8", "1_000", "1.5", "-0.25", "1e3", "nan", "", "abc",
    "99999999999999999999", "65536", "-1", "٣", "x/y", ".", "-", 5, 2.5, True, False,
    Path("generated"), ["a", "b"], ("a",), [], ["a", 1],
]  # fmt: skip


def _parameters() -> list[tuple[str, TyperArgument | TyperOption]]:
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    found: list[tuple[str, TyperArgument | TyperOption]] = []
    for name, command in root.commands.items():
        for parameter in command.params:
            if isinstance(parameter, (TyperArgument, TyperOption)):
                found.append((f"{name} {parameter.name}", parameter))
    return found


def _outcome(runtime: Any, value: Any, parameter: Any, ctx: Context) -> tuple[str, Any]:
    try:
        converted = runtime.coerce(value, param=parameter, ctx=ctx)
    except BadParameter as error:
        return "refused", error.format_message()
    return type(converted).__name__, repr(converted)  # repr: nan equals nan


_CONVERTED = [(label, p) for label, p in _parameters() if plain_runtime_param(p.type_descriptor)]


@pytest.mark.parametrize(("label", "parameter"), _CONVERTED, ids=lambda x: str(x))
def test_plain_conversion_agrees_with_typer(label: str, parameter: Any) -> None:
    plain = plain_runtime_param(parameter.type_descriptor)
    ctx = Context(typer.main.get_command(app))
    typer_own = build_runtime_param(parameter.type_descriptor)
    for value in _INPUTS:
        assert _outcome(plain, value, parameter, ctx) == _outcome(
            typer_own, value, parameter, ctx
        ), (label, value)


def test_plain_values_of_the_usual_commands_need_no_typer_adapter() -> None:
    """Without this the conversions above could all be typer's own, and nothing saved."""
    covered = {label for label, p in _parameters() if plain_runtime_param(p.type_descriptor)}
    assert {"stats out", "stats redis_url", "worker targets", "worker concurrency"} <= covered
    parameter = dict(_parameters())["worker concurrency"]
    plain = plain_runtime_param(parameter.type_descriptor)
    assert isinstance(plain, PlainRuntimeParam)
    assert plain.coerce("12", param=parameter, ctx=Context(typer.main.get_command(app))) == 12
    assert "_typer" not in plain.__dict__  # converted without building typer's adapter
