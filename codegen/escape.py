"""The only way user text becomes Python source: string literals and docstrings.

Output is pure printable ASCII: control characters, quotes and backslashes are
escaped, and every non-ASCII character becomes a ``\\u`` escape, so nothing a
description contains can end a literal, start a comment, trip ruff's
confusable-character rules or depend on the file's encoding.
"""

from __future__ import annotations

import math
from typing import cast

_SHORT_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"'}

MAX_LITERAL_CHUNK = 60
"""Long literals are split into implicitly concatenated chunks so lines stay under 100."""

DOCSTRING_WIDTH = 72


def _escape_char(char: str, *, quote: bool) -> str:
    if char in _SHORT_ESCAPES and (quote or char != '"'):
        return _SHORT_ESCAPES[char]
    code = ord(char)
    if 0x20 <= code < 0x7F:
        return char
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _escaped_units(text: str, *, quote: bool) -> list[str]:
    return [_escape_char(char, quote=quote) for char in text]


def string_literal(text: str) -> str:
    """A double-quoted Python string literal whose value is exactly ``text``.

    Texts longer than one chunk become a parenthesised implicit concatenation,
    which ruff formats across lines instead of producing an overlong line.
    """
    units = _escaped_units(text, quote=True)
    chunks: list[str] = []
    current = ""
    for unit in units:
        if len(current) + len(unit) > MAX_LITERAL_CHUNK:
            chunks.append(current)
            current = ""
        current += unit
    chunks.append(current)
    if len(chunks) == 1:
        return f'"{chunks[0]}"'
    return "(" + " ".join(f'"{chunk}"' for chunk in chunks) + ")"


def json_value(value: object) -> str:
    """A Python expression equal to a JSON value (objects, arrays, strings, numbers, null).

    Strings go through ``string_literal``; numbers must be finite (the loader refuses
    NaN and infinities) so ``repr`` is exact Python.
    """
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"not a JSON number: {value!r}")
        return repr(value)
    if isinstance(value, str):
        return string_literal(value)
    if isinstance(value, list):
        items = cast("list[object]", value)
        return "[" + ", ".join(json_value(item) for item in items) + "]"
    if isinstance(value, dict):
        entries = cast("dict[object, object]", value)
        parts: list[str] = []
        for key, item in entries.items():
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys are strings, not {type(key).__name__}")
            parts.append(f"{string_literal(key)}: {json_value(item)}")
        return "{" + ", ".join(parts) + "}"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _docstring_line(line: str) -> str:
    escaped = "".join(_escaped_units(line, quote=False))
    # A quote next to another quote could form or close a triple quote.
    out: list[str] = []
    for index, char in enumerate(escaped):
        neighbours = escaped[index - 1 : index] + escaped[index + 1 : index + 2]
        if char == '"' and ('"' in neighbours or index in (0, len(escaped) - 1)):
            out.append('\\"')
        else:
            out.append(char)
    return "".join(out)


def docstring(text: str, *, fallback: str = "") -> str:
    """A complete triple-quoted docstring literal for ``text``, wrapped to short lines.

    Wrapping happens before escaping on whole words and, for overlong words,
    between escape sequences, so a line never splits an escape.
    """
    text = text.strip() or fallback
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").split("\n"):
        words = paragraph.split(" ")
        current: list[str] = []
        width = 0
        for word in words:
            escaped = _docstring_line(word)
            if current and width + 1 + len(escaped) > DOCSTRING_WIDTH:
                lines.append(" ".join(current))
                current, width = [], 0
            while len(escaped) > DOCSTRING_WIDTH:
                head, escaped = _split_escaped(escaped, DOCSTRING_WIDTH)
                if current:
                    lines.append(" ".join(current))
                    current, width = [], 0
                lines.append(head)
            current.append(escaped)
            width += len(escaped) + (1 if width else 0)
        lines.append(" ".join(current).rstrip())
    while lines and not lines[-1]:
        lines.pop()
    body = "\n".join(line.rstrip() for line in lines)
    if body.endswith("\\") and not body.endswith("\\\\"):
        body += " "
    if len(lines) <= 1:
        return f'"""{body}"""'
    return '"""' + body + '\n"""'


def _split_escaped(escaped: str, width: int) -> tuple[str, str]:
    """Split before ``width`` characters, never inside a backslash escape."""
    cut = 0
    index = 0
    while index < len(escaped):
        step = 1
        if escaped[index] == "\\":
            following = escaped[index + 1 : index + 2]
            step = {"x": 4, "u": 6, "U": 10}.get(following, 2)
        if index + step > width:
            break
        index += step
        cut = index
    cut = max(cut, 1)
    return escaped[:cut], escaped[cut:]
