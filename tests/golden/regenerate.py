"""Rewrite every golden ``expected`` tree and schema-error ``.expected`` file.

Run ``python -m tests.golden.regenerate`` from the repository root after an
intended change to the generator, then review the diff before committing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from jobcontracts.codegen.errors import SpecError
from jobcontracts.codegen.pipeline import generate_from_file
from tests.golden.support import GOLDEN_DIR, REPO_ROOT, SCHEMA_ERRORS_DIR


def golden_cases() -> list[Path]:
    return sorted(path.parent for path in GOLDEN_DIR.glob("*/jobs.yaml"))


def schema_error_cases() -> list[Path]:
    return sorted(SCHEMA_ERRORS_DIR.glob("*.yaml"))


def expected_stderr(spec: Path) -> str:
    """The exact stderr of ``jobctl generate --spec <spec>`` for an invalid spec."""
    relative = spec.relative_to(REPO_ROOT).as_posix()
    try:
        generate_from_file(spec, display_name=relative)
    except SpecError as error:
        lines = [problem.render() for problem in error.problems]
        lines.append(f"{len(error.problems)} problem(s) in {relative}; nothing was written.")
        return "\n".join(lines) + "\n"
    raise AssertionError(f"{relative} is valid, but schema error cases must be invalid")


def regenerate_golden(case: Path) -> None:
    expected = case / "expected"
    if expected.exists():
        shutil.rmtree(expected)
    for relative, text in generate_from_file(
        case / "jobs.yaml", display_name="jobs.yaml"
    ).files.items():
        target = expected / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def main() -> None:
    for case in golden_cases():
        regenerate_golden(case)
        print(f"regenerated {case.relative_to(REPO_ROOT)}/expected")
    for spec in schema_error_cases():
        spec.with_suffix(".expected").write_text(expected_stderr(spec), encoding="utf-8")
        print(f"regenerated {spec.with_suffix('.expected').relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
