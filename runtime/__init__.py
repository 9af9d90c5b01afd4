"""jobcontracts runtime: a small, atomic Redis job runtime for generated job contracts.

The names below are imported on first use, not when the package is: a command
that only reads queue counts should not pay for pydantic, and a worker should
not pay for what only producers use. Type checkers see ordinary imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .redis_otel import skip_sdk_metrics_import

skip_sdk_metrics_import()  # before any module of this package imports redis

if TYPE_CHECKING:
    from .admin import QueueAdmin, QueueCounts
    from .connection import Connection, default_connection
    from .context import JobContext
    from .definitions import JobDefinition, QueueDefinition
    from .durations import Duration
    from .errors import (
        ChildHandlerError,
        ChildProcessDied,
        InvalidOptionsError,
        InvalidPayloadError,
        JobContractsError,
        JobDeadError,
        JobNotFoundError,
        MissingHandlerError,
        NotReplicatedError,
        RedisAccessError,
        ResultTimeoutError,
        RoutingError,
        TopologyError,
        UnknownJobError,
        Unrecoverable,
    )
    from .handle import AsyncJob, Job, JobState
    from .job_records import DeadLetter, JobInfo
    from .offload import in_process, in_thread
    from .options import (
        NO_OVERRIDES,
        Backoff,
        JobDefaults,
        JobOptions,
        RemovePolicy,
        Repeat,
        Retention,
    )
    from .producer import BulkItem, enqueue, enqueue_async, enqueue_many, enqueue_many_async
    from .worker import RateLimit, Worker, WorkerSettings, run_forever, run_workers
    from .worker_info import WorkerInfo

_EXPORTS: dict[str, str] = {
    "AsyncJob": "handle",
    "Backoff": "options",
    "BulkItem": "producer",
    "ChildHandlerError": "errors",
    "ChildProcessDied": "errors",
    "Connection": "connection",
    "DeadLetter": "job_records",
    "Duration": "durations",
    "InvalidOptionsError": "errors",
    "InvalidPayloadError": "errors",
    "Job": "handle",
    "JobContext": "context",
    "JobContractsError": "errors",
    "JobDeadError": "errors",
    "JobDefaults": "options",
    "JobDefinition": "definitions",
    "JobInfo": "job_records",
    "JobNotFoundError": "errors",
    "JobOptions": "options",
    "JobState": "handle",
    "MissingHandlerError": "errors",
    "NO_OVERRIDES": "options",
    "NotReplicatedError": "errors",
    "QueueAdmin": "admin",
    "QueueCounts": "admin",
    "QueueDefinition": "definitions",
    "RateLimit": "worker",
    "RedisAccessError": "errors",
    "RemovePolicy": "options",
    "Repeat": "options",
    "ResultTimeoutError": "errors",
    "Retention": "options",
    "RoutingError": "errors",
    "TopologyError": "errors",
    "UnknownJobError": "errors",
    "Unrecoverable": "errors",
    "Worker": "worker",
    "WorkerInfo": "worker_info",
    "WorkerSettings": "worker",
    "default_connection": "connection",
    "enqueue": "producer",
    "enqueue_async": "producer",
    "enqueue_many": "producer",
    "enqueue_many_async": "producer",
    "in_process": "offload",
    "in_thread": "offload",
    "run_forever": "worker",
    "run_workers": "worker",
}
"""Each public name and the module (of this package) that defines it."""


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__all__ = [
    "NO_OVERRIDES",
    "AsyncJob",
    "Backoff",
    "BulkItem",
    "ChildHandlerError",
    "ChildProcessDied",
    "Connection",
    "DeadLetter",
    "Duration",
    "InvalidOptionsError",
    "InvalidPayloadError",
    "Job",
    "JobContext",
    "JobContractsError",
    "JobDeadError",
    "JobDefaults",
    "JobDefinition",
    "JobInfo",
    "JobNotFoundError",
    "JobOptions",
    "JobState",
    "MissingHandlerError",
    "NotReplicatedError",
    "QueueAdmin",
    "QueueCounts",
    "QueueDefinition",
    "RateLimit",
    "RedisAccessError",
    "RemovePolicy",
    "Repeat",
    "ResultTimeoutError",
    "Retention",
    "RoutingError",
    "TopologyError",
    "UnknownJobError",
    "Unrecoverable",
    "Worker",
    "WorkerInfo",
    "WorkerSettings",
    "default_connection",
    "enqueue",
    "enqueue_async",
    "enqueue_many",
    "enqueue_many_async",
    "in_process",
    "in_thread",
    "run_forever",
    "run_workers",
]
