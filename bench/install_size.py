"""What a plain install of the wheel weighs against one with the code generator.

Run from the repository root: ``.venv/bin/python bench/install_size.py``. Builds the
wheel from the checkout, installs it into two fresh virtualenvs in a temporary
directory (plain, and ``[codegen]``) and prints the wheel's top-level names and, for
each install, the number of distributions and the size of the virtualenv on disk.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.packaging.venvs import build_wheel, install, top_level_names  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="jobcontracts-size-") as directory:
        root = Path(directory)
        (root / "wheel").mkdir()
        wheel = build_wheel(root / "wheel")
        print(f"wheel: {wheel.name}, {wheel.stat().st_size / 1e3:.0f} kB")
        print(f"top-level names in the wheel: {', '.join(top_level_names(wheel))}")
        print("| install | distributions | MB on disk |")
        print("| --- | ---: | ---: |")
        for label, extras in (("jobcontracts", ""), ("jobcontracts[codegen]", "codegen")):
            venv = install(wheel, root / (extras or "plain"), extras)
            count = len(venv.distributions())
            print(f"| `{label}` | {count} | {venv.size_bytes() / 1e6:.1f} |")


if __name__ == "__main__":
    main()
