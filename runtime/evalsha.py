"""Running one Lua script: EVALSHA with a NOSCRIPT fallback, optionally followed by WAIT.

Each script is loaded from package data once, prefixed with the ``_common.lua``
helpers it uses (Redis Lua has no ``require``; ``lua_assembly``), and run with EVALSHA, falling
back to SCRIPT LOAD when the server answers NOSCRIPT (after a restart or
failover: the script cache is not replicated). With a ``ReplicaWait`` the
script and a ``WAIT replicas timeout`` go out together on one connection, so
the reply comes back only once that many replicas hold the write (or the
timeout passed, which raises ``NotReplicatedError`` carrying the reply).

The request and the reading of its replies are plain functions, and the
NOSCRIPT fallback is written once, without I/O, as a generator
(``after_noscript``) that yields the commands to send and receives their
replies; ``drive`` and ``adrive`` run such an exchange over a blocking or an
asyncio link (a lane of ``lanes.py``, or a redis-py client through ``ClientLink``).
``run_script`` and ``arun_script`` send the request directly (the worker's
claim call costs no generator) and turn to the fallback only on NOSCRIPT.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import hashlib
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Protocol, TypeVar

import redis
import redis.asyncio
from redis.exceptions import NoScriptError, ResponseError

from .errors import NotReplicatedError
from .lua_assembly import Definition, assemble, definitions
from .pipelined import Encoded, plain
from .topology import ReplicaWait

Arg = str | bytes | int | float
Command = tuple[Any, ...]
Request = tuple[Command, ...]
"""Commands sent together; their replies come back as one list."""
T = TypeVar("T")
Exchange = Generator[Request, list[Any], T]

__all__ = [
    "Arg",
    "AsyncClientLink",
    "ClientLink",
    "Exchange",
    "LuaScript",
    "NotReplicatedError",
    "adrive",
    "after_noscript",
    "arun_script",
    "drive",
    "load_script",
    "run_script",
    "script_head",
    "script_reply",
    "script_request",
]


@dataclass(frozen=True, slots=True)
class LuaScript:
    name: str
    text: bytes
    sha: str


_LUA = resources.files("jobcontracts.runtime") / "lua"


@cache
def _common() -> list[Definition]:
    return definitions((_LUA / "_common.lua").read_text(encoding="utf-8"))


def load_script(name: str) -> LuaScript:
    """Script ``name``: the ``_common.lua`` helpers it uses, then its body (``lua_assembly``)."""
    body = (_LUA / f"{name}.lua").read_text(encoding="utf-8")
    text = assemble(_common(), name, body).encode()
    return LuaScript(name, text, hashlib.sha1(text, usedforsecurity=False).hexdigest())


def script_request(
    script: LuaScript,
    keys: Sequence[str],
    args: Sequence[Arg | Encoded],
    wait: ReplicaWait | None,
    head: Encoded | None = None,
) -> Request:
    """EVALSHA, followed by WAIT on the same connection when replicas must confirm.

    ``head``, when given, is ``EVALSHA``, the sha, the key count and the keys,
    packed once by the caller (``script_head``).
    """
    if head is None:
        evalsha: Command = ("EVALSHA", script.sha, len(keys), *keys, *args)
    else:
        evalsha = (head, *args)
    return (evalsha,) if wait is None else (evalsha, ("WAIT", wait.replicas, wait.timeout_ms))


def script_reply(replies: list[Any], wait: ReplicaWait | None) -> Any:
    """The script's reply; ``NotReplicatedError`` when fewer replicas confirmed than asked."""
    if wait is None:
        return replies[0]
    reply, acked = replies
    if int(acked) < wait.replicas:
        raise NotReplicatedError(
            f"write acknowledged by {acked} of {wait.replicas} replica(s) within "
            f"{wait.timeout_ms} ms; it is on the primary, but a failover now could lose it",
            acked=int(acked),
            reply=reply,
        )
    return reply


def script_head(script: LuaScript, keys: Sequence[str]) -> Encoded:
    """The constant start of a script's EVALSHA for ``keys``, packed once (``script_request``)."""
    return Encoded(("EVALSHA", script.sha, len(keys), *keys))


