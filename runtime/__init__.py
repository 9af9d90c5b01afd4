"""jobcontracts runtime: a small, atomic Redis job runtime for generated job contracts."""

from runtime.connection import Connection, default_connection
from runtime.context import JobContext
from runtime.definitions import JobDefinition, QueueDefinition
from runtime.durations import Duration
from runtime.errors import (
    InvalidOptionsError,
    InvalidPayloadError,
    JobContractsError,
    JobDeadError,
    JobNotFoundError,
    MissingHandlerError,
    ResultTimeoutError,
    UnknownJobError,
    Unrecoverable,
)
from runtime.handle import AsyncJob, Job, JobState
from runtime.options import Backoff, JobDefaults, JobOptions, RemovePolicy, Repeat, Retention
from runtime.producer import enqueue, enqueue_async
from runtime.worker import Worker, WorkerSettings

__all__ = [
    "AsyncJob",
    "Backoff",
    "Connection",
    "Duration",
    "InvalidOptionsError",
    "InvalidPayloadError",
    "Job",
    "JobContext",
    "JobContractsError",
    "JobDeadError",
    "JobDefaults",
    "JobDefinition",
    "JobNotFoundError",
    "JobOptions",
    "JobState",
    "MissingHandlerError",
    "QueueDefinition",
    "RemovePolicy",
    "Repeat",
    "ResultTimeoutError",
    "Retention",
    "UnknownJobError",
    "Unrecoverable",
    "Worker",
    "WorkerSettings",
    "default_connection",
    "enqueue",
    "enqueue_async",
]
