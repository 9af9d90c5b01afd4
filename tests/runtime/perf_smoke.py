"""Throughput smoke script (NOT a test): run by hand, prints jobs/s and latency.

    .venv/bin/python tests/runtime/perf_smoke.py [--jobs 20000] [--concurrency 50] [--profile]

Starts a throwaway redis-server, then measures: single enqueue (sync client,
one job per call), bulk enqueue (``enqueue_many``), processing of the bulk
jobs by one ``Worker`` (no-op handler), idle latency (enqueue -> handler start,
worker in a child process, one job every 5 ms) and Redis memory per waiting job.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import argparse
import asyncio
import cProfile
import multiprocessing
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

import redis
from pydantic import BaseModel

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from jobcontracts.runtime import (
    Connection,
    JobContext,
    JobDefinition,
    JobOptions,
    QueueDefinition,
    Worker,
    WorkerSettings,
    enqueue,
    enqueue_many,
)
from jobcontracts.runtime.testing import RedisServer, free_port


class Noop(BaseModel):
    i: int
    t_ns: int = 0


QUEUE = QueueDefinition(
    domain="perf", jobs={"noop": JobDefinition(name="noop", payload_model=Noop, result_model=None)}
)
LAT_KEY = "perf-latency"


class Counting:
    def __init__(self, target: int) -> None:
        self.count = 0
        self.target = target
        self.done = asyncio.Event()

    async def noop(self, payload: Noop, ctx: JobContext) -> None:
        self.count += 1
        if self.count >= self.target:
            self.done.set()


async def process(url: str, n: int, concurrency: int) -> float:
    conn = Connection(url, prefix="perf")
    handlers = Counting(n)
    worker = Worker(
        QUEUE, handlers, connection=conn, settings=WorkerSettings(concurrency=concurrency)
    )
    start = time.perf_counter()
    task = asyncio.create_task(worker.run())
    await handlers.done.wait()
    elapsed = time.perf_counter() - start
    worker.stop()
    await task
    await conn.aclose()
    return n / elapsed


class Latency:
    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url)

    async def noop(self, payload: Noop, ctx: JobContext) -> None:
        delta = time.time_ns() - payload.t_ns
        self.client.rpush(LAT_KEY, delta)


def latency_worker(url: str) -> None:
    conn = Connection(url, prefix="perf-lat")
    worker = Worker(QUEUE, Latency(url), connection=conn, settings=WorkerSettings(concurrency=10))
    from jobcontracts.runtime import run_forever

    run_forever(worker)


def measure_latency(url: str, samples: int = 500) -> tuple[float, float]:
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=latency_worker, args=(url,))
    proc.start()
    conn = Connection(url, prefix="perf-lat")
    client = redis.Redis.from_url(url)
    time.sleep(1.0)
    for i in range(20 + samples):
        if i == 20:
            time.sleep(0.1)
            client.delete(LAT_KEY)
        enqueue(QUEUE, "noop", Noop(i=i, t_ns=time.time_ns()), JobOptions(), conn)
        time.sleep(0.005)
    while client.llen(LAT_KEY) < samples:
        time.sleep(0.01)
    values = sorted(int(v) / 1e6 for v in client.lrange(LAT_KEY, 0, -1))
    os.kill(proc.pid or 0, 15)
    proc.join(10)
    return values[len(values) // 2], values[int(len(values) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--single", type=int, default=5_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--profile", choices=["none", "process", "enqueue", "bulk"], default="none")
    parser.add_argument("--url", default=None, help="use this redis instead of a throwaway one")
    args = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="perf-redis-")
    server = None
    url = args.url
    if url is None:
        server = RedisServer(free_port(), Path(directory))
        server.start()
        url = server.url
    try:
        client = redis.Redis.from_url(url)
        conn = Connection(url, prefix="perf")
        profiler = cProfile.Profile()

        mem0 = int(client.info("memory")["used_memory"])
        if args.profile == "enqueue":
            profiler.enable()
        start = time.perf_counter()
        for i in range(args.single):
            enqueue(QUEUE, "noop", {"i": i}, JobOptions(), conn)
        single = args.single / (time.perf_counter() - start)
        profiler.disable()
        mem1 = int(client.info("memory")["used_memory"])
        print(f"enqueue single : {single:9.0f} jobs/s")
        print(f"memory/waiting : {(mem1 - mem0) / args.single:9.0f} bytes per job")
        for key in client.scan_iter("perf:*"):
            client.unlink(key)

        items = [("noop", Noop(i=i)) for i in range(args.jobs)]
        if args.profile == "bulk":
            profiler.enable()
        start = time.perf_counter()
        enqueue_many(QUEUE, items, conn)
        bulk = args.jobs / (time.perf_counter() - start)
        profiler.disable()
        print(f"enqueue bulk   : {bulk:9.0f} jobs/s")

        if args.profile == "process":
            profiler.enable()
        rate = asyncio.run(process(url, args.jobs, args.concurrency))
        profiler.disable()
        print(f"process        : {rate:9.0f} jobs/s (concurrency {args.concurrency})")
        conn.close()

        p50, p99 = measure_latency(url)
        print(f"idle latency   : p50 {p50:.3f} ms, p99 {p99:.3f} ms")
        if args.profile != "none":
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
