"""jobctl against a Redis it cannot use: one line with the fix, no retry storm.

Each test starts a private redis-server configured the wrong way round
(password required, an ACL user without EVALSHA, TLS only) and checks the
message and how many connections the command opened: a refusal is asked once.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import redis

from jobcontracts.runtime.connection import ONE_SHOT
from jobcontracts.runtime.testing import RedisServer, free_port
from tests.cli.cli_support import ROOT, flat, invoke
from tests.cli.redis_faults import connections_seen, resetting_listener, tls_only_server
from tests.process.proc_support import jobctl

PASSWORD = "s3cret-pass"
PAYLOAD = '{"repository": {"owner": "octo", "name": "hello"}}'


def test_missing_password_is_named_with_the_fix_after_one_connection(
    redis_server_factory: Callable[..., RedisServer],
) -> None:
    server = redis_server_factory(password=PASSWORD)
    admin = redis.Redis.from_url(server.url)
    before = connections_seen(admin)
    result = invoke(["stats", "github", "--redis-url", f"redis://127.0.0.1:{server.port}/0"])
    assert result.exit_code == 1
    assert flat(result.stderr) == (
        "error: Redis requires a password: add it to REDIS_URL as "
        f"redis://:PASSWORD@127.0.0.1:{server.port}/0"
    )
    assert connections_seen(admin) - before == 1
    admin.close()


def test_wrong_password_is_named_after_one_connection(
    redis_server_factory: Callable[..., RedisServer],
) -> None:
    server = redis_server_factory(password=PASSWORD)
    admin = redis.Redis.from_url(server.url)
    before = connections_seen(admin)
    result = invoke(["stats", "github", "--redis-url", f"redis://:wrong@127.0.0.1:{server.port}"])
    assert result.exit_code == 1
    assert flat(result.stderr).startswith(
        "error: Redis rejected the password of user 'default' (wrong password, or the user "
        "is disabled): fix it in REDIS_URL"
    )
    assert "wrong" not in result.stderr.replace("(wrong password", "")  # never echo it
    assert connections_seen(admin) - before == 1
    admin.close()


def test_acl_user_without_evalsha_is_pointed_to_the_acl_line(
    redis_server_factory: Callable[..., RedisServer], key_prefix: str
) -> None:
    server = redis_server_factory(password=PASSWORD)
    admin = redis.Redis.from_url(server.url)
    admin.acl_setuser(
        "jobs", enabled=True, passwords=[f"+{PASSWORD}"], keys=["*"], commands=["+@all", "-evalsha"]
    )
    url = f"redis://jobs:{PASSWORD}@127.0.0.1:{server.port}/0"
    result = invoke(["enqueue", "github", "sync_repo", PAYLOAD, "--redis-url", url])
    assert result.exit_code == 1
    assert flat(result.stderr) == (
        "error: user 'jobs' may not run EVALSHA: see the ACL line in docs/runtime.md"
    )
    assert admin.dbsize() == 0  # nothing was written
    admin.close()


def test_unreachable_redis_gives_up_after_the_one_shot_budget() -> None:
    port = free_port()
    started = time.monotonic()
    result = invoke(["stats", "github", "--redis-url", f"redis://127.0.0.1:{port}/0"])
    elapsed = time.monotonic() - started
    assert result.exit_code == 1
    assert flat(result.stderr) == (
        f"error: cannot reach Redis at 127.0.0.1:{port}: connection refused "
        "(is it running, and is REDIS_URL right?)"
    )
    # The default policy took 8-15 s here; the one-shot budget is about a second.
    assert elapsed < 5, elapsed


def test_a_server_that_drops_connections_is_tried_within_the_one_shot_budget() -> None:
    with resetting_listener() as (port, accepted):
        result = invoke(["stats", "github", "--redis-url", f"redis://127.0.0.1:{port}/0"])
    assert result.exit_code == 1
    assert f"cannot reach Redis at 127.0.0.1:{port}" in flat(result.stderr)
    # redis-py nests the connect retry inside the command retry: (retries + 1) ** 2
    # tries at most (81 with the workers' policy), plus one TLS probe that found plain TCP.
    assert 2 <= accepted[0] <= (ONE_SHOT.retries + 1) ** 2 + 1, accepted


def test_plain_url_to_a_tls_port_says_it_looks_like_tls(tmp_path: Path) -> None:
    with tls_only_server(tmp_path) as port:
        result = invoke(["stats", "github", "--redis-url", f"redis://127.0.0.1:{port}/0"])
    assert result.exit_code == 1
    assert flat(result.stderr) == (
        f"error: the server at 127.0.0.1:{port} looks like TLS: "
        "use rediss:// instead of redis:// in REDIS_URL"
    )


def test_worker_with_a_wrong_password_exits_non_zero_with_the_line(
    redis_server_factory: Callable[..., RedisServer], tmp_path: Path
) -> None:
    server = redis_server_factory(password=PASSWORD)
    url = f"redis://:wrong@127.0.0.1:{server.port}/0"
    done = subprocess.run(
        [*jobctl(), "worker", "examples.demo.worker:github_worker", "--human-logs"],
        cwd=ROOT,
        env={**os.environ, "REDIS_URL": url, "DEMO_DB": str(tmp_path / "demo.sqlite3")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert flat(done.stderr.strip().splitlines()[-1]).startswith(
        "error: Redis rejected the password of user 'default'"
    )
    assert "Traceback" not in done.stderr
