"""Running blocking or CPU-bound handlers off the event loop: ``in_thread`` and ``in_process``.

Both decorators take a plain ``def`` (a top-level function, or a method) and
return a coroutine function with the same parameters and result, so a
handler class using them still satisfies the generated handler Protocol and
the type checkers judge its payload and result types as before.

The worker owns the resources: while ``Worker.run`` runs, a context variable
holds its ``Offload`` (a bounded thread pool and a pool of warm child
processes), which every job task inherits. Outside a worker (a unit test
calling a handler directly) ``in_thread`` uses the loop's default executor
and ``in_process`` starts one child for the call.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import os
from collections.abc import AsyncGenerator, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from types import CoroutineType
from typing import Any, ParamSpec, TypeVar, cast

from .child_calls import OFFLOADED_ATTRIBUTE, ChildTarget
from .child_pool import ChildPool
from .worker_settings import WorkerSettings

P = ParamSpec("P")
R = TypeVar("R")

# The decorators promise ``CoroutineType``, what pyright infers for an ``async def``
# (mypy infers ``Coroutine``, its base): the handler Protocol then matches under both.


class Offload:
    """A worker's thread pool and child-process pool, both created on first use."""

    def __init__(
        self, domain: str, threads: int, processes: int, preload: tuple[str, ...] = ()
    ) -> None:
        self.domain = domain
        self.threads = threads
        self.processes = processes
        self.preload = preload
        self._executor: ThreadPoolExecutor | None = None
        self._children: ChildPool | None = None

    @classmethod
    def for_worker(
        cls, domain: str, settings: WorkerSettings, handlers: Iterable[object]
    ) -> Offload:
        """Sized by the settings; children are warmed at once if any handler runs in one."""
        threads = settings.threads if settings.threads is not None else settings.concurrency
        processes = settings.processes
        if processes is None:
            processes = min(settings.concurrency, os.cpu_count() or 1)
        targets = [t for t in map(ChildTarget.behind, handlers) if t is not None]
        preload = tuple(sorted({t.module for t in targets}))
        offload = cls(domain, threads, processes, preload)
        if targets:
            offload.children().warm()
        return offload

    def executor(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                self.threads, thread_name_prefix=f"jobcontracts-{self.domain}"
            )
        return self._executor

    def children(self) -> ChildPool:
        if self._children is None:
            self._children = ChildPool(self.processes, name=self.domain, preload=self.preload)
        return self._children

    async def close(self) -> None:
        """Stop every child (none is left behind) and the thread pool.

        Threads cannot be stopped: queued calls are dropped, running ones
        finish in the background.
        """
        if self._children is not None:
            await self._children.close()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)


_current: contextvars.ContextVar[Offload | None] = contextvars.ContextVar(
    "jobcontracts_offload", default=None
)


@contextlib.asynccontextmanager
async def offloading(
    domain: str, settings: WorkerSettings, handlers: Iterable[object]
) -> AsyncGenerator[Offload]:
    """Make a worker's ``Offload`` current for the tasks started inside; close it after."""
    offload = Offload.for_worker(domain, settings, handlers)
    token = _current.set(offload)
    try:
        yield offload
    finally:
        _current.reset(token)
        await offload.close()


def in_thread(fn: Callable[P, R]) -> Callable[P, CoroutineType[Any, Any, R]]:
    """Run a blocking ``def`` handler in the worker's thread pool (``WorkerSettings.threads``).

    The job timeout fails the attempt and frees the worker's slot, but a
    thread cannot be killed: the call runs on in the background until it
    returns, holding its pool thread. Use ``in_process`` for work that must
    stop at the timeout.
    """

    @functools.wraps(fn)
    async def run_in_thread(*args: P.args, **kwargs: P.kwargs) -> R:
        offload = _current.get()
        executor = offload.executor() if offload is not None else None
        call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(executor, call)

    return cast("Callable[P, CoroutineType[Any, Any, R]]", run_in_thread)


def in_process(fn: Callable[P, R]) -> Callable[P, CoroutineType[Any, Any, R]]:
    """Run a ``def`` handler in a child process of the worker, killed at the job timeout.

    The child imports the handler by module and qualified name, so it must be
    a top-level function or a method of a top-level class that the child can
    build with no arguments. Arguments and result cross as JSON, validated by
    their annotations on both sides; nothing else of the worker is shared.
    """
    target = ChildTarget.of(fn)

    @functools.wraps(fn)
    async def run_in_child(*args: P.args, **kwargs: P.kwargs) -> R:
        request = target.request(args, kwargs)
        offload = _current.get()
        if offload is not None:
            reply = await offload.children().call(request, target.name)
        else:
            pool = ChildPool(1, name=target.name)
            try:
                reply = await pool.call(request, target.name)
            finally:
                await pool.close()
        result: R = target.result(reply)
        return result

    setattr(run_in_child, OFFLOADED_ATTRIBUTE, target)
    return cast("Callable[P, CoroutineType[Any, Any, R]]", run_in_child)
