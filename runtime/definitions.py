"""What a queue holds: job kinds with their payload and result models.

The generated code builds one ``QueueDefinition`` per domain; the runtime knows
no domain and learns everything it needs from this value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .options import JobDefaults

if TYPE_CHECKING:
    from pydantic import BaseModel

PayloadT = TypeVar("PayloadT", bound="BaseModel")
"""Bound by name: reading a queue by name (``jobctl stats``) should not import pydantic."""
ResultT = TypeVar("ResultT")


@dataclass(frozen=True, slots=True)
class JobDefinition(Generic[PayloadT, ResultT]):
    """One job kind: its wire name, its models and its default options.

    ``result_model`` is ``None`` for a job without a result schema; its handler
    returns ``None`` and ``Job.result()`` returns ``None``.
    """

    name: str
    payload_model: type[PayloadT]
    result_model: type[BaseModel] | None
    defaults: JobDefaults = field(default_factory=JobDefaults)
    description: str = ""
    revision: str = ""
    """Short hash of the payload and result schemas this definition was generated from.

    Stored with every job it enqueues, so ``jobctl breaking --live`` can tell
    which queued jobs were written under a schema that has changed since.
    """


@dataclass(frozen=True, slots=True)
class QueueDefinition:
    """One domain: one queue, its job kinds keyed by wire name."""

    domain: str
    jobs: Mapping[str, JobDefinition[Any, Any]]
    description: str = ""
