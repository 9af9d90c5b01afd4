"""Where Redis is: one place that turns configuration into clients.

Producers, workers, handles and the admin API all get their clients here, so
timeouts, health checks and reconnect policy are configured exactly once.
Clients are created lazily: constructing a ``Connection`` touches no socket.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import asyncio
import dataclasses
import os
import threading
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

import redis
import redis.asyncio
from redis.backoff import ExponentialWithJitterBackoff

from .clients import build_async, build_sync, close_async, close_sync
from .keys import validate_name
from .lanes import AsyncProducerLane, SyncProducerLane
from .retrying import AsyncOutageRetry, OutageRetry
from .routing import SlotMap
from .server_clock import Clock as Clock  # re-exported: the clock type users pass
from .server_clock import ServerClock as ServerClock
from .server_clock import system_clock as system_clock
from .topology import Endpoint, parse_url, redact

if TYPE_CHECKING:
    from .coalescing import Batchers
    from .scripts import QueueScripts

CONNECTION_ERRORS: tuple[type[Exception], ...] = (
    redis.ConnectionError,
    redis.TimeoutError,
    ConnectionError,
    TimeoutError,
)
"""Errors that mean "Redis is unreachable right now", worth retrying later."""


def url_from_env() -> str:
    """``REDIS_URL``, else ``redis://$REDIS_HOST:$REDIS_PORT/0``, else localhost:6379."""
    url = os.environ.get("REDIS_URL")
    if url:
        return url
    host = os.environ.get("REDIS_HOST") or "localhost"
    port = os.environ.get("REDIS_PORT") or "6379"
    return f"redis://{host}:{port}/0"


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """Socket and reconnect policy shared by the sync and asyncio clients.

    The defaults retry connection and timeout errors with exponential backoff
    (50 ms doubling, capped at 2 s, 8 retries: about 10 s in total), so a Redis
    restart is ridden out by in-flight calls; after that the error surfaces.
    A refusal (wrong password, missing ACL permission) is never retried.
    ``ONE_SHOT`` is the policy of a command a person waits for: it gives up
    within about two seconds.
    ``socket_timeout`` must stay above the longest blocking call (the worker
    blocks at most ``WorkerSettings.idle_block`` seconds).
    """

    socket_timeout: float = 10.0
    connect_timeout: float = 5.0
    health_check_interval: int = 15
    retries: int = 8
    backoff_base: float = 0.05
    backoff_cap: float = 2.0


ONE_SHOT = ClientSettings(connect_timeout=1.0, retries=1, backoff_base=0.1, backoff_cap=0.5)
"""For one-shot commands (``jobctl stats``): report an unreachable Redis within ~2 s."""


