"""The parent side of ``in_process``: a small pool of warm child processes.

A child is ``python -m jobcontracts.runtime.child_process``; it answers one
JSON line per JSON line on its stdin, so a job costs a round trip through a
pipe, not a Python start-up. At most ``size`` children live at once; a call
waits for a free one. A child whose call is cancelled (the job timed out,
the worker is stopping, the lease was lost) is stopped at once: SIGTERM,
then SIGKILL after ``KILL_GRACE_S``. A child that dies mid-call (a crash,
``os._exit``, a kill from outside) fails that call with ``ChildProcessDied``
and is replaced by the next call. ``close`` stops every child, busy or idle.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Mapping
from typing import Any

from .errors import ChildProcessDied

CHILD_MODULE = "jobcontracts.runtime.child_process"
KILL_GRACE_S = 1.0
"""How long a child has to exit after SIGTERM before it is SIGKILLed."""
LINE_LIMIT = 256 * 1024 * 1024
"""The largest reply line read from a child (payloads and results are JSON lines)."""


def _how_it_ended(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


class _Child:
    """One child process and its two pipes."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.pid = process.pid

    async def exchange(self, line: bytes, name: str) -> Mapping[str, Any]:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None
        assert stdout is not None
        try:
            stdin.write(line)
            await stdin.drain()
            raw = await stdout.readline()
        except (BrokenPipeError, ConnectionResetError):
            raw = b""
        if not raw.endswith(b"\n"):
            returncode = await self.process.wait()
            raise ChildProcessDied(
                f"child process {self.pid} running {name} {_how_it_ended(returncode)}"
                " before it replied"
            )
        reply: Mapping[str, Any] = json.loads(raw)
        return reply

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL after the grace; returns once the child is reaped."""
        process = self.process
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            try:
                await asyncio.wait_for(process.wait(), KILL_GRACE_S)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        if process.stdin is not None:
            process.stdin.close()


async def _spawn(preload: tuple[str, ...]) -> _Child:
    """Start a child and wait until it has imported ``preload`` and is reading requests."""
    # The child imports handlers the way this process does.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        CHILD_MODULE,
        str(os.getpid()),
        *preload,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env=env,
        limit=LINE_LIMIT,
    )
    child = _Child(process)
    try:
        assert process.stdout is not None
        ready = await process.stdout.readline()
    except BaseException:
        await child.stop()
        raise
    if not ready.endswith(b"\n"):
        returncode = await process.wait()
        raise ChildProcessDied(f"child process {child.pid} {_how_it_ended(returncode)} at start")
    return child


class ChildPool:
    """Up to ``size`` reusable children; ``call`` runs one request in one of them.

    ``warm`` starts children ahead of the first call, and a child lost to a
    kill or a crash is replaced in the background, so calls rarely wait for a
    Python start-up (about a second with pydantic and redis to import).
    """

    def __init__(self, size: int, *, name: str, preload: tuple[str, ...] = ()) -> None:
        if size < 1:
            raise ValueError("a child pool needs at least one process")
        self.name = name
        self.size = size
        self._preload = preload
        self._slots = asyncio.Semaphore(size)
        self._idle: list[_Child] = []
        self._busy: set[_Child] = set()
        self._starting: set[asyncio.Task[_Child]] = set()
        self._stopping: set[asyncio.Task[None]] = set()
        self._closed = False
        self._keep_warm = False

    def pids(self) -> set[int]:
        """The process ids of the living children (busy or idle)."""
        return {child.pid for child in (*self._idle, *self._busy)}

    def warm(self) -> None:
        """Start children in the background until ``size`` are alive or starting, and keep it so."""
        self._keep_warm = True
        while not self._closed and self._alive() < self.size:
            task = asyncio.ensure_future(_spawn(self._preload))
            self._starting.add(task)
            task.add_done_callback(self._started)

    def _alive(self) -> int:
        return len(self._idle) + len(self._busy) + len(self._starting)

    def _started(self, task: asyncio.Task[_Child]) -> None:
        self._starting.discard(task)
        if task.cancelled() or task.exception() is not None:
            return  # the next call that needs a child starts one and reports why
        child = task.result()
        if self._closed:
            self._stop_later(child)
        else:
            self._idle.append(child)

    async def _take(self) -> _Child:
        """An idle child, else one that is starting, else a new one (the caller holds a slot)."""
        while not self._idle and self._starting:
            await asyncio.wait(set(self._starting), return_when=asyncio.FIRST_COMPLETED)
        if self._idle:
            return self._idle.pop()
        return await _spawn(self._preload)

    async def call(self, request: Mapping[str, object], name: str) -> Mapping[str, Any]:
        """Send one request and wait for its reply; a cancelled call stops its child."""
        line = json.dumps(request, separators=(",", ":")).encode() + b"\n"
        async with self._slots:
            if self._closed:
                raise ChildProcessDied(f"the child processes of {self.name} are shut down")
            child = await self._take()
            self._busy.add(child)
            try:
                reply = await child.exchange(line, name)
            except BaseException:
                self._busy.discard(child)
                if self._keep_warm:
                    self.warm()  # a replacement starts while this one is stopped
                await self._stop(child)
                raise
            self._busy.discard(child)
            if self._closed:
                await self._stop(child)
            else:
                self._idle.append(child)
            return reply

    async def _stop(self, child: _Child) -> None:
        """Stop ``child``; a second cancellation cannot leave it running (shielded)."""
        await asyncio.shield(self._stop_later(child))

    async def close(self) -> None:
        """Stop every child, idle, busy or starting, and wait until all are reaped."""
        self._closed = True
        for task in self._starting:
            task.cancel()
        children = [*self._idle, *self._busy]
        self._idle.clear()
        for child in children:
            self._stop_later(child)
        while self._starting or self._stopping:
            await asyncio.gather(*self._starting, *self._stopping, return_exceptions=True)

    def _stop_later(self, child: _Child) -> asyncio.Task[None]:
        task = asyncio.ensure_future(child.stop())
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)
        return task
