"""What a worker checks once as it starts: can it use this Redis, and will Redis keep jobs.

A refusal (wrong password, missing ACL permission, a plain connection to a
TLS port) stops the worker with one line that says how to fix it: retrying
would only hide it. An eviction policy that deletes keys, or persistence
that loses them on restart, is logged as a warning; the worker still runs.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import asyncio
import logging
from typing import Any

import redis
import redis.asyncio

from .connection import CONNECTION_ERRORS, ONE_SHOT, Connection
from .errors import RedisAccessError
from .server_checks import Level, config_values, eviction_finding, persistence_finding

log = logging.getLogger("jobcontracts.worker")


async def check_redis_at_start(connection: Connection, domain: str) -> None:
    """Raise ``RedisAccessError`` if Redis refuses us; warn about eviction and persistence.

    A single server is first asked with the one-shot policy, so a plain
    connection to a TLS port is named in about a second rather than after
    the worker policy's retries; an outage is only logged (the worker loop
    rides it out).
    """
    probe = (
        Connection(connection.url, prefix=connection.prefix, settings=ONE_SHOT)
        if connection.endpoint.kind == "single"
        else connection
    )
    try:
        if await _reachable(probe, domain):
            await _warn_about_server(probe, domain)
    finally:
        if probe is not connection:
            await probe.aclose()


async def _reachable(connection: Connection, domain: str) -> bool:
    try:
        await connection.async_client().ping()
    except Exception as exc:
        from .diagnosis import explain, is_access_error, looks_like_tls, refused, tls_port_line

        if is_access_error(exc):
            raise refused(exc, connection.url, prefix=connection.prefix) from exc
        if not isinstance(exc, CONNECTION_ERRORS):
            raise
        if await asyncio.to_thread(looks_like_tls, connection.url):
            raise RedisAccessError(tls_port_line(connection.url)) from exc
        log.warning(
            "%s; the worker for %s keeps retrying",
            explain(exc, connection.url, tls_probe=False),
            domain,
            extra={"domain": domain},
        )
        return False
    return True


async def _warn_about_server(connection: Connection, domain: str) -> None:
    client = connection.async_client()
    try:
        info: dict[str, Any] = await client.info()
    except redis.ResponseError as exc:
        log.info(
            "cannot read INFO (%s): eviction and persistence not checked",
            exc,
            extra={"domain": domain},
        )
        return
    config = await _persistence_config(client)
    for finding in (eviction_finding(info), persistence_finding(info, config)):
        if finding.level is not Level.OK:
            log.warning(
                "redis %s: %s; fix: %s",
                finding.check,
                finding.detail,
                finding.fix,
                extra={"domain": domain},
            )


async def _persistence_config(client: redis.asyncio.Redis) -> dict[str, str] | None:
    """``save`` and ``appendfsync``, or None when CONFIG GET is not allowed (hosted Redis)."""
    try:
        return config_values(
            await client.config_get("save"), await client.config_get("appendfsync")
        )
    except redis.ResponseError:
        return None
