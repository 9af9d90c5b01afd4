"""Helpers for testing code that uses the runtime (shipped so every test suite shares them)."""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def redis_answers(url: str) -> bool:
    """True if a Redis server at ``url`` answers PING within half a second."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.RedisError:
        return False


class ManualClock:
    """A millisecond clock moved by hand; pass it as ``Connection(clock=...)``.

    Every timestamp the runtime writes to Redis (delays, backoff, leases,
    retention ages, repeats) then follows this clock, so tests advance time
    with ``clock.advance(5000)`` instead of sleeping.
    """

    def __init__(self, start_ms: int = 1_700_000_000_000) -> None:
        self.now = start_ms

    def __call__(self) -> int:
        return self.now

    def advance(self, ms: int) -> None:
        self.now += ms


@dataclass
class RedisServer:
    """A throwaway redis-server process that can be stopped and started again on the same port."""

    port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = field(default=None)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not redis_answers(self.url):
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.02)

    def stop(self, *, save: bool = False) -> None:
        """Stop the server; with ``save`` its data is written to disk and reloaded by ``start``."""
        if self.process is None:
            return
        if save:
            # No retries: the server closes the connection as it exits, and a
            # retrying client would re-send SHUTDOWN for seconds.
            client = redis.Redis(port=self.port, socket_timeout=5, retry=Retry(NoBackoff(), 0))
            try:
                with contextlib.suppress(redis.ConnectionError):
                    client.shutdown(save=True)
            finally:
                client.close()
        else:
            self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
