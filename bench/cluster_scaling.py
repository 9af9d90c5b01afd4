"""Throughput of 3 domains on a 3-primary cluster against the same 3 domains on 1 primary.

    python bench/cluster_scaling.py              # N=20,000 jobs per domain, 3 runs
    python bench/cluster_scaling.py --n 2000 --runs 1

Both deployments are Redis Clusters without replicas started here from the
redis-server binary (1 primary holding every slot, or 3 primaries from
``redis-cli --cluster create``). The domains ``alpha``, ``one`` and ``beta``
hash to the three primaries' slot ranges. Per run and deployment:

1. enqueue: 3 producer processes (one per domain) add N jobs each, one
   ``add_job`` round trip per job, at the same time;
2. process: 3 worker processes (one per domain, concurrency 100) run the 3N
   no-op jobs.

Reported: jobs/s of each phase, and the CPU seconds spent by the Redis
servers (``INFO cpu``) and by the client processes during it, against the
wall time times the cores available: that says whether Redis or Python is the
limit on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from jobcontracts.runtime import (  # noqa: E402
    Connection,
    JobContext,
    JobDefinition,
    JobOptions,
    QueueAdmin,
    QueueDefinition,
    Worker,
    WorkerSettings,
    enqueue,
)
from jobcontracts.runtime.testing_deployments import LocalCluster  # noqa: E402

DOMAINS = ("alpha", "one", "beta")
PREFIX = "scale"


class Noop(BaseModel):
    i: int


def queue(domain: str) -> QueueDefinition:
    return QueueDefinition(domain=domain, jobs={"noop": JobDefinition("noop", Noop, None)})


class Handlers:
    async def noop(self, payload: Noop, ctx: JobContext) -> None:
        return None


def produce(url: str, domain: str, n: int) -> None:
    conn = Connection(url, prefix=PREFIX)
    q = queue(domain)
    options = JobOptions()
    for i in range(n):
        enqueue(q, "noop", {"i": i}, options, conn)


async def _work(url: str, domain: str, n: int) -> None:
    conn = Connection(url, prefix=PREFIX)
    admin = QueueAdmin(domain, conn)
    worker = Worker(
        queue(domain), Handlers(), connection=conn, settings=WorkerSettings(concurrency=100)
    )
    task = asyncio.create_task(worker.run())
    while (await admin.counts_async()).completed < n:
        await asyncio.sleep(0.05)
    worker.stop()
    await task


def work(url: str, domain: str, n: int) -> None:
    asyncio.run(_work(url, domain, n))


def _redis_cpu(cluster: LocalCluster) -> float:
    total = 0.0
    for node in cluster.nodes:
        info = node.client().info("cpu")
        total += float(info["used_cpu_sys"]) + float(info["used_cpu_user"])
    return total


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _phase(cluster: LocalCluster, role: str, n: int) -> dict[str, float]:
    redis_before, clients_before = _redis_cpu(cluster), _children_cpu()
    started = time.perf_counter()
    command = [sys.executable, __file__, "--role", role, "--url", cluster.url, "--n", str(n)]
    procs = [subprocess.Popen([*command, "--domain", d]) for d in DOMAINS]
    for p in procs:
        if p.wait(600) != 0:
            raise RuntimeError(f"{role} process failed")
    wall = time.perf_counter() - started
    return {
        "jobs_per_s": round(len(DOMAINS) * n / wall),
        "wall_s": round(wall, 2),
        "redis_cpu_s": round(_redis_cpu(cluster) - redis_before, 2),
        "client_cpu_s": round(_children_cpu() - clients_before, 2),
        "cpu_available_s": round(wall * (os.cpu_count() or 1), 2),
    }


def measure(primaries: int, n: int) -> dict[str, Any]:
    directory = Path(tempfile.mkdtemp(prefix="jobs-scaling-"))
    cluster = LocalCluster(directory, primaries=primaries, replicas=0)
    try:
        cluster.start()
        shards = len({cluster.primary_port(f"{{{d}}}") for d in DOMAINS})
        return {
            "primaries": primaries,
            "shards_used": shards,
            "enqueue": _phase(cluster, "produce", n),
            "process": _phase(cluster, "work", n),
        }
    finally:
        cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n", type=int, default=20_000, help="jobs per domain")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--role", choices=["produce", "work"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--domain", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "produce":
        return produce(args.url, args.domain, args.n)
    if args.role == "work":
        return work(args.url, args.domain, args.n)
    results = [measure(p, args.n) for _ in range(args.runs) for p in (1, 3)]
    for result in results:
        print(json.dumps(result), flush=True)
    print(f"\ncores: {os.cpu_count()}, N = {args.n} jobs per domain, 3 domains, median of runs")
    print("primaries  enqueue jobs/s  process jobs/s  redis cpu s (enq/proc)  client cpu s")
    for p in (1, 3):
        rs = [r for r in results if r["primaries"] == p]

        def med(phase: str, k: str, rs: list[dict[str, Any]] = rs) -> float:
            return float(statistics.median(r[phase][k] for r in rs))

        print(
            f"{p:9} {med('enqueue', 'jobs_per_s'):15.0f} {med('process', 'jobs_per_s'):15.0f} "
            f"{med('enqueue', 'redis_cpu_s'):12.1f} / {med('process', 'redis_cpu_s'):4.1f}"
            f"{med('enqueue', 'client_cpu_s'):9.1f} / {med('process', 'client_cpu_s'):4.1f}"
        )
    return None


if __name__ == "__main__":
    main()
