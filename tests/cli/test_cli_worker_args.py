"""``jobctl worker`` refuses bad targets with exit 2 and a message naming the problem."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from jobcontracts.cli.worker_command import prepared_worker
from tests.cli.cli_support import ROOT, flat, invoke


@pytest.fixture(autouse=True)
def _restore_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``jobctl worker`` replaces the root handlers; put pytest's back afterwards."""
    monkeypatch.chdir(ROOT)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        pytest.param(
            "examples.demo.worker",
            ["'examples.demo.worker' is not MODULE:ATTR", "examples.demo.worker:github_worker"],
            id="no-colon",
        ),
        pytest.param(":github_worker", ["is not MODULE:ATTR"], id="no-module"),
        pytest.param("examples.demo.worker:", ["is not MODULE:ATTR"], id="no-attr"),
        pytest.param(
            "no_such_module_xyz:make_worker",
            ["cannot import 'no_such_module_xyz'"],
            id="missing-module",
        ),
        pytest.param(
            "tests.cli.worker_targets:no_such_factory",
            ["module 'tests.cli.worker_targets' has no attribute 'no_such_factory'"],
            id="missing-attribute",
        ),
        pytest.param(
            "tests.cli.worker_targets:NOT_A_WORKER",
            ["tests.cli.worker_targets:NOT_A_WORKER is a int", "not a Worker"],
            id="not-a-worker",
        ),
        pytest.param(
            "tests.cli.worker_targets:returns_a_string",
            ["returns_a_string is a str", "not a Worker or a callable returning one"],
            id="factory-returns-no-worker",
        ),
        pytest.param(
            "tests.cli.worker_targets:incomplete_github_worker",
            ["handlers OnlySyncData for domain 'github'", "missing handler(s): sync_repo"],
            id="missing-handler",
        ),
    ],
)
def test_bad_worker_targets_exit_2_with_a_clear_message(target: str, expected: list[str]) -> None:
    result = invoke(["worker", target, "--human-logs"])
    assert result.exit_code == 2, (result.stdout, result.stderr)
    message = flat(result.stderr)
    assert message.startswith("error:"), message
    for fragment in expected:
        assert fragment in message, (fragment, message)
    assert "Traceback" not in result.stderr


def test_one_bad_target_among_good_ones_starts_nothing() -> None:
    result = invoke(
        [
            "worker",
            "tests.cli.worker_targets:complete_github_worker",
            "tests.cli.worker_targets:NOT_A_WORKER",
        ]
    )
    assert result.exit_code == 2
    assert "NOT_A_WORKER is a int" in flat(result.stderr)
    assert "started" not in result.stderr


def test_concurrency_below_one_is_a_usage_error() -> None:
    result = invoke(
        ["worker", "tests.cli.worker_targets:complete_github_worker", "--concurrency", "0"]
    )
    assert result.exit_code == 2
    assert "--concurrency" in flat(result.stderr)


def test_a_prefix_the_key_layout_cannot_take_is_a_usage_error() -> None:
    result = invoke(
        ["worker", "tests.cli.worker_targets:complete_github_worker", "--prefix", "my jobs"]
    )
    assert result.exit_code == 2
    assert "--prefix: prefix must not contain braces or whitespace: 'my jobs'" in flat(
        result.stderr
    )
    assert "started" not in result.stderr


def test_pool_sizes_given_on_the_command_line_reach_the_worker() -> None:
    worker = prepared_worker(
        "tests.cli.worker_targets:complete_github_worker",
        None,
        None,
        {"threads": 3, "processes": 2},
    )
    assert (worker.settings.threads, worker.settings.processes) == (3, 2)
    untouched = prepared_worker("tests.cli.worker_targets:complete_github_worker", None, None, {})
    assert untouched.settings.concurrency == worker.settings.concurrency
    assert (untouched.settings.threads, untouched.settings.processes) == (None, None)


@pytest.mark.parametrize("flag", ["--threads", "--processes"])
def test_pool_sizes_below_one_are_a_usage_error(flag: str) -> None:
    result = invoke(["worker", "tests.cli.worker_targets:complete_github_worker", flag, "0"])
    assert result.exit_code == 2
    assert flag in flat(result.stderr)
