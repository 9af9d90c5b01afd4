"""From a generated ``JobName`` member to its domain package: the queue and the payload schemas."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from enum import Enum
from types import ModuleType
from typing import Any

from ..definitions import QueueDefinition


def _sibling(name: Enum, module: str) -> ModuleType:
    package = type(name).__module__.rpartition(".")[0]
    try:
        return importlib.import_module(f"{package}.{module}")
    except ImportError as error:
        raise TypeError(
            f"expected a member of a generated JobName (e.g. JobName.SYNC_DATA), not {name!r}; "
            f"{package}.{module} cannot be imported ({error}): run `jobctl generate`?"
        ) from error


def queue_of(name: Enum) -> QueueDefinition:
    """The ``QUEUE`` of the domain package that generated ``name``'s enum."""
    queue: object = getattr(_sibling(name, "queue"), "QUEUE", None)
    if not isinstance(queue, QueueDefinition) or str(name.value) not in queue.jobs:
        raise TypeError(f"{name!r} is not a job of a generated domain package")
    return queue


def payload_schema_of(name: Enum) -> Mapping[str, Any]:
    """The job's payload JSON Schema from the generated ``schemas.py``."""
    schemas: Mapping[str, Mapping[str, Any]] = getattr(
        _sibling(name, "schemas"), "PAYLOAD_SCHEMAS", {}
    )
    if str(name.value) not in schemas:
        raise TypeError(f"no payload schema for {name!r}; regenerate with `jobctl generate`")
    return schemas[str(name.value)]
