"""Each script carries exactly the ``_common.lua`` helpers it uses (``runtime/lua_assembly.py``).

The names a script takes are read from its ``-- common:`` header lines; these
tests work them out from the code instead (every name the body mentions, and
those the named definitions mention, transitively) and hold each header to
them. Then they read each assembled text as Redis receives it: every helper it
mentions is defined in it before its first use, and every helper defined in it
is used.
"""

from __future__ import annotations

import re
from importlib import resources

import pytest

from jobcontracts.runtime.evalsha import load_script
from jobcontracts.runtime.lua_assembly import Definition, assemble, declared, definitions

LUA = resources.files("jobcontracts.runtime") / "lua"
COMMON = (LUA / "_common.lua").read_text()
BODIES = {
    p.name.removesuffix(".lua"): p.read_text()
    for p in LUA.iterdir()
    if p.name.endswith(".lua") and p.name != "_common.lua"
}
DEFINED = definitions(COMMON)
NAMES = {d.name for d in DEFINED}

_HIDDEN = re.compile(r"--[^\n]*|'[^'\n]*'|\"[^\"\n]*\"")
_NAME = re.compile(r"(?<![\w.:])[A-Za-z_]\w*")


def _code(lua: str) -> str:
    """``lua`` with comments and string literals blanked out, offsets kept."""
    return _HIDDEN.sub(lambda m: " " * len(m.group()), lua)


def _mentions(lua: str) -> list[tuple[int, str]]:
    """(offset, name) of each identifier in code; ``t.field`` and ``s:method`` are not ones."""
    return [(m.start(), m.group()) for m in _NAME.finditer(_code(lua))]


def _needed(body: str) -> set[str]:
    """The definitions ``body`` mentions, and those they mention, transitively."""
    uses = {d.name: {n for _, n in _mentions(d.text)} & NAMES - {d.name} for d in DEFINED}
    want = {n for _, n in _mentions(body)} & NAMES
    todo = list(want)
    while todo:
        for name in uses[todo.pop()] - want:
            want.add(name)
            todo.append(name)
    return want


def _faults(text: str) -> list[str]:
    """What is wrong with an assembled script's helpers: undefined, defined late, or unused."""
    defined = {
        m.group(2): m.start(2)
        for m in re.finditer(r"^local (function )?(\w+)", text, re.MULTILINE)
        if m.group(2) in NAMES
    }
    faults: list[str] = []
    used: set[str] = set()
    for at, name in _mentions(text):
        if name not in NAMES or defined.get(name) == at:
            continue
        used.add(name)
        if name not in defined:
            faults.append(f"{name} is used but not defined")
        elif at < defined[name]:
            faults.append(f"{name} is used before its definition")
    faults += [f"{name} is defined but not used" for name in sorted(defined.keys() - used)]
    return faults


@pytest.mark.parametrize("name", sorted(BODIES))
def test_the_header_names_what_the_script_uses(name: str) -> None:
    wanted = _needed(BODIES[name])
    ordered = ", ".join(d.name for d in DEFINED if d.name in wanted) or "none"
    assert declared(BODIES[name]) == wanted, f"{name}.lua wants: -- common: {ordered}"


@pytest.mark.parametrize("name", sorted(BODIES))
def test_each_assembled_script_defines_every_helper_it_uses_and_no_other(name: str) -> None:
    assert _faults(load_script(name).text.decode()) == []


def test_the_check_finds_a_missing_a_late_and_an_unused_helper() -> None:
    text = load_script("add_jobs").text.decode()
    fmt = next(d.text for d in DEFINED if d.name == "fmt")
    count = next(d.text for d in DEFINED if d.name == "waiting_count")
    assert "fmt is used but not defined" in _faults(text.replace(fmt, ""))
    assert "fmt is used before its definition" in _faults(text.replace(fmt, "") + fmt)
    assert _faults(count + text) == ["waiting_count is defined but not used"]


def test_a_script_carries_fewer_definitions_than_all_of_common() -> None:
    text = load_script("add_jobs").text.decode()
    assert "local function create_job(" in text
    assert "local function stall_job(" not in text
    assert len(load_script("watch_job").text) < len(COMMON) / 4


def test_common_is_read_as_its_definitions_in_order() -> None:
    assert [d.name for d in DEFINED][:4] == ["PRIORITY_OFFSET", "SEQ_SPAN", "fmt", "wait_score"]
    assert "".join(d.text for d in DEFINED) == COMMON
    fmt = DEFINED[2].text
    assert fmt.startswith("\nlocal function fmt(n)\n")
    assert fmt.endswith("\nend\n")


@pytest.mark.parametrize(
    ("common", "fault"),
    [
        ("local x = 1\nredis.call('DEL', 'k')\n", "_common.lua:2: not a top-level local"),
        ("local a, b = 1, 2\n", "_common.lua:1: one name per top-level local"),
        ("local function f()\n  return 1\n", "ends inside a function"),
        ("local x = 1\n-- a comment\n", "after its last definition"),
    ],
)
def test_common_with_anything_but_definitions_is_refused(common: str, fault: str) -> None:
    with pytest.raises(ValueError, match=fault):
        definitions(common)


def test_a_header_without_common_or_naming_an_unknown_helper_is_refused() -> None:
    common = [Definition("fmt", "local function fmt(n)\n  return n\nend\n")]
    with pytest.raises(ValueError, match="no '-- common:' line"):
        assemble(common, "s", "-- s: nothing\n\nreturn 1\n")
    with pytest.raises(ValueError, match=r"not defined in _common\.lua: nope"):
        assemble(common, "s", "-- common: fmt, nope\n\nreturn fmt(1)\n")
    bare = "-- common: none\n\nreturn 1\n"
    assert assemble(common, "s", bare) == "\n" + bare
    text = assemble(common, "s", "-- common: fmt\n\nreturn fmt(1)\n")
    assert text == common[0].text + "\n-- common: fmt\n\nreturn fmt(1)\n"
