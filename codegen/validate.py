"""Turn a loaded ``jobs.yaml`` into the intermediate model, or every problem it has.

Structure is checked by the pydantic spec models, names by ``naming``, JSON
Schemas by ``schemas``; each runs on whatever parts are well-formed, so one
run reports all independent problems instead of stopping at the first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import naming
from .errors import Problem, SpecError
from .ir import (
    BackoffDef,
    ContractSet,
    DomainDef,
    JobDef,
    JobDefaultsDef,
    RemovePolicyDef,
    RetentionDef,
)
from .load import LocatedDocument, Path, as_mapping
from .model_order import dependency_order, reachable
from .payload_schemas import standalone_schema
from .revision import schema_revision
from .schemas import DomainSchemas
from .spec import (
    BackoffSpec,
    DefaultsSpec,
    JobsFile,
    JobSpec,
    RetentionSpec,
    duration_milliseconds,
)
from .spec_errors import structure

BUILTIN_DEFAULTS = JobDefaultsDef(
    attempts=3,
    backoff=BackoffDef(type="exponential", delay_ms=1000, jitter=0.0),
    timeout_ms=30_000,
    priority=0,
    remove_on_complete=False,
    remove_on_fail=False,
)
"""What a job gets for keys nobody set; mirrors ``runtime.JobDefaults``."""


def validate(document: LocatedDocument) -> ContractSet:
    """The contracts of ``document``; raises ``SpecError`` with every problem found."""
    problems: list[Problem] = []
    spec = structure(document, problems)
    names = _names(document)
    problems.extend(names.problems)
    data = as_mapping(document.data) or {}
    definitions = as_mapping(data.get("definitions")) or {}
    problems.extend(_definitions(document, definitions))
    domains: list[DomainDef] = []
    for domain_key, raw_domain in (as_mapping(data.get("domains")) or {}).items():
        domain_data = as_mapping(raw_domain)
        if domain_data is not None:
            domain, domain_problems = _domain(
                document, definitions, names, domain_key, domain_data, spec
            )
            problems.extend(domain_problems)
            if domain is not None:
                domains.append(domain)
    if problems or spec is None:
        raise SpecError(problems)
    return ContractSet(source_name=document.file, domains=tuple(domains))


# -- names -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NameCheck:
    """Every domain and job key judged once; later stages read the verdict from here."""

    problems: list[Problem]
    valid_domains: frozenset[str]
    class_stems: dict[tuple[str, str], str]
    """``(domain, job)`` -> the PascalCase stem of the job's classes, for valid job keys."""

    def stem(self, domain_key: str, job_key: str, index: int) -> str:
        """The job's class stem; a stand-in for an invalid key, so its schemas are still checked."""
        return self.class_stems.get((domain_key, job_key), f"InvalidJob{index + 1}")

    def all_valid(self, domain_key: str, job_keys: Iterable[str]) -> bool:
        return domain_key in self.valid_domains and all(
            (domain_key, job_key) in self.class_stems for job_key in job_keys
        )


def _names(document: LocatedDocument) -> NameCheck:
    """One pass over the domain and job keys: their problems, and what the valid ones become."""
    problems: list[Problem] = []
    valid_domains: set[str] = set()
    stems: dict[tuple[str, str], str] = {}
    domains = as_mapping((as_mapping(document.data) or {}).get("domains")) or {}
    for domain_key, domain in domains.items():
        domain_path: Path = ("domains", domain_key)
        why = naming.name_problem(domain_key, kind="domain")
        if why:
            problems.append(document.problem(domain_path, why, key=True))
        else:
            valid_domains.add(domain_key)
        pascal_owner: dict[str, str] = {}
        for job_key in as_mapping((as_mapping(domain) or {}).get("jobs")) or {}:
            job_path: Path = (*domain_path, "jobs", job_key)
            why = naming.name_problem(job_key, kind="job")
            if why:
                problems.append(document.problem(job_path, why, key=True))
                continue
            pascal = stems[(domain_key, job_key)] = naming.pascal_case(job_key)
            if pascal in pascal_owner:
                problems.append(
                    document.problem(
                        job_path,
                        f"job {job_key!r} and job {pascal_owner[pascal]!r} would both generate "
                        f"classes named {pascal}Payload",
                        key=True,
                    )
                )
            else:
                pascal_owner[pascal] = job_key
    return NameCheck(problems, frozenset(valid_domains), stems)


def _definitions(document: LocatedDocument, definitions: Mapping[str, Any]) -> list[Problem]:
    """Check every definition once on its own, so unused ones are checked too."""
    problems: list[Problem] = []
    for name in definitions:
        why = naming.definition_name_problem(name)
        if why:
            problems.append(document.problem(("definitions", name), why, key=True))
    checker = DomainSchemas(document, definitions, reserved={})
    for name in definitions:
        checker.definition(name)
    return problems + checker.problems


# -- domains -----------------------------------------------------------------


def fixed_names(domain_key: str) -> dict[str, str]:
    """Names every domain package defines besides its models."""
    why = "a name every generated domain package defines"
    names = ["JobName", "QUEUE", "add_job", "add_job_async", "create_worker"]
    names.append(f"{naming.pascal_case(domain_key)}Handlers")
    reserved = dict.fromkeys(names, why)
    reserved.update(dict.fromkeys(naming.TYPE_NAMES, "a name the generated code imports"))
    return reserved


