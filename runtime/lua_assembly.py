"""Assembling a script: the ``_common.lua`` definitions it uses, then its own body.

Redis Lua has no ``require``, so every script carries the shared helpers it
needs in its own text. Each definition in that text runs again on every call
(a closure or table is made each time, and collected later): all of
``_common.lua`` before each script cost about 18,000 instructions a call, an
eighth of an ``add_jobs`` of one job. So a script takes only the definitions
its header names on its ``-- common:`` lines (every one its body uses, and
those they use in turn), in the order of ``_common.lua``, where a helper comes
after the helpers it calls. A test computes those names from the code and
holds every header to them; loading only reads them, which costs the start
of a worker next to nothing.

``_common.lua`` holds only top-level ``local`` definitions, each with the
comment lines above it: a ``local function`` runs to the first ``end`` at the
start of a line, any other ``local`` is one line. Anything else at the top
level is refused (it would run for no script, or for every one).
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["Definition", "assemble", "declared", "definitions"]

_DEFINES = re.compile(r"local (?:function )?(\w+)[( ]")
_DECLARED = re.compile(r"^-- common:(.*)$", re.MULTILINE)


class Definition(NamedTuple):
    """One top-level ``local`` of ``_common.lua``, with the comment lines above it."""

    name: str
    text: str


def definitions(common: str) -> list[Definition]:
    """The top-level definitions of ``common`` in order; ``ValueError`` on anything else."""
    found: list[Definition] = []
    pending: list[str] = []  # comment and blank lines, then the definition being read
    function = ""
    for number, line in enumerate(common.splitlines(keepends=True), 1):
        pending.append(line)
        if function:  # a local function ends at the first 'end' at the start of a line
            if line.rstrip() == "end":
                found.append(Definition(function, "".join(pending)))
                pending, function = [], ""
            continue
        if line.startswith("local "):
            match = _DEFINES.match(line)
            if match is None:
                raise ValueError(f"_common.lua:{number}: one name per top-level local: {line!r}")
            if line.startswith("local function "):
                function = match.group(1)
            else:
                found.append(Definition(match.group(1), "".join(pending)))
                pending = []
        elif line.strip() and not line.startswith("--"):
            raise ValueError(f"_common.lua:{number}: not a top-level local definition: {line!r}")
    if function or any(line.strip() for line in pending):
        raise ValueError("_common.lua ends inside a function or after its last definition")
    return found


def declared(body: str) -> set[str]:
    """The names on the ``-- common:`` lines of a script's header (``none`` = no name)."""
    names = {n for line in _DECLARED.findall(body) for n in line.replace(",", " ").split()}
    return names - {"none"}


def assemble(common: list[Definition], name: str, body: str) -> str:
    """The text of script ``name``: the definitions its header names, then ``body``.

    ``ValueError`` when the header has no ``-- common:`` line or names a definition
    ``common`` lacks: a helper left out would be a nil global when the script runs.
    """
    if _DECLARED.search(body) is None:
        raise ValueError(f"{name}.lua: no '-- common:' line in its header")
    want = declared(body)
    unknown = want - {d.name for d in common}
    if unknown:
        raise ValueError(f"{name}.lua: not defined in _common.lua: {', '.join(sorted(unknown))}")
    return "".join(d.text for d in common if d.name in want) + "\n" + body
