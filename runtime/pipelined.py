"""One connection, many commands in flight: the asyncio producer's hot path.

redis-py's asyncio connection costs more Python than the round trip it waits
for: each call packs its arguments through an encoder, wraps the write in a
task with a timeout and the read in another timeout, and one connection
carries one command at a time. Here a connection that redis-py opened (so the
handshake, TLS, AUTH/ACL user, database and client name are all redis-py's)
is taken over with an ``asyncio.Protocol`` that writes commands packed in one
step and reads replies with hiredis, handing each to the future of the call
that sent it, in order. Concurrent calls share the connection (pipelining):
a call made while others are in flight is written with the rest of its
event-loop turn, in one ``send``; a call alone on the connection is written at
once, since waiting for the turn's end would only delay it.

Replies go to calls strictly in the order the commands were written, so a
cancelled call just drops its reply when it comes. Anything that could break
that order (the connection lost, a reply overdue by ``timeout_s``) fails every
call in flight with redis-py's ``ConnectionError`` or ``TimeoutError`` and
closes the connection, as redis-py does; the caller decides whether to retry.
Error replies become the exceptions redis-py raises for them (``NoScriptError``,
``MovedError``, ``NoPermissionError``, ...), by redis-py's own table.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, cast

import hiredis
import redis
from redis._parsers.base import BaseParser
from redis.exceptions import DataError, InvalidResponse

_INCOMPLETE = object()
_REPLY_ERROR = cast("Callable[[str], Exception]", BaseParser.parse_error)  # pyright: ignore[reportUnknownMemberType]
"""redis-py's table from error reply to exception class (``-NOSCRIPT`` -> ``NoScriptError``)."""


_BULK_HEADS = tuple(b"$%d\r\n" % size for size in range(1024))
"""The length line of every bulk string shorter than 1 KiB: a lookup, not a format, per argument."""


class Encoded(tuple[Any, ...]):
    """Arguments packed once and sent many times: the values, with their RESP form (``resp``).

    The producer's script calls are mostly constant: the script's sha, its keys
    and the job kind's option set repeat on every call of a queue. Packed once
    here, they cost ``pack`` one append instead of three formatting steps per
    argument. A client that packs commands itself (redis-py) takes ``plain``.
    """

    resp: bytes

    def __new__(cls, values: Sequence[Any]) -> Encoded:
        encoded = super().__new__(cls, values)
        command = pack(values)
        encoded.resp = command[command.index(b"\n") + 1 :]  # without the argument count
        return encoded


def pack(args: Sequence[Any]) -> bytes:
    """One command in RESP, each argument encoded exactly as redis-py's ``Encoder`` does it."""
    parts = [b""]  # the argument count, known at the end
    append = parts.append
    heads = _BULK_HEADS
    count = len(args)
    for arg in args:
        kind: type = type(arg)  # pyright: ignore[reportUnknownVariableType]
        if kind is str:
            data = arg.encode()
        elif kind is int:
            data = b"%d" % arg
        elif kind is bytes:
            data = arg
        elif kind is Encoded:
            append(arg.resp)
            count += len(arg) - 1
            continue
        else:
            data = _encode(arg)
        size = len(data)
        append(heads[size] if size < 1024 else b"$%d\r\n" % size)
        append(data)
        append(b"\r\n")
    parts[0] = b"*%d\r\n" % count
    return b"".join(parts)


def plain(args: Sequence[Any]) -> Sequence[Any]:
    """``args`` with every ``Encoded`` run spread into its values, for redis-py to pack."""
    if not any(type(arg) is Encoded for arg in args):
        return args
    spread: list[Any] = []
    for arg in args:
        if type(arg) is Encoded:
            spread += arg
        else:
            spread.append(arg)
    return spread


