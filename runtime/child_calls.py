"""The JSON boundary of ``in_process``: naming a handler, and its arguments and result as JSON.

Parent and child share this one description of a call, so the two sides
cannot drift. A handler is named ``module:qualname``; each argument crosses
as JSON made from its value by the parameter's annotation and is validated
back into that type in the child (a pydantic payload model comes back as the
model). A ``JobContext`` crosses as its fields, and the child gives it a
logger of its own. The result crosses the same way, by the return annotation.
No pickle: nothing but JSON types ever crosses.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import sys
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import cached_property
from typing import Any

from pydantic import TypeAdapter

from .context import JobContext
from .errors import ChildHandlerError, Unrecoverable

OFFLOADED_ATTRIBUTE = "__jobcontracts_offloaded__"
"""Set on the coroutine function ``in_process`` returns: its ``ChildTarget``."""

Reply = Mapping[str, Any]


class RemoteTraceback(Exception):
    """The child's traceback text, chained as the cause so error histories show it."""

    def __str__(self) -> str:
        return str(self.args[0])


def _module_name(fn: Callable[..., object]) -> str:
    module = fn.__module__
    if module != "__main__":
        return module
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is None:
        raise TypeError(
            f"in_process handler {fn.__qualname__} is defined in the script being run"
            " (__main__), which a child process cannot import: move it into a module"
        )
    return str(spec.name)


def _find(module: object, name: str) -> tuple[object, object]:
    """The owner (module or class) of ``name``'s qualname within ``module``, and the attribute."""
    owner = module
    *path, last = name.partition(":")[2].split(".")
    for part in path:
        owner = getattr(owner, part)
    attribute = inspect.getattr_static(owner, last)
    if isinstance(attribute, staticmethod | classmethod):
        raise TypeError(f"{name}: in_process runs functions and plain methods only")
    return owner, attribute


def _context_fields(ctx: JobContext) -> dict[str, object]:
    return {
        "job_id": ctx.job_id,
        "domain": ctx.domain,
        "job_name": ctx.job_name,
        "attempt": ctx.attempt,
        "attempts": ctx.attempts,
        "enqueued_at": ctx.enqueued_at.isoformat(),
    }


def _context_from(fields: Mapping[str, Any]) -> JobContext:
    extra = {k: fields[k] for k in ("job_id", "domain", "job_name", "attempt")}
    logger = logging.getLogger(f"jobcontracts.job.{fields['domain']}")
    return JobContext(
        str(fields["job_id"]),
        str(fields["domain"]),
        str(fields["job_name"]),
        int(fields["attempt"]),
        int(fields["attempts"]),
        datetime.fromisoformat(str(fields["enqueued_at"])),
        logging.LoggerAdapter(logger, extra),
    )


