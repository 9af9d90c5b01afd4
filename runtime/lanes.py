"""The connections of the hot paths, one class for each path.

- ``WorkerLane``: a worker's own connection for its claims and its wait on
  the marker. The driver sends one command at a time and handles connection
  errors itself (log, back off, retry), so it skips the pool checkout and
  retry wrapper redis-py puts around every command; that saves about 30 us
  per call, most of the client-side cost of a claim round trip. A call
  interrupted by cancellation or a connection error disconnects, so a late
  reply can never be read as the answer to the next command.
  ``execute_many`` sends several commands on the one connection and reads all
  replies: WAIT must follow the write on the connection that made it, and an
  idle worker's claim follows its BZPOPMIN (``exchange``).
- ``AsyncProducerLane``: ``add_job_async`` and friends, pipelined per event loop.
- ``SyncProducerLane``: ``add_job`` from any thread, on pooled connections.
"""

from __future__ import annotations

import asyncio
import os
import time
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, cast

import redis
import redis.asyncio
from redis.asyncio.connection import AbstractConnection
from redis.backoff import AbstractBackoff
from redis.connection import Connection
from redis.exceptions import MaxConnectionsError, ResponseError

from .pipelined import PipelinedConnection, pack, plain
from .retrying import is_outage

Command = Sequence[Any]


def _first_error(replies: list[Any]) -> list[Any]:
    for reply in replies:
        if isinstance(reply, ResponseError):
            raise reply
    return replies


class WorkerLane:
    """One connection taken from a client's pool and used serially by one coroutine.

    ``source`` names the client to take it from; when that changes (a Cluster
    slot moved to another primary), the next call hands the old connection
    back and takes one from the new client.
    """

    def __init__(self, source: Callable[[], redis.asyncio.Redis]) -> None:
        self._source = source
        self._client: redis.asyncio.Redis | None = None
        self._conn: AbstractConnection | None = None

    async def _connection(self) -> AbstractConnection:
        client = self._source()
        if self._conn is not None and client is not self._client:
            await self.close()
        conn = self._conn
        if conn is None:
            conn = await client.connection_pool.get_connection()  # type: ignore[no-untyped-call]
            self._client, self._conn = client, conn
        return conn

    async def execute(self, *args: Any) -> Any:
        conn = await self._connection()
        try:
            await conn.send_command(*args)
            reply: Any = await conn.read_response()  # pyright: ignore[reportUnknownVariableType]
            return reply  # pyright: ignore[reportUnknownVariableType]
        except ResponseError:
            raise  # the connection is fine; the command failed
        except BaseException:
            await self.close(disconnect=True)
            raise

    async def execute_many(self, *commands: Command) -> list[Any]:
        """Send ``commands`` in one write and read every reply; raises the first error reply."""
        return _first_error(await self.exchange(*commands))

    async def exchange(self, *commands: Command) -> list[Any]:
        """Send ``commands`` in one write and read every reply, error replies in their place.

        Redis runs the commands of a connection in order, and holds the rest
        while one blocks: a command sent behind BZPOPMIN runs the moment the
        pop returns, with no round trip to the client in between.
        """
        conn = await self._connection()
        replies: list[Any] = []
        try:
            await conn.send_packed_command(conn.pack_commands(commands))
            for _ in commands:
                try:
                    replies.append(await conn.read_response())
                except ResponseError as error:
                    replies.append(error)
        except BaseException:
            await self.close(disconnect=True)
            raise
        return replies

    async def close(self, *, disconnect: bool = False) -> None:
        conn, self._conn = self._conn, None
        client, self._client = self._client, None
        if conn is None or client is None:
            return
        if disconnect:
            await conn.disconnect()
        await client.connection_pool.release(conn)


