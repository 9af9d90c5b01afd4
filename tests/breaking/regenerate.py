"""Rewrite ``expected`` of every case of the breaking-change corpus.

Run ``python -m tests.breaking.regenerate`` from the repository root.

Review the diff before committing: an expected file is the rule's specification.
"""

from __future__ import annotations

from tests.breaking.corpus_support import cases, render_case


def main() -> None:
    for case in cases():
        (case / "expected").write_text(render_case(case), encoding="utf-8")
    print(f"regenerated {len(cases())} breaking-change cases")


if __name__ == "__main__":
    main()
