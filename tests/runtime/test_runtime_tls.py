"""A TLS-only server with client certificates and an ACL user limited to the runtime's needs.

Certificates are made with ``openssl`` for this test; the server listens on a
TLS port only (``--port 0``), requires a client certificate, has the default
user switched off and one user whose ACL line is ``MINIMAL_ACL``, the line
docs/runtime.md documents. Everything the runtime does goes through that
user: enqueue, workers with retries and dead letters, waiting for results,
pause/resume, DLQ retry and purge, repeats and ``jobctl``.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
import redis
from redis.exceptions import NoPermissionError

from jobcontracts.runtime import (
    Connection,
    JobOptions,
    QueueAdmin,
    Repeat,
    Worker,
    enqueue,
    enqueue_async,
    enqueue_many,
)
from jobcontracts.runtime.permissions import acl_line
from jobcontracts.runtime.testing import free_port
from jobcontracts.runtime.testing_deployments import Process
from tests.cli.cli_support import invoke
from tests.runtime.runtime_testkit import (
    Doubled,
    Recorder,
    fast_settings,
    make_queue,
    running,
    wait_counts,
)

PREFIX = "tlsjobs"
PASSWORD = "s3cret-for-tests"
MINIMAL_ACL = acl_line(user="jobs", prefix=PREFIX).replace(">PASSWORD", f">{PASSWORD}")
"""Exactly the line docs/runtime.md documents (both come from ``runtime/permissions.py``)."""
QUEUE = make_queue("secure")


@dataclass
class TlsServer:
    url: str
    plain_port: int
    certs: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


def _issue(name: str, cwd: Path) -> None:
    """A P-256 key and a certificate for 127.0.0.1 signed by the test CA."""
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl(
        "req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=cwd
    )
    (cwd / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _openssl(
        "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", f"{name}.crt", cwd=cwd,
    )  # fmt: skip


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    if shutil.which("openssl") is None:
        pytest.fail("openssl is needed (scripts/bootstrap.sh installs it)")
    certs = tmp_path_factory.mktemp("tls")
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
             "-subj", "/CN=jobcontracts-test-ca", cwd=certs)  # fmt: skip
    _issue("server", certs)
    _issue("client", certs)
    (certs / "users.acl").write_text(f"user default off\n{MINIMAL_ACL}\n")
    port = free_port()
    server = Process(
        port,
        certs / "data",
        [
            "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1",
            "--tls-cert-file", str(certs / "server.crt"),
            "--tls-key-file", str(certs / "server.key"),
            "--tls-ca-cert-file", str(certs / "ca.crt"),
            "--tls-auth-clients", "yes",
            "--aclfile", str(certs / "users.acl"),
            "--save", "", "--appendonly", "no",
        ],
    )  # fmt: skip
    server.start()
    query = urlencode(
        {
            "ssl_ca_certs": certs / "ca.crt",
            "ssl_certfile": certs / "client.crt",
            "ssl_keyfile": certs / "client.key",
        }
    )
    url = f"rediss://jobs:{PASSWORD}@127.0.0.1:{port}/0?{query}"
    deadline = time.monotonic() + 10
    while True:
        try:
            if redis.Redis.from_url(url, socket_timeout=1).ping():
                break
        except redis.RedisError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        yield TlsServer(url, port, certs)
    finally:
        server.kill()


async def test_everything_runs_as_the_restricted_user_over_tls(tls_server: TlsServer) -> None:
    conn = Connection(tls_server.url, prefix=PREFIX)
    admin = QueueAdmin(QUEUE.domain, conn)
    recorder = Recorder()
    recorder.fail_until_attempt = 1  # one retry per job
    settings = fast_settings(stall_check=0.05)
    async with running(Worker(QUEUE, recorder, connection=conn, settings=settings)):
        job = await enqueue_async(QUEUE, "double", {"value": 3}, JobOptions(), conn)
        assert await job.result(timeout=10) == Doubled(doubled=6)
        many = enqueue_many(QUEUE, [("double", {"value": i}) for i in range(5)], conn)
        assert [await asyncio.to_thread(h.result, 10) for h in many] == [
            Doubled(doubled=2 * i) for i in range(5)
        ]
        await admin.pause_async()
        paused = enqueue(QUEUE, "double", {"value": 9}, JobOptions(attempts=1), conn)
        await asyncio.sleep(0.1)
        assert (await admin.counts_async()).waiting == 1
        await admin.resume_async()
        await wait_counts(admin, dead=1, waiting=0, active=0)  # one attempt, it failed
        assert (await admin.dead_letters_async())[0].id == paused.id
        repeat = enqueue(QUEUE, "note", {"value": 1}, JobOptions(repeat=Repeat(every=60)), conn)
        assert [r.key for r in await admin.repeats_async()]
        assert await admin.remove_repeat_async((await admin.repeats_async())[0].key)
        assert repeat.id
    assert admin.retry_dead() == 1
    assert admin.purge_dead() == 0
    assert admin.job(job.id) is not None
    await conn.aclose()


def test_jobctl_over_tls_with_the_restricted_user(tls_server: TlsServer) -> None:
    where = ["--redis-url", tls_server.url, "--prefix", PREFIX]
    payload = '{"user_id": "0b7e7c8e-2f61-4a55-9d6e-8f1f9c2a1b11", "data_source": "webhook"}'
    result = invoke(["enqueue", "github", "sync_data", payload, *where])
    assert result.exit_code == 0, result.stderr
    shown = invoke(["show", "github", result.stdout.strip(), *where])
    assert shown.exit_code == 0, shown.stderr
    assert invoke(["stats", "github", *where]).exit_code == 0


def test_the_user_cannot_leave_its_key_pattern_and_plain_tcp_is_refused(
    tls_server: TlsServer,
) -> None:
    client = redis.Redis.from_url(tls_server.url)
    try:
        with pytest.raises(NoPermissionError):
            client.set("elsewhere:key", b"1")
        with pytest.raises(NoPermissionError):
            client.keys("*")
    finally:
        client.close()
    plain = redis.Redis(port=tls_server.plain_port, socket_timeout=1, socket_connect_timeout=1)
    with pytest.raises(redis.ConnectionError):
        plain.ping()
    no_cert = tls_server.url.split("&ssl_certfile")[0]
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(no_cert, socket_timeout=2).ping()
