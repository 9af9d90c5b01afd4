"""From a spec file to the complete, formatted output tree, in memory.

Nothing touches the output directory here: ``generate`` and ``check`` share
this function and only differ in what they do with the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import Problem, SpecError
from .escape import docstring
from .formatting import format_sources
from .ir import ContractSet
from .load import load_yaml
from .model_source import models_module
from .render import HEADER, render_domain, render_root
from .validate import validate


@dataclass(frozen=True, slots=True)
class Generated:
    contracts: ContractSet
    files: dict[str, str]
    """Relative POSIX path -> file content, sorted by path."""


def read_spec(spec_path: Path, display_name: str | None = None) -> ContractSet:
    """Load and validate; problems name the file as the user gave it."""
    name = display_name if display_name is not None else str(spec_path)
    try:
        text = spec_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError(
            [Problem(name, 1, 1, "<document>", f"cannot read the spec: {error}")]
        ) from None
    return validate(load_yaml(text, name))


def generate_tree(contracts: ContractSet) -> Generated:
    sources: dict[str, str] = {"__init__.py": render_root(contracts)}
    for domain in contracts.domains:
        for name, text in render_domain(domain).items():
            sources[f"{domain.key}/{name}"] = text
        sources[f"{domain.key}/models.py"] = models_module(
            domain,
            HEADER
            + "\n"
            + docstring(f"Pydantic models of the {domain.key} payloads and results.")
            + "\n\n",
        )
    formatted = format_sources(sources)
    return Generated(contracts=contracts, files=dict(sorted(formatted.items())))


def generate_from_file(spec_path: Path, display_name: str | None = None) -> Generated:
    return generate_tree(read_spec(spec_path, display_name))
