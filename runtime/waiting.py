"""Waiting jobs in the order workers will claim them, read a page at a time.

Ready jobs wait in two keys (``lua/_common.lua``): priority-0 jobs, the
default, in the ``fifo`` LIST, other priorities in the ``wait`` ZSET, which
may also hold priority-0 jobs queued by earlier versions. A claim takes the
ZSET's members scored below ``wait_score(-1, 0)`` (priorities above 0, then
that priority-0 band), then the LIST, then the rest of the ZSET (negative
priorities). Listings follow the same order, so a page here is the order of
the claims to come; reading it costs two round trips, each one MULTI, and
the work of one page whatever the length of the queue.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

from typing import Any, NamedTuple, cast

from .keys import QueueKeys
from .wire import wait_score

BELOW_ZERO = wait_score(-1, 0)
"""The first ``wait`` score a claim takes after the ``fifo`` LIST."""


class Span(NamedTuple):
    """Positions ``first..last`` (inclusive) of one key: ZSET ranks or LIST indexes."""

    in_list: bool
    first: int
    last: int


def claim_order_spans(head: int, listed: int, zset: int, start: int, stop: int) -> list[Span]:
    """The spans that make up claim positions ``start..stop`` (inclusive).

    ``head`` ZSET members are claimed before the LIST's ``listed`` entries and
    the other ``zset - head`` members after them.
    """
    parts = ((False, 0, head), (True, 0, listed), (False, head, zset - head))
    spans: list[Span] = []
    offset = 0
    for in_list, base, size in parts:
        first, last = max(start - offset, 0), min(stop - offset, size - 1)
        if first <= last:
            spans.append(Span(in_list, base + first, base + last))
        offset += size
    return spans


def waiting_page(client: Any, keys: QueueKeys, start: int, stop: int) -> tuple[int, list[bytes]]:
    """(jobs waiting, the ids at claim positions ``start..stop``) on a redis-py client.

    The sizes and the page are read in two transactions: a job claimed in
    between may be missing from the page, or another shown twice, as in any
    listing of a live queue.
    """
    pipe = client.pipeline(transaction=True)
    pipe.zcount(keys.wait, "-inf", f"({BELOW_ZERO}")
    pipe.llen(keys.fifo)
    pipe.zcard(keys.wait)
    head, listed, zset = (int(n) for n in pipe.execute())
    spans = claim_order_spans(head, listed, zset, start, stop)
    if not spans:
        return listed + zset, []
    pipe = client.pipeline(transaction=True)
    for span in spans:
        if span.in_list:
            pipe.lrange(keys.fifo, span.first, span.last)
        else:
            pipe.zrange(keys.wait, span.first, span.last)
    pages = cast("list[list[bytes]]", pipe.execute())
    return listed + zset, [job_id for page in pages for job_id in page]
