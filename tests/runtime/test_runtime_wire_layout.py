"""The Lua scripts and ``runtime/wire.py`` describe the same data.

Each test reads the scripts as text and compares what they spell (hash fields,
outcome letters, return codes, argument counts, row widths, score constants)
with the names in the wire module, so a field or argument added on one side
only fails here. The score encoding is also run in Redis's own Lua and
compared with the Python function, and the job-hash table of
``docs/runtime.md`` must be the one the module generates.
"""

# pyright: reportUnknownMemberType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import cast

import pytest

from jobcontracts.runtime import Connection
from jobcontracts.runtime.keys import QueueKeys
from jobcontracts.runtime.pipelined import plain
from jobcontracts.runtime.script_calls import QueueCalls
from jobcontracts.runtime.states import JobState
from jobcontracts.runtime.wire import (
    ADD_ARGS_PER_JOB,
    ADD_ARGS_PER_SET,
    ADD_OWN_FIELDS,
    CLAIM_READS,
    CLAIM_ROW,
    DONE_TTL_MS,
    ERROR_HISTORY,
    HISTORY_MINUTES,
    MINUTE_MS,
    OPTIONS_COUNT,
    PRIORITY_OFFSET,
    SEQ_SPAN,
    STALL_ROW,
    AddJobArgs,
    ClaimMeta,
    HistoryField,
    JobField,
    RepeatField,
    RepeatStep,
    Settlement,
    SettleOutcome,
    StallEnd,
    WatchReply,
    wait_score,
)
from tests.runtime.runtime_testkit import sample_calls

LUA = resources.files("jobcontracts.runtime") / "lua"
SCRIPTS = {
    p.name.removesuffix(".lua"): p.read_text() for p in LUA.iterdir() if p.name.endswith(".lua")
}
COMMON = SCRIPTS["_common"]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "runtime.md"

_HASH_CALL = re.compile(r"redis\.call\('(HGETALL|HGET|HMGET|HSET|HDEL|HINCRBY)'")
_STRING = re.compile(r"'([^'\\]*)'")
_LITERAL = re.compile(r"(?<!\.\. )'([^']*)'(?! \.\.)")


def _function(source: str, name: str) -> str:
    """The body of ``local function name`` in ``source``."""
    start = source.index(f"local function {name}(")
    end = source.index("\nend\n", start)
    return source[start:end]


def _call_arguments(source: str, start: int) -> list[str]:
    """The top-level arguments of the call whose ``(`` is at ``start``, as written.

    Nested calls (``fmt(now)``) and quoted text stay inside their argument, so
    a field written after one is still seen.
    """
    args: list[str] = []
    depth, begin, at = 0, start + 1, start
    while at < len(source):
        char = source[at]
        if char == "'":
            closing = _STRING.match(source, at)
            assert closing is not None, f"an unclosed string at {source[at : at + 40]!r}"
            at = closing.end()
            continue
        if char in "({":
            depth += 1
        elif char in ")}":
            depth -= 1
            if depth == 0:
                return [*args, source[begin:at].strip()]
        elif char == "," and depth == 1:
            args.append(source[begin:at].strip())
            begin = at + 1
        at += 1
    raise AssertionError(f"a call this test cannot read: {source[start : start + 60]!r}")


def _hash_fields_in(source: str) -> set[str]:
    """The literal field names of every hash command in ``source`` (not ``'#' .. key``)."""
    fields: set[str] = set()
    calls = list(_HASH_CALL.finditer(source))
    assert len(calls) == source.count("redis.call('H"), "a hash command this test cannot read"
    for call in calls:
        command = call.group(1)
        _, _key, *rest = _call_arguments(source, call.start() + len("redis.call"))
        if command == "HGETALL":
            names: list[str] = []
        elif command in ("HINCRBY", "HSET"):  # one field, or field-value pairs
            names = rest[:1] if command == "HINCRBY" else rest[::2]
        else:
            names = rest
        fields |= {name[1:-1] for name in names if _STRING.fullmatch(name)}
    return fields


def _hash_fields() -> set[str]:
    """Every literal field name the scripts read or write in a hash (not ``'#' .. key``)."""
    fields: set[str] = set()
    for source in SCRIPTS.values():
        fields |= _hash_fields_in(source)
    create = _function(COMMON, "create_job")
    table = re.search(r"local fields = \{(.*?)\}", create, re.DOTALL)
    assert table is not None
    fields |= set(_LITERAL.findall(table.group(1)))
    fields |= set(re.findall(r"fields\[#fields \+ 1\] = '(\w+)'", create))
    return fields


def test_hash_fields_are_read_past_nested_calls_and_across_lines() -> None:
    source = (
        "redis.call('HSET', job_key, 'dr', fmt(now, 'x'), 'ft', now)\n"
        "redis.call('HMGET', job_key,\n  'n', 'd')\n"
        "redis.call('HINCRBY', key, 'c' .. minute, 1)\n"
        "redis.call('HSET', key, 'st', 'waiting', '#' .. key, 1)\n"
    )
    assert _hash_fields_in(source) == {"dr", "ft", "n", "d", "st"}


