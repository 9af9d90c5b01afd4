"""The leak guard fails the module that leaves a socket open, and nothing else.

Each case runs a pytest process of its own (``pytester``) with this
repository's warning filters and ``tests/leak_guard.py``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

LEAKY = """
import socket


def test_drops_a_socket_only_the_collector_frees() -> None:
    sock = socket.socket()
    cycle: list[object] = [sock]
    cycle.append(cycle)


def test_later_in_the_module() -> None:
    pass
"""

DROPPED = """
import socket


def test_drops_a_socket() -> None:
    socket.socket()
"""

CLEAN = """
import socket


def test_closes_its_socket() -> None:
    with socket.socket():
        pass
"""


@pytest.fixture
def guarded(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A pytest project with this repository's warning filters and the guard."""
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    filters = "\n".join(f"    {line}" for line in options["ini_options"]["filterwarnings"])
    pytester.makeini(f"[pytest]\nfilterwarnings =\n{filters}\n")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    return pytester


def test_a_leak_fails_the_module_that_made_it_and_nothing_else(guarded: pytest.Pytester) -> None:
    """Left in garbage, a socket fails a test of its module (the last one's teardown at the
    latest); dropped at once, it fails the test that dropped it."""
    guarded.makepyfile(test_a_leaky=LEAKY, test_b_clean=CLEAN, test_c_dropped=DROPPED)
    result = guarded.runpytest_subprocess("-p", "tests.leak_guard", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    problems = sorted(
        line.split()[1].split("::")[0]
        for line in result.stdout.lines
        if line.startswith(("ERROR ", "FAILED "))
    )
    assert problems == ["test_a_leaky.py", "test_c_dropped.py"], result.stdout.str()
    result.stdout.fnmatch_lines(["*ResourceWarning: unclosed <socket.socket*"])
