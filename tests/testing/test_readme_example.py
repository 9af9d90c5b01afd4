"""The README's "Testing your handlers" example, run as the user's own test file.

The code block is read from README.md, so the documentation cannot drift from
what works. It runs in a separate pytest process from a temporary directory (the
fixtures come from the installed plugin); only the example contract's
``generated`` package is put on the path, as a user's own package would be.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"```python\n# (test_\w+\.py)\n(.*?)```", re.DOTALL)


def readme_example() -> tuple[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Testing your handlers", 1)[1].split("\n## ", 1)[0]
    match = BLOCK.search(section)
    assert match is not None, "no ```python block starting with '# test_*.py' in the section"
    return match.group(1), match.group(2)


def test_the_readme_testing_example_passes(
    pytester: pytest.Pytester, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, code = readme_example()
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.delenv("PYTHONPATH", raising=False)
    shutil.copytree(ROOT / "generated", pytester.path / "generated")
    (pytester.path / name).write_text(code, encoding="utf-8")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=2)
