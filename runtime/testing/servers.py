"""Throwaway redis-server processes and key clean-up for tests."""

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

from ..connection import Connection


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


@dataclass
class RedisServer:
    """A throwaway redis-server process that can be stopped and started again on the same port."""

    port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = field(default=None)
    args: tuple[str, ...] = ()
    """More ``redis-server`` options, e.g. ``("--maxmemory-policy", "allkeys-lru")``."""
    password: str | None = None
    """Started with ``--requirepass`` this password; ``url`` carries it."""

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

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
                *(("--requirepass", self.password) if self.password else ()),
                *self.args,
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
            client = redis.Redis(
                port=self.port,
                password=self.password,
                socket_timeout=5,
                retry=Retry(NoBackoff(), 0),
            )
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


def delete_prefix(url: str, prefix: str) -> None:
    """Delete every key under ``prefix:`` (a test's namespace), on every primary of a cluster."""
    conn = Connection(url, prefix=prefix)
    try:
        for node in conn.primaries():
            client = node.sync_client()
            # One key per UNLINK: keys of several slots cannot share a call on a cluster.
            pipe = client.pipeline(transaction=False)
            for key in client.scan_iter(match=f"{prefix}:*", count=1000):
                pipe.unlink(key)
            pipe.execute()
    finally:
        conn.close()
