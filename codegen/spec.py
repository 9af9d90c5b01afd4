"""The shape of ``jobs.yaml``, as pydantic models: validation and ``jobctl schema`` in one place.

JSON Schemas (payloads, results, definitions) are kept as plain mappings here;
``schema_keywords.py`` and ``schemas.py`` check them: their rules are about JSON Schema, not YAML.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag

DURATION_PATTERN = re.compile(r"^(0|[1-9][0-9]*)(ms|s|m|h|d)$")
_UNIT_MILLISECONDS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


def duration_milliseconds(text: str) -> int:
    """``"2m"`` -> ``120000``; the text was validated by ``DurationText``."""
    match = DURATION_PATTERN.match(text)
    assert match is not None
    return int(match.group(1)) * _UNIT_MILLISECONDS[match.group(2)]


def _check_duration(text: str) -> str:
    if not DURATION_PATTERN.match(text):
        raise ValueError(
            f"invalid duration {text!r}: write a whole number followed by ms, s, m, h or d "
            "(e.g. 500ms, 30s, 5m, 1h, 1d)"
        )
    return text


DurationText = Annotated[
    str,
    AfterValidator(_check_duration),
    Field(
        description="A span of time: a whole number followed by ms, s, m, h or d (500ms, 30s, 5m).",
        json_schema_extra={"pattern": DURATION_PATTERN.pattern},
    ),
]


class SpecModel(BaseModel):
    """Strict and closed: a typo is an error, ``"3"`` is not the number 3."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class BackoffSpec(SpecModel):
    """How long to wait between attempts of a failing job."""

    type: Literal["fixed", "exponential"] = Field(
        description="`fixed` waits `delay` each time; `exponential` doubles it per attempt."
    )
    delay: DurationText
    jitter: float = Field(
        default=0.0, ge=0, le=1, description="Up to this fraction is subtracted at random."
    )


class RetentionSpec(SpecModel):
    """Keep finished jobs, trimmed to the last `count` and/or those younger than `age`."""

    count: int | None = Field(default=None, ge=0, description="Keep at most this many.")
    age: DurationText | None = Field(default=None, description="Keep only jobs younger than this.")


def _remove_policy_tag(value: Any) -> str:
    return "flag" if isinstance(value, bool) else "retention"


RemovePolicySpec = Annotated[
    Annotated[bool, Tag("flag")] | Annotated[RetentionSpec, Tag("retention")],
    Discriminator(_remove_policy_tag),
    Field(
        description="`true` removes a finished job at once, `false` keeps it, {count, age} trims."
    ),
]
REMOVE_POLICY_TAGS = frozenset({"flag", "retention"})


class DefaultsSpec(SpecModel):
    """Options a job inherits; each key is resolved on its own: defaults, domain, job."""

    attempts: int | None = Field(default=None, ge=1, description="Total tries, at least 1.")
    backoff: BackoffSpec | None = None
    timeout: DurationText | None = Field(
        default=None, description="Longest a single attempt may run."
    )
    priority: int | None = Field(default=None, description="Higher runs earlier.")
    remove_on_complete: RemovePolicySpec | None = None
    remove_on_fail: RemovePolicySpec | None = None


JsonSchema = Annotated[
    dict[str, Any], Field(description="A JSON Schema (the subset jobctl supports).")
]


class JobSpec(DefaultsSpec):
    """One kind of job: its payload, optional result, and option overrides."""

    description: str = Field(default="", description="Becomes docstrings in generated code.")
    payload: JsonSchema = Field(description="JSON Schema of the payload; an object at the top.")
    result: JsonSchema | None = Field(
        default=None, description="JSON Schema of the handler's return value; an object."
    )


class DomainSpec(SpecModel):
    """One queue, one generated package."""

    description: str = ""
    defaults: DefaultsSpec = DefaultsSpec()
    jobs: dict[str, JobSpec] = Field(min_length=1, description="Job keys are lower_snake_case.")


class JobsFile(SpecModel):
    """jobs.yaml: the single source of truth for every background job."""

    model_config = ConfigDict(title="jobs.yaml", extra="forbid", strict=True, frozen=True)

    version: Literal[1] = Field(description="Format version of this file.")
    defaults: DefaultsSpec = Field(
        default=DefaultsSpec(), description="Defaults of every job of every domain."
    )
    definitions: dict[str, JsonSchema] = Field(
        default_factory=dict[str, JsonSchema],
        description='Shared JSON Schemas, referenced as {$ref: "#/definitions/Name"}.',
    )
    domains: dict[str, DomainSpec] = Field(
        min_length=1, description="Domain keys are lower_snake_case; each becomes a package."
    )


def jobs_file_json_schema() -> dict[str, Any]:
    """The JSON Schema of ``jobs.yaml`` for editors (``# yaml-language-server: $schema=...``)."""
    schema = JobsFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
