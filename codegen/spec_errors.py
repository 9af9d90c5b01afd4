"""The structure of jobs.yaml, checked by its pydantic models, as located problems.

pydantic reports ``extra_forbidden`` at ``("domains", "b", "priorty")``; the
user reads ``jobs.yaml:14:9: ...: unknown key 'priorty' (did you mean
'priority'?)``. The translation of each error kind lives here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import Problem
from .load import LocatedDocument, Path
from .schema_keywords import did_you_mean
from .spec import (
    REMOVE_POLICY_TAGS,
    BackoffSpec,
    DefaultsSpec,
    DomainSpec,
    JobsFile,
    JobSpec,
    RetentionSpec,
)


def structure(document: LocatedDocument, problems: list[Problem]) -> JobsFile | None:
    """The spec as its pydantic models, or ``None`` with every structural problem appended."""
    try:
        return JobsFile.model_validate(document.data)
    except ValidationError as error:
        for detail in error.errors(include_url=False):
            problems.append(
                _translate(
                    document, detail["loc"], detail["type"], detail["msg"], detail.get("ctx")
                )
            )
        return None


def _clean_loc(loc: tuple[int | str, ...]) -> Path:
    path: list[str | int] = []
    for part in loc:
        if path and str(path[-1]).startswith("remove_on_") and part in REMOVE_POLICY_TAGS:
            continue
        path.append(part)
    return tuple(path)


def _model_at(path: Path) -> type[BaseModel] | None:
    """Which spec model the mapping at ``path`` is, to suggest its keys."""
    if path == ():
        return JobsFile
    last = path[-1]
    if last == "backoff":
        return BackoffSpec
    if isinstance(last, str) and last.startswith("remove_on_"):
        return RetentionSpec
    if last == "defaults":
        return DefaultsSpec
    if len(path) == 2 and path[0] == "domains":
        return DomainSpec
    if len(path) == 4 and path[0] == "domains" and path[2] == "jobs":
        return JobSpec
    return None


def _translate(
    document: LocatedDocument,
    loc: tuple[int | str, ...],
    kind: str,
    message: str,
    ctx: dict[str, Any] | None,
) -> Problem:
    path = _clean_loc(loc)
    if kind == "extra_forbidden":
        key = str(path[-1])
        model = _model_at(path[:-1])
        hint = did_you_mean(key, model.model_fields) if model is not None else ""
        return document.problem(path, f"unknown key {key!r}{hint}", key=True)
    if kind == "missing":
        return document.problem(path[:-1], f"missing required key {str(path[-1])!r}")
    if kind == "value_error":
        return document.problem(path, message.removeprefix("Value error, "))
    if kind == "literal_error" and path == ("version",):
        return document.problem(path, "unsupported version: this jobctl reads version: 1")
    simple = {
        "dict_type": "must be a mapping",
        "model_type": "must be a mapping",
        "model_attributes_type": "must be a mapping",
        "too_short": "must not be empty",
        "int_type": "must be an integer",
        "float_type": "must be a number",
        "string_type": "must be a string",
        "bool_type": "must be true or false",
    }
    if kind in simple:
        return document.problem(path, simple[kind])
    if kind == "greater_than_equal" and ctx is not None:
        return document.problem(path, f"must be at least {ctx['ge']}")
    if kind == "less_than_equal" and ctx is not None:
        return document.problem(path, f"must be at most {ctx['le']}")
    text = message[:1].lower() + message[1:]
    return document.problem(path, text)
