"""Redis servers that refuse a client in the ways a deployment can: TLS only, reset on accept.

The CLI's tests check that each refusal is explained in one line, and
``bench/connection_faults.py`` times how fast; both start their servers here.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false
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

import redis

from .servers import free_port

__all__ = [
    "ServerStartError",
    "connections_seen",
    "redis_process",
    "resetting_listener",
    "self_signed_certificate",
    "tls_only_server",
]


class ServerStartError(RuntimeError):
    """redis-server exited or did not listen in time; ``output`` is what it printed."""

    def __init__(self, message: str, output: str) -> None:
        super().__init__(f"{message}: {output}" if output else message)
        self.output = output


def connections_seen(client: redis.Redis) -> int:
    """Connections the server accepted so far (the asking connection already counted)."""
    return int(client.info("stats")["total_connections_received"])


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made by openssl in ``directory``."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def redis_process(directory: Path, port: int, *args: str) -> Generator[int]:
    """A redis-server with ``args`` (its ports among them) listening on ``port``; yields it."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    process = subprocess.Popen(
        [
            *(binary, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
            *("--dir", str(directory), *args),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while not _accepts(port):
            if process.poll() is not None:
                output = process.stdout.read().decode() if process.stdout else ""
                raise ServerStartError("redis-server exited", output.strip())
            if time.monotonic() > deadline:
                raise ServerStartError("redis-server did not listen within 10 s", "")
            time.sleep(0.02)
        yield port
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


@contextlib.contextmanager
def tls_only_server(directory: Path, *args: str) -> Generator[int]:
    """A redis-server with only a TLS port (self-signed certificate); yields the port."""
    cert, key = self_signed_certificate(directory)
    port = free_port()
    with redis_process(
        directory,
        port,
        *("--port", "0", "--tls-port", str(port), "--tls-cert-file", str(cert)),
        *("--tls-key-file", str(key), "--tls-ca-cert-file", str(cert), *args),
    ):
        yield port


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