class AsyncProducerLane:
    """The asyncio producer's hot path: one pipelined connection per event loop.

    The connection comes from the client's pool (redis-py connects and
    authenticates it) and is then driven by ``pipelined.PipelinedConnection``:
    calls from any number of coroutines go out on it without waiting for each
    other, and each gets its own reply or error. A connection error or timeout
    on the lane sends the call through the client's pool, which retries with
    the client's policy (an access error is never retried); the next call opens
    a fresh lane. Should the connection not be one this module can drive, every
    call goes through the pool.
    """

    def __init__(self, client: redis.asyncio.Redis) -> None:
        self._client = client
        self._pipe: PipelinedConnection | None = None
        self._conn: AbstractConnection | None = None
        self._opening = asyncio.Lock()

    @property
    def pipelined(self) -> bool:
        """Whether calls currently go over the pipelined connection."""
        return self._pipe is not None and self._pipe.usable

    def open_pipe(self) -> PipelinedConnection | None:
        """The pipelined connection, when open and usable: a caller may ``call`` it directly,
        and takes ``execute`` (which opens, reopens and falls back) when it fails."""
        pipe = self._pipe
        return pipe if pipe is not None and pipe.usable else None

    async def execute(self, *args: Any) -> Any:
        try:
            pipe = self._pipe
            if pipe is None or not pipe.usable:  # else no coroutine to open it
                pipe = await self._open()
            if pipe is not None:
                return await pipe.call(pack(args))
        except (redis.ConnectionError, redis.TimeoutError) as error:
            if not is_outage(error):
                raise
            # the lane is closed; the pool retries below
        reply: Any = await self._client.execute_command(*plain(args))  # type: ignore[no-untyped-call]  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        return reply  # pyright: ignore[reportUnknownVariableType]

    async def execute_many(self, *commands: Command) -> list[Any]:
        """Send ``commands`` back to back and read every reply; raises the first error reply."""
        try:
            pipe = await self._open()
            if pipe is not None:
                futures = [pipe.call(pack(command)) for command in commands]
                replies: list[Any] = await asyncio.gather(*futures, return_exceptions=True)
                for reply in replies:
                    if isinstance(reply, redis.ConnectionError | redis.TimeoutError):
                        raise reply
                return _first_error(replies)
        except (redis.ConnectionError, redis.TimeoutError) as error:
            if not is_outage(error):
                raise
        pipe_ = self._client.pipeline(transaction=False)
        for command in commands:
            pipe_.execute_command(*plain(command))  # pyright: ignore[reportUnknownMemberType]
        fallback: list[Any] = await pipe_.execute(raise_on_error=True)  # pyright: ignore[reportUnknownMemberType]
        return fallback

    async def _open(self) -> PipelinedConnection | None:
        pipe = self._pipe
        if pipe is not None and pipe.usable:
            return pipe
        async with self._opening:
            if self._pipe is not None and self._pipe.usable:
                return self._pipe
            await self._give_back()
            pool = self._client.connection_pool
            conn: AbstractConnection = await pool.get_connection()  # type: ignore[no-untyped-call]
            writer: object = getattr(conn, "_writer", None)  # redis-py's stream, once connected
            if not isinstance(writer, asyncio.StreamWriter):
                await pool.release(conn)
                return None
            timeout = cast("float | None", getattr(conn, "socket_timeout", None))
            self._pipe = PipelinedConnection.take_over(writer.transport, timeout)
            self._conn = conn
            return self._pipe

    async def _give_back(self) -> None:
        """Close the lane's connection and hand redis-py's record of it back to the pool."""
        pipe, self._pipe = self._pipe, None
        conn, self._conn = self._conn, None
        if pipe is not None:
            pipe.close()
        if conn is not None:
            await conn.disconnect(nowait=True)
            await self._client.connection_pool.release(conn)

    async def close(self) -> None:
        await self._give_back()


