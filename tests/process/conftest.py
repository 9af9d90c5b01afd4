"""Worker-process tests (signals, restarts, logs) run against the single server only.

They start ``jobctl worker`` with ``REDIS_URL`` set to the single server and
restart private servers; the cluster runs of the runtime and CLI tests cover
the same code paths on a cluster.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def deployment_url(redis_url: str) -> str:
    return redis_url
