"""Redis servers that refuse us in each way the CLI must explain: TLS only, reset on accept."""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Generator
from pathlib import Path

import pytest
import redis

from jobcontracts.runtime.testing import free_port


def connections_seen(client: redis.Redis) -> int:
    """Connections the server accepted so far (the asking connection already counted)."""
    return int(client.info("stats")["total_connections_received"])


@contextlib.contextmanager
def tls_only_server(directory: Path) -> Generator[int]:
    """A redis-server with only a TLS port (self-signed certificate); yields the port.

    Skips the test, saying why, when openssl is missing or redis-server was
    built without TLS.
    """
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: cannot make a certificate for the TLS server")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    process = subprocess.Popen(
        [
            binary,
            "--port",
            "0",
            "--tls-port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--tls-cert-file",
            str(cert),
            "--tls-key-file",
            str(key),
            "--tls-ca-cert-file",
            str(cert),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while not _accepts(port):
            if process.poll() is not None:
                output = process.stdout.read().decode() if process.stdout else ""
                if "TLS" in output or "tls" in output:
                    pytest.skip(f"redis-server was built without TLS support: {output.strip()}")
                raise RuntimeError(f"TLS redis-server did not start: {output}")
            if time.monotonic() > deadline:
                raise RuntimeError("TLS redis-server did not start within 10 s")
            time.sleep(0.02)
        yield port
    finally:
        process.terminate()
        process.wait(10)


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def resetting_listener() -> Generator[tuple[int, list[int]]]:
    """A port that accepts and at once closes every connection; yields (port, [accepted])."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.1)
    accepted = [0]
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            accepted[0] += 1
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        stop.set()
        thread.join(5)
        listener.close()
