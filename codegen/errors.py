"""Problems found in a spec, collected as values so one run can report all of them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True, slots=True)
class Problem:
    """One thing wrong with the spec, anchored to the YAML node it is about.

    ``line`` and ``col`` are 1-based; ``where`` is the dotted path of the node
    (``domains.github.jobs.sync_data.timeout``) so the message stays useful
    without an editor that jumps to positions.
    """

    file: str
    line: int
    col: int
    where: str
    message: str

    def render(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.where}: {self.message}"


class SpecError(Exception):
    """The spec is invalid; carries every problem found, in file order."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(set(problems)))
        super().__init__("\n".join(problem.render() for problem in self.problems))


class GeneratorBug(Exception):
    """The generator produced code that failed its own self-checks.

    Raised instead of writing output that could be broken; it is never the
    user's fault, so it is not a ``Problem``.
    """
