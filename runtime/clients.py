"""Building redis-py clients for an ``Endpoint``: one server, or the master a Sentinel names.

(Cluster endpoints are served by single-node clients, one per primary; see
``routing.py``.) A Sentinel endpoint is checked once when its client is built:
if the sentinels answer but none monitors the service, that is a
configuration error with one line listing the services they do know, not a
connection error retried for seconds.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

from typing import Any, cast

import redis
import redis.asyncio
import redis.asyncio.retry
import redis.asyncio.sentinel
import redis.retry
import redis.sentinel
from redis.backoff import NoBackoff

from .topology import Endpoint, TopologyError


def tls_kwargs(endpoint: Endpoint) -> dict[str, Any]:
    """redis-py's ``ssl_*`` arguments from the URL's TLS parameters."""
    if not endpoint.tls:
        return {}
    kwargs: dict[str, Any] = {"ssl": True}
    for name, value in endpoint.tls_options:
        if name == "ssl_check_hostname":
            kwargs[name] = value.lower() in ("1", "true", "yes", "on")
        else:
            kwargs[name] = value
    return kwargs


def _sentinel_kwargs(endpoint: Endpoint, client_kwargs: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "socket_timeout": client_kwargs["socket_connect_timeout"],
        "socket_connect_timeout": client_kwargs["socket_connect_timeout"],
        **tls_kwargs(endpoint),
    }
    auth = dict(endpoint.sentinel_auth)
    if "sentinel_password" in auth:
        kwargs["password"] = auth["sentinel_password"]
    if "sentinel_username" in auth:
        kwargs["username"] = auth["sentinel_username"]
    return kwargs


def _master_kwargs(endpoint: Endpoint, client_kwargs: dict[str, Any]) -> dict[str, Any]:
    return {
        **client_kwargs,
        **tls_kwargs(endpoint),
        "db": endpoint.db,
        "username": endpoint.username,
        "password": endpoint.password,
    }


def check_service(endpoint: Endpoint, sentinel_kwargs: dict[str, Any]) -> None:
    """Refuse a service name no answering sentinel monitors (silence is left to retries)."""
    answered: list[str] = []
    known: set[str] = set()
    for host, port in endpoint.nodes:
        client = redis.Redis(host=host, port=port, retry=Retry(NoBackoff(), 0), **sentinel_kwargs)
        try:
            masters = cast("dict[Any, Any]", client.sentinel_masters())
        except (redis.ConnectionError, redis.TimeoutError):
            continue
        finally:
            client.close()
        answered.append(f"{host}:{port}")
        names = {k.decode() if isinstance(k, bytes) else str(k) for k in masters}
        if endpoint.service in names:
            return
        known |= names
    if answered:
        raise TopologyError(
            f"no sentinel at {','.join(answered)} monitors a service named "
            f"{endpoint.service!r} (they know: {', '.join(sorted(known)) or 'none'})"
        )


Retry = redis.retry.Retry


def build_sync(endpoint: Endpoint, retry: redis.retry.Retry, kwargs: dict[str, Any]) -> redis.Redis:
    if endpoint.kind == "sentinel":
        sentinel_kwargs = _sentinel_kwargs(endpoint, kwargs)
        check_service(endpoint, sentinel_kwargs)
        sentinel = redis.sentinel.Sentinel(list(endpoint.nodes), sentinel_kwargs=sentinel_kwargs)  # type: ignore[no-untyped-call]
        return sentinel.master_for(  # type: ignore[no-any-return, no-untyped-call]
            endpoint.service,
            redis_class=redis.Redis,
            retry=retry,
            **_master_kwargs(endpoint, kwargs),
        )
    return redis.Redis.from_url(endpoint.url, retry=retry, **kwargs)


def build_async(
    endpoint: Endpoint, retry: redis.asyncio.retry.Retry, kwargs: dict[str, Any]
) -> redis.asyncio.Redis:
    if endpoint.kind == "sentinel":
        sentinel_kwargs = _sentinel_kwargs(endpoint, kwargs)
        check_service(endpoint, sentinel_kwargs)
        sentinel = redis.asyncio.sentinel.Sentinel(  # type: ignore[no-untyped-call]
            list(endpoint.nodes), sentinel_kwargs=sentinel_kwargs
        )
        return sentinel.master_for(  # type: ignore[no-any-return]
            endpoint.service,
            redis_class=redis.asyncio.Redis,
            retry=retry,
            **_master_kwargs(endpoint, kwargs),
        )
    return redis.asyncio.Redis.from_url(endpoint.url, retry=retry, **kwargs)


def close_sync(client: redis.Redis) -> None:
    """Close ``client`` and, on a Sentinel endpoint, the clients that asked the sentinels."""
    client.close()
    manager = getattr(client.connection_pool, "sentinel_manager", None)
    if manager is not None:
        for sentinel in manager.sentinels:
            sentinel.close()


async def close_async(client: redis.asyncio.Redis) -> None:
    """Close ``client`` and, on a Sentinel endpoint, the clients that asked the sentinels.

    The master's pool finds the master through those clients, one per
    sentinel; closing the master's client leaves their sockets open.
    """
    await client.aclose()
    manager = getattr(client.connection_pool, "sentinel_manager", None)
    if manager is not None:
        for sentinel in manager.sentinels:
            await sentinel.aclose()
