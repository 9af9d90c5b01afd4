"""The breaking-change corpus: one folder per rule and direction with old.yaml, new.yaml, expected.

Folders are named ``<case>__<role>``; ``role`` is ``payload`` or ``result`` for
wire rules (which directions break follows from the rule and the role),
``api`` for a Python-API break, ``info`` for a change reported as information
and ``none`` for a change that must produce no finding at all.
"""

from __future__ import annotations

from pathlib import Path

from jobcontracts.codegen.breaking.contract_diff import compare_contracts, load_contract
from jobcontracts.codegen.breaking.report import render_line, summary

CORPUS = Path(__file__).parent / "corpus"

ALIASES = {
    "nullable_removed_any_of": "NULLABLE_REMOVED",
    "nullable_added_enum": "NULLABLE_ADDED",
    "schema_changed_unmodelled_keyword": "SCHEMA_CHANGED",
    "nullable_type_but_not_enum": "",
    "enum_const_changed": "ENUM_NARROWED",
    "enum_imposed": "ENUM_NARROWED",
    "enum_lifted": "ENUM_EXTENDED",
    "type_narrowed_from_any": "TYPE_NARROWED",
    "range_exclusive_tightened": "RANGE_TIGHTENED",
    "items_schema_narrowed": "TYPE_NARROWED",
    "map_values_widened": "TYPE_WIDENED",
    "nested_object_required_added": "PROPERTY_BECAME_REQUIRED",
    "job_removed_and_other_added": "JOB_REMOVED",
    "ref_target_inlined": "REF_TARGET_CHANGED",
    "ref_target_changed_in_result": "REF_TARGET_CHANGED",
    "definition_changed": "RANGE_TIGHTENED",
    "ref_target_changed_shape": "PROPERTY_ADDED_REQUIRED",
    "description_only": "",
    "unchanged": "",
}
"""Cases whose name is not the rule they exercise (another spelling of the same change)."""


def cases() -> list[Path]:
    return sorted(path for path in CORPUS.iterdir() if (path / "new.yaml").is_file())


def case_rule(case: Path) -> tuple[str, str]:
    """The rule a case exercises and the role it plays in: from the folder name."""
    stem, _, role = case.name.rpartition("__")
    return ALIASES.get(stem, stem.upper()), role


def render_case(case: Path) -> str:
    """What ``jobctl breaking --format text`` prints for the case, file names relative."""
    old = load_contract((case / "old.yaml").read_text(encoding="utf-8"), "old.yaml")
    new = load_contract((case / "new.yaml").read_text(encoding="utf-8"), "new.yaml")
    findings = compare_contracts(old, new)
    lines = [render_line(finding) for finding in findings]
    lines.append(summary(findings))
    return "\n".join(lines) + "\n"
