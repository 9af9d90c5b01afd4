"""Running one Lua script: EVALSHA with a NOSCRIPT fallback, optionally followed by WAIT.

Each script is loaded from package data once, prefixed with ``_common.lua``
(shared helpers; Redis Lua has no ``require``), and run with EVALSHA, falling
back to SCRIPT LOAD when the server answers NOSCRIPT (after a restart or
failover: the script cache is not replicated). With a ``ReplicaWait`` the
script and a ``WAIT replicas timeout`` go out together on one connection, so
the reply comes back only once that many replicas hold the write (or the
timeout passed, which raises ``NotReplicatedError`` carrying the reply).
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import redis
import redis.asyncio
from redis.exceptions import NoScriptError

from .channel import AsyncFastLane, RawChannel, SyncChannel
from .errors import NotReplicatedError
from .topology import ReplicaWait

Arg = str | bytes | int | float

__all__ = ["Arg", "LuaScript", "NotReplicatedError", "load_script"]


@dataclass(frozen=True, slots=True)
class LuaScript:
    name: str
    text: bytes
    sha: str


def load_script(name: str) -> LuaScript:
    lua = resources.files("jobcontracts.runtime") / "lua"
    text = (lua / "_common.lua").read_bytes() + b"\n" + (lua / f"{name}.lua").read_bytes()
    return LuaScript(name, text, hashlib.sha1(text, usedforsecurity=False).hexdigest())


def _evalsha(script: LuaScript, keys: Sequence[str], args: Sequence[Arg]) -> tuple[Any, ...]:
    return ("EVALSHA", script.sha, len(keys), *keys, *args)


def _waited(replies: list[Any], wait: ReplicaWait) -> Any:
    reply, acked = replies
    if int(acked) < wait.replicas:
        raise NotReplicatedError(
            f"write acknowledged by {acked} of {wait.replicas} replica(s) within "
            f"{wait.timeout_ms} ms; it is on the primary, but a failover now could lose it",
            acked=int(acked),
            reply=reply,
        )
    return reply


def _wait_command(wait: ReplicaWait) -> tuple[Any, ...]:
    return ("WAIT", wait.replicas, wait.timeout_ms)


def run_sync(
    client: redis.Redis,
    script: LuaScript,
    keys: Sequence[str],
    args: Sequence[Arg],
    wait: ReplicaWait | None = None,
) -> Any:
    for attempt in (1, 2):
        try:
            if wait is None:
                return client.evalsha(script.sha, len(keys), *keys, *args)
            pipe = client.pipeline(transaction=False)
            pipe.evalsha(script.sha, len(keys), *keys, *args)
            pipe.wait(wait.replicas, wait.timeout_ms)
            return _waited(pipe.execute(), wait)
        except NoScriptError:
            if attempt == 2:
                raise
            client.script_load(script.text)  # pyright: ignore[reportUnknownMemberType]
    raise AssertionError("unreachable")


def run_sync_channel(
    channel: SyncChannel,
    script: LuaScript,
    keys: Sequence[str],
    args: Sequence[Arg],
    wait: ReplicaWait | None = None,
) -> Any:
    command = _evalsha(script, keys, args)
    try:
        if wait is None:
            return channel.execute(*command)
        return _waited(channel.execute_many(command, _wait_command(wait)), wait)
    except NoScriptError:
        channel.execute("SCRIPT", "LOAD", script.text)
        if wait is None:
            return channel.execute(*command)
        return _waited(channel.execute_many(command, _wait_command(wait)), wait)


async def run_channel(
    channel: RawChannel | AsyncFastLane,
    script: LuaScript,
    keys: Sequence[str],
    args: Sequence[Arg],
    wait: ReplicaWait | None = None,
) -> Any:
    command = _evalsha(script, keys, args)
    for attempt in (1, 2):
        try:
            if wait is None:
                return await channel.execute(*command)
            return _waited(await channel.execute_many(command, _wait_command(wait)), wait)
        except NoScriptError:
            if attempt == 2:
                raise
            await channel.execute("SCRIPT", "LOAD", script.text)
    raise AssertionError("unreachable")


async def run_async(
    client: redis.asyncio.Redis,
    script: LuaScript,
    keys: Sequence[str],
    args: Sequence[Arg],
    wait: ReplicaWait | None = None,
) -> Any:
    for attempt in (1, 2):
        try:
            if wait is None:
                return await client.evalsha(script.sha, len(keys), *keys, *args)
            pipe = client.pipeline(transaction=False)
            pipe.evalsha(script.sha, len(keys), *keys, *args)
            pipe.wait(wait.replicas, wait.timeout_ms)
            return _waited(await pipe.execute(), wait)
        except NoScriptError:
            if attempt == 2:
                raise
            await client.script_load(script.text)  # pyright: ignore[reportUnknownMemberType]
    raise AssertionError("unreachable")
