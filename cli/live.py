"""Which stored jobs would fail on workers generated from the working tree's jobs.yaml.

A stored payload is validated exactly as a new worker will read it: with the
generated payload model (``model_validate_json``), so what passes here passes
there. Jobs recorded with the revision the working tree still has are skipped:
their schema has not changed. The result is a tally per job kind with a few
examples; memory stays bounded by the number of kinds and examples.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from jobcontracts.runtime import Connection, JobDefinition, QueueDefinition
from jobcontracts.runtime.inventory import (
    stored_domains,
    stored_jobs,
    stored_repeats,
)

REPEAT_STATE = "repeat"
"""The state shown for a repeat definition: every future occurrence carries its payload."""
MAX_REASON_ERRORS = 3


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    state: str
    reason: str


@dataclass
class Tally:
    """What ``--live`` found for one job kind (domain and job name)."""

    domain: str
    job: str
    stored: int = 0
    same_revision: int = 0
    """Written under the revision the working tree has: not validated, cannot fail."""
    failing: int = 0
    examples: list[Example] = field(default_factory=list[Example])

    @property
    def checked(self) -> int:
        return self.stored - self.same_revision


def validation_reason(error: ValidationError) -> str:
    """The first few field errors, as a worker's dead-letter reason would name them."""
    details = error.errors(include_url=False)
    parts = [
        f"{'.'.join(str(p) for p in d['loc']) or '<payload>'}: {d['msg']}"
        for d in details[:MAX_REASON_ERRORS]
    ]
    more = len(details) - MAX_REASON_ERRORS
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def _why_not(
    queue: QueueDefinition | None, domain: str, name: str, payload: bytes | str
) -> str | None:
    """Why a new worker would refuse this payload, or ``None`` when it would accept it."""
    if queue is None:
        return f"domain {domain!r} is not in jobs.yaml: no worker will serve its queue"
    definition: JobDefinition[Any, Any] | None = queue.jobs.get(name)
    if definition is None:
        return f"job {name!r} is not in jobs.yaml: it would be dead-lettered as unknown"
    try:
        definition.payload_model.model_validate_json(payload)
    except ValidationError as error:
        return validation_reason(error)
    return None


@dataclass
class LiveCheck:
    """Walk the queues of ``connection`` and tally each stored job against ``queues``."""

    connection: Connection
    queues: Mapping[str, QueueDefinition]
    examples: int = 3
    batch: int = 500
    tallies: dict[tuple[str, str], Tally] = field(default_factory=dict[tuple[str, str], Tally])

    def _record(
        self,
        domain: str,
        name: str,
        ident: str,
        state: str,
        payload: bytes | str,
        revision: str | None,
    ) -> None:
        tally = self.tallies.get((domain, name))
        if tally is None:
            tally = self.tallies[(domain, name)] = Tally(domain, name)
        tally.stored += 1
        queue = self.queues.get(domain)
        definition = queue.jobs.get(name) if queue is not None else None
        if definition is not None and revision is not None and revision == definition.revision:
            tally.same_revision += 1
            return
        reason = _why_not(queue, domain, name, payload)
        if reason is None:
            return
        tally.failing += 1
        if len(tally.examples) < self.examples:
            tally.examples.append(Example(ident, state, reason))

    def run(self) -> list[Tally]:
        """Every domain of the contract and every queue found in Redis, one kind at a time."""
        domains = sorted(set(self.queues) | set(stored_domains(self.connection)))
        for domain in domains:
            for job in stored_jobs(self.connection, domain, self.batch):
                self._record(domain, job.name, job.id, job.state.value, job.payload, job.revision)
            for repeat in stored_repeats(self.connection, domain, self.batch):
                self._record(
                    domain, repeat.name, repeat.key, REPEAT_STATE, repeat.payload, repeat.revision
                )
        return sorted(self.tallies.values(), key=lambda t: (t.domain, t.job))


def failing_total(tallies: Iterable[Tally]) -> int:
    return sum(tally.failing for tally in tallies)
