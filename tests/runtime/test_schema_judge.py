"""The compiled judge and the explaining walk give the same verdict on every value.

Payloads are judged by ``schema_judge`` first and explained by
``json_schema.SchemaChecker`` only when refused; a value on which the two
disagree would be accepted without a reason or refused with none. So both run
on every case of the draft-7 suite the contracts admit (schemas as the models
carry them) and on generated values against the project's own contracts, where
the narrowed node shapes (one type, a few keywords) are most of what runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import generated.email.models as email_models
import generated.github.models as github_models
from jobcontracts.codegen.contract_schema import contract_schema
from jobcontracts.codegen.load import as_list, as_mapping
from jobcontracts.runtime.contract import ContractModel
from jobcontracts.runtime.json_schema import SchemaChecker
from jobcontracts.runtime.schema_judge import SchemaJudge
from jobcontracts.runtime.testing.strategies import from_schema
from tests.conformance.harness import load_groups, mark_refused


def _suite_cases() -> list[tuple[str, dict[str, Any], Any, bool]]:
    groups = load_groups()
    mark_refused(groups)
    cases: list[tuple[str, dict[str, Any], Any, bool]] = []
    for group in groups:
        if group.refused is not None:
            continue
        raw: Any = group.schema
        definitions: Mapping[str, Any] = (as_mapping(raw) or {}).get("definitions", {})
        schema = contract_schema(raw, definitions)
        for case in group.cases:
            cases.append((f"{group.file}: {case.description}", schema, case.data, case.valid))
    return cases


def test_the_judge_and_the_explainer_agree_on_the_draft7_suite() -> None:
    cases = _suite_cases()
    wrong: list[str] = []
    for name, schema, data, valid in cases:
        judged = SchemaJudge(schema).judge(data)
        explained = not SchemaChecker(schema).explain(data)
        if not judged == explained == valid:
            wrong.append(f"{name}: judge {judged}, explainer {explained}, suite {valid}")
    assert wrong == []
    assert len(cases) >= 1100  # the suite really ran


def test_problems_explain_exactly_the_values_the_judge_refuses() -> None:
    schema = {
        "type": "object",
        "required": ["n"],
        "properties": {"n": {"type": "integer", "minimum": 1}, "s": {"type": "string"}},
        "additionalProperties": False,
    }
    checker = SchemaChecker(schema)
    assert checker.problems({"n": 2, "s": "x"}) == []
    assert checker.problems({"n": 0, "t": 1}) == [
        (("n",), "0 is less than 1"),
        (("t",), "is not a declared property, and the schema allows no others"),
    ]


_CONTRACTS: list[type[ContractModel]] = [
    model
    for module in (github_models, email_models)
    for model in vars(module).values()
    if isinstance(model, type) and issubclass(model, ContractModel) and model is not ContractModel
]
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=120)
    | st.sampled_from(["octo", "", "external-api", "webhook", "2024-01-02T03:04:05Z"])
    | st.uuids().map(str)
)
_JSON = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["owner", "name", "user_id", "data_source", "since", "x", "labels"]),
            children,
            max_size=5,
        )
    ),
    max_leaves=12,
)


def _mutated(value: Any, data: st.DataObject) -> Any:
    """``value`` with at most one part replaced by any JSON value, or one key dropped."""
    action = data.draw(st.sampled_from(["keep", "replace", "drop", "descend"]))
    if action == "keep":
        return value
    mapping, items = as_mapping(value), as_list(value)
    if action == "replace" or not (mapping or items):
        return data.draw(_JSON)
    parts: dict[Any, Any] | list[Any] = dict(mapping) if mapping else list(items or [])
    key = data.draw(st.sampled_from(list(parts) if isinstance(parts, dict) else range(len(parts))))
    if action == "drop":
        del parts[key]
    else:
        parts[key] = _mutated(parts[key], data)
    return parts


@pytest.mark.parametrize("model", _CONTRACTS, ids=lambda model: model.__name__)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_the_judge_agrees_with_the_explainer_on_generated_values(
    model: type[ContractModel], data: st.DataObject
) -> None:
    schema = model.__contract_schema__
    value = _mutated(data.draw(from_schema(schema)), data)
    assert SchemaJudge(schema).judge(value) == (not SchemaChecker(schema).explain(value))
