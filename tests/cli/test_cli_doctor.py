"""jobctl doctor against private redis-servers configured each way, and the ACL line in the docs."""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable

import pytest
import redis

from jobcontracts.runtime import Connection, JobOptions, QueueAdmin, Worker, enqueue
from jobcontracts.runtime.connection import system_clock
from jobcontracts.runtime.permissions import acl_line, required_commands, script_commands
from jobcontracts.runtime.server_checks import Level
from jobcontracts.runtime.server_report import check_server
from jobcontracts.runtime.testing import RedisServer
from jobcontracts.runtime.testing_deployments import LocalCluster
from tests.cli.cli_support import ROOT, flat, invoke, table_row
from tests.runtime.runtime_testkit import Echo, Recorder, fast_settings, make_queue, running

PASSWORD = "s3cret-pass"
FIT = ("--appendonly", "yes", "--appendfsync", "everysec")


def doctor(url: str) -> tuple[int, str]:
    result = invoke(["doctor", "--redis-url", url])
    return result.exit_code, result.stdout


def row(output: str, check: str) -> str:
    return flat(" ".join(table_row(output, check)[1:]))


def documented_acl_line() -> str:
    text = (ROOT / "docs" / "runtime.md").read_text(encoding="utf-8")
    match = re.search(r"^user jobs .*$", text, re.MULTILINE)
    assert match, "docs/runtime.md has no ACL line for user jobs"
    return match.group(0)


def test_a_fit_redis_passes_every_check(redis_server_factory: Callable[..., RedisServer]) -> None:
    server = redis_server_factory(*FIT)
    code, output = doctor(server.url)
    assert code == 0, output
    for check in ("server", "eviction", "persistence", "latency", "clock", "permissions"):
        assert row(output, check).startswith("ok"), row(output, check)
    assert "Redis 7" in row(output, "server") or "Redis 6" in row(output, "server")
    assert "single server, primary" in row(output, "server")
    assert "AOF, fsync every second" in row(output, "persistence")


def test_eviction_policy_other_than_noeviction_is_an_error(
    redis_server_factory: Callable[..., RedisServer],
) -> None:
    server = redis_server_factory(*FIT, "--maxmemory-policy", "allkeys-lru")
    code, output = doctor(server.url)
    assert code == 1
    eviction = row(output, "eviction")
    assert eviction.startswith("error maxmemory-policy allkeys-lru")
    assert "CONFIG SET maxmemory-policy noeviction" in eviction


def test_persistence_says_what_a_restart_loses(
    redis_server_factory: Callable[..., RedisServer],
) -> None:
    none = redis_server_factory()
    code, output = doctor(none.url)
    assert code == 1
    assert "none (no AOF, no RDB): a restart loses every job" in row(output, "persistence")
    rdb = redis_server_factory("--save", "3600 1")
    code, output = doctor(rdb.url)
    assert code == 0  # a warning, not an error
    persistence = row(output, "persistence")
    assert persistence.startswith("warning RDB snapshots only (save 3600 1)")
    assert "appendonly yes" in persistence


def test_missing_password_is_the_only_finding(
    redis_server_factory: Callable[..., RedisServer],
) -> None:
    server = redis_server_factory(*FIT, password=PASSWORD)
    code, output = doctor(f"redis://127.0.0.1:{server.port}/0")
    assert code == 1
    assert row(output, "connection") == (
        "error Redis requires a password: add it to REDIS_URL as "
        f"redis://:PASSWORD@127.0.0.1:{server.port}/0 -"
    )


def test_acl_user_lacking_commands_is_told_which_to_grant(
    redis_server_factory: Callable[..., RedisServer],
) -> None:
    server = redis_server_factory(*FIT, password=PASSWORD)
    admin = redis.Redis.from_url(server.url)
    admin.acl_setuser(
        "jobs",
        enabled=True,
        passwords=[f"+{PASSWORD}"],
        keys=["jobs:*"],
        commands=["+@all", "-hset", "-bzpopmin"],
    )
    code, output = doctor(f"redis://jobs:{PASSWORD}@127.0.0.1:{server.port}/0")
    assert code == 1
    permissions = row(output, "permissions")
    assert permissions.startswith("error user 'jobs' may not run BZPOPMIN, HSET on jobs:*")
    assert "ACL SETUSER jobs +bzpopmin +hset" in permissions
    admin.acl_setuser("jobs", enabled=True, commands=["-evalsha"])
    code, output = doctor(f"redis://jobs:{PASSWORD}@127.0.0.1:{server.port}/0")
    assert code == 1
    assert "user 'jobs' may not run EVALSHA" in row(output, "permissions")
    admin.close()


