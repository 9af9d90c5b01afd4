"""Durations at the call site: a ``timedelta`` or a number of seconds.

Users write ``delay=5`` or ``delay=timedelta(minutes=5)``; Redis wants integer
milliseconds. Converting in one place keeps rounding identical everywhere.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TypeAlias

Duration: TypeAlias = timedelta | int | float
"""A span of time: a ``timedelta``, or a number of seconds (int or float)."""


def to_milliseconds(value: Duration) -> int:
    """Whole milliseconds in ``value``, rounded up so a tiny delay is never zero."""
    if isinstance(value, bool):
        raise TypeError("a duration must be a timedelta or a number of seconds, not a bool")
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int | float):  # pyright: ignore[reportUnnecessaryIsInstance]
        seconds = float(value)
    else:
        raise TypeError(
            f"a duration must be a timedelta or a number of seconds, got {type(value).__name__}"
        )
    if math.isnan(seconds) or math.isinf(seconds):
        raise ValueError(f"a duration must be finite, got {seconds!r}")
    if seconds < 0:
        raise ValueError(f"a duration must not be negative, got {seconds!r} s")
    return math.ceil(seconds * 1000 - 1e-9)
