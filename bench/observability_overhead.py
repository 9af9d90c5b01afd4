"""What metrics and traces cost a worker: no-op jobs/s with them off and on.

    .venv/bin/python bench/observability_overhead.py [--jobs 20000] [--rounds 5]

Starts a throwaway redis-server (never the shared one), then for each round
and each mode enqueues ``--jobs`` no-op jobs in bulk and times one ``Worker``
(concurrency 100, as the main benchmark) draining them. Modes run interleaved
(off, metrics, traces, off, ...) so drift on a busy machine hits all alike;
the median of the rounds is printed per mode: jobs/s (wall clock) and the
worker process's CPU time per job, which other load on a shared machine
disturbs far less than the wall clock.

* ``off``: no observer attached (the runtime's hook points stay empty);
* ``metrics``: ``JobMetrics`` (prometheus-client) observing every attempt;
* ``traces``: ``instrument()`` with an OpenTelemetry SDK tracer provider whose
  spans are recorded and dropped (no exporter I/O), so only span cost shows.

It uses only the public API and imports the observability modules only for
the modes that need them, so ``--modes off`` also runs against a tree
without them (a before/after of the runtime itself).
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import redis
from pydantic import BaseModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jobcontracts.runtime import (
    Connection,
    JobContext,
    JobDefinition,
    QueueDefinition,
    Worker,
    WorkerSettings,
    enqueue_many,
)
from jobcontracts.runtime.testing import RedisServer, free_port


class Noop(BaseModel):
    i: int


QUEUE = QueueDefinition(
    domain="obs", jobs={"noop": JobDefinition(name="noop", payload_model=Noop, result_model=None)}
)


class Counting:
    def __init__(self, target: int) -> None:
        self.count = 0
        self.target = target
        self.done = asyncio.Event()

    async def noop(self, payload: Noop, ctx: JobContext) -> None:
        self.count += 1
        if self.count >= self.target:
            self.done.set()


def attach(mode: str, worker: Worker) -> None:
    if mode == "metrics":
        from prometheus_client import CollectorRegistry

        from jobcontracts.observability.metrics import JobMetrics

        worker.observers.append(JobMetrics(CollectorRegistry()))
    elif mode == "traces":
        from opentelemetry.sdk.trace import TracerProvider

        from jobcontracts.observability.tracing import instrument

        instrument(TracerProvider())


def detach(mode: str) -> None:
    if mode == "traces":
        from jobcontracts.observability.tracing import uninstrument

        uninstrument()


async def drain(url: str, n: int, mode: str) -> tuple[float, float]:
    connection = Connection(url, prefix="obs")
    handlers = Counting(n)
    worker = Worker(
        QUEUE, handlers, connection=connection, settings=WorkerSettings(concurrency=100)
    )
    attach(mode, worker)
    start, cpu = time.perf_counter(), time.process_time()
    task = asyncio.create_task(worker.run())
    await handlers.done.wait()
    elapsed, cpu_used = time.perf_counter() - start, time.process_time() - cpu
    worker.stop()
    await task
    await connection.aclose()
    detach(mode)
    return n / elapsed, cpu_used / n * 1e6


def round_of(url: str, n: int, mode: str) -> tuple[float, float]:
    client = redis.Redis.from_url(url)
    client.flushall()  # a private throwaway server
    connection = Connection(url, prefix="obs")
    enqueue_many(QUEUE, [("noop", {"i": i}) for i in range(n)], connection)
    connection.close()
    return asyncio.run(drain(url, n, mode))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--modes", default="off,metrics,traces")
    args = parser.parse_args()
    modes = args.modes.split(",")
    directory = tempfile.mkdtemp(prefix="obs-redis-")
    server = RedisServer(free_port(), Path(directory))
    server.start()
    rates: dict[str, list[float]] = {m: [] for m in modes}
    cpu: dict[str, list[float]] = {m: [] for m in modes}
    try:
        for _ in range(args.rounds):
            for mode in modes:
                rate, micros = round_of(server.url, args.jobs, mode)
                rates[mode].append(rate)
                cpu[mode].append(micros)
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)
    base = statistics.median(rates[modes[0]])
    base_cpu = statistics.median(cpu[modes[0]])
    for mode in modes:
        median = statistics.median(rates[mode])
        micros = statistics.median(cpu[mode])
        runs = ", ".join(f"{r:.0f}" for r in rates[mode])
        print(
            f"{mode:8} {median:7.0f} jobs/s ({(median / base - 1) * 100:+5.1f}%), "
            f"worker CPU {micros:6.1f} us/job ({(micros / base_cpu - 1) * 100:+5.1f}%)"
            f"  [jobs/s per round: {runs}]"
        )


if __name__ == "__main__":
    main()