class SyncProducerLane:
    """The producer's hot path: pooled connections used directly by any thread.

    ``add_job`` is one script call; going through ``Redis.execute_command``
    adds pool checkout, observability hooks and the retry wrapper to every
    call (about 12 us of a 75 us round trip). Here a call takes an idle
    connection from a deque (``pop``/``append`` are atomic: no lock), or checks
    one out of the client's pool when none is idle, and puts it back when the
    reply is in. No thread keeps a connection after its call returns, so
    threads that come and go (a web server's thread per request) leave
    nothing behind; at most ``IDLE_MAX`` connections stay out of the pool
    between calls. The retry policy is kept: a connection error disconnects
    and retries with the client's backoff, and a refusal is never retried.
    """

    IDLE_MAX = 16
    POOL_WAIT_S = 10.0
    """How long a call waits for a connection when the pool is at its limit."""

    def __init__(self, client: redis.Redis, retries: int, backoff: AbstractBackoff) -> None:
        self._client = client
        self._retries = retries
        self._backoff = backoff
        self._idle: deque[Connection] = deque()
        _sync_lanes.add(self)

    def execute(self, *args: Any) -> Any:
        return self._run(_send_one, args)

    def execute_many(self, *commands: Command) -> list[Any]:
        """Send ``commands`` in one write and read every reply; raises the first error reply."""
        return _first_error(self._run(_send_many, commands))

    def _run(self, exchange: Callable[[Connection, Any], Any], what: Any) -> Any:
        """``exchange(connection, what)`` on an idle connection, with the client's retries."""
        failures = 0
        while True:
            conn = self._take()
            try:
                reply: Any = exchange(conn, what)
            except ResponseError:
                self._give_back(conn)  # the connection is fine; the command failed
                raise
            except (redis.ConnectionError, redis.TimeoutError) as error:
                self._discard(conn)
                failures += 1
                if not is_outage(error) or failures > self._retries:
                    raise
                time.sleep(self._backoff.compute(failures))
                continue
            except BaseException:
                self._discard(conn)
                raise
            self._give_back(conn)
            return reply  # pyright: ignore[reportUnknownVariableType]

    def idle(self) -> int:
        """How many connections wait here for the next call."""
        return len(self._idle)

    def _take(self) -> Connection:
        try:
            return self._idle.pop()
        except IndexError:
            pass
        pool = self._client.connection_pool
        deadline = time.monotonic() + self.POOL_WAIT_S
        while True:
            try:
                return pool.get_connection()  # pyright: ignore[reportUnknownMemberType, reportReturnType]
            except MaxConnectionsError:
                # More threads are mid-call than the pool allows: wait for one to finish.
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.001)
            try:
                return self._idle.pop()
            except IndexError:
                pass

    def _give_back(self, conn: Connection) -> None:
        if len(self._idle) < self.IDLE_MAX:
            self._idle.append(conn)
        else:
            self._client.connection_pool.release(conn)

    def _discard(self, conn: Connection) -> None:
        conn.disconnect()  # type: ignore[no-untyped-call]  # pyright: ignore[reportUnknownMemberType]
        self._client.connection_pool.release(conn)

    def forget_after_fork(self) -> None:
        """A child process must not share its parent's sockets: drop them unclosed."""
        self._idle.clear()


def _send_one(conn: Connection, args: Sequence[Any]) -> Any:
    conn.send_packed_command([pack(args)])  # type: ignore[no-untyped-call]  # pyright: ignore[reportUnknownMemberType]
    reply: Any = conn.read_response()  # pyright: ignore[reportUnknownVariableType]
    return reply  # pyright: ignore[reportUnknownVariableType]


def _send_many(conn: Connection, commands: Sequence[Command]) -> list[Any]:
    conn.send_packed_command([b"".join(pack(command) for command in commands)])  # type: ignore[no-untyped-call]  # pyright: ignore[reportUnknownMemberType]
    replies: list[Any] = []
    for _ in commands:
        try:
            replies.append(conn.read_response())  # pyright: ignore[reportUnknownMemberType]
        except ResponseError as error:
            replies.append(error)
    return replies


_sync_lanes: weakref.WeakSet[SyncProducerLane] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for lane in list(_sync_lanes):
        lane.forget_after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)
