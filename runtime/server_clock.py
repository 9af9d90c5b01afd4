"""The time the runtime writes into Redis: the Redis server's clock, not this host's.

Leases, liveness deadlines, due times and retention ages are compared across
hosts; if each host used its own clock, a worker 5 s ahead would run delayed
jobs 5 s early and one 5 s behind would hand out leases that others see as
already expired. So every process measures the offset of its clock to the
server's ``TIME`` (half a round trip of error) and adds it to every timestamp.
The offset is measured on first use and again every ``resync_s`` seconds
(workers do it from their heartbeat thread, producers before an enqueue).

One measurement serves every concurrent caller: while a refresh is under way
the others carry on with the offset they have (at most a minute old), and the
coroutines of a loop that all need the very first offset wait for one ``TIME``
together. A hundred producers starting at once would otherwise send a hundred
``TIME`` calls, each on a connection of its own.
"""

# pyright: reportUnknownMemberType=false
# (redis-py types TIME's **kwargs as unknown.)

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Callable

import redis
import redis.asyncio
from redis.exceptions import NoPermissionError

log = logging.getLogger("jobcontracts.connection")

REFRESH_GRACE_S = 5.0
"""How long other callers keep the offset they have while a refresh is under way (one that
failed or hangs is then tried again)."""

Clock = Callable[[], int]
"""Returns the current time in integer milliseconds since the epoch."""


def system_clock() -> int:
    """This host's wall clock in milliseconds."""
    return time.time_ns() // 1_000_000


class ServerClock:
    """A ``Clock`` that reads the host clock plus its measured offset to the Redis server."""

    def __init__(self, host: Clock = system_clock, resync_s: float = 60.0) -> None:
        self.host = host
        self.resync_s = resync_s
        self.offset_ms = 0
        """Server time minus host time, as last measured."""
        self.measured = False
        """Whether the offset came from the server: this clock then reads the server's ``TIME``."""
        self._measured_at: float | None = None
        self._refreshing_since = float("-inf")
        """When the latest measurement began (monotonic), by any thread or loop."""
        self._first: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Future[None]]
        self._first = weakref.WeakKeyDictionary()
        """Per event loop, the first measurement while it is under way."""

    def __call__(self) -> int:
        return self.host() + self.offset_ms

    @property
    def stale(self) -> bool:
        measured = self._measured_at
        if measured is None:
            return True
        now = time.monotonic()
        if now - measured <= self.resync_s:
            return False
        began = self._refreshing_since
        return not (began > measured and now - began < REFRESH_GRACE_S)  # none under way

    def _update(self, before: int, reply: tuple[int, int], after: int) -> None:
        seconds, micros = reply
        server_ms = int(seconds) * 1000 + int(micros) // 1000
        self.offset_ms = server_ms - (before + after) // 2
        self._measured_at = time.monotonic()
        self.measured = True

    def sync(self, client: redis.Redis) -> None:
        """Measure the offset with one TIME round trip."""
        self._refreshing_since = time.monotonic()
        before = self.host()
        try:
            reply = client.time()
        except NoPermissionError:
            self._refused()
            return
        self._update(before, reply, self.host())

    async def sync_async(self, client: redis.asyncio.Redis) -> None:
        loop = asyncio.get_running_loop()
        first = self._first.get(loop)
        if first is not None:  # this loop's first measurement is under way: share it
            await asyncio.shield(first)
            if self._measured_at is not None:
                return
        done = self._first[loop] = loop.create_future()
        self._refreshing_since = time.monotonic()
        try:
            before = self.host()
            reply = await client.time()
            self._update(before, reply, self.host())
        except NoPermissionError:
            self._refused()
        finally:
            if self._first.get(loop) is done:
                del self._first[loop]
            done.set_result(None)  # a failed one too: each waiter then measures itself

    def _refused(self) -> None:
        if self._measured_at is None:
            log.warning(
                "the Redis user may not run TIME (add +time to its ACL): timestamps use this "
                "host's clock, so hosts must keep their clocks in step"
            )
        self._measured_at = time.monotonic()
