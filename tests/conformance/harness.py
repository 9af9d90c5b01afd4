"""Run the official JSON-Schema-Test-Suite (draft 7) through generated contracts.

Each test group's schema becomes the one required property ``value`` of a job's
payload and of its result. Every instance is then judged on each path a real
payload or result takes:

- ``enqueue-object``: the payload model built from Python keyword arguments, then
  ``add_job``'s validation (``dump_payload``);
- ``enqueue-dict``: a plain dict handed to ``dump_payload``;
- ``worker-json``: the stored JSON as the worker loads it (``load_payload``);
- ``result-object`` / ``result-dict``: what a handler returns, stored by
  ``dump_result``;
- ``result-json``: a stored result as ``Job.result()`` reads it (``load_result``).

A case agrees when every path accepts a valid instance (and the stored JSON still
equals it) and rejects an invalid one. A group the code generator refuses is
counted as refused, with the generator's first message.
"""

from __future__ import annotations

import importlib
import json
import math
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jobcontracts.codegen.errors import SpecError
from jobcontracts.codegen.load import as_list, as_mapping, load_yaml
from jobcontracts.codegen.pipeline import generate_tree
from jobcontracts.codegen.validate import validate
from jobcontracts.runtime import serialization
from jobcontracts.runtime.errors import InvalidPayloadError
from tests.golden.support import imported_package, write_tree

SUITE = Path(__file__).parent / "suite" / "draft7"
KEYWORD_FILES = (
    "additionalItems",
    "additionalProperties",
    "contains",
    "dependencies",
    "if-then-else",
    "maxProperties",
    "minProperties",
    "not",
    "patternProperties",
    "propertyNames",
    "allOf",
    "anyOf",
    "const",
    "default",
    "definitions",
    "enum",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "format",
    "items",
    "maxItems",
    "maxLength",
    "maximum",
    "minItems",
    "minLength",
    "minimum",
    "multipleOf",
    "oneOf",
    "pattern",
    "properties",
    "ref",
    "required",
    "type",
    "uniqueItems",
)
FORMAT_FILES = ("date-time", "date", "time", "email", "ipv4", "ipv6", "hostname", "uri")
FILES = (*KEYWORD_FILES, *(f"optional/format/{name}" for name in FORMAT_FILES))
PATHS = (
    "enqueue-object",
    "enqueue-dict",
    "worker-json",
    "result-object",
    "result-dict",
    "result-json",
)
REJECTED = (ValueError, TypeError, InvalidPayloadError)
"""What a path raises to refuse an instance (pydantic's ValidationError is a ValueError)."""


@dataclass(frozen=True)
class Case:
    file: str
    group: str
    description: str
    data: Any
    valid: bool


@dataclass
class Group:
    index: int
    file: str
    description: str
    schema: Any
    cases: list[Case]
    refused: str | None = None

    @property
    def job(self) -> str:
        return f"g{self.index}"


@dataclass
class Outcome:
    """Counts per case: agree, refused (its group was), disagree; details of each disagreement."""

    counts: Counter[str] = field(default_factory=Counter[str])
    disagreements: list[str] = field(default_factory=list[str])
    refusals: list[str] = field(default_factory=list[str])

    def summary(self) -> str:
        total = sum(self.counts.values())
        return (
            f"{total} cases: {self.counts['agree']} agree, {self.counts['refused']} refused "
            f"({len(self.refusals)} groups), {self.counts['disagree']} disagree"
        )


def load_groups() -> list[Group]:
    groups: list[Group] = []
    for name in FILES:
        for raw in json.loads((SUITE / f"{name}.json").read_text(encoding="utf-8")):
            cases = [
                Case(name, raw["description"], t["description"], t["data"], t["valid"])
                for t in raw["tests"]
            ]
            groups.append(Group(len(groups), name, raw["description"], raw["schema"], cases))
    return groups


def _renamed(index: int, name: str) -> str:
    return f"G{index}{name[:1].upper()}{name[1:]}"


def _rewrite_refs(node: Any, index: int) -> Any:
    mapping, items = as_mapping(node), as_list(node)
    if mapping is not None:
        out: dict[str, Any] = {}
        for key, value in mapping.items():
            if key == "$ref" and isinstance(value, str):
                match = re.fullmatch(r"#/definitions/([^/]+)", value)
                out[key] = f"#/definitions/{_renamed(index, match.group(1))}" if match else value
            else:
                out[key] = _rewrite_refs(value, index)
        return out
    if items is not None:
        return [_rewrite_refs(item, index) for item in items]
    return node


def _job_entry(group: Group) -> tuple[dict[str, Any], dict[str, Any]]:
    """The job (payload and result around the group's schema) and the definitions it needs."""
    schema = _rewrite_refs(group.schema, group.index)
    definitions: dict[str, Any] = {}
    mapping = as_mapping(schema)
    if mapping is not None and "definitions" in mapping:
        schema = dict(mapping)
        raw: dict[str, Any] = as_mapping(schema.pop("definitions")) or {}
        definitions = {_renamed(group.index, name): value for name, value in raw.items()}
    wrapper: dict[str, Any] = {
        "type": "object",
        "required": ["value"],
        "properties": {"value": schema},
    }
    return {"payload": wrapper, "result": wrapper}, definitions