def test_every_hash_field_the_scripts_use_is_named_in_the_wire_module() -> None:
    used = _hash_fields()
    named = {f.value for f in JobField} | {HistoryField.LAST.value}
    assert used - named == set(), "fields the scripts use that runtime/wire.py does not name"
    assert named - used == set(), "fields runtime/wire.py names that no script uses"


def test_the_claim_reads_and_returns_what_the_claim_row_says() -> None:
    claim = SCRIPTS["finish_and_claim_jobs"]
    reads = [
        tuple(_LITERAL.findall(m.group(1)))
        for m in re.finditer(r"redis\.call\('HMGET', job_key, (.*)\)", claim)
    ]
    # plus the number of the job's shared options record, which stands in for a, b and t,
    # and the attempts made so far, which the claim raises by one
    extra = (JobField.OPTIONS.value, JobField.ATTEMPTS_MADE.value)
    assert (*(f.value for f in CLAIM_READS), *extra) in reads
    width = max(int(n) for n in re.findall(r"jobs\[n \+ (\d+)\]", claim))
    assert width == CLAIM_ROW == len(CLAIM_READS) + 2  # + id and attempt
    meta = re.search(r"return \{\{([^}]*)\}, jobs, ignored\}", claim)
    assert meta is not None
    assert len(meta.group(1).split(",")) == len(ClaimMeta._fields)


def test_settlements_have_the_shape_and_outcomes_the_settle_step_reads() -> None:
    claim = SCRIPTS["finish_and_claim_jobs"]
    assert max(int(i) for i in re.findall(r"entry\[(\d+)\]", claim)) == len(Settlement._fields)
    compared = set(re.findall(r"outcome == '(\w)'", claim))
    documented = set(re.findall(r"^--\s+'(\w)' ", claim, re.MULTILINE))
    outcomes = {o.value for o in SettleOutcome}
    assert documented == outcomes
    # the settle step tests every outcome but the last, which takes the ``else`` branch
    assert compared == outcomes - {SettleOutcome.HAND_BACK.value}


def test_return_codes_match_their_enums() -> None:
    watch = set(re.findall(r"return \{'(\w)'", SCRIPTS["watch_job"]))
    assert watch == {r.value for r in WatchReply}
    notified = set(re.findall(r"notify\([^)]*'(\w)' \.\.", "".join(SCRIPTS.values())))
    assert notified == {WatchReply.COMPLETED.value, WatchReply.DEAD.value}
    steps = set(re.findall(r"out\[#out \+ 1\] = (\d)", SCRIPTS["schedule_repeats"]))
    assert {int(s) for s in steps} == {s.value for s in RepeatStep}
    stall = _function(COMMON, "stall_job")
    assert set(re.findall(r"out\[#out \+ 1\] = '(\w)'", stall)) == {e.value for e in StallEnd}
    per_job = stall.count("out[#out + 1] =") - len(StallEnd) + 1
    assert per_job == STALL_ROW
    states = set(re.findall(r"'(\w+)'\}", SCRIPTS["read_job"])) | {"unknown"}
    assert states == {s.value for s in JobState}


def test_argument_counts_match() -> None:
    add = SCRIPTS["add_jobs"]
    per = re.search(r"^local per = (\d+)$", add, re.MULTILINE)
    documented = re.search(r"then (\d+) ARGV per job", add)
    assert per is not None
    assert documented is not None
    used = max(int(n) for n in re.findall(r"ARGV\[base \+ (\d+)\]", add)) + 1
    assert int(per.group(1)) == int(documented.group(1)) == used == ADD_ARGS_PER_JOB
    per_set = re.search(r"^local per_set = (\d+)$", add, re.MULTILINE)
    documented_set = re.search(r"then (\d+) ARGV per option set", add)
    assert per_set is not None
    assert documented_set is not None
    used_set = max(int(n) for n in re.findall(r"ARGV\[at \+ (\d+)\]", add))
    assert int(per_set.group(1)) == int(documented_set.group(1)) == used_set == ADD_ARGS_PER_SET
    assert len(AddJobArgs._fields) == ADD_ARGS_PER_SET + ADD_OWN_FIELDS
    for name, source in SCRIPTS.items():
        header = {int(i) for i in re.findall(r"^-- KEYS\[(\d+)\]", source, re.MULTILINE)}
        body = {int(i) for i in re.findall(r"KEYS\[(\d+)\]", source.split("\n\n", 1)[-1])}
        assert body <= header == set(range(1, len(header) + 1)), name


