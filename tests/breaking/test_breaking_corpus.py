"""The golden corpus of contract changes: one case per rule and direction, compared exactly.

An expected file is rewritten by ``python -m tests.breaking.regenerate``; the
checks below keep a regenerated file honest: each case must still report the
rule its folder names, in the directions that rule breaks for its role.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jobcontracts.codegen.breaking.catalogue import RULES, rules_table
from jobcontracts.codegen.breaking.contract_diff import compare_contracts, load_contract
from jobcontracts.codegen.breaking.rules import Category, Direction, Role, Rule, directions
from tests.breaking.corpus_support import case_rule, cases, render_case
from tests.golden.support import REPO_ROOT

CASES = cases()


def _findings(case: Path) -> list[tuple[str, str]]:
    old = load_contract((case / "old.yaml").read_text(encoding="utf-8"), "old.yaml")
    new = load_contract((case / "new.yaml").read_text(encoding="utf-8"), "new.yaml")
    return [(f.rule, f.direction.value) for f in compare_contracts(old, new)]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_case_matches_expected(case: Path) -> None:
    expected = (case / "expected").read_text(encoding="utf-8")
    assert render_case(case) == expected, (
        f"regenerate with python -m tests.breaking.regenerate ({case.name})"
    )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_case_reports_its_rule_in_its_directions(case: Path) -> None:
    rule_id, role = case_rule(case)
    found = _findings(case)
    if role == "none":
        assert found == []
        return
    rule = next(rule for rule in RULES if rule.id == rule_id)
    if role in ("payload", "result"):
        assert rule.category is Category.WIRE or rule.category is Category.INFO
        wanted = directions(rule.effect, Role(role)) or (Direction.NONE,)
    elif role == "api":
        assert rule.category is Category.API
        wanted = (Direction.PYTHON_CALLERS,)
    else:
        assert role == "info"
        assert rule.category is Category.INFO
        wanted = (Direction.NONE,)
    for direction in wanted:
        assert (rule_id, direction.value) in found, (case.name, found)


def _roles_needing_a_case(rule: Rule) -> set[str]:
    if rule.category is Category.API:
        return {"api"}
    if rule.category is Category.INFO and rule.roles == (Role.PAYLOAD,):
        return {"info"}  # about jobs and options, not about a schema
    return {role.value for role in rule.roles}


def test_every_rule_has_a_case_for_each_role_it_applies_to() -> None:
    covered = {case_rule(case) for case in CASES}
    for rule in RULES:
        for role in _roles_needing_a_case(rule):
            assert (rule.id, role) in covered, (rule.id, role)


def test_readme_rule_table_is_the_catalogue() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert rules_table() in readme, "paste rules_table() into README.md"


def test_corpus_folders_name_known_rules() -> None:
    known = {rule.id for rule in RULES} | {""}
    for case in CASES:
        assert case_rule(case)[0] in known, case.name
