"""The intermediate model the templates render: validated, resolved, escaped, built once.

Everything here is already safe to print: identifiers came from ``naming``,
user text is stored raw and escaped only through ``escape`` at render time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

JsonScalar: TypeAlias = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class ScalarType:
    """``string``/``integer``/``number``/``boolean``/``null``; ``format`` when Python has a type."""

    kind: str
    format: str | None = None


@dataclass(frozen=True, slots=True)
class LiteralType:
    values: tuple[JsonScalar, ...]


@dataclass(frozen=True, slots=True)
class ArrayType:
    items: TypeRef


@dataclass(frozen=True, slots=True)
class MapType:
    """An object without declared properties: ``dict[str, values]``."""

    values: TypeRef | None


@dataclass(frozen=True, slots=True)
class ModelType:
    class_name: str


@dataclass(frozen=True, slots=True)
class UnionType:
    members: tuple[TypeRef, ...]


@dataclass(frozen=True, slots=True)
class AnyType:
    pass


TypeRef: TypeAlias = (
    ScalarType | LiteralType | ArrayType | MapType | ModelType | UnionType | AnyType
)


@dataclass(frozen=True, slots=True)
class FieldDef:
    wire_name: str
    field_name: str
    type: TypeRef
    required: bool
    description: str
    has_default: bool = False
    default: object = None


@dataclass(frozen=True, slots=True)
class ModelDef:
    class_name: str
    description: str
    """The schema's own ``description`` or ``title``; empty when it has neither."""
    location: str
    """Where the schema is in jobs.yaml (``doc_text.schema_location``), for docstrings."""
    fields: tuple[FieldDef, ...]
    contract_schema: dict[str, Any]
    """The JSON Schema instances are judged by (see ``contract_schema``)."""


@dataclass(frozen=True, slots=True)
class BackoffDef:
    type: str
    delay_ms: int
    jitter: float


@dataclass(frozen=True, slots=True)
class RetentionDef:
    count: int | None
    age_ms: int | None


RemovePolicyDef: TypeAlias = bool | RetentionDef


@dataclass(frozen=True, slots=True)
class JobDefaultsDef:
    attempts: int
    backoff: BackoffDef
    timeout_ms: int
    priority: int
    remove_on_complete: RemovePolicyDef
    remove_on_fail: RemovePolicyDef


@dataclass(frozen=True, slots=True)
class JobDef:
    key: str
    description: str
    payload_class: str
    result_class: str | None
    defaults: JobDefaultsDef
    revision: str
    """Short hash of the job's payload and result schemas (``revision.schema_revision``)."""
    payload_schema: str = "{}"
    """The payload's JSON Schema from jobs.yaml with the definitions it uses, as JSON text."""


@dataclass(frozen=True, slots=True)
class DomainDef:
    key: str
    description: str
    jobs: tuple[JobDef, ...]
    models: tuple[ModelDef, ...]
    """Every pydantic model of the domain, in dependency order."""
    payload_models: frozenset[str]
    """Models reachable from a payload: they also get a TypedDict."""


@dataclass(frozen=True, slots=True)
class ContractSet:
    source_name: str
    domains: tuple[DomainDef, ...]
