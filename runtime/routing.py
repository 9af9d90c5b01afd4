"""Which Redis node a queue lives on, and riding out redirections and failovers.

Every key of a queue shares one hash tag, so on a Redis Cluster a whole queue
lives in one slot and therefore on one primary at a time. The runtime talks to
that primary with a plain single-node client (the same fast paths as on a lone
server, WAIT on the connection that wrote, blocking pops on the right node),
and ``SlotMap`` says which primary that is. When the cluster answers MOVED,
ASK, TRYAGAIN or CLUSTERDOWN, or the primary stops answering (failover), the
call wrappers here refresh the slot map from any node that answers and try
again with backoff; only a cluster that stays unusable past the retry budget
surfaces, as a ``RoutingError`` (a connection error, so workers log it and
carry on, and ``jobctl`` prints one line).
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
import time
from bisect import bisect_right
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import redis
from redis.backoff import NoBackoff
from redis.crc import key_slot
from redis.exceptions import (
    AskError,
    AuthenticationError,
    ClusterDownError,
    NoPermissionError,
    ResponseError,
    TryAgainError,
)
from redis.retry import Retry

from .errors import RoutingError, TopologyError
from .topology import Endpoint

if TYPE_CHECKING:
    from .connection import Connection

T = TypeVar("T")

REDIRECT_ERRORS: tuple[type[Exception], ...] = (AskError, TryAgainError, ClusterDownError)
"""MOVED (a subclass of ASK), ASK, TRYAGAIN and CLUSTERDOWN: the slot is elsewhere or settling."""

_LINK_ERRORS: tuple[type[Exception], ...] = (
    redis.ConnectionError,
    redis.TimeoutError,
    ConnectionError,
    TimeoutError,
)

TRANSIENT_ERRORS: tuple[type[Exception], ...] = (*_LINK_ERRORS, *REDIRECT_ERRORS)
"""Errors a worker loop rides out by backing off (the call wrappers already rerouted)."""


class SlotMap:
    """Cluster only: which primary serves each hash slot, learnt with CLUSTER SLOTS."""

    def __init__(self, endpoint: Endpoint, connect_timeout: float) -> None:
        self._endpoint = endpoint
        self._timeout = connect_timeout
        self._lock = threading.Lock()
        self._known: list[tuple[str, int]] = list(endpoint.nodes)
        self._starts: list[int] = []
        self._ranges: list[tuple[int, int, str, int]] = []

    def node_for(self, key: str) -> tuple[str, int]:
        """The primary serving ``key``'s slot (learns the map on first use)."""
        if not self._ranges:
            self.refresh()
        slot = key_slot(key.encode())
        i = bisect_right(self._starts, slot) - 1
        if i >= 0:
            start, end, host, port = self._ranges[i]
            if start <= slot <= end:
                return host, port
        raise ClusterDownError(f"CLUSTERDOWN hash slot {slot} is not served by any node")

    def primaries(self) -> list[tuple[str, int]]:
        if not self._ranges:
            self.refresh()
        return sorted({(host, port) for _, _, host, port in self._ranges})

    def refresh(self) -> None:
        """Ask the known nodes, in turn, for the slot map; the first answer wins."""
        with self._lock:
            failures: list[str] = []
            for host, port in list(self._known):
                try:
                    reply = self._ask(host, port)
                except (redis.ConnectionError, redis.TimeoutError, OSError) as error:
                    if isinstance(error, AuthenticationError):
                        raise
                    failures.append(f"{host}:{port}: {error}")
                    continue
                self._learn(reply)
                return
            raise RoutingError(
                f"no node of the {self._endpoint.describe()} answers ({'; '.join(failures)})"
            )

    def _ask(self, host: str, port: int) -> list[Any]:
        client = redis.Redis.from_url(
            self._endpoint.node_url(host, port),
            socket_connect_timeout=self._timeout,
            socket_timeout=self._timeout,
            retry=Retry(NoBackoff(), 0),
        )
        try:
            return cast("list[Any]", client.execute_command("CLUSTER", "SLOTS"))  # type: ignore[no-untyped-call]
        except NoPermissionError:
            raise
        except ResponseError as error:
            if "cluster support disabled" in str(error):
                raise TopologyError(
                    f"{host}:{port} is not a cluster node (cluster support is disabled); "
                    "use redis:// or rediss:// for a single server"
                ) from error
            raise
        finally:
            client.close()

    def _learn(self, reply: list[Any]) -> None:
        ranges: list[tuple[int, int, str, int]] = []
        nodes: list[tuple[str, int]] = []
        for entry in reply:
            start, end, primary, *replicas = entry
            for node in (primary, *replicas):
                address = (_text(node[0]), int(node[1]))
                if address not in nodes:
                    nodes.append(address)
            host, port = nodes[nodes.index((_text(primary[0]), int(primary[1])))]
            ranges.append((int(start), int(end), host, port))
        if not ranges:
            raise ClusterDownError("CLUSTERDOWN no slot is assigned yet")
        ranges.sort()
        self._ranges = ranges
        self._starts = [r[0] for r in ranges]
        # Primaries first next time, then replicas, then the seeds from the URL.
        seeds = [n for n in self._known if n not in nodes]
        self._known = [*nodes, *seeds]


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _retryable(connection: Connection, error: Exception) -> bool:
    if isinstance(error, AuthenticationError):
        return False
    if isinstance(error, REDIRECT_ERRORS):
        if connection.endpoint.kind == "single" and type(error).__name__ == "MovedError":
            raise TopologyError(
                f"{connection.endpoint.describe()} is a Redis Cluster node (it answered MOVED); "
                "use redis+cluster://"
            ) from error
        return True
    return connection.endpoint.kind == "cluster" and isinstance(error, _LINK_ERRORS)


def _delay(connection: Connection, failures: int) -> float:
    s = connection.settings
    return random.uniform(0, min(s.backoff_cap, s.backoff_base * 2**failures))


def _give_up(connection: Connection, error: Exception) -> RoutingError:
    return RoutingError(
        f"the {connection.endpoint.describe()} kept failing after "
        f"{connection.settings.retries} retries: {error}"
    )


def call_routed(connection: Connection, key: str, call: Callable[[Connection], T]) -> T:
    """Run ``call`` against the node serving ``key``; reroute and retry on redirects."""
    failures = 0
    while True:
        try:
            return call(connection.route(key))
        except (*REDIRECT_ERRORS, *_LINK_ERRORS) as error:
            if not _retryable(connection, error):
                raise
            failures += 1
            if failures > connection.settings.retries:
                raise _give_up(connection, error) from error
            time.sleep(_delay(connection, failures))
            with contextlib.suppress(RoutingError):  # nobody answers yet: the next try says so
                connection.reroute()


async def acall_routed(
    connection: Connection, key: str, call: Callable[[Connection], Awaitable[T]]
) -> T:
    """The asyncio twin of ``call_routed`` (the slot map is refreshed in a thread)."""
    failures = 0
    while True:
        try:
            return await call(connection.route(key))
        except (*REDIRECT_ERRORS, *_LINK_ERRORS) as error:
            if not _retryable(connection, error):
                raise
            failures += 1
            if failures > connection.settings.retries:
                raise _give_up(connection, error) from error
            await asyncio.sleep(_delay(connection, failures))
            with contextlib.suppress(RoutingError):
                await asyncio.to_thread(connection.reroute)
