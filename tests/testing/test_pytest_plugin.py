"""The ``jobs_*`` fixtures, as a user's test suite gets them: pytest loads the installed plugin.

Each test runs a separate pytest process in a temporary directory (``pytester``), so
the plugin is found through its entry point exactly as in a user's project.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false

from __future__ import annotations

import json

import pytest
import redis

from jobcontracts.runtime.testing import redis_answers

USER_TEST = """
import json, pathlib

from jobcontracts.runtime.testing import ManualClock


def test_uses_the_fixtures(jobs_redis_url, jobs_connection, jobs_clock):
    assert isinstance(jobs_clock, ManualClock)
    assert jobs_connection.clock is jobs_clock
    jobs_connection.sync_client().set(f"{jobs_connection.prefix}:mine", "1")
    pathlib.Path("seen.json").write_text(
        json.dumps({"url": jobs_redis_url, "prefix": jobs_connection.prefix})
    )


def test_each_test_gets_its_own_prefix(jobs_connection):
    seen = json.loads(pathlib.Path("seen.json").read_text())
    assert jobs_connection.prefix != seen["prefix"]
    assert jobs_connection.sync_client().exists(f"{seen['prefix']}:mine") == 0
"""


def test_with_redis_url_set_keys_are_namespaced_and_cleaned(
    pytester: pytest.Pytester, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", redis_url)
    pytester.makepyfile(test_user=USER_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    seen = json.loads((pytester.path / "seen.json").read_text())
    assert seen["url"] == redis_url
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.exists(f"{seen['prefix']}:mine") == 0
    finally:
        client.close()


def test_without_redis_url_a_throwaway_server_runs_for_the_session(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    pytester.makepyfile(test_user=USER_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    seen = json.loads((pytester.path / "seen.json").read_text())
    assert seen["url"].startswith("redis://127.0.0.1:")
    assert not seen["url"].endswith(":6379/0")
    assert not redis_answers(seen["url"])  # stopped with the session
