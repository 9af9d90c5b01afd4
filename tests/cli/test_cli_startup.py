"""``jobctl`` starts without importing what the command does not use.

Start-up time is measured in ``bench/``; what is asserted here is its cause,
the import graph, in a fresh interpreter: ``--help`` needs neither the models
(pydantic), nor Redis, nor the code generator, nor the observability extras;
``stats`` reads queues by name and imports no generated package; a plain
``worker`` or ``stats`` call runs without typer (``cli/fast_path.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.cli.cli_support import ROOT

_PROBE = """
import json, sys
sys.argv = ["jobctl", *json.loads(sys.argv[1])]
{setup}
try:
    {run}
except SystemExit:
    pass
print("\\nMODULES " + json.dumps(sorted(sys.modules)))
"""
_HEAVY = frozenset(
    {
        "jinja2",
        "yaml",
        "ruamel",
        "datamodel_code_generator",
        "prometheus_client",
        "opentelemetry",
        "fastapi",
        "starlette",
    }
)
"""The code generator's and the observability extras' dependencies."""


def _modules_after(setup: str, run: str, args: list[str], env: dict[str, str]) -> set[str]:
    code = _PROBE.format(setup=setup, run=run)
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(args)],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    marker = done.stdout.rfind("\nMODULES ")
    assert marker >= 0, done.stdout + done.stderr
    return set(json.loads(done.stdout[marker + len("\nMODULES ") :]))


def _roots(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_importing_the_cli_imports_no_models_redis_rich_or_extras() -> None:
    modules = _modules_after("import jobcontracts.cli.commands", "pass", [], {})
    assert _roots(modules).isdisjoint({"pydantic", "redis", "rich", *_HEAVY})
    codegen = {name for name in modules if name.startswith("jobcontracts.codegen.")}
    assert codegen <= {"jobcontracts.codegen.cli", "jobcontracts.codegen.errors"}, codegen


def test_help_imports_no_models_redis_or_extras() -> None:
    modules = _modules_after(
        "from jobcontracts.cli.app import app", "app()", ["--help"], {"COLUMNS": "100"}
    )
    assert _roots(modules).isdisjoint({"pydantic", "redis", *_HEAVY})


@pytest.mark.parametrize("args", [["--help"], ["stats", "--help"], [], ["stats", "--bogus"]])
def test_help_and_usage_errors_leave_out_markdown_and_tracebacks(args: list[str]) -> None:
    modules = _modules_after("from jobcontracts.cli.app import main", "main()", args, {})
    assert "typer.rich_utils" in modules  # typer drew the help or the error
    assert {"rich.markdown", "rich.traceback", "markdown_it", "pygments"}.isdisjoint(modules)


def test_typer_still_gets_real_markdown_and_tracebacks_when_it_asks() -> None:
    code = """
from jobcontracts.cli import rich_help
rich_help.load()
from typer import rich_utils
from typer.models import DeveloperExceptionConfig
text = rich_utils._make_rich_text(text="# Title", markup_mode="markdown")
try:
    raise ValueError("boom")
except ValueError as error:
    traceback = rich_utils.get_traceback(error, DeveloperExceptionConfig(), [])
print(type(text).__module__, type(text).__name__)
print(type(traceback).__module__, type(traceback).__name__)
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.splitlines() == ["rich.markdown Markdown", "rich.traceback Traceback"]


def test_the_runtime_package_imports_a_name_only_when_asked() -> None:
    modules = _modules_after("import jobcontracts.runtime", "pass", [], {})
    assert _roots(modules).isdisjoint({"pydantic", "redis"})
    modules = _modules_after("from jobcontracts.runtime import QueueAdmin", "pass", [], {})
    assert "redis" in _roots(modules)
    assert "jobcontracts.runtime.contract" not in modules  # reading queues needs no models


@pytest.mark.parametrize("command", [["stats"], ["stats", "github"], ["show", "email", "7"]])
def test_queue_commands_import_no_generated_package(
    command: list[str], redis_url: str, key_prefix: str
) -> None:
    modules = _modules_after(
        "from jobcontracts.cli.app import app",
        "app()",
        [*command, "--prefix", key_prefix],
        {"REDIS_URL": redis_url},
    )
    assert not any(name.startswith("generated") for name in modules), sorted(modules)
    assert "jobcontracts.runtime.contract" not in modules
    assert _roots(modules).isdisjoint(_HEAVY - {"opentelemetry"})  # redis-py loads the API
    assert "pydantic" not in _roots(modules)  # plain options convert without typer's adapters


def test_a_plain_worker_or_stats_call_runs_without_typer(redis_url: str, key_prefix: str) -> None:
    target = "tests.cli.worker_targets:complete_github_worker"
    burst = ["worker", target, "--prefix", key_prefix, "--burst", "--log-level", "error"]
    for args in (["stats", "--prefix", key_prefix], burst):
        modules = _modules_after(
            "from jobcontracts.cli.app import main", "main()", args, {"REDIS_URL": redis_url}
        )
        assert "jobcontracts.cli.output" in modules, args  # the command did run
        assert "typer" not in _roots(modules), args
        assert "difflib" not in modules, args  # did-you-mean is for failures only
    help_modules = _modules_after(
        "from jobcontracts.cli.app import main", "main()", ["worker", "--help"], {}
    )
    assert "typer" in _roots(help_modules)  # --help is typer's
