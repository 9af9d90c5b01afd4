"""Load YAML into plain JSON-like values while remembering where every node was.

PyYAML's constructors drop positions and silently keep the last of duplicate
keys, so the document is composed into nodes and converted here instead.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, NoReturn, cast

import yaml

from .errors import Problem, SpecError

PathPart = str | int
Path = tuple[PathPart, ...]

_NATIVE_TAGS = frozenset(
    {
        "tag:yaml.org,2002:str",
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:null",
    }
)


@dataclass(frozen=True, slots=True)
class Position:
    line: int
    col: int


@dataclass(slots=True)
class LocatedDocument:
    """The document's data plus the position of each value and each mapping key."""

    file: str
    data: Any
    values: dict[Path, Position] = field(default_factory=dict[Path, Position])
    keys: dict[Path, Position] = field(default_factory=dict[Path, Position])

    def position(self, path: Path, *, key: bool = False) -> Position:
        """Where ``path`` is; falls back to its closest existing ancestor."""
        if key and path in self.keys:
            return self.keys[path]
        probe = path
        while probe:
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), Position(1, 1))

    def problem(self, path: Path, message: str, *, key: bool = False) -> Problem:
        where = self.position(path, key=key)
        return Problem(self.file, where.line, where.col, format_path(path), message)


def format_path(path: Path) -> str:
    """A readable dotted path; odd keys (spaces, dots, unicode) are JSON-quoted."""
    if not path:
        return "<document>"
    parts: list[str] = []
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif (
            part.isascii() and part.replace("_", "a").replace("-", "a").replace("$", "a").isalnum()
        ):
            parts.append(("." if parts else "") + part)
        else:
            parts.append(f"[{json.dumps(part)}]")
    return "".join(parts)


_COMPOSER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when available: about ten times faster on large specs, same nodes and marks."""


def _position(mark: yaml.Mark) -> Position:
    return Position(mark.line + 1, mark.column + 1)


class _Converter:
    def __init__(self, document: LocatedDocument) -> None:
        self.document = document
        self.problems: list[Problem] = []
        self.scalar_loader = yaml.SafeLoader("")

    def convert(self, node: yaml.Node, path: Path) -> Any:
        self.document.values[path] = _position(node.start_mark)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, index)) for index, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        if node.tag not in _NATIVE_TAGS:
            return str(node.value)
        value: object = self.scalar_loader.construct_object(node)  # pyright: ignore[reportUnknownMemberType]
        if isinstance(value, float) and not math.isfinite(value):
            self.problems.append(self.document.problem(path, "numbers must be finite"))
        return value

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_position = _position(key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(
                    Problem(
                        self.document.file,
                        key_position.line,
                        key_position.col,
                        format_path(path),
                        "mapping keys must be plain strings",
                    )
                )
                continue
            key = str(key_node.value)
            child = (*path, key)
            if key in result:
                self.problems.append(
                    Problem(
                        self.document.file,
                        key_position.line,
                        key_position.col,
                        format_path(child),
                        f"duplicate key {key!r}",
                    )
                )
                continue
            self.document.keys[child] = key_position
            result[key] = self.convert(value_node, child)
        return result


def load_yaml(text: str, file: str) -> LocatedDocument:
    """Parse ``text``; raise ``SpecError`` on syntax errors or duplicate keys."""
    document = LocatedDocument(file=file, data=None)
    try:
        root = yaml.compose(text, Loader=_COMPOSER)
    except yaml.YAMLError:
        _raise_syntax_error(text, file)
    if root is None:
        raise SpecError([Problem(file, 1, 1, "<document>", "the file is empty")])
    converter = _Converter(document)
    document.data = converter.convert(root, ())
    if converter.problems:
        raise SpecError(converter.problems)
    if as_mapping(document.data) is None:
        raise SpecError([document.problem((), "the top level must be a mapping")])
    return document


def _raise_syntax_error(text: str, file: str) -> NoReturn:
    """Report a syntax error with the pure-Python parser's wording, the same everywhere."""
    try:
        yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        position = _position(mark) if mark is not None else Position(1, 1)
        what = " ".join(part for part in (error.context, error.problem) if part)
        raise SpecError(
            [Problem(file, position.line, position.col, "<document>", f"YAML syntax error: {what}")]
        ) from None
    except yaml.YAMLError as error:
        raise SpecError([Problem(file, 1, 1, "<document>", f"YAML error: {error}")]) from None
    raise SpecError([Problem(file, 1, 1, "<document>", "YAML error")])


def as_mapping(value: object) -> dict[str, Any] | None:
    """``value`` if it is a mapping; the loader only builds dicts with string keys."""
    return cast("dict[str, Any]", value) if isinstance(value, dict) else None


def as_list(value: object) -> list[Any] | None:
    """``value`` if it is a sequence node's list."""
    return cast("list[Any]", value) if isinstance(value, list) else None  # type: ignore[redundant-cast]
