"""Ask the Redis a deployment points at everything ``jobctl doctor`` judges.

One function that does the I/O (INFO, CONFIG GET, PING, TIME, an ACL probe
script) and hands the answers to ``server_checks``. It stops after the
first finding when Redis cannot be reached or refuses the credentials.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import Any

import redis

from .connection import CONNECTION_ERRORS, Connection
from .diagnosis import Target, explain, is_access_error
from .keys import QueueKeys
from .permissions import probe, required_commands
from .scripts import check_permissions
from .server_checks import (
    Finding,
    Level,
    clock_finding,
    config_values,
    eviction_finding,
    latency_finding,
    permission_finding,
    persistence_finding,
    server_finding,
)

LATENCY_SAMPLES = 20


def check_server(connection: Connection, domains: Sequence[str] = ()) -> list[Finding]:
    """Findings about the server behind ``connection``; ACL checked on each domain's keys.

    On a Cluster, version, eviction and persistence are read from every
    primary and each row names the primaries it applies to.
    """
    client = connection.sync_client()
    try:
        client.ping()
    except Exception as exc:
        if not (isinstance(exc, CONNECTION_ERRORS) or is_access_error(exc)):
            raise
        line = explain(exc, connection.url, prefix=connection.prefix)
        return [Finding("connection", Level.ERROR, line)]
    kind = connection.endpoint.kind
    per_node = [
        (Target.parse(node.url).address, _server_findings(node.sync_client(), kind))
        for node in connection.primaries()
    ]
    return [
        *_merged(per_node),
        *_measured(connection, client),
        *_permissions(connection, domains),
    ]


def _server_findings(client: redis.Redis, kind: str) -> list[Finding]:
    try:
        info: dict[str, Any] = client.info()
    except redis.ResponseError as exc:
        fix = "allow INFO: see the ACL line in docs/runtime.md"
        return [Finding("server", Level.ERROR, f"cannot read INFO ({exc})", fix)]
    return [
        server_finding(info, kind),
        eviction_finding(info),
        persistence_finding(info, _persistence_config(client)),
    ]


_SEVERITY = {Level.OK: 0, Level.WARNING: 1, Level.ERROR: 2}


def _merged(per_node: Sequence[tuple[str, list[Finding]]]) -> list[Finding]:
    """One row per check: the worst node's finding, naming the primaries it holds for."""
    if len(per_node) == 1:
        return per_node[0][1]
    by_check: dict[str, list[tuple[str, Finding]]] = {}
    for node, findings in per_node:
        for finding in findings:
            by_check.setdefault(finding.check, []).append((node, finding))
    merged: list[Finding] = []
    for pairs in by_check.values():
        worst = max((f for _, f in pairs), key=lambda f: _SEVERITY[f.level])
        at = [node for node, f in pairs if f.detail == worst.detail]
        where = f"all {len(per_node)} primaries" if len(at) == len(per_node) else ", ".join(at)
        merged.append(dataclasses.replace(worst, detail=f"{worst.detail} (on {where})"))
    return merged


def _measured(connection: Connection, client: redis.Redis) -> list[Finding]:
    samples: list[float] = []
    for _ in range(LATENCY_SAMPLES):
        started = time.perf_counter()
        client.ping()
        samples.append((time.perf_counter() - started) * 1000)
    latency = latency_finding(samples)
    before = connection.now_ms()
    try:
        seconds, micros = client.time()
    except redis.ResponseError as exc:
        return [latency, Finding("clock", Level.WARNING, f"cannot read the Redis clock ({exc})")]
    after = connection.now_ms()
    server_ms = seconds * 1000 + micros / 1000
    return [latency, clock_finding(server_ms - (before + after) / 2)]


def _permissions(connection: Connection, domains: Sequence[str]) -> list[Finding]:
    user = Target.parse(connection.url).user_name
    pattern = f"{connection.prefix}:*"
    endpoint = connection.endpoint
    needed = required_commands(cluster=endpoint.kind == "cluster", wait=endpoint.wait is not None)
    probes = [probe(command) for command in needed]
    denied: list[str] = []
    for domain in domains or ("doctor",):
        key = QueueKeys.build(connection.prefix, domain).wait
        try:
            found = check_permissions(connection, key, probes)
        except redis.ResponseError as exc:
            if is_access_error(exc):
                return [
                    Finding(
                        "permissions",
                        Level.ERROR,
                        explain(exc, connection.url, prefix=connection.prefix),
                        f"ACL SETUSER {user} +evalsha +script|load ~{pattern}",
                    )
                ]
            return [
                Finding(
                    "permissions",
                    Level.WARNING,
                    f"cannot ask the ACL ({exc}); Redis 7 answers this",
                    "",
                )
            ]
        denied.extend(c for c in found if c not in denied)
    return [permission_finding(user, pattern, denied)]


def _persistence_config(client: redis.Redis) -> dict[str, str] | None:
    """``save`` and ``appendfsync``, or None when CONFIG GET is not allowed (hosted Redis)."""
    try:
        return config_values(client.config_get("save"), client.config_get("appendfsync"))
    except redis.ResponseError:
        return None
