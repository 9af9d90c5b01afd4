"""jobcontracts runtime: a small, atomic Redis job runtime for generated job contracts."""

from .admin import DeadLetter, JobInfo, QueueAdmin, QueueCounts
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
from .offload import in_process, in_thread
from .options import Backoff, JobDefaults, JobOptions, RemovePolicy, Repeat, Retention
from .producer import BulkItem, enqueue, enqueue_async, enqueue_many, enqueue_many_async
from .worker import RateLimit, Worker, WorkerSettings, run_forever, run_workers
from .workers import WorkerInfo

__all__ = [
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
