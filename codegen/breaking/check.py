"""Load both sides of a comparison and compare them; every input problem is one line."""

from __future__ import annotations

from pathlib import Path

from ..errors import SpecError
from .contract_diff import Contract, Finding, compare_contracts, load_contract
from .sources import Source, SourceError, read_file


def load_new(spec: Path) -> Contract:
    """The working tree's contract; its problems are reported like ``jobctl check`` does."""
    source = read_file(spec)
    return load_contract(source.text, source.name)


def load_old(source: Source) -> Contract:
    """The contract compared against; an invalid one is a usage error, not a finding."""
    try:
        return load_contract(source.text, source.name)
    except SpecError as error:
        first = error.problems[0].render() if error.problems else "no details"
        count = len(error.problems)
        raise SourceError(
            f"the old contract {source.name} is not valid ({count} problem(s)), first: {first}"
        ) from None


def find_breaks(spec: Path, against: Source) -> list[Finding]:
    """Findings of the working tree's ``spec`` against ``against``.

    Raises ``SourceError`` (one line) or ``SpecError`` (the new file's problems).
    """
    old = load_old(against)
    return compare_contracts(old, load_new(spec))


__all__ = ["SourceError", "find_breaks", "load_new", "load_old", "read_file"]
