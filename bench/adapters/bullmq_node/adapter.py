"""BullMQ on Node: the harness (stdlib Python) drives producer.js and spawns worker.js."""

from __future__ import annotations

import json
import os
import subprocess

from adapters._common import (
    BENCH_DIR,
    LATENCY_SPACING_S,
    PRODUCER_TASKS,
    Adapter,
    MiniRedis,
    main,
)

HERE = BENCH_DIR / "adapters" / "bullmq_node"
NODE_MODULES = BENCH_DIR / ".node" / "node_modules"
CONCURRENCY = int(os.environ.get("BENCH_BULLMQ_CONCURRENCY", "10"))


class BullmqNodeAdapter(Adapter):
    name = "bullmq-node"
    version = (
        "bullmq " + json.loads((NODE_MODULES / "bullmq" / "package.json").read_text())["version"]
    )
    version += " (Node)"
    concurrency = f"1 node process, Worker concurrency={CONCURRENCY}"
    completion = "ZCARD bull:bench:completed == N (what Queue.getJobCounts('completed') reads)"

    def worker_env(self) -> dict[str, str]:
        env = super().worker_env()
        env["NODE_PATH"] = str(NODE_MODULES)
        return env

    def _producer(self, *args: str | int) -> float:
        out = subprocess.run(
            ["node", str(HERE / "producer.js"), *map(str, args)],
            env=self.worker_env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if out.returncode != 0:
            lines = out.stderr.strip().splitlines() or ["(no output)"]
            raise RuntimeError(f"producer.js failed: {lines[0]}")
        return float(json.loads(out.stdout)["seconds"])

    async def open(self) -> None:
        self.mini = MiniRedis(self.redis_url)

    async def close(self) -> None:
        self.mini.close()

    async def timed_enqueue(self, n: int) -> float:
        return self._producer("enqueue", n)

    async def timed_enqueue_bulk(self, n: int) -> float | None:
        return self._producer("bulk", n)

    async def timed_enqueue_concurrent(self, n: int) -> tuple[float, str] | None:
        return self._producer("concurrent", n, PRODUCER_TASKS), f"{PRODUCER_TASKS} async producers"

    async def prefill(self, n: int) -> None:
        self._producer("prefill", n)

    async def send_latency_jobs(self, count: int, first: int) -> None:
        assert LATENCY_SPACING_S == 0.005  # producer.js spaces jobs 5 ms apart too
        self._producer("latency", count, first)

    def worker_argv(self) -> list[str]:
        return ["node", str(HERE / "worker.js")]

    def done(self, n: int) -> bool:
        return int(self.mini.call("ZCARD", "bull:bench:completed")) >= n


if __name__ == "__main__":
    main("adapters.bullmq_node.adapter", "BullmqNodeAdapter")
