"""Per-system environments: one virtualenv per Python system, bench/.node for BullMQ on Node.

Nothing is installed into the project's own dependencies. A venv is (re)built when the
requirement list recorded in it differs from the pinned one.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from systems import BENCH_DIR, PROJECT_DIR, System

VENVS = BENCH_DIR / ".venvs"
NODE_DIR = BENCH_DIR / ".node"
NODE_PACKAGE = BENCH_DIR / "adapters" / "bullmq_node" / "package.json"
MARKER = ".bench-requirements"
PROJECT_PYTHON = PROJECT_DIR / ".venv" / "bin" / "python"
CONTRACT = BENCH_DIR / "contracts" / "jobs.yaml"
CONTRACT_OUT = BENCH_DIR / "contracts_generated"


class InstallError(RuntimeError):
    """A system could not be installed; the message's first line is reported."""


def _run(cmd: list[str], timeout: float = 600, cwd: Path | None = None) -> None:
    try:
        out = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, check=False, cwd=cwd
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InstallError(f"{cmd[0]}: {exc}") from exc
    if out.returncode != 0:
        lines = [ln for ln in (out.stderr + out.stdout).splitlines() if ln.strip()]
        errors = [ln for ln in lines if "error" in ln.lower()] or lines or ["(no output)"]
        raise InstallError(f"{' '.join(cmd[:3])}: {errors[0].strip()}")


def _venv_python(system: System) -> Path:
    venv = VENVS / system.venv
    python = venv / "bin" / "python"
    wanted = "\n".join(system.requirements)
    marker = venv / MARKER
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return python
    shutil.rmtree(venv, ignore_errors=True)
    base = getattr(sys, "_base_executable", sys.executable)
    if shutil.which("uv"):
        _run(["uv", "venv", "--quiet", "--python", base, str(venv)])
        _run(["uv", "pip", "install", "--quiet", "--python", str(python), *system.requirements])
    else:
        _run([base, "-m", "venv", str(venv)])
        _run([str(python), "-m", "pip", "install", "--quiet", *system.requirements])
    marker.write_text(wanted)
    return python


def _node_ready() -> None:
    if not shutil.which("node") or not shutil.which("npm"):
        raise InstallError("node/npm not found on PATH")
    NODE_DIR.mkdir(exist_ok=True)
    wanted = NODE_PACKAGE.read_text()
    package = NODE_DIR / "package.json"
    installed = NODE_DIR / "node_modules" / "bullmq" / "package.json"
    pinned = json.loads(wanted)["dependencies"]["bullmq"]
    if (
        package.exists()
        and package.read_text() == wanted
        and installed.exists()
        and json.loads(installed.read_text())["version"] == pinned
    ):
        return
    package.write_text(wanted)
    _run(["npm", "install", "--no-audit", "--no-fund"], cwd=NODE_DIR)


def _project_ready() -> Path:
    if not PROJECT_PYTHON.exists():
        raise InstallError(f"project venv not found: {PROJECT_PYTHON}")
    jobctl = PROJECT_PYTHON.parent / "jobctl"
    if not jobctl.exists():
        raise InstallError("jobctl is not installed in the project venv (pip install -e .)")
    _run(
        [str(jobctl), "generate", "--spec", str(CONTRACT), "--out", str(CONTRACT_OUT)],
        cwd=PROJECT_DIR,
    )
    return PROJECT_PYTHON


def prepare(system: System) -> Path:
    """Make the system runnable; return the Python interpreter that runs its adapter."""
    if system.env == "venv":
        return _venv_python(system)
    if system.env == "node":
        _node_ready()
        return Path(sys.executable)
    if system.env == "project":
        return _project_ready()
    raise InstallError(f"unknown env kind {system.env}")


def installed_version(python: Path, dist: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({dist!r}))"
    out = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    return out.stdout.strip() or "?"
