"""Throwaway Redis deployments for tests and benchmarks: a Cluster and a Sentinel group.

Both are started from the ``redis-server`` binary on free loopback ports, in a
directory the caller owns, with short failure-detection timeouts so that a
failover takes a few seconds. ``stop()`` kills every process they started.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import redis
from redis.crc import key_slot

from .testing import free_port, redis_answers


def cluster_port() -> int:
    """A free port below 55536 whose cluster bus port (+10000) is free too."""
    for _ in range(200):
        port = random.randrange(20000, 45000)
        if all(_free(p) for p in (port, port + 10000)):
            return port
    raise RuntimeError("no free port pair for a cluster node")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _binary(name: str) -> str:
    return shutil.which(name) or f"/usr/bin/{name}"


def _wait_until(what: str, check: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except (redis.RedisError, OSError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


@dataclass
class Process:
    """One redis-server (or sentinel) on ``port``, with its own data directory."""

    port: int
    directory: Path
    args: list[str]
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [_binary("redis-server"), *self.args],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def kill(self) -> None:
        """SIGKILL: the abrupt death a failover is for."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=5)


def _server_args(port: int, *extra: str) -> list[str]:
    return [
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--logfile",
        "redis.log",
        *extra,
    ]


@dataclass
class LocalCluster:
    """A Redis Cluster of ``primaries`` primaries with ``replicas`` replicas each."""

    directory: Path
    primaries: int = 3
    replicas: int = 1
    node_timeout_ms: int = 1000
    nodes: list[Process] = field(default_factory=list[Process])

    @property
    def url(self) -> str:
        seeds = ",".join(f"127.0.0.1:{n.port}" for n in self.nodes[:3])
        return f"redis+cluster://{seeds}"

    def start(self) -> None:
        """Start every node and form the cluster; on failure nothing is left running."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        for _ in range(self.primaries * (1 + self.replicas)):
            port = cluster_port()
            args = _server_args(
                port,
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                str(self.node_timeout_ms),
            )
            node = Process(port, self.directory / str(port), args)
            node.start()
            self.nodes.append(node)
        for node in self.nodes:
            _wait_until(
                "a cluster node", lambda n=node: redis_answers(f"redis://127.0.0.1:{n.port}")
            )
        if self.primaries >= 3:
            addresses = [f"127.0.0.1:{n.port}" for n in self.nodes]
            subprocess.run(
                [
                    _binary("redis-cli"),
                    "--cluster",
                    "create",
                    *addresses,
                    "--cluster-replicas",
                    str(self.replicas),
                    "--cluster-yes",
                ],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=60,
            )
        else:  # redis-cli refuses fewer than 3 primaries; one node takes every slot
            if self.primaries != 1 or self.replicas:
                raise ValueError("below 3 primaries only a lone primary is supported")
            self.nodes[0].client().execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383)  # type: ignore[no-untyped-call]
        _wait_until("the cluster to be ok", self._ready)

    def _ready(self) -> bool:
        for node in self.nodes:
            if node.process is None:
                continue
            client = node.client()
            info = cast("dict[str, Any]", client.cluster("INFO"))
            if info.get("cluster_state") != "ok":
                return False
            replication = client.info("replication")
            if replication.get("role") == "slave" and replication.get("master_link_status") != "up":
                return False
        return True

    def primary_port(self, key: str) -> int:
        """The port of the primary that serves ``key``'s slot now."""
        slot = key_slot(key.encode())
        for node in self.nodes:
            if node.process is None:
                continue
            for start, end, primary, *_ in cast(
                "list[Any]",
                node.client().execute_command("CLUSTER", "SLOTS"),  # type: ignore[no-untyped-call]
            ):
                if int(start) <= slot <= int(end):
                    return int(primary[1])
        raise RuntimeError(f"no live node knows slot {slot}")

    def node(self, port: int) -> Process:
        return next(n for n in self.nodes if n.port == port)

    def wait_healthy(self, timeout: float = 30.0) -> None:
        _wait_until("the cluster to be ok", self._ready, timeout)

    def stop(self) -> None:
        for node in self.nodes:
            node.kill()


@dataclass
class LocalSentinel:
    """A primary, one replica and three sentinels watching them as ``service``."""

    directory: Path
    service: str = "jobsmaster"
    down_after_ms: int = 1000
    primary: Process | None = None
    replica: Process | None = None
    sentinels: list[Process] = field(default_factory=list[Process])

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)
        return f"redis+sentinel://{hosts}/{self.service}"

    def start(self) -> None:
        """Start the servers and sentinels; on failure nothing is left running."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        p_port, r_port = free_port(), free_port()
        self.primary = Process(p_port, self.directory / "primary", _server_args(p_port))
        self.replica = Process(
            r_port,
            self.directory / "replica",
            _server_args(r_port, "--replicaof", "127.0.0.1", str(p_port)),
        )
        self.primary.start()
        self.replica.start()
        for _ in range(3):
            port = free_port()
            home = self.directory / f"sentinel-{port}"
            home.mkdir(parents=True, exist_ok=True)
            (home / "sentinel.conf").write_text(
                f"port {port}\nbind 127.0.0.1\n"
                f"sentinel monitor {self.service} 127.0.0.1 {p_port} 2\n"
                f"sentinel down-after-milliseconds {self.service} {self.down_after_ms}\n"
                f"sentinel failover-timeout {self.service} 10000\n"
            )
            sentinel = Process(port, home, ["sentinel.conf", "--sentinel"])
            sentinel.start()
            self.sentinels.append(sentinel)
        _wait_until("the sentinels to see the replica and each other", self._ready)

    def _ready(self) -> bool:
        for sentinel in self.sentinels:
            client = sentinel.client()
            master = cast("dict[str, Any]", client.sentinel_master(self.service))
            if (
                int(master.get("num-slaves", 0)) < 1
                or int(master.get("num-other-sentinels", 0)) < 2
            ):
                return False
        assert self.replica is not None
        info = self.replica.client().info("replication")
        return info.get("master_link_status") == "up"

    def primary_port(self) -> int:
        for sentinel in self.sentinels:
            if sentinel.process is None:
                continue
            host_port = cast(
                "tuple[str, int] | None",
                sentinel.client().sentinel_get_master_addr_by_name(self.service),
            )
            if host_port:
                return int(host_port[1])
        raise RuntimeError("no sentinel names a primary")

    def stop(self) -> None:
        for process in (*self.sentinels, self.primary, self.replica):
            if process is not None:
                process.kill()
