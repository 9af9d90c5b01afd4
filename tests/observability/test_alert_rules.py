"""The example alert rules in docs parse, have the shape Prometheus expects, and name real series.

promtool is not available here, so this checks what it would reject most often:
YAML that does not load, a rule without alert/expr, a malformed ``for``,
unbalanced brackets in an expression, and metrics that no exporter serves.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

import yaml

from jobcontracts.observability.metrics import METRIC_NAMES

RULES = Path(__file__).resolve().parents[2] / "docs" / "prometheus-alerts.yml"
GAUGES = {
    "jobcontracts_queue_jobs",
    "jobcontracts_queue_paused",
    "jobcontracts_workers",
    "jobcontracts_redis_up",
}
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
RULE_KEYS = {"alert", "expr", "for", "labels", "annotations"}
WANTED = {
    "JobcontractsFailureRateHigh",
    "JobcontractsDeadLettersGrowing",
    "JobcontractsQueueGrowing",
    "JobcontractsNoWorker",
}


def exported() -> set[str]:
    names = set(GAUGES) | set(METRIC_NAMES)
    for name in METRIC_NAMES:
        if name.endswith("_seconds"):
            names.update(name + suffix for suffix in HISTOGRAM_SUFFIXES)
    return names


def balanced(expr: str) -> bool:
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    for char in re.sub(r'"[^"]*"', '""', expr):
        if char in "([{":
            stack.append(char)
        elif char in pairs and (not stack or stack.pop() != pairs[char]):
            return False
    return not stack


def rules() -> list[dict[str, Any]]:
    loaded: object = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    groups = cast("list[dict[str, Any]]", cast("dict[str, Any]", loaded)["groups"])
    assert isinstance(groups, list)
    found: list[dict[str, Any]] = []
    for group in groups:
        assert set(group) == {"name", "rules"}
        found.extend(group["rules"])
    return found


def test_rules_cover_what_operators_ask_for() -> None:
    assert {rule["alert"] for rule in rules()} >= WANTED


def test_every_rule_is_well_formed() -> None:
    for rule in rules():
        name = rule["alert"]
        assert set(rule) <= RULE_KEYS, name
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]+", name), name
        assert re.fullmatch(r"\d+[smh]", rule["for"]), name
        assert rule["labels"]["severity"] in {"warning", "critical"}, name
        assert rule["annotations"]["summary"], name
        assert balanced(rule["expr"]), name


def test_rules_only_use_exported_series() -> None:
    known = exported()
    for rule in rules():
        used = set(re.findall(r"\bjobcontracts_[a-z_]+", rule["expr"]))
        assert used, rule["alert"]
        assert used <= known, (rule["alert"], used - known)


def test_the_checks_can_fail() -> None:
    assert not balanced("sum(rate(x[5m])")
    assert not balanced('max by (domain) (x{state="dead"]) > 0')
    assert "jobcontracts_jobs_lost_total" not in exported()
