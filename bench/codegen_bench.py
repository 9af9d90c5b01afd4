"""Time ``jobctl generate`` and ``jobctl check`` on a large spec (50 domains x 10 jobs).

Run from the repository root: ``.venv/bin/python bench/codegen_bench.py``.
The spec is written to a temporary directory; nothing in the repository changes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

DOMAINS = 50
JOBS_PER_DOMAIN = 10


def _job(domain: int, job: int) -> dict[str, Any]:
    return {
        "description": f'Job {job} of domain {domain}: does something "useful" with {{braces}}.',
        "payload": {
            "type": "object",
            "required": ["account_id", "items", "mode"],
            "properties": {
                "account_id": {"type": "string", "format": "uuid"},
                "mode": {"type": "string", "enum": ["fast", "safe", "dry-run"]},
                "from": {"type": "string", "format": "date-time", "description": "Window start."},
                "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
                "note": {"type": ["string", "null"], "maxLength": 500},
                "address": {"$ref": "#/definitions/Address"},
                "items": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["sku", "quantity"],
                        "properties": {
                            "sku": {"type": "string"},
                            "quantity": {"type": "integer", "minimum": 1},
                            "price": {"$ref": "#/definitions/Money"},
                        },
                    },
                },
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "result": {
            "type": "object",
            "required": ["processed"],
            "properties": {"processed": {"type": "integer", "minimum": 0}},
        },
        "timeout": f"{job + 1}m",
    }


def build_spec() -> dict[str, Any]:
    return {
        "version": 1,
        "defaults": {
            "attempts": 3,
            "backoff": {"type": "exponential", "delay": "1s"},
            "timeout": "30s",
        },
        "definitions": {
            "Money": {
                "type": "object",
                "required": ["amount", "currency"],
                "properties": {
                    "amount": {"type": "integer"},
                    "currency": {"type": "string", "enum": ["EUR", "USD", "GBP"]},
                },
            },
            "Address": {
                "type": "object",
                "required": ["city"],
                "properties": {"street": {"type": "string"}, "city": {"type": "string"}},
            },
        },
        "domains": {
            f"domain_{d:02d}": {
                "description": f"Domain number {d}.",
                "defaults": {"priority": d % 5},
                "jobs": {f"job_{j:02d}": _job(d, j) for j in range(JOBS_PER_DOMAIN)},
            }
            for d in range(DOMAINS)
        },
    }


def _timed(label: str, action: Any) -> float:
    start = time.perf_counter()
    action()
    elapsed = time.perf_counter() - start
    print(f"{label:<44} {elapsed:7.2f} s")
    return elapsed


def _subprocess(*arguments: str) -> None:
    completed = subprocess.run(
        [sys.executable, "-c", "from jobcontracts.cli.app import main; main()", *arguments],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(completed.stdout[-2000:] + completed.stderr[-2000:])


def main() -> None:
    from typer.testing import CliRunner

    from jobcontracts.cli.app import app

    runner = CliRunner()

    def in_process(*arguments: str) -> None:
        result = runner.invoke(app, list(arguments))
        if result.exit_code != 0:
            raise SystemExit(result.output)

    with tempfile.TemporaryDirectory(prefix="jobctl-bench-") as directory:
        root = Path(directory)
        spec = root / "jobs.yaml"
        spec.write_text(yaml.safe_dump(build_spec(), sort_keys=False), encoding="utf-8")
        out = root / "contracts"
        print(
            f"spec: {DOMAINS} domains x {JOBS_PER_DOMAIN} jobs, {spec.stat().st_size // 1024} KiB"
        )
        _timed(
            "generate, in process, first (cold)",
            lambda: in_process("generate", "--spec", str(spec), "--out", str(out)),
        )
        files = sum(1 for _ in out.rglob("*.py"))
        lines = sum(len(p.read_text().splitlines()) for p in out.rglob("*.py"))
        print(f"  -> {files} files, {lines} lines")
        _timed(
            "generate, in process, again (unchanged)",
            lambda: in_process("generate", "--spec", str(spec), "--out", str(out)),
        )
        _timed(
            "check, in process", lambda: in_process("check", "--spec", str(spec), "--out", str(out))
        )
        shutil.rmtree(out)
        _timed(
            "generate, subprocess (incl. startup)",
            lambda: _subprocess("generate", "--spec", str(spec), "--out", str(out)),
        )
        _timed(
            "check, subprocess (incl. startup)",
            lambda: _subprocess("check", "--spec", str(spec), "--out", str(out)),
        )


if __name__ == "__main__":
    main()
