"""The catalogue of contract changes ``jobctl breaking`` recognises, by stable rule ID.

A rule says what changed and how the set of accepted documents moved: a change
that makes a schema accept *less* (``NARROWS``) breaks whoever reads data
written under the old schema; one that makes it accept *more* (``WIDENS``)
breaks readers still on the old schema. Whether that is a worker or a result
reader follows from the schema's role (payload or result), so one rule serves
both and the mirror rules for results come for free.

The rules themselves are listed in ``catalogue``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, Flag, auto


class Effect(Flag):
    """How a wire change moves the set of documents a schema accepts."""

    NONE = 0
    NARROWS = auto()
    WIDENS = auto()


class Category(Enum):
    WIRE = "wire"
    """Data written under one contract is rejected under the other."""
    API = "api"
    """The wire is intact, but code written against the generated Python API breaks."""
    INFO = "info"
    """Worth knowing at review time; nothing breaks."""


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITY = {
    Category.WIRE: Severity.ERROR,
    Category.API: Severity.WARNING,
    Category.INFO: Severity.INFO,
}


class Role(Enum):
    PAYLOAD = "payload"
    RESULT = "result"


class Direction(Enum):
    OLD_PAYLOADS_TO_NEW_WORKERS = "old-payloads-to-new-workers"
    NEW_PAYLOADS_TO_OLD_WORKERS = "new-payloads-to-old-workers"
    OLD_RESULTS_TO_NEW_READERS = "old-results-to-new-readers"
    NEW_RESULTS_TO_OLD_READERS = "new-results-to-old-readers"
    PYTHON_CALLERS = "python-callers"
    NONE = "none"


def directions(effect: Effect, role: Role) -> tuple[Direction, ...]:
    """Who is broken by a wire change with ``effect`` on a ``role`` schema.

    A payload is a request that is read later: new workers read payloads queued
    before the deploy, and old workers read new payloads while a deploy rolls.
    A result flows the other way, from the worker to whoever reads it.
    """
    found: list[Direction] = []
    if Effect.NARROWS in effect:
        found.append(
            Direction.OLD_PAYLOADS_TO_NEW_WORKERS
            if role is Role.PAYLOAD
            else Direction.OLD_RESULTS_TO_NEW_READERS
        )
    if Effect.WIDENS in effect:
        found.append(
            Direction.NEW_PAYLOADS_TO_OLD_WORKERS
            if role is Role.PAYLOAD
            else Direction.NEW_RESULTS_TO_OLD_READERS
        )
    return tuple(found)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    category: Category
    effect: Effect
    changes: str
    """What changed, for the README table and ``--format json``."""
    why: str
    """Why it breaks (or why it does not), in one sentence."""
    roles: tuple[Role, ...] = (Role.PAYLOAD, Role.RESULT)
    """Which schemas the rule can fire on; domain and job rules are about payloads."""

    def breaks(self) -> str:
        """Who is broken, in words: the README's "breaks" column."""
        if self.category is Category.API:
            return "Python callers (the wire is intact)"
        found = [d.value for role in self.roles for d in directions(self.effect, role)]
        return ", ".join(found) if found else "nothing (information)"
