"""ECMA-262 patterns (what JSON Schema's ``pattern`` means) in Python's ``re`` syntax.

The two dialects share most syntax but not its meaning: in ECMA-262 ``\\d``,
``\\w`` and ``\\b`` are ASCII-only and ``\\s`` is a fixed set of Unicode spaces,
``.`` stops at four line terminators and ``$`` only matches at the very end,
while Python's are Unicode-aware, ``.`` stops only at ``\\n`` and ``$`` also
matches before a final newline. Each such construct is rewritten to an
explicit form that means the same in ``re``; the few that cannot be (negated
classes inside ``[...]``, Python-only syntax, variable-width lookbehind) are
refused with a reason, so a pattern never silently means something else.
"""

from __future__ import annotations

import re

_SPACE = "\\t\\n\\x0b\\x0c\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
_CLASS_OUTSIDE = {
    "d": "[0-9]",
    "D": "[^0-9]",
    "w": "[A-Za-z0-9_]",
    "W": "[^A-Za-z0-9_]",
    "s": f"[{_SPACE}]",
    "S": f"[^{_SPACE}]",
}
_CLASS_INSIDE = {"d": "0-9", "w": "A-Za-z0-9_", "s": _SPACE}
_SAME_ESCAPES = frozenset("bBtnvfr0123456789xu")
"""Escapes of letters and digits that mean the same in both (``\\b``/``\\B`` under ASCII)."""
_LINE_TERMINATORS = "[^\\n\\r\\u2028\\u2029]"


class PatternError(ValueError):
    """A pattern that cannot be given the same meaning in Python's ``re``."""


def _control(letter: str) -> str:
    if not letter.isascii() or not letter.isalpha():
        raise PatternError("'\\c' must be followed by a letter")
    return f"\\x{ord(letter.upper()) - 64:02x}"


def _escape(source: str, index: int, *, in_class: bool) -> tuple[str, int]:
    """The translation of the escape starting at ``source[index] == '\\\\'``."""
    if index + 1 >= len(source):
        raise PatternError("the pattern ends with a lone backslash")
    char = source[index + 1]
    if in_class and char in "DWS":
        raise PatternError(f"'\\{char}' inside [...] is not supported; use a negated class")
    if in_class and char in _CLASS_INSIDE:
        return _CLASS_INSIDE[char], index + 2
    if char in _CLASS_OUTSIDE:
        return _CLASS_OUTSIDE[char], index + 2
    if char == "c":
        return _control(source[index + 2 : index + 3]), index + 3
    if char == "k" and not in_class:
        end = source.find(">", index)
        if source[index + 2 : index + 3] != "<" or end < 0:
            raise PatternError("'\\k' must name a group: \\k<name>")
        return f"(?P={source[index + 3 : end]})", end + 1
    if char.isascii() and char.isalnum() and char not in _SAME_ESCAPES:
        raise PatternError(f"'\\{char}' is not supported: ECMA-262 and Python read it differently")
    return source[index : index + 2], index + 2


def _class(source: str, index: int) -> tuple[str, int]:
    """The translation of the character class starting at ``source[index] == '['``."""
    negated = source[index + 1 : index + 2] == "^"
    position = index + 2 if negated else index + 1
    if source[position : position + 1] == "]":
        return ("[\\s\\S]" if negated else "(?!)"), position + 1
    parts = ["[^" if negated else "["]
    while position < len(source) and source[position] != "]":
        char = source[position]
        if char == "\\":
            text, position = _escape(source, position, in_class=True)
            parts.append(text)
            continue
        parts.append("\\[" if char == "[" else char)
        position += 1
    if position >= len(source):
        raise PatternError("a character class '[' is never closed")
    parts.append("]")
    return "".join(parts), position + 1


def _group(source: str, index: int) -> tuple[str, int]:
    """``(``: ECMA named groups become Python's; Python-only group syntax is refused."""
    if source.startswith("(?<", index) and source[index + 3 : index + 4] not in ("=", "!"):
        return "(?P<", index + 3
    if source.startswith("(?", index) and source[index + 2 : index + 3] not in (":", "=", "!", "<"):
        raise PatternError("'(?' other than (?:, (?=, (?!, (?<=, (?<! and (?<name> is not ECMA-262")
    return "(", index + 1


def translate(source: str) -> str:
    """The Python ``re`` pattern that matches exactly what ``source`` matches in ECMA-262."""
    parts = ["(?a)"]
    index = 0
    while index < len(source):
        char = source[index]
        if char == "\\":
            text, index = _escape(source, index, in_class=False)
        elif char == "[":
            text, index = _class(source, index)
        elif char == "(":
            text, index = _group(source, index)
        elif char == ".":
            text, index = _LINE_TERMINATORS, index + 1
        elif char == "$":
            text, index = "\\Z", index + 1
        else:
            text, index = char, index + 1
        parts.append(text)
    translated = "".join(parts)
    try:
        re.compile(translated)
    except re.error as error:
        raise PatternError(f"not a valid regular expression here: {error}") from None
    return translated
