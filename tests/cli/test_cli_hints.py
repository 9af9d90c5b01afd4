"""A mistyped domain or job name gets a did-you-mean, on every command that takes one."""

from __future__ import annotations

import json

import pytest

from jobcontracts.runtime import Connection
from tests.cli.cli_support import ADA, ROOT, flat, invoke, keys_under

SYNC_DATA = json.dumps({"user_id": ADA, "data_source": "webhook"})


@pytest.fixture(autouse=True)
def _in_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["enqueue", "guthub", "sync_data", SYNC_DATA], id="enqueue"),
        pytest.param(["stats", "guthub"], id="stats"),
        pytest.param(["show", "guthub", "1"], id="show"),
        pytest.param(["dlq", "list", "guthub"], id="dlq-list"),
        pytest.param(["pause", "guthub"], id="pause"),
    ],
)
def test_a_mistyped_domain_gets_a_did_you_mean(connection: Connection, command: list[str]) -> None:
    result = invoke([*command, "--prefix", connection.prefix, "--redis-url", connection.url])
    assert result.exit_code == 2, result.stdout
    message = flat(result.stderr)
    assert "no domain 'guthub' in generated/; did you mean 'github'? (known: email, github)" in (
        message
    )
    assert keys_under(connection.url, connection.prefix) == []


def test_an_unknown_domain_with_no_close_match_says_how_to_add_it(connection: Connection) -> None:
    result = invoke(["stats", "invoices", "--prefix", connection.prefix])
    assert result.exit_code == 2
    assert "no domain 'invoices' in generated/ (known: email, github);" in flat(result.stderr)
    assert "add it to jobs.yaml and run `jobctl generate`" in flat(result.stderr)


def test_a_mistyped_job_name_gets_a_did_you_mean(connection: Connection) -> None:
    where = ["--prefix", connection.prefix, "--redis-url", connection.url]
    result = invoke(["enqueue", "github", "sync_daat", SYNC_DATA, *where])
    assert result.exit_code == 2
    assert (
        "domain 'github' has no job 'sync_daat'; did you mean 'sync_data'?"
        " (known: sync_data, sync_repo)" in flat(result.stderr)
    )
    assert keys_under(connection.url, connection.prefix) == []
