"""A nested model is judged once, by its enclosing model's schema, except inside a union.

Skipping a nested model's own judge is only sound where pydantic has one model
to try for the part; inside a union a member's judge is what refuses the parts
that are not its own. These models are written by hand the way ``jobctl``
generates them, with a union whose members have the same Python fields, so
that pydantic alone would take the first for either's value: only the members'
schemas (``minimum``, ``maximum``) tell them apart.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest
from pydantic import ValidationError

from generated.github.models import Repository, SyncDataPayload, SyncRepoPayload
from jobcontracts.runtime.contract import WIRE_CONTEXT, ContractModel, JsonSchema
from jobcontracts.runtime.contract_nesting import vouches_for_nested

_LARGE = {"type": "object", "properties": {"v": {"type": "integer", "minimum": 10}}}
_SMALL = {"type": "object", "properties": {"v": {"type": "integer", "maximum": 5}}}


class Large(ContractModel):
    __contract_schema__: ClassVar[JsonSchema] = _LARGE
    v: int | None = None


class Small(ContractModel):
    __contract_schema__: ClassVar[JsonSchema] = _SMALL
    v: int | None = None


_HOLDER = {
    "type": "object",
    "required": ["choice"],
    "properties": {"choice": {"anyOf": [_LARGE, _SMALL]}},
}


class Holder(ContractModel):
    __contract_schema__: ClassVar[JsonSchema] = _HOLDER
    choice: Large | Small


class Outer(ContractModel):
    __contract_schema__: ClassVar[JsonSchema] = {
        "type": "object",
        "required": ["holder"],
        "properties": {"holder": _HOLDER, "items": {"type": "array", "items": _LARGE}},
    }
    holder: Holder
    items: list[Large] | None = None


def test_which_models_vouch_for_their_nested_ones() -> None:
    assert vouches_for_nested(SyncRepoPayload, ContractModel)  # Repository, in no union
    assert not vouches_for_nested(SyncDataPayload, ContractModel)  # nothing nested
    assert not vouches_for_nested(Holder, ContractModel)  # a union of models
    assert not vouches_for_nested(Outer, ContractModel)  # a union further down


@pytest.mark.parametrize("source", ["python", "json"])
def test_a_union_member_is_still_judged_by_its_own_schema(source: str) -> None:
    value = {"holder": {"choice": {"v": 1}}, "items": [{"v": 12}]}
    built = (
        Outer.model_validate_json(json.dumps(value), context=WIRE_CONTEXT)
        if source == "json"
        else Outer.model_validate(value)
    )
    assert isinstance(built.holder.choice, Small)
    assert built.items is not None
    assert isinstance(built.items[0], Large)


@pytest.mark.parametrize(
    "payload",
    [
        {"repository": {"owner": "", "name": "x"}},  # minLength of the nested model
        {"repository": {"owner": "o"}},  # its required name
        {"repository": {"owner": "o", "name": 3}},  # its property's type
    ],
)
def test_a_nested_model_outside_unions_is_still_refused_when_invalid(payload: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        SyncRepoPayload.model_validate(payload)
    assert refused.value.errors()[0]["loc"][0] == "repository"
    with pytest.raises(ValidationError):
        SyncRepoPayload.model_validate_json(json.dumps(payload), context=WIRE_CONTEXT)


def test_a_nested_model_built_on_its_own_is_judged_by_its_own_schema() -> None:
    with pytest.raises(ValidationError):
        Repository.model_validate({"owner": "", "name": "x"})
    built = SyncRepoPayload.model_validate({"repository": {"owner": "o", "name": "n", "extra": 1}})
    assert isinstance(built.repository, Repository)
    assert built.repository.model_extra == {"extra": 1}
