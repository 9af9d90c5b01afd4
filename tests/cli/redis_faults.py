"""Redis servers that refuse us in each way the CLI must explain: TLS only, reset on accept.

The servers themselves live in ``jobcontracts.runtime.testing.faults`` (the
connection-fault bench starts the same ones); here a missing openssl or a
redis-server built without TLS skips the test and says why.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Generator
from pathlib import Path

import pytest

from jobcontracts.runtime.testing import faults
from jobcontracts.runtime.testing.faults import connections_seen, resetting_listener

__all__ = ["connections_seen", "resetting_listener", "tls_only_server"]


@contextlib.contextmanager
def tls_only_server(directory: Path) -> Generator[int]:
    """A redis-server with only a TLS port (self-signed certificate); yields the port."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: cannot make a certificate for the TLS server")
    with contextlib.ExitStack() as stack:
        try:
            port = stack.enter_context(faults.tls_only_server(directory))
        except faults.ServerStartError as error:
            if "tls" in error.output.lower():
                pytest.skip(f"redis-server was built without TLS support: {error.output}")
            raise
        yield port
