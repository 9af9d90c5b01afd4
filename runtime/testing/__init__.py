"""Helpers for testing code that uses jobcontracts, shipped so users' test suites share ours.

- ``run_until_idle`` / ``run_until_idle_async``: run workers in the test's process
  until nothing is waiting or due, re-raising the first handler exception;
- ``job_context``: the ``JobContext`` a worker would pass, for calling a handler directly;
- ``ManualClock``: time in Redis that moves only when told (delays, backoffs);
- ``RedisServer``, ``free_port``, ``redis_answers``, ``delete_prefix``: throwaway
  servers and key clean-up;
- ``jobcontracts.runtime.testing.pytest_plugin``: the ``jobs_*`` fixtures, loaded
  by pytest through its entry point;
- ``jobcontracts.runtime.testing.strategies``: hypothesis strategies for payloads
  (needs hypothesis: ``pip install 'jobcontracts[testing]'``).
"""

from .clock import ManualClock
from .context import job_context
from .drain import (
    HandlerFailure,
    IdleReport,
    NotIdleError,
    run_until_idle,
    run_until_idle_async,
)
from .servers import RedisServer, delete_prefix, free_port, redis_answers

__all__ = [
    "HandlerFailure",
    "IdleReport",
    "ManualClock",
    "NotIdleError",
    "RedisServer",
    "delete_prefix",
    "free_port",
    "job_context",
    "redis_answers",
    "run_until_idle",
    "run_until_idle_async",
]