def test_clock_offset_is_measured_against_the_redis_clock(
    redis_server_factory: Callable[..., RedisServer],
) -> None:
    server = redis_server_factory(*FIT)
    skewed = Connection(server.url, clock=lambda: system_clock() + 5000)
    clock = next(f for f in check_server(skewed) if f.check == "clock")
    assert clock.level is Level.WARNING
    offset = int(re.findall(r"this host is (\d+) ms ahead of Redis", clock.detail)[0])
    assert 4900 <= offset <= 5100
    assert "NTP" in clock.fix
    skewed.close()


def test_the_documented_acl_line_is_the_one_the_code_needs() -> None:
    line = documented_acl_line()
    assert line == acl_line("jobs", "jobs")
    assert {"hset", "zadd", "evalsha", "bzpopmin"} <= set(required_commands())
    assert "hset" in script_commands()  # read from the Lua scripts themselves


async def test_the_runtime_works_as_a_user_with_only_the_documented_acl_line(
    redis_server_factory: Callable[..., RedisServer],
) -> None:
    server = redis_server_factory(*FIT, password=PASSWORD)
    admin = redis.Redis.from_url(server.url)
    words = documented_acl_line().replace(">PASSWORD", f">{PASSWORD}").split()
    admin.execute_command("ACL", "SETUSER", *words[1:])  # type: ignore[no-untyped-call]
    url = f"redis://jobs:{PASSWORD}@127.0.0.1:{server.port}/0"
    code, output = doctor(url)
    assert row(output, "permissions").startswith("ok user 'jobs' may run every command")
    conn = Connection(url, prefix="jobs")
    queue = make_queue()
    recorder = Recorder()
    worker = Worker(queue, recorder, connection=conn, settings=fast_settings())
    async with running(worker):
        job = enqueue(queue, "double", Echo(value=21), JobOptions(), conn)
        result = await asyncio.to_thread(job.result, 10)
        assert result.doubled == 42
        state_admin = QueueAdmin("test", conn)
        state_admin.pause()
        state_admin.resume()
        assert (await state_admin.counts_async()).completed == 1
    assert admin.acl_whoami() == "default"
    assert code == 0, output
    await conn.aclose()
    admin.close()


def test_on_a_cluster_every_primary_is_checked_and_named(
    request: pytest.FixtureRequest,
) -> None:
    if os.environ.get("REDIS_CLUSTER_TESTS") == "0":
        pytest.skip("cluster runs disabled (REDIS_CLUSTER_TESTS=0)")
    cluster: LocalCluster = request.getfixturevalue("redis_cluster")
    code, output = doctor(cluster.url)
    assert code == 1  # the test cluster keeps no AOF or RDB
    assert row(output, "server").startswith("ok Redis")
    assert "Cluster, primary (on all 3 primaries)" in row(output, "server")
    assert "(on all 3 primaries)" in row(output, "persistence")
    assert row(output, "permissions").startswith("ok")
    port = cluster.primary_port("jobs")
    lone = cluster.node(port).client()
    lone.config_set("maxmemory-policy", "allkeys-lru")
    conn = Connection(cluster.url)
    try:
        code, output = doctor(cluster.url)
        eviction = next(f for f in check_server(conn) if f.check == "eviction")
    finally:
        lone.config_set("maxmemory-policy", "noeviction")
        lone.close()
        conn.close()
    assert code == 1
    assert row(output, "eviction").startswith("error maxmemory-policy allkeys-lru")
    assert eviction.level is Level.ERROR
    assert eviction.detail.endswith(f"(on 127.0.0.1:{port})")  # only that primary
