"""jobcontracts adapter (this project): the generated typed client of bench/contracts/jobs.yaml.

Runs in the project venv. bench/run.py first generates the client with
`jobctl generate --spec bench/contracts/jobs.yaml --out bench/contracts_generated`.
Variants: "sync" (add_job, enqueue_many), "async" (add_job_async, enqueue_many_async) and
"metrics" (async, and the worker serves Prometheus metrics: `--metrics-port` on a free port,
so every attempt is observed).
The worker is the normal CLI entry point, `jobctl worker adapters.jobcontracts:worker`,
at concurrency 100 (what we recommend for short I/O-bound jobs; the default is 10) with
every guarantee on (leases, retries, dead letters, per-job timeout, result storage with
the default retention); logs at WARNING, since one INFO line per job transition is an
operator's choice, not the runtime's cost.
"""

from __future__ import annotations

import socket
from typing import Any

from contracts_generated import bench as contract  # type: ignore[import-not-found]

from adapters._common import Adapter, main, record_latency
from jobcontracts.runtime import (
    Connection,
    JobContext,
    QueueAdmin,
    Worker,
    enqueue_many,
    enqueue_many_async,
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class BenchJobs:
    async def noop(self, payload: Any, ctx: JobContext, /) -> None:
        return None

    async def latency(self, payload: Any, ctx: JobContext, /) -> None:
        record_latency(payload.t_ns)


def worker() -> Worker:
    worker: Worker = contract.create_worker(BenchJobs())
    return worker


class JobcontractsAdapter(Adapter):
    name = "jobcontracts"
    version = "0.1.0 (this checkout)"
    concurrency = "1 process, --concurrency 100 (recommended for short jobs), log level warning"
    completion = "QueueAdmin.counts(): waiting + delayed + active == 0"

    def __init__(self, redis_url: str, variant: str) -> None:
        super().__init__(redis_url, variant or "async")
        self.connection = Connection(redis_url)
        self.admin = QueueAdmin("bench", self.connection)
        if self.variant == "sync":
            self.enqueue = self._enqueue_sync  # type: ignore[method-assign]
            self.enqueue_bulk = self._bulk_sync
            self.enqueue_latency = self._latency_sync  # type: ignore[method-assign]
        else:
            self.enqueue = self._enqueue_async  # type: ignore[method-assign]
            self.enqueue_bulk = self._bulk_async
            self.enqueue_latency = self._latency_async  # type: ignore[method-assign]

    async def close(self) -> None:
        await self.connection.aclose()

    def _enqueue_sync(self, i: int) -> None:
        contract.add_job("noop", {"i": i}, connection=self.connection)

    async def _enqueue_async(self, i: int) -> None:
        await contract.add_job_async("noop", {"i": i}, connection=self.connection)

    def _bulk_sync(self, items: list[int]) -> None:
        enqueue_many(contract.QUEUE, [("noop", {"i": i}) for i in items], self.connection)

    async def _bulk_async(self, items: list[int]) -> None:
        await enqueue_many_async(
            contract.QUEUE, [("noop", {"i": i}) for i in items], self.connection
        )

    def _latency_sync(self, i: int, t_ns: int) -> None:
        contract.add_job("latency", {"i": i, "t_ns": t_ns}, connection=self.connection)

    async def _latency_async(self, i: int, t_ns: int) -> None:
        await contract.add_job_async("latency", {"i": i, "t_ns": t_ns}, connection=self.connection)

    def worker_argv(self) -> list[str]:
        argv = [
            self.bin("jobctl"),
            "worker",
            "adapters.jobcontracts:worker",
            "--concurrency",
            "100",
            "--log-level",
            "warning",
        ]
        if self.variant == "metrics":
            argv += ["--metrics-port", str(_free_port())]
        return argv

    def worker_env(self) -> dict[str, str]:
        env = super().worker_env()
        env["REDIS_URL"] = self.redis_url
        return env

    async def done(self, n: int) -> bool:
        counts = await self.admin.counts_async()
        return counts.waiting + counts.delayed + counts.active == 0


if __name__ == "__main__":
    main("adapters.jobcontracts", "JobcontractsAdapter")
