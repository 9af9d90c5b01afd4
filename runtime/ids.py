"""Job ids made by the client, before the first try, so a retried enqueue is idempotent.

If a connection drops after Redis ran an add but before its reply arrived,
the client retries the same call; because the id was fixed beforehand, the
retry finds the job it already added instead of adding it again.

An id is ``MARK`` then 18 characters of a 64-letter alphabet listed in ASCII
order, so ids compare like the numbers they spell: 7 for the creation time in
ms (42 bits, enough until the year 2109), so ids sort by creation time; 7
drawn at random once per process (42 bits; again after a fork); then 4 of a
per-process counter (24 bits, from a random start), so ids of one process are
strictly increasing within a millisecond. A caller's ``job_id`` may not start
with ``MARK`` (``resolution.py``), so the two cannot collide.

Every job stores its id twice (in its key and in a queue index), so its length
is memory: 19 characters instead of the 31 digits of the earlier form, which
carried the same three parts in decimal. Ids of that form (all digits, which a
caller's ``job_id`` may not be either) still name their jobs: no script reads
anything from an id, and they sort before every id of this form.
"""

from __future__ import annotations

import itertools
import os
import secrets
import threading

__all__ = ["ALPHABET", "MARK", "is_generated_id", "new_job_id"]

ALPHABET = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
"""64 characters safe in keys, URLs and shells, in ASCII order (6 bits each)."""
MARK = "~"
"""First character of every generated id; refused at the start of a caller's ``job_id``.

Unreserved in URLs, so dashboard links and logs show ids as they are, and after
every character of ``ALPHABET`` and every digit in ASCII order.
"""

_PART_CHARS = 7
_TIME_SPAN = 64**_PART_CHARS
_COUNTER_SPAN = 64**4
_PAIRS = tuple(a + b for a in ALPHABET for b in ALPHABET)
"""Two characters per 12 bits: the counter is two lookups, not a loop."""
_lock = threading.Lock()
_process = ""
_counter = itertools.count()
_last_time: tuple[int, str] = (-1, "")
"""The latest creation time and the id's start for it (``MARK``, time, process part):
consecutive ids mostly share it."""


def _spell(value: int, chars: int) -> str:
    out: list[str] = []
    for _ in range(chars):
        value, digit = divmod(value, 64)
        out.append(ALPHABET[digit])
    return "".join(reversed(out))


def _spell_time(ms: int) -> str:
    """``_spell(ms, 7)`` (42 bits) as one lookup and three pair lookups: new every millisecond."""
    return (
        f"{ALPHABET[ms >> 36]}{_PAIRS[ms >> 24 & 4095]}{_PAIRS[ms >> 12 & 4095]}{_PAIRS[ms & 4095]}"
    )


def _reseed() -> None:
    global _process, _counter, _last_time
    with _lock:
        _process = _spell(secrets.randbelow(_TIME_SPAN), _PART_CHARS)
        _counter = itertools.count(secrets.randbelow(_COUNTER_SPAN))
        _last_time = (-1, "")  # its start holds the process part


_reseed()
os.register_at_fork(after_in_child=_reseed)


def new_job_id(now_ms: int) -> str:
    """A fresh id: ``MARK``, creation time, this process's random part, then its counter."""
    global _last_time
    last = _last_time
    if last[0] == now_ms:
        start = last[1]
    else:
        if not 0 <= now_ms < _TIME_SPAN:
            raise ValueError(f"creation time {now_ms} ms is outside 0..{_TIME_SPAN - 1}")
        start = f"{MARK}{_spell_time(now_ms)}{_process}"
        _last_time = (now_ms, start)
    count = next(_counter) % _COUNTER_SPAN
    return f"{start}{_PAIRS[count >> 12]}{_PAIRS[count & 4095]}"


def is_generated_id(job_id: str) -> bool:
    """Whether ``job_id`` was made here (either form) rather than given by a caller."""
    return job_id.startswith(MARK) or job_id.isdigit()
