"""Developer sessions: ``nox -l`` lists them; ``nox`` runs the default set."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "uv"
nox.options.sessions = ["lint", "typecheck", "drift", "tests"]

PYTHON = "3.11"
CHECKED = ["jobcontracts", "generated", "examples", "tests"]


def _install(session: nox.Session) -> None:
    session.install("-e", ".[dev]")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The pytest suite against a real redis-server (started by the fixtures if none answers)."""
    _install(session)
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict and pyright (strict) over every package, generated code included."""
    _install(session)
    session.run("mypy", *CHECKED)
    session.run("pyright")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff lint + format check, and the import boundaries between packages."""
    _install(session)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")


@nox.session(python=PYTHON)
def drift(session: nox.Session) -> None:
    """Fail when generated/ no longer matches jobs.yaml."""
    _install(session)
    session.run("jobctl", "check")


@nox.session(python=PYTHON)
def golden(session: nox.Session) -> None:
    """Rewrite the expected output of the golden codegen tests after an intended change."""
    _install(session)
    session.run("python", "-m", "tests.golden.regenerate")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Side-by-side throughput, latency and memory against peer job queues (slow)."""
    _install(session)
    session.run("python", "bench/run.py", *session.posargs)


@nox.session(python=PYTHON, name="codegen-bench")
def codegen_bench(session: nox.Session) -> None:
    """Time ``jobctl generate`` and ``jobctl check`` on a 50-domain spec."""
    _install(session)
    session.run("python", "bench/codegen_bench.py", *session.posargs)


@nox.session(python=PYTHON)
def breaking(session: nox.Session) -> None:
    """Fail when this tree's jobs.yaml breaks queued jobs or callers compared with main."""
    _install(session)
    against = session.posargs[0] if session.posargs else "main"
    session.run("jobctl", "breaking", "--against", against)
