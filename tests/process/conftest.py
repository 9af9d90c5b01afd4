"""Worker-process tests (signals, restarts, logs) run against the single server only.

They start ``jobctl worker`` with ``REDIS_URL`` set to the single server and
restart private servers; the cluster runs of the runtime and CLI tests cover
the same code paths on a cluster.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jobcontracts.runtime import Connection
from tests.process.proc_support import Naps


@pytest.fixture
def deployment_url(redis_url: str) -> str:
    return redis_url


@pytest.fixture
def naps(connection: Connection, redis_url: str, tmp_path: Path) -> Naps:
    return Naps(connection, redis_url, tmp_path)
