"""Retry timing: how long a failed attempt waits before the next one.

The backoff travels with the job as a compact spec string (``"e:2000:0.2"`` =
exponential, 2000 ms base, 20 % jitter) so a worker needs no job definition
to schedule a retry, and producers and workers agree on it.
"""

from __future__ import annotations

import random
from functools import lru_cache

from .durations import to_milliseconds
from .errors import InvalidOptionsError
from .options import Backoff

MAX_BACKOFF_MS = 7 * 24 * 3600 * 1000
"""Exponential backoff stops growing at one week."""


def pack_backoff(backoff: Backoff) -> str:
    if backoff.type not in ("fixed", "exponential"):
        raise InvalidOptionsError(
            f"backoff type must be 'fixed' or 'exponential', got {backoff.type!r}"
        )
    if not 0.0 <= backoff.jitter <= 1.0:
        raise InvalidOptionsError(f"backoff jitter must be within 0..1, got {backoff.jitter!r}")
    try:
        delay = to_milliseconds(backoff.delay)
    except (TypeError, ValueError) as exc:
        raise InvalidOptionsError(f"backoff delay: {exc}") from exc
    return f"{backoff.type[0]}:{delay}:{backoff.jitter:g}"


@lru_cache(maxsize=256)
def parse_backoff(spec: bytes) -> tuple[bool, int, float]:
    """(exponential?, base delay ms, jitter) from a packed spec; cached, specs repeat."""
    kind, delay, jitter = spec.decode().split(":")
    return kind == "e", int(delay), float(jitter)


def backoff_delay_ms(spec: bytes, attempt: int, rng: random.Random | None = None) -> int:
    """Delay before the attempt after ``attempt`` (which counts from 1) failed.

    ``fixed`` waits ``delay``; ``exponential`` waits ``delay * 2 ** (attempt - 1)``;
    jitter then subtracts a random fraction up to ``jitter`` of it.
    """
    exponential, delay, jitter = parse_backoff(spec)
    if exponential:
        delay = min(delay * 2 ** min(attempt - 1, 40), MAX_BACKOFF_MS)
    if jitter > 0 and delay > 0:
        delay -= int(delay * jitter * (rng or random).random())
    return delay
