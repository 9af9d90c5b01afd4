"""The official JSON Schema test suite (draft 7) against generated contracts, on every path.

See ``harness.py`` for how each case travels. Every case either agrees on all
six paths or belongs to a group that ``jobctl`` refuses with a located reason.
"""

from __future__ import annotations

import re

import pytest

from tests.conformance.harness import run_suite

LOCATED = re.compile(r": jobs\.yaml:\d+:\d+: \S+: .+")


def test_generated_contracts_agree_with_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_suite()
    with capsys.disabled():
        print(f"\nJSON-Schema-Test-Suite draft 7: {outcome.summary()}")
    assert outcome.disagreements == [], "\n".join(outcome.disagreements[:20])
    assert outcome.counts["disagree"] == 0
    for refusal in outcome.refusals:
        assert LOCATED.search(refusal), refusal
    # The suite must really run: most cases generate (a refusal-happy generator would pass
    # the assertions above), and the keywords the contracts promise are all exercised.
    assert outcome.counts["agree"] >= 1100, outcome.summary()
