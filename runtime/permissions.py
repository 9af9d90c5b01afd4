"""The Redis commands the runtime runs, and the ACL line that allows exactly those.

The commands inside the Lua scripts are read from the scripts themselves (a
Redis ACL checks every ``redis.call`` too), so a new command in a script is
in the list the moment it is written. The commands sent from Python are
listed here; tests run producers, workers, ``jobctl`` and the doctor as a
user created with ``acl_line()`` and nothing more.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

CLIENT_COMMANDS: tuple[str, ...] = (
    "evalsha",
    "script|load",
    "wait",
    "ping",
    "multi",
    "exec",
    "bzpopmin",
    "blpop",
    "set",
    "del",
    "zadd",
    "zcard",
    "exists",
    "zrange",
    "zrevrange",
    "zrangebyscore",
    "hmget",
    "hgetall",
    "cluster|slots",
    "info",
    "time",
    "zcount",
    "mget",
    "llen",
    "lrange",
    "pexpire",
)
"""Sent from Python: the scripts, blocking waits, the admin API, routing and server checks,
the observability readers (live workers: ZCOUNT for the gauge, MGET for the list;
the priority-0 waiting LIST: LLEN for counts, LRANGE for listings), and the wake-up of
one idle worker (ZADD and PEXPIRE of its wake key)."""

ONLY_WHEN: dict[str, str] = {"wait": "wait_replicas", "cluster|slots": "a cluster"}
"""Commands needed only by some deployments (the doctor checks them only there)."""

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


def required_commands(*, cluster: bool = True, wait: bool = True) -> list[str]:
    """The commands the runtime needs: those sent from Python, then the scripts' own.

    ``cluster`` and ``wait`` add what only a Cluster and ``wait_replicas`` use.
    """
    skip = {c for c, flag in (("cluster|slots", cluster), ("wait", wait)) if not flag}
    sent = [c for c in CLIENT_COMMANDS if c not in skip]
    return sent + sorted(script_commands() - set(sent))


def acl_line(user: str = "jobs", prefix: str = "jobs") -> str:
    """The ACL rule (``user ...`` as in an ACL file) for the runtime on keys ``{prefix}:*``.

    ``ACL SETUSER`` takes the same words after the user name.
    """
    grants = " ".join(f"+{command}" for command in required_commands())
    return f"user {user} on >PASSWORD resetkeys ~{prefix}:* resetchannels -@all {grants}"


def probe(command: str) -> list[str]:
    """An argv that exercises ``command`` on the probe key (``KEY``), for the ACL check."""
    if command == "evalsha":
        return ["evalsha", "0" * 40, "1", "KEY"]
    if "|" in command:
        return [*command.split("|"), "return 0"]
    if command in ("bzpopmin", "blpop"):
        return [command, "KEY", "0"]
    if command in ("ping", "info", "time", "multi", "exec", "wait"):
        return [command]
    return [command, "KEY"]
