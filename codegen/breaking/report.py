"""How findings are shown: one greppable line each for people, one JSON document for CI."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

from .contract_diff import Finding
from .rules import Severity

MIGRATION_GUIDE = "README.md#making-a-breaking-change"
"""Where the safe path for a change that must break is documented."""


def render_line(finding: Finding) -> str:
    subject = finding.domain + (f".{finding.job}" if finding.job else "")
    direction = "" if finding.direction.value == "none" else f" [{finding.direction.value}]"
    return (
        f"{finding.file}:{finding.line}:{finding.col}: {finding.severity.value} "
        f"{finding.rule}{direction} {subject} {finding.where}: {finding.message}"
    )


def summary(findings: Sequence[Finding]) -> str:
    counts = Counter(finding.severity for finding in findings)
    parts = [f"{counts[s]} {s.value}{'s' if counts[s] != 1 else ''}" for s in Severity]
    verdict = "breaking" if any(f.breaks for f in findings) else "no breaking change"
    return f"{verdict}: {', '.join(parts)}"


def render_json(findings: Sequence[Finding], against: str) -> str:
    document = {
        "against": against,
        "breaking": any(finding.breaks for finding in findings),
        "guide": MIGRATION_GUIDE,
        "findings": [
            {
                "rule": f.rule,
                "category": f.category.value,
                "severity": f.severity.value,
                "direction": f.direction.value,
                "domain": f.domain,
                "job": f.job,
                "file": f.file,
                "line": f.line,
                "col": f.col,
                "where": f.where,
                "message": f.message,
            }
            for f in findings
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def guide_hint() -> str:
    return (
        "a change that must break: add the new shape as a new job, deploy workers for both, "
        f"switch the producers, drain the old job, then remove it (see {MIGRATION_GUIDE})"
    )
