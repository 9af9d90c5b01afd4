"""Building the wheel from the checkout and installing it into fresh virtualenvs with uv.

Used by the user-project test and by ``bench/install_size.py``. uv's cache makes a
second install of the same packages a matter of links, so the test stays fast.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def uv() -> str:
    """The uv binary: on PATH, else next to this interpreter."""
    found = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not Path(found).exists():
        raise RuntimeError("uv is not installed (scripts/bootstrap.sh installs it)")
    return found


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without anything that would put the repository on sys.path."""
    drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "UV_PROJECT_ENVIRONMENT"}
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env.update(extra)
    return env


def _run(command: list[str], cwd: Path) -> str:
    completed = subprocess.run(
        command, cwd=cwd, env=clean_env(), capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({completed.returncode}):\n"
            f"{completed.stdout}{completed.stderr}"
        )
    return completed.stdout


def stop(process: subprocess.Popen[bytes], timeout: float = 60) -> int | None:
    """SIGTERM and the exit code; None if it had to be killed after ``timeout`` seconds.

    A minute, because a loaded CI machine can take that long to start and stop Python.
    """
    process.terminate()
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None


def build_wheel(out_dir: Path) -> Path:
    """``uv build --wheel`` of the checkout; the path of the one wheel it wrote."""
    _run([uv(), "build", "--wheel", "--quiet", "--out-dir", str(out_dir), str(REPO_ROOT)], out_dir)
    (wheel,) = out_dir.glob("jobcontracts-*.whl")
    return wheel


def top_level_names(wheel: Path) -> list[str]:
    """The first path component of every file in the wheel: what lands in site-packages."""
    with zipfile.ZipFile(wheel) as archive:
        return sorted({name.split("/", 1)[0] for name in archive.namelist()})


@dataclass(frozen=True)
class Venv:
    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    def script(self, name: str) -> Path:
        return self.root / "bin" / name

    @property
    def site_packages(self) -> Path:
        (found,) = self.root.glob("lib/python*/site-packages")
        return found

    def distributions(self) -> list[str]:
        listing = _run(
            [uv(), "pip", "list", "--format", "json", "--python", str(self.python)], self.root
        )
        return sorted(entry["name"] for entry in json.loads(listing))

    def size_bytes(self) -> int:
        """Bytes of every file in the virtualenv (site-packages and scripts such as ruff's binary).

        Symbolic links (the interpreter) are not followed, so only what the install added counts.
        """
        return sum(
            path.lstat().st_size
            for path in self.root.rglob("*")
            if path.is_file() and not path.is_symlink()
        )


def install(wheel: Path, root: Path, extras: str = "") -> Venv:
    """A fresh virtualenv at ``root`` with the wheel (and ``extras``, e.g. "codegen") installed."""
    _run([uv(), "venv", "--quiet", "--python", sys.executable, str(root)], root.parent)
    venv = Venv(root)
    requirement = f"jobcontracts{f'[{extras}]' if extras else ''} @ {wheel.as_uri()}"
    command = [uv(), "pip", "install", "--quiet", "--python", str(venv.python), requirement]
    _run(command, root.parent)
    return venv
