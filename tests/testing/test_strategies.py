"""Hypothesis strategies from jobs.yaml: every drawn payload satisfies the job's JSON Schema.

The oracle is an independent validator (``jsonschema``) reading the schemas that
generated ``schemas.py`` carries, over the example contract and the golden
"tricky" contract (patterns, unions, nested definitions, aliased names, formats).
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false
# (jsonschema's validator classes are built at run time; their stubs leave members unknown.)

from __future__ import annotations

import importlib
import subprocess
import sys
from enum import Enum
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from jobcontracts.runtime import QueueDefinition
from jobcontracts.runtime.testing.strategies import from_schema, payloads

PACKAGES = ("generated.github", "generated.email", "tests.golden.tricky.expected.billing")


def job_names() -> list[Enum]:
    members: list[Enum] = []
    for package in PACKAGES:
        members.extend(importlib.import_module(f"{package}.names").JobName)
    return members


def schema_of(name: Enum) -> dict[str, Any]:
    package = type(name).__module__.rpartition(".")[0]
    module = importlib.import_module(f"{package}.schemas")
    schemas: dict[str, dict[str, Any]] = module.PAYLOAD_SCHEMAS
    return schemas[str(name.value)]


def model_of(name: Enum) -> type[BaseModel]:
    package = type(name).__module__.rpartition(".")[0]
    queue: QueueDefinition = importlib.import_module(f"{package}.queue").QUEUE
    return queue.jobs[str(name.value)].payload_model


def check(schema: dict[str, Any], value: object) -> None:
    jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    ).validate(value)


@pytest.mark.parametrize("name", job_names(), ids=str)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_drawn_json_satisfies_the_schema_and_the_model(name: Enum, data: st.DataObject) -> None:
    schema = schema_of(name)
    value = data.draw(from_schema(schema))
    check(schema, value)
    model_of(name).model_validate(value)


@pytest.mark.parametrize("name", job_names(), ids=str)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_payloads_are_models_whose_wire_form_satisfies_the_schema(
    name: Enum, data: st.DataObject
) -> None:
    payload = data.draw(payloads(name))
    assert isinstance(payload, model_of(name))
    check(schema_of(name), payload.model_dump(mode="json", by_alias=True, exclude_unset=True))


def test_payloads_wants_a_generated_job_name() -> None:
    class Elsewhere(Enum):
        JOB = "job"

    with pytest.raises(TypeError, match="expected a member of a generated JobName"):
        payloads(Elsewhere.JOB)


def test_without_hypothesis_the_strategies_say_what_to_install() -> None:
    probe = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "import jobcontracts.runtime.testing\n"
        "try:\n"
        "    import jobcontracts.runtime.testing.strategies\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert completed.stdout == (
        "jobcontracts.runtime.testing.strategies needs hypothesis: "
        "pip install 'jobcontracts[testing]'\n"
    )
