"""Compare two whole contracts: domains, jobs, payload and result schemas, resolved defaults.

Both sides are validated first (an invalid contract cannot be compared
meaningfully), and every finding is located in the new file: a removed thing
points at the closest node that still exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import SpecError
from ..ir import BackoffDef, ContractSet, JobDefaultsDef, RemovePolicyDef
from ..load import LocatedDocument, Path, as_mapping, load_yaml
from ..revision import canonical_json, inline_refs
from ..validate import validate
from .catalogue import RULES_BY_ID
from .rules import (
    SEVERITY,
    Category,
    Direction,
    Role,
    Severity,
    directions,
)
from .schema_diff import SchemaDiff
from .schema_view import Change, Node


@dataclass(frozen=True, slots=True)
class Contract:
    """A validated jobs.yaml with the positions of its nodes."""

    document: LocatedDocument
    contracts: ContractSet

    @property
    def data(self) -> Mapping[str, Any]:
        return as_mapping(self.document.data) or {}

    @property
    def definitions(self) -> Mapping[str, Any]:
        return as_mapping(self.data.get("definitions")) or {}

    def domains(self) -> Mapping[str, Any]:
        return as_mapping(self.data.get("domains")) or {}

    def jobs(self, domain: str) -> Mapping[str, Any]:
        return as_mapping((as_mapping(self.domains().get(domain)) or {}).get("jobs")) or {}


def load_contract(text: str, name: str) -> Contract:
    """Parse and validate; raises ``SpecError`` naming ``name``."""
    document = load_yaml(text, name)
    return Contract(document, validate(document))


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    category: Category
    severity: Severity
    direction: Direction
    domain: str
    job: str | None
    file: str
    line: int
    col: int
    where: str
    message: str

    @property
    def breaks(self) -> bool:
        return self.severity is not Severity.INFO


class _Collector:
    def __init__(self, new: Contract) -> None:
        self.new = new
        self.findings: list[Finding] = []

    def add(
        self,
        rule_id: str,
        new_path: Path,
        domain: str,
        job: str | None,
        where: str,
        message: str,
        role: Role = Role.PAYLOAD,
        *,
        key: bool = False,
    ) -> None:
        rule = RULES_BY_ID[rule_id]
        position = self.new.document.position(new_path, key=key)
        if rule.category is Category.WIRE:
            found = directions(rule.effect, role)
        elif rule.category is Category.API:
            found = (Direction.PYTHON_CALLERS,)
        else:
            found = (Direction.NONE,)
        for direction in found:
            self.findings.append(
                Finding(
                    rule.id,
                    rule.category,
                    SEVERITY[rule.category],
                    direction,
                    domain,
                    job,
                    self.new.document.file,
                    position.line,
                    position.col,
                    where,
                    message,
                )
            )


def _job_shape(contract: Contract, domain: str, job: str) -> str:
    spec = as_mapping(contract.jobs(domain).get(job)) or {}
    shape = {key: inline_refs(spec.get(key), contract.definitions) for key in ("payload", "result")}
    return canonical_json(shape)


def _pair_renames(
    removed: Iterable[str],
    added: Iterable[str],
    shape_old: Callable[[str], str],
    shape_new: Callable[[str], str],
) -> dict[str, str]:
    """Old key -> new key where a removed and an added entry have the same shape."""
    pairs: dict[str, str] = {}
    free = list(added)
    for old_key in removed:
        for new_key in free:
            if shape_old(old_key) == shape_new(new_key):
                pairs[old_key] = new_key
                free.remove(new_key)
                break
    return pairs


def compare_contracts(old: Contract, new: Contract) -> list[Finding]:
    """Every finding between ``old`` and ``new``, in new-file order."""
    out = _Collector(new)
    old_domains, new_domains = old.domains(), new.domains()
    gone = [d for d in old_domains if d not in new_domains]
    fresh = [d for d in new_domains if d not in old_domains]

    def domain_shape(contract: Contract, domain: str) -> str:
        return canonical_json(
            {job: _job_shape(contract, domain, job) for job in sorted(contract.jobs(domain))}
        )

    renamed = _pair_renames(
        gone, fresh, lambda d: domain_shape(old, d), lambda d: domain_shape(new, d)
    )
    for domain in gone:
        if domain in renamed:
            target = renamed[domain]
            out.add("DOMAIN_RENAMED", ("domains", target), target, None, f"domains.{target}",
                    f"domain {domain!r} renamed to {target!r}", key=True)  # fmt: skip
        else:
            out.add("DOMAIN_REMOVED", ("domains",), domain, None, f"domains.{domain}",
                    f"domain {domain!r} removed", key=True)  # fmt: skip
    for domain in fresh:
        if domain not in renamed.values():
            out.add("DOMAIN_ADDED", ("domains", domain), domain, None, f"domains.{domain}",
                    f"domain {domain!r} added", key=True)  # fmt: skip
    for domain in new_domains:
        if domain in old_domains:
            _compare_domain(out, old, new, domain)
    out.findings.sort(key=lambda f: (f.line, f.col, f.rule, f.direction.value, f.where))
    return out.findings


def _compare_domain(out: _Collector, old: Contract, new: Contract, domain: str) -> None:
    old_jobs, new_jobs = old.jobs(domain), new.jobs(domain)
    gone = [j for j in old_jobs if j not in new_jobs]
    fresh = [j for j in new_jobs if j not in old_jobs]
    renamed = _pair_renames(
        gone, fresh, lambda j: _job_shape(old, domain, j), lambda j: _job_shape(new, domain, j)
    )
    jobs_path: Path = ("domains", domain, "jobs")
    for job in gone:
        where = f"domains.{domain}.jobs.{job}"
        if job in renamed:
            target = renamed[job]
            out.add("JOB_RENAMED", (*jobs_path, target), domain, target, where,
                    f"job {domain}.{job} renamed to {target!r}", key=True)  # fmt: skip
        else:
            out.add("JOB_REMOVED", jobs_path, domain, job, where,
                    f"job {domain}.{job} removed", key=True)  # fmt: skip
    for job in fresh:
        if job not in renamed.values():
            out.add("JOB_ADDED", (*jobs_path, job), domain, job, f"domains.{domain}.jobs.{job}",
                    f"job {domain}.{job} added", key=True)  # fmt: skip
    for job in new_jobs:
        if job in old_jobs:
            _compare_job(out, old, new, domain, job)


def _compare_job(out: _Collector, old: Contract, new: Contract, domain: str, job: str) -> None:
    job_path: Path = ("domains", domain, "jobs", job)
    old_spec = as_mapping(old.jobs(domain)[job]) or {}
    new_spec = as_mapping(new.jobs(domain)[job]) or {}
    for role in (Role.PAYLOAD, Role.RESULT):
        key = role.value
        before, after = as_mapping(old_spec.get(key)), as_mapping(new_spec.get(key))
        if before is None and after is None:
            continue
        if before is None or after is None:
            rule = "RESULT_ADDED" if before is None else "RESULT_REMOVED"
            at = (*job_path, key) if after is not None else job_path
            what = "added" if before is None else "removed"
            out.add(rule, at, domain, job, key, f"result schema {what}", Role.RESULT)
            continue
        diff = SchemaDiff(old.definitions, new.definitions)
        diff.compare(Node(before, (*job_path, key)), Node(after, (*job_path, key)), key)
        for change in diff.changes:
            _add_change(out, change, domain, job, role)
    _compare_defaults(out, old, new, domain, job)


def _add_change(out: _Collector, change: Change, domain: str, job: str, role: Role) -> None:
    out.add(change.rule, change.new_path, domain, job, change.where, change.detail, role, key=True)


def _job_defaults(contract: Contract, domain: str, job: str) -> JobDefaultsDef | None:
    for domain_def in contract.contracts.domains:
        if domain_def.key == domain:
            for job_def in domain_def.jobs:
                if job_def.key == job:
                    return job_def.defaults
    return None


def _show_backoff(backoff: BackoffDef) -> str:
    return f"{backoff.type} {backoff.delay_ms}ms jitter {backoff.jitter:g}"


def _show_policy(policy: RemovePolicyDef) -> str:
    if isinstance(policy, bool):
        return "remove" if policy else "keep"
    count = "any" if policy.count is None else str(policy.count)
    age = "any" if policy.age_ms is None else f"{policy.age_ms}ms"
    return f"keep count {count}, age {age}"


def _show_ms(ms: int) -> str:
    return f"{ms}ms"


_DEFAULT_RULES: tuple[tuple[str, str, Callable[[Any], str]], ...] = (
    ("attempts", "ATTEMPTS_CHANGED", str),
    ("backoff", "BACKOFF_CHANGED", _show_backoff),
    ("timeout_ms", "TIMEOUT_CHANGED", _show_ms),
    ("priority", "PRIORITY_CHANGED", str),
    ("remove_on_complete", "RETENTION_CHANGED", _show_policy),
    ("remove_on_fail", "RETENTION_CHANGED", _show_policy),
)


def _compare_defaults(out: _Collector, old: Contract, new: Contract, domain: str, job: str) -> None:
    before, after = _job_defaults(old, domain, job), _job_defaults(new, domain, job)
    if before is None or after is None:
        return
    for attribute, rule, show in _DEFAULT_RULES:
        was, now = getattr(before, attribute), getattr(after, attribute)
        if was == now:
            continue
        key = "timeout" if attribute == "timeout_ms" else attribute
        candidates: tuple[Path, ...] = (
            ("domains", domain, "jobs", job, key),
            ("domains", domain, "defaults", key),
            ("defaults", key),
        )
        path = next(
            (c for c in candidates if c in new.document.keys), ("domains", domain, "jobs", job)
        )
        out.add(rule, path, domain, job, key, f"{key} {show(was)} -> {show(now)}", key=True)


__all__ = ["Contract", "Finding", "SpecError", "compare_contracts", "load_contract"]
