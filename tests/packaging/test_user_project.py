"""The built wheel, installed into fresh virtualenvs, inside an application of a user's own.

A temporary directory plays the user's project: its own package ``myapp`` and its
own jobs.yaml. The full install (``[codegen]``) generates ``myapp/jobs``; the plain
install runs the worker as a process and enqueues a job whose typed result it reads.
Nothing from this repository is on ``sys.path``: no PYTHONPATH, and every command
runs in the user's directory.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false

from __future__ import annotations

import ast
import json
import subprocess
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import delete_prefix
from tests.packaging.venvs import (
    REPO_ROOT,
    Venv,
    build_wheel,
    clean_env,
    install,
    stop,
    top_level_names,
)

JOBS_YAML = """\
# yaml-language-server: $schema=./jobs.schema.json
version: 1
domains:
  reports:
    description: Reports built on request.
    jobs:
      count_words:
        description: Count the words of a text.
        payload:
          type: object
          required: [text]
          properties:
            text: {type: string, minLength: 1}
            shout: {type: boolean, default: false}
        result:
          type: object
          required: [words, first]
          properties:
            words: {type: integer, minimum: 0}
            first: {type: string}
"""

HANDLERS = """\
from jobcontracts.runtime import JobContext

from myapp.jobs.reports import CountWordsPayload, CountWordsResult


class ReportJobs:
    async def count_words(self, payload: CountWordsPayload, ctx: JobContext, /) -> CountWordsResult:
        words = payload.text.split()
        first = words[0].upper() if payload.shout else words[0]
        return CountWordsResult(words=len(words), first=first)
"""

WORKER = """\
import os

from jobcontracts.runtime import Connection

from myapp.handlers import ReportJobs
from myapp.jobs.reports import create_worker

worker = create_worker(
    ReportJobs(), connection=Connection(os.environ["REDIS_URL"], prefix=os.environ["MYAPP_PREFIX"])
)
"""

ENQUEUE = """\
import json, os, sys

import jobcontracts
from jobcontracts.runtime import Connection

from myapp.jobs.reports import CountWordsResult, JobName, add_job

connection = Connection(os.environ["REDIS_URL"], prefix=os.environ["MYAPP_PREFIX"])
job = add_job(JobName.COUNT_WORDS, {"text": "typed jobs for everyone", "shout": True},
              connection=connection)
result = job.result(timeout=60)
assert isinstance(result, CountWordsResult), type(result)
print(json.dumps({
    "result": result.model_dump(),
    "jobcontracts": jobcontracts.__file__,
    "sys_path": sys.path,
}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="module")
def full(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Venv:
    return install(wheel, tmp_path_factory.mktemp("venvs") / "full", extras="codegen")


@pytest.fixture(scope="module")
def lean(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Venv:
    return install(wheel, tmp_path_factory.mktemp("venvs") / "lean")


@pytest.fixture
def app(tmp_path: Path) -> Path:
    root = tmp_path / "userapp"
    (root / "myapp").mkdir(parents=True)
    (root / "jobs.yaml").write_text(JOBS_YAML)
    (root / "myapp" / "__init__.py").write_text("")
    (root / "myapp" / "handlers.py").write_text(HANDLERS)
    (root / "myapp" / "worker.py").write_text(WORKER)
    (root / "enqueue.py").write_text(ENQUEUE)
    return root


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    name = f"userapp-{uuid.uuid4().hex[:10]}"
    yield name
    delete_prefix(redis_url, name)


def run(command: list[str | Path], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_wheel_installs_one_top_level_package_and_no_example_code(wheel: Path) -> None:
    assert top_level_names(wheel) == ["jobcontracts", "jobcontracts-0.1.0.dist-info"]
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = archive.read("jobcontracts-0.1.0.dist-info/entry_points.txt").decode()
    assert not [name for name in names if "/generated/" in name or name.endswith("/demo")]
    assert "jobcontracts/runtime/lua/finish_and_claim_jobs.lua" in names
    assert "jobcontracts/codegen/templates/schemas.py.jinja" in names
    assert "[pytest11]\njobcontracts = jobcontracts.runtime.testing.pytest_plugin" in entry_points


def test_the_plain_install_lacks_the_code_generator_and_says_so(lean: Venv, app: Path) -> None:
    installed = lean.distributions()
    for generator_only in ("pyyaml", "jinja2", "datamodel-code-generator", "ruff", "black"):
        assert generator_only not in installed
    generated = run([lean.script("jobctl"), "generate", "--out", "myapp/jobs"], app)
    assert generated.returncode == 2
    assert "Traceback" not in generated.stderr
    assert generated.stderr.strip().splitlines() == [
        "jobctl generate needs the code generator, which this install lacks "
        "(yaml, jinja2, datamodel_code_generator, ruff): pip install 'jobcontracts[codegen]'"
    ]
    assert not (app / "myapp" / "jobs").exists()
    for absent in ("runtime", "codegen", "generated", "jobctl"):
        probe = run([lean.python, "-c", f"import {absent}"], app)
        assert f"No module named '{absent}'" in probe.stderr
    helpers = run([lean.python, "-c", "import jobcontracts.runtime.testing.strategies"], app)
    assert helpers.stderr.strip().splitlines()[-1] == (
        "ImportError: jobcontracts.runtime.testing.strategies needs hypothesis: "
        "pip install 'jobcontracts[testing]'"
    )


def test_generate_into_a_user_package_then_work_and_enqueue_from_the_plain_install(
    full: Venv, lean: Venv, app: Path, redis_url: str, prefix: str
) -> None:
    generated = run([full.script("jobctl"), "generate", "--out", "myapp/jobs"], app)
    assert generated.returncode == 0, generated.stderr
    assert "1 domain(s), 1 job(s) into myapp/jobs" in generated.stdout
    assert_imports_are_relative_or_jobcontracts(app / "myapp" / "jobs")
    checked = run([full.script("jobctl"), "check", "--out", "myapp/jobs"], app)
    assert checked.returncode == 0, checked.stderr

    env = {"REDIS_URL": redis_url, "MYAPP_PREFIX": prefix, "PYTHONUNBUFFERED": "1"}
    log_path = app / "worker.log"
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [str(lean.script("jobctl")), "worker", "myapp.worker:worker", "--json-logs"],
            cwd=app,
            env=clean_env(**env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            enqueued = run([lean.python, "enqueue.py"], app, **env)
        finally:
            exit_code = stop(worker)
    assert enqueued.returncode == 0, enqueued.stderr + log_path.read_text()
    report = json.loads(enqueued.stdout)
    assert report["result"] == {"words": 4, "first": "TYPED"}
    assert Path(report["jobcontracts"]).is_relative_to(lean.site_packages)
    assert not [entry for entry in report["sys_path"] if entry.startswith(str(REPO_ROOT))]
    assert exit_code == 0, log_path.read_text()
    assert '"job_name": "count_words"' in log_path.read_text()


def assert_imports_are_relative_or_jobcontracts(package: Path) -> None:
    """Generated code must work inside any user package, so it never names its own location."""
    absolute: list[str] = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                absolute.append(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                absolute.extend(alias.name.split(".")[0] for alias in node.names)
    allowed = {"__future__", "collections", "datetime", "enum", "typing", "uuid"}
    allowed |= {"pydantic", "jobcontracts"}
    assert absolute, "no imports found: was anything generated?"
    assert set(absolute) <= allowed, sorted(set(absolute) - allowed)
