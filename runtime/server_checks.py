"""Is this Redis fit to hold jobs? Findings from what the server reports.

Plain functions from INFO fields, CONFIG values and measured numbers to a
``Finding`` (what was found, how bad, how to fix it), with no I/O, so the
worker's start-up warnings and ``jobctl doctor`` judge a server the same way.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MIN_VERSION = (6, 2)
"""The oldest Redis the runtime's commands and Lua scripts run on."""

LATENCY_WARN_MS = 5.0
CLOCK_WARN_MS = 500.0
FIX_EVICTION = (
    "CONFIG SET maxmemory-policy noeviction (and set it in redis.conf or the provider's "
    "settings, so a restart keeps it)"
)
FIX_PERSISTENCE = "enable AOF: appendonly yes with appendfsync everysec"


class Level(enum.Enum):
    OK = "ok"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Finding:
    """One check's verdict; ``fix`` is empty when there is nothing to do."""

    check: str
    level: Level
    detail: str
    fix: str = ""


def server_finding(info: Mapping[str, Any], kind: str = "single") -> Finding:
    """Version, mode (single server, Sentinel, Cluster) and role (primary or replica).

    ``kind`` is how the URL reaches it: a Sentinel-managed primary reports
    itself as standalone.
    """
    version = str(info.get("redis_version", "?"))
    mode = str(info.get("redis_mode", "standalone"))
    role = str(info.get("role", "master"))
    label = {"standalone": "single server", "cluster": "Cluster", "sentinel": "Sentinel"}
    name = "primary found through Sentinel" if kind == "sentinel" else label.get(mode, mode)
    detail = f"Redis {version}, {name}"
    if mode == "sentinel":
        return Finding(
            "server",
            Level.ERROR,
            f"{detail}: a Sentinel holds no data",
            "use redis+sentinel://HOST:PORT/SERVICE (see docs/runtime.md)",
        )
    if role != "master":
        return Finding(
            "server",
            Level.ERROR,
            f"{detail}, read-only replica",
            "point REDIS_URL at the primary",
        )
    if _version_tuple(version) < MIN_VERSION:
        need = ".".join(map(str, MIN_VERSION))
        return Finding("server", Level.ERROR, detail, f"upgrade to Redis {need} or later")
    return Finding("server", Level.OK, detail if kind == "sentinel" else f"{detail}, primary")


def eviction_finding(info: Mapping[str, Any]) -> Finding:
    """Anything but noeviction lets Redis delete job keys when memory runs short."""
    policy = str(info.get("maxmemory_policy", "?"))
    limit = int(info.get("maxmemory", 0) or 0)
    cap = f"maxmemory {limit // (1024 * 1024)} MB" if limit else "no maxmemory"
    if policy == "noeviction":
        return Finding("eviction", Level.OK, f"noeviction ({cap}): a full Redis refuses writes")
    return Finding(
        "eviction",
        Level.ERROR,
        f"maxmemory-policy {policy} ({cap}): under memory pressure Redis deletes "
        "job keys, and those jobs vanish without a trace",
        FIX_EVICTION,
    )


def persistence_finding(info: Mapping[str, Any], config: Mapping[str, str] | None) -> Finding:
    """What a restart of this Redis would lose, from INFO persistence and CONFIG GET.

    ``config`` holds ``save`` and ``appendfsync``, or is None when the user
    may not run CONFIG GET (common on hosted Redis).
    """
    if int(info.get("aof_enabled", 0) or 0):
        fsync = None if config is None else config.get("appendfsync")
        if fsync == "always":
            return Finding("persistence", Level.OK, "AOF, fsync always: a restart loses nothing")
        if fsync == "no":
            return Finding(
                "persistence",
                Level.WARNING,
                "AOF, fsync left to the OS: a crash loses about the last 30 s of changes",
                "appendfsync everysec",
            )
        if fsync is None:
            return Finding("persistence", Level.OK, "AOF (fsync policy unknown: no CONFIG GET)")
        return Finding(
            "persistence", Level.OK, "AOF, fsync every second: a crash loses at most ~1 s"
        )
    changes = int(info.get("rdb_changes_since_last_save", 0) or 0)
    if config is None:
        return Finding(
            "persistence",
            Level.WARNING,
            "no AOF; RDB schedule unknown (no CONFIG GET): a crash loses every change "
            f"since the last snapshot ({changes} now)",
            FIX_PERSISTENCE,
        )
    save = config.get("save", "").strip()
    if save:
        return Finding(
            "persistence",
            Level.WARNING,
            f"RDB snapshots only (save {save}): a crash loses every change since the "
            f"last snapshot ({changes} now)",
            FIX_PERSISTENCE,
        )
    return Finding(
        "persistence",
        Level.ERROR,
        "none (no AOF, no RDB): a restart loses every job",
        FIX_PERSISTENCE,
    )


def latency_finding(samples_ms: Sequence[float]) -> Finding:
    """Round trips to Redis bound how fast one worker can claim and settle."""
    from statistics import median as median_of  # only ``jobctl doctor`` measures latency

    median = median_of(samples_ms)
    detail = f"median {median:.2f} ms, max {max(samples_ms):.2f} ms over {len(samples_ms)} PINGs"
    if median > LATENCY_WARN_MS:
        return Finding(
            "latency",
            Level.WARNING,
            f"{detail}: each claim and settle waits one round trip",
            "run workers and producers close to Redis (same region or host)",
        )
    return Finding("latency", Level.OK, detail)


def clock_finding(offset_ms: float) -> Finding:
    """Leases and due times are timestamps: hosts' clocks should agree with Redis."""
    side = "behind" if offset_ms > 0 else "ahead of"
    detail = f"this host is {abs(offset_ms):.0f} ms {side} Redis"
    if abs(offset_ms) > CLOCK_WARN_MS:
        return Finding(
            "clock",
            Level.WARNING,
            f"{detail}: leases and delays compare timestamps taken on different hosts",
            "synchronise clocks (NTP / chrony) on every host",
        )
    return Finding("clock", Level.OK, detail)


def permission_finding(user: str, pattern: str, denied: Sequence[str]) -> Finding:
    """Whether ``user`` may run every command the runtime uses on keys ``pattern``."""
    if not denied:
        return Finding(
            "permissions",
            Level.OK,
            f"user '{user}' may run every command the runtime uses on {pattern}",
        )
    grants = " ".join(f"+{command}" for command in denied)
    return Finding(
        "permissions",
        Level.ERROR,
        f"user '{user}' may not run {', '.join(c.upper() for c in denied)} on {pattern}",
        f"ACL SETUSER {user} {grants} (the whole line is in docs/runtime.md)",
    )


def config_values(*replies: Mapping[Any, Any]) -> dict[str, str]:
    """CONFIG GET replies (bytes or str, as the client decodes) merged into one str dict."""
    merged: dict[str, str] = {}
    for reply in replies:
        for key, value in reply.items():
            merged[_text(key)] = _text(value)
    return merged


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _version_tuple(version: str) -> tuple[int, ...]:
    parts: list[int] = []
    for part in version.split("."):
        if not part.isdigit():
            break
        parts.append(int(part))
    return tuple(parts)