class ChildTarget:
    """One ``in_process`` handler: its name for the child and how its values cross."""

    def __init__(self, name: str, fn: Callable[..., object]) -> None:
        self.name = name
        self.fn = fn

    @cached_property
    def is_method(self) -> bool:
        """Whether calls pass ``self`` first (looked up once the class exists)."""
        owner, _ = _find(sys.modules[self.fn.__module__], self.name)
        return isinstance(owner, type)

    @property
    def module(self) -> str:
        return self.name.partition(":")[0]

    @staticmethod
    def behind(handler: object) -> ChildTarget | None:
        """The target of an ``in_process`` handler (a function or bound method), else None."""
        fn = getattr(handler, "__func__", handler)
        target = getattr(fn, OFFLOADED_ATTRIBUTE, None)
        return target if isinstance(target, ChildTarget) else None

    @classmethod
    def of(cls, fn: Callable[..., object]) -> ChildTarget:
        """Refuse at decoration time what a child could never import."""
        qualname = getattr(fn, "__qualname__", repr(fn))
        if not inspect.isfunction(fn) or inspect.iscoroutinefunction(fn) or "<" in qualname:
            raise TypeError(
                f"in_process needs a plain 'def' at module level or in a module-level class;"
                f" got {qualname}, which a child process cannot import and run"
            )
        return cls(f"{_module_name(fn)}:{qualname}", fn)

    @cached_property
    def _parameters(self) -> list[tuple[str, TypeAdapter[Any] | None]]:
        """(name, adapter) per parameter after ``self``; ``None`` marks a ``JobContext``."""
        hints = typing.get_type_hints(self.fn)
        params = list(inspect.signature(self.fn).parameters.values())
        if self.is_method:
            params = params[1:]
        out: list[tuple[str, TypeAdapter[Any] | None]] = []
        for param in params:
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                raise TypeError(f"in_process handler {self.name}: *args/**kwargs cannot cross")
            hint = hints.get(param.name, Any)
            out.append((param.name, None if hint is JobContext else TypeAdapter(hint)))
        return out

    @cached_property
    def _returns(self) -> TypeAdapter[Any]:
        return TypeAdapter(typing.get_type_hints(self.fn).get("return", Any))

    def _adapter(self, position: int | str) -> TypeAdapter[Any] | None:
        params = self._parameters
        if isinstance(position, int):
            return params[position][1]
        return dict(params)[position]

    def _encode(self, adapter: TypeAdapter[Any] | None, value: object) -> object:
        if adapter is None:
            assert isinstance(value, JobContext)
            return _context_fields(value)
        return adapter.dump_python(value, mode="json", by_alias=True)

    def _decode(self, adapter: TypeAdapter[Any] | None, value: Any) -> object:
        return _context_from(value) if adapter is None else adapter.validate_python(value)

    # ------------------------------------------------------------ parent side
    def request(self, args: Sequence[object], kwargs: Mapping[str, object]) -> dict[str, object]:
        """The JSON-ready call; a method's ``self`` stays behind (the child makes its own)."""
        positional = args[1:] if self.is_method else args
        return {
            "target": self.name,
            "args": [self._encode(self._adapter(i), v) for i, v in enumerate(positional)],
            "kwargs": {k: self._encode(self._adapter(k), v) for k, v in kwargs.items()},
        }

    def result(self, reply: Reply) -> Any:
        """The handler's return value, or its exception raised here with the child's traceback."""
        error = reply.get("error")
        if error is None:
            return self._returns.validate_python(reply.get("ok"))
        summary = f"{error['type']}: {error['message']}"
        remote = RemoteTraceback(str(error.get("traceback", "")))
        if error.get("unrecoverable"):
            raise Unrecoverable(summary) from remote
        raise ChildHandlerError(
            f"{summary} (in child process {reply.get('pid')} running {self.name})",
            type_name=str(error["type"]),
            traceback_text=str(error.get("traceback", "")),
        ) from remote

    # ------------------------------------------------------------ child side
    def call(self, bound: Callable[..., object], request: Mapping[str, Any]) -> object:
        """Decode the arguments, run the handler and encode what it returned."""
        args = [self._decode(self._adapter(i), v) for i, v in enumerate(request["args"])]
        kwargs = {k: self._decode(self._adapter(k), v) for k, v in request["kwargs"].items()}
        return self._returns.dump_python(bound(*args, **kwargs), mode="json", by_alias=True)


class Resolver:
    """The child's lookup of ``module:qualname``, with one instance per handler class."""

    def __init__(self) -> None:
        self._found: dict[str, tuple[ChildTarget, Callable[..., object]]] = {}

    def resolve(self, name: str) -> tuple[ChildTarget, Callable[..., object]]:
        found = self._found.get(name)
        if found is None:
            found = self._found[name] = self._import(name)
        return found

    @staticmethod
    def _import(name: str) -> tuple[ChildTarget, Callable[..., object]]:
        owner, attribute = _find(importlib.import_module(name.partition(":")[0]), name)
        target = ChildTarget.behind(attribute)
        if target is None:
            raise TypeError(f"{name} is not a handler decorated with in_process")
        fn = target.fn
        if not isinstance(owner, type):
            return target, fn
        try:
            instance = owner()
        except TypeError as error:
            raise TypeError(
                f"the child process builds its own {owner.__qualname__}() to run {name},"
                f" and could not: {error}"
            ) from error
        return target, types.MethodType(fn, instance)