def after_noscript(script: LuaScript, request: Request) -> Exchange[list[Any]]:
    """The NOSCRIPT fallback: load the script, then send the request once more.

    The script cache is per server and not replicated, so it is empty after a
    restart or a failover; a second NOSCRIPT is raised.
    """
    yield (("SCRIPT", "LOAD", script.text),)
    replies: list[Any] = yield request
    return replies


class Link(Protocol):
    def execute(self, *args: Any) -> Any: ...
    def execute_many(self, *commands: Command) -> list[Any]: ...


class AsyncLink(Protocol):
    async def execute(self, *args: Any) -> Any: ...
    async def execute_many(self, *commands: Command) -> list[Any]: ...


def drive(link: Link, exchange: Exchange[T]) -> T:
    """Run ``exchange`` over a blocking link; an error reply is thrown into it."""
    request = next(exchange)
    while True:
        try:
            replies = _send(link, request)
        except ResponseError as error:
            request = exchange.throw(error)
            continue
        try:
            request = exchange.send(replies)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]


async def adrive(link: AsyncLink, exchange: Exchange[T]) -> T:
    """``drive`` over an asyncio link."""
    request = next(exchange)
    while True:
        try:
            replies = await _asend(link, request)
        except ResponseError as error:
            request = exchange.throw(error)
            continue
        try:
            request = exchange.send(replies)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]


class ClientLink:
    """A blocking redis-py client as a link: commands with its retries, a pipeline for many."""

    __slots__ = ("_client",)

    def __init__(self, client: redis.Redis) -> None:
        self._client = client

    def execute(self, *args: Any) -> Any:
        return self._client.execute_command(*plain(args))  # type: ignore[no-untyped-call]

    def execute_many(self, *commands: Command) -> list[Any]:
        pipe = self._client.pipeline(transaction=False)
        for command in commands:
            pipe.execute_command(*plain(command))  # type: ignore[no-untyped-call]
        replies: list[Any] = pipe.execute()
        return replies


class AsyncClientLink:
    """``ClientLink`` for an asyncio client."""

    __slots__ = ("_client",)

    def __init__(self, client: redis.asyncio.Redis) -> None:
        self._client = client

    async def execute(self, *args: Any) -> Any:
        return await self._client.execute_command(*plain(args))  # type: ignore[no-untyped-call]

    async def execute_many(self, *commands: Command) -> list[Any]:
        pipe = self._client.pipeline(transaction=False)
        for command in commands:
            pipe.execute_command(*plain(command))
        replies: list[Any] = await pipe.execute()
        return replies


def _send(link: Link, request: Request) -> list[Any]:
    return [link.execute(*request[0])] if len(request) == 1 else link.execute_many(*request)


async def _asend(link: AsyncLink, request: Request) -> list[Any]:
    if len(request) == 1:
        return [await link.execute(*request[0])]
    return await link.execute_many(*request)


def run_script(
    link: Link,
    script: LuaScript,
    keys: Sequence[str],
    args: Sequence[Arg | Encoded],
    wait: ReplicaWait | None = None,
    head: Encoded | None = None,
) -> Any:
    """One script run over a blocking link: one round trip, two more after NOSCRIPT."""
    request = script_request(script, keys, args, wait, head)
    try:  # _send, written out: one call less
        replies = [link.execute(*request[0])] if len(request) == 1 else link.execute_many(*request)
    except NoScriptError:
        replies = drive(link, after_noscript(script, request))
    return script_reply(replies, wait)


async def arun_script(
    link: AsyncLink,
    script: LuaScript,
    keys: Sequence[str],
    args: Sequence[Arg | Encoded],
    wait: ReplicaWait | None = None,
    head: Encoded | None = None,
) -> Any:
    """``run_script`` over an asyncio link."""
    request = script_request(script, keys, args, wait, head)
    try:  # _asend, written out: one coroutine less on every call
        if len(request) == 1:
            replies = [await link.execute(*request[0])]
        else:
            replies = await link.execute_many(*request)
    except NoScriptError:
        replies = await adrive(link, after_noscript(script, request))
    return script_reply(replies, wait)