def _yaml_value(value: Any) -> str:
    """JSON text that YAML reads back as the same value (floats keep a dot: ``1.0e+52``)."""
    mapping, items = as_mapping(value), as_list(value)
    if mapping is not None:
        entries = ", ".join(f"{json.dumps(k)}: {_yaml_value(v)}" for k, v in mapping.items())
        return "{" + entries + "}"
    if items is not None:
        return "[" + ", ".join(_yaml_value(v) for v in items) + "]"
    if isinstance(value, float) and math.isfinite(value):
        text = repr(value)
        if "e" in text and "." not in text:
            mantissa, exponent = text.split("e")
            text = f"{mantissa}.0e{exponent if exponent[0] in '+-' else '+' + exponent}"
        return text
    return json.dumps(value)


def spec_text(groups: list[Group]) -> str:
    jobs: dict[str, Any] = {}
    definitions: dict[str, Any] = {}
    for group in groups:
        jobs[group.job], group_definitions = _job_entry(group)
        definitions.update(group_definitions)
    document: dict[str, Any] = {"version": 1, "domains": {"conformance": {"jobs": jobs}}}
    if definitions:
        document["definitions"] = definitions
    return _yaml_value(document) + "\n"


def mark_refused(groups: list[Group]) -> None:
    for group in groups:
        try:
            validate(load_yaml(spec_text([group]), "jobs.yaml"))
        except SpecError as error:
            group.refused = error.problems[0].render()


def json_equal(left: Any, right: Any) -> bool:
    """Equality as JSON Schema defines it: 1 == 1.0, but true is not 1."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    left_map, right_map = as_mapping(left), as_mapping(right)
    if left_map is not None and right_map is not None:
        return left_map.keys() == right_map.keys() and all(
            json_equal(left_map[key], right_map[key]) for key in left_map
        )
    left_list, right_list = as_list(left), as_list(right)
    if left_list is not None and right_list is not None:
        return len(left_list) == len(right_list) and all(map(json_equal, left_list, right_list))
    return type(left) is type(right) and left == right


Verdict = tuple[bool, str | None]
"""(accepted, the stored JSON when there is one)."""


def _attempt(run: Callable[[], str | None]) -> Verdict:
    try:
        return True, run()
    except REJECTED:
        return False, None


def path_verdicts(package: Any, group: Group, data: Any) -> Iterator[tuple[str, Verdict]]:
    queue = importlib.import_module(f"{package.__name__}.conformance.queue").QUEUE
    definition = queue.jobs[group.job]
    payload_model = definition.payload_model
    result_model = definition.result_model
    text = json.dumps({"value": data})
    yield (
        "enqueue-object",
        _attempt(lambda: serialization.dump_payload(queue, group.job, payload_model(value=data))),
    )
    yield (
        "enqueue-dict",
        _attempt(lambda: serialization.dump_payload(queue, group.job, {"value": data})),
    )
    yield "worker-json", _attempt(lambda: _none(serialization.load_payload(payload_model, text)))
    yield (
        "result-object",
        _attempt(lambda: serialization.dump_result(result_model, result_model(value=data))),
    )
    yield "result-dict", _attempt(lambda: serialization.dump_result(result_model, {"value": data}))
    yield "result-json", _attempt(lambda: _none(serialization.load_result(result_model, text)))


def _none(_: object) -> None:
    return None


def judge(package: Any, group: Group, case: Case) -> list[str]:
    """What went wrong on each path for this case (empty: it agrees)."""
    wrong: list[str] = []
    for path, (accepted, stored) in path_verdicts(package, group, case.data):
        if accepted != case.valid:
            wrong.append(f"{path} {'accepted' if accepted else 'rejected'}")
        elif (
            accepted
            and stored is not None
            and not json_equal(json.loads(stored)["value"], case.data)
        ):
            wrong.append(f"{path} stored {json.loads(stored)['value']!r}")
    return wrong


def run_suite(groups: list[Group] | None = None) -> Outcome:
    groups = load_groups() if groups is None else groups
    mark_refused(groups)
    outcome = Outcome()
    accepted = [group for group in groups if group.refused is None]
    for group in groups:
        if group.refused is not None:
            outcome.counts["refused"] += len(group.cases)
            outcome.refusals.append(f"{group.file}: {group.description}: {group.refused}")
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        files = generate_tree(validate(load_yaml(spec_text(accepted), "jobs.yaml"))).files
        write_tree(files, root / "conformance_contracts")
        with imported_package(root, "conformance_contracts") as package:
            for group in accepted:
                for case in group.cases:
                    wrong = judge(package, group, case)
                    outcome.counts["disagree" if wrong else "agree"] += 1
                    if wrong:
                        outcome.disagreements.append(
                            f"{case.file}: {case.group}: {case.description} "
                            f"({json.dumps(case.data)[:60]}): {', '.join(wrong)}"
                        )
    return outcome


if __name__ == "__main__":
    result = run_suite()
    print(result.summary())
    for line in result.refusals:
        print("refused:", line)
    for line in result.disagreements:
        print("disagree:", line)
