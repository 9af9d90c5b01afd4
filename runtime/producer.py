"""Enqueueing: validate the payload, then one round trip to Redis.

INTERFACE STUB: the signatures are fixed (the generated code depends on them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from runtime.connection import Connection
from runtime.definitions import QueueDefinition
from runtime.handle import AsyncJob, Job
from runtime.options import JobOptions


def enqueue(
    queue: QueueDefinition,
    name: str,
    payload: BaseModel | Mapping[str, Any],
    options: JobOptions,
    connection: Connection | None = None,
) -> Job[Any]:
    """Validate ``payload`` against the job's model and add the job; nothing is written if invalid."""
    raise NotImplementedError


async def enqueue_async(
    queue: QueueDefinition,
    name: str,
    payload: BaseModel | Mapping[str, Any],
    options: JobOptions,
    connection: Connection | None = None,
) -> AsyncJob[Any]:
    raise NotImplementedError
