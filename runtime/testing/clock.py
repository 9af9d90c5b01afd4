"""A clock for tests: time in Redis moves only when the test says so."""

from __future__ import annotations


class ManualClock:
    """A millisecond clock moved by hand; pass it as ``Connection(clock=...)``.

    Every timestamp the runtime writes to Redis (delays, backoff, leases,
    retention ages, repeats) then follows this clock, so tests advance time
    with ``clock.advance(5000)`` instead of sleeping.
    """

    def __init__(self, start_ms: int = 1_700_000_000_000) -> None:
        self.now = start_ms

    def __call__(self) -> int:
        return self.now

    def advance(self, ms: int) -> None:
        self.now += ms
