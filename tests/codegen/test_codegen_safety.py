"""Property test: for any names and text, the output is valid, importable, lint-clean code,
or the spec is refused with located problems — never broken output.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from jobcontracts.codegen.errors import SpecError
from jobcontracts.codegen.load import load_yaml
from jobcontracts.codegen.pipeline import generate_tree
from jobcontracts.codegen.validate import validate
from tests.golden.support import REPO_ROOT, imported_package, write_tree

_COUNTER = itertools.count()

texts = st.text(max_size=120)
valid_names = st.from_regex(r"[a-z][a-z0-9]{0,6}(_[a-z0-9]{1,4}){0,2}", fullmatch=True)
odd_names = st.one_of(
    st.sampled_from(["class", "from", "match", "type", "json", "a__b", "Bad", "x_", "_x", "1a"]),
    st.text(max_size=8),
)
# Mostly valid names, so most examples reach code generation; the rest must be refused.
names = st.integers(0, 9).flatmap(lambda roll: valid_names if roll < 8 else odd_names)
property_names = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["from", "class", "a-b", "model_dump", "json", "with space", "Field", "int"]),
)
property_types: st.SearchStrategy[dict[str, Any]] = st.sampled_from(
    [
        {"type": "string"},
        {"type": "integer", "minimum": 0},
        {"type": ["string", "null"], "maxLength": 5},
        {"type": "string", "format": "uuid"},
        {"type": "array", "items": {"type": "string"}},
    ]
)
SAMPLES: dict[str, Any] = {
    "string": "text",
    "integer": 1,
    "uuid": "12345678-1234-5678-1234-567812345678",
    "array": ["x"],
}


def _sample(schema: dict[str, Any]) -> Any:
    if schema.get("format") == "uuid":
        return SAMPLES["uuid"]
    declared: str | list[str] = schema["type"]
    kind = declared[0] if isinstance(declared, list) else declared
    return SAMPLES[kind]


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    properties = draw(st.dictionaries(property_names, property_types, max_size=5))
    payload: dict[str, Any] = {
        "type": "object",
        "description": draw(texts),
        "required": sorted(properties)[: draw(st.integers(0, len(properties)))],
        "properties": {
            name: schema | {"description": draw(texts)} for name, schema in properties.items()
        },
    }
    jobs = draw(st.dictionaries(names, st.just(payload), min_size=1, max_size=2))
    return {
        "version": 1,
        "domains": {
            draw(names): {
                "description": draw(texts),
                "jobs": {
                    key: {"description": draw(texts), "payload": value}
                    for key, value in jobs.items()
                },
            }
        },
    }


def _ruff_check(root: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--config",
            "pyproject.toml",
            "--no-cache",
            str(root),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(spec=specs())
def test_any_spec_gives_safe_code_or_located_errors(spec: dict[str, Any], tmp_path: Path) -> None:
    text: str = yaml.safe_dump(spec, allow_unicode=False)  # pyright: ignore[reportUnknownMemberType]
    assume(yaml.safe_load(text) == spec)
    contracts = None
    try:
        contracts = validate(load_yaml(text, "jobs.yaml"))
    except SpecError as error:
        problems = error.problems
    else:
        problems = ()
    if problems:
        event("refused")
        for problem in problems:
            line = problem.render()
            assert line.startswith("jobs.yaml:")
            assert "\n" not in line
        return
    assert contracts is not None
    event("generated")
    files = generate_tree(contracts).files
    package = f"safety_{next(_COUNTER)}"
    root = tmp_path / package
    write_tree(files, root)
    for relative, source in files.items():
        compile(source, relative, "exec")
    _ruff_check(root)
    ((domain_key, domain),) = spec["domains"].items()
    with imported_package(root.parent, f"{package}.{domain_key}") as module:
        assert module.QUEUE.description == domain["description"]
        for job_key, job in domain["jobs"].items():
            definition = module.QUEUE.jobs[job_key]
            assert definition.description == job["description"]
            payload = job["payload"]
            wire = {name: _sample(payload["properties"][name]) for name in payload["required"]}
            model = definition.payload_model.model_validate(wire)
            assert json.loads(model.model_dump_json(exclude_unset=True)) == wire