class Connection:
    """A Redis location plus the key prefix that namespaces every queue.

    ``url`` defaults to ``REDIS_URL``, then ``redis://$REDIS_HOST:$REDIS_PORT``.
    Keys look like ``{prefix}:{{domain}}:wait``; tests use their own prefix.
    The URL may name one server, a Sentinel service or a Cluster (see
    ``topology.py``); a malformed one raises ``TopologyError`` here, before
    any I/O. On a Cluster, ``route(key)`` is the single-node connection of the
    primary that serves the key's slot, and the other clients are those of
    the primary serving the prefix.
    ``clock`` (milliseconds) is the time written into Redis. By default it is
    the Redis server's clock (``ServerClock``: this host's clock, given as
    ``host_clock``, plus its measured offset to the server), so hosts whose
    clocks disagree still agree on leases and due times. Tests pass a manual
    ``clock`` to drive delays and backoff without sleeping.

    One sync client is shared by all threads; one asyncio client is kept per
    event loop (an asyncio connection pool cannot be used from another loop).
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        prefix: str = "jobs",
        clock: Clock | None = None,
        host_clock: Clock | None = None,
        settings: ClientSettings | None = None,
    ) -> None:
        if clock is not None and host_clock is not None:
            raise ValueError("pass clock (the time itself) or host_clock (to correct), not both")
        validate_name("prefix", prefix)
        self.url = url or url_from_env()
        self.endpoint: Endpoint = parse_url(self.url)
        self.prefix = prefix
        self.clock: Clock = clock or ServerClock(host_clock or system_clock)
        self.settings = settings or ClientSettings()
        self._lock = threading.Lock()
        self._slots: SlotMap | None = None
        self._nodes: dict[tuple[str, int], Connection] = {}
        if self.endpoint.kind == "cluster":
            self._slots = SlotMap(self.endpoint, self.settings.connect_timeout)
        self._sync: redis.Redis | None = None
        self._sync_lane: SyncProducerLane | None = None
        self._lanes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncProducerLane] = (
            weakref.WeakKeyDictionary()
        )
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, redis.asyncio.Redis] = (
            weakref.WeakKeyDictionary()
        )
        # Per-queue helpers made on first use. They refer back to this connection, so
        # they are kept here, not in module-level maps keyed by it: a map would keep
        # every connection ever used alive, with its pools and sockets.
        self.scripts_by_domain: dict[str, QueueScripts] = {}
        """The scripts facade of each queue (``scripts.queue_scripts``)."""
        self.batchers_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Batchers] = (
            weakref.WeakKeyDictionary()
        )
        """The asyncio enqueue batchers of each event loop (``coalescing``)."""
        self.last_batchers: tuple[weakref.ref[asyncio.AbstractEventLoop], Batchers] | None = None
        """The entry of ``batchers_by_loop`` used last: most programs run one loop, and a
        weak mapping's lookup costs a new weak reference on every enqueue."""

    def __repr__(self) -> str:
        return f"Connection({redact_url(self.url)!r}, prefix={self.prefix!r})"

    def now_ms(self) -> int:
        return self.clock()

    @property
    def clock_stale(self) -> bool:
        """Whether ``sync_clock`` would measure now: on asyncio, a caller that checks
        first spares the coroutine on almost every call."""
        clock = self.clock
        return isinstance(clock, ServerClock) and clock.stale

    def sync_clock(self) -> None:
        """Measure this host's offset to the server's clock when due (one TIME round trip)."""
        clock = self.clock
        if isinstance(clock, ServerClock) and clock.stale:
            clock.sync(self.sync_client())

    async def sync_clock_async(self) -> None:
        clock = self.clock
        if isinstance(clock, ServerClock) and clock.stale:
            await clock.sync_async(self.async_client())

    def route(self, key: str) -> Connection:
        """The connection that serves ``key``: this one, or on a Cluster its primary's."""
        slots = self._slots
        if slots is None:
            return self
        return self._node(slots.node_for(key))

    def primaries(self) -> list[Connection]:
        """The connection of every primary on a Cluster; else just this one."""
        if self._slots is None:
            return [self]
        return [self._node(address) for address in self._slots.primaries()]

    def _node(self, address: tuple[str, int]) -> Connection:
        node = self._nodes.get(address)
        if node is None:
            with self._lock:
                node = self._nodes.get(address)
                if node is None:
                    # One quick retry per node: the caller reroutes (see routing.py)
                    # rather than knocking on a dead primary for seconds.
                    node = self._nodes[address] = Connection(
                        self.endpoint.node_url(*address),
                        prefix=self.prefix,
                        clock=self.clock,
                        settings=dataclasses.replace(self.settings, retries=1),
                    )
        return node

    def reroute(self) -> None:
        """Learn the Cluster's slot map again (after MOVED, a failover, ...); else nothing."""
        if self._slots is not None:
            self._slots.refresh()

    def sync_client(self) -> redis.Redis:
        """The shared blocking client (created on first use)."""
        if self._slots is not None:
            return self.route(self.prefix).sync_client()
        client = self._sync
        if client is None:
            with self._lock:
                client = self._sync
                if client is None:
                    client = self._sync = self._build_sync()
        return client

    def sync_lane(self) -> SyncProducerLane:
        """Direct per-thread connections for the producer's one-call-per-job path."""
        if self._slots is not None:
            return self.route(self.prefix).sync_lane()
        lane = self._sync_lane
        if lane is None:
            client = self.sync_client()
            with self._lock:
                lane = self._sync_lane
                if lane is None:
                    lane = self._sync_lane = SyncProducerLane(
                        client, self.settings.retries, self._backoff()
                    )
        return lane

    def async_lane(self) -> AsyncProducerLane:
        """The producer's direct connection on the running event loop."""
        if self._slots is not None:
            return self.route(self.prefix).async_lane()
        loop = asyncio.get_running_loop()
        lane = self._lanes.get(loop)
        if lane is None:
            lane = self._lanes[loop] = AsyncProducerLane(self.async_client())
        return lane

    def async_client(self) -> redis.asyncio.Redis:
        """The asyncio client of the running event loop (created on first use)."""
        if self._slots is not None:
            return self.route(self.prefix).async_client()
        loop = asyncio.get_running_loop()
        client = self._async.get(loop)
        if client is None:
            client = self._async[loop] = self._build_async()
        return client

    def close(self) -> None:
        """Close the sync client and the asyncio clients of loops that are open but idle.

        The clients of a running loop can only be closed on it (``aclose``), and
        those of a closed loop not at all: both are forgotten, sockets open.
        """
        with self._lock:
            client, self._sync, self._sync_lane = self._sync, None, None
        if client is not None:
            close_sync(client)
        for loop in list(self._async):
            if not loop.is_closed() and not loop.is_running():
                loop.run_until_complete(self._close_loop_clients())
        self._async.clear()
        self._lanes.clear()
        for node in self._pop_nodes():
            node.close()

    def _pop_nodes(self) -> list[Connection]:
        with self._lock:
            nodes, self._nodes = list(self._nodes.values()), {}
        return nodes

    async def aclose(self) -> None:
        """Close the asyncio client of the running loop and the sync client, on every node.

        On a Cluster the clients belong to the node connections (``route``), so
        those are closed too: otherwise their sockets stay open until garbage
        collection finds them.
        """
        await self._close_loop_clients()
        with self._lock:
            client, self._sync, self._sync_lane = self._sync, None, None
        if client is not None:
            close_sync(client)
        for node in self._pop_nodes():
            await node.aclose()

    async def _close_loop_clients(self) -> None:
        """Close the running loop's producer lane, then its client.

        The lane first: it drives one of the pool's connections with its own
        protocol, so the pool closing that connection would wait for a
        close notice that never comes (``socket_connect_timeout``, then an error).
        """
        loop = asyncio.get_running_loop()
        lane = self._lanes.pop(loop, None)
        if lane is not None:
            await lane.close()
        aclient = self._async.pop(loop, None)
        if aclient is not None:
            await close_async(aclient)

    def _client_kwargs(self) -> dict[str, object]:
        s = self.settings
        return {
            "socket_timeout": s.socket_timeout,
            "socket_connect_timeout": s.connect_timeout,
            "socket_keepalive": True,
            "health_check_interval": s.health_check_interval,
            "decode_responses": False,
            # CLIENT SETINFO's library name and version, as redis-py sends them by
            # default, but the version is redis-py's own constant: left to itself,
            # every new socket reads the installed package's metadata to find it.
            "driver_info": redis.DriverInfo(lib_version=redis.__version__),
        }

    def _backoff(self) -> ExponentialWithJitterBackoff:
        return ExponentialWithJitterBackoff(
            cap=self.settings.backoff_cap, base=self.settings.backoff_base
        )

    def _build_sync(self) -> redis.Redis:
        retry = OutageRetry(self._backoff(), self.settings.retries)
        return build_sync(self.endpoint, retry, self._client_kwargs())

    def _build_async(self) -> redis.asyncio.Redis:
        # The asyncio client needs the asyncio Retry class: the sync one is
        # accepted but silently disables retrying.
        retry = AsyncOutageRetry(self._backoff(), self.settings.retries)
        return build_async(self.endpoint, retry, self._client_kwargs())


redact_url = redact
"""The URL without its password (in the user part or a ``password=`` query), for logs."""


_default: Connection | None = None
_default_lock = threading.Lock()


def default_connection() -> Connection:
    """The process-wide connection built from the environment on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Connection()
    return _default
