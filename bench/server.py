"""A throwaway redis-server on a free port, plus the redis-benchmark ceiling."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from adapters._common import MiniRedis

SHARED_PORT = 6379  # the shared server: never benchmarked against


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    if port == SHARED_PORT:
        return free_port()
    return port


class RedisServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix="bench-redis-"))
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=open(self.dir / "redis.log", "wb"),  # noqa: SIM115 - owned by the child
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                conn = MiniRedis(self.url)
                conn.call("PING")
                conn.close()
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(f"redis-server did not start, see {self.dir}") from None
                time.sleep(0.05)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def flushall(self) -> None:
        conn = MiniRedis(self.url)
        conn.call("FLUSHALL")
        conn.close()

    def version(self) -> str:
        conn = MiniRedis(self.url)
        version = conn.info("server")["redis_version"]
        conn.close()
        return version

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


CEILING_TESTS = "set,get,lpush,lpop"
_LINE = re.compile(r"^([A-Z]+)(?:\s.*)?:\s+([\d.]+) requests per second")


def ceiling(port: int, pipeline: int) -> dict[str, float]:
    """redis-benchmark requests/s per command (`-P pipeline`)."""
    cmd = ["redis-benchmark", "-p", str(port), "-q", "-t", CEILING_TESTS, "-n", "100000"]
    if pipeline > 1:
        cmd += ["-P", str(pipeline)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=True)
    results: dict[str, float] = {}
    for chunk in out.stdout.replace("\r", "\n").splitlines():
        match = _LINE.match(chunk.strip())
        if match:
            results[match.group(1)] = float(match.group(2))
    return results
