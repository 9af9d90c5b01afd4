"""Job ids made by the client, before the first try, so a retried enqueue is idempotent.

If a connection drops after Redis ran an add but before its reply arrived,
the client retries the same call; because the id was fixed beforehand, the
retry finds the job it already added instead of adding it again.

An id is all digits (the form ``job_id`` refuses, so it cannot collide with a
caller's id): 13 digits of the creation time in ms, so ids sort by creation
time, then 12 digits drawn at random once per process (again after a fork),
then a 6-digit per-process counter, so ids of one process are strictly
increasing within a millisecond.
"""

from __future__ import annotations

import itertools
import os
import secrets
import threading

_COUNTER_SPAN = 1_000_000
_lock = threading.Lock()
_process = 0
_counter = itertools.count()


def _reseed() -> None:
    global _process, _counter
    with _lock:
        _process = secrets.randbelow(10**12)
        _counter = itertools.count(secrets.randbelow(_COUNTER_SPAN))


_reseed()
os.register_at_fork(after_in_child=_reseed)


def new_job_id(now_ms: int) -> str:
    """A fresh id: creation time, this process's random part, then its counter."""
    return f"{now_ms:013d}{_process:012d}{next(_counter) % _COUNTER_SPAN:06d}"
