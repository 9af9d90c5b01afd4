"""What ``add_jobs`` answers, the schedule the claim reports, and ``fmt``'s number text.

``add_jobs`` answers one integer per job: 1 or 0 (created, or found) for a job
whose id the producer sent, the counter value (negated when that id was taken)
for a job that took the counter's next value; ``parse_add`` gives back the
(id, created) pairs. The claim reads the first score of delayed and retry once
when nothing there is due, and its answer must still name the soonest of them.
``fmt`` writes an integer with ``%d`` (formatting a double costs several times
more) and anything else with ``%.0f``, as it always did: the text must be the
same for every number.
"""

# pyright: reportUnknownMemberType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

from typing import Any, cast

import pytest
import redis

from jobcontracts.runtime import Connection
from jobcontracts.runtime.evalsha import load_script
from jobcontracts.runtime.pipelined import plain
from jobcontracts.runtime.script_replies import parse_add
from jobcontracts.runtime.scripts import queue_scripts
from jobcontracts.runtime.wire import Settlement, wait_score
from tests.runtime.runtime_testkit import raw_job

DOMAIN = "replies"


def test_add_jobs_answers_one_integer_per_job(connection: Connection) -> None:
    scripts = queue_scripts(connection, DOMAIN)
    client = scripts.node().sync_client()
    client.set(scripts.keys.id, 40)
    client.hset(scripts.keys.job("43"), "n", "double")  # the counter's third value is taken
    jobs = [
        raw_job("own", "double", b"{}"),
        raw_job("", "double", b"{}"),
        raw_job("own", "double", b"{}"),
        raw_job("", "double", b"{}"),
    ]
    call = scripts.calls.add_jobs(1, jobs)
    text = call.script.text.decode()
    args = plain(call.args)
    reply = cast("list[Any]", client.eval(text, len(call.keys), *call.keys, *args))
    # "own" took 41 as its sequence, the first counter job 42; the second "own" is found;
    # the last counter job drew 43, whose key another writer holds
    assert reply == [1, 42, 0, -43]
    assert parse_add(jobs, call.parse(reply)) == [
        ("own", True),
        ("42", True),
        ("own", False),
        ("43", False),
    ]


@pytest.mark.parametrize("now", ["1.5", "1e3", "-5", " 7", ""])
def test_add_jobs_refuses_a_time_that_is_not_whole_ms(connection: Connection, now: str) -> None:
    """The time is stored as sent (the job's 'ts'), so only plain digits are taken."""
    scripts = queue_scripts(connection, DOMAIN)
    client = scripts.node().sync_client()
    call = scripts.calls.add_jobs(1, [raw_job("a", "double", b"{}")])
    args = [now, *plain(call.args)[1:]]
    with pytest.raises(redis.ResponseError, match="not a whole number of ms"):
        client.eval(call.script.text.decode(), len(call.keys), *call.keys, *args)
    assert not client.exists(scripts.keys.job("a"))


def test_add_jobs_through_the_facade_gives_ids_and_created_flags(connection: Connection) -> None:
    scripts = queue_scripts(connection, DOMAIN)
    first = scripts.add_jobs(1, [raw_job("a", "double", b"{}"), raw_job("", "double", b"{}")])
    (counter_id, created) = first[1]
    assert first[0] == ("a", True)
    assert created
    assert counter_id.isdigit()
    assert scripts.read_job(counter_id) is not None
    assert scripts.add_jobs(2, [raw_job("a", "double", b"{}")]) == [("a", False)]


def test_the_claim_reports_the_soonest_scheduled_job_and_repeat(connection: Connection) -> None:
    scripts = queue_scripts(connection, DOMAIN)
    client = scripts.node().sync_client()
    delayed = [raw_job(f"d{k}", "double", b"{}")._replace(delay_ms=k * 100) for k in (1, 2, 5)]
    scripts.add_jobs(1000, delayed)  # due at 1100, 1200, 1500
    client.zadd(scripts.keys.repeat, {"r": 1300})

    def claim(now: int, settled: list[Settlement] | None = None) -> tuple[list[str], Any]:
        reply = scripts.run(scripts.calls.finish_and_claim(now, "w:1", 10_000, 5, settled or []))
        return [j.id for j in reply.jobs], (reply.next_due_ms, reply.next_repeat_ms)

    assert claim(1000) == ([], (1100, 1300))
    assert claim(1150) == (["d1"], (1200, 1300))  # promoted, then delayed read again
    retry = Settlement.retry("d1", "w:1", "", 1250)
    assert claim(1160, [retry]) == ([], (1200, 1300))
    assert claim(1210) == (["d2"], (1250, 1300))
    assert claim(1260) == (["d1"], (1300, 1300))
    client.zrem(scripts.keys.repeat, "r")
    assert claim(1270) == ([], (1500, None))
    assert claim(1600) == (["d5"], (None, None))