def _argv_layout(source: str) -> tuple[int, int]:
    """(fixed ARGV count, size of the repeated group or 0) as the script's header states them."""
    fixed = [int(i) for i in re.findall(r"^-- ARGV\[(\d+)\] ", source, re.MULTILINE)]
    group = re.search(r"^-- ARGV\[\d+\.\.\] (pairs|triples|job ids)", source, re.MULTILINE)
    per_job = re.search(r"then (\d+) ARGV per job", source)
    size = (
        int(per_job.group(1))
        if per_job
        else {"pairs": 2, "triples": 3, "job ids": 1}.get(group.group(1) if group else "", 0)
    )
    return max(fixed, default=0), size


def test_every_call_sends_the_keys_and_arguments_its_script_declares() -> None:
    calls = sample_calls(QueueCalls(QueueKeys.build("jobs", "github"), None))
    assert {c.script.name for c in calls} == set(SCRIPTS) - {"_common"}
    for call in calls:
        source = SCRIPTS[call.script.name]
        declared = re.findall(r"^-- KEYS\[(\d+)\]", source, re.MULTILINE)
        assert len(call.keys) == len(declared), call.script.name
        if call.head is not None:  # packed once: it must say what it stands for
            assert call.head == ("EVALSHA", call.script.sha, len(call.keys), *call.keys)
        if call.script.name == "check_permissions":
            continue  # groups of varying length, each led by its count
        fixed, group = _argv_layout(source)
        args = plain(call.args)  # the option sets of add_jobs travel packed
        if call.script.name == "add_jobs":  # the option sets come before the jobs
            fixed += int(args[1]) * ADD_ARGS_PER_SET
        if group:
            assert len(args) > fixed, call.script.name
            assert (len(args) - fixed) % group == 0, call.script.name
        else:
            assert len(args) == fixed, call.script.name


def test_repeat_definitions_use_only_named_keys() -> None:
    used = set(re.findall(r"\bdef\.(\w+)", "".join(SCRIPTS.values())))
    assert used <= {f.value for f in RepeatField}
    assert used >= {RepeatField.NAME.value, RepeatField.PAYLOAD.value, RepeatField.LIMIT.value}


def test_shared_options_records_hold_job_hash_fields() -> None:
    """Readers take fields of a shared options record by their job-hash names."""
    taken = set(re.findall(r"\bo\.(\w+)", "".join(SCRIPTS.values())))
    assert taken == {"a", "b", "t", "rc", "rf"}
    assert taken <= {f.value for f in JobField}
    assert f"local OPTIONS_COUNT = '{OPTIONS_COUNT}'" in COMMON


def test_constants_match() -> None:
    def local(name: str) -> int:
        found = re.search(rf"^local {name} = (\d+)", COMMON, re.MULTILINE)
        assert found is not None, name
        return int(found.group(1))

    assert local("PRIORITY_OFFSET") == PRIORITY_OFFSET
    assert local("SEQ_SPAN") == SEQ_SPAN
    assert local("ERROR_HISTORY") == ERROR_HISTORY
    assert local("HISTORY_MINUTES") == HISTORY_MINUTES
    history = _function(COMMON, "record_history")
    assert f"math.floor(now / {MINUTE_MS})" in history
    assert f"'PEXPIRE', done_key, {DONE_TTL_MS})" in _function(COMMON, "notify")
    assert {f"'{HistoryField.COMPLETED}' .. minute", f"'{HistoryField.FAILED}' .. minute"} <= {
        m.group(0) for m in re.finditer(r"'\w' \.\. minute", history)
    }


@pytest.mark.parametrize("priority", [-1_000_000, -7, 0, 3, 1_000_000])
def test_the_wait_score_is_the_same_in_lua_and_python(
    connection: Connection, priority: int
) -> None:
    client = connection.route(connection.prefix).sync_client()
    seqs = [1, 2, SEQ_SPAN - 1, SEQ_SPAN + 5, 2**40 + 3]
    script = COMMON + "\nlocal out = {}\n"
    script += "for i = 2, #ARGV do out[#out + 1] = fmt(wait_score(tonumber(ARGV[1]), "
    script += "tonumber(ARGV[i]))) end\nreturn out"
    reply = cast("list[bytes]", client.eval(script, 0, priority, *seqs))
    assert [int(r) for r in reply] == [wait_score(priority, s) for s in seqs]


def job_hash_table() -> str:
    """The job-hash table of ``docs/runtime.md``, as ``runtime/wire.py`` names the fields."""
    rows = ["| field | name in `JobField` | holds |", "| --- | --- | --- |"]
    rows += [f"| `{f.value}` | `{f.name}` | {f.meaning} |" for f in JobField]
    return "\n".join(rows) + "\n"


def test_the_docs_list_the_job_hash_fields_of_the_wire_module() -> None:
    table = job_hash_table()
    assert table in DOCS.read_text(), f"docs/runtime.md should contain this table:\n{table}"