def _encode(value: Any) -> bytes:
    """redis-py's ``Encoder.encode`` (UTF-8, strict) for the less common argument types."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)  # pyright: ignore[reportUnknownArgumentType]
    if isinstance(value, bool):
        raise DataError(
            "Invalid input of type: 'bool'. Convert to a bytes, string, int or float first."
        )
    if isinstance(value, int | float):
        return repr(value).encode()
    if isinstance(value, str):
        return value.encode()
    raise DataError(
        f"Invalid input of type: '{type(value).__name__}'. "
        "Convert to a bytes, string, int or float first."
    )


class PipelinedConnection(asyncio.Protocol):
    """A taken-over connection: ``call`` writes a command and returns its reply's future."""

    def __init__(self, timeout_s: float | None) -> None:
        self._loop = asyncio.get_running_loop()
        self._timeout_s = timeout_s
        self._transport: asyncio.Transport | None = None
        self._reader = hiredis.Reader(
            protocolError=InvalidResponse,
            replyError=_REPLY_ERROR,
            notEnoughData=_INCOMPLETE,
        )
        self._waiting: deque[tuple[asyncio.Future[Any], float]] = deque()
        self._outgoing: list[bytes] = []
        self._broken: Exception | None = None
        self._watchdog: asyncio.TimerHandle | None = None

    @classmethod
    def take_over(
        cls, transport: asyncio.BaseTransport, timeout_s: float | None
    ) -> PipelinedConnection:
        """Read and write ``transport`` from now on (its old protocol gets nothing more)."""
        protocol = cls(timeout_s)
        transport.set_protocol(protocol)
        protocol.connection_made(transport)
        return protocol

    @property
    def usable(self) -> bool:
        return self._broken is None

    def call(self, packed: bytes) -> asyncio.Future[Any]:
        """Send one packed command (``pack``); the future gets its reply or its error."""
        if self._broken is not None:
            raise self._broken
        future: asyncio.Future[Any] = self._loop.create_future()
        alone = not self._waiting and not self._outgoing
        self._waiting.append((future, self._loop.time()))
        if alone and self._transport is not None:
            # nothing in flight to share a write with: waiting a loop turn would only add latency
            self._transport.write(packed)
        else:
            if not self._outgoing:
                self._loop.call_soon(self._flush)
            self._outgoing.append(packed)
        if self._watchdog is None and self._timeout_s is not None:
            self._watchdog = self._loop.call_later(self._timeout_s, self._check_overdue)
        return future

    def close(self) -> None:
        self._fail(redis.ConnectionError("Connection closed by the client."))

    # asyncio.Protocol ---------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._reader.feed(data)
        while True:
            try:
                reply = self._reader.gets()
            except InvalidResponse as error:
                self._fail(redis.ConnectionError(f"Protocol error: {error}"))
                return
            if reply is _INCOMPLETE:
                return
            if not self._waiting:
                self._fail(redis.ConnectionError("Redis sent a reply nobody asked for."))
                return
            future, _ = self._waiting.popleft()
            if future.done():
                continue  # its caller was cancelled; the reply is consumed all the same
            if isinstance(reply, Exception):  # an error reply (access errors are not Response ones)
                future.set_exception(reply)
            else:
                future.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(redis.ConnectionError("Connection closed by server."))

    # internals ----------------------------------------------------------
    def _flush(self) -> None:
        outgoing, self._outgoing = self._outgoing, []
        if self._transport is not None and self._broken is None and outgoing:
            self._transport.write(b"".join(outgoing))

    def _check_overdue(self) -> None:
        self._watchdog = None
        if not self._waiting or self._timeout_s is None:
            return
        _, sent_at = self._waiting[0]
        due = sent_at + self._timeout_s
        if self._loop.time() >= due:
            self._fail(redis.TimeoutError("Timeout reading from the Redis connection."))
        else:
            self._watchdog = self._loop.call_at(due, self._check_overdue)

    def _fail(self, error: Exception) -> None:
        """Fail every call in flight and close: no later reply can reach the wrong call."""
        if self._broken is None:
            self._broken = error
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        while self._waiting:
            future, _ = self._waiting.popleft()
            if not future.done():
                future.set_exception(error)
        self._outgoing.clear()
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()