def test_jobs_keep_their_fields_whichever_way_they_are_written(connection: Connection) -> None:
    """The usual job (ready now, shared options) is written without a table of fields."""
    scripts = queue_scripts(connection, DOMAIN)
    client = scripts.node().sync_client()
    usual = raw_job("u", "double", b'{"v":1}')._replace(shared_options='{"a":"3"}')
    jobs = [
        usual,
        usual._replace(job_id="t", trace_context="00-ab-cd-01"),
        usual._replace(job_id="l", delay_ms=50),
        usual._replace(job_id="r", repeat_key="every-minute"),
        raw_job("p", "double", b"{}"),
    ]
    assert scripts.add_jobs(1000, jobs) == [(j.job_id, True) for j in jobs]

    def fields(job_id: str) -> list[str]:
        return [
            f.decode() for f in cast("dict[bytes, bytes]", client.hgetall(scripts.keys.job(job_id)))
        ]

    assert fields("u") == ["n", "d", "s", "ts", "o"]
    assert fields("t") == ["n", "d", "s", "ts", "o", "tc"]
    assert fields("l") == ["n", "d", "s", "ts", "o", "ra"]
    assert fields("r") == ["n", "d", "s", "ts", "o", "rk"]
    assert fields("p") == ["n", "d", "s", "ts", "a", "b", "t"]
    stored = cast("dict[bytes, bytes]", client.hgetall(scripts.keys.job("u")))
    assert stored == {
        b"n": b"double",
        b"d": b'{"v":1}',
        b"s": str(wait_score(0, 1)).encode(),
        b"ts": b"1000",
        b"o": b"1",
    }
    assert client.lrange(scripts.keys.fifo, 0, -1) == [b"u", b"t", b"r", b"p"]


def test_history_keeps_its_minute_marker_when_a_minute_starts_with_failures(
    connection: Connection,
) -> None:
    """The first settlement of a minute moves 'last'; later ones of that minute skip it."""
    scripts = queue_scripts(connection, DOMAIN)
    client = scripts.node().sync_client()
    minute = 60_000
    scripts.add_jobs(5 * minute, [raw_job(f"h{k}", "double", b"{}") for k in range(4)])

    def settle(now: int, job_id: str, fail: bool) -> None:
        call = scripts.calls.finish_and_claim(now, "w:1", minute, 1, [])
        (held,) = scripts.run(call).jobs
        assert held.id == job_id
        ending = Settlement.retry(job_id, "w:1", "", now + 1) if fail else None
        done = ending or Settlement.completed(job_id, "w:1", "{}")
        scripts.run(scripts.calls.finish_and_claim(now, "w:1", minute, 0, [done]))

    def marker() -> bytes | None:
        return cast("bytes | None", client.hget(scripts.keys.history, "last"))

    settle(5 * minute + 1, "h0", fail=False)
    assert marker() == b"5"
    settle(5 * minute + 2, "h1", fail=False)  # the minute's count existed: no bookkeeping
    assert marker() == b"5"
    settle(6 * minute + 1, "h2", fail=True)  # a new minute that starts with a failure
    assert marker() == b"6"
    settle(6 * minute + 2, "h3", fail=False)  # its first completion, in a minute begun
    assert marker() == b"6"
    counts = cast("dict[bytes, bytes]", client.hgetall(scripts.keys.history))
    assert counts == {b"c5": b"2", b"f6": b"1", b"c6": b"1", b"last": b"6"}


@pytest.mark.parametrize(
    "number",
    [0, 1, -7, 42, 2**32, 4503599627370497, 2**53 - 1, 2**53, 2**60, 1.5, 2.5, -0.5, 1e300],
)
def test_fmt_writes_what_format_percent_0f_writes(connection: Connection, number: float) -> None:
    common = load_script("add_jobs").text.decode().split("\n-- add_jobs:", 1)[0]
    client = queue_scripts(connection, DOMAIN).node().sync_client()
    probe = common + "\nreturn {fmt(tonumber(ARGV[1])), string.format('%.0f', tonumber(ARGV[1]))}"
    ours, reference = cast("list[bytes]", client.eval(probe, 0, repr(number)))
    assert ours == reference
