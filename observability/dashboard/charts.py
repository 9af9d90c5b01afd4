"""Throughput bars as plain numbers for an inline SVG: no chart library, no script."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jobcontracts.runtime.history import MinuteCount

WIDTH = 600
HEIGHT = 80


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    width: float
    completed: int
    failed: int
    completed_height: float
    failed_height: float
    label: str


@dataclass(frozen=True, slots=True)
class Chart:
    bars: list[Bar]
    peak: int
    completed: int
    failed: int
    width: int = WIDTH
    height: int = HEIGHT


def chart(minutes: Sequence[MinuteCount], bars: int) -> Chart:
    """Group ``minutes`` (oldest first) into ``bars`` equal buckets, scaled to the busiest."""
    size = max(len(minutes) // bars, 1)
    groups = [minutes[i : i + size] for i in range(0, len(minutes), size)]
    sums = [(sum(m.completed for m in g), sum(m.failed for m in g), g[0]) for g in groups]
    peak = max((c + f for c, f, _ in sums), default=0)
    step = WIDTH / max(len(sums), 1)
    scale = (HEIGHT - 2) / peak if peak else 0.0
    return Chart(
        [
            Bar(
                x=i * step,
                width=max(step - 1, 1),
                completed=c,
                failed=f,
                completed_height=c * scale,
                failed_height=f * scale,
                label=first.minute.strftime("%H:%M UTC"),
            )
            for i, (c, f, first) in enumerate(sums)
        ],
        peak,
        sum(c for c, _, _ in sums),
        sum(f for _, f, _ in sums),
    )
