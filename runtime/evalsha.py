"""Running one Lua script: EVALSHA with a NOSCRIPT fallback, optionally followed by WAIT.

Each script is loaded from package data once, prefixed with ``_common.lua``
(shared helpers; Redis Lua has no ``require``), and run with EVALSHA, falling
back to SCRIPT LOAD when the server answers NOSCRIPT (after a restart or
failover: the script cache is not replicated). With a ``ReplicaWait`` the
script and a ``WAIT replicas timeout`` go out together on one connection, so
the reply comes back only once that many replicas hold the write (or the
timeout passed, which raises ``NotReplicatedError`` carrying the reply).

That protocol is written once, without I/O, as a generator (``script_exchange``):
it yields the commands to send and receives their replies. ``drive`` and
``adrive`` run such an exchange over a blocking or an asyncio link (a
dedicated channel, or a redis-py client through ``ClientLink``).
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import hashlib
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Protocol, TypeVar

import redis
import redis.asyncio
from redis.exceptions import NoScriptError, ResponseError

from .errors import NotReplicatedError
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
    "drive",
    "load_script",
    "script_exchange",
]


@dataclass(frozen=True, slots=True)
class LuaScript:
    name: str
    text: bytes
    sha: str


def load_script(name: str) -> LuaScript:
    lua = resources.files("jobcontracts.runtime") / "lua"
    text = (lua / "_common.lua").read_bytes() + b"\n" + (lua / f"{name}.lua").read_bytes()
    return LuaScript(name, text, hashlib.sha1(text, usedforsecurity=False).hexdigest())


def script_exchange(
    script: LuaScript, keys: Sequence[str], args: Sequence[Arg], wait: ReplicaWait | None
) -> Exchange[Any]:
    """EVALSHA (and WAIT); on NOSCRIPT load the script and send it again, once."""
    evalsha = ("EVALSHA", script.sha, len(keys), *keys, *args)
    request: Request = (
        (evalsha,) if wait is None else (evalsha, ("WAIT", wait.replicas, wait.timeout_ms))
    )
    try:
        replies = yield request
    except NoScriptError:
        yield (("SCRIPT", "LOAD", script.text),)
        replies = yield request
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
            if len(request) == 1:
                replies = [link.execute(*request[0])]
            else:
                replies = link.execute_many(*request)
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
            if len(request) == 1:
                replies = [await link.execute(*request[0])]
            else:
                replies = await link.execute_many(*request)
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
        return self._client.execute_command(*args)  # type: ignore[no-untyped-call]

    def execute_many(self, *commands: Command) -> list[Any]:
        pipe = self._client.pipeline(transaction=False)
        for command in commands:
            pipe.execute_command(*command)  # type: ignore[no-untyped-call]
        replies: list[Any] = pipe.execute()
        return replies


class AsyncClientLink:
    """``ClientLink`` for an asyncio client."""

    __slots__ = ("_client",)

    def __init__(self, client: redis.asyncio.Redis) -> None:
        self._client = client

    async def execute(self, *args: Any) -> Any:
        return await self._client.execute_command(*args)  # type: ignore[no-untyped-call]

    async def execute_many(self, *commands: Command) -> list[Any]:
        pipe = self._client.pipeline(transaction=False)
        for command in commands:
            pipe.execute_command(*command)
        replies: list[Any] = await pipe.execute()
        return replies
