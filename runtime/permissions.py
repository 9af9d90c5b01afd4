"""The Redis commands the runtime runs, and the ACL line that allows exactly those.

The commands inside the Lua scripts are read from the scripts themselves (a
Redis ACL checks every ``redis.call`` too), so a new command in a script is
in the list the moment it is written. The commands sent from Python are
listed here; a test runs producers, workers and the admin API as a user
created with ``acl_line()`` and nothing more.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

CLIENT_COMMANDS: tuple[str, ...] = (
    "ping",
    "info",
    "time",
    "evalsha",
    "script|load",
    "bzpopmin",
    "blpop",
    "exists",
    "zcard",
    "zrange",
    "zrevrange",
    "zrangebyscore",
    "zadd",
    "hmget",
    "hgetall",
    "set",
    "del",
    "multi",
    "exec",
)
"""Sent from Python: connection and server checks, the scripts, blocking waits, the admin API."""

_CALL = re.compile(r"redis\.p?call\(\s*'([A-Za-z]+)'")
_ONLY_PROBE = "check_permissions.lua"


@cache
def script_commands() -> frozenset[str]:
    """Every command the runtime's Lua scripts call (lower case)."""
    lua = resources.files("jobcontracts.runtime") / "lua"
    found: set[str] = set()
    for entry in lua.iterdir():
        if entry.name.endswith(".lua") and entry.name != _ONLY_PROBE:
            found.update(m.lower() for m in _CALL.findall(entry.read_text(encoding="utf-8")))
    return frozenset(found)


def required_commands() -> list[str]:
    """All commands the runtime needs, sorted."""
    return sorted(set(CLIENT_COMMANDS) | script_commands())


def acl_line(user: str = "jobs", prefix: str = "jobs") -> str:
    """``ACL SETUSER`` for a user that may run the runtime on keys ``{prefix}:*`` and no more."""
    grants = " ".join(f"+{command}" for command in required_commands())
    return f"ACL SETUSER {user} on >PASSWORD resetkeys ~{prefix}:* resetchannels -@all {grants}"


def probe(command: str) -> list[str]:
    """An argv that exercises ``command`` on the probe key (``KEY``), for the ACL check."""
    if command == "evalsha":
        return ["evalsha", "0" * 40, "1", "KEY"]
    if "|" in command:
        return [*command.split("|"), "return 0"]
    if command in ("bzpopmin", "blpop"):
        return [command, "KEY", "0"]
    if command in ("ping", "info", "time", "multi", "exec"):
        return [command]
    return [command, "KEY"]