def _domain(
    document: LocatedDocument,
    definitions: Mapping[str, Any],
    names: NameCheck,
    domain_key: str,
    raw_domain: Mapping[str, Any],
    spec: JobsFile | None,
) -> tuple[DomainDef | None, list[Problem]]:
    # An invalid domain or job name is reported by _names; its schemas are still checked
    # under a stand-in name, so one run shows every problem.
    raw_jobs = as_mapping(raw_domain.get("jobs"))
    if raw_jobs is None:
        return None, []
    reserved = fixed_names(domain_key if domain_key in names.valid_domains else "domain")
    schemas = DomainSchemas(document, definitions, reserved=reserved)
    payload_classes, result_classes = _job_models(schemas, names, domain_key, raw_jobs)
    problems = list(schemas.problems)
    problems.extend(_dict_name_clashes(document, domain_key, schemas, payload_classes, reserved))
    names_ok = names.all_valid(domain_key, raw_jobs)
    if problems or spec is None or not names_ok or len(payload_classes) != len(raw_jobs):
        return None, problems
    domain_spec = spec.domains[domain_key]
    jobs = tuple(
        JobDef(
            key=job_key,
            description=job_spec.description,
            payload_class=payload_classes[job_key],
            result_class=result_classes[job_key],
            defaults=_resolve_defaults(spec.defaults, domain_spec.defaults, job_spec),
            revision=schema_revision(job_spec.payload, job_spec.result, definitions),
            payload_schema=standalone_schema(raw_jobs[job_key]["payload"], definitions),
        )
        for job_key, job_spec in domain_spec.jobs.items()
    )
    roots = [payload_classes[job.key] for job in jobs] + [
        r for job in jobs if (r := result_classes[job.key])
    ]
    ordered = dependency_order(schemas.models, roots)
    return (
        DomainDef(
            key=domain_key,
            description=domain_spec.description,
            jobs=jobs,
            models=ordered,
            payload_models=frozenset(reachable(schemas.models, list(payload_classes.values()))),
        ),
        [],
    )


def _job_models(
    schemas: DomainSchemas, names: NameCheck, domain_key: str, raw_jobs: Mapping[str, Any]
) -> tuple[dict[str, str], dict[str, str | None]]:
    """The payload and result class of each job whose schemas generate."""
    payload_classes: dict[str, str] = {}
    result_classes: dict[str, str | None] = {}
    for index, (job_key, job_value) in enumerate(raw_jobs.items()):
        raw_job = as_mapping(job_value)
        if raw_job is None:
            continue
        job_path: Path = ("domains", domain_key, "jobs", job_key)
        pascal = names.stem(domain_key, job_key, index)
        if "payload" in raw_job:
            payload = schemas.top_level_model(
                raw_job["payload"],
                (*job_path, "payload"),
                f"{pascal}Payload",
                "payload",
            )
            if payload is not None:
                payload_classes[job_key] = payload
        result_classes[job_key] = None
        if raw_job.get("result") is not None:
            result_classes[job_key] = schemas.top_level_model(
                raw_job["result"],
                (*job_path, "result"),
                f"{pascal}Result",
                "result",
            )
    return payload_classes, result_classes


def _dict_name_clashes(
    document: LocatedDocument,
    domain_key: str,
    schemas: DomainSchemas,
    payload_classes: Mapping[str, str],
    reserved: Mapping[str, str],
) -> list[Problem]:
    """TypedDicts are named ``<Model>Dict`` and share the package namespace with models."""
    problems: list[Problem] = []
    taken = set(schemas.models) | set(reserved)
    for name in sorted(reachable(schemas.models, list(payload_classes.values()))):
        if f"{name}Dict" in taken:
            problems.append(
                document.problem(
                    schemas.owners.get(name, ("domains", domain_key)),
                    f"the TypedDict {name}Dict generated for this schema collides with a class "
                    "of the same name",
                )
            )
    return problems


def _resolve_defaults(top: DefaultsSpec, domain: DefaultsSpec, job: JobSpec) -> JobDefaultsDef:
    """Per key: the job's value, else the domain's, else the file's, else the built-in."""

    def pick(key: str) -> Any:
        for layer in (job, domain, top):
            value = getattr(layer, key)
            if value is not None:
                return value
        return None

    backoff: BackoffSpec | None = pick("backoff")
    timeout: str | None = pick("timeout")
    return JobDefaultsDef(
        attempts=pick("attempts") or BUILTIN_DEFAULTS.attempts,
        backoff=(
            BackoffDef(
                type=backoff.type,
                delay_ms=duration_milliseconds(backoff.delay),
                jitter=backoff.jitter,
            )
            if backoff is not None
            else BUILTIN_DEFAULTS.backoff
        ),
        timeout_ms=duration_milliseconds(timeout)
        if timeout is not None
        else BUILTIN_DEFAULTS.timeout_ms,
        priority=pick("priority") if pick("priority") is not None else BUILTIN_DEFAULTS.priority,
        remove_on_complete=_remove_policy(
            pick("remove_on_complete"), BUILTIN_DEFAULTS.remove_on_complete
        ),
        remove_on_fail=_remove_policy(pick("remove_on_fail"), BUILTIN_DEFAULTS.remove_on_fail),
    )


def _remove_policy(
    value: bool | RetentionSpec | None, fallback: RemovePolicyDef
) -> RemovePolicyDef:
    if value is None:
        return fallback
    if isinstance(value, bool):
        return value
    return RetentionDef(
        count=value.count,
        age_ms=duration_milliseconds(value.age) if value.age is not None else None,
    )
