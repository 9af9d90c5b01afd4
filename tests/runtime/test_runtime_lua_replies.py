"""The hot scripts' small parts that must not drift: ``fmt``'s number text.

``fmt`` writes an integer with ``%d`` (formatting a double costs several times
more) and anything else with ``%.0f``, as it always did: the text must be the
same for every number.
"""

# pyright: reportUnknownMemberType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

from typing import cast

import pytest

from jobcontracts.runtime import Connection
from jobcontracts.runtime.evalsha import load_script


@pytest.mark.parametrize(
    "number",
    [0, 1, -7, 42, 2**32, 4503599627370497, 2**53 - 1, 2**53, 2**60, 1.5, 2.5, -0.5, 1e300],
)
def test_fmt_writes_what_format_percent_0f_writes(connection: Connection, number: float) -> None:
    common = load_script("add_jobs").text.decode().split("\n-- add_jobs:", 1)[0]
    client = connection.sync_client()
    probe = common + "\nreturn {fmt(tonumber(ARGV[1])), string.format('%.0f', tonumber(ARGV[1]))}"
    ours, reference = cast("list[bytes]", client.eval(probe, 0, repr(number)))
    assert ours == reference
