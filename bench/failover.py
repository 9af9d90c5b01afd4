"""Kill the primary under load and count what is lost: Cluster and Sentinel, with and without WAIT.

    python bench/failover.py                   # both set-ups, both settings, 3 runs each
    python bench/failover.py --runs 1 --setups cluster --waits 0
    python bench/failover.py --cost 3000       # what wait_replicas=1 costs on a healthy cluster

One run: a producer thread enqueues jobs one by one as fast as it can, an
in-process worker (concurrency 20) runs them, and after ``--load`` seconds the
primary serving the queue is SIGKILLed. Producer and worker keep going on the
promoted replica without a restart. ``--restart`` seconds after the kill the
dead server is started again (as a supervisor would) and rejoins as a replica,
unless the producer had recovered and stopped before: with one replica per
primary, ``wait_replicas=1`` has no replica to confirm writes until then.
Then the producer stops and the worker drains. Reported
per run:

- ``acked``: enqueues that returned a job id (with ``wait_replicas=1`` only
  those a replica confirmed; a ``NotReplicatedError`` counts as not acked);
- ``lost``: acked jobs whose handler never ran and that no longer exist;
- ``dead_unrun``: acked jobs dead-lettered without their handler running (a
  prefetched job whose lease expired twice during the outage: ``max_stalls``);
- ``ran_twice``: jobs whose handler ran more than once (at-least-once);
- ``producer_gap_s`` / ``worker_gap_s``: from the kill to the first acked
  enqueue / the first finished job after it (the recovery time);
- ``enqueue_per_s``: the producer's rate before the kill (the cost of WAIT).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from jobcontracts.runtime import (  # noqa: E402
    Connection,
    JobContext,
    JobDefaults,
    JobDefinition,
    JobOptions,
    QueueAdmin,
    QueueDefinition,
    Worker,
    WorkerSettings,
    enqueue,
)
from jobcontracts.runtime.connection import ClientSettings  # noqa: E402
from jobcontracts.runtime.errors import JobContractsError  # noqa: E402
from jobcontracts.runtime.routing import TRANSIENT_ERRORS  # noqa: E402
from jobcontracts.runtime.testing_deployments import LocalCluster, LocalSentinel  # noqa: E402

DOMAIN = "failover"
NOT_ACKED: tuple[type[Exception], ...] = (JobContractsError, *TRANSIENT_ERRORS)


class Tick(BaseModel):
    n: int


QUEUE = QueueDefinition(
    domain=DOMAIN,
    jobs={"tick": JobDefinition("tick", Tick, None, JobDefaults(attempts=5))},
)


@dataclass(frozen=True)
class Timing:
    """Seconds of load before the kill, from the kill to the restart, of load after recovery."""

    load_s: float = 3.0
    restart_s: float = 5.0
    after_s: float = 2.0


@dataclass
class RunResult:
    setup: str
    wait_replicas: int
    acked: int
    lost: int
    dead_unrun: int
    ran_twice: int
    producer_gap_s: float
    worker_gap_s: float
    enqueue_per_s: float
    not_acked: int


class Ticks:
    def __init__(self) -> None:
        self.ran: Counter[str] = Counter()
        self.finished_at: list[float] = []

    async def tick(self, payload: Tick, ctx: JobContext) -> None:
        self.ran[ctx.job_id] += 1
        self.finished_at.append(time.monotonic())


class Producer(threading.Thread):
    def __init__(self, connection: Connection) -> None:
        super().__init__(daemon=True)
        self.connection = connection
        self.acked: list[tuple[float, str]] = []
        self.not_acked = 0
        self.stop = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            try:
                job = enqueue(QUEUE, "tick", {"n": n}, JobOptions(), self.connection)
            except NOT_ACKED:
                self.not_acked += 1
                time.sleep(0.05)
                continue
            self.acked.append((time.monotonic(), job.id))


def _first_after(times: list[float], moment: float) -> float:
    later = [t for t in times if t > moment]
    return (min(later) - moment) if later else float("inf")


async def _scenario(
    url: str,
    kill: Callable[[], tuple[Callable[[], None], Callable[[], bool]]],
    setup: str,
    wait_replicas: int,
    timing: Timing,
) -> RunResult:
    load_s, restart_s, after_s = timing.load_s, timing.restart_s, timing.after_s
    if wait_replicas:
        url += f"{'&' if '?' in url else '?'}wait_replicas={wait_replicas}&wait_timeout_ms=1000"
    prefix = f"fo{int(time.time() * 1000) % 10**9}"
    settings = ClientSettings(connect_timeout=1.0, socket_timeout=5.0)
    conn = Connection(url, prefix=prefix, settings=settings)
    ticks = Ticks()
    worker = Worker(
        QUEUE,
        ticks,
        connection=conn,
        settings=WorkerSettings(concurrency=20, lease=2.0, stall_check=0.5, idle_block=0.5),
    )
    task = asyncio.create_task(worker.run())
    producer = Producer(Connection(url, prefix=prefix, settings=settings))
    producer.start()
    await asyncio.sleep(load_s)
    rate = len(producer.acked) / load_s
    restart, promoted = await asyncio.to_thread(kill)
    killed_at = time.monotonic()

    async def restart_later() -> None:
        # Never before a replica took over: a server without persistence
        # restarted while still the primary comes back empty, and its replica
        # would copy that emptiness (the documented hazard of auto-restarts).
        await asyncio.sleep(restart_s)
        while not await asyncio.to_thread(promoted):
            await asyncio.sleep(0.1)
        await asyncio.to_thread(restart)

    restarting = asyncio.create_task(restart_later())
    deadline = time.monotonic() + 60
    while not [t for t, _ in producer.acked if t > killed_at] and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(after_s)
    producer.stop.set()
    await asyncio.to_thread(producer.join, 30)
    if not restarting.done():
        restarting.cancel()  # recovered without it: the dead server stays down
    await asyncio.gather(restarting, return_exceptions=True)
    acked = {job_id for _, job_id in producer.acked}
    admin = QueueAdmin(DOMAIN, conn)
    drain_deadline = time.monotonic() + 30
    while time.monotonic() < drain_deadline:
        counts = await admin.counts_async()
        if counts.waiting + counts.active + counts.delayed + counts.failed == 0:
            break
        await asyncio.sleep(0.2)
    worker.stop()
    await asyncio.wait_for(task, 30)
    never_ran = [i for i in acked if ticks.ran[i] == 0]
    kept = [await admin.job_async(i) for i in never_ran]
    lost = [i for i, info in zip(never_ran, kept, strict=True) if info is None]
    dead = sum(1 for info in kept if info is not None and info.state.value == "dead")
    return RunResult(
        setup=setup,
        wait_replicas=wait_replicas,
        acked=len(acked),
        lost=len(lost),
        dead_unrun=dead,
        ran_twice=sum(1 for c in ticks.ran.values() if c > 1),
        producer_gap_s=round(_first_after([t for t, _ in producer.acked], killed_at), 2),
        worker_gap_s=round(_first_after(ticks.finished_at, killed_at), 2),
        enqueue_per_s=round(rate),
        not_acked=producer.not_acked,
    )


def run_cluster(directory: Path, wait_replicas: int, timing: Timing) -> RunResult:
    cluster = LocalCluster(directory)
    cluster.start()
    try:

        def kill() -> tuple[Callable[[], None], Callable[[], bool]]:
            node = cluster.node(cluster.primary_port(f"{{{DOMAIN}}}"))
            node.kill()
            return node.start, lambda: cluster.primary_port(f"{{{DOMAIN}}}") != node.port

        return asyncio.run(_scenario(cluster.url, kill, "cluster", wait_replicas, timing))
    finally:
        cluster.stop()


def run_sentinel(directory: Path, wait_replicas: int, timing: Timing) -> RunResult:
    group = LocalSentinel(directory)
    group.start()
    try:

        def kill() -> tuple[Callable[[], None], Callable[[], bool]]:
            port = group.primary_port()
            node = next(n for n in (group.primary, group.replica) if n and n.port == port)
            node.kill()
            return node.start, lambda: group.primary_port() != port

        return asyncio.run(_scenario(group.url, kill, "sentinel", wait_replicas, timing))
    finally:
        group.stop()


async def _cost_once(url: str, n: int) -> dict[str, float]:
    conn = Connection(url, prefix=f"cost{int(time.time() * 1000) % 10**9}")
    started = time.perf_counter()
    for i in range(n):
        await asyncio.to_thread(enqueue, QUEUE, "tick", {"n": i}, JobOptions(), conn)
    enqueue_s = time.perf_counter() - started
    ticks = Ticks()
    worker = Worker(QUEUE, ticks, connection=conn, settings=WorkerSettings(concurrency=100))
    started = time.perf_counter()
    task = asyncio.create_task(worker.run())
    while len(ticks.ran) < n:
        await asyncio.sleep(0.01)
    process_s = time.perf_counter() - started
    worker.stop()
    await task
    return {"enqueue_per_s": round(n / enqueue_s), "process_per_s": round(n / process_s)}


def measure_cost(n: int, runs: int) -> None:
    """Enqueue and processing rates on a healthy cluster, without and with wait_replicas=1."""
    directory = Path(tempfile.mkdtemp(prefix="jobs-wait-cost-"))
    cluster = LocalCluster(directory)
    try:
        cluster.start()
        for _ in range(runs):
            for wait in (0, 1):
                url = cluster.url + ("?wait_replicas=1" if wait else "")
                result = asyncio.run(_cost_once(url, n))
                print(json.dumps({"wait_replicas": wait, "n": n, **result}), flush=True)
    finally:
        cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--setups", default="cluster,sentinel")
    parser.add_argument("--waits", default="0,1", help="wait_replicas values to try")
    parser.add_argument("--load", type=float, default=3.0, help="seconds of load before the kill")
    parser.add_argument("--restart", type=float, default=5.0, help="seconds until the restart")
    parser.add_argument("--after", type=float, default=2.0, help="seconds of load after recovery")
    parser.add_argument("--cost", type=int, default=0, help="instead: rates for N jobs ± WAIT")
    args = parser.parse_args()
    if args.cost:
        measure_cost(args.cost, args.runs)
        return
    runners = {"cluster": run_cluster, "sentinel": run_sentinel}
    results: list[RunResult] = []
    for setup in args.setups.split(","):
        for wait in (int(w) for w in args.waits.split(",")):
            for _ in range(args.runs):
                directory = Path(tempfile.mkdtemp(prefix="jobs-failover-"))
                try:
                    timing = Timing(args.load, args.restart, args.after)
                    result = runners[setup](directory, wait, timing)
                finally:
                    shutil.rmtree(directory, ignore_errors=True)
                print(json.dumps(asdict(result)), flush=True)
                results.append(result)
    print("\nsetup     wait  runs  acked(sum)  lost(sum)  twice  recovery p/w (median s)  enq/s")
    for setup in args.setups.split(","):
        for wait in (int(w) for w in args.waits.split(",")):
            rs = [r for r in results if r.setup == setup and r.wait_replicas == wait]
            print(
                f"{setup:9} {wait:4} {len(rs):5} {sum(r.acked for r in rs):11} "
                f"{sum(r.lost for r in rs):10} {sum(r.ran_twice for r in rs):6} "
                f"{statistics.median(r.producer_gap_s for r in rs):11.2f} /"
                f"{statistics.median(r.worker_gap_s for r in rs):5.2f}"
                f"{statistics.median(r.enqueue_per_s for r in rs):16.0f}"
            )


if __name__ == "__main__":
    main()
