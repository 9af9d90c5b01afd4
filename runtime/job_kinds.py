"""What enqueueing one job of a kind needs, worked out once per kind.

Every enqueue looks up its job kind, judges the payload by the kind's schema,
resolves the kind's default options and lays out the ``add_jobs.lua``
arguments. Most calls override no option, so all of that but the payload and
the id is the same for every job of a kind: ``JobKind`` holds it, and the
producer's per-job work is the payload's JSON, one id and one tuple.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from pydantic import BaseModel

from .contract import ContractModel, to_wire
from .definitions import JobDefinition, QueueDefinition
from .errors import InvalidOptionsError
from .options import NO_OVERRIDES
from .resolution import ResolvedOptions, resolve
from .serialization import Payload, compact_json, dump_job_payload, job_definition

__all__ = ["KINDS", "JobKind", "job_kind"]


@dataclass(frozen=True, slots=True)
class JobKind:
    """One job kind as the producer uses it on every enqueue."""

    definition: JobDefinition[Any, Any]
    result_model: type[BaseModel] | None
    judge: Callable[[Any], bool] | None
    """The payload schema's yes/no judge, or ``None`` for a payload model that is not a
    ``ContractModel`` (validated by pydantic, through ``dump_job_payload``)."""
    defaults: ResolvedOptions | None
    """The kind's own options resolved, or ``None`` if they do not resolve (each call then
    resolves them, and raises, after judging its payload, as it would without this)."""
    default_tail: tuple[str | int, ...]
    """The ``AddJobArgs`` fields after id, payload and name of a job with ``defaults``, no
    repeat and no trace context (empty when ``defaults`` is ``None``)."""

    def payload_json(self, queue: QueueDefinition, name: str, payload: Payload) -> str:
        """``dump_job_payload``'s JSON, judged by the same schema; the long way only to
        say what is wrong (or for a model that is not a ``ContractModel``)."""
        judge = self.judge
        if judge is not None:
            try:
                wire = to_wire(payload)
            except ValueError:
                pass  # dump_job_payload below says why
            else:
                if judge(wire):
                    return compact_json(wire)
        return dump_job_payload(queue, name, self.definition, payload)


KINDS: dict[int, JobKind] = {}
"""By ``id`` of the ``JobDefinition``; each entry holds its definition, so no id is reused."""


def job_kind(queue: QueueDefinition, name: str) -> JobKind:
    """The kind ``name`` of ``queue``; raises ``UnknownJobError`` for a name it lacks."""
    definition = queue.jobs.get(name)
    kind = KINDS.get(id(definition))
    if kind is not None and kind.definition is definition:
        return kind
    definition = job_definition(queue, name)
    kind = KINDS[id(definition)] = _kind(definition)
    return kind


def _kind(definition: JobDefinition[Any, Any]) -> JobKind:
    model: type[BaseModel] = definition.payload_model
    judge = model.contract_checker().judge if issubclass(model, ContractModel) else None
    try:
        defaults: ResolvedOptions | None = resolve(definition, NO_OVERRIDES)
    except InvalidOptionsError:
        defaults = None
    tail: tuple[str | int, ...] = ()
    if defaults is not None:  # the fields ResolvedOptions.wire lays out after id, payload, name
        tail = cast("tuple[str | int, ...]", defaults.wire(definition.name, "")[3:])
    return JobKind(definition, definition.result_model, judge, defaults, tail)
